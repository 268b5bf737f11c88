package bench

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kurastore/kura/internal/lifecycle"
	"github.com/kurastore/kura/internal/loadgen"
	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/sigv4"
	wire "github.com/kurastore/kura/wire/lifecycle"
)

// TestLifecycleScan measures the lifecycle scanner: how many versions a
// whole pass evaluates per second when nothing is due, and what a pass
// running at a bounded rate does to the latency of foreground 4 KiB GETs.
// Its defaults are small so that it runs in seconds; the figures in
// README.md come from
//
//	go test ./bench -run TestLifecycleScan -v -timeout 1h \
//	    -lifecycle.objects 1000000 -lifecycle.round 3s -lifecycle.rounds 24 \
//	    -lifecycle.rates 20000,10000,5000
//
// It checks what it measured (every version evaluated, nothing acted on)
// but never how fast: the figures are for reading.
var (
	lcObjects = flag.Int("lifecycle.objects", 20_000, "objects in the bucket TestLifecycleScan scans")
	lcRound   = flag.Duration("lifecycle.round", time.Second, "how long TestLifecycleScan measures GETs in one round")
	lcRounds  = flag.Int("lifecycle.rounds", 3, "TestLifecycleScan's rounds of each condition")
	lcRates   = flag.String("lifecycle.rates", strconv.Itoa(lifecycle.DefaultRate), "comma-separated scanner settings TestLifecycleScan measures GETs under: a rate in versions/s, or rate/page size (5000/100)")
	lcWarmup  = flag.Duration("lifecycle.warmup", time.Second, "how long TestLifecycleScan lets the scanner run before each round measures")
	lcQuiet   = flag.Float64("lifecycle.quiet", 0.8, "share of GOMAXPROCS the process must have had in every round of a cycle for TestLifecycleScan to count it quiet")
	lcSettle  = flag.Duration("lifecycle.settle", 5*time.Minute, "how long TestLifecycleScan waits at most for Pebble to finish compacting the fill")
)

// Rules that match none of the filled objects (their keys start with
// "obj/" and their tag is team=storage): one a prefix decides, one that
// needs each version's tags decoded.
const (
	prefixRule = `<Rule><ID>no-prefix</ID><Filter><Prefix>no-such-prefix/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`
	tagRule    = `<Rule><ID>no-tag</ID><Filter><Tag><Key>team</Key><Value>nobody</Value></Tag></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`
)

const lcBucket = "scanned"

