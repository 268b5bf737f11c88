// Package faultmeta is a meta.Store that wraps another one to test what
// sits above the metadata store against the two things a real engine
// does to a transaction and a single-node store never does:
//
//   - It runs a closure more than once. pgstore retries a transaction that
//     PostgreSQL (or a PostgreSQL-compatible distributed engine, where it
//     is routine) aborts with a serialization failure, running the Update
//     or View closure again from the start. faultmeta runs every closure,
//     or a seeded random share of them, twice: the first run's writes are
//     thrown away, as a failed attempt's are, and its result is ignored.
//     A closure that keeps state outside itself from one run to the next
//     (appending to a slice built before Update, say) shows up as a wrong
//     answer or a panic.
//   - It fails a commit. BeforeCommit returns an error and writes nothing;
//     AfterCommit writes everything and still returns an error, as a
//     connection lost while COMMIT was in flight does (an ambiguous
//     commit: the caller cannot tell whether it happened).
//
// The object layer's tests run whole through it with KURA_META_RERUN set
// (see internal/object's openTestMeta).
package faultmeta

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kurastore/kura/internal/meta"
)

// ErrInjected is the error an injected commit failure returns unless the
// Fault names another.
var ErrInjected = errors.New("faultmeta: injected commit failure")

// errDiscard aborts an attempt whose writes must not commit.
var errDiscard = errors.New("faultmeta: attempt discarded")

// Phase says when an injected commit failure strikes.
type Phase int

const (
	// BeforeCommit fails the Update with nothing written.
	BeforeCommit Phase = iota
	// AfterCommit commits the Update's writes and then fails it.
	AfterCommit
)

// Fault is one injected commit failure. It strikes the first Update whose
// closure succeeds and writes a key Match accepts (any key, if Match is
// nil), then is spent.
type Fault struct {
	When  Phase
	Err   error // nil means ErrInjected
	Match func(key []byte) bool
}

// Options configure New.
type Options struct {
	// Rerun is the share of Update and View calls whose closure runs a
	// second time: 0 never, 1 always, in between chosen at random.
	Rerun float64
	// Seed seeds the random choice, so that a failing run can be repeated.
	Seed uint64
}

// Store wraps a meta.Store.
type Store struct {
	inner meta.Store
	rerun float64

	mu    sync.Mutex
	rng   *rand.Rand
	fault *Fault

	reruns atomic.Int64
}

var _ meta.Store = (*Store)(nil)

// New wraps inner.
func New(inner meta.Store, opts Options) *Store {
	return &Store{inner: inner, rerun: opts.Rerun, rng: rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15))}
}

// Inject arms f, replacing any fault not yet spent.
func (s *Store) Inject(f Fault) {
	if f.Err == nil {
		f.Err = ErrInjected
	}
	s.mu.Lock()
	s.fault = &f
	s.mu.Unlock()
}

// Armed reports whether an injected fault has yet to strike.
func (s *Store) Armed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fault != nil
}

// Reruns is how many closures have run a second time.
func (s *Store) Reruns() int64 { return s.reruns.Load() }

func (s *Store) rerunNow() bool {
	switch {
	case s.rerun <= 0:
		return false
	case s.rerun >= 1:
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rng.Float64() < s.rerun
}

// View runs fn, first once more with the result ignored when chosen to.
func (s *Store) View(ctx context.Context, fn func(meta.Reader) error) error {
	if s.rerunNow() {
		if err := s.inner.View(ctx, func(r meta.Reader) error { fn(r); return errDiscard }); !errors.Is(err, errDiscard) {
			return err
		}
		s.reruns.Add(1)
	}
	return s.inner.View(ctx, fn)
}

// Update runs fn, first once more with its writes discarded when chosen
// to, and injects the armed fault into the attempt that commits.
func (s *Store) Update(ctx context.Context, locks []meta.Lock, fn func(meta.Txn) error) error {
	if s.rerunNow() {
		err := s.inner.Update(ctx, locks, func(tx meta.Txn) error { fn(tx); return errDiscard })
		if !errors.Is(err, errDiscard) {
			return err
		}
		s.reruns.Add(1)
	}
	var struck *Fault
	err := s.inner.Update(ctx, locks, func(tx meta.Txn) error {
		w := &watchedTxn{Txn: tx, match: s.armedMatch()}
		if err := fn(w); err != nil {
			return err
		}
		if w.matched {
			struck = s.spend()
		}
		if struck != nil && struck.When == BeforeCommit {
			return errDiscard
		}
		return nil
	})
	switch {
	case struck == nil:
		return err
	case errors.Is(err, errDiscard), err == nil:
		return struck.Err
	}
	return err
}

// armedMatch returns the armed fault's key filter, or nil if none is
// armed (a txn with a nil filter never matches).
func (s *Store) armedMatch() func([]byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.fault == nil:
		return nil
	case s.fault.Match == nil:
		return func([]byte) bool { return true }
	}
	return s.fault.Match
}

// spend disarms the fault and returns it, or nil if another Update spent
// it first.
func (s *Store) spend() *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.fault
	s.fault = nil
	return f
}

// Close closes the wrapped store.
func (s *Store) Close() error { return s.inner.Close() }

// Sync is the inner store's.
func (s *Store) Sync(ctx context.Context) error { return s.inner.Sync(ctx) }

// Now is the inner store's clock.
func (s *Store) Now(ctx context.Context) (time.Time, error) { return s.inner.Now(ctx) }

// watchedTxn notes whether the closure wrote a key the armed fault
// matches.
type watchedTxn struct {
	meta.Txn
	match   func([]byte) bool
	matched bool
}

func (t *watchedTxn) Set(key, value []byte) error {
	t.note(key)
	return t.Txn.Set(key, value)
}

func (t *watchedTxn) Delete(key []byte) error {
	t.note(key)
	return t.Txn.Delete(key)
}

func (t *watchedTxn) note(key []byte) {
	if t.match != nil && t.match(key) {
		t.matched = true
	}
}
