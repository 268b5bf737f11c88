package pgstore

import (
	"cmp"
	"hash/fnv"
	"slices"

	"github.com/kurastore/kura/internal/meta"
)

// lockReq is one advisory lock an Update takes.
type lockReq struct {
	key    int64
	shared bool
}

// lockKey maps a lock name to the 64-bit key of a PostgreSQL advisory lock:
// FNV-1a over a kura prefix and the name. Two names may share a key; then
// Updates that lock them serialize although their names differ. That costs
// only concurrency, never correctness: holding a lock that is stronger
// than asked is always safe. With 64 bits, collisions among the lock names
// live at one moment are vanishingly rare.
//
// Advisory locks belong to the database, so they are shared with anything
// else using it; the prefix keeps kura's keys away from the small integers
// other programs tend to pick.
func lockKey(name []byte) int64 {
	h := fnv.New64a()
	h.Write([]byte("kura/meta/lock\x00"))
	h.Write(name)
	return int64(h.Sum64())
}

// lockPlan turns locks into the advisory locks to take, in the order to
// take them: sorted by key, so that every process takes any two keys in
// the same order and no two Updates wait for each other in a cycle. Locks
// that map to the same key are taken once, exclusive if any of them is,
// since a session asking again for a key it holds shared, now exclusive,
// would wait for the other sharers while they might wait for it.
func lockPlan(locks []meta.Lock) []lockReq {
	plan := make([]lockReq, 0, len(locks))
	for _, l := range locks {
		plan = append(plan, lockReq{key: lockKey(l.Name), shared: l.Shared})
	}
	// Exclusive before shared for equal keys, so the first of a run wins.
	slices.SortFunc(plan, func(a, b lockReq) int {
		if c := cmp.Compare(a.key, b.key); c != 0 {
			return c
		}
		if a.shared == b.shared {
			return 0
		}
		if !a.shared {
			return -1
		}
		return 1
	})
	return slices.CompactFunc(plan, func(a, b lockReq) bool { return a.key == b.key })
}
