package replicate

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/internal/outbox"
	"github.com/kurastore/kura/s3err"
)

// targetRun is one target's worker: it holds the target's lease and
// carries out its queue in order.
type targetRun struct {
	t       Target
	cl      *client.Client
	limiter *rate.Limiter // nil: no bandwidth limit
	kick    outbox.Wake
	cancel  context.CancelFunc
	done    chan struct{}

	// down is when the destination may be tried again after failing to
	// answer; downFor is the current backoff.
	down    time.Time
	downFor time.Duration
}

// Run works the queues of every registered target until ctx ends,
// starting and stopping workers as targets are added and removed.
func (s *Service) Run(ctx context.Context, layer *object.Layer) {
	s.layer.Store(layer)
	go outbox.Relay(ctx, s.kick, s.kickAll)
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for {
		if err := s.reconcile(ctx, layer); err != nil && ctx.Err() == nil {
			s.log.Warn("reading replication targets", "err", err)
		}
		select {
		case <-ctx.Done():
			s.stopAll()
			return
		case <-tick.C:
		}
	}
}

// kickAll wakes every target's worker.
func (s *Service) kickAll() {
	s.mu.Lock()
	for _, r := range s.running {
		r.kick.Poke()
	}
	s.mu.Unlock()
}

func (s *Service) reconcile(ctx context.Context, layer *object.Layer) error {
	all, err := s.opts.Targets.every(ctx)
	if err != nil {
		return err
	}
	want := make(map[string]Target, len(all))
	for _, t := range all {
		want[t.ID] = t
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, r := range s.running {
		if t, ok := want[id]; !ok || t != r.t {
			r.cancel()
			<-r.done
			delete(s.running, id)
			if !ok {
				go s.dropQueue(context.WithoutCancel(ctx), id)
			}
		}
	}
	for id, t := range want {
		if _, ok := s.running[id]; ok {
			continue
		}
		r, err := s.newRun(t)
		if err != nil {
			s.log.Warn("replication target unusable", "arn", t.ARN, "err", err)
			continue
		}
		rctx, cancel := context.WithCancel(ctx)
		r.cancel = cancel
		s.running[id] = r
		go func() { defer close(r.done); s.work(rctx, layer, r) }()
	}
	return nil
}

func (s *Service) stopAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, r := range s.running {
		r.cancel()
		<-r.done
		delete(s.running, id)
	}
}

func (s *Service) newRun(t Target) (*targetRun, error) {
	cl, err := client.New(t.Endpoint, &client.Options{
		AccessKey: t.AccessKey, SecretKey: t.SecretKey, Region: t.Region,
		Transport: s.opts.Transport, UserAgent: "kura-replication",
	})
	if err != nil {
		return nil, err
	}
	r := &targetRun{t: t, cl: cl, kick: outbox.NewWake(), done: make(chan struct{})}
	if t.Bandwidth > 0 {
		burst := int(min(t.Bandwidth, 1<<20))
		r.limiter = rate.NewLimiter(rate.Limit(t.Bandwidth), burst)
	}
	return r, nil
}

// dropQueue deletes the queue of a removed target.
func (s *Service) dropQueue(ctx context.Context, id string) {
	p := queuePrefix(id)
	for _, k := range [][]byte{leaseKey(id), statsKey(id), resyncKey(id)} {
		_ = s.opts.Meta.Update(ctx, nil, func(tx meta.Txn) error { return tx.Delete(k) })
	}
	_, _ = meta.DeleteRange(ctx, s.opts.Meta, p, meta.PrefixEnd(p), 1000)
}

// work holds the target's lease and carries out its queue until ctx
// ends.
func (s *Service) work(ctx context.Context, layer *object.Layer, r *targetRun) {
	lease := meta.Lease{Key: leaseKey(r.t.ID), Holder: s.opts.Holder, Term: s.opts.LeaseTerm}
	var until time.Time
	for ctx.Err() == nil {
		if time.Until(until) < s.opts.LeaseTerm/2 {
			held, u, err := lease.Take(ctx, s.opts.Meta)
			if err != nil || !held {
				until = time.Time{}
				outbox.Sleep(ctx, s.opts.LeaseTerm/3)
				continue
			}
			until = u
		}
		busy, err := s.round(ctx, layer, r)
		if err != nil && ctx.Err() == nil {
			s.log.Warn("replication round", "arn", r.t.ARN, "err", err)
		}
		if resyncing, err := s.resyncStep(ctx, layer, r); err != nil && ctx.Err() == nil {
			s.log.Warn("replication resync", "arn", r.t.ARN, "err", err)
		} else if resyncing {
			busy = true
		}
		if busy {
			continue
		}
		wait := s.opts.Poll
		if d := time.Until(r.down); d > 0 && d < wait {
			wait = d
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-r.kick:
		case <-t.C:
		}
		t.Stop()
	}
}

