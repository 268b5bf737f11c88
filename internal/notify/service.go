package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/outbox"
	"github.com/kurastore/kura/internal/sealbox"
	"github.com/kurastore/kura/wire/notification"
)

// Defaults of Options.
const (
	DefaultHistory   = time.Hour
	DefaultMaxQueued = 100_000
	// deliveryBatch is the most events one Send carries.
	deliveryBatch = 100
	// sendTimeout bounds one Send.
	sendTimeout = 30 * time.Second
	// maxBackoff is the longest wait between retries of a failing target.
	maxBackoff = 30 * time.Second
	// pollInterval is how often a deliverer looks for events it was not
	// told of (those written through other gateways).
	pollInterval = 250 * time.Millisecond
	// leaseTTL is how long a gateway delivers to a target without
	// renewing its lease; a dead gateway's targets move on after it.
	leaseTTL = 15 * time.Second
	// reloadInterval is how often a gateway looks for targets added or
	// removed through another.
	reloadInterval = 2 * time.Second
)

// Options configure a Service.
type Options struct {
	Meta meta.Store
	// Region is the server's region: the records' awsRegion, and the
	// region an ARN may name (or leave empty).
	Region string
	// Owner is the principal id reported as every bucket's owner.
	Owner string
	// SealKey (32 bytes) seals the secret settings of targets added
	// through the admin API.
	SealKey []byte
	// Env are targets configured at start (from the environment); they
	// are not stored, and every gateway must be given the same.
	Env []Config
	// Shared says gateways share the metadata store: each target is
	// delivered to by the one gateway that holds its lease.
	Shared bool
	// History is how long every event stays readable by listeners that
	// resume after a sequencer. Default DefaultHistory.
	History time.Duration
	// MaxQueued bounds the events queued for one target that does not
	// take them; past it the oldest are dropped, counted and logged.
	// Default DefaultMaxQueued.
	MaxQueued int
	Logger    *slog.Logger
}

// ErrTargetExists refuses to add a target whose type and name are taken.
var ErrTargetExists = errors.New("notify: a target of that type and name exists")

// ErrNoSuchTarget is returned for a target that is not configured.
var ErrNoSuchTarget = errors.New("notify: no such target")

// ErrEnvTarget refuses to remove a target configured by the environment.
var ErrEnvTarget = errors.New("notify: the target is configured by the environment; change the environment to remove it")

// Service records events in the outbox, delivers them to targets, and
// serves listeners.
type Service struct {
	opts Options
	meta meta.Store
	log  *slog.Logger
	seq  *outbox.Sequencer
	id   string // this process, as a lease holder
	env  recordEnv
	seal *sealbox.Box

	cfgMu sync.Mutex
	cfgs  map[string]*notification.Configuration

	mu      sync.RWMutex
	targets map[string]*runTarget
	runCtx  context.Context
	wg      sync.WaitGroup

	kick       outbox.Wake
	unroutable atomic.Int64
	listeners  listeners
	// elsewhere is what the listeners on other gateways want of reads.
	elsewhere remoteWants
	access    accessQueue
}

