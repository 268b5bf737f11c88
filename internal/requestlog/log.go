package requestlog

import (
	"cmp"
	"errors"
	"io"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	"github.com/kurastore/kura/internal/httpapi"
)

// Defaults of Options.
const (
	DefaultQueueSize        = 10000
	DefaultFlushInterval    = 100 * time.Millisecond
	DefaultDropWarnInterval = 10 * time.Second
	DefaultMaxFiles         = 10
)

// Stdout is the Path that writes the log to standard output.
const Stdout = "-"

// Options configure a Log.
type Options struct {
	// Path is the log file, or Stdout.
	Path string
	// MaxSize is the size in bytes past which the file is rotated; 0
	// never rotates it (logrotate then does, with Reopen).
	MaxSize int64
	// MaxFiles is how many rotated files are kept (DefaultMaxFiles when
	// 0).
	MaxFiles int
	// QueueSize is how many lines wait for the writer at most
	// (DefaultQueueSize when 0); past it lines are dropped and counted.
	QueueSize int
	// FlushInterval is how often buffered lines are written out
	// (DefaultFlushInterval when 0).
	FlushInterval time.Duration
	// DropWarnInterval is the least time between two warnings of dropped
	// lines (DefaultDropWarnInterval when 0).
	DropWarnInterval time.Duration
	// Stdout is where Path "-" writes (os.Stdout when nil).
	Stdout io.Writer
	Logger *slog.Logger
}

// Log is an open access log.
type Log struct {
	queue    chan []byte
	reopens  chan chan error
	stop     chan struct{}
	done     chan struct{}
	dropped  atomic.Uint64
	out      *output
	interval time.Duration
	warnGap  time.Duration
	log      *slog.Logger
	// errLogged is when the writer last logged a write error: a failing
	// disk fails every flush, and one error per warnGap says enough.
	errLogged time.Time
}

// Open opens the log and starts its writer.
func Open(o Options) (*Log, error) {
	l, err := newLog(o)
	if err != nil {
		return nil, err
	}
	go l.run()
	go l.warnDrops()
	return l, nil
}

// newLog opens the log without starting its writer.
func newLog(o Options) (*Log, error) {
	if o.Path == "" {
		return nil, errors.New("requestlog: no path")
	}
	if o.MaxSize < 0 || o.MaxFiles < 0 || o.QueueSize < 0 {
		return nil, errors.New("requestlog: negative size, file count or queue size")
	}
	l := &Log{
		reopens:  make(chan chan error),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
		interval: cmp.Or(o.FlushInterval, DefaultFlushInterval),
		warnGap:  cmp.Or(o.DropWarnInterval, DefaultDropWarnInterval),
		log:      o.Logger,
	}
	l.queue = make(chan []byte, cmp.Or(o.QueueSize, DefaultQueueSize))
	if l.log == nil {
		l.log = slog.Default()
	}
	if o.Path == Stdout {
		w := o.Stdout
		if w == nil {
			w = os.Stdout
		}
		l.out = streamOutput(w)
		return l, nil
	}
	var err error
	if l.out, err = openFile(o.Path, o.MaxSize, cmp.Or(o.MaxFiles, DefaultMaxFiles)); err != nil {
		return nil, err
	}
	return l, nil
}

// Observe logs a request. It never waits: when the queue is full the
// line is dropped and counted. Waiting, even briefly, would let a
// stalled disk stall every request, a log turning into an outage; the
// count (Dropped) and the writer's warnings keep the loss in sight.
func (l *Log) Observe(r *httpapi.RequestRecord) {
	l.add(NewEntry(r).Line())
}

func (l *Log) add(line []byte) {
	select {
	case l.queue <- line:
	default:
		l.dropped.Add(1)
	}
}

// Dropped is how many lines were lost: dropped from a full queue, or
// not written because the file could not be.
func (l *Log) Dropped() uint64 { return l.dropped.Load() }

// Queued is how many lines wait for the writer.
func (l *Log) Queued() int { return len(l.queue) }

// Reopen writes out what is queued and buffered, to the file open until
// then, and opens the file at its path afresh, after logrotate renamed
// it. It waits for the writer.
func (l *Log) Reopen() error {
	reply := make(chan error, 1)
	select {
	case l.reopens <- reply:
		return <-reply
	case <-l.done:
		return errors.New("requestlog: closed")
	}
}

// Close writes out every queued line and closes the file. Lines
// observed after Close are dropped.
func (l *Log) Close() error {
	select {
	case <-l.stop:
	default:
		close(l.stop)
	}
	<-l.done
	return nil
}

// run is the writer: it moves queued lines into the output's buffer and
// writes them out every interval (the buffer writes itself out when
// full).
func (l *Log) run() {
	defer close(l.done)
	tick := time.NewTicker(l.interval)
	defer tick.Stop()
	for {
		select {
		case line := <-l.queue:
			l.lose(l.out.write(line))
		case <-tick.C:
			l.lose(l.out.flush())
		case reply := <-l.reopens:
			l.drain() // what was queued before the signal goes to the old file
			lost, err := l.out.reopen()
			l.lose(lost, nil)
			reply <- err
		case <-l.stop:
			l.drain()
			l.lose(l.out.close())
			return
		}
	}
}

// drain writes what is queued.
func (l *Log) drain() {
	for {
		select {
		case line := <-l.queue:
			l.lose(l.out.write(line))
		default:
			return
		}
	}
}

// lose counts lines that could not be written, and logs why.
func (l *Log) lose(lost int, err error) {
	if lost > 0 {
		l.dropped.Add(uint64(lost))
	}
	if err != nil && time.Since(l.errLogged) >= l.warnGap {
		l.log.Error("access log", "err", err, "lines_lost", lost, "dropped_total", l.dropped.Load())
		l.errLogged = time.Now()
	}
}

// warnDrops logs, every DropWarnInterval while lines are being dropped,
// how many were. It is apart from the writer, which a stalled disk
// holds.
func (l *Log) warnDrops() {
	tick := time.NewTicker(l.warnGap)
	defer tick.Stop()
	var warned uint64
	for {
		select {
		case <-l.done:
			return
		case <-tick.C:
			if d := l.dropped.Load(); d > warned {
				l.log.Warn("access log: lines dropped", "dropped", d-warned, "dropped_total", d, "queued", len(l.queue))
				warned = d
			}
		}
	}
}
