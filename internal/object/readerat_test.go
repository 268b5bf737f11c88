package object

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"github.com/kurastore/kura/s3err"
)

func TestVersionReaderReadsAtOffsets(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	data := payload(5000) // above the inline limit: a blob
	put(t, l, "bkt", "k", data)
	r, err := l.OpenVersionReader(context.Background(), "bkt", "k", GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Size() != int64(len(data)) {
		t.Fatalf("size %d, want %d", r.Size(), len(data))
	}
	for _, tc := range []struct {
		off, n int64
		want   int
		err    error
	}{
		{0, 10, 10, nil},
		{4990, 10, 10, nil},   // ends at the last byte
		{4991, 10, 9, io.EOF}, // one past the end
		{5000, 1, 0, io.EOF},
		{5000, 0, 0, nil},
		{1234, 2000, 2000, nil},
	} {
		p := make([]byte, tc.n)
		n, err := r.ReadAt(p, tc.off)
		if n != tc.want || err != tc.err {
			t.Errorf("ReadAt(%d bytes, %d) = %d, %v; want %d, %v", tc.n, tc.off, n, err, tc.want, tc.err)
		}
		if !bytes.Equal(p[:n], data[tc.off:tc.off+int64(n)]) {
			t.Errorf("ReadAt(%d bytes, %d) read the wrong bytes", tc.n, tc.off)
		}
	}
	body, err := r.Open(4000, -1)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(body)
	body.Close()
	if !bytes.Equal(got, data[4000:]) {
		t.Errorf("Open(4000, -1) read %d bytes, want the last 1000", len(got))
	}
}

func TestVersionReaderPinsTheVersion(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	put(t, l, "bkt", "k", []byte("first object"))
	r, err := l.OpenVersionReader(context.Background(), "bkt", "k", GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	put(t, l, "bkt", "k", []byte("second object"))
	_, err = r.ReadAt(make([]byte, 4), 0)
	if !errors.Is(err, s3err.ErrPreconditionFailed) {
		t.Errorf("read after a replacement: %v, want PreconditionFailed", err)
	}
}

func TestVersionReaderOfEmptyObject(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	put(t, l, "bkt", "empty", nil)
	r, err := l.OpenVersionReader(context.Background(), "bkt", "empty", GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	body, err := r.Open(0, -1)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(body); len(got) != 0 {
		t.Errorf("read %d bytes of an empty object", len(got))
	}
	if n, err := r.ReadAt(make([]byte, 1), 0); n != 0 || err != io.EOF {
		t.Errorf("ReadAt = %d, %v; want 0, EOF", n, err)
	}
}

func TestVersionReaderMissingObject(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	if _, err := l.OpenVersionReader(context.Background(), "bkt", "nope", GetOptions{}); !errors.Is(err, s3err.ErrNoSuchKey) {
		t.Errorf("open of a missing key: %v, want NoSuchKey", err)
	}
}
