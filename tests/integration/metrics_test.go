package integration

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/kurastore/kura/admin"
)

// scrapeMetrics GETs the metrics with a bearer token ("" for none).
func scrapeMetrics(t *testing.T, s *server, path, token string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.url()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

// sampleValue finds a sample line "series value" in an exposition.
func sampleValue(exposition []byte, series string) (float64, bool) {
	for line := range strings.Lines(string(exposition)) {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			return v, err == nil
		}
	}
	return 0, false
}

// promtoolCheck pipes an exposition to promtool check metrics.
func promtoolCheck(t *testing.T, exposition []byte) {
	t.Helper()
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool is missing (Debian's prometheus package): the exposition is not checked")
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = bytes.NewReader(exposition)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check metrics: %v\n%s", err, out)
	}
}

// After some S3 traffic, a token from kura admin metrics token scrapes
// metrics that promtool accepts and that counted that traffic.
func TestMetricsScrape(t *testing.T) {
	s := startServer(t)
	c := ctx(t)
	var tok admin.MetricsToken
	if err := json.Unmarshal([]byte(kuraAdmin(t, s, "metrics", "token", "--json", "--expiry", "1h")), &tok); err != nil || tok.Token == "" {
		t.Fatalf("metrics token: %+v %v", tok, err)
	}
	if code, body := scrapeMetrics(t, s, "/.kura/metrics", ""); code != http.StatusForbidden {
		t.Fatalf("scrape without a token: %d %s", code, body)
	}

	cl := clientAs(s, s.accessKey, s.secretKey)
	if _, err := cl.CreateBucket(c, &s3.CreateBucketInput{Bucket: aws.String("metered")}); err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("m"), 3000)
	if _, err := cl.PutObject(c, &s3.PutObjectInput{Bucket: aws.String("metered"), Key: aws.String("a"), Body: bytes.NewReader(data)}); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.PutObject(c, &s3.PutObjectInput{
		Bucket: aws.String("metered"), Key: aws.String("sealed"), Body: bytes.NewReader(data), ServerSideEncryption: types.ServerSideEncryptionAes256,
	}); err != nil {
		t.Fatal(err)
	}
	got, err := cl.GetObject(c, &s3.GetObjectInput{Bucket: aws.String("metered"), Key: aws.String("a")})
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, got.Body)
	got.Body.Close()
	_, err = cl.GetObject(c, &s3.GetObjectInput{Bucket: aws.String("metered"), Key: aws.String("missing")})
	var noKey interface{ ErrorCode() string }
	if !errors.As(err, &noKey) || noKey.ErrorCode() != "NoSuchKey" {
		t.Fatalf("GetObject of a missing key: %v", err)
	}

	// Through gateways, each counts the requests it served: the figures
	// are summed over them, as a Prometheus query would.
	gateways := []*server{s}
	if s.gws != nil {
		gateways = s.gws
	}
	for _, path := range []string{"/.kura/metrics", "/minio/v2/metrics/cluster", "/metrics"} {
		sum, found := map[string]float64{}, map[string]bool{}
		for _, g := range gateways {
			code, body := scrapeMetrics(t, g, path, tok.Token)
			if code != http.StatusOK {
				t.Fatalf("scrape %s: %d %s", path, code, body)
			}
			promtoolCheck(t, body)
			for _, series := range countedSeries {
				v, ok := sampleValue(body, series.name)
				sum[series.name] += v
				found[series.name] = found[series.name] || ok
			}
			if !bytes.Contains(body, []byte(`kura_metrics_source_up{source="pebble"} 1`)) && !bytes.Contains(body, []byte(`kura_metrics_source_up{source="postgres_pool"} 1`)) {
				t.Errorf("%s: neither Pebble's nor the pool's figures", path)
			}
		}
		for _, series := range countedSeries {
			if !found[series.name] || sum[series.name] < series.least {
				t.Errorf("%s: %s = %v, want at least %v", path, series.name, sum[series.name], series.least)
			}
		}
	}

	// Storage figures come from the store's counters: every gateway
	// reports the same.
	for _, g := range gateways {
		_, body := scrapeMetrics(t, g, "/.kura/metrics", tok.Token)
		for series, want := range map[string]float64{
			`kura_metrics_source_up{source="usage"}`:           1,
			`kura_bucket_objects{bucket="metered"}`:            2,
			`kura_bucket_versions{bucket="metered"}`:           2,
			`kura_bucket_bytes{bucket="metered"}`:              6000,
			`kura_bucket_incomplete_uploads{bucket="metered"}`: 0,
		} {
			if v, ok := sampleValue(body, series); !ok || v != want {
				t.Errorf("%s = %v (found %v), want %v", series, v, ok, want)
			}
		}
	}
}

// countedSeries are what TestMetricsScrape's traffic must have counted.
var countedSeries = []struct {
	name  string
	least float64
}{
	{`kura_s3_requests_total{api="PutObject",code="200"}`, 1},
	{`kura_s3_requests_total{api="GetObject",code="200"}`, 1},
	{`kura_s3_requests_total{api="GetObject",code="404"}`, 1},
	{`kura_s3_errors_total{code="NoSuchKey"}`, 1},
	{`kura_s3_received_bytes_total{api="PutObject"}`, 3000},
	{`kura_s3_sent_bytes_total{api="GetObject"}`, 3000},
	{`kura_s3_request_duration_seconds_count{api="PutObject"}`, 1},
	{`kura_s3_requests_in_flight`, 1}, // the scrape itself
	{`kura_metrics_source_up{source="blob_store"}`, 1},
	{`kura_metrics_source_up{source="queue:collector"}`, 1},
	{`kura_metrics_source_up{source="queue:notify"}`, 1},
	{`kura_metrics_source_up{source="queue:replication"}`, 1},
	{`kura_metrics_source_up{source="queue:lifecycle"}`, 1},
	{`kura_queue_pending{bucket="",queue="collector",target=""}`, 0},
	{`kura_kms_calls_total{operation="GenerateKey",result="success"}`, 1}, // the SSE-S3 upload
	{`kura_blob_store_free_bytes`, 1},
}