// New makes a service. Run starts its delivery.
func New(opts Options) (*Service, error) {
	if opts.History <= 0 {
		opts.History = DefaultHistory
	}
	if opts.MaxQueued <= 0 {
		opts.MaxQueued = DefaultMaxQueued
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	seal, err := sealbox.New(opts.SealKey, sealPurpose)
	if err != nil {
		return nil, err
	}
	s := &Service{
		opts: opts, meta: opts.Meta, log: opts.Logger, seal: seal,
		env:     recordEnv{region: opts.Region, owner: opts.Owner},
		cfgs:    map[string]*notification.Configuration{},
		targets: map[string]*runTarget{},
		kick:    outbox.NewWake(),
	}
	s.listeners.changed = make(chan struct{}, 1)
	s.seq = outbox.NewSequencer()
	s.id = fmt.Sprintf("%X", s.seq.Process())
	s.access.init()
	for _, c := range opts.Env {
		c.Name = strings.ToLower(c.Name)
		k, err := c.Check()
		if err != nil {
			return nil, err
		}
		id := targetID(c.Type, c.Name)
		if _, dup := s.targets[id]; dup {
			return nil, fmt.Errorf("%w: %s", ErrTargetExists, id)
		}
		t, err := k.Open(c)
		if err != nil {
			return nil, fmt.Errorf("notify: %s target %s: %w", c.Type, c.Name, err)
		}
		s.targets[id] = newRunTarget(id, c, t, true)
	}
	return s, nil
}

func targetID(typ, name string) string { return typ + ":" + strings.ToLower(name) }

// runTarget is a target being delivered to, and its counters.
type runTarget struct {
	id      string
	cfg     Config
	target  Target
	fromEnv bool
	kick    outbox.Wake
	stop    context.CancelFunc
	done    chan struct{}

	mu      sync.Mutex
	latency latencies
}

func newRunTarget(id string, c Config, t Target, fromEnv bool) *runTarget {
	return &runTarget{id: id, cfg: c, target: t, fromEnv: fromEnv, kick: outbox.NewWake()}
}

// targetForARN resolves a destination ARN to a configured target:
// arn:minio:sqs:REGION:NAME:TYPE with the server's region or none. On a
// shared store a target another gateway added may not have reached this
// one yet: r, when not nil, is asked too.
func (s *Service) targetForARN(r meta.Reader, arn string) (string, bool, error) {
	a, err := notification.ParseARN(arn)
	if err != nil || a.Partition != "minio" || a.Service != "sqs" || (a.Region != "" && a.Region != s.opts.Region) {
		return "", false, nil
	}
	id := targetID(a.Resource, a.AccountID)
	s.mu.RLock()
	_, ok := s.targets[id]
	s.mu.RUnlock()
	if ok || r == nil || !s.opts.Shared {
		return id, ok, nil
	}
	_, err = r.Get(targetConfigKey(id))
	if errors.Is(err, meta.ErrNotFound) {
		return id, false, nil
	}
	return id, err == nil, err
}

// CheckARN reports whether arn names a configured target: what
// PutBucketNotification requires of every destination.
func (s *Service) CheckARN(ctx context.Context, arn string) (bool, error) {
	var ok bool
	err := s.meta.View(ctx, func(r meta.Reader) (err error) {
		_, ok, err = s.targetForARN(r, arn)
		return err
	})
	return ok, err
}

// Run delivers events until ctx ends, then closes every target.
func (s *Service) Run(ctx context.Context) {
	s.mu.Lock()
	s.runCtx = ctx
	for _, t := range s.targets {
		s.startLocked(t)
	}
	s.mu.Unlock()
	if err := s.reload(ctx); err != nil && ctx.Err() == nil {
		s.log.Error("notify: loading targets", "err", err)
	}
	s.wg.Add(3)
	go func() { defer s.wg.Done(); s.watchTargets(ctx) }()
	go func() { defer s.wg.Done(); s.sweepHistory(ctx) }()
	go func() { defer s.wg.Done(); s.access.run(ctx, s) }()
	if s.opts.Shared {
		s.wg.Add(1)
		go func() { defer s.wg.Done(); s.shareWants(ctx) }()
	}
	go outbox.Relay(ctx, s.kick, s.kickAll)
	<-ctx.Done()
	s.mu.Lock()
	for _, t := range s.targets {
		if t.stop != nil {
			t.stop()
		}
	}
	s.mu.Unlock()
	s.wg.Wait()
	s.mu.Lock()
	for _, t := range s.targets {
		t.target.Close()
	}
	s.mu.Unlock()
}

// startLocked starts t's deliverer; s.mu is held and Run has begun.
func (s *Service) startLocked(t *runTarget) {
	if s.runCtx == nil || t.stop != nil {
		return
	}
	ctx, cancel := context.WithCancel(s.runCtx)
	t.stop, t.done = cancel, make(chan struct{})
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer close(t.done)
		s.deliver(ctx, t)
	}()
}

