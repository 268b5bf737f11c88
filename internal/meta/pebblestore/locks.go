package pebblestore

import (
	"bytes"
	"context"
	"slices"
	"sync"

	"github.com/kurastore/kura/internal/meta"
)

// lockTable holds named read-write locks. Entries exist only while some
// transaction holds or waits for them, so memory does not grow with the
// number of names ever locked.
type lockTable struct {
	mu sync.Mutex
	m  map[string]*lockEntry
}

type lockEntry struct {
	rw   sync.RWMutex
	refs int
}

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
		if err := ctx.Err(); err != nil {
			release()
			return nil, err
		}
		name := string(l.Name)
		t.mu.Lock()
		e := t.m[name]
		if e == nil {
			e = &lockEntry{}
			t.m[name] = e
		}
		e.refs++
		t.mu.Unlock()
		if l.Shared {
			e.rw.RLock()
		} else {
			e.rw.Lock()
		}
		shared := l.Shared
		held = append(held, func() {
			if shared {
				e.rw.RUnlock()
			} else {
				e.rw.Unlock()
			}
			t.mu.Lock()
			if e.refs--; e.refs == 0 {
				delete(t.m, name)
			}
			t.mu.Unlock()
		})
	}
	return release, nil
}
