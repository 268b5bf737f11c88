package object

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"
)

// threePartObject stores key as a multipart object of three 4 KiB parts
// and returns its bytes.
func threePartObject(t *testing.T, l testLayer, key string) []byte {
	t.Helper()
	l.opts.MinPartSize = 1
	id := newUpload(t, l, key, UploadOptions{})
	var data []byte
	var list []CompletePart
	for n := 1; n <= 3; n++ {
		part := bytes.Repeat([]byte{byte('a' + n)}, 4<<10)
		p := uploadPart(t, l, key, id, n, part)
		list = append(list, CompletePart{Number: n, ETag: p.ETag})
		data = append(data, part...)
	}
	if _, err := l.CompleteMultipartUpload(context.Background(), "bkt", key, id, list, CompleteOptions{}); err != nil {
		t.Fatal(err)
	}
	return data
}

// TestReadOutlivesCollection: a GET of a multipart object has read its
// first KiB when the object is replaced and the collector runs past its
// delay; the rest of the body still reads, because the read holds a
// lease on every blob it will read. Once the body is closed, the next
// pass collects the old blobs.
func TestReadOutlivesCollection(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	data := threePartObject(t, l, "mp")
	obj, err := l.GetObject(ctx, "bkt", "mp", GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	head := make([]byte, 1<<10)
	if _, err := io.ReadFull(obj.Body, head); err != nil {
		t.Fatal(err)
	}
	put(t, l, "bkt", "mp", payload(5000))
	l.clock.Advance(l.opts.GCDelay + time.Second)
	if _, _, err := l.DrainQueue(ctx); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(obj.Body)
	if err != nil {
		t.Fatalf("the rest of the read: %v", err)
	}
	if !bytes.Equal(append(head, rest...), data) {
		t.Fatal("the read returned other bytes than the object it started on")
	}
	obj.Body.Close()
	if n, pending, err := l.DrainQueue(ctx); err != nil || n != 3 || pending {
		t.Fatalf("drain after the read: %d deleted, pending %v, err %v", n, pending, err)
	}
}
