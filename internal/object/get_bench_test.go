package object

import (
	"bytes"
	"context"
	"io"
	"strconv"
	"testing"
	"time"

	"github.com/kurastore/kura/internal/blob"
)

// BenchmarkGetBlobObject times parallel GETs of 2 KiB and 128 KiB objects
// (past the inline limit, so each opens a blob, as every GET the read
// leases cover does) on a Pebble and directory-store layer, on its own and
// with Options.Shared (a gateway's lease record, already published).
func BenchmarkGetBlobObject(b *testing.B) {
	for _, size := range []int{2 << 10, 128 << 10} {
		for _, shared := range []bool{false, true} {
			name := strconv.Itoa(size>>10) + "KiB/shared=" + strconv.FormatBool(shared)
			b.Run(name, func(b *testing.B) { benchGetBlob(b, size, shared) })
		}
	}
}

func benchGetBlob(b *testing.B, size int, shared bool) {
	l := benchLayer(b, Options{InlineLimit: 1024, GCDelay: time.Hour, Shared: shared})
	ctx := context.Background()
	const objects = 64
	body := payload(size)
	for i := range objects {
		if _, err := l.PutObject(ctx, "bkt", strconv.Itoa(i), bytes.NewReader(body), PutOptions{Size: int64(size)}); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(size))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		buf := make([]byte, 32<<10)
		for i := 0; pb.Next(); i++ {
			obj, err := l.GetObject(ctx, "bkt", strconv.Itoa(i%objects), GetOptions{})
			if err != nil {
				b.Error(err)
				return
			}
			n, err := io.CopyBuffer(io.Discard, obj.Body, buf)
			obj.Body.Close()
			if err != nil || n != int64(size) {
				b.Errorf("read %d bytes: %v", n, err)
				return
			}
		}
	})
}

// BenchmarkReadLeaseTable times what a read adds for its lease in one
// process: taking and giving back the leases of a three-part object, from
// parallel readers of 64 objects.
func BenchmarkReadLeaseTable(b *testing.B) {
	l := New(nil, nil, Options{})
	var objects [64][]blob.ID
	for i := range objects {
		objects[i] = []blob.ID{blob.NewID(), blob.NewID(), blob.NewID()}
	}
	b.RunParallel(func(pb *testing.PB) {
		for i := 0; pb.Next(); i++ {
			ids := objects[i%len(objects)]
			l.leaseBlobs(ids)
			l.releaseBlobs(ids)
		}
	})
}
