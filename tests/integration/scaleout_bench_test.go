package integration

import (
	"context"
	"os"
	"testing"
	"time"

	kuraclient "github.com/kurastore/kura/client"
	"github.com/kurastore/kura/internal/loadgen"
)

// TestScaleOutThroughput measures 4 KiB PUT and GET and listing through
// one Pebble server, one gateway on PostgreSQL, and three gateways (each
// driven by its own load generator at once). It is a measurement, not a
// check: it runs only with KURA_SCALEOUT_BENCH=1 and logs the figures.
func TestScaleOutThroughput(t *testing.T) {
	if os.Getenv("KURA_SCALEOUT_BENCH") == "" {
		t.Skip("measurement: set KURA_SCALEOUT_BENCH=1 to run it")
	}
	const d = 4 * time.Second
	measure := func(name string, servers []*server) {
		for _, wl := range []string{loadgen.OpPut, loadgen.OpGet, loadgen.OpList} {
			results := make(chan float64, len(servers))
			for i, s := range servers {
				go func() {
					c, err := kuraclient.New(s.addr, &kuraclient.Options{AccessKey: s.accessKey, SecretKey: s.secretKey})
					if err != nil {
						t.Error(err)
						results <- 0
						return
					}
					bucket := "tp-" + wl + "-" + itoa(i)
					c.MakeBucket(context.Background(), bucket, kuraclient.MakeBucketOptions{})
					rep, err := loadgen.Run(context.Background(), loadgen.Config{
						Client: c, Bucket: bucket, Workload: wl, Size: 4 << 10, Concurrency: 16 / len(servers), Duration: d, Objects: 1000,
					})
					if err != nil || rep.FirstError != "" {
						t.Errorf("%s %s: %v %s", name, wl, err, rep.FirstError)
					}
					total := 0.0
					for _, op := range rep.Ops {
						total += op.OpsPerSec
					}
					results <- total
				}()
			}
			sum := 0.0
			for range servers {
				sum += <-results
			}
			t.Logf("%-22s 4 KiB %-4s %8.1f ops/s", name, wl, sum)
		}
	}
	measure("pebble, 1 server", []*server{startServer(t)})
	one, _ := gateways(t, 1)
	measure("postgres, 1 gateway", one)
	three, _ := gateways(t, 3)
	measure("postgres, 3 gateways", three)
}
