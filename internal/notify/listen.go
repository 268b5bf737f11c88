package notify

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/internal/outbox"
	"github.com/kurastore/kura/wire/notification"
)

// wantsReads reports whether f selects a read's event.
func (f ListenFilter) wantsReads() bool {
	for _, e := range f.Events {
		if notification.EventMatches(e, object.EventAccessedGet) || notification.EventMatches(e, object.EventAccessedHead) {
			return true
		}
	}
	return false
}

// ListenFilter selects the events a listener receives.
type ListenFilter struct {
	// Bucket is the bucket, or "" for every bucket.
	Bucket string
	Prefix string
	Suffix string
	// Events are event names or group wildcards ("s3:ObjectCreated:*").
	Events []string
}

func (f ListenFilter) matches(bucket, key, event string) bool {
	if f.Bucket != "" && f.Bucket != bucket {
		return false
	}
	if !strings.HasPrefix(key, f.Prefix) || !strings.HasSuffix(key, f.Suffix) {
		return false
	}
	for _, e := range f.Events {
		if notification.EventMatches(e, event) {
			return true
		}
	}
	return false
}

// lateCommitWindow is how far back a listener looks again on every poll:
// an event's sequence key is taken just before its transaction commits,
// so an event may become visible after later keys have.
const lateCommitWindow = 2 * time.Second

// KeepAlive is how long a listener's stream stays silent before Listen
// asks for a keep-alive.
const KeepAlive = 10 * time.Second

// listeners are this server's active listeners.
type listeners struct {
	mu     sync.Mutex
	set    map[*listener]struct{}
	closed chan struct{}
	once   sync.Once
	// changed is told when a listener comes or goes.
	changed chan struct{}
}

// CloseListeners ends every listener's stream, now and from now on: the
// server is shutting down.
func (s *Service) CloseListeners() {
	s.listeners.once.Do(func() { close(s.listeners.closing()) })
}

func (ls *listeners) closing() chan struct{} {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.closed == nil {
		ls.closed = make(chan struct{})
	}
	return ls.closed
}

type listener struct {
	filter ListenFilter
	kick   outbox.Wake
}

func (ls *listeners) add(f ListenFilter) *listener {
	l := &listener{filter: f, kick: outbox.NewWake()}
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.set == nil {
		ls.set = map[*listener]struct{}{}
	}
	ls.set[l] = struct{}{}
	ls.noteChange()
	return l
}

func (ls *listeners) remove(l *listener) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	delete(ls.set, l)
	ls.noteChange()
}

func (ls *listeners) noteChange() {
	select {
	case ls.changed <- struct{}{}:
	default:
	}
}

// readFilters are the filters of the listeners that want reads' events.
func (ls *listeners) readFilters() []ListenFilter {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	var out []ListenFilter
	for l := range ls.set {
		if l.filter.wantsReads() {
			out = append(out, l.filter)
		}
	}
	return out
}

func (ls *listeners) kickAll() {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	for l := range ls.set {
		l.kick.Poke()
	}
}

func (ls *listeners) want(bucket, key, event string) bool {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	for l := range ls.set {
		if l.filter.matches(bucket, key, event) {
			return true
		}
	}
	return false
}

