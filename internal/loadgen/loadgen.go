// Package loadgen is the engine of `kura bench`: it drives any S3
// endpoint through the Go SDK with a workload (put, get, stat, list,
// delete, multipart or a mix) from concurrent workers, for a duration or
// an operation count, and reports throughput and latency percentiles.
package loadgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kurastore/kura/checksum"
	"github.com/kurastore/kura/client"
)

// Operations a workload is made of.
const (
	OpPut       = "put"
	OpGet       = "get"
	OpStat      = "stat"
	OpList      = "list"
	OpDelete    = "delete"
	OpMultipart = "multipart"
	// OpListPrefixes lists the objects' prefixes with delimiter "/"
	// (common prefixes, not keys).
	OpListPrefixes = "list-prefixes"
)

// Workloads name a mix of operations, in percent.
var Workloads = map[string]map[string]int{
	OpPut:       {OpPut: 100},
	OpGet:       {OpGet: 100},
	OpStat:      {OpStat: 100},
	OpList:      {OpList: 100},
	OpDelete:    {OpDelete: 100},
	OpMultipart: {OpMultipart: 100},
	"mixed":     {OpGet: 45, OpPut: 15, OpStat: 30, OpDelete: 10},

	OpListPrefixes: {OpListPrefixes: 100},
}

// Config describes one run.
type Config struct {
	Client      *client.Client
	Bucket      string
	Workload    string
	Size        int64 // object size in bytes
	Concurrency int
	Duration    time.Duration // used when Ops is 0
	Ops         int64
	// Prefixes spreads keys over this many prefixes.
	Prefixes int
	// Objects is how many objects get, stat and list work over (they are
	// written first, untimed). Default 1000.
	Objects int
	// PartSize is the multipart part size. Default 5 MiB.
	PartSize uint64
	// PartThreads is how many parts of one multipart upload go at once.
	// Default the SDK's (4).
	PartThreads int
	// Checksum is the checksum the writes send (the SDK's default when
	// ""); NoChecksum sends none, so that the server computes S3's default.
	Checksum   checksum.Algorithm
	NoChecksum bool
	// Prepared says the Objects already exist (a previous Prepare or run
	// wrote them), so Run does not write them again.
	Prepared bool
	// Progress, when set, is called with the number of operations done
	// after each one. Calls come from the workers, one at a time.
	Progress func(done int64)
}

// Stats are the figures of one operation type.
type Stats struct {
	Op        string        `json:"op"`
	Count     int64         `json:"count"`
	Errors    int64         `json:"errors"`
	Bytes     int64         `json:"bytes"`
	OpsPerSec float64       `json:"opsPerSec"`
	MiBPerSec float64       `json:"mibPerSec"`
	P50       time.Duration `json:"p50"`
	P90       time.Duration `json:"p90"`
	P99       time.Duration `json:"p99"`
	Max       time.Duration `json:"max"`
}

// Report is the result of a run.
type Report struct {
	Workload    string        `json:"workload"`
	Size        int64         `json:"size"`
	Concurrency int           `json:"concurrency"`
	Elapsed     time.Duration `json:"elapsed"`
	Ops         []Stats       `json:"ops"`
	FirstError  string        `json:"firstError,omitempty"`
}

type recorder struct {
	mu        sync.Mutex
	latencies map[string][]time.Duration
	errors    map[string]int64
	bytes     map[string]int64
	firstErr  error
}

func (r *recorder) record(op string, d time.Duration, n int64, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.errors[op]++
		if r.firstErr == nil {
			r.firstErr = fmt.Errorf("%s: %w", op, err)
		}
		return
	}
	r.latencies[op] = append(r.latencies[op], d)
	r.bytes[op] += n
}

