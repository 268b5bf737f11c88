package object

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/meta/pebblestore"
	"github.com/kurastore/kura/s3err"
)

// lockWatch is a meta.Store that can pause one Update inside its closure
// (after its reads, before its commit) and tells, for every later Update,
// whether the store would make it wait for the paused one's locks or let
// it run alongside. It makes an interleaving of two transactions
// deterministic without timing.
type lockWatch struct {
	meta.Store
	pauseIf func(locks []meta.Lock) bool

	mu     sync.Mutex
	paused []meta.Lock      // the locks of the paused Update, while paused
	inside chan struct{}    // closed when an Update pauses
	resume chan struct{}    // closed to let it commit
	passed chan []meta.Lock // an Update begun during the pause that got past its locks
	held   chan []meta.Lock // one that must wait for them
}

func newLockWatch(m meta.Store, pauseIf func([]meta.Lock) bool) *lockWatch {
	return &lockWatch{Store: m, pauseIf: pauseIf, inside: make(chan struct{}), resume: make(chan struct{}),
		passed: make(chan []meta.Lock, 16), held: make(chan []meta.Lock, 16)}
}

func (w *lockWatch) Update(ctx context.Context, locks []meta.Lock, fn func(meta.Txn) error) error {
	w.mu.Lock()
	pause := w.pauseIf != nil && w.pauseIf(locks)
	if pause {
		w.pauseIf = nil
	}
	watching := w.paused != nil
	conflict := watching && locksConflict(w.paused, locks)
	w.mu.Unlock()
	if conflict {
		w.held <- locks
	}
	if pause {
		return w.Store.Update(ctx, locks, func(tx meta.Txn) error {
			if err := fn(tx); err != nil {
				return err
			}
			w.mu.Lock()
			w.paused = locks
			w.mu.Unlock()
			close(w.inside)
			<-w.resume
			w.mu.Lock()
			w.paused = nil
			w.mu.Unlock()
			return nil
		})
	}
	return w.Store.Update(ctx, locks, func(tx meta.Txn) error {
		if watching && !conflict {
			w.passed <- locks
		}
		return fn(tx)
	})
}

// locksConflict reports whether a transaction holding a must make one
// asking for b wait: a name in both, not shared by both.
func locksConflict(a, b []meta.Lock) bool {
	for _, x := range a {
		for _, y := range b {
			if bytes.Equal(x.Name, y.Name) && !(x.Shared && y.Shared) {
				return true
			}
		}
	}
	return false
}

func hasLock(locks []meta.Lock, name []byte) bool {
	for _, l := range locks {
		if bytes.Equal(l.Name, name) {
			return true
		}
	}
	return false
}

// A part that commits while its bucket is being deleted is either in
// the upload the deletion aborts (and its blob is collected) or refused:
// the part's commit holds the bucket's lock shared, as every write does,
// so DeleteBucket waits for it. It did not, and the part and its blob
// reference outlived the bucket, uncollectable.
func TestUploadPartRacingDeleteBucket(t *testing.T) {
	ctx := context.Background()
	var w *lockWatch
	l := newTestLayerOn(t, func() meta.Store {
		// On a store of its own, never one that reruns closures: the
		// pause is of one attempt.
		m, err := pebblestore.Open("meta", &pebblestore.Options{FS: vfs.NewMem()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Close() })
		w = newLockWatch(m, func(locks []meta.Lock) bool {
			for _, lk := range locks {
				if bytes.HasPrefix(lk.Name, []byte("lu/")) && lk.Shared {
					return true // commitPart
				}
			}
			return false
		})
		return w
	}(), nil)
	mustCreateBucket(t, l, "bkt")
	id, err := l.CreateMultipartUpload(ctx, "bkt", "k", UploadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	partDone := make(chan error, 1)
	go func() {
		_, err := l.UploadPart(ctx, "bkt", "k", id, 1, bytes.NewReader(payload(5000)), PartOptions{Size: 5000})
		partDone <- err
	}()
	<-w.inside // the part's commit has read its upload and holds its locks
	deleteDone := make(chan error, 1)
	go func() { deleteDone <- l.DeleteBucket(ctx, "bkt") }()
	var deleteErr error
	select {
	case <-w.held: // DeleteBucket waits for the part's commit
		close(w.resume)
		deleteErr = <-deleteDone
	case locks := <-w.passed:
		if hasLock(locks, bucketLockName("bkt")) {
			t.Errorf("DeleteBucket ran while a part of an upload in the bucket was committing")
		}
		deleteErr = <-deleteDone
		close(w.resume)
	}
	if err := <-partDone; err != nil && !errors.Is(err, s3err.ErrNoSuchUpload) && !errors.Is(err, s3err.ErrNoSuchBucket) {
		t.Fatalf("UploadPart: %v", err)
	}
	if deleteErr != nil {
		t.Fatalf("DeleteBucket: %v", deleteErr)
	}
	if n := countKeys(t, l.meta, partPrefix(id)); n != 0 {
		t.Errorf("%d part records outlived their bucket", n)
	}
	l.clock.Advance(2 * l.opts.GCDelay)
	if _, _, err := l.DrainQueue(ctx); err != nil {
		t.Fatal(err)
	}
	if n := countBlobs(t, l.blobs); n != 0 {
		t.Errorf("%d blobs left after the bucket was deleted and the queue drained", n)
	}
}

func countKeys(t *testing.T, m meta.Store, prefix []byte) int {
	t.Helper()
	n := 0
	err := m.View(context.Background(), func(r meta.Reader) error {
		n = 0
		return meta.EachEntry(r, prefix, func(_, _ []byte) error { n++; return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
