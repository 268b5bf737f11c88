//go:build unix

package client_test

import (
	"bytes"
	"flag"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/minio/minio-go/v7"
	miniocreds "github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/client/internal/kuraproc"
)

// benchSize is the object size of BenchmarkLargeObjectVsMinio:
// -kura.bench-size=1GiB, or KURA_BENCH_SIZE.
var benchSize = flag.String("kura.bench-size", os.Getenv("KURA_BENCH_SIZE"), "object size of BenchmarkLargeObjectVsMinio (default 256MiB)")

// startChildServer starts a kura process (kuraproc), so that the
// benchmark process's CPU time is the client's alone, and returns clients
// of it: the SDK's and minio-go's.
func startChildServer(b *testing.B) (*client.Client, *minio.Client) {
	b.Helper()
	srv := kuraproc.Start(b, kuraproc.Options{})
	mc, err := minio.New(srv.Endpoint, &minio.Options{Creds: miniocreds.NewStaticV4(srv.AccessKey, srv.SecretKey, ""), Region: srv.Region})
	if err != nil {
		b.Fatal(err)
	}
	return srv.Client, mc
}

// childClients are the benchmark clients of a kura in another process.
func childClients(b *testing.B) []benchClient {
	c, mc := startChildServer(b)
	return benchClients(b, c, mc)
}

// BenchmarkLargeObjectVsMinio uploads and downloads one large object
// (256 MiB unless -kura.bench-size says otherwise) through the SDK and
// through minio-go, both with default options, in turn in every
// iteration against the same kura, and reports each one's throughput and
// the ratios SDK/minio-go (above 1: the SDK is faster).
func BenchmarkLargeObjectVsMinio(b *testing.B) {
	size := uint64(256 << 20)
	if *benchSize != "" {
		var err error
		if size, err = humanize.ParseBytes(*benchSize); err != nil {
			b.Fatalf("-kura.bench-size: %v", err)
		}
	}
	clients := childClients(b)
	data := bytes.Repeat(randomData(1<<20, 40), int(size>>20))
	data = append(data, randomData(int(size%(1<<20)), 41)...)
	put := map[string]time.Duration{}
	get := map[string]time.Duration{}
	for b.Loop() {
		for _, c := range clients {
			start := time.Now()
			if err := c.put("large-"+c.name, data); err != nil {
				b.Fatal(err)
			}
			put[c.name] += time.Since(start)
		}
		for _, c := range clients {
			start := time.Now()
			if n, err := c.get("large-" + c.name); err != nil || n != int64(len(data)) {
				b.Fatalf("%s read %d bytes: %v", c.name, n, err)
			}
			get[c.name] += time.Since(start)
		}
	}
	mbps := func(d time.Duration) float64 { return float64(len(data)) * float64(b.N) / d.Seconds() / 1e6 }
	for _, c := range clients {
		b.ReportMetric(mbps(put[c.name]), c.name+"-put-MB/s")
		b.ReportMetric(mbps(get[c.name]), c.name+"-get-MB/s")
	}
	b.ReportMetric(put["minio-go"].Seconds()/put["sdk"].Seconds(), "put-sdk/minio")
	b.ReportMetric(get["minio-go"].Seconds()/get["sdk"].Seconds(), "get-sdk/minio")
}

// processCPU is the CPU time this process has used, user and system.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkGet4KiBClientCPU measures the CPU a client spends on a GET of
// a 4 KiB object, the SDK's and minio-go's: the server runs in another
// process, so this process's CPU time is the client's.
func BenchmarkGet4KiBClientCPU(b *testing.B) {
	clients := childClients(b)
	data := randomData(4<<10, 42)
	for _, c := range clients {
		key := "small-" + c.name
		if err := c.put(key, data); err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			start := processCPU(b)
			for b.Loop() {
				if n, err := c.get(key); err != nil || n != int64(len(data)) {
					b.Fatalf("read %d bytes: %v", n, err)
				}
			}
			b.ReportMetric(float64(processCPU(b)-start)/float64(b.N), "client-cpu-ns/op")
		})
	}
}