// Listen streams the events that match f, as lines of
// {"Records":[record]}, to emit, until ctx ends or emit fails. emit(nil)
// asks for a keep-alive after KeepAlive of silence.
//
// Without after, it streams the events that happen from now on. With
// after (an event's sequencer), it resumes after that event, from the
// history, for as long as the history reaches back; it may repeat events
// recorded up to two seconds before it, so that none committed late is
// missed: a listener drops the sequencers it has seen.
func (s *Service) Listen(ctx context.Context, f ListenFilter, after string, emit func(line []byte) error) error {
	var lo []byte
	seen := map[string]time.Time{}
	if after != "" {
		seq, err := parseSequencer(after)
		if err != nil {
			return err
		}
		lo = historyKey(outbox.SequenceAt(outbox.SequenceTime(seq).Add(-lateCommitWindow)))
		seen[string(historyKey(seq))] = outbox.SequenceTime(seq)
	} else {
		now, err := s.meta.Now(ctx)
		if err != nil {
			return err
		}
		lo = historyKey(outbox.SequenceAt(now))
	}
	l := s.listeners.add(f)
	defer s.listeners.remove(l)
	closing := s.listeners.closing()
	lastSent := time.Now()
	for {
		keys, vals, err := meta.Scan(ctx, s.meta, lo, meta.PrefixEnd(historyPrefix()), 1000)
		if err != nil {
			return err
		}
		// Only durable events go out (meta.Store Sync).
		if slices.ContainsFunc(keys, func(k []byte) bool { _, dup := seen[string(k)]; return !dup }) {
			if err := s.meta.Sync(ctx); err != nil {
				return err
			}
		}
		var newest time.Time
		for i, k := range keys {
			t := outbox.SequenceTime(k[2:])
			if t.After(newest) {
				newest = t
			}
			if _, dup := seen[string(k)]; dup {
				continue
			}
			seen[string(k)] = t
			ev, err := decodeStored(vals[i])
			if err != nil || !f.matches(ev.Bucket, ev.Key, ev.Name) {
				continue
			}
			var line bytes.Buffer
			line.WriteString(`{"Records":[`)
			line.Write(ev.record(s.env))
			line.WriteString("]}\n")
			if err := emit(line.Bytes()); err != nil {
				return err
			}
			lastSent = time.Now()
		}
		if !newest.IsZero() {
			floor := newest.Add(-lateCommitWindow)
			if next := historyKey(outbox.SequenceAt(floor)); bytes.Compare(next, lo) > 0 {
				lo = next
			}
			for k, t := range seen {
				if t.Before(floor) {
					delete(seen, k)
				}
			}
		}
		if len(keys) == 1000 {
			// A burst: page on past the last key read.
			if next := append(bytes.Clone(keys[len(keys)-1]), 0); bytes.Compare(next, lo) > 0 {
				lo = next
			}
			continue
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-closing:
			return nil
		case <-l.kick:
			time.Sleep(10 * time.Millisecond) // batch a burst of writes
		case <-time.After(pollInterval):
		}
		if time.Since(lastSent) >= KeepAlive {
			if err := emit(nil); err != nil {
				return err
			}
			lastSent = time.Now()
		}
	}
}

// WantsAccess reports whether a read's event (s3:ObjectAccessed:Get or
// Head) of bucket/key must be recorded: the bucket's notification
// configuration doc sends it somewhere, or a listener here wants it.
// Reads are not recorded otherwise, so that they cost no write.
func (s *Service) WantsAccess(bucket, key, event string, doc []byte) bool {
	if s.listeners.want(bucket, key, event) || s.elsewhere.want(bucket, key, event) {
		return true
	}
	if doc == nil {
		return false
	}
	cfg, err := s.parseConfig(doc)
	return err == nil && len(cfg.Destinations(event, key)) > 0
}

// accessQueue records reads' events off the request path.
type accessQueue struct {
	jobs    chan accessJob
	dropped atomic.Int64
}

type accessJob struct {
	origin Origin
	record func(context.Context) error
}

func (q *accessQueue) init() { q.jobs = make(chan accessJob, 4096) }

// Accessed queues record, which records a read's event, to run soon with
// origin. When the queue is full the event is dropped and counted.
func (s *Service) Accessed(origin Origin, record func(context.Context) error) {
	select {
	case s.access.jobs <- accessJob{origin, record}:
	default:
		if s.access.dropped.Add(1)%1000 == 1 {
			s.log.Warn("notify: too many read events waiting to be recorded; dropping some", "dropped", s.access.dropped.Load())
		}
	}
}

func (q *accessQueue) run(ctx context.Context, s *Service) {
	for {
		select {
		case <-ctx.Done():
			return
		case j := <-q.jobs:
			jctx, cancel := context.WithTimeout(WithOrigin(ctx, j.origin), 30*time.Second)
			if err := j.record(jctx); err != nil && ctx.Err() == nil {
				s.log.Warn("notify: recording a read's event", "err", err)
			}
			cancel()
		}
	}
}
