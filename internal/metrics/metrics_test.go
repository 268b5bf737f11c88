package metrics

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/kurastore/kura/internal/httpapi"
	"github.com/kurastore/kura/internal/kms"
	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/meta/pebblestore"
)

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// families gathers m's registry by family name.
func families(t testing.TB, m *Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	got, err := m.Registry().Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	out := map[string]*dto.MetricFamily{}
	for _, f := range got {
		out[f.GetName()] = f
	}
	return out
}

// sample finds the metric of family name whose labels include want
// ("k=v" pairs); nil when there is none.
func sample(fams map[string]*dto.MetricFamily, name string, want ...string) *dto.Metric {
	f := fams[name]
	if f == nil {
		return nil
	}
next:
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for _, kv := range want {
			k, v, _ := strings.Cut(kv, "=")
			if have[k] != v {
				continue next
			}
		}
		return m
	}
	return nil
}

// value is a counter's or gauge's value; -1 when absent.
func value(fams map[string]*dto.MetricFamily, name string, want ...string) float64 {
	m := sample(fams, name, want...)
	switch {
	case m == nil:
		return -1
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	}
	return -1
}

func TestObserveCountsRequests(t *testing.T) {
	m := New(Options{Logger: quiet()})
	for _, rec := range []httpapi.RequestRecord{
		{API: "PutObject", Status: 200, BytesIn: 1000, Duration: 3 * time.Millisecond},
		{API: "PutObject", Status: 200, BytesIn: 24, Duration: 40 * time.Millisecond},
		{API: "GetObject", Status: 200, BytesOut: 1000, Duration: time.Millisecond},
		{API: "GetObject", Status: 404, ErrorCode: "NoSuchKey", BytesOut: 300},
		{API: "PutObject", Status: 503, ErrorCode: "SlowDown"},
		{API: "PutObject", Status: 400, ErrorCode: "RequestTimeout", BytesIn: 10},
		{API: "Unknown", Status: 403, ErrorCode: "AccessDenied"},
	} {
		m.Observe(&rec)
	}
	fams := families(t, m)
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"kura_s3_requests_total", []string{"api=PutObject", "code=200"}, 2},
		{"kura_s3_requests_total", []string{"api=GetObject", "code=404"}, 1},
		{"kura_s3_requests_total", []string{"api=PutObject", "code=503"}, 1},
		{"kura_s3_received_bytes_total", []string{"api=PutObject"}, 1034},
		{"kura_s3_sent_bytes_total", []string{"api=GetObject"}, 1300},
		{"kura_s3_errors_total", []string{"code=NoSuchKey"}, 1},
		{"kura_s3_errors_total", []string{"code=AccessDenied"}, 1},
		{"kura_s3_requests_refused_total", []string{"code=SlowDown"}, 1},
		{"kura_s3_requests_refused_total", []string{"code=RequestTimeout"}, 1},
		// Other errors are not refusals by the limits.
		{"kura_s3_requests_refused_total", []string{"code=AccessDenied"}, -1},
		// Requests without bytes add no series.
		{"kura_s3_sent_bytes_total", []string{"api=PutObject"}, -1},
	} {
		if got := value(fams, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	h := sample(fams, "kura_s3_request_duration_seconds", "api=PutObject").GetHistogram()
	if h.GetSampleCount() != 4 {
		t.Errorf("PutObject latency count %d, want 4", h.GetSampleCount())
	}
	for _, b := range h.GetBucket() {
		if b.GetUpperBound() == 0.005 && b.GetCumulativeCount() != 3 || b.GetUpperBound() == 0.05 && b.GetCumulativeCount() != 4 {
			t.Errorf("PutObject latency bucket le=%v holds %d", b.GetUpperBound(), b.GetCumulativeCount())
		}
	}
	if n := len(h.GetBucket()); n != len(durationBuckets) || h.GetBucket()[n-1].GetUpperBound() != 60 {
		t.Errorf("latency buckets: %v", h.GetBucket())
	}
}

func TestStatusText(t *testing.T) {
	for code, want := range map[int]string{0: "0", 200: "200", 599: "599", 600: "600", -1: "-1"} {
		if got := statusText(code); got != want {
			t.Errorf("statusText(%d) = %q", code, got)
		}
	}
}

func TestInFlight(t *testing.T) {
	m := New(Options{Logger: quiet()})
	var during float64
	h := m.CountInFlight(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		during = value(families(t, m), "kura_s3_requests_in_flight")
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	if after := value(families(t, m), "kura_s3_requests_in_flight"); during != 1 || after != 0 {
		t.Errorf("in flight during %v, after %v", during, after)
	}
}

// fakeKMS fails every call when fail is set.
type fakeKMS struct{ fail bool }

var errFake = errors.New("fake failure")

func (f fakeKMS) err() error {
	if f.fail {
		return errFake
	}
	return nil
}
func (f fakeKMS) DefaultKey() string                      { return "k" }
func (f fakeKMS) CreateKey(context.Context, string) error { return f.err() }
func (f fakeKMS) Keys(context.Context) ([]string, error)  { return nil, f.err() }
func (f fakeKMS) Decrypt(context.Context, string, []byte, []byte) ([]byte, error) {
	return nil, f.err()
}
func (f fakeKMS) GenerateKey(context.Context, string, []byte) (kms.DataKey, error) {
	return kms.DataKey{}, f.err()
}

func TestCountKMS(t *testing.T) {
	m := New(Options{Logger: quiet()})
	ok, failing := m.CountKMS(fakeKMS{}), m.CountKMS(fakeKMS{fail: true})
	ctx := context.Background()
	ok.GenerateKey(ctx, "k", nil)
	ok.GenerateKey(ctx, "k", nil)
	ok.Decrypt(ctx, "k", nil, nil)
	if _, err := failing.Decrypt(ctx, "k", nil, nil); !errors.Is(err, errFake) {
		t.Fatalf("the wrapper changed the error: %v", err)
	}
	failing.CreateKey(ctx, "x")
	ok.Keys(ctx)
	fams := families(t, m)
	for labels, want := range map[[2]string]float64{
		{"GenerateKey", "success"}: 2, {"Decrypt", "success"}: 1, {"Decrypt", "error"}: 1,
		{"CreateKey", "error"}: 1, {"Keys", "success"}: 1, {"GenerateKey", "error"}: 0,
	} {
		if got := value(fams, "kura_kms_calls_total", "operation="+labels[0], "result="+labels[1]); got != want {
			t.Errorf("kms %v = %v, want %v", labels, got, want)
		}
	}
}

func fakeUsage(context.Context) ([]BucketUsage, error) {
	return []BucketUsage{
		{Bucket: "photos", Objects: 3, Versions: 5, Bytes: 4096, Uploads: 1},
		{Bucket: "empty"},
	}, nil
}

func TestUsageSource(t *testing.T) {
	m := New(Options{Logger: quiet()})
	m.Watch(Sources{Usage: fakeUsage})
	fams := families(t, m)
	for name, want := range map[string]float64{
		"kura_bucket_objects": 3, "kura_bucket_versions": 5, "kura_bucket_bytes": 4096, "kura_bucket_incomplete_uploads": 1,
	} {
		if got := value(fams, name, "bucket=photos"); got != want {
			t.Errorf("%s{photos} = %v, want %v", name, got, want)
		}
		if got := value(fams, name, "bucket=empty"); got != 0 {
			t.Errorf("%s{empty} = %v", name, got)
		}
	}
	if value(fams, "kura_metrics_source_up", "source=usage") != 1 {
		t.Error("usage source not up")
	}
	// Without a usage source the families are absent.
	bare := New(Options{Logger: quiet()})
	bare.Watch(Sources{})
	if f := families(t, bare)["kura_bucket_objects"]; f != nil {
		t.Errorf("usage families without a source: %v", f)
	}
}

// A failing, panicking or stuck source is left out of the scrape and
// reported down; the other sources and the scrape itself go on.
func TestFailingSourcesDoNotFailTheScrape(t *testing.T) {
	stuck := make(chan struct{})
	defer close(stuck)
	m := New(Options{Logger: quiet(), SourceTimeout: 20 * time.Millisecond})
	m.Watch(Sources{
		Usage: func(context.Context) ([]BucketUsage, error) {
			return []BucketUsage{{Bucket: "half"}}, errFake
		},
		BlobDir: "/nonexistent/kura/blobs",
		Queues: []QueueSource{
			{Kind: "panics", Read: func(context.Context) ([]QueueLength, error) { panic("source bug") }},
			{Kind: "stuck", Read: func(context.Context) ([]QueueLength, error) { <-stuck; return nil, nil }},
			{Kind: "fine", Read: func(context.Context) ([]QueueLength, error) {
				return []QueueLength{{Pending: 7, Lag: 2 * time.Second, Completed: -1, Failed: -1, Dropped: -1}}, nil
			}},
		},
	})
	m.Observe(&httpapi.RequestRecord{API: "GetObject", Status: 200})
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `kura_s3_requests_total{api="GetObject",code="200"} 1`) {
		t.Fatalf("scrape: %d %s", rec.Code, rec.Body)
	}
	fams := families(t, m)
	for source, want := range map[string]float64{"usage": 0, "blob_store": 0, "queue:panics": 0, "queue:stuck": 0, "queue:fine": 1} {
		if got := value(fams, "kura_metrics_source_up", "source="+source); got != want {
			t.Errorf("source %s up = %v, want %v", source, got, want)
		}
	}
	// A failed source shows none of what it read before failing.
	if f := fams["kura_bucket_objects"]; f != nil {
		t.Errorf("half a failed source: %v", f)
	}
	if got := value(fams, "kura_queue_pending", "queue=fine"); got != 7 {
		t.Errorf("fine queue pending %v", got)
	}
	if got := value(fams, "kura_queue_lag_seconds", "queue=fine"); got != 2 {
		t.Errorf("fine queue lag %v", got)
	}
	if f := fams["kura_queue_completed_total"]; f != nil {
		t.Errorf("counters a queue does not keep: %v", f)
	}
}

func TestQueueCounters(t *testing.T) {
	m := New(Options{Logger: quiet()})
	m.Watch(Sources{Queues: []QueueSource{{Kind: "notify", Read: func(context.Context) ([]QueueLength, error) {
		return []QueueLength{{Target: "arn:minio:sqs::a:webhook", Pending: 1, Lag: -1, Completed: 10, Failed: 2, Dropped: 0}}, nil
	}}}})
	fams := families(t, m)
	labels := []string{"queue=notify", "target=arn:minio:sqs::a:webhook", "bucket="}
	for name, want := range map[string]float64{
		"kura_queue_pending": 1, "kura_queue_completed_total": 10, "kura_queue_failed_total": 2, "kura_queue_dropped_total": 0, "kura_queue_lag_seconds": -1,
	} {
		if got := value(fams, name, labels...); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
}

func TestStoreSources(t *testing.T) {
	store, err := pebblestore.Open("meta", &pebblestore.Options{FS: vfs.NewMem(), Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ctx := context.Background()
	for i := range 10 {
		if err := store.Update(ctx, nil, func(tx meta.Txn) error { return tx.Set(fmt.Appendf(nil, "k%d", i), []byte("v")) }); err != nil {
			t.Fatal(err)
		}
	}
	// A pool that has not connected yet has figures all the same.
	pool, err := pgxpool.New(ctx, "postgres://nobody@127.0.0.1:1/none?pool_max_conns=3")
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	m := New(Options{Logger: quiet()})
	m.Watch(Sources{BlobDir: t.TempDir(), Pebble: store.Metrics, Pool: pool.Stat})
	fams := families(t, m)
	for _, name := range []string{"kura_blob_store_total_bytes", "kura_blob_store_used_bytes", "kura_blob_store_free_bytes"} {
		if value(fams, name) <= 0 {
			t.Errorf("%s = %v", name, value(fams, name))
		}
	}
	if got := value(fams, "kura_pebble_wal_written_bytes_total"); got <= 0 {
		t.Errorf("WAL bytes written %v", got)
	}
	if h := sample(fams, "kura_pebble_wal_fsync_duration_seconds").GetHistogram(); h.GetSampleCount() == 0 || len(h.GetBucket()) == 0 {
		t.Errorf("fsync histogram %v", h)
	}
	if got := value(fams, "kura_postgres_pool_max_connections"); got != 3 {
		t.Errorf("pool max connections %v", got)
	}
	for _, source := range []string{"blob_store", "pebble", "postgres_pool"} {
		if value(fams, "kura_metrics_source_up", "source="+source) != 1 {
			t.Errorf("source %s not up", source)
		}
	}
	// A closed store reports nothing, and is down.
	store.Close()
	if got := value(families(t, m), "kura_metrics_source_up", "source=pebble"); got != 0 {
		t.Errorf("closed pebble up = %v", got)
	}
}

func TestRoundBound(t *testing.T) {
	for in, want := range map[float64]float64{9.999999999999957: 10, 0.0004: 0.0004, 0.02019675681200995: 0.0202} {
		if got := roundBound(in); got != want {
			t.Errorf("roundBound(%v) = %v, want %v", in, got, want)
		}
	}
}

// Scrapes and requests at once (run with -race).
func TestConcurrentObserveAndScrape(t *testing.T) {
	m := New(Options{Logger: quiet()})
	m.Watch(Sources{Usage: fakeUsage})
	h := m.Handler()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				m.Observe(&httpapi.RequestRecord{API: fmt.Sprintf("Op%d", w), Status: 200 + i%2, BytesIn: 1, BytesOut: 1})
			}
		}()
	}
	for range 5 {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		io.Copy(io.Discard, rec.Body)
	}
	wg.Wait()
	if got := value(families(t, m), "kura_s3_requests_total", "api=Op3", "code=201"); got != 100 {
		t.Errorf("Op3 201 = %v", got)
	}
}

func BenchmarkObserve(b *testing.B) {
	m := New(Options{Logger: quiet()})
	rec := &httpapi.RequestRecord{API: "GetObject", Status: 200, BytesOut: 4096, Duration: 2 * time.Millisecond}
	b.ReportAllocs()
	for b.Loop() {
		m.Observe(rec)
	}
}

var _ prometheus.Collector = (*sourceCollector)(nil)
