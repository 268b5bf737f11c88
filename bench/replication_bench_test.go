package bench

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/kurastore/kura/admin"
	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/internal/loadgen"
	"github.com/kurastore/kura/kuratest"
	"github.com/kurastore/kura/sigv4"
	"github.com/kurastore/kura/wire/replication"
	"github.com/kurastore/kura/wire/versioning"
)

// TestReplication measures bucket replication between two kura servers:
// the source in this process, the destination in a child process (this
// test binary again, running TestHelperReplicaDestination), so that
// /proc tells the two servers' CPU apart and the destination can be
// paused with SIGSTOP. Its defaults are small so that CI runs it in
// seconds; the figures in README.md come from
//
//	go test ./bench -run 'TestReplication$' -v -timeout 30m \
//	    -replication.round 3s -replication.rounds 6 \
//	    -replication.small 5000 -replication.large 8 -replication.large-mib 64 \
//	    -replication.steady 20s
//
// It measures three things:
//
//   - 4 KiB PUT throughput of the source, 16 writers, into a bucket that
//     does not replicate, into one that does (the workers sending to the
//     destination at the same time), and into that one with the
//     destination stopped, in rotated order;
//   - the lag from a PUT's answer until the object is readable on the
//     destination, under a steady rate of PUTs;
//   - how fast a backlog drains: the destination is stopped (SIGSTOP),
//     objects are written, the destination continues (SIGCONT) and the
//     queue is watched until it is empty.
//
// It checks that everything written was replicated, never how fast: the
// figures are for reading.
var (
	replWriters  = flag.Int("replication.writers", 16, "TestReplication's concurrent writers in the throughput rounds")
	replRound    = flag.Duration("replication.round", 300*time.Millisecond, "length of one TestReplication throughput round")
	replRounds   = flag.Int("replication.rounds", 2, "TestReplication's throughput cycles (a round with and one without replication each)")
	replSmall    = flag.Int("replication.small", 300, "4 KiB objects in TestReplication's backlog")
	replLarge    = flag.Int("replication.large", 1, "large objects in TestReplication's backlog")
	replLargeMiB = flag.Int("replication.large-mib", 8, "size of TestReplication's large objects in MiB")
	replRate     = flag.Int("replication.rate", 200, "PUTs per second in TestReplication's lag measurement")
	replSteady   = flag.Duration("replication.steady", time.Second, "how long TestReplication writes at -replication.rate")
	replSample   = flag.Int("replication.sample", 4, "every n-th object of the lag measurement is polled on the destination")
	replProfile  = flag.String("replication.drain-profile", "", "file to write a CPU profile of this process (the source) to while TestReplication's backlog of 4 KiB objects drains")
	replDstProf  = flag.String("replication.destination-profile", "", "file to write a CPU profile of the destination process to, over its whole life")
	replPoll     = flag.Duration("replication.poll", 2*time.Millisecond, "how often the lag measurement HEADs a sampled object on the destination (at least; a twentieth of the time waited once that is longer)")
)

const destEnv = "KURA_BENCH_REPLICA_DESTINATION"

// TestHelperReplicaDestination is the destination server of
// TestReplication, run in a child process: it serves a kuratest server
// with a versioned bucket "dst", prints where, and stops when its stdin
// closes.
func TestHelperReplicaDestination(t *testing.T) {
	if os.Getenv(destEnv) == "" {
		t.Skip("the destination process of TestReplication")
	}
	s := kuratest.NewServer(t)
	versionedBucketOf(t, s, "dst")
	fmt.Printf("kura-destination %s %s %s\n", s.URL, s.AccessKey, s.SecretKey)
	_, _ = io.Copy(io.Discard, os.Stdin)
}

// destination is the child process serving the replicas.
type destination struct {
	cmd *exec.Cmd
	*target
}

