package object

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/kurastore/kura/s3err"
)

func batchOf(entries ...BatchEntry) func() (BatchEntry, error) {
	return func() (BatchEntry, error) {
		if len(entries) == 0 {
			return BatchEntry{}, io.EOF
		}
		e := entries[0]
		entries = entries[1:]
		return e, nil
	}
}

func entry(key string, data []byte) BatchEntry {
	return BatchEntry{Key: key, Body: bytes.NewReader(data), Opts: PutOptions{Size: int64(len(data))}}
}

func TestPutBatch(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	put(t, l, "bkt", "dir/replaced", payload(3000))
	n, err := l.PutBatch(ctx, "bkt", batchOf(
		entry("dir/a", payload(10)), entry("dir/b", payload(5000)), entry("dir/empty", nil),
		entry("dir/replaced", []byte("new")), entry("dir/a", []byte("twice")),
	))
	if err != nil || n != 5 {
		t.Fatalf("batch: %d, %v", n, err)
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

func TestPutBatchIsAllOrNothing(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	boom := errors.New("archive damaged")
	good := batchOf(entry("x/1", payload(5000)), entry("x/2", payload(10)))
	failing := func() (BatchEntry, error) {
		if e, err := good(); err == nil {
			return e, nil
		}
		return BatchEntry{}, boom
	}
	if _, err := l.PutBatch(ctx, "bkt", failing); !errors.Is(err, boom) {
		t.Fatalf("failing batch: %v", err)
	}
	if _, err := l.PutBatch(ctx, "bkt", batchOf(entry("y/1", payload(5000)), entry("", nil))); !errors.Is(err, s3err.ErrInvalidObjectName) {
		t.Fatalf("batch with an empty key: %v", err)
	}
	res, err := l.ListObjects(ctx, "bkt", ListOptions{MaxKeys: 10})
	if err != nil || len(res.Objects) != 0 {
		t.Fatalf("a failed batch left objects: %+v %v", res.Objects, err)
	}
	if n := countBlobs(t, l.blobs); n != 0 {
		t.Fatalf("a failed batch left %d blobs", n)
	}
}
