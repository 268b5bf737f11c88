package modeltest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/meta/pebblestore"
)

// TestCrashCloneKeepsAcknowledged checks the simulation itself: a crash
// clone taken while Updates are in flight keeps every Update that had
// returned before the clone was taken.
func TestCrashCloneKeepsAcknowledged(t *testing.T) {
	for trial := range 30 {
		fs := vfs.NewCrashableMem()
		s, err := pebblestore.Open("meta", &pebblestore.Options{FS: fs, Logger: discard})
		if err != nil {
			t.Fatal(err)
		}
		var acked sync.Map
		var stop atomic.Bool
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; !stop.Load(); i++ {
					k := fmt.Sprintf("g%d-%d", g, i)
					err := s.Update(context.Background(), nil, func(tx meta.Txn) error { return tx.Set([]byte(k), []byte("v")) })
					if err != nil {
						t.Error(err)
						return
					}
					acked.Store(k, true)
				}
			}()
		}
		for {
			n := 0
			acked.Range(func(any, any) bool { n++; return n < 50 })
			if n >= 50 {
				break
			}
		}
		var before []string
		acked.Range(func(k, _ any) bool { before = append(before, k.(string)); return true })
		pct := trial * 3
		cfg := vfs.CrashCloneCfg{UnsyncedDataPercent: pct}
		if pct > 0 {
			cfg.RNG = rand.New(rand.NewPCG(uint64(trial), 1))
		}
		clone := fs.CrashClone(cfg)
		stop.Store(true)
		wg.Wait()
		s.Close()
		s2, err := pebblestore.Open("meta", &pebblestore.Options{FS: clone, Logger: discard})
		if err != nil {
			t.Fatalf("trial %d: reopen: %v", trial, err)
		}
		lost := 0
		_ = s2.View(context.Background(), func(r meta.Reader) error {
			for _, k := range before {
				if _, err := r.Get([]byte(k)); err != nil {
					lost++
				}
			}
			return nil
		})
		s2.Close()
		if lost > 0 {
			t.Errorf("trial %d (unsynced kept %d%%): %d of %d acknowledged updates lost", trial, pct, lost, len(before))
		}
	}
}
