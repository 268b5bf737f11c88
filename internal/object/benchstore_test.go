package object

import (
	"context"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/kurastore/kura/internal/blob/dirstore"
	"github.com/kurastore/kura/internal/meta/pebblestore"
)

// benchLayer is a layer for benchmarks on real disk (Pebble and a blob
// directory under b.TempDir, synced as a server's are), with the bucket
// "bkt"; the stores close when the benchmark ends.
func benchLayer(b *testing.B, opts Options) *Layer {
	b.Helper()
	m, err := pebblestore.Open(b.TempDir(), &pebblestore.Options{FS: vfs.Default})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { m.Close() })
	blobs, err := dirstore.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	l := New(m, blobs, opts)
	if err := l.CreateBucket(context.Background(), "bkt", CreateBucketOptions{}); err != nil {
		b.Fatal(err)
	}
	return l
}
