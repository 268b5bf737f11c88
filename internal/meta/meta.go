package meta

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned by Get when the key does not exist.
var ErrNotFound = errors.New("meta: key not found")

// ErrClosed is returned by operations on a closed store.
var ErrClosed = errors.New("meta: store closed")

// Store is an ordered key-value store with atomic, durable, per-key
// serialized updates.
//
// Keys are ordered bytewise. Implementations must be safe for concurrent use.
type Store interface {
	// View runs fn against a consistent read-only view of committed data.
	// The Reader must not be used after fn returns. Like Update's, fn may
	// run more than once (see Update).
	View(ctx context.Context, fn func(Reader) error) error

	// Update runs fn in a read-write transaction and commits its writes
	// atomically and durably (synced to stable storage) when fn returns nil.
	// If fn returns an error, nothing is written and Update returns that
	// error unchanged.
	//
	// Before fn runs, Update acquires every lock in locks. A lock is
	// exclusive unless Shared is set, and is held until the transaction
	// ends. Locks are named by arbitrary byte strings; they need not be keys
	// that exist. On a shared store the locks hold across every process
	// using it. Update acquires locks in a deterministic order, so callers
	// may pass them in any order without risking deadlock.
	//
	// Reads inside fn see committed data plus the transaction's own writes.
	// Concurrent Updates that hold no common lock may interleave freely;
	// callers use locks to serialize read-modify-write on the same keys.
	//
	// Implementations may group the commits of concurrent Updates into one
	// sync (group commit); each Update still returns only once its own
	// writes are durable.
	//
	// fn may run more than once: an engine that aborts a transaction for
	// a serialization failure (routine on PostgreSQL-compatible
	// distributed engines) runs it again from the start, discarding the
	// failed attempt's writes and its error. So fn must not change
	// anything outside itself except through its Txn, or it must reset,
	// at its start, everything outside itself that it sets: a slice
	// built before Update and appended to in fn grows on every attempt.
	// Only what the attempt that returns last left behind counts.
	//
	// A non-nil error does not always mean nothing was written: when the
	// connection to a shared store is lost while its COMMIT is in flight,
	// the writes may have committed (an ambiguous commit). Callers that
	// must know look again.
	Update(ctx context.Context, locks []Lock, fn func(Txn) error) error

	// Now reads the store's clock. Processes sharing a store (gateways on
	// one PostgreSQL) write times into it that other processes compare
	// with their own "now": when a blob lost its last reference, when a
	// lease runs out. Those times are all on this one clock, so that a
	// gateway whose own clock is off neither cuts a grace period short nor
	// stretches it. A store private to one process may answer with that
	// process's clock.
	Now(ctx context.Context) (time.Time, error)

	// Sync returns once every write that a View could see when Sync was
	// called is durable. An engine may show a commit to readers before
	// it is synced (Pebble publishes a batch, then waits for its log);
	// the Update that wrote it returns only once it is durable, but a
	// concurrent reader that acts on what it saw outside the store
	// (deletes a blob no reference names any more, sends an event) must
	// call Sync between reading and acting, or a crash could take back
	// the write while the action stands.
	Sync(ctx context.Context) error

	// Close releases the store. Pending Updates finish first.
	Close() error
}

// Lock names a lock that Update holds for the length of one transaction.
type Lock struct {
	Name   []byte
	Shared bool
}

// Reader reads committed data.
type Reader interface {
	// Get returns the value of key, or ErrNotFound. The returned slice is
	// owned by the caller.
	Get(key []byte) ([]byte, error)

	// NewIter returns an iterator over keys in [lower, upper). A nil upper
	// means no upper bound. The iterator must be closed.
	NewIter(lower, upper []byte) (Iterator, error)
}

// Txn is a read-write transaction, valid only inside Update's fn.
type Txn interface {
	Reader
	// Set writes key = value. The store keeps its own copy of both slices.
	Set(key, value []byte) error
	// Delete removes key. Deleting a missing key is not an error.
	Delete(key []byte) error
}

// TxnClock is implemented by the transactions of a store that several
// processes share: Now reads the store's clock inside the transaction
// (once: every call of one transaction returns the same time).
// Two transactions that hold one exclusive lock in turn read times in
// the order they held it, which times a process estimates from its own
// clock (however well synchronized) do not promise.
type TxnClock interface {
	Now() (time.Time, error)
}

// Iterator walks keys in ascending order. A new iterator is not positioned:
// call First or SeekGE before reading.
//
//	it, _ := r.NewIter(lo, hi)
//	defer it.Close()
//	for ok := it.First(); ok; ok = it.Next() { ... it.Key(), it.Value() ... }
//	if err := it.Err(); err != nil { ... }
type Iterator interface {
	// First moves to the first key in bounds and reports whether it exists.
	First() bool
	// SeekGE moves to the first key >= key (and in bounds).
	SeekGE(key []byte) bool
	// Next moves to the next key.
	Next() bool
	// Key and Value return the current entry. They are valid only until the
	// next call that moves the iterator; copy them to keep them.
	Key() []byte
	Value() ([]byte, error)
	// Err returns the first error the iterator met, if any.
	Err() error
	Close() error
}
