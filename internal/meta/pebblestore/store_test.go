package pebblestore

import (
	"context"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/meta/metatest"
)

func TestConformanceMem(t *testing.T) {
	metatest.Run(t, func(t *testing.T) meta.Store {
		s, err := Open("db", &Options{FS: vfs.NewMem()})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestConformanceDisk(t *testing.T) {
	metatest.Run(t, func(t *testing.T) meta.Store {
		s, err := Open(t.TempDir(), nil)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestCrashKeepsCommitted simulates a crash with a file system that drops
// everything not synced: a committed Update must survive it.
func TestCrashKeepsCommitted(t *testing.T) {
	fs := vfs.NewCrashableMem()
	s, err := Open("db", &Options{FS: fs})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(context.Background(), nil, func(tx meta.Txn) error {
		return tx.Set([]byte("acked"), []byte("yes"))
	}); err != nil {
		t.Fatal(err)
	}
	crashed := fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: 0})
	s.Close()
	s2, err := Open("db", &Options{FS: crashed})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	err = s2.View(context.Background(), func(r meta.Reader) error {
		v, err := r.Get([]byte("acked"))
		if err != nil || string(v) != "yes" {
			t.Fatalf("acknowledged write lost in crash: %q %v", v, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
