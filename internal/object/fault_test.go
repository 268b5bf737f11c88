package object

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/kurastore/kura/internal/blob"
	"github.com/kurastore/kura/internal/blob/faultstore"
	"github.com/kurastore/kura/s3err"
)

func newFaultLayer(t *testing.T) (testLayer, *faultstore.Store) {
	t.Helper()
	var fs *faultstore.Store
	l := newTestLayerOver(t, func(inner blob.Store) blob.Store { fs = faultstore.New(inner); return fs })
	l.opts.MinPartSize = 1
	return l, fs
}

// writeOps are the ways the object layer writes blobs, each writing
// 300 KiB to key.
var writeOps = map[string]func(l testLayer, key string, data []byte) error{
	"put": func(l testLayer, key string, data []byte) error {
		_, err := l.PutObject(context.Background(), "bkt", key, bytes.NewReader(data), PutOptions{Size: int64(len(data))})
		return err
	},
	"put-sse": func(l testLayer, key string, data []byte) error {
		_, err := l.PutObject(context.Background(), "bkt", key, bytes.NewReader(data), PutOptions{Size: int64(len(data)), Encryption: Encryption{Type: SSES3}})
		return err
	},
	"put-unsized": func(l testLayer, key string, data []byte) error {
		_, err := l.PutObject(context.Background(), "bkt", key, bytes.NewReader(data), PutOptions{SizeUnknown: true})
		return err
	},
	"multipart": func(l testLayer, key string, data []byte) error {
		ctx := context.Background()
		id, err := l.CreateMultipartUpload(ctx, "bkt", key, UploadOptions{})
		if err != nil {
			return err
		}
		defer l.AbortMultipartUpload(ctx, "bkt", key, id)
		p, err := l.UploadPart(ctx, "bkt", key, id, 1, bytes.NewReader(data), PartOptions{Size: int64(len(data))})
		if err != nil {
			return err
		}
		_, err = l.CompleteMultipartUpload(ctx, "bkt", key, id, []CompletePart{{Number: 1, ETag: p.ETag}}, CompleteOptions{})
		return err
	},
	"batch": func(l testLayer, key string, data []byte) error {
		b, err := l.NewBatch(context.Background(), "bkt")
		if err != nil {
			return err
		}
		if err := b.Add(BatchEntry{Key: key, Body: bytes.NewReader(data), Opts: PutOptions{Size: int64(len(data))}}); err != nil {
			b.Abort()
			return err
		}
		return b.Commit()
	},
	"copy-sse": func(l testLayer, key string, _ []byte) error {
		_, err := l.CopyObject(context.Background(), CopySource{Bucket: "bkt", Key: "base"}, "bkt", key, CopyOptions{Encryption: Encryption{Type: SSES3}})
		return err
	},
}

var writeFaults = []struct {
	name   string
	fault  faultstore.Fault
	status int
}{
	{"create fails", faultstore.Fault{Op: faultstore.Create, Err: faultstore.ErrIO}, http.StatusInternalServerError},
	{"EIO mid-write", faultstore.Fault{Op: faultstore.Write, After: 100 << 10, Err: faultstore.ErrIO}, http.StatusInternalServerError},
	{"short write", faultstore.Fault{Op: faultstore.Write, After: 64 << 10, Short: true}, http.StatusInternalServerError},
	{"disk full mid-write", faultstore.Fault{Op: faultstore.Write, After: 150 << 10, Err: faultstore.ErrNoSpace}, http.StatusInsufficientStorage},
	{"fsync or rename fails", faultstore.Fault{Op: faultstore.Commit, Err: faultstore.ErrIO}, http.StatusInternalServerError},
	{"disk full at commit", faultstore.Fault{Op: faultstore.Commit, Err: faultstore.ErrNoSpace}, http.StatusInsufficientStorage},
}

// TestInjectedWriteFaults: every fault below the object layer, on every
// write path, is an S3 error (500, or 507 for a full disk); the write is
// not visible; the object it would have replaced still reads back intact;
// and once the fault is gone nothing is left behind and writes work.
func TestInjectedWriteFaults(t *testing.T) {
	ctx := context.Background()
	for _, f := range writeFaults {
		for opName, op := range writeOps {
			t.Run(f.name+"/"+opName, func(t *testing.T) {
				l, fs := newFaultLayer(t)
				mustCreateBucket(t, l, "bkt")
				base := payload(300 << 10)
				put(t, l, "bkt", "base", base)
				old := bytes.Repeat([]byte("old"), 100<<10)
				put(t, l, "bkt", "victim", old)
				blobsBefore := countBlobs(t, l.blobs)

				fs.Set(f.fault)
				err := op(l, "victim", payload(300<<10))
				fs.Clear()
				if fs.Hits() == 0 {
					t.Fatalf("the fault never fired (err %v)", err)
				}
				if err == nil {
					t.Fatal("a write under an injected fault succeeded")
				}
				var s3e *s3err.Error
				if !errors.As(s3err.From(err), &s3e) || s3e.HTTPStatus != f.status {
					t.Fatalf("error %v: status %d, want %d", err, s3err.From(err).HTTPStatus, f.status)
				}
				if got, _, err := get(t, l, "bkt", "victim", GetOptions{}); err != nil || !bytes.Equal(got, old) {
					t.Fatalf("the object the failed write would replace: %v", err)
				}
				// The collector leaves only the two objects' blobs.
				l.clock.Advance(2 * time.Hour)
				l.DrainQueue(ctx)
				l.SweepOrphans(ctx)
				if n := countBlobs(t, l.blobs); n != blobsBefore {
					t.Fatalf("%d blobs after the failed write, want %d", n, blobsBefore)
				}
				if err := op(l, "victim", base); err != nil {
					t.Fatalf("the same write without the fault: %v", err)
				}
				if got, _, err := get(t, l, "bkt", "victim", GetOptions{}); err != nil || !bytes.Equal(got, base) {
					t.Fatalf("after recovery: %v", err)
				}
			})
		}
	}
}

// TestInjectedReadFaults: a read error is an error, never fewer or other
// bytes passed off as the object.
func TestInjectedReadFaults(t *testing.T) {
	l, fs := newFaultLayer(t)
	mustCreateBucket(t, l, "bkt")
	data := payload(300 << 10)
	put(t, l, "bkt", "plain", data)
	l.PutObject(context.Background(), "bkt", "sse", bytes.NewReader(data), PutOptions{Size: int64(len(data)), Encryption: Encryption{Type: SSES3}})
	for _, f := range []faultstore.Fault{
		{Op: faultstore.Open, Err: faultstore.ErrIO},
		{Op: faultstore.Read, After: 0, Err: faultstore.ErrIO},
		{Op: faultstore.Read, After: 100 << 10, Err: faultstore.ErrIO},
	} {
		for _, key := range []string{"plain", "sse"} {
			fs.Set(f)
			got, _, err := get(t, l, "bkt", key, GetOptions{})
			fs.Clear()
			if err == nil {
				t.Errorf("%s after %d bytes, %s: read succeeded with %d bytes", f.Op, f.After, key, len(got))
				continue
			}
			if !bytes.Equal(got, data[:len(got)]) {
				t.Errorf("%s, %s: the bytes before the error are not the object's", f.Op, key)
			}
		}
	}
	if got, _, err := get(t, l, "bkt", "sse", GetOptions{}); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("after the faults: %v", err)
	}
}
