package pgstore

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/meta/pebblestore"
	"github.com/kurastore/kura/internal/meta/pgstore/pgtest"
)

// The benchmarks run the same operations on pebblestore (on disk) and on
// pgstore (on a local PostgreSQL with its default, durable settings:
// fsync and synchronous_commit on), so one run compares them:
//
//	go test -run XXX -bench . ./internal/meta/pgstore/

func benchStores(b *testing.B, fn func(b *testing.B, s meta.Store)) {
	b.Run("pebble", func(b *testing.B) {
		s, err := pebblestore.Open(b.TempDir(), nil)
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		fn(b, s)
	})
	b.Run("pgstore", func(b *testing.B) {
		fn(b, open(b, pgtest.StartDurable(b)))
	})
}

// BenchmarkUpdateSet: one Update setting one key, under one exclusive lock.
func BenchmarkUpdateSet(b *testing.B) {
	benchStores(b, func(b *testing.B, s meta.Store) {
		val := make([]byte, 200)
		b.ResetTimer()
		for i := 0; b.Loop(); i++ {
			key := fmt.Appendf(nil, "bench/%08d", i%1000)
			if err := s.Update(bg, []meta.Lock{{Name: key}}, func(tx meta.Txn) error {
				return tx.Set(key, val)
			}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkUpdateSetParallel: the same from 8 goroutines per core at
// once, which group commit (Pebble's and PostgreSQL's) is for.
func BenchmarkUpdateSetParallel(b *testing.B) {
	benchStores(b, func(b *testing.B, s meta.Store) {
		val := make([]byte, 200)
		var n atomic.Int64
		b.SetParallelism(8)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				key := fmt.Appendf(nil, "bench/%08d", n.Add(1)%1000)
				if err := s.Update(bg, []meta.Lock{{Name: key}}, func(tx meta.Txn) error {
					return tx.Set(key, val)
				}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkViewGet: one View reading one existing key.
func BenchmarkViewGet(b *testing.B) {
	benchStores(b, func(b *testing.B, s meta.Store) {
		val := make([]byte, 200)
		if err := s.Update(bg, nil, func(tx meta.Txn) error {
			for i := range 1000 {
				tx.Set(fmt.Appendf(nil, "bench/%08d", i), val)
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for i := 0; b.Loop(); i++ {
			key := fmt.Appendf(nil, "bench/%08d", i%1000)
			if err := s.View(bg, func(r meta.Reader) error {
				_, err := r.Get(key)
				return err
			}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkViewScan100: one View iterating over 100 keys.
func BenchmarkViewScan100(b *testing.B) {
	benchStores(b, func(b *testing.B, s meta.Store) {
		val := make([]byte, 200)
		if err := s.Update(bg, nil, func(tx meta.Txn) error {
			for i := range 1000 {
				tx.Set(fmt.Appendf(nil, "bench/%08d", i), val)
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for i := 0; b.Loop(); i++ {
			lo := fmt.Appendf(nil, "bench/%08d", (i*100)%900)
			if err := s.View(bg, func(r meta.Reader) error {
				it, err := r.NewIter(lo, nil)
				if err != nil {
					return err
				}
				defer it.Close()
				n := 0
				for ok := it.First(); ok && n < 100; ok = it.Next() {
					if _, err := it.Value(); err != nil {
						return err
					}
					n++
				}
				return it.Err()
			}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