func (c *Config) defaults() error {
	if c.Client == nil || c.Bucket == "" {
		return errors.New("loadgen: a client and a bucket are needed")
	}
	if _, ok := Workloads[c.Workload]; !ok {
		return fmt.Errorf("loadgen: unknown workload %q", c.Workload)
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 16
	}
	if c.Ops <= 0 && c.Duration <= 0 {
		c.Duration = 10 * time.Second
	}
	if c.Prefixes <= 0 {
		c.Prefixes = 1
	}
	if c.Objects <= 0 {
		c.Objects = 1000
	}
	if c.PartSize == 0 {
		c.PartSize = 5 << 20
	}
	if c.Size < 0 {
		return errors.New("loadgen: negative size")
	}
	return nil
}

func (c *Config) key(i int) string { return Key(*c, i) }

// Key is the name of object i of a run with cfg: under bench/, spread over
// cfg.Prefixes prefixes.
func Key(cfg Config, i int) string {
	return fmt.Sprintf("bench/p%04d/obj%08d", i%max(1, cfg.Prefixes), i)
}

// Prepare writes the Objects that reading workloads read (Run does it
// itself unless Prepared is set), cfg.Size bytes each.
func Prepare(ctx context.Context, cfg Config) error {
	if err := cfg.defaults(); err != nil {
		return err
	}
	return cfg.prepare(ctx, payload(cfg.Size))
}

func payload(size int64) []byte {
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i*31 + i>>8)
	}
	return data
}

