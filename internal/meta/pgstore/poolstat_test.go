package pgstore

import (
	"context"
	"errors"
	"testing"

	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/meta/pgstore/pgtest"
)

// PoolStat reports the pool that served the store's work.
func TestPoolStat(t *testing.T) {
	s := open(t, pgtest.Start(t))
	before := s.PoolStat().AcquireCount()
	if err := s.View(context.Background(), func(r meta.Reader) error {
		_, err := r.Get([]byte("k"))
		if errors.Is(err, meta.ErrNotFound) {
			return nil
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	st := s.PoolStat()
	if st.AcquireCount() <= before || st.MaxConns() <= 0 || st.TotalConns() <= 0 {
		t.Errorf("pool after a read: acquires %d (before %d), max %d, total %d", st.AcquireCount(), before, st.MaxConns(), st.TotalConns())
	}
}
