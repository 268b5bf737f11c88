package meta_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/meta/pebblestore"
)

func openStore(t *testing.T) meta.Store {
	t.Helper()
	m, err := pebblestore.Open("meta", &pebblestore.Options{FS: vfs.NewMem(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func put(t *testing.T, m meta.Store, keys ...string) {
	t.Helper()
	err := m.Update(context.Background(), nil, func(tx meta.Txn) error {
		for _, k := range keys {
			if err := tx.Set([]byte(k), []byte("v:"+k)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestScanStopsAtNAndAtHi(t *testing.T) {
	m := openStore(t)
	put(t, m, "a", "q1", "q2", "q2\x00", "q3", "r")
	ctx := context.Background()
	keys, vals, err := meta.Scan(ctx, m, []byte("q"), meta.PrefixEnd([]byte("q")), 3)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprintf("%q %q", keys, vals); got != `["q1" "q2" "q2\x00"] ["v:q1" "v:q2" "v:q2\x00"]` {
		t.Fatalf("Scan n=3 = %s", got)
	}
	keys, _, err = meta.Scan(ctx, m, []byte("q"), meta.PrefixEnd([]byte("q")), 10)
	if err != nil || len(keys) != 4 {
		t.Fatalf("Scan n=10 = %q, %v; want the 4 keys of q", keys, err)
	}
	keys, _, err = meta.Scan(ctx, m, []byte("q3"), nil, 10)
	if err != nil || fmt.Sprintf("%q", keys) != `["q3" "r"]` {
		t.Fatalf("Scan to the end = %q, %v", keys, err)
	}
}

// DeleteRange deletes across several batches (batch and batch+1 keys)
// and nothing outside its range.
func TestDeleteRangeInBatches(t *testing.T) {
	for _, n := range []int{3, 4, 7} {
		m := openStore(t)
		put(t, m, "a", "r")
		var keys []string
		for i := range n {
			keys = append(keys, fmt.Sprintf("q%02d", i))
		}
		put(t, m, keys...)
		got, err := meta.DeleteRange(context.Background(), m, []byte("q"), meta.PrefixEnd([]byte("q")), 3)
		if err != nil || got != n {
			t.Fatalf("%d keys: DeleteRange = %d, %v", n, got, err)
		}
		left, _, err := meta.Scan(context.Background(), m, nil, nil, 100)
		if err != nil || fmt.Sprintf("%q", left) != `["a" "r"]` {
			t.Fatalf("%d keys: left %q, %v", n, left, err)
		}
	}
}
