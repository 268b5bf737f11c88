package pebblestore

import (
	"bytes"
	"context"
	"slices"
	"sync"

	"golang.org/x/sync/semaphore"

	"github.com/kurastore/kura/internal/meta"
)

// lockTable holds named read-write locks. Entries exist only while some
// transaction holds or waits for them, so memory does not grow with the
// number of names ever locked.
type lockTable struct {
	mu sync.Mutex
	m  map[string]*lockEntry
	// beforeWait, when set (by tests), is called with a lock's name just
	// before a transaction takes it, waiting if another holds it.
	beforeWait func(name string)
}

// lockEntry is a read-write lock whose waits a context can cancel: a
// semaphore that a shared holder takes one unit of and an exclusive
// holder all of. Waiters are served in order, so a waiting exclusive
// holder is not starved by a stream of shared ones.
type lockEntry struct {
	sem  *semaphore.Weighted
	refs int
}

// lockUnits is the semaphore's size: more shared holders than can exist.
const lockUnits = 1 << 40

// acquire takes every lock in a deterministic order (sorted by name, one
// entry per name, exclusive winning over shared), so that transactions
// cannot deadlock on each other.
func (t *lockTable) acquire(ctx context.Context, locks []meta.Lock) (release func(), err error) {
	ls := slices.Clone(locks)
	slices.SortFunc(ls, func(a, b meta.Lock) int { return bytes.Compare(a.Name, b.Name) })
	uniq := ls[:0]
	for _, l := range ls {
		if n := len(uniq); n > 0 && bytes.Equal(uniq[n-1].Name, l.Name) {
			uniq[n-1].Shared = uniq[n-1].Shared && l.Shared
			continue
		}
		uniq = append(uniq, l)
	}
	held := make([]func(), 0, len(uniq))
	release = func() {
		for i := len(held) - 1; i >= 0; i-- {
			held[i]()
		}
	}
	for _, l := range uniq {
		name := string(l.Name)
		t.mu.Lock()
		e := t.m[name]
		if e == nil {
			e = &lockEntry{sem: semaphore.NewWeighted(lockUnits)}
			t.m[name] = e
		}
		e.refs++
		t.mu.Unlock()
		unref := func() {
			t.mu.Lock()
			if e.refs--; e.refs == 0 {
				delete(t.m, name)
			}
			t.mu.Unlock()
		}
		units := int64(lockUnits)
		if l.Shared {
			units = 1
		}
		if t.beforeWait != nil {
			t.beforeWait(name)
		}
		// A request whose client has gone stops waiting.
		if err := e.sem.Acquire(ctx, units); err != nil {
			unref()
			release()
			return nil, err
		}
		held = append(held, func() {
			e.sem.Release(units)
			unref()
		})
	}
	return release, nil
}
