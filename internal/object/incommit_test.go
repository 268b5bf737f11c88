package object

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/kurastore/kura/internal/meta"
)

// InCommit's writes commit with the object, and its failure fails the
// write: nothing of either is left.
func TestPutInCommit(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	side := []byte("Htest-side-effect")
	for _, size := range []int{10, 4096} { // inline and in a blob
		data := bytes.Repeat([]byte("x"), size)
		refuse := errors.New("refused")
		_, err := l.PutObject(ctx, "bkt", "k", bytes.NewReader(data), PutOptions{Size: int64(size),
			CommitLocks: []meta.Lock{{Name: []byte("test-lock")}},
			InCommit: func(tx meta.Txn) error {
				if err := tx.Set(side, []byte("1")); err != nil {
					return err
				}
				return refuse
			}})
		if !errors.Is(err, refuse) {
			t.Fatalf("size %d: err = %v, want the InCommit error", size, err)
		}
		if _, err := l.HeadObject(ctx, "bkt", "k", GetOptions{}); err == nil {
			t.Fatalf("size %d: the object of a refused commit exists", size)
		}
		if got := getMeta(t, l, side); got != nil {
			t.Fatalf("size %d: the refused commit's change is there", size)
		}
		_, err = l.PutObject(ctx, "bkt", "k", bytes.NewReader(data), PutOptions{Size: int64(size),
			InCommit: func(tx meta.Txn) error { return tx.Set(side, []byte("1")) }})
		if err != nil {
			t.Fatal(err)
		}
		if got := getMeta(t, l, side); string(got) != "1" {
			t.Fatalf("size %d: InCommit's change = %q", size, got)
		}
		if err := l.meta.Update(ctx, nil, func(tx meta.Txn) error { return tx.Delete(side) }); err != nil {
			t.Fatal(err)
		}
		if _, err := l.DeleteObject(ctx, "bkt", "k", DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
}

func getMeta(t *testing.T, l testLayer, key []byte) []byte {
	t.Helper()
	var v []byte
	err := l.meta.View(context.Background(), func(r meta.Reader) error {
		var err error
		v, err = r.Get(key)
		if errors.Is(err, meta.ErrNotFound) {
			v, err = nil, nil
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}