// kickSoon tells the deliverers and listeners that an event is on its
// way: the transaction that recorded it commits just after.
func (s *Service) kickSoon() { s.kick.Poke() }

// kickAll wakes every deliverer and listener.
func (s *Service) kickAll() {
	s.mu.RLock()
	for _, t := range s.targets {
		t.kick.Poke()
	}
	s.mu.RUnlock()
	s.listeners.kickAll()
}

// deliver sends t's queued events in order, at least once, until ctx
// ends.
func (s *Service) deliver(ctx context.Context, t *runTarget) {
	var backoff time.Duration
	var leaseUntil time.Time
	for ctx.Err() == nil {
		if s.opts.Shared && time.Until(leaseUntil) < leaseTTL/2 {
			held, until, err := s.holdLease(ctx, "t/"+t.id)
			if err != nil || !held {
				leaseUntil = time.Time{}
				outbox.Sleep(ctx, leaseTTL/3)
				continue
			}
			leaseUntil = until
		}
		batch, keys, gone, err := s.readQueue(ctx, t.id, deliveryBatch)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("notify: reading a target's queue", "target", t.id, "err", err)
			}
			outbox.Sleep(ctx, time.Second)
			continue
		}
		if len(gone) > 0 {
			s.log.Error("notify: queued events' data is gone; dropping them", "target", t.id, "events", len(gone))
			_ = s.removeQueued(ctx, t.id, gone, func(st *deliveryStats) { st.Dropped += int64(len(gone)) })
		}
		if len(batch) == 0 {
			select {
			case <-ctx.Done():
			case <-t.kick:
			case <-time.After(pollInterval):
			}
			continue
		}
		// A queued event may be visible before its write is durable
		// (meta.Store Sync): a crash must not take back a write whose
		// event was sent.
		if err := s.meta.Sync(ctx); err != nil {
			outbox.Sleep(ctx, time.Second)
			continue
		}
		msgs := make([]Message, len(batch))
		for i, ev := range batch {
			msgs[i] = ev.message(s.env)
		}
		sctx, cancel := context.WithTimeout(ctx, sendTimeout)
		if s.opts.Shared {
			stop := s.keepLease(sctx, cancel, "t/"+t.id, leaseUntil)
			err = t.target.Send(sctx, msgs)
			leaseUntil = stop()
		} else {
			err = t.target.Send(sctx, msgs)
		}
		cancel()
		if n := accepted(err, len(msgs)); n > 0 {
			// What the target took is done with, even when it then
			// failed: only the rest is sent again.
			s.delivered(ctx, t, batch[:n], keys[:n])
			backoff = 0
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			s.noteError(ctx, t, err)
			backoff = min(max(2*backoff, 100*time.Millisecond), maxBackoff)
			s.log.Warn("notify: delivery failed; retrying", "target", t.id, "events", len(msgs)-accepted(err, len(msgs)), "retry_in", backoff, "err", err)
			s.trimQueue(ctx, t)
			outbox.Sleep(ctx, backoff/2+rand.N(backoff/2+1))
			continue
		}
	}
}

// delivered removes the events t accepted from its queue and counts
// them, in one transaction.
func (s *Service) delivered(ctx context.Context, t *runTarget, batch []stored, keys [][]byte) {
	now := time.Now()
	t.mu.Lock()
	for _, ev := range batch {
		t.latency.add(now.Sub(ev.Time))
	}
	p50, p99 := t.latency.quantile(0.5), t.latency.quantile(0.99)
	t.mu.Unlock()
	err := s.removeQueued(ctx, t.id, keys, func(st *deliveryStats) {
		st.Delivered += int64(len(batch))
		st.LastDelivery, st.LatencyP50, st.LatencyP99 = now, p50, p99
	})
	if err != nil && ctx.Err() == nil {
		// Delivered but still queued: sent again, at least once.
		s.log.Warn("notify: removing delivered events", "target", t.id, "err", err)
	}
}