// due reads the target's queue in order and returns up to batchSize
// changes that may be tried now, grouped by object key in queue order. A
// key whose oldest change waits out a backoff is left out whole, so
// that a key's changes are always made in order. next is when the
// earliest waiting change is due.
func (s *Service) due(ctx context.Context, r *targetRun) (keys [][]queued, next time.Time, err error) {
	now := s.opts.Now()
	p := queuePrefix(r.t.ID)
	err = s.opts.Meta.View(ctx, func(rd meta.Reader) error {
		keys, next = nil, time.Time{}
		it, err := rd.NewIter(p, meta.PrefixEnd(p))
		if err != nil {
			return err
		}
		defer it.Close()
		index := map[string]int{}
		blocked := map[string]bool{}
		n, scanned := 0, 0
		for ok := it.First(); ok && n < batchSize && scanned < scanLimit; ok = it.Next() {
			scanned++
			v, err := it.Value()
			if err != nil {
				return err
			}
			t, err := decodeTask(v)
			if err != nil {
				s.log.Warn("dropping an unreadable replication task", "arn", r.t.ARN, "err", err)
				continue
			}
			id := t.Bucket + "/" + t.Key
			if blocked[id] {
				continue
			}
			if t.NotBefore.After(now) {
				blocked[id] = true
				if next.IsZero() || t.NotBefore.Before(next) {
					next = t.NotBefore
				}
				continue
			}
			q := queued{key: append([]byte(nil), it.Key()...), task: t}
			if i, ok := index[id]; ok {
				keys[i] = append(keys[i], q)
			} else {
				index[id] = len(keys)
				keys = append(keys, []queued{q})
			}
			n++
		}
		return it.Err()
	})
	return keys, next, err
}

// round carries out one batch of due changes, object keys in parallel
// and each key's changes in order. It reports whether it did anything.
func (s *Service) round(ctx context.Context, layer *object.Layer, r *targetRun) (bool, error) {
	if time.Now().Before(r.down) {
		return false, nil
	}
	keys, _, err := s.due(ctx, r)
	if err != nil || len(keys) == 0 {
		return false, err
	}
	if !r.down.IsZero() {
		// The destination failed to answer: probe it with one change
		// before sending the rest.
		keys = keys[:1]
		keys[0] = keys[0][:1]
	}
	var (
		mu       sync.Mutex
		finished []queued
		failed   []queued
		lost     bool
	)
	done := make(chan queued, s.opts.Workers)
	committed := make(chan error, 1)
	go func() { committed <- s.commitDone(ctx, layer, r, done) }()
	sem := make(chan struct{}, s.opts.Workers)
	var wg sync.WaitGroup
	for _, chain := range keys {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			for _, q := range chain {
				mu.Lock()
				stop := lost
				mu.Unlock()
				if stop || ctx.Err() != nil {
					return
				}
				err := s.apply(ctx, layer, r, q.task)
				if err == nil {
					done <- q
				}
				mu.Lock()
				if err == nil {
					finished = append(finished, q)
				} else {
					q.LastError = err.Error()
					failed = append(failed, q)
					lost = lost || unreachable(err)
				}
				mu.Unlock()
				if err != nil {
					return // the key's later changes wait for this one
				}
			}
		}()
	}
	wg.Wait()
	close(done)
	if err := <-committed; err != nil {
		return false, err
	}
	if lost {
		r.downFor = min(max(2*r.downFor, time.Second), maxTargetBackoff)
		r.down = time.Now().Add(r.downFor)
	} else if len(finished) > 0 {
		r.down, r.downFor = time.Time{}, 0
	}
	if err := s.settle(ctx, layer, r, failed); err != nil {
		return false, err
	}
	return len(finished) > 0, nil
}

// unreachable reports an error that says the destination did not answer
// (or answered that it is overloaded or unavailable), rather than that
// it refused this change.
func unreachable(err error) bool {
	var e *client.ErrorResponse
	if errors.As(err, &e) {
		return e.StatusCode == http.StatusServiceUnavailable || e.StatusCode == http.StatusTooManyRequests || e.Code == "SlowDown"
	}
	return !errors.Is(err, errSkip)
}

// errSkip is not an error of the destination: the change cannot be
// carried out from here (kept for the record, never retried sooner).
var errSkip = errors.New("replicate: change cannot be replicated")

// commitBatch is the most changes commitDone records in one
// transaction; commitWait is how long it waits for more after the first.
const (
	commitBatch = 128
	commitWait  = 2 * time.Millisecond
)