// With --metrics-public anyone scrapes.
func TestMetricsPublic(t *testing.T) {
	s := startServer(t, "--metrics-public")
	code, body := scrapeMetrics(t, s, "/.kura/metrics", "")
	if code != http.StatusOK || !bytes.Contains(body, []byte("kura_s3_requests_in_flight")) {
		t.Fatalf("public scrape: %d %s", code, body)
	}
	// Path-style /metrics is still a bucket.
	cl := clientAs(s, s.accessKey, s.secretKey)
	if _, err := cl.CreateBucket(ctx(t), &s3.CreateBucketInput{Bucket: aws.String("metrics")}); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.ListObjectsV2(ctx(t), &s3.ListObjectsV2Input{Bucket: aws.String("metrics")}); err != nil {
		t.Fatalf("listing the bucket metrics: %v", err)
	}
}

// dashboardMetric finds the metric names a PromQL expression uses.
var dashboardMetric = regexp.MustCompile(`\b(?:kura|go|process)_[a-z0-9_]+\b`)

// optionalFamilies are the families of sources a server may not have,
// by the source that reports them in kura_metrics_source_up.
var optionalFamilies = map[string]string{
	"kura_bucket_":        "usage",
	"kura_pebble_":        "pebble",
	"kura_postgres_pool_": "postgres_pool",
}

// countedOnceThereIsAQueue are the counters of notification and
// replication targets, which a server without targets has no series of.
var countedOnceThereIsAQueue = map[string]bool{
	"kura_queue_completed_total": true, "kura_queue_failed_total": true, "kura_queue_dropped_total": true,
}

// Every metric the shipped dashboard queries is in a real server's
// exposition, unless the server lacks the source that reports it.
func TestDashboardMatchesServer(t *testing.T) {
	s := startServer(t, "--metrics-public")
	cl := clientAs(s, s.accessKey, s.secretKey)
	// An upload, a download and an error, so that the labelled families
	// have series.
	if _, err := cl.CreateBucket(ctx(t), &s3.CreateBucketInput{Bucket: aws.String("dash")}); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.PutObject(ctx(t), &s3.PutObjectInput{Bucket: aws.String("dash"), Key: aws.String("k"), Body: strings.NewReader("data")}); err != nil {
		t.Fatal(err)
	}
	cl.GetObject(ctx(t), &s3.GetObjectInput{Bucket: aws.String("none"), Key: aws.String("x")})
	// Through gateways, each exposes what it served: their union counts.
	gateways := []*server{s}
	if s.gws != nil {
		gateways = s.gws
	}
	var body []byte
	for _, g := range gateways {
		code, b := scrapeMetrics(t, g, "/.kura/metrics", "")
		if code != http.StatusOK {
			t.Fatalf("scrape: %d", code)
		}
		body = append(body, b...)
	}
	exposed := map[string]bool{}
	for line := range strings.Lines(string(body)) {
		if name, ok := strings.CutPrefix(line, "# TYPE "); ok {
			name, kind, _ := strings.Cut(strings.TrimSpace(name), " ")
			exposed[name] = true
			if kind == "histogram" {
				exposed[name+"_bucket"], exposed[name+"_sum"], exposed[name+"_count"] = true, true, true
			}
		}
	}
	raw, err := os.ReadFile("../../docs/grafana/kura.json")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Panels []struct {
			Targets []struct{ Expr string } `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			for _, name := range dashboardMetric.FindAllString(tg.Expr, -1) {
				if exposed[name] || absentSource(body, name) || countedOnceThereIsAQueue[name] {
					continue
				}
				t.Errorf("the dashboard queries %s, which the server does not expose", name)
			}
		}
	}
}

// absentSource reports whether name belongs to a source the server does
// not have (no kura_metrics_source_up for it).
func absentSource(exposition []byte, name string) bool {
	for prefix, source := range optionalFamilies {
		if strings.HasPrefix(name, prefix) {
			return !bytes.Contains(exposition, []byte(`kura_metrics_source_up{source="`+source+`"}`))
		}
	}
	return false
}

// promtoolConfig runs promtool check config on a Prometheus
// configuration.
func promtoolConfig(t *testing.T, config string) {
	t.Helper()
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool is missing (Debian's prometheus package): the configuration is not checked")
	}
	path := filepath.Join(t.TempDir(), "prometheus.yml")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(promtool, "check", "config", path).CombinedOutput(); err != nil {
		t.Fatalf("promtool check config: %v\n%s\n%s", err, out, config)
	}
}

// The example configuration and the one kura admin metrics token prints
// are configurations Prometheus accepts.
func TestMetricsScrapeConfigs(t *testing.T) {
	example, err := os.ReadFile("../../docs/prometheus.yml")
	if err != nil {
		t.Fatal(err)
	}
	tokenFile := filepath.Join(t.TempDir(), "kura.token")
	if err := os.WriteFile(tokenFile, []byte("a-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	promtoolConfig(t, strings.ReplaceAll(string(example), "/etc/prometheus/kura.token", tokenFile))
	s := startServer(t)
	printed := kuraAdmin(t, s, "metrics", "token", "--expiry", "2h")
	if !strings.Contains(printed, "metrics_path: /.kura/metrics") || !strings.Contains(printed, s.addr) {
		t.Fatalf("printed config:\n%s", printed)
	}
	promtoolConfig(t, printed)
}