// deliveryStats are a target's delivery counters, kept in the store so
// that every gateway reports them, whichever delivers.
type deliveryStats struct {
	Delivered     int64         `json:"delivered"`
	Failed        int64         `json:"failed"`
	Dropped       int64         `json:"dropped"`
	LastError     string        `json:"lastError,omitempty"`
	LastErrorTime time.Time     `json:"lastErrorTime,omitzero"`
	LastDelivery  time.Time     `json:"lastDelivery,omitzero"`
	LatencyP50    time.Duration `json:"p50,omitempty"`
	LatencyP99    time.Duration `json:"p99,omitempty"`
}

func readStats(r meta.Reader, id string) (deliveryStats, error) {
	var st deliveryStats
	v, err := r.Get(statsKey(id))
	if errors.Is(err, meta.ErrNotFound) {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	return st, json.Unmarshal(v, &st)
}

// removeQueued deletes keys from target id's queue and changes its
// counters, in one transaction.
func (s *Service) removeQueued(ctx context.Context, id string, keys [][]byte, change func(*deliveryStats)) error {
	return s.meta.Update(ctx, []meta.Lock{{Name: statsKey(id)}}, func(tx meta.Txn) error {
		for _, k := range keys {
			if err := tx.Delete(k); err != nil {
				return err
			}
		}
		st, err := readStats(tx, id)
		if err != nil {
			return err
		}
		change(&st)
		v, err := json.Marshal(st)
		if err != nil {
			return err
		}
		return tx.Set(statsKey(id), v)
	})
}

// noteError counts a failed delivery attempt.
func (s *Service) noteError(ctx context.Context, t *runTarget, sendErr error) {
	now := time.Now()
	err := s.removeQueued(ctx, t.id, nil, func(st *deliveryStats) {
		st.Failed++
		st.LastError, st.LastErrorTime = sendErr.Error(), now
	})
	if err != nil && ctx.Err() == nil {
		s.log.Warn("notify: counting a failed delivery", "target", t.id, "err", err)
	}
}

// keepLease renews the lease called name, held until until, while a
// Send runs: a slow target can take longer than a lease term to accept
// a batch, and another gateway must not start sending the same events
// meanwhile. When the lease is lost, or about to run out because the
// store cannot be reached, it cancels the Send (cancel). stop ends the
// renewals and says until when the lease is held.
func (s *Service) keepLease(ctx context.Context, cancel context.CancelFunc, name string, until time.Time) (stop func() time.Time) {
	done := make(chan struct{})
	result := make(chan time.Time, 1)
	go func() {
		defer func() { result <- until }()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-time.After(time.Until(until) - leaseTTL/2):
			}
			held, u, err := s.holdLease(ctx, name)
			switch {
			case err == nil && held:
				until = u
			case err == nil || time.Until(until) < leaseTTL/4:
				// Another gateway holds it, or may soon: stop sending
				// while this one surely still does.
				cancel()
				return
			default:
				outbox.Sleep(ctx, leaseTTL/20) // the store is unreachable; try again
			}
		}
	}()
	return func() time.Time {
		close(done)
		return <-result
	}
}

// readQueue returns the first n events queued for target, oldest first,
// and their queue keys; and the keys of queued events whose data is gone
// (the target was configured again after a long absence), to drop.
func (s *Service) readQueue(ctx context.Context, target string, n int) ([]stored, [][]byte, [][]byte, error) {
	var evs []stored
	var keys, gone [][]byte
	err := s.meta.View(ctx, func(r meta.Reader) error {
		evs, keys, gone = evs[:0], keys[:0], gone[:0]
		p := queuePrefix(target)
		it, err := r.NewIter(p, meta.PrefixEnd(p))
		if err != nil {
			return err
		}
		defer it.Close()
		for ok := it.First(); ok && len(keys)+len(gone) < n; ok = it.Next() {
			configID, err := it.Value()
			if err != nil {
				return err
			}
			key := append([]byte(nil), it.Key()...)
			v, err := r.Get(historyKey(key[len(p):]))
			if errors.Is(err, meta.ErrNotFound) {
				gone = append(gone, key)
				continue
			}
			if err != nil {
				return err
			}
			ev, err := decodeStored(v)
			if err != nil {
				return err
			}
			ev.ConfigID = string(configID)
			evs = append(evs, ev)
			keys = append(keys, key)
		}
		return it.Err()
	})
	return evs, keys, gone, err
}