func startDestination(t *testing.T) *destination {
	t.Helper()
	args := []string{"-test.run=^TestHelperReplicaDestination$"}
	if *replDstProf != "" {
		args = append(args, "-test.cpuprofile="+*replDstProf)
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), destEnv+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	d := &destination{cmd: cmd}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGCONT)
		stdin.Close()
		_ = cmd.Wait()
	})
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 4 && f[0] == "kura-destination" {
			d.target = &target{url: f[1], creds: sigv4.Credentials{AccessKey: f[2], SecretKey: f[3]},
				client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
			break
		}
	}
	if d.target == nil {
		t.Fatalf("the destination process did not start: %v", sc.Err())
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	return d
}

func (d *destination) cpu() time.Duration {
	c, _ := loadgen.ProcessCPU(d.cmd.Process.Pid)
	return c
}

func (d *destination) pause(t *testing.T) {
	if err := d.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
}

func (d *destination) resume(t *testing.T) {
	if err := d.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
}

func versionedBucketOf(t testing.TB, s *kuratest.Server, bucket string) {
	t.Helper()
	ctx := context.Background()
	if err := s.Client.MakeBucket(ctx, bucket, client.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Client.SetBucketVersioning(ctx, bucket, &versioning.Configuration{Status: versioning.Enabled}); err != nil {
		t.Fatal(err)
	}
}

// replSource is the source server and what the measurements need of it.
type replSource struct {
	srv *kuratest.Server
	*target
	dst *destination
}

func (s *replSource) status(t *testing.T) admin.ReplicationTargetStatus {
	t.Helper()
	st, err := s.srv.ReplicationStatus(context.Background(), "repl")
	if err != nil || len(st) != 1 {
		t.Fatalf("replication status: %v %v", st, err)
	}
	return st[0]
}

// waitDrained waits until the queue is empty and returns when it first
// saw it empty. The status reads the whole queue, so that it costs CPU
// in proportion to what is pending: it is asked again after 20 times
// as long as it took (and at least every poll), which keeps the
// watching under 5% of a core and its error small against the time it
// watches.
func (s *replSource) waitDrained(t *testing.T, poll time.Duration) time.Time {
	t.Helper()
	deadline := time.Now().Add(10 * time.Minute)
	for {
		t0 := time.Now()
		st := s.status(t)
		if st.Pending == 0 {
			return time.Now()
		}
		if st.Failed > 0 || time.Now().After(deadline) {
			t.Fatalf("replication does not drain: %+v", st)
		}
		time.Sleep(max(poll, 20*time.Since(t0)))
	}
}

// settleBoth waits until this process and the destination's are idle
// (each under 5% of a core over a second), or limit has passed.
func settleBoth(d *destination, limit time.Duration) time.Duration {
	t0 := time.Now()
	prev, prevDst := cpuNow(), d.cpu()
	for time.Since(t0) < limit {
		time.Sleep(time.Second)
		cur, curDst := cpuNow(), d.cpu()
		if cur-prev < 50*time.Millisecond && curDst-prevDst < 50*time.Millisecond {
			break
		}
		prev, prevDst = cur, curDst
	}
	return time.Since(t0)
}

func cpuNow() time.Duration {
	c, _ := loadgen.ProcessCPU(os.Getpid())
	return c
}

func TestReplication(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two servers")
	}
	ctx := context.Background()
	dst := startDestination(t)
	srv := kuratest.NewServer(t)
	src := &replSource{srv: srv, dst: dst, target: &target{
		url: srv.URL, creds: sigv4.Credentials{AccessKey: srv.AccessKey, SecretKey: srv.SecretKey},
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}},
	}}
	versionedBucketOf(t, srv, "plain")
	versionedBucketOf(t, srv, "repl")
	arn, err := srv.AddReplicationTarget(ctx, "repl", admin.ReplicationTarget{
		Endpoint: dst.url, DestBucket: "dst", AccessKey: dst.creds.AccessKey, SecretKey: dst.creds.SecretKey,
	})
	if err != nil {
		t.Fatal(err)
	}
	on := &replication.Status{Status: replication.Enabled}
	rule := replication.Rule{
		ID: "all", Priority: 1, Status: replication.Enabled, Filter: &replication.Filter{},
		DeleteMarkerReplication: on, DeleteReplication: on, Destination: replication.Destination{Bucket: arn},
	}
	if err := srv.Client.SetBucketReplication(ctx, "repl", &replication.Configuration{Rules: []replication.Rule{rule}}); err != nil {
		t.Fatal(err)
	}
	// The service starts a target's worker within seconds of its
	// registration: one object replicated says it runs.
	if err := src.put("/repl/warm-up", []byte("w")); err != nil {
		t.Fatal(err)
	}
	src.waitDrained(t, 10*time.Millisecond)
	if la, err := os.ReadFile("/proc/loadavg"); err == nil {
		t.Logf("load average at start: %s", strings.TrimSpace(string(la)))
	}

	var written atomic.Int64 // objects written to the replicated bucket
	written.Add(1)
	// Each measurement starts with the data of the last one on disk
	// (written back by the kernel) and both servers idle, so that it
	// does not wait on the writeback or the compactions of the one
	// before: after the 64 MiB backlog, fsyncs stalled behind a gigabyte
	// of dirty pages for seconds. The large objects come last for the
	// same reason.
	quiet := func() {
		syscall.Sync()
		t.Logf("both servers idle (Pebble done compacting) after %v", settleBoth(src.dst, 2*time.Minute).Round(time.Second))
	}
	quiet()
	measureThroughput(t, src, &written)
	quiet()
	measureLag(t, src, &written)
	quiet()
	measureDrain(t, src, &written)

	st := src.status(t)
	if st.Pending != 0 || st.Failed != 0 || st.Completed != written.Load() {
		t.Fatalf("replication status at the end: %+v, %d objects written", st, written.Load())
	}
	if la, err := os.ReadFile("/proc/loadavg"); err == nil {
		t.Logf("load average at the end: %s", strings.TrimSpace(string(la)))
	}
}

