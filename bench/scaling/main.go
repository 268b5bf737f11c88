// Command scaling measures how kura's throughput changes with the number
// of clients and with the number of objects in a bucket, and plots both
// curves as PNG files:
//
//	go run ./bench/scaling [-out bench/results] [-duration 4s] [-max-objects 1000000]
//
// It builds kura, starts it on loopback with a temp dir, and drives it
// with kura bench's load generator. Cost must stay flat as a bucket
// grows: GET, HEAD, PUT and a 1,000-key listing page are measured at
// 10k, 100k and 1M objects.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"image/color"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/internal/loadgen"
)

type point struct {
	X   float64 `json:"x"`
	Ops float64 `json:"opsPerSec"`
}

type results struct {
	Date    string             `json:"date"`
	Clients map[string][]point `json:"byClients"`
	Objects map[string][]point `json:"byObjects"`
}

func main() {
	out := flag.String("out", "bench/results", "directory for the PNGs and scaling.json")
	d := flag.Duration("duration", 4*time.Second, "time per measurement")
	maxObjects := flag.Int("max-objects", 1_000_000, "largest bucket measured (10k, 100k, 1M)")
	flag.Parse()
	if err := measure(*out, *d, *maxObjects); err != nil {
		fmt.Fprintln(os.Stderr, "scaling:", err)
		os.Exit(1)
	}
}

func startKura(work string) (*client.Client, int, func(), error) {
	bin := filepath.Join(work, "kura")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/kurastore/kura/cmd/kura").CombinedOutput(); err != nil {
		return nil, 0, nil, fmt.Errorf("building kura: %v\n%s", err, out)
	}
	key := make([]byte, 12)
	rand.Read(key)
	access, secret := "SCALE"+hex.EncodeToString(key[:4]), hex.EncodeToString(key)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, 0, nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "server", "--address", addr, "--log-level", "error", filepath.Join(work, "data"))
	cmd.Env = append(os.Environ(), "KURA_ROOT_USER="+access, "KURA_ROOT_PASSWORD="+secret)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, 0, nil, err
	}
	stop := func() { cmd.Process.Kill(); cmd.Wait() }
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get("http://" + addr + "/health/ready"); err == nil {
			resp.Body.Close()
			c, err := client.New(addr, &client.Options{AccessKey: access, SecretKey: secret})
			return c, cmd.Process.Pid, stop, err
		}
	}
	stop()
	return nil, 0, nil, fmt.Errorf("kura did not start")
}

// settle waits until the server is idle (under 5% of a core over a
// second), that is until Pebble has compacted what the fill wrote, so
// that a bucket size is measured for what it costs to serve rather than
// for the compaction debt of having just been written. It gives up after
// limit. It reads /proc; elsewhere it returns at once.
func settle(pid int, limit time.Duration) time.Duration {
	t0 := time.Now()
	prev, ok := loadgen.ProcessCPU(pid)
	for ok && time.Since(t0) < limit {
		time.Sleep(time.Second)
		cur, ok2 := loadgen.ProcessCPU(pid)
		if !ok2 || cur-prev < 50*time.Millisecond {
			break
		}
		prev = cur
	}
	return time.Since(t0)
}

func opsPerSec(rep loadgen.Report) float64 {
	total := 0.0
	for _, op := range rep.Ops {
		total += op.OpsPerSec
	}
	return total
}

