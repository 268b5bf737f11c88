package console

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/kurastore/kura/admin"
)

// Limits of what the health page keeps and scrapes.
const (
	// sampleLimit is how many scrapes a session keeps: with one every
	// scrapeInterval, the charts span five minutes.
	sampleLimit = 60
	// scrapeInterval is the least time between two scrapes of one
	// session: the page asks for fresh charts every 5 seconds, and a
	// second tab does not double the scrapes.
	scrapeInterval = 4500 * time.Millisecond
	// metricsTokenLife is how long the console's metrics token lasts;
	// it asks for another a minute before it expires.
	metricsTokenLife = time.Hour
	// maxScrapeBytes bounds one scrape's answer.
	maxScrapeBytes = 8 << 20
	// seriesLimit bounds the series of a chart (buckets, queues): the
	// largest by their last value.
	seriesLimit = 5
)

// ring keeps the last limit values pushed, oldest first.
type ring[T any] struct {
	buf   []T
	start int
	limit int
}

func newRing[T any](limit int) *ring[T] { return &ring[T]{limit: limit} }

func (r *ring[T]) push(v T) {
	if len(r.buf) < r.limit {
		r.buf = append(r.buf, v)
		return
	}
	r.buf[r.start] = v
	r.start = (r.start + 1) % r.limit
}

// all returns the values, oldest first, in a new slice.
func (r *ring[T]) all() []T {
	return slices.Concat(r.buf[r.start:], r.buf[:r.start])
}

func (r *ring[T]) len() int { return len(r.buf) }

// sample is one scrape, reduced to what the charts draw. Counters are as
// scraped (totals since the server started); the charts take rates
// between consecutive samples.
type sample struct {
	at       time.Time
	requests map[string]float64 // by class of API
	errors   float64
	received float64
	sent     float64
	inFlight float64
	used     float64
	free     float64
	storage  bool               // the blob store reported its filesystem
	buckets  map[string]float64 // objects, by bucket
	queues   map[string]float64 // items pending, by queue
}

// metricsView is a session's scrapes: the session's own metrics token,
// so that the server decides per identity whether it may read metrics.
type metricsView struct {
	mu      sync.Mutex
	token   admin.MetricsToken
	samples *ring[sample]
	// refused is why the last scrape could not be made.
	refused string
	// tried is when the last scrape (or attempt) was made.
	tried time.Time
}

func newMetricsView() *metricsView { return &metricsView{samples: newRing[sample](sampleLimit)} }

// metricsOf returns the session's view, made on first use.
func (sess *session) metricsOf() *metricsView {
	sess.mu.Lock()
	defer sess.mu.Unlock()
	if sess.metrics == nil {
		sess.metrics = newMetricsView()
	}
	return sess.metrics
}

// refresh scrapes when the last sample is older than scrapeInterval, and
// returns the samples and why a scrape failed ("" when it did not). No
// page viewed, no scrape: nothing runs in the background.
func (v *metricsView) refresh(ctx context.Context, ac *admin.Client, now time.Time) ([]sample, string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	// A refusal is remembered as long as a sample: an identity without
	// the right does not make an admin call every time the page asks.
	if !v.tried.IsZero() && now.Sub(v.tried) < scrapeInterval {
		return v.samples.all(), v.refused
	}
	v.tried, v.refused = now, ""
	if v.token.Token == "" || now.Add(time.Minute).After(v.token.Expires) {
		tok, err := ac.MetricsToken(ctx, metricsTokenLife)
		if err != nil {
			v.refused = "Metrics: " + describe(err)
			return v.samples.all(), v.refused
		}
		v.token = tok
	}
	var buf bytes.Buffer
	if err := ac.Scrape(ctx, v.token.Token, limitWriter(&buf, maxScrapeBytes)); err != nil {
		v.token = admin.MetricsToken{} // ask again next time: the identity may have changed
		v.refused = "Metrics: " + describe(err)
		return v.samples.all(), v.refused
	}
	smp, err := parseSample(&buf, now)
	if err != nil {
		v.refused = "Metrics: the scrape could not be read: " + err.Error()
		return v.samples.all(), v.refused
	}
	v.samples.push(smp)
	return v.samples.all(), ""
}