// commitDone records the changes carried out as they come, until done is
// closed: their versions' COMPLETED status, their removal from the
// queue and the target's counters, in one transaction for all the
// changes that finished within commitWait of each other. A change is
// recorded while the round's slower changes are still being sent, and
// each transaction's commit is shared by many.
func (s *Service) commitDone(ctx context.Context, layer *object.Layer, r *targetRun, done <-chan queued) error {
	var firstErr error
	for q := range done {
		batch := []queued{q}
		timer := time.NewTimer(commitWait)
	collect:
		for len(batch) < commitBatch {
			select {
			case q, ok := <-done:
				if !ok {
					break collect
				}
				batch = append(batch, q)
			case <-timer.C:
				break collect
			}
		}
		timer.Stop()
		if firstErr != nil {
			continue // drain, so that no sender blocks
		}
		firstErr = s.record(ctx, layer, r, batch)
	}
	return firstErr
}

// record writes what commitDone records for a batch.
func (s *Service) record(ctx context.Context, layer *object.Layer, r *targetRun, batch []queued) error {
	ups := make([]object.ReplicationStatusUpdate, 0, len(batch))
	for _, q := range batch {
		if q.Kind != object.ChangeVersionDelete {
			ups = append(ups, object.ReplicationStatusUpdate{Bucket: q.Bucket, Key: q.Key, VersionID: q.VersionID, Target: r.t.ARN, Status: object.ReplicationCompleted})
		}
	}
	return layer.SetReplicationStatuses(ctx, ups, func(tx meta.Txn) error {
		st, err := readStats(tx, r.t.ID)
		if err != nil {
			return err
		}
		for _, q := range batch {
			if err := tx.Delete(q.key); err != nil {
				return err
			}
			st.Completed++
			if q.Kind == object.ChangeVersion {
				st.CompletedBytes += q.Size
			}
		}
		return writeStats(tx, r.t.ID, st)
	})
}

// settle records what a round's failed changes did: their tries, their
// backoff, the FAILED status of those that failed too often, and the
// target's last error. (commitDone recorded the changes carried out.)
func (s *Service) settle(ctx context.Context, layer *object.Layer, r *targetRun, failed []queued) error {
	if len(failed) == 0 {
		return nil
	}
	now := s.opts.Now()
	var ups []object.ReplicationStatusUpdate
	for i := range failed {
		q := &failed[i]
		q.Attempts++
		q.NotBefore = now.Add(backoff(q.Attempts))
		if q.Attempts >= failAfter && !q.Failed && q.Kind != object.ChangeVersionDelete {
			q.Failed = true
			ups = append(ups, object.ReplicationStatusUpdate{Bucket: q.Bucket, Key: q.Key, VersionID: q.VersionID, Target: r.t.ARN, Status: object.ReplicationFailed})
		}
	}
	// The FAILED statuses and the tasks' new tries go in one transaction:
	// a task is never marked failed on a version whose entry says it has
	// tries left, nor the other way round.
	return layer.SetReplicationStatuses(ctx, ups, func(tx meta.Txn) error {
		st, err := readStats(tx, r.t.ID)
		if err != nil {
			return err
		}
		for _, q := range failed {
			// The queue entry may be gone if the target was removed;
			// writing it back would resurrect it for nobody.
			if _, err := tx.Get(q.key); errors.Is(err, meta.ErrNotFound) {
				continue
			} else if err != nil {
				return err
			}
			v, err := encodeTask(q.task)
			if err != nil {
				return err
			}
			if err := tx.Set(q.key, v); err != nil {
				return err
			}
			st.LastError, st.LastErrorTime = fmt.Sprintf("%s/%s: %s", q.Bucket, q.Key, q.LastError), now
		}
		return writeStats(tx, r.t.ID, st)
	})
}

// backoff is how long a change waits after its n-th failed try.
func backoff(n int) time.Duration {
	d := time.Second << min(n-1, 20)
	return min(d, maxBackoff)
}

// missing reports an error of the source layer that says the version is
// gone: its change has nothing left to send.
func missing(err error) bool {
	for _, e := range []error{object.ErrVersionChanged, s3err.ErrNoSuchKey, s3err.ErrNoSuchVersion, s3err.ErrNoSuchBucket, s3err.ErrMethodNotAllowed} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// refusedAsMissing reports a destination's answer that what a delete
// would remove is not there: the delete is done.
func refusedAsMissing(err error) bool {
	var e *client.ErrorResponse
	return errors.As(err, &e) && (e.Code == "NoSuchKey" || e.Code == "NoSuchVersion")
}