// prepare writes the objects that reading workloads read.
func (c *Config) prepare(ctx context.Context, data []byte) error {
	mix := Workloads[c.Workload]
	if c.Prepared || mix[OpGet]+mix[OpStat]+mix[OpList]+mix[OpListPrefixes]+mix[OpDelete] == 0 {
		return nil
	}
	var next atomic.Int64
	errs := make(chan error, c.Concurrency)
	var wg sync.WaitGroup
	for range c.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < c.Objects; i = int(next.Add(1) - 1) {
				if _, err := c.Client.PutObject(ctx, c.Bucket, c.key(i), bytes.NewReader(data), int64(len(data)), c.putOptions()); err != nil {
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

// Run runs the workload and reports.
func Run(ctx context.Context, cfg Config) (Report, error) {
	if err := cfg.defaults(); err != nil {
		return Report{}, err
	}
	data := payload(cfg.Size)
	if err := cfg.prepare(ctx, data); err != nil {
		return Report{}, fmt.Errorf("loadgen: writing the objects to read: %w", err)
	}
	ops := cumulative(Workloads[cfg.Workload])
	rec := &recorder{latencies: map[string][]time.Duration{}, errors: map[string]int64{}, bytes: map[string]int64{}}
	runCtx := ctx
	if cfg.Ops <= 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, cfg.Duration)
		defer cancel()
	}
	var issued, done atomic.Int64
	var progress sync.Mutex // serializes cfg.Progress
	var fresh atomic.Int64  // keys for put, multipart and delete
	fresh.Store(int64(cfg.Objects))
	start := time.Now()
	var wg sync.WaitGroup
	for range cfg.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
			for runCtx.Err() == nil {
				if cfg.Ops > 0 && issued.Add(1) > cfg.Ops {
					return
				}
				op := ops.pick(rng.IntN(100))
				t0 := time.Now()
				n, err := cfg.do(runCtx, op, rng, data, &fresh)
				if runCtx.Err() != nil && err != nil {
					return // cut off by the end of the run, not a failure
				}
				rec.record(op, time.Since(t0), n, err)
				d := done.Add(1)
				if cfg.Progress != nil {
					progress.Lock()
					cfg.Progress(d)
					progress.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	return rec.report(cfg, time.Since(start)), nil
}

// putOptions are the options of a write: the checksum asked for.
func (c *Config) putOptions() client.PutObjectOptions {
	return client.PutObjectOptions{Checksum: c.Checksum, DisableChecksum: c.NoChecksum}
}

func (c *Config) multipartOptions() client.PutObjectOptions {
	o := c.putOptions()
	o.PartSize, o.NumThreads = c.PartSize, c.PartThreads
	return o
}

// do runs one operation and returns the bytes it moved.
func (c *Config) do(ctx context.Context, op string, rng *rand.Rand, data []byte, fresh *atomic.Int64) (int64, error) {
	switch op {
	case OpPut:
		_, err := c.Client.PutObject(ctx, c.Bucket, c.key(int(fresh.Add(1))), bytes.NewReader(data), int64(len(data)), c.putOptions())
		return int64(len(data)), err
	case OpMultipart:
		_, err := c.Client.PutObject(ctx, c.Bucket, c.key(int(fresh.Add(1))), bytes.NewReader(data), int64(len(data)), c.multipartOptions())
		return int64(len(data)), err
	case OpGet:
		obj, err := c.Client.GetObject(ctx, c.Bucket, c.key(rng.IntN(c.Objects)), client.GetObjectOptions{})
		if err != nil {
			return 0, err
		}
		defer obj.Close()
		return io.Copy(io.Discard, obj)
	case OpStat:
		_, err := c.Client.StatObject(ctx, c.Bucket, c.key(rng.IntN(c.Objects)), client.StatObjectOptions{})
		return 0, err
	case OpList:
		n := int64(0)
		for _, err := range c.Client.ListObjects(ctx, c.Bucket, client.ListObjectsOptions{Prefix: "bench/", Recursive: true}) {
			if err != nil {
				return n, err
			}
			n++
		}
		return 0, nil
	case OpListPrefixes:
		for _, err := range c.Client.ListObjects(ctx, c.Bucket, client.ListObjectsOptions{Prefix: "bench/"}) {
			if err != nil {
				return 0, err
			}
		}
		return 0, nil
	case OpDelete:
		// Deletes remove objects the run itself wrote (keys after the
		// prepared ones), so that gets and stats keep finding theirs.
		written := int(fresh.Load()) - c.Objects
		return 0, c.Client.RemoveObject(ctx, c.Bucket, c.key(c.Objects+1+rng.IntN(max(1, written))), client.RemoveObjectOptions{})
	}
	return 0, fmt.Errorf("loadgen: unknown operation %q", op)
}

type weighted struct {
	op    string
	upper int
}

type mix []weighted

func cumulative(m map[string]int) mix {
	var out mix
	total := 0
	for _, op := range []string{OpGet, OpPut, OpStat, OpList, OpListPrefixes, OpDelete, OpMultipart} {
		if w := m[op]; w > 0 {
			total += w
			out = append(out, weighted{op, total})
		}
	}
	return out
}

func (m mix) pick(n int) string {
	for _, w := range m {
		if n < w.upper {
			return w.op
		}
	}
	return m[len(m)-1].op
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func (r *recorder) report(cfg Config, elapsed time.Duration) Report {
	rep := Report{Workload: cfg.Workload, Size: cfg.Size, Concurrency: cfg.Concurrency, Elapsed: elapsed}
	if r.firstErr != nil {
		rep.FirstError = r.firstErr.Error()
	}
	secs := elapsed.Seconds()
	for _, w := range cumulative(Workloads[cfg.Workload]) {
		lat := slices.Clone(r.latencies[w.op])
		slices.Sort(lat)
		s := Stats{Op: w.op, Count: int64(len(lat)), Errors: r.errors[w.op], Bytes: r.bytes[w.op]}
		if secs > 0 {
			s.OpsPerSec = float64(s.Count) / secs
			s.MiBPerSec = float64(s.Bytes) / secs / (1 << 20)
		}
		s.P50, s.P90, s.P99 = percentile(lat, 0.50), percentile(lat, 0.90), percentile(lat, 0.99)
		if len(lat) > 0 {
			s.Max = lat[len(lat)-1]
		}
		rep.Ops = append(rep.Ops, s)
	}
	return rep
}
