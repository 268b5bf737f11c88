package object

import (
	"bytes"
	"context"
	"testing"
	"time"
)

// BenchmarkComplete10000Parts times CompleteMultipartUpload of an upload
// with the maximum number of parts: checking the list, writing the
// manifest and handing over 10,000 blob references in one commit. Parts
// are 1 byte (MinPartSize lowered) so that setting up stays cheap.
func BenchmarkComplete10000Parts(b *testing.B) {
	l := benchLayer(b, Options{MinPartSize: 1, GCDelay: time.Hour})
	ctx := context.Background()
	b.ResetTimer()
	b.StopTimer()
	for range b.N {
		id, err := l.CreateMultipartUpload(ctx, "bkt", "k", UploadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		list := make([]CompletePart, MaxPartNumber)
		for n := 1; n <= MaxPartNumber; n++ {
			p, err := l.UploadPart(ctx, "bkt", "k", id, n, bytes.NewReader([]byte{byte(n)}), PartOptions{Size: 1})
			if err != nil {
				b.Fatal(err)
			}
			list[n-1] = CompletePart{Number: n, ETag: p.ETag}
		}
		b.StartTimer()
		info, err := l.CompleteMultipartUpload(ctx, "bkt", "k", id, list, CompleteOptions{})
		b.StopTimer()
		if err != nil || info.Size != MaxPartNumber {
			b.Fatalf("complete: %v, size %d", err, info.Size)
		}
	}
}