func measure(out string, d time.Duration, maxObjects int) error {
	ctx := context.Background()
	work, err := os.MkdirTemp("", "kura-scaling-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	c, pid, stop, err := startKura(work)
	if err != nil {
		return err
	}
	defer stop()
	res := results{Date: time.Now().UTC().Format(time.RFC3339), Clients: map[string][]point{}, Objects: map[string][]point{}}

	// Throughput by clients: 4 KiB PUT and GET.
	for _, op := range []string{loadgen.OpPut, loadgen.OpGet} {
		for _, n := range []int{1, 4, 16, 64} {
			bucket := fmt.Sprintf("clients-%s-%d", op, n)
			if err := c.MakeBucket(ctx, bucket, client.MakeBucketOptions{}); err != nil {
				return err
			}
			rep, err := loadgen.Run(ctx, loadgen.Config{Client: c, Bucket: bucket, Workload: op, Size: 4 << 10, Concurrency: n, Duration: d, Objects: 1000})
			if err != nil {
				return err
			}
			res.Clients["4 KiB "+op] = append(res.Clients["4 KiB "+op], point{float64(n), opsPerSec(rep)})
			fmt.Printf("4 KiB %-4s %2d clients: %8.0f ops/s\n", op, n, opsPerSec(rep))
		}
	}

	// Cost by bucket size: fill one bucket step by step.
	const bucket = "objects"
	if err := c.MakeBucket(ctx, bucket, client.MakeBucketOptions{}); err != nil {
		return err
	}
	filled := 0
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		if n > maxObjects {
			break
		}
		t0 := time.Now()
		if err := fill(ctx, c, bucket, filled, n); err != nil {
			return err
		}
		fmt.Printf("bucket filled to %d objects (%v)", n, time.Since(t0).Round(time.Second))
		fmt.Printf(", server idle after %v more\n", settle(pid, 5*time.Minute).Round(time.Second))
		filled = n
		for _, op := range []string{loadgen.OpGet, loadgen.OpStat, loadgen.OpPut, "list-page"} {
			var v float64
			if op == "list-page" {
				v, err = listPages(ctx, c, bucket, n, d)
			} else {
				var rep loadgen.Report
				rep, err = loadgen.Run(ctx, loadgen.Config{
					Client: c, Bucket: bucket, Workload: op, Size: 4 << 10, Concurrency: 16, Duration: d, Objects: n, Prepared: true,
				})
				v = opsPerSec(rep)
			}
			if err != nil {
				return err
			}
			res.Objects[op] = append(res.Objects[op], point{float64(n), v})
			fmt.Printf("  %-9s at %7d objects: %8.0f ops/s\n", op, n, v)
		}
	}

	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	if err := plotCurves(filepath.Join(out, "scaling-clients.png"), "kura throughput by clients (4 KiB)", "clients", res.Clients, true); err != nil {
		return err
	}
	if err := plotCurves(filepath.Join(out, "scaling-objects.png"), "kura throughput by bucket size (16 clients)", "objects in the bucket", res.Objects, true); err != nil {
		return err
	}
	data, _ := json.MarshalIndent(res, "", "  ")
	return os.WriteFile(filepath.Join(out, "scaling.json"), data, 0o644)
}

// fill writes 4 KiB objects from..to-1 with the keys loadgen reads.
func fill(ctx context.Context, c *client.Client, bucket string, from, to int) error {
	cfg := loadgen.Config{Client: c, Bucket: bucket, Workload: loadgen.OpGet, Size: 4 << 10, Objects: to}
	data := make([]byte, 4<<10)
	var next atomic.Int64
	next.Store(int64(from))
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < to; i = int(next.Add(1) - 1) {
				if _, err := c.PutObject(ctx, bucket, loadgen.Key(cfg, i), bytes.NewReader(data), int64(len(data)), client.PutObjectOptions{DisableChecksum: true}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// listPages lists 1,000-key pages from random places in the bucket for d,
// from 16 clients, and reports pages per second.
func listPages(ctx context.Context, c *client.Client, bucket string, n int, d time.Duration) (float64, error) {
	var pages atomic.Int64
	var firstErr error
	var once sync.Once
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; time.Now().Before(deadline); i++ {
				after := loadgen.Key(loadgen.Config{}, (i*7919)%n)
				got := 0
				for _, err := range c.ListObjects(ctx, bucket, client.ListObjectsOptions{Recursive: true, StartAfter: after, MaxKeys: 1000}) {
					if err != nil {
						once.Do(func() { firstErr = err })
						return
					}
					if got++; got == 1000 {
						break
					}
				}
				pages.Add(1)
			}
		}()
	}
	wg.Wait()
	return float64(pages.Load()) / d.Seconds(), firstErr
}

var palette = []color.Color{
	color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
	color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
	color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
	color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
}

func plotCurves(path, title, xLabel string, curves map[string][]point, logX bool) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xLabel
	p.Y.Label.Text = "operations per second"
	if logX {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	p.Legend.Top, p.Legend.Left = true, true
	p.Y.Min = 0
	i := 0
	for _, name := range sortedKeys(curves) {
		pts := make(plotter.XYs, len(curves[name]))
		for j, pt := range curves[name] {
			pts[j].X, pts[j].Y = pt.X, pt.Ops
		}
		line, points, err := plotter.NewLinePoints(pts)
		if err != nil {
			return err
		}
		line.Color, points.Color = palette[i%len(palette)], palette[i%len(palette)]
		p.Add(line, points)
		p.Legend.Add(name, line, points)
		i++
	}
	return p.Save(8*vg.Inch, 5*vg.Inch, path)
}

func sortedKeys(m map[string][]point) []string { return slices.Sorted(maps.Keys(m)) }