func TestLifecycleScan(t *testing.T) {
	ctx := context.Background()
	rates, err := parseRates(*lcRates)
	if err != nil {
		t.Fatal(err)
	}
	// The store is on disk, as a server's is; the temp dir goes when the
	// test ends, after the store is closed.
	srv, layer, store := startKuraIn(t, t.TempDir())
	if err := layer.CreateBucket(ctx, lcBucket, object.CreateBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	n := *lcObjects
	start := time.Now()
	if err := fill(ctx, layer, lcBucket, n); err != nil {
		t.Fatal(err)
	}
	t.Logf("filled %d objects of 128 B (inline, one tag) through the object layer in %v", n, time.Since(start).Round(time.Millisecond))
	t.Logf("Pebble settled (process under 5%% of a core for a second) after %v more", settle(*lcSettle).Round(time.Second))

	objects := &countingObjects{Layer: layer}
	for _, rc := range []struct{ name, rules string }{{"prefix rule", prefixRule}, {"tag rule", tagRule}} {
		setRules(t, layer, lcBucket, rc.rules)
		s := lifecycle.New(lifecycle.Options{Meta: store, Objects: objects, Rate: -1, Holder: "bench"})
		for pass := 1; pass <= 2; pass++ {
			objects.scanned.Store(0)
			cpu0, _ := loadgen.ProcessCPU(os.Getpid())
			t0 := time.Now()
			if err := s.Pass(ctx); err != nil {
				t.Fatal(err)
			}
			d := time.Since(t0)
			cpu1, _ := loadgen.ProcessCPU(os.Getpid())
			checkPass(t, s, n)
			v := objects.scanned.Load()
			t.Logf("%s, unbounded, pass %d: %d versions in %v = %.0f versions/s, %.2f s of CPU (%.2f µs/version)",
				rc.name, pass, v, d.Round(time.Millisecond), float64(v)/d.Seconds(), (cpu1 - cpu0).Seconds(), float64((cpu1-cpu0).Microseconds())/float64(v))
		}
	}

	// Foreground GETs of 256 4 KiB objects in another bucket, without
	// the scanner and with it at each rate, in rotated order.
	body := bytes.Repeat([]byte("g"), 4096)
	for i := range 256 {
		srv.do(t, "PUT", "/bench/get/"+strconv.Itoa(i), body)
	}
	conds := append([]scanSetting{{}}, rates...) // the zero setting: no scanner
	scanners := map[scanSetting]*lifecycle.Scanner{}
	for _, r := range rates {
		scanners[r] = lifecycle.New(lifecycle.Options{Meta: store, Objects: objects, Rate: r.rate, PageSize: r.page, Holder: "bench"})
	}
	var cycles []map[scanSetting]roundResult
	for round := range *lcRounds {
		order := slices.Concat(conds[round%len(conds):], conds[:round%len(conds)])
		cycle := map[scanSetting]roundResult{}
		for _, c := range order {
			res, err := getRound(ctx, srv, scanners[c], objects, *lcRound)
			if err != nil {
				t.Fatal(err)
			}
			cycle[c] = res
			t.Logf("round %d, %-14s: %6d GETs = %6.0f/s, p50 %v, p99 %v; scanner %6.0f versions/s; process CPU %.2f cores, %.1f µs per GET",
				round+1, condName(c), len(res.lat), float64(len(res.lat))/res.d.Seconds(), percentile(res.lat, 50), percentile(res.lat, 99),
				float64(res.scanned)/res.d.Seconds(), res.cores(), res.cpuPerGet())
		}
		cycles = append(cycles, cycle)
	}
	summarize(t, "all rounds", conds, cycles)
	// A cycle is quiet when this process had most of the machine in each
	// of its rounds: other work on a shared machine takes CPU from the
	// server, and then a fixed cost such as the scanner's is a larger
	// share of what the server gets.
	quietCores := *lcQuiet * float64(runtime.GOMAXPROCS(0))
	quiet := slices.DeleteFunc(slices.Clone(cycles), func(cycle map[scanSetting]roundResult) bool {
		for _, res := range cycle {
			if res.cores() < quietCores {
				return true
			}
		}
		return false
	})
	summarize(t, fmt.Sprintf("quiet cycles (%d of %d: every round had >= %.2f cores)", len(quiet), len(cycles), quietCores), conds, quiet)
}

// summarize logs each condition's GET latency over cycles, and the
// ratio of its p99 to the no-scanner rounds' p99: pooled over all
// rounds, and the median of the ratios of the rounds of one cycle.
func summarize(t *testing.T, title string, conds []scanSetting, cycles []map[scanSetting]roundResult) {
	if len(cycles) == 0 {
		t.Logf("%s: none", title)
		return
	}
	pooled := func(c scanSetting) (lat []time.Duration, cpuPerGet float64) {
		for _, cycle := range cycles {
			lat = append(lat, cycle[c].lat...)
			cpuPerGet += cycle[c].cpuPerGet() / float64(len(cycles))
		}
		return lat, cpuPerGet
	}
	baseLat, baseCPU := pooled(scanSetting{})
	base := percentile(baseLat, 99)
	t.Logf("%s, no scanner: p50 %v, p99 %v, %.1f µs of CPU per GET", title, percentile(baseLat, 50), base, baseCPU)
	for _, c := range conds[1:] {
		lat, cpu := pooled(c)
		p99 := percentile(lat, 99)
		ratios := make([]float64, len(cycles))
		for i, cycle := range cycles {
			ratios[i] = float64(percentile(cycle[c].lat, 99)) / float64(percentile(cycle[scanSetting{}].lat, 99))
		}
		slices.Sort(ratios)
		t.Logf("%s, %s: p50 %v, p99 %v, %.1f µs of CPU per GET; p99 with/without: %.3f pooled, %.3f median of cycles (sorted: %s)",
			title, condName(c), percentile(lat, 50), p99, cpu, float64(p99)/float64(base), ratios[len(ratios)/2], fmtRatios(ratios))
	}
}

// scanSetting is a scanner's rate and page size (0: the default); the
// zero setting is no scanner.
type scanSetting struct{ rate, page int }

func parseRates(s string) ([]scanSetting, error) {
	var settings []scanSetting
	for f := range strings.SplitSeq(s, ",") {
		rate, page, paged := strings.Cut(strings.TrimSpace(f), "/")
		var set scanSetting
		var err1, err2 error
		set.rate, err1 = strconv.Atoi(rate)
		if paged {
			set.page, err2 = strconv.Atoi(page)
		}
		if err1 != nil || err2 != nil || set.rate <= 0 || set.page < 0 {
			return nil, fmt.Errorf("lifecycle.rates: %q is not a positive rate, or rate/page size", f)
		}
		settings = append(settings, set)
	}
	return settings, nil
}

func condName(s scanSetting) string {
	switch {
	case s.rate == 0:
		return "no scanner"
	case s.page == 0:
		return fmt.Sprintf("scanner %d/s", s.rate)
	}
	return fmt.Sprintf("scanner %d/s, pages of %d", s.rate, s.page)
}

func fmtRatios(r []float64) string {
	s := make([]string, len(r))
	for i, x := range r {
		s[i] = fmt.Sprintf("%.3f", x)
	}
	return strings.Join(s, " ")
}

// fill stores n small objects with one tag in bucket through the object
// layer, in batches of 1,000 on 4 goroutines: far faster than n HTTP PUTs.
func fill(ctx context.Context, layer *object.Layer, bucket string, n int) error {
	const batchSize = 1000
	var next atomic.Int64
	errs := make(chan error, 4)
	body := bytes.Repeat([]byte("s"), 128)
	for range 4 {
		go func() {
			for {
				first := int(next.Add(batchSize) - batchSize)
				if first >= n {
					errs <- nil
					return
				}
				b, err := layer.NewBatch(ctx, bucket)
				if err != nil {
					errs <- err
					return
				}
				for i := first; i < min(first+batchSize, n); i++ {
					err = b.Add(object.BatchEntry{Key: fmt.Sprintf("obj/%08d", i), Body: bytes.NewReader(body),
						Opts: object.PutOptions{Size: int64(len(body)), Tags: map[string]string{"team": "storage"}}})
					if err != nil {
						b.Abort()
						errs <- err
						return
					}
				}
				if err := b.Commit(); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	var err error
	for range 4 {
		err = errors.Join(err, <-errs)
	}
	return err
}

// settle waits until this process is idle (under 5% of a core over a
// second), that is until Pebble has compacted what the fill wrote, or
// limit has passed.
func settle(limit time.Duration) time.Duration {
	t0 := time.Now()
	prev, ok := loadgen.ProcessCPU(os.Getpid())
	for ok && time.Since(t0) < limit {
		time.Sleep(time.Second)
		cur, ok2 := loadgen.ProcessCPU(os.Getpid())
		if !ok2 || cur-prev < 50*time.Millisecond {
			break
		}
		prev = cur
	}
	return time.Since(t0)
}

func setRules(t *testing.T, layer *object.Layer, bucket, rules string) {
	t.Helper()
	cfg, err := wire.Parse(strings.NewReader(`<LifecycleConfiguration>` + rules + `</LifecycleConfiguration>`))
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil {
		t.Fatal(err)
	}
	doc, err := lifecycle.EncodeStored(cfg, "")
	if err == nil {
		err = layer.SetBucketConfig(context.Background(), bucket, lifecycle.ConfigName, doc)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// checkPass checks that the last pass evaluated every object and acted
// on none.
func checkPass(t *testing.T, s *lifecycle.Scanner, n int) {
	t.Helper()
	st, err := s.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range st.Buckets {
		if b.Bucket != lcBucket {
			continue
		}
		if b.LastPassScanned != int64(n) || len(b.Actions) != 0 {
			t.Fatalf("the pass evaluated %d versions (want %d) and acted: %v", b.LastPassScanned, n, b.Actions)
		}
		return
	}
	t.Fatalf("no status for bucket %s: %+v", lcBucket, st)
}

// countingObjects counts the versions the scanner reads.
type countingObjects struct {
	*object.Layer
	scanned atomic.Int64
}

func (c *countingObjects) ScanVersions(ctx context.Context, bucket string, opts object.ScanOptions) (object.ScanPage, error) {
	page, err := c.Layer.ScanVersions(ctx, bucket, opts)
	for _, k := range page.Keys {
		c.scanned.Add(int64(len(k.Versions)))
	}
	return page, err
}

type roundResult struct {
	lat     []time.Duration
	d       time.Duration
	scanned int64
	cpu     time.Duration // of the whole process: server, clients, scanner
}

func (r roundResult) cores() float64 { return r.cpu.Seconds() / r.d.Seconds() }

func (r roundResult) cpuPerGet() float64 {
	return float64(r.cpu.Microseconds()) / float64(max(len(r.lat), 1))
}

// getRound runs 16 GET clients for d, with s making passes over and
// over if it is not nil. Both conditions start measuring after the same
// warm-up, so that the scanner is at its steady rate rather than
// spending the burst its rate limiter starts with.
func getRound(ctx context.Context, srv *target, s *lifecycle.Scanner, objects *countingObjects, d time.Duration) (roundResult, error) {
	scanCtx, stopScan := context.WithCancel(ctx)
	scanDone := make(chan error, 1)
	go func() {
		for s != nil && scanCtx.Err() == nil {
			if err := s.Pass(scanCtx); err != nil && scanCtx.Err() == nil {
				scanDone <- err
				return
			}
		}
		scanDone <- nil
	}()
	time.Sleep(*lcWarmup)

	scanned0 := objects.scanned.Load()
	cpu0, _ := loadgen.ProcessCPU(os.Getpid())
	t0 := time.Now()
	deadline := t0.Add(d)
	var (
		mu  sync.Mutex
		all []time.Duration
		wg  sync.WaitGroup
		bad atomic.Value
	)
	for c := range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for i := c; time.Now().Before(deadline); i += concurrency {
				t1 := time.Now()
				if err := srv.get("/bench/get/" + strconv.Itoa(i%256)); err != nil {
					bad.Store(err)
					return
				}
				mine = append(mine, time.Since(t1))
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	res := roundResult{lat: all, d: time.Since(t0), scanned: objects.scanned.Load() - scanned0}
	cpu1, _ := loadgen.ProcessCPU(os.Getpid())
	res.cpu = cpu1 - cpu0
	stopScan()
	scanErr := <-scanDone
	if err, _ := bad.Load().(error); err != nil {
		return res, err
	}
	return res, scanErr
}

// get reads an object and discards it, returning an error rather than
// failing the test, since it runs on the clients' goroutines.
func (t *target) get(path string) error {
	req, err := http.NewRequest("GET", t.url+path, nil)
	if err != nil {
		return err
	}
	sigv4.SignRequest(req, t.creds, "us-east-1", "s3", sigv4.UnsignedPayload, time.Now())
	resp, err := t.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return nil
}

// percentile returns the p-th percentile of lat, which it sorts.
func percentile(lat []time.Duration, p int) time.Duration {
	if len(lat) == 0 {
		return 0
	}
	slices.Sort(lat)
	return lat[min(len(lat)*p/100, len(lat)-1)]
}
