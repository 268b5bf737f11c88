package object

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/kurastore/kura/internal/blob"
	"github.com/kurastore/kura/internal/meta"
)

// beforeBlobUpdate runs hook once, just before the first transaction
// that takes a blob lock (the collector's), outside any lock.
type beforeBlobUpdate struct {
	meta.Store
	once sync.Once
	hook func()
}

func (s *beforeBlobUpdate) Update(ctx context.Context, locks []meta.Lock, fn func(meta.Txn) error) error {
	for _, lk := range locks {
		if string(lk.Name[:3]) == "lg/" {
			s.once.Do(s.hook)
			break
		}
	}
	return s.Store.Update(ctx, locks, fn)
}

// A blob whose queue entry came due while a copy still referenced it,
// and whose last reference is dropped after the collector's scan but
// before its transaction, is queued anew: the collector keeps it for
// GCDelay from that drop, for the reads that looked it up just before.
func TestDrainHonoursARequeue(t *testing.T) {
	hooked := &beforeBlobUpdate{Store: openTestMeta(t)}
	l := newTestLayerOn(t, hooked, nil)
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	put(t, l, "bkt", "a", payload(5000)) // above the inline limit: a blob
	if _, err := l.CopyObject(ctx, CopySource{Bucket: "bkt", Key: "a"}, "bkt", "b", CopyOptions{}); err != nil {
		t.Fatal(err)
	}
	rec, _, err := l.lookup(ctx, "bkt", "b", "", false)
	if err != nil {
		t.Fatal(err)
	}
	ids := rec.blobIDs()
	if len(ids) != 1 {
		t.Fatalf("the copy references %d blobs, want 1", len(ids))
	}
	if _, err := l.DeleteObject(ctx, "bkt", "a", DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	l.clock.Advance(2 * time.Second) // the entry of a's drop is due; b still holds the blob
	hooked.hook = func() {
		if _, err := l.DeleteObject(ctx, "bkt", "b", DeleteOptions{}); err != nil {
			t.Error(err)
		}
	}
	if _, _, err := l.DrainQueue(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := l.blobs.Size(ctx, blob.ID(ids[0])); err != nil {
		t.Fatalf("the blob was deleted at once after its last reference dropped: %v", err)
	}
	l.clock.Advance(2 * time.Second)
	if _, _, err := l.DrainQueue(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := l.blobs.Size(ctx, blob.ID(ids[0])); err == nil {
		t.Fatal("the blob outlived GCDelay after its last reference dropped")
	}
}
