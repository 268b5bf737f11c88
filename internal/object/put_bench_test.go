package object

import (
	"bytes"
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/kurastore/kura/checksum"
)

// BenchmarkPutObject times PutObject of one body size on a Pebble and
// directory-store layer, without a checksum from the client (so S3's
// default checksum is the one computed), with a CRC32C one, as the Go SDK
// sends, with a CRC64NVME one, and with MD5, which shares the ETag's hash.
// 4 KiB is stored inline; 1 MiB and 64 MiB go to a blob.
func BenchmarkPutObject(b *testing.B) {
	for _, size := range []int{4 << 10, 1 << 20, 64 << 20} {
		for _, alg := range []checksum.Algorithm{"", checksum.CRC32C, checksum.CRC64NVME, checksum.MD5} {
			name := strconv.Itoa(size>>10) + "KiB/client-" + string(alg)
			if alg == "" {
				name += "none"
			}
			b.Run(name, func(b *testing.B) { benchPut(b, size, alg) })
		}
	}
}

func benchPut(b *testing.B, size int, alg checksum.Algorithm) {
	l := benchLayer(b, Options{GCDelay: time.Hour})
	ctx := context.Background()
	data := bytes.Repeat([]byte("0123456789abcdef"), size/16)
	b.SetBytes(int64(size))
	b.ResetTimer()
	for i := range b.N {
		opts := PutOptions{Size: int64(size), Checksum: ChecksumRequest{Algorithm: alg}}
		if _, err := l.PutObject(ctx, "bkt", "k"+strconv.Itoa(i%64), bytes.NewReader(data), opts); err != nil {
			b.Fatal(err)
		}
	}
}