// throughputRound is one round of 4 KiB PUTs.
type throughputRound struct {
	ops      int
	d        time.Duration
	srcCPU   time.Duration // this process: source server, writers, workers
	dstCPU   time.Duration
	backlog  int64         // changes still queued when the writers stopped
	catchUp  time.Duration // until the queue was empty after that
	catchCPU time.Duration // the source's CPU while catching up
	catchDst time.Duration // the destination's
}

func (r throughputRound) rate() float64 { return float64(r.ops) / r.d.Seconds() }

// The conditions of the throughput rounds: PUTs into the bucket without
// replication; into the replicated bucket, the workers sending at the
// same time; and into the replicated bucket with the destination
// stopped, so that the PUTs pay for queueing their changes but nothing
// is sent until the round is over.
const (
	condOff    = "off"
	condOn     = "on"
	condQueued = "queued"
)

func measureThroughput(t *testing.T, src *replSource, written *atomic.Int64) {
	if *replRounds <= 0 {
		return
	}
	body := bytes.Repeat([]byte("r"), 4096)
	rounds := map[string][]throughputRound{}
	conds := []string{condOff, condOn, condQueued}
	for cycle := range *replRounds {
		order := slices.Concat(conds[cycle%len(conds):], conds[:cycle%len(conds)])
		for _, cond := range order {
			bucket := "repl"
			if cond == condOff {
				bucket = "plain"
			}
			if cond == condQueued {
				src.dst.pause(t)
			}
			res, err := putRound(src, bucket, fmt.Sprintf("tp/%d/%s/", cycle, cond), body, *replRound)
			if cond == condQueued {
				src.dst.resume(t)
			}
			if err != nil {
				t.Fatal(err)
			}
			if bucket == "repl" {
				written.Add(int64(res.ops))
				res.backlog = src.status(t).Pending
				c0, dc0, t0 := cpuNow(), src.dst.cpu(), time.Now()
				res.catchUp = src.waitDrained(t, 10*time.Millisecond).Sub(t0)
				res.catchCPU, res.catchDst = cpuNow()-c0, src.dst.cpu()-dc0
			}
			rounds[cond] = append(rounds[cond], res)
			t.Logf("cycle %d, %-6s: %6d PUTs in %v = %6.0f/s; CPU per PUT: source process %5.0f µs, destination %5.0f µs; backlog at the end %d, emptied in %v (%.0f µs of source CPU per object)",
				cycle+1, cond, res.ops, res.d.Round(time.Millisecond), res.rate(),
				perOp(res.srcCPU, res.ops), perOp(res.dstCPU, res.ops), res.backlog, res.catchUp.Round(time.Millisecond), perOp(res.catchCPU, int(res.backlog)))
		}
	}
	type totals struct {
		ops                   int
		d, catch, srcCPU, dst time.Duration
	}
	total := func(rs []throughputRound) (tt totals) {
		for _, r := range rs {
			tt.ops += r.ops
			tt.d += r.d
			tt.catch += r.catchUp
			tt.srcCPU += r.srcCPU + r.catchCPU
			tt.dst += r.dstCPU + r.catchDst
		}
		return tt
	}
	off := total(rounds[condOff])
	offRate := float64(off.ops) / off.d.Seconds()
	t.Logf("4 KiB PUT, %d writers, replication off: %.0f/s; CPU per PUT: source process %.0f µs", *replWriters, offRate, perOp(off.srcCPU, off.ops))
	for _, cond := range conds[1:] {
		tt := total(rounds[cond])
		rate := float64(tt.ops) / tt.d.Seconds()
		ratios := make([]float64, len(rounds[cond]))
		for i := range ratios {
			ratios[i] = rounds[cond][i].rate() / rounds[condOff][i].rate()
		}
		slices.Sort(ratios)
		sustained := float64(tt.ops) / (tt.d + tt.catch).Seconds()
		t.Logf("4 KiB PUT, replication %s: %.0f/s, ratio to off %.3f (median of cycles %.3f, sorted: %s); counting the time to empty the queue after each round %.0f/s, ratio %.3f; CPU per object (the catch-up included): source process %.0f µs (%.2f× off), destination %.0f µs",
			cond, rate, rate/offRate, ratios[len(ratios)/2], fmtRatios(ratios), sustained, sustained/offRate,
			perOp(tt.srcCPU, tt.ops), perOp(tt.srcCPU, tt.ops)/perOp(off.srcCPU, off.ops), perOp(tt.dst, tt.ops))
	}
}

