package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"

	"github.com/kurastore/kura/admin"
	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/internal/loadgen"
	"github.com/kurastore/kura/wire/notification"
)

// benchNotifyCommand measures what event notifications cost the write
// path, and how fast they are delivered.
func benchNotifyCommand(f *benchFlags) *cobra.Command {
	var rounds, burst int
	var redisAddr string
	cmd := &cobra.Command{
		Use:   "notify",
		Short: "Measure PUTs with and without notification targets, and delivery speed",
		Long: `Measure, against a running kura (with the root keys), in one run:

  - PUT throughput into a bucket with no notification configuration, one
    whose events go to a webhook, and one whose events go to a target that
    is down; the three alternate, each round in another order, for
    --rounds rounds of --duration each, and the report gives each one's
    ratio to the first;
  - delivery throughput to the webhook (and to Redis with --redis): a
    burst of --burst PUTs, then events/s until the last arrives;
  - latency from an event's time to its arrival, p50 and p99.

The webhook is served by this command on 127.0.0.1; the server must
reach it there. Targets it adds are removed at the end.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBenchNotify(cmd, *f, rounds, burst, redisAddr)
		},
	}
	cmd.Flags().IntVar(&rounds, "rounds", 3, "rounds of the three PUT runs")
	cmd.Flags().IntVar(&burst, "burst", 2000, "PUTs in the delivery burst")
	cmd.Flags().StringVar(&redisAddr, "redis", "", "also measure delivery to a Redis server at this address")
	return cmd
}

// receiver is a webhook that counts events and their latency.
type receiver struct {
	srv  *http.Server
	url  string
	mu   sync.Mutex
	n    int
	lats []time.Duration
	last time.Time
}

func newReceiver() (*receiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &receiver{url: "http://" + ln.Addr().String() + "/"}
	r.srv = &http.Server{Handler: http.HandlerFunc(r.serve), ReadHeaderTimeout: 10 * time.Second}
	go r.srv.Serve(ln)
	return r, nil
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost {
		return
	}
	var msg struct {
		Records []struct {
			EventTime string `json:"eventTime"`
		}
	}
	body, _ := io.ReadAll(req.Body)
	now := time.Now()
	if json.Unmarshal(body, &msg) != nil || len(msg.Records) == 0 {
		return
	}
	t, _ := time.Parse(time.RFC3339Nano, msg.Records[0].EventTime)
	r.mu.Lock()
	r.n++
	r.last = now
	if !t.IsZero() {
		r.lats = append(r.lats, now.Sub(t))
	}
	r.mu.Unlock()
}

func (r *receiver) reset() {
	r.mu.Lock()
	r.n, r.lats = 0, nil
	r.mu.Unlock()
}

func (r *receiver) count() (int, time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n, r.last
}

func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

// notifyBenchReport is what "kura bench notify" measured.
type notifyBenchReport struct {
	Size       int64              `json:"size"`
	PutsPerSec map[string]float64 `json:"putsPerSec"`
	Ratio      map[string]float64 `json:"ratioToNoTarget"`
	Delivery   []deliveryResult   `json:"delivery"`
}

type deliveryResult struct {
	Target       string        `json:"target"`
	Events       int           `json:"events"`
	EventsPerSec float64       `json:"eventsPerSec"`
	P50          time.Duration `json:"p50"`
	P99          time.Duration `json:"p99"`
}

func runBenchNotify(cmd *cobra.Command, f benchFlags, rounds, burst int, redisAddr string) error {
	ctx := cmd.Context()
	size, err := humanize.ParseBytes(f.size)
	if err != nil {
		return fmt.Errorf("--size: %w", err)
	}
	c, err := client.New(f.endpoint, &client.Options{AccessKey: f.accessKey, SecretKey: f.secretKey, Region: f.region, Secure: f.secure})
	if err != nil {
		return err
	}
	ac, err := admin.New(f.endpoint, f.accessKey, f.secretKey, f.secure)
	if err != nil {
		return err
	}
	ac.WithRegion(f.region)
	hook, err := newReceiver()
	if err != nil {
		return err
	}
	defer hook.srv.Close()
	down, err := newReceiver()
	if err != nil {
		return err
	}
	suffix := fmt.Sprintf("%d", time.Now().UnixNano()%1e6)
	hookName, downName := "bench-hook-"+suffix, "bench-down-"+suffix
	hookARN, err := ac.AddNotifyTarget(ctx, "webhook", hookName, map[string]string{"endpoint": hook.url})
	if err != nil {
		return err
	}
	defer ac.RemoveNotifyTarget(context.Background(), "webhook", hookName)
	downARN, err := ac.AddNotifyTarget(ctx, "webhook", downName, map[string]string{"endpoint": down.url})
	if err != nil {
		return err
	}
	defer ac.RemoveNotifyTarget(context.Background(), "webhook", downName)
	down.srv.Close() // now the target is down
	buckets := []struct{ name, arn string }{
		{f.bucket + "-none", ""}, {f.bucket + "-webhook", hookARN}, {f.bucket + "-down", downARN},
	}
	for _, b := range buckets {
		if err := ensureBucket(ctx, c, b.name); err != nil {
			return err
		}
		if b.arn == "" {
			continue
		}
		cfg := &notification.Configuration{Queues: []notification.QueueConfiguration{{ARN: b.arn, Events: []string{"s3:ObjectCreated:*"}}}}
		if err := c.SetBucketNotification(ctx, b.name, cfg); err != nil {
			return err
		}
	}
	names := []string{"no target", "webhook", "target down"}
	ops := map[string]int64{}
	secs := map[string]float64{}
	for r := range rounds {
		// Each round starts with another bucket, so that the store's
		// growth over the run weighs on all three alike.
		for j := range buckets {
			i := (r + j) % len(buckets)
			b := buckets[i]
			rep, err := loadgen.Run(ctx, loadgen.Config{Client: c, Bucket: b.name, Workload: "put", Size: int64(size), Concurrency: f.concurrency, Duration: f.duration})
			if err != nil {
				return err
			}
			for _, s := range rep.Ops {
				ops[names[i]] += s.Count - s.Errors
			}
			secs[names[i]] += rep.Elapsed.Seconds()
		}
	}
	rep := notifyBenchReport{Size: int64(size), PutsPerSec: map[string]float64{}, Ratio: map[string]float64{}}
	for _, n := range names {
		rep.PutsPerSec[n] = float64(ops[n]) / secs[n]
		rep.Ratio[n] = rep.PutsPerSec[n] / rep.PutsPerSec[names[0]]
	}
	// Let the webhook drain what the throughput runs queued.
	if err := waitDrained(ctx, ac, hookName); err != nil {
		return err
	}
	hook.reset()
	d, err := deliveryBurst(ctx, c, buckets[1].name, int64(size), burst, f.concurrency, func() (int, time.Time) { return hook.count() })
	if err != nil {
		return err
	}
	hook.mu.Lock()
	d.Target, d.P50, d.P99 = "webhook, burst", quantile(hook.lats, 0.5), quantile(hook.lats, 0.99)
	hook.mu.Unlock()
	rep.Delivery = append(rep.Delivery, d)
	// Latency without a backlog: one writer, one PUT at a time.
	hook.reset()
	d, err = deliveryBurst(ctx, c, buckets[1].name, int64(size), min(burst, 300), 1, func() (int, time.Time) { return hook.count() })
	if err != nil {
		return err
	}
	hook.mu.Lock()
	d.Target, d.P50, d.P99 = "webhook, one writer", quantile(hook.lats, 0.5), quantile(hook.lats, 0.99)
	hook.mu.Unlock()
	rep.Delivery = append(rep.Delivery, d)
	if redisAddr != "" {
		d, err := benchRedis(ctx, c, ac, f, redisAddr, suffix, int64(size), burst)
		if err != nil {
			return err
		}
		rep.Delivery = append(rep.Delivery, d)
	}
	return printNotifyBench(cmd.OutOrStdout(), f, rep, names)
}

func ensureBucket(ctx context.Context, c *client.Client, name string) error {
	ok, err := c.BucketExists(ctx, name)
	if err != nil || ok {
		return err
	}
	return c.MakeBucket(ctx, name, client.MakeBucketOptions{})
}

// waitDrained waits until the target named has no events pending.
func waitDrained(ctx context.Context, ac *admin.Client, name string) error {
	for {
		ts, err := ac.NotifyTargets(ctx, false)
		if err != nil {
			return err
		}
		pending := 0
		for _, t := range ts {
			if t.Name == name {
				pending = t.Pending
			}
		}
		if pending == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// deliveryBurst writes n objects, then measures from the first write
// until count reaches n.
func deliveryBurst(ctx context.Context, c *client.Client, bucket string, size int64, n, concurrency int, count func() (int, time.Time)) (deliveryResult, error) {
	start := time.Now()
	if _, err := loadgen.Run(ctx, loadgen.Config{Client: c, Bucket: bucket, Workload: "put", Size: size, Concurrency: concurrency, Ops: int64(n)}); err != nil {
		return deliveryResult{}, err
	}
	deadline := time.Now().Add(5 * time.Minute)
	for {
		got, last := count()
		if got >= n {
			return deliveryResult{Events: got, EventsPerSec: float64(got) / last.Sub(start).Seconds()}, nil
		}
		if time.Now().After(deadline) {
			return deliveryResult{}, fmt.Errorf("only %d of %d events arrived", got, n)
		}
		select {
		case <-ctx.Done():
			return deliveryResult{}, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func printNotifyBench(out io.Writer, f benchFlags, rep notifyBenchReport, names []string) error {
	if f.json {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	fmt.Fprintf(out, "PUT %s, %d clients\n", humanize.IBytes(uint64(rep.Size)), f.concurrency)
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "BUCKET\tPUTS/S\tRATIO\t")
	for _, n := range names {
		fmt.Fprintf(tw, "%s\t%.1f\t%.3f\t\n", n, rep.PutsPerSec[n], rep.Ratio[n])
	}
	fmt.Fprintln(tw, "\t\t\t")
	fmt.Fprintln(tw, "DELIVERY\tEVENTS\tEVENTS/S\tP50\tP99\t")
	for _, d := range rep.Delivery {
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%s\t%s\t\n", d.Target, d.Events, d.EventsPerSec, d.P50.Round(time.Microsecond), d.P99.Round(time.Microsecond))
	}
	return tw.Flush()
}

// benchRedis measures delivery to a Redis list (the access format):
// events/s, and latency from the events' times to when the list held
// them, sampled by polling its length.
func benchRedis(ctx context.Context, c *client.Client, ac *admin.Client, f benchFlags, addr, suffix string, size int64, n int) (deliveryResult, error) {
	name := "bench-redis-" + suffix
	key := "kura-bench-" + suffix
	arn, err := ac.AddNotifyTarget(ctx, "redis", name, map[string]string{"address": addr, "key": key, "format": "access"})
	if err != nil {
		return deliveryResult{}, err
	}
	defer ac.RemoveNotifyTarget(context.Background(), "redis", name)
	bucket := f.bucket + "-redis"
	if err := ensureBucket(ctx, c, bucket); err != nil {
		return deliveryResult{}, err
	}
	cfg := &notification.Configuration{Queues: []notification.QueueConfiguration{{ARN: arn, Events: []string{"s3:ObjectCreated:*"}}}}
	if err := c.SetBucketNotification(ctx, bucket, cfg); err != nil {
		return deliveryResult{}, err
	}
	var lats []time.Duration
	d, err := deliveryBurst(ctx, c, bucket, size, n, f.concurrency, func() (int, time.Time) {
		ts, err := ac.NotifyTargets(ctx, false)
		if err != nil {
			return 0, time.Time{}
		}
		for _, t := range ts {
			if t.Name == name {
				lats = []time.Duration{time.Duration(t.LatencyP50 * float64(time.Millisecond)), time.Duration(t.LatencyP99 * float64(time.Millisecond))}
				return int(t.Delivered), t.LastDelivery
			}
		}
		return 0, time.Time{}
	})
	if err != nil {
		return d, err
	}
	d.Target = "redis " + strings.TrimSpace(addr)
	if len(lats) == 2 {
		d.P50, d.P99 = lats[0], lats[1]
	}
	return d, nil
}