// limitedWriter fails a write past its limit, so that a huge answer is
// refused rather than cut into a wrong sample.
type limitedWriter struct {
	w    io.Writer
	left int
}

func limitWriter(w io.Writer, n int) io.Writer { return &limitedWriter{w: w, left: n} }

func (l *limitedWriter) Write(p []byte) (int, error) {
	if len(p) > l.left {
		return 0, errScrapeTooLarge
	}
	l.left -= len(p)
	return l.w.Write(p)
}

var errScrapeTooLarge = errors.New("the metrics answer is larger than the console reads")

// parseSample reads a scrape in Prometheus' text format.
func parseSample(r io.Reader, at time.Time) (sample, error) {
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(r)
	if err != nil {
		return sample{}, err
	}
	s := sample{at: at, requests: map[string]float64{}, buckets: map[string]float64{}, queues: map[string]float64{}}
	each := func(name string, fn func(m *dto.Metric, v float64)) {
		f := fams[name]
		if f == nil {
			return
		}
		for _, m := range f.GetMetric() {
			fn(m, metricValue(m))
		}
	}
	each("kura_s3_requests_total", func(m *dto.Metric, v float64) { s.requests[apiClass(label(m, "api"))] += v })
	each("kura_s3_errors_total", func(_ *dto.Metric, v float64) { s.errors += v })
	each("kura_s3_received_bytes_total", func(_ *dto.Metric, v float64) { s.received += v })
	each("kura_s3_sent_bytes_total", func(_ *dto.Metric, v float64) { s.sent += v })
	each("kura_s3_requests_in_flight", func(_ *dto.Metric, v float64) { s.inFlight += v })
	each("kura_blob_store_used_bytes", func(_ *dto.Metric, v float64) { s.used, s.storage = v, true })
	each("kura_blob_store_free_bytes", func(_ *dto.Metric, v float64) { s.free, s.storage = v, true })
	each("kura_bucket_objects", func(m *dto.Metric, v float64) { s.buckets[label(m, "bucket")] = v })
	each("kura_queue_pending", func(m *dto.Metric, v float64) { s.queues[queueName(m)] = v })
	return s, nil
}

func metricValue(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Untyped != nil:
		return m.Untyped.GetValue()
	}
	return 0
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// queueName names a queue by its labels: the queue, and its bucket or
// target when it has one.
func queueName(m *dto.Metric) string {
	var parts []string
	for _, l := range m.GetLabel() {
		if l.GetValue() != "" {
			parts = append(parts, l.GetValue())
		}
	}
	return strings.Join(parts, " ")
}

// apiClass groups the API names requests are counted by into the few
// classes the requests chart draws.
func apiClass(api string) string {
	switch {
	case strings.HasPrefix(api, "admin:"):
		return "admin"
	case strings.HasPrefix(api, "List"):
		return "list"
	case strings.HasPrefix(api, "Get"), strings.HasPrefix(api, "Head"), strings.HasPrefix(api, "Select"):
		return "read"
	case strings.HasPrefix(api, "Delete"), strings.HasPrefix(api, "Abort"):
		return "delete"
	case strings.HasPrefix(api, "Put"), strings.HasPrefix(api, "Post"), strings.HasPrefix(api, "Copy"),
		strings.HasPrefix(api, "Upload"), strings.HasPrefix(api, "Create"), strings.HasPrefix(api, "Complete"),
		strings.HasPrefix(api, "Restore"):
		return "write"
	}
	return "other"
}

// perSecond is the per-second rise of a counter between two samples; a
// counter that went down (the server restarted) gives no point.
func perSecond(prev, cur sample, value func(sample) float64) float64 {
	dt := cur.at.Sub(prev.at).Seconds()
	d := value(cur) - value(prev)
	if dt <= 0 || d < 0 {
		return math.NaN()
	}
	return d / dt
}
