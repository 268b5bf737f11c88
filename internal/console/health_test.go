package console

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestRingKeepsTheLastLimit(t *testing.T) {
	for _, pushed := range []int{sampleLimit - 1, sampleLimit, sampleLimit + 1, 3*sampleLimit + 7} {
		r := newRing[int](sampleLimit)
		for i := range pushed {
			r.push(i)
		}
		got := r.all()
		want := min(pushed, sampleLimit)
		if len(got) != want || r.len() != want {
			t.Fatalf("%d pushed: %d kept, want %d", pushed, len(got), want)
		}
		for i, v := range got {
			if v != pushed-want+i {
				t.Fatalf("%d pushed: value %d at %d, want %d (oldest first)", pushed, v, i, pushed-want+i)
			}
		}
	}
}

// clock is a console clock the test moves.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// exposition answers scrapes with figures that grow on every scrape; its
// queue label holds markup.
type exposition struct{ scrapes atomic.Int64 }

const evilQueue = `<script>alert(1)</script>`

func (e *exposition) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	n := e.scrapes.Add(1)
	fmt.Fprintf(w, "# TYPE kura_s3_requests_total counter\nkura_s3_requests_total{api=\"GetObject\",code=\"200\"} %d\nkura_s3_requests_total{api=\"PutObject\",code=\"200\"} %d\n", 10*n, 5*n)
	fmt.Fprintf(w, "# TYPE kura_s3_errors_total counter\nkura_s3_errors_total{code=\"NoSuchKey\"} %d\n", n)
	fmt.Fprintf(w, "# TYPE kura_s3_received_bytes_total counter\nkura_s3_received_bytes_total{api=\"PutObject\"} %d\n", 1000*n)
	fmt.Fprintf(w, "# TYPE kura_s3_sent_bytes_total counter\nkura_s3_sent_bytes_total{api=\"GetObject\"} %d\n", 2000*n)
	fmt.Fprintf(w, "# TYPE kura_s3_requests_in_flight gauge\nkura_s3_requests_in_flight 3\n")
	fmt.Fprintf(w, "# TYPE kura_blob_store_used_bytes gauge\nkura_blob_store_used_bytes 1e9\n# TYPE kura_blob_store_free_bytes gauge\nkura_blob_store_free_bytes 3e9\n")
	fmt.Fprintf(w, "# TYPE kura_bucket_objects gauge\nkura_bucket_objects{bucket=\"photos\"} 42\n")
	fmt.Fprintf(w, "# TYPE kura_queue_pending gauge\nkura_queue_pending{queue=%q,bucket=\"\",target=\"\"} 7\n", evilQueue)
}

func TestHealthChartsFromTheMetricsToken(t *testing.T) {
	metrics := &exposition{}
	api := newIAMAPI(t, metrics)
	h := newIAMHarness(t, api)
	c := &clock{now: time.Now()}
	h.console.cfg.Now = c.Now
	h.loginWith(api.rootKey, api.rootSecret)

	resp, body := h.get("/health")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "live: OK") || !strings.Contains(body, "ready: OK") {
		t.Fatalf("health page: %d\n%s", resp.StatusCode, body)
	}
	if !strings.Contains(body, "<svg") || !strings.Contains(body, "<path") {
		t.Fatalf("no chart after one scrape:\n%s", body)
	}
	// Inside the scrape interval, the charts are drawn again without a
	// scrape; past it, one more.
	h.get("/health/charts")
	if n := metrics.scrapes.Load(); n != 1 {
		t.Fatalf("%d scrapes inside the interval, want 1", n)
	}
	c.add(scrapeInterval)
	_, charts := h.get("/health/charts")
	if n := metrics.scrapes.Load(); n != 2 {
		t.Fatalf("%d scrapes past the interval, want 2", n)
	}
	// Two samples make rates: 10 GETs a scrape over scrapeInterval.
	wantRate := formatValue(10/scrapeInterval.Seconds(), "/s")
	if !strings.Contains(charts, "read: "+wantRate) {
		t.Errorf("requests chart lacks read: %s\n%s", wantRate, charts)
	}
	if strings.Contains(charts, evilQueue) || !strings.Contains(charts, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("a queue's label is not escaped in the SVG:\n%s", charts)
	}
}

func TestHealthWithoutPrometheusRightsShowsNoMetrics(t *testing.T) {
	metrics := &exposition{}
	api := newIAMAPI(t, metrics)
	api.userWithPolicy(t, "info", "info-secret-1", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:ListAllMyBuckets","admin:ServerInfo"],"Resource":["arn:aws:s3:::*"]}]}`)
	h := newIAMHarness(t, api)
	h.loginWith("info", "info-secret-1")
	resp, body := h.get("/health")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Metrics: AccessDenied") || strings.Contains(body, "<svg") {
		t.Fatalf("health page: %d\n%s", resp.StatusCode, body)
	}
	if !strings.Contains(body, "region us-east-1") {
		t.Errorf("admin:ServerInfo allowed, but no server information:\n%s", body)
	}
	if n := metrics.scrapes.Load(); n != 0 {
		t.Errorf("%d scrapes reached the exposition", n)
	}
}

func TestChartOfNoSamplesSaysSo(t *testing.T) {
	got, err := renderCharts(buildCharts(nil))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(got), "<path") || !strings.Contains(string(got), "Collecting samples") {
		t.Errorf("charts of no samples:\n%s", got)
	}
}

func TestBucketsChartKeepsTheLargest(t *testing.T) {
	buckets := map[string]float64{}
	for i := range seriesLimit + 1 {
		buckets[fmt.Sprintf("b%d", i)] = float64(i)
	}
	charts := buildCharts([]sample{{at: time.Now(), requests: map[string]float64{}, buckets: buckets, queues: map[string]float64{}}})
	for _, c := range charts {
		if strings.HasPrefix(c.Title, "Objects per bucket") {
			if len(c.Series) != seriesLimit || c.Series[0].Name != fmt.Sprintf("b%d", seriesLimit) || c.Series[seriesLimit-1].Name != "b1" {
				t.Fatalf("series %+v", c.Series)
			}
			return
		}
	}
	t.Fatal("no buckets chart")
}