// countQueue counts target's queued events, up to limit.
func (s *Service) countQueue(ctx context.Context, target string, limit int) (int, error) {
	n := 0
	err := s.meta.View(ctx, func(r meta.Reader) error {
		n = 0
		p := queuePrefix(target)
		it, err := r.NewIter(p, meta.PrefixEnd(p))
		if err != nil {
			return err
		}
		defer it.Close()
		for ok := it.First(); ok && n < limit; ok = it.Next() {
			n++
		}
		return it.Err()
	})
	return n, err
}

// trimQueue drops the oldest events of a target that has more than
// MaxQueued queued, counting and logging them.
func (s *Service) trimQueue(ctx context.Context, t *runTarget) {
	for ctx.Err() == nil {
		n, err := s.countQueue(ctx, t.id, s.opts.MaxQueued+1000)
		if err != nil || n <= s.opts.MaxQueued {
			return
		}
		_, keys, gone, err := s.readQueue(ctx, t.id, min(n-s.opts.MaxQueued, 1000))
		keys = append(keys, gone...)
		if err != nil || len(keys) == 0 {
			return
		}
		if err := s.removeQueued(ctx, t.id, keys, func(st *deliveryStats) { st.Dropped += int64(len(keys)) }); err != nil {
			return
		}
		s.log.Error("notify: target's queue is full; dropped its oldest events", "target", t.id, "dropped", len(keys), "max_queued", s.opts.MaxQueued)
	}
}

// holdLease takes or renews the lease called name for this process, on
// the store's clock, and says until when it holds it.
func (s *Service) holdLease(ctx context.Context, name string) (bool, time.Time, error) {
	return s.lease(name).Take(ctx, s.meta)
}

func (s *Service) lease(name string) meta.Lease {
	return meta.Lease{Key: leaseKey(name), Holder: s.id, Term: leaseTTL}
}

