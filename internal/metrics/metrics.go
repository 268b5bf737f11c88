package metrics

import (
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kurastore/kura/internal/httpapi"
)

// DefaultSourceTimeout bounds each scrape-time source.
const DefaultSourceTimeout = 5 * time.Second

// durationBuckets are the latency histogram's bounds, in seconds: from a
// small object read from cache to a multi-GiB part.
var durationBuckets = []float64{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}

// refusalCodes are the error codes of requests the server's limits
// refused (httpapi's limits.go): too many requests at once, and a body
// arriving too slowly.
var refusalCodes = map[string]bool{"SlowDown": true, "RequestTimeout": true}

// Options configure Metrics.
type Options struct {
	// SourceTimeout bounds each source's reading at a scrape; 0 means
	// DefaultSourceTimeout.
	SourceTimeout time.Duration
	Logger        *slog.Logger
}

// Metrics is the server's registry and the instruments fed on the
// request path.
type Metrics struct {
	reg      *prometheus.Registry
	log      *slog.Logger
	timeout  time.Duration
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	received *prometheus.CounterVec
	sent     *prometheus.CounterVec
	inFlight prometheus.GaugeFunc
	refused  *prometheus.CounterVec
	errors   *prometheus.CounterVec
	kmsCalls *prometheus.CounterVec
	// inFlightNow backs inFlight, so the middleware needs no lock.
	inFlightNow atomic.Int64
}

// New returns Metrics with every family registered.
func New(opts Options) *Metrics {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	m := &Metrics{reg: prometheus.NewRegistry(), log: log}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "kura_s3_requests_total",
		Help: "Requests answered, by S3 API (or admin action) and HTTP status code.",
	}, []string{"api", "code"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "kura_s3_request_duration_seconds",
		Help:    "Time from a request's arrival until its handler returned, response body included, by API.",
		Buckets: durationBuckets,
	}, []string{"api"})
	m.received = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "kura_s3_received_bytes_total",
		Help: "Request body bytes read, by API.",
	}, []string{"api"})
	m.sent = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "kura_s3_sent_bytes_total",
		Help: "Response body bytes written, by API.",
	}, []string{"api"})
	m.inFlight = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "kura_s3_requests_in_flight",
		Help: "Requests being served now, health checks and scrapes included.",
	}, func() float64 { return float64(m.inFlightNow.Load()) })
	m.refused = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "kura_s3_requests_refused_total",
		Help: "Requests the server's limits refused, by error code: SlowDown (too many requests at once) or RequestTimeout (body too slow).",
	}, []string{"code"})
	m.errors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "kura_s3_errors_total",
		Help: "Requests answered with an S3 error, by error code.",
	}, []string{"code"})
	m.kmsCalls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "kura_kms_calls_total",
		Help: "Calls to the KMS, by operation and result (success or error).",
	}, []string{"operation", "result"})
	for code := range refusalCodes {
		// The refusals are few and known: their series exist from the
		// start, so that a rate over them is 0 rather than absent.
		m.refused.WithLabelValues(code)
	}
	m.timeout = opts.SourceTimeout
	if m.timeout <= 0 {
		m.timeout = DefaultSourceTimeout
	}
	m.reg.MustRegister(
		m.requests, m.duration, m.received, m.sent, m.inFlight, m.refused, m.errors, m.kmsCalls,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// Watch adds the scrape-time sources, once the server has them: the
// KMS counter is needed before the object layer exists, and the sources
// need the layer. Call it once.
func (m *Metrics) Watch(src Sources) {
	m.reg.MustRegister(newSourceCollector(src, m.timeout, m.log))
}

// Registry is where the families are registered: for tests and for
// anything else the server wants to expose.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the exposition. A family that fails to gather is left
// out and logged rather than failing the scrape.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(m.log.Handler(), slog.LevelWarn),
		ErrorHandling: promhttp.ContinueOnError,
		// A scraper that piles up requests gets refused rather than
		// piling up store reads.
		MaxRequestsInFlight: 4,
	})
}

// CountInFlight wraps the API handler to count the requests being
// served.
func (m *Metrics) CountInFlight(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.inFlightNow.Add(1)
		defer m.inFlightNow.Add(-1)
		h.ServeHTTP(w, r)
	})
}

// Observe records one answered request; it is httpapi's request
// observer, called on the request's goroutine, and takes no lock beyond
// client_golang's label lookups.
func (m *Metrics) Observe(rec *httpapi.RequestRecord) {
	m.requests.WithLabelValues(rec.API, statusText(rec.Status)).Inc()
	m.duration.WithLabelValues(rec.API).Observe(rec.Duration.Seconds())
	if rec.BytesIn > 0 {
		m.received.WithLabelValues(rec.API).Add(float64(rec.BytesIn))
	}
	if rec.BytesOut > 0 {
		m.sent.WithLabelValues(rec.API).Add(float64(rec.BytesOut))
	}
	if rec.ErrorCode != "" {
		m.errors.WithLabelValues(rec.ErrorCode).Inc()
		if refusalCodes[rec.ErrorCode] {
			m.refused.WithLabelValues(rec.ErrorCode).Inc()
		}
	}
}

// statusTexts are the status codes as label values, made once so that
// observing a request allocates no string for its code.
var statusTexts = func() (t [600]string) {
	for i := range t {
		t[i] = strconv.Itoa(i)
	}
	return t
}()

func statusText(code int) string {
	if code >= 0 && code < len(statusTexts) {
		return statusTexts[code]
	}
	return strconv.Itoa(code)
}
