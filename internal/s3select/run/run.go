// Package run is the loop of a SelectObjectContent request: it reads the
// object's records, evaluates the query over each, writes the rows in the
// output format and sends them as the messages of S3 Select's event
// stream: Records as the output fills, Cont while a long scan finds
// nothing, Progress when the request asks for it, then Stats and End.
//
// Run never holds more than one Records payload of output. Its caller
// decides how an error reaches the client: before the first message is
// sent it can still be an ordinary S3 error response; after, it is an
// error message of the stream (see Runner.Sent).
package run

import (
	"context"
	"io"
	"sync/atomic"
	"time"

	"github.com/kurastore/kura/internal/s3select/input"
	"github.com/kurastore/kura/internal/s3select/output"
	"github.com/kurastore/kura/internal/s3select/parquetin"
	"github.com/kurastore/kura/internal/s3select/sql"
	"github.com/kurastore/kura/wire/s3select"
)

// Records reads the records of an object, as input.Reader does.
type Records interface {
	// Next returns the next record, or io.EOF after the last one.
	Next() (sql.Record, error)
	BytesScanned() int64
	BytesProcessed() int64
}

// Defaults of Options.
const (
	// DefaultPayloadSize is the output a Records message carries at
	// most, well under the event stream's 16 MiB message limit.
	DefaultPayloadSize = 256 << 10
	// DefaultKeepAlive is how long a scan may go without sending anything
	// before it sends a Cont message (or the rows it holds), so that
	// clients and proxies do not time the connection out.
	DefaultKeepAlive = 5 * time.Second
	// DefaultProgressEvery is how often Progress messages go out when the
	// request asks for them.
	DefaultProgressEvery = time.Second
)