// sweepHistory deletes history older than Options.History, now and then.
func (s *Service) sweepHistory(ctx context.Context) {
	for {
		if !s.opts.Shared || s.holdLeaseQuietly(ctx, "history") {
			if err := s.dropHistoryBefore(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("notify: sweeping event history", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(30 * time.Second):
		}
	}
}

func (s *Service) holdLeaseQuietly(ctx context.Context, name string) bool {
	held, _, err := s.holdLease(ctx, name)
	return err == nil && held
}

// dropHistoryBefore deletes the history older than the retention.
func (s *Service) dropHistoryBefore(ctx context.Context) error {
	now, err := s.meta.Now(ctx)
	if err != nil {
		return err
	}
	end := historyKey(outbox.SequenceAt(now.Add(-s.opts.History)))
	// A queued event's data stays until it is delivered.
	s.mu.RLock()
	ids := make([]string, 0, len(s.targets))
	for id := range s.targets {
		ids = append(ids, id)
	}
	s.mu.RUnlock()
	for _, id := range ids {
		keys, _, err := meta.Scan(ctx, s.meta, queuePrefix(id), meta.PrefixEnd(queuePrefix(id)), 1)
		if err != nil {
			return err
		}
		if len(keys) == 1 {
			if oldest := historyKey(keys[0][len(queuePrefix(id)):]); bytes.Compare(oldest, end) < 0 {
				end = oldest
			}
		}
	}
	_, err = meta.DeleteRange(ctx, s.meta, historyPrefix(), end, 1000)
	return err
}

// TargetStatus is what the admin API reports of a target.
type TargetStatus struct {
	Type, Name, ARN string
	FromEnv         bool
	// Settings are the target's settings, secrets masked.
	Settings  map[string]string
	Reachable bool
	PingError string
	// Pending counts the events queued for the target (capped at
	// MaxQueued+1). Delivered, Failed (failed attempts) and Dropped count
	// since the target was added, whichever gateway delivered.
	Pending                     int
	Delivered, Failed, Dropped  int64
	LastError                   string
	LastErrorTime, LastDelivery time.Time
	// LatencyP50 and LatencyP99 are from an event's time to its delivery,
	// over the last deliveries.
	LatencyP50, LatencyP99 time.Duration
	// Delivering says this server delivers to the target: on a shared
	// store, it holds the target's lease.
	Delivering bool
}

// Status reports every target; with ping it also checks that each is
// reachable.
func (s *Service) Status(ctx context.Context, ping bool) ([]TargetStatus, error) {
	s.mu.RLock()
	ts := make([]*runTarget, 0, len(s.targets))
	for _, t := range s.targets {
		ts = append(ts, t)
	}
	s.mu.RUnlock()
	slices.SortFunc(ts, func(a, b *runTarget) int { return strings.Compare(a.id, b.id) })
	out := make([]TargetStatus, 0, len(ts))
	for _, t := range ts {
		st := TargetStatus{
			Type: t.cfg.Type, Name: t.cfg.Name, ARN: t.cfg.ARN(s.opts.Region), FromEnv: t.fromEnv,
			Settings: maskedSettings(t.cfg),
		}
		if ping {
			pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
			if err := t.target.Ping(pctx); err != nil {
				st.PingError = err.Error()
			} else {
				st.Reachable = true
			}
			cancel()
		}
		n, err := s.countQueue(ctx, t.id, s.opts.MaxQueued+1)
		if err != nil {
			return nil, err
		}
		st.Pending = n
		var ds deliveryStats
		if err := s.meta.View(ctx, func(r meta.Reader) (err error) { ds, err = readStats(r, t.id); return err }); err != nil {
			return nil, err
		}
		st.Delivered, st.Failed, st.Dropped = ds.Delivered, ds.Failed, ds.Dropped
		st.LastError, st.LastErrorTime, st.LastDelivery = ds.LastError, ds.LastErrorTime, ds.LastDelivery
		st.LatencyP50, st.LatencyP99 = ds.LatencyP50, ds.LatencyP99
		if st.Delivering, err = s.delivering(ctx, t.id); err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// delivering reports whether this server delivers to target id: it runs
// its deliverer and, on a shared store, holds its lease now.
func (s *Service) delivering(ctx context.Context, id string) (bool, error) {
	if !s.opts.Shared {
		return true, nil
	}
	now, err := s.meta.Now(ctx)
	if err != nil {
		return false, err
	}
	var held bool
	err = s.meta.View(ctx, func(r meta.Reader) (err error) {
		held, err = s.lease("t/"+id).Holds(r, now)
		return err
	})
	return held, err
}

// Unroutable counts events whose destination ARN named no target when
// they were recorded (the target was removed after the configuration
// was set).
func (s *Service) Unroutable() int64 { return s.unroutable.Load() }

func maskedSettings(c Config) map[string]string {
	k, _ := LookupKind(c.Type)
	out := map[string]string{}
	for _, set := range k.Settings {
		v := c.Settings[set.Name]
		if v == "" {
			continue
		}
		if set.Secret {
			v = "*****"
		}
		out[set.Name] = v
	}
	return out
}

// latencies keeps the last deliveries' latencies for quantiles.
type latencies struct {
	ring [1024]time.Duration
	n    int
}

func (l *latencies) add(d time.Duration) {
	l.ring[l.n%len(l.ring)] = d
	l.n++
}

func (l *latencies) quantile(q float64) time.Duration {
	n := min(l.n, len(l.ring))
	if n == 0 {
		return 0
	}
	s := slices.Clone(l.ring[:n])
	slices.Sort(s)
	return s[min(n-1, int(q*float64(n)))]
}