func perOp(d time.Duration, n int) float64 {
	return float64(d.Microseconds()) / float64(max(n, 1))
}

// putRound runs the writers for d, each PUTting body under prefix.
func putRound(src *replSource, bucket, prefix string, body []byte, d time.Duration) (throughputRound, error) {
	var (
		next atomic.Int64
		wg   sync.WaitGroup
		bad  atomic.Value
	)
	c0, dc0, t0 := cpuNow(), src.dst.cpu(), time.Now()
	deadline := t0.Add(d)
	for range *replWriters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				i := next.Add(1)
				if err := src.put("/"+bucket+"/"+prefix+strconv.FormatInt(i, 10), body); err != nil {
					bad.Store(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	res := throughputRound{ops: int(next.Load()), d: time.Since(t0), srcCPU: cpuNow() - c0, dstCPU: src.dst.cpu() - dc0}
	if err, _ := bad.Load().(error); err != nil {
		return res, err
	}
	return res, nil
}

// put writes an object, returning an error rather than failing the
// test, since it runs on the writers' goroutines.
func (t *target) put(path string, body []byte) error {
	req, err := http.NewRequest("PUT", t.url+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	sigv4.SignRequest(req, t.creds, "us-east-1", "s3", sigv4.UnsignedPayload, time.Now())
	resp, err := t.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("PUT %s: %s", path, resp.Status)
	}
	return nil
}

// exists HEADs an object: true when it is there, false on 404.
func (t *target) exists(path string) (bool, error) {
	req, err := http.NewRequest("HEAD", t.url+path, nil)
	if err != nil {
		return false, err
	}
	sigv4.SignRequest(req, t.creds, "us-east-1", "s3", sigv4.UnsignedPayload, time.Now())
	resp, err := t.client.Do(req)
	if err != nil {
		return false, err
	}
	resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		return true, nil
	case http.StatusNotFound:
		return false, nil
	}
	return false, fmt.Errorf("HEAD %s: %s", path, resp.Status)
}

// measureDrain queues a backlog while the destination is stopped and
// times how long the queue takes to empty once it continues.
func measureDrain(t *testing.T, src *replSource, written *atomic.Int64) {
	small := bytes.Repeat([]byte("s"), 4096)
	large := make([]byte, *replLargeMiB<<20)
	for i := range large {
		large[i] = byte(i * 7)
	}
	for _, b := range []struct {
		name    string
		n       int
		body    []byte
		writers int
	}{
		{"4 KiB", *replSmall, small, 16},
		{fmt.Sprintf("%d MiB", *replLargeMiB), *replLarge, large, 2},
	} {
		if b.n <= 0 {
			continue
		}
		src.dst.pause(t)
		var next atomic.Int64
		var wg sync.WaitGroup
		var bad atomic.Value
		for range b.writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := next.Add(1) - 1; i < int64(b.n); i = next.Add(1) - 1 {
					if err := src.put(fmt.Sprintf("/repl/backlog/%s/%d", strings.ReplaceAll(b.name, " ", ""), i), b.body); err != nil {
						bad.Store(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		if err, _ := bad.Load().(error); err != nil {
			src.dst.resume(t)
			t.Fatal(err)
		}
		written.Add(int64(b.n))
		st := src.status(t)
		if st.Pending != int64(b.n) {
			src.dst.resume(t)
			t.Fatalf("%d changes queued for %d objects written while the destination was stopped", st.Pending, b.n)
		}
		stopProfile := startProfile(t, *replProfile, len(b.body) == len(small))
		c0, dc0, t0 := cpuNow(), src.dst.cpu(), time.Now()
		src.dst.resume(t)
		d := src.waitDrained(t, 10*time.Millisecond).Sub(t0)
		stopProfile()
		srcCPU, dstCPU := cpuNow()-c0, src.dst.cpu()-dc0
		t.Logf("backlog of %d %s objects (%d MB) drained in %v: %.0f objects/s, %.1f MB/s; CPU per object: source %.0f µs, destination %.0f µs",
			b.n, b.name, st.PendingBytes/1e6, d.Round(time.Millisecond), float64(b.n)/d.Seconds(), float64(st.PendingBytes)/1e6/d.Seconds(),
			perOp(srcCPU, b.n), perOp(dstCPU, b.n))
	}
}

// startProfile starts a CPU profile into file if it is named and on
// says so; the function returned stops it.
func startProfile(t *testing.T, file string, on bool) func() {
	if file == "" || !on {
		return func() {}
	}
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		t.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// measureLag writes 4 KiB objects at a steady rate and measures, for
// every n-th, the time from the PUT's answer until a HEAD on the
// destination finds it, HEADing every -replication.poll (or every
// twentieth of the time waited, once that is longer); it also samples
// the status's lag (the age of the oldest queued change).
func measureLag(t *testing.T, src *replSource, written *atomic.Int64) {
	body := bytes.Repeat([]byte("l"), 4096)
	n := int(replSteady.Seconds() * float64(*replRate))
	if n <= 0 || *replSample <= 0 {
		return
	}
	interval := time.Second / time.Duration(*replRate)
	var (
		mu      sync.Mutex
		lags    []time.Duration
		putLat  []time.Duration // the PUTs' own latency, for comparison
		heads   atomic.Int64
		late    atomic.Int64 // PUTs that started more than an interval late
		bad     atomic.Value
		wg      sync.WaitGroup
		polling sync.WaitGroup
	)
	jobs := make(chan int)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				path := "/repl/lag/" + strconv.Itoa(i)
				sent := time.Now()
				if err := src.put(path, body); err != nil {
					bad.Store(err)
					continue
				}
				mu.Lock()
				putLat = append(putLat, time.Since(sent))
				mu.Unlock()
				if i%*replSample != 0 {
					continue
				}
				acked := time.Now()
				polling.Add(1)
				go func() {
					defer polling.Done()
					deadline := acked.Add(time.Minute)
					for {
						heads.Add(1)
						ok, err := src.dst.exists("/dst/lag/" + strconv.Itoa(i))
						if err != nil {
							bad.Store(err)
							return
						}
						if ok {
							lag := time.Since(acked)
							mu.Lock()
							lags = append(lags, lag)
							mu.Unlock()
							return
						}
						if time.Now().After(deadline) {
							bad.Store(fmt.Errorf("lag/%d not replicated after a minute", i))
							return
						}
						// Every -replication.poll, or a twentieth of the
						// time waited so far if that is longer: a lag that
						// grew long is measured to 5%, without a pile of
						// HEADs loading the destination and growing it more.
						time.Sleep(max(*replPoll, time.Since(acked)/20))
					}
				}()
			}
		}()
	}
	// The status's lag, sampled every 250 ms while writing.
	var statusLags []float64
	var pendings []int64
	sampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-sampling:
				return
			case <-tick.C:
			}
			st, err := src.srv.ReplicationStatus(context.Background(), "repl")
			if err == nil && len(st) == 1 {
				statusLags = append(statusLags, st[0].LagSeconds)
				pendings = append(pendings, st[0].Pending)
			}
		}
	}()
	c0, dc0, t0 := cpuNow(), src.dst.cpu(), time.Now()
	for i := range n {
		due := t0.Add(time.Duration(i) * interval)
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		} else if -d > interval {
			late.Add(1)
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	d := time.Since(t0)
	close(sampling)
	<-sampled
	polling.Wait()
	srcCPU, dstCPU := cpuNow()-c0, src.dst.cpu()-dc0
	if err, _ := bad.Load().(error); err != nil {
		t.Fatal(err)
	}
	written.Add(int64(n))
	src.waitDrained(t, 50*time.Millisecond)
	slices.Sort(statusLags)
	t.Logf("steady load: %d PUTs of 4 KiB in %v (%.0f/s asked, %.0f/s done, %d started late); process CPU %.2f cores source, %.2f destination",
		n, d.Round(time.Millisecond), float64(*replRate), float64(n)/d.Seconds(), late.Load(), (srcCPU).Seconds()/d.Seconds(), dstCPU.Seconds()/d.Seconds())
	t.Logf("lag from the PUT's answer to the first HEAD on the destination that finds it (every %d%s object, HEAD every %v or 5%% of the wait, %d HEADs): p50 %v, p90 %v, p99 %v, max %v over %d objects",
		*replSample, ordinalSuffix(*replSample), *replPoll, heads.Load(), percentile(lags, 50), percentile(lags, 90), percentile(lags, 99), maxOf(lags), len(lags))
	t.Logf("the PUTs' own latency meanwhile: p50 %v, p90 %v, p99 %v, max %v",
		percentile(putLat, 50), percentile(putLat, 90), percentile(putLat, 99), maxOf(putLat))
	if len(statusLags) > 0 {
		t.Logf("status every 250 ms while writing: LagSeconds (age of the oldest queued change) median %.3f s, max %.3f s; Pending max %d",
			statusLags[len(statusLags)/2], statusLags[len(statusLags)-1], slices.Max(pendings))
	}
}

func maxOf(lat []time.Duration) time.Duration {
	if len(lat) == 0 {
		return 0
	}
	return slices.Max(lat)
}

func ordinalSuffix(n int) string {
	switch {
	case n%100 >= 11 && n%100 <= 13:
		return "th"
	case n%10 == 1:
		return "st"
	case n%10 == 2:
		return "nd"
	case n%10 == 3:
		return "rd"
	}
	return "th"
}
