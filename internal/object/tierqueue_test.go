package object

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/kurastore/kura/internal/meta"
)

// One pass deletes at most tierDeleteBatch remote objects; the next pass
// takes the rest.
func TestDrainTierDeletesBatch(t *testing.T) {
	ctx := context.Background()
	l, mt := newTierLayer(t)
	for _, n := range []int{tierDeleteBatch, tierDeleteBatch + 1} {
		err := l.meta.Update(ctx, nil, func(tx meta.Txn) error {
			for i := range n {
				name := fmt.Sprintf("u%d/b", i)
				mt.objs[name] = []byte("x")
				if err := tx.Set(tierDeleteKey(testTier, name), tierDelete{due: l.clock.Now()}.encode()); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := l.DrainTierDeletes(ctx); got != tierDeleteBatch || err != nil {
			t.Fatalf("%d queued: first pass deleted %d, %v", n, got, err)
		}
		if got, err := l.DrainTierDeletes(ctx); got != n-tierDeleteBatch || err != nil {
			t.Fatalf("%d queued: second pass deleted %d, %v", n, got, err)
		}
		if len(mt.names()) != 0 || countKeys(t, l.meta, []byte{tagTierDelete}) != 0 {
			t.Fatalf("%d queued: left %d", n, len(mt.names()))
		}
	}
}

// One pass does at most restoreBatch restore jobs.
func TestDrainRestoresBatch(t *testing.T) {
	ctx := context.Background()
	l, _ := newTierLayer(t)
	for _, n := range []int{restoreBatch, restoreBatch + 1} {
		err := l.meta.Update(ctx, nil, func(tx meta.Txn) error {
			for i := range n {
				// Jobs of versions that are gone: each pass only removes them.
				job := restoreJob{Bucket: "bkt", Key: fmt.Sprint("k", i), VersionID: NullVersion, Days: 1}
				if err := setRestoreJob(tx, l.clock.Now().Add(-time.Second), restoreExpire, fmt.Sprint("uid", i), job); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.DrainRestores(ctx); err != nil {
			t.Fatal(err)
		}
		if left := countKeys(t, l.meta, []byte{tagRestore}); left != n-restoreBatch {
			t.Fatalf("%d queued: %d left after one pass", n, left)
		}
		if _, err := l.DrainRestores(ctx); err != nil || countKeys(t, l.meta, []byte{tagRestore}) != 0 {
			t.Fatalf("%d queued: second pass %v", n, err)
		}
	}
}

// A read that is streaming a transitioned version when the version is
// deleted keeps its remote objects until it is done.
func TestRemoteDeleteWaitsForReads(t *testing.T) {
	ctx := context.Background()
	l, mt := newTierLayer(t)
	data := payload(3 * 4000)
	putMultipart(t, l, "obj", data, 4000, UploadOptions{}, nil)
	transition(t, l, "obj")
	obj, err := l.GetObject(ctx, "bkt", "obj", GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	first := make([]byte, 100)
	if _, err := io.ReadFull(obj.Body, first); err != nil {
		t.Fatal(err)
	}
	if _, err := l.DeleteObject(ctx, "bkt", "obj", DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	l.clock.Advance(time.Hour)
	if n, err := l.DrainTierDeletes(ctx); n != 0 || err != nil {
		t.Fatalf("drain during the read: %d, %v", n, err)
	}
	rest, err := io.ReadAll(obj.Body)
	obj.Body.Close()
	if err != nil || !bytes.Equal(append(first, rest...), data) {
		t.Fatalf("the read: %d bytes, %v", len(first)+len(rest), err)
	}
	if n, err := l.DrainTierDeletes(ctx); n != 3 || err != nil || len(mt.names()) != 0 {
		t.Fatalf("drain after the read: %d, %v, tier %v", n, err, mt.names())
	}
}

// A tier that is down stops being tried for the rest of a pass, and its
// queued deletes wait; another tier's go on.
func TestTierDownDoesNotHoldUpOthers(t *testing.T) {
	ctx := context.Background()
	l, cold := newTierLayer(t)
	warm := newMemTier()
	l.opts.Tiers = memTiers{testTier: cold, "WARM": warm}
	for i := range 3 {
		put(t, l, "bkt", fmt.Sprint("c", i), payload(5000))
		transition(t, l, fmt.Sprint("c", i))
	}
	put(t, l, "bkt", "w", payload(5000))
	if _, err := l.TransitionObject(ctx, "bkt", "w", "", uidOf(t, l, "bkt", "w"), "WARM"); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"c0", "c1", "c2", "w"} {
		if _, err := l.DeleteObject(ctx, "bkt", key, DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	cold.set(func(m *memTier) { m.failDelete = true })
	l.clock.Advance(2 * time.Second)
	if n, err := l.DrainTierDeletes(ctx); n != 1 || err == nil || len(warm.names()) != 0 {
		t.Fatalf("pass with COLD down: %d, %v, WARM holds %v", n, err, warm.names())
	}
	// Every COLD delete waits for the backoff, not only the one tried.
	cold.set(func(m *memTier) { m.failDelete = false })
	if n, err := l.DrainTierDeletes(ctx); n != 0 || err != nil {
		t.Fatalf("pass during the backoff: %d, %v", n, err)
	}
	l.clock.Advance(tierRetryBase)
	if n, err := l.DrainTierDeletes(ctx); n != 3 || err != nil || len(cold.names()) != 0 {
		t.Fatalf("pass after the backoff: %d, %v, COLD holds %v", n, err, cold.names())
	}
}

// A server alone on its store that died while deleting a remote object
// left the object's X-key claimed: started again, it deletes the object
// at once rather than after the claim's term, since no other process can
// be deleting it. Gateways sharing a store wait the claim out: the
// claimant may be alive.
func TestClaimOfADeadServer(t *testing.T) {
	ctx := context.Background()
	for _, shared := range []bool{false, true} {
		l, mt := newTierLayer(t)
		const name = "u1/b"
		mt.objs[name] = []byte("x")
		claim := tierDelete{due: l.clock.Now().Add(tierClaimTerm), claimed: true}
		if err := l.meta.Update(ctx, nil, func(tx meta.Txn) error {
			return tx.Set(tierDeleteKey(testTier, name), claim.encode())
		}); err != nil {
			t.Fatal(err)
		}
		l.clock.Advance(time.Second)
		opts := l.opts
		opts.Shared = shared
		restarted := New(l.meta, l.blobs, opts)
		n, err := restarted.DrainTierDeletes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := 1
		if shared {
			want = 0
		}
		if n != want || len(mt.names()) != 1-want || countKeys(t, l.meta, []byte{tagTierDelete}) != 1-want {
			t.Fatalf("shared %v: deleted %d, tier holds %v", shared, n, mt.names())
		}
		// A claim this server makes itself is a delete in flight.
		if !shared {
			mt.objs[name] = []byte("x")
			claim.due = l.clock.Now().Add(tierClaimTerm)
			if err := l.meta.Update(ctx, nil, func(tx meta.Txn) error {
				return tx.Set(tierDeleteKey(testTier, name), claim.encode())
			}); err != nil {
				t.Fatal(err)
			}
			if n, err := restarted.DrainTierDeletes(ctx); n != 0 || err != nil {
				t.Fatalf("deleted %d claimed by this server's delete in flight, %v", n, err)
			}
		}
	}
}
