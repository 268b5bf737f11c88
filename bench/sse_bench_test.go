package bench

import (
	"bytes"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/kurastore/kura/sigv4"
)

// call makes a request with an unsigned payload (the server's cost, not
// the client's SHA-256) and extra headers, and discards the response.
func (t *target) call(b *testing.B, method, path string, body io.Reader, size int64, hdr map[string]string) int64 {
	req, err := http.NewRequest(method, t.url+path, body)
	if err != nil {
		b.Fatal(err)
	}
	req.ContentLength = size
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	sigv4.SignRequest(req, t.creds, "us-east-1", "s3", sigv4.UnsignedPayload, time.Now())
	resp, err := t.client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil || resp.StatusCode >= 300 {
		b.Fatalf("%s %s: %d %v", method, path, resp.StatusCode, err)
	}
	return n
}

// patternReader yields size bytes of a cheap, non-repeating-per-block
// pattern without holding them in memory.
type patternReader struct{ off, size int64 }

func (p *patternReader) Read(b []byte) (int, error) {
	if p.off >= p.size {
		return 0, io.EOF
	}
	n := int(min(int64(len(b)), p.size-p.off))
	for i := range n {
		x := p.off + int64(i)
		b[i] = byte(x ^ x>>9 ^ x>>17)
	}
	p.off += int64(n)
	return n, nil
}

var sseModes = []struct {
	name string
	hdr  map[string]string
}{
	{"plain", nil},
	{"sse-s3", map[string]string{"x-amz-server-side-encryption": "AES256"}},
}

// BenchmarkSSE64MiB compares 64 MiB PUT and GET of SSE-S3 objects with
// unencrypted ones in one run: compare the MB/s of the sub-benchmarks.
func BenchmarkSSE64MiB(b *testing.B) {
	const size = 64 << 20
	body := make([]byte, size)
	(&patternReader{size: size}).Read(body)
	for _, op := range []string{"put", "get"} {
		for _, m := range sseModes {
			b.Run(op+"/"+m.name, func(b *testing.B) {
				t := startKura(b)
				if op == "get" {
					t.call(b, "PUT", "/bench/obj", bytes.NewReader(body), size, m.hdr)
				}
				b.SetBytes(size)
				b.ResetTimer()
				for i := range b.N {
					if op == "put" {
						t.call(b, "PUT", "/bench/obj"+strconv.Itoa(i%4), bytes.NewReader(body), size, m.hdr)
					} else if n := t.call(b, "GET", "/bench/obj", nil, 0, nil); n != size {
						b.Fatalf("read %d bytes", n)
					}
				}
			})
		}
	}
}

// BenchmarkSSERangeGet1GiB reads one byte at random offsets of a 1 GiB
// SSE-S3 object: each read opens the object's key through the KMS and
// decrypts one 64 KiB package.
func BenchmarkSSERangeGet1GiB(b *testing.B) {
	const size = 1 << 30
	for _, m := range sseModes {
		b.Run(m.name, func(b *testing.B) {
			t := startKura(b)
			t.call(b, "PUT", "/bench/gib", &patternReader{size: size}, size, m.hdr)
			b.ResetTimer()
			for range b.N {
				off := rand.Int64N(size)
				rng := map[string]string{"Range": "bytes=" + strconv.FormatInt(off, 10) + "-" + strconv.FormatInt(off, 10)}
				if n := t.call(b, "GET", "/bench/gib", nil, 0, rng); n != 1 {
					b.Fatalf("read %d bytes", n)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/read")
		})
	}
}
