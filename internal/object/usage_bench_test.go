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
	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/meta/pebblestore"
	"github.com/kurastore/kura/internal/meta/pgstore"
	"github.com/kurastore/kura/internal/meta/pgstore/pgtest"
)

// BenchmarkPutObjectUsage times concurrent PUTs of small (inline) objects
// to one bucket, where the metadata commit is the whole cost, with the
// usage counters and without them (the layer's store unwrapped), in a
// bucket never versioned and in a versioned one. The two must not differ
// by more than the delta each commit writes: counting takes no lock.
// On disk the fsyncs dominate; in memory, the CPU the counting costs;
// on PostgreSQL, round trips.
func BenchmarkPutObjectUsage(b *testing.B) {
	for _, store := range []string{"disk", "mem", "pg"} {
		for _, versioned := range []bool{false, true} {
			for _, counted := range []bool{true, false} {
				name := fmt.Sprintf("store=%s/versioned=%v/counted=%v", store, versioned, counted)
				b.Run(name, func(b *testing.B) { benchPutUsage(b, store, versioned, counted) })
			}
		}
	}
}

// usageBenchLayer is a layer over Pebble on disk (synced, as a server's),
// Pebble in memory, or PostgreSQL, with the bucket "bkt".
func usageBenchLayer(b *testing.B, store string) *Layer {
	if store == "disk" {
		return benchLayer(b, Options{GCDelay: time.Hour})
	}
	var m meta.Store
	var err error
	if store == "pg" {
		pgtest.SkipIfMissing(b)
		m, err = pgstore.Open(context.Background(), pgtest.NewServer(b).NewDatabase(b), nil)
	} else {
		m, err = pebblestore.Open("meta", &pebblestore.Options{FS: vfs.NewMem()})
	}
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { m.Close() })
	blobs, err := dirstore.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	l := New(m, blobs, Options{GCDelay: time.Hour})
	if err := l.CreateBucket(context.Background(), "bkt", CreateBucketOptions{}); err != nil {
		b.Fatal(err)
	}
	return l
}

func benchPutUsage(b *testing.B, store string, versioned, counted bool) {
	l := usageBenchLayer(b, store)
	ctx := context.Background()
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
