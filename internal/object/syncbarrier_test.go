package object

import (
	"bytes"
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"

	"github.com/kurastore/kura/internal/blob"
	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/meta/pebblestore"
)

// Pebble shows a commit to readers before its log is synced. The orphan
// sweep reads the references of a blob and, finding none, deletes it: if
// what it read was a delete that a crash then takes back, the object is
// back without its blob. The sweep must wait for what it read to be
// durable (meta.Store Sync) before it deletes. (The randomized model
// test found this: a version deleted during a crash, read back after it
// as "blob: not found".)
func TestOrphanSweepWaitsForTheDeleteItSawToBeDurable(t *testing.T) {
	mem := vfs.NewCrashableMem()
	var block atomic.Bool
	var blocked atomic.Int32
	release := make(chan struct{})
	// While block is set, syncs of the write-ahead log wait for release:
	// a commit made meanwhile is visible but not durable.
	fs := errorfs.Wrap(mem, errorfs.InjectorFunc(func(op errorfs.Op) error {
		isSync := op.Kind == errorfs.OpFileSync || op.Kind == errorfs.OpFileSyncData || op.Kind == errorfs.OpFileSyncTo
		if isSync && strings.HasSuffix(op.Path, ".log") && block.Load() {
			blocked.Add(1)
			<-release
		}
		return nil
	}))
	m, err := pebblestore.Open("meta", &pebblestore.Options{FS: fs})
	if err != nil {
		t.Fatal(err)
	}
	noted := &syncNoted{Store: m}
	l := newTestLayerOn(t, noted, nil)
	ctx := context.Background()
	mustCreateBucket(t, l, "bkt")
	data := bytes.Repeat([]byte("kura"), 4096) // a blob, not inline
	put(t, l, "bkt", "k", data)
	l.clock.Advance(2 * time.Hour) // the blob is older than the orphan grace
	blobs := func() int {
		n := 0
		_ = l.blobs.Walk(ctx, func(blob.ID, time.Time) error { n++; return nil })
		return n
	}

	block.Store(true)
	deleted := make(chan error, 1)
	go func() {
		_, err := l.DeleteObject(ctx, "bkt", "k", DeleteOptions{})
		deleted <- err
	}()
	waitFor(t, "the delete's sync to wait", func() bool { return blocked.Load() >= 1 })
	swept := make(chan error, 1)
	go func() {
		_, err := l.SweepOrphans(ctx)
		swept <- err
	}()
	// Either the sweep deletes the blob (it acted on the unsynced delete)
	// or it waits for the log's sync first.
	waitFor(t, "the sweep to delete the blob or sync", func() bool { return blobs() == 0 || noted.calls.Load() > 0 })
	// The crash: nothing unsynced survives, and the blob directory is as
	// it is now.
	crashed := mem.CrashClone(vfs.CrashCloneCfg{})
	blobsAtCrash := blobs()
	block.Store(false)
	close(release)
	if err := <-deleted; err != nil {
		t.Fatal(err)
	}
	if err := <-swept; err != nil {
		t.Fatal(err)
	}

	// After the crash the delete never happened: the object must read.
	m2, err := pebblestore.Open("meta", &pebblestore.Options{FS: crashed})
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Close()
	after := New(m2, l.blobs, Options{InlineLimit: 1024, Now: l.clock.Now, KMS: l.kms})
	if _, err := after.HeadObject(ctx, "bkt", "k", GetOptions{}); err != nil {
		t.Fatalf("after the crash the object of the undone delete is gone: %v", err)
	}
	if blobsAtCrash != 1 {
		t.Fatal("the sweep deleted the blob of an object the crash brings back (it acted on a delete that was not durable)")
	}
}

// syncNoted counts calls of Sync.
type syncNoted struct {
	meta.Store
	calls atomic.Int32
}

func (s *syncNoted) Sync(ctx context.Context) error {
	s.calls.Add(1)
	return s.Store.Sync(ctx)
}

// waitFor polls cond until it holds, failing the test after a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
