package meta

import (
	"bytes"
	"context"
)

// Scan returns up to n entries of [lo, hi) in key order (hi nil: to the
// end of the store), keys and values copied so that they outlive the
// view. Paging through a range is a loop of Scans, each starting after
// the last key of the one before.
func Scan(ctx context.Context, s Store, lo, hi []byte, n int) (keys, vals [][]byte, err error) {
	err = s.View(ctx, func(r Reader) error {
		keys, vals = keys[:0], vals[:0]
		it, err := r.NewIter(lo, hi)
		if err != nil {
			return err
		}
		defer it.Close()
		for ok := it.First(); ok && len(keys) < n; ok = it.Next() {
			v, err := it.Value()
			if err != nil {
				return err
			}
			keys = append(keys, bytes.Clone(it.Key()))
			vals = append(vals, bytes.Clone(v))
		}
		return it.Err()
	})
	return keys, vals, err
}

// DeleteRange deletes every key in [lo, hi), batch keys to a
// transaction, and returns how many it deleted. Keys written into the
// range meanwhile may be deleted too; it is for ranges nothing writes
// to any more (a removed target's queue) or whose new keys may go (a
// trimmed history).
func DeleteRange(ctx context.Context, s Store, lo, hi []byte, batch int) (int, error) {
	deleted := 0
	for {
		keys, _, err := Scan(ctx, s, lo, hi, batch)
		if err != nil || len(keys) == 0 {
			return deleted, err
		}
		err = s.Update(ctx, nil, func(tx Txn) error {
			for _, k := range keys {
				if err := tx.Delete(k); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return deleted, err
		}
		deleted += len(keys) // the next Scan starts at lo again: these are gone
	}
}
