package object

import (
	"bytes"
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/kurastore/kura/internal/blob/dirstore"
	"github.com/kurastore/kura/internal/meta/pebblestore"
)

// BenchmarkPutObjectUsage times concurrent PUTs of small (inline) objects
// to one bucket, where the metadata commit is the whole cost, with the
// usage counters and without them (the layer's store unwrapped), in a
// bucket never versioned and in a versioned one. The two must not differ
// by more than the delta each commit writes: counting takes no lock.
// On disk the fsyncs dominate; in memory, the CPU the counting costs.
func BenchmarkPutObjectUsage(b *testing.B) {
	for _, disk := range []bool{true, false} {
		for _, versioned := range []bool{false, true} {
			for _, counted := range []bool{true, false} {
				name := fmt.Sprintf("disk=%v/versioned=%v/counted=%v", disk, versioned, counted)
				b.Run(name, func(b *testing.B) { benchPutUsage(b, disk, versioned, counted) })
			}
		}
	}
}

func benchPutUsage(b *testing.B, disk, versioned, counted bool) {
	var l *Layer
	ctx := context.Background()
	if disk {
		l = benchLayer(b, Options{GCDelay: time.Hour})
	} else {
		m, err := pebblestore.Open("meta", &pebblestore.Options{FS: vfs.NewMem()})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { m.Close() })
		blobs, err := dirstore.Open(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		l = New(m, blobs, Options{GCDelay: time.Hour})
		if err := l.CreateBucket(ctx, "bkt", CreateBucketOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	if versioned {
		if err := l.SetBucketVersioning(ctx, "bkt", VersioningConfig{Status: VersioningEnabled}); err != nil {
			b.Fatal(err)
		}
	}
	if !counted {
		l.meta = l.rawMeta
	}
	data := bytes.Repeat([]byte("0123456789abcdef"), 256)
	var next atomic.Int64
	b.SetBytes(int64(len(data)))
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			key := fmt.Sprintf("k%d", next.Add(1)%256)
			if _, err := l.PutObject(ctx, "bkt", key, bytes.NewReader(data), PutOptions{Size: int64(len(data))}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
