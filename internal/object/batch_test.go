package object

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kurastore/kura/s3err"
)

func entry(key string, data []byte) BatchEntry {
	return BatchEntry{Key: key, Body: bytes.NewReader(data), Opts: PutOptions{Size: int64(len(data))}}
}

func TestBatch(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	put(t, l, "bkt", "dir/replaced", payload(3000))
	b, err := l.NewBatch(ctx, "bkt")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []BatchEntry{
		entry("dir/a", payload(10)), entry("dir/b", payload(5000)), entry("dir/empty", nil),
		entry("dir/replaced", []byte("new")), entry("dir/a", []byte("twice")),
	} {
		if err := b.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := get(t, l, "bkt", "dir/b", GetOptions{}); !errors.Is(err, s3err.ErrNoSuchKey) {
		t.Fatal("an entry is visible before the commit")
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string][]byte{"dir/a": []byte("twice"), "dir/b": payload(5000), "dir/empty": {}, "dir/replaced": []byte("new")} {
		if got, _, err := get(t, l, "bkt", key, GetOptions{}); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: %v", key, err)
		}
	}
	l.clock.Advance(2 * time.Second)
	l.DrainQueue(ctx)
	if n := countBlobs(t, l.blobs); n != 1 {
		t.Fatalf("%d blobs, want 1", n)
	}
}

func TestBatchAbortLeavesNothing(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	b, err := l.NewBatch(ctx, "bkt")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Add(entry("x/1", payload(5000))); err != nil {
		t.Fatal(err)
	}
	if err := b.Add(entry("", nil)); !errors.Is(err, s3err.ErrInvalidObjectName) {
		t.Fatalf("empty key: %v", err)
	}
	b.Abort()
	res, err := l.ListObjects(ctx, "bkt", ListOptions{MaxKeys: 10})
	if err != nil || len(res.Objects) != 0 {
		t.Fatalf("an aborted batch left objects: %+v %v", res.Objects, err)
	}
	if n := countBlobs(t, l.blobs); n != 0 {
		t.Fatalf("an aborted batch left %d blobs", n)
	}
	if _, err := l.NewBatch(ctx, "nobkt"); !errors.Is(err, s3err.ErrNoSuchBucket) {
		t.Fatalf("batch for a missing bucket: %v", err)
	}
}