// Options tune the stream; zero values take the defaults.
type Options struct {
	// Progress sends Progress messages (the request's RequestProgress).
	Progress      bool
	PayloadSize   int
	KeepAlive     time.Duration
	ProgressEvery time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Send delivers one message to the client. It must not keep the
// message after it returns: the payload is reused.
type Send func(*s3select.Message) error

// Runner runs one query over one object.
type Runner struct {
	query *sql.Query
	recs  Records
	out   output.Writer
	opts  Options
	send  Send

	buf      []byte
	current  sql.Record // the record being evaluated, for SELECT *
	returned int64
	sent     bool
	lastSent time.Time
	lastProg time.Time

	// Reading the clock costs about as much as reading a small record,
	// so while records come fast it is read only every clockEvery
	// records.
	clockEvery int
	sinceClock int
	lastClock  time.Time

	// A split scan (NewParts) has parts instead of recs, which is nil.
	parts     []Part
	total     int64
	workers   int
	scanned   []atomic.Int64 // by part, as its reader last told
	processed []atomic.Int64
}

const (
	// clockGrain is how far apart readings of the clock should be, at
	// least, before it is read more often.
	clockGrain = time.Millisecond
	// maxClockEvery bounds the records between readings, so that a run
	// of slow records after fast ones delays a keep-alive little.
	maxClockEvery = 256
)

// New returns a runner of q over recs, writing rows with out and sending
// messages with send.
func New(q *sql.Query, recs Records, out output.Writer, opts Options, send Send) *Runner {
	if opts.PayloadSize <= 0 {
		opts.PayloadSize = DefaultPayloadSize
	}
	if opts.KeepAlive <= 0 {
		opts.KeepAlive = DefaultKeepAlive
	}
	if opts.ProgressEvery <= 0 {
		opts.ProgressEvery = DefaultProgressEvery
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Runner{query: q, recs: recs, out: out, opts: opts, send: send}
}

// Sent reports whether any message has been sent: once one has, an error
// can reach the client only as an error message.
func (r *Runner) Sent() bool { return r.sent }

// Stats are the counts so far: bytes read from the object, bytes
// decompressed, and bytes of output sent.
func (r *Runner) Stats() s3select.Stats {
	if r.recs == nil {
		scanned, processed := r.partStats()
		return s3select.Stats{BytesScanned: scanned, BytesProcessed: processed, BytesReturned: r.returned}
	}
	return s3select.Stats{
		BytesScanned:   r.recs.BytesScanned(),
		BytesProcessed: r.recs.BytesProcessed(),
		BytesReturned:  r.returned,
	}
}

// Run evaluates the query over every record and sends the results, then
// Stats and End. It returns the first error: of the object, of its
// records, of the query's evaluation or of send; the caller reports it.
// The stream then has no End.
func (r *Runner) Run(ctx context.Context) error {
	if r.recs == nil {
		return r.runParts(ctx)
	}
	now := r.opts.Now()
	r.lastSent, r.lastProg, r.lastClock, r.clockEvery = now, now, now, 1
	ev := r.query.NewEvaluator()
	csv, _ := r.recs.(*input.CSVReader)
	limit := r.query.Limit()
	rows := int64(0)
	emit := func(row []sql.Column) error {
		if limit >= 0 && rows >= limit {
			return nil // a record that yields several rows may pass LIMIT
		}
		if csv != nil {
			// A name that matched two header fields is an error only
			// for a record the query keeps.
			if err := csv.Ambiguous(); err != nil {
				return err
			}
		}
		rows++
		if row == nil {
			r.buf = r.out.AppendRecord(r.buf, r.current)
		} else {
			r.buf = r.out.AppendRow(r.buf, row)
		}
		return nil
	}
	for n := 0; limit < 0 || rows < limit; n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		rec, err := r.recs.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		r.current = rec
		if err := ev.EvalEach(rec, emit); err != nil {
			return err
		}
		if err := r.tick(); err != nil {
			return err
		}
	}
	r.current = nil
	return r.finish(ev)
}

// finish sends the result of an aggregate query (ev's), the rows still
// held, then Progress when asked for, Stats and End. ev is nil when no
// aggregate row is due.
func (r *Runner) finish(ev *sql.Evaluator) error {
	if r.query.Aggregate() {
		if ev == nil {
			ev = r.query.NewEvaluator()
		}
		row, err := ev.Finish()
		if err != nil {
			return err
		}
		r.buf = r.out.AppendRow(r.buf, row)
	}
	if err := r.flush(); err != nil {
		return err
	}
	if r.opts.Progress {
		if err := r.emit(s3select.ProgressMessage(r.Stats())); err != nil {
			return err
		}
	}
	if err := r.emit(s3select.StatsMessage(r.Stats())); err != nil {
		return err
	}
	return r.emit(s3select.EndMessage())
}

// tick sends what is due after a record: a full payload of rows, a
// Progress message, or, after a long silence, the rows held or a Cont.
func (r *Runner) tick() error {
	if len(r.buf) >= r.opts.PayloadSize {
		if err := r.flush(); err != nil {
			return err
		}
	}
	if r.sinceClock++; r.sinceClock < r.clockEvery {
		return nil
	}
	return r.due(r.readClock())
}

// due sends what the clock says is due: a Progress message, or after a
// long silence the rows held or a Cont.
func (r *Runner) due(now time.Time) error {
	if r.opts.Progress && now.Sub(r.lastProg) >= r.opts.ProgressEvery {
		r.lastProg = now
		if err := r.flush(); err != nil {
			return err
		}
		if err := r.emit(s3select.ProgressMessage(r.Stats())); err != nil {
			return err
		}
	}
	if now.Sub(r.lastSent) >= r.opts.KeepAlive {
		if len(r.buf) > 0 {
			return r.flush()
		}
		return r.emit(s3select.ContMessage())
	}
	return nil
}

// readClock reads the clock, and doubles the records between readings
// when the last was less than clockGrain ago, or halves them.
func (r *Runner) readClock() time.Time {
	now := r.opts.Now()
	if now.Sub(r.lastClock) < clockGrain {
		r.clockEvery = min(2*r.clockEvery, maxClockEvery)
	} else {
		r.clockEvery = max(r.clockEvery/2, 1)
	}
	r.sinceClock, r.lastClock = 0, now
	return now
}

// flush sends the rows held, in payloads of at most PayloadSize bytes.
func (r *Runner) flush() error {
	for off := 0; off < len(r.buf); {
		n := min(len(r.buf)-off, r.opts.PayloadSize)
		if err := r.emit(s3select.RecordsMessage(r.buf[off : off+n])); err != nil {
			return err
		}
		r.returned += int64(n)
		off += n
	}
	r.buf = r.buf[:0]
	return nil
}

func (r *Runner) emit(m *s3select.Message) error {
	r.sent = true
	r.lastSent = r.opts.Now()
	return r.send(m)
}

// Parquet adapts a Parquet reader to Records.
func Parquet(rd *parquetin.Reader) Records { return parquetRecords{rd} }

type parquetRecords struct{ *parquetin.Reader }

func (p parquetRecords) Next() (sql.Record, error) { return p.Read() }
