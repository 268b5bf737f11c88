package object

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/kurastore/kura/internal/meta/faultmeta"
)

func newAmbiguousLayer(t *testing.T) (testLayer, *faultmeta.Store) {
	t.Helper()
	fm := faultmeta.New(openTestMeta(t), faultmeta.Options{})
	l := newTestLayerOn(t, fm, nil)
	l.opts.MinPartSize = 1
	mustCreateBucket(t, l, "bkt")
	return l, fm
}

// writesRef matches the commit that references a blob.
func writesRef(key []byte) bool { return len(key) > 0 && key[0] == tagBlobRef }

// A write whose commit reports an error may have committed all the same
// (a connection lost during COMMIT). Its blob must then stay: the object
// the caller was told failed can be there, and it must read back whole,
// not point at deleted data. A blob nothing references is the orphan
// sweep's to collect.
func TestAmbiguousCommitKeepsData(t *testing.T) {
	ctx := context.Background()
	data := payload(5000)
	t.Run("put", func(t *testing.T) {
		l, fm := newAmbiguousLayer(t)
		fm.Inject(faultmeta.Fault{When: faultmeta.AfterCommit, Match: writesRef})
		if _, err := l.PutObject(ctx, "bkt", "k", bytes.NewReader(data), PutOptions{Size: int64(len(data))}); !errors.Is(err, faultmeta.ErrInjected) {
			t.Fatalf("PutObject: %v, want the injected error", err)
		}
		if got, _, err := get(t, l, "bkt", "k", GetOptions{}); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("the object committed despite the error reads %d bytes, %v", len(got), err)
		}
	})
	t.Run("part", func(t *testing.T) {
		l, fm := newAmbiguousLayer(t)
		id, err := l.CreateMultipartUpload(ctx, "bkt", "k", UploadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		fm.Inject(faultmeta.Fault{When: faultmeta.AfterCommit, Match: writesRef})
		if _, err := l.UploadPart(ctx, "bkt", "k", id, 1, bytes.NewReader(data), PartOptions{Size: int64(len(data))}); !errors.Is(err, faultmeta.ErrInjected) {
			t.Fatalf("UploadPart: %v, want the injected error", err)
		}
		parts, err := l.ListParts(ctx, "bkt", "k", id, 0, 0)
		if err != nil || len(parts.Parts) != 1 {
			t.Fatalf("ListParts: %d parts, %v", len(parts.Parts), err)
		}
		if _, err := l.CompleteMultipartUpload(ctx, "bkt", "k", id, []CompletePart{{Number: 1, ETag: parts.Parts[0].ETag}}, CompleteOptions{}); err != nil {
			t.Fatal(err)
		}
		if got, _, err := get(t, l, "bkt", "k", GetOptions{}); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("the object made of the committed part reads %d bytes, %v", len(got), err)
		}
	})
	t.Run("batch", func(t *testing.T) {
		l, fm := newAmbiguousLayer(t)
		b, err := l.NewBatch(ctx, "bkt")
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Add(BatchEntry{Key: "k", Body: bytes.NewReader(data), Opts: PutOptions{Size: int64(len(data))}}); err != nil {
			t.Fatal(err)
		}
		fm.Inject(faultmeta.Fault{When: faultmeta.AfterCommit, Match: writesRef})
		if err := b.Commit(); !errors.Is(err, faultmeta.ErrInjected) {
			t.Fatalf("Commit: %v, want the injected error", err)
		}
		if got, _, err := get(t, l, "bkt", "k", GetOptions{}); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("the object committed despite the error reads %d bytes, %v", len(got), err)
		}
	})
}

// A commit that certainly failed (here: before it happened) leaves no
// object and deletes its blob at once.
func TestFailedCommitDropsBlob(t *testing.T) {
	ctx := context.Background()
	l, fm := newAmbiguousLayer(t)
	fm.Inject(faultmeta.Fault{When: faultmeta.BeforeCommit, Match: writesRef})
	data := payload(5000)
	if _, err := l.PutObject(ctx, "bkt", "k", bytes.NewReader(data), PutOptions{Size: int64(len(data))}); !errors.Is(err, faultmeta.ErrInjected) {
		t.Fatalf("PutObject: %v, want the injected error", err)
	}
	if _, _, err := get(t, l, "bkt", "k", GetOptions{}); err == nil {
		t.Fatal("an object appeared from a failed commit")
	}
}
