package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kurastore/kura/internal/iam"
	"github.com/kurastore/kura/sigv4"
	"github.com/kurastore/kura/wire/adminapi"
)

// fakeExposition stands for the metrics handler.
const fakeExposition = "kura_fake_metric 1\n"

const prometheusPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"admin:Prometheus","Resource":"*"}]}`

// newMetricsServer is newAuthzServer serving metrics, publicly or not;
// records collects what the observer is told.
func newMetricsServer(t *testing.T, public bool) (*authzServer, *[]RequestRecord) {
	t.Helper()
	s := newAuthzServer(t)
	var records []RequestRecord
	s.api = New(Config{
		Objects: s.layer, Region: fzRegion, Now: func() time.Time { return s.now }, IAM: s.ids,
		Logger: slog.New(slog.DiscardHandler),
		Metrics: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprint(w, fakeExposition)
		}),
		MetricsPublic: public,
		Observe:       func(r *RequestRecord) { records = append(records, *r) },
	})
	return s, &records
}

// metricsToken asks the admin API for a token, signed by who.
func (s *authzServer) metricsToken(t *testing.T, who *sigv4.Credentials, expirySeconds int64) (*httptest.ResponseRecorder, string) {
	t.Helper()
	body := ""
	if expirySeconds != 0 {
		body = fmt.Sprintf(`{"expirySeconds":%d}`, expirySeconds)
	}
	rec := s.do(who, "POST", AdminPrefix+"metrics/token", nil, []byte(body))
	if rec.Code != http.StatusOK {
		return rec, ""
	}
	var tok adminapi.MetricsToken
	if err := json.Unmarshal(rec.Body.Bytes(), &tok); err != nil || tok.Token == "" {
		t.Fatalf("token answer %s: %v", rec.Body, err)
	}
	return rec, tok.Token
}

// scrape GETs a metrics path with an Authorization header ("" for none).
func (s *authzServer) scrape(path, authorization string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:9000"+path, nil)
	if authorization != "" {
		r.Header.Set("Authorization", authorization)
	}
	rec := httptest.NewRecorder()
	s.api.ServeHTTP(rec, r)
	return rec
}

func expectScrape(t *testing.T, what string, rec *httptest.ResponseRecorder, ok bool) {
	t.Helper()
	switch {
	case ok && (rec.Code != http.StatusOK || rec.Body.String() != fakeExposition):
		t.Errorf("%s: %d %s, want the exposition", what, rec.Code, rec.Body)
	case !ok && (rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "<Code>AccessDenied</Code>")):
		t.Errorf("%s: %d %s, want 403 AccessDenied", what, rec.Code, rec.Body)
	}
}

func TestMetricsScrapeWithToken(t *testing.T) {
	s, records := newMetricsServer(t, false)
	_, rootToken := s.metricsToken(t, &s.root, 0)
	for _, path := range adminapi.MetricsPaths {
		expectScrape(t, "root's token at "+path, s.scrape(path, "Bearer "+rootToken), true)
		expectScrape(t, "no token at "+path, s.scrape(path, ""), false)
	}
	expectScrape(t, "lower-case scheme", s.scrape(adminapi.MetricsPaths[0], "bearer "+rootToken), true)
	expectScrape(t, "basic scheme", s.scrape(adminapi.MetricsPaths[0], "Basic "+rootToken), false)
	expectScrape(t, "empty bearer", s.scrape(adminapi.MetricsPaths[0], "Bearer "), false)
	tampered := []byte(rootToken)
	tampered[len(tampered)/2] ^= 1
	expectScrape(t, "tampered token", s.scrape(adminapi.MetricsPaths[0], "Bearer "+string(tampered)), false)

	// A user allowed admin:Prometheus issues a token and scrapes with it.
	alice := s.user(t, "alice", prometheusPolicy)
	_, aliceToken := s.metricsToken(t, alice, 0)
	expectScrape(t, "alice's token", s.scrape(adminapi.MetricsPaths[0], "Bearer "+aliceToken), true)

	// Scrapes are observed as admin:Prometheus, refused ones with their
	// error code.
	last := (*records)[len(*records)-1]
	if last.API != metricsAction || last.Status != http.StatusOK || last.AccessKey != "alice" || last.Bucket != "" {
		t.Errorf("observed scrape: %+v", last)
	}
}

func TestMetricsTokenRefusedWithoutPermission(t *testing.T) {
	s, _ := newMetricsServer(t, false)
	bob := s.user(t, "bob", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)
	if rec, _ := s.metricsToken(t, bob, 0); rec.Code != http.StatusForbidden {
		t.Errorf("bob asks for a token: %d %s", rec.Code, rec.Body)
	}
	// A token whose identity loses the permission stops working.
	alice := s.user(t, "alice", prometheusPolicy)
	_, token := s.metricsToken(t, alice, 0)
	expectScrape(t, "alice allowed", s.scrape(adminapi.MetricsPaths[0], "Bearer "+token), true)
	if err := s.ids.DetachPolicy(context.Background(), "alice-policy", "alice", ""); err != nil {
		t.Fatal(err)
	}
	expectScrape(t, "alice no longer allowed", s.scrape(adminapi.MetricsPaths[0], "Bearer "+token), false)
}

func TestMetricsTokenOfDeletedUser(t *testing.T) {
	s, _ := newMetricsServer(t, false)
	alice := s.user(t, "alice", prometheusPolicy)
	_, token := s.metricsToken(t, alice, 0)
	if err := s.ids.RemoveUser(context.Background(), "alice"); err != nil {
		t.Fatal(err)
	}
	expectScrape(t, "deleted user", s.scrape(adminapi.MetricsPaths[0], "Bearer "+token), false)
}

func TestMetricsTokenExpires(t *testing.T) {
	s, _ := newMetricsServer(t, false)
	_, token := s.metricsToken(t, &s.root, 60)
	issued := s.now
	s.now = issued.Add(59 * time.Second)
	expectScrape(t, "a second before expiry", s.scrape(adminapi.MetricsPaths[0], "Bearer "+token), true)
	s.now = issued.Add(60 * time.Second)
	expectScrape(t, "at expiry", s.scrape(adminapi.MetricsPaths[0], "Bearer "+token), false)
}

func TestMetricsTokenExpiryLimits(t *testing.T) {
	s, _ := newMetricsServer(t, false)
	minimum, maximum := int64(iam.MinMetricsTokenExpiry/time.Second), int64(iam.MaxMetricsTokenExpiry/time.Second)
	for _, c := range []struct {
		seconds int64
		ok      bool
	}{{minimum - 1, false}, {minimum, true}, {maximum, true}, {maximum + 1, false}, {-1, false}, {1 << 62, false}} {
		rec, _ := s.metricsToken(t, &s.root, c.seconds)
		if (rec.Code == http.StatusOK) != c.ok || !c.ok && rec.Code != http.StatusBadRequest {
			t.Errorf("expiry %d s: %d %s", c.seconds, rec.Code, rec.Body)
		}
	}
	if rec := s.do(&s.root, "POST", AdminPrefix+"metrics/token", nil, []byte("not json")); rec.Code != http.StatusBadRequest {
		t.Errorf("a body that is not JSON: %d %s", rec.Code, rec.Body)
	}
	// No expiry asks for the default.
	rec, _ := s.metricsToken(t, &s.root, 0)
	var tok adminapi.MetricsToken
	if err := json.Unmarshal(rec.Body.Bytes(), &tok); err != nil || !tok.Expires.Equal(s.now.Add(iam.DefaultMetricsTokenExpiry)) {
		t.Errorf("default expiry: %+v %v", tok, err)
	}
}

func TestMetricsPublic(t *testing.T) {
	s, _ := newMetricsServer(t, true)
	for _, path := range adminapi.MetricsPaths {
		expectScrape(t, "public "+path, s.scrape(path, ""), true)
	}
}

// Path-style "/metrics" is the bucket "metrics", not the exposition.
func TestMetricsBucketIsABucket(t *testing.T) {
	s, _ := newMetricsServer(t, true)
	s.asRoot(t, "PUT", "/metrics", nil, "")
	s.asRoot(t, "PUT", "/metrics/cluster", nil, "an object")
	rec := s.asRoot(t, "GET", "/metrics", nil, "")
	if !strings.Contains(rec.Body.String(), "<ListBucketResult") || !strings.Contains(rec.Body.String(), "<Key>cluster</Key>") {
		t.Errorf("GET /metrics: %d %s", rec.Code, rec.Body)
	}
	// Without a metrics handler, the metrics paths are not served.
	s.api = New(Config{Objects: s.layer, Region: fzRegion, Now: func() time.Time { return s.now }, IAM: s.ids, Logger: slog.New(slog.DiscardHandler)})
	if rec := s.scrape(adminapi.MetricsPaths[0], ""); rec.Code == http.StatusOK {
		t.Errorf("no metrics handler: %d %s", rec.Code, rec.Body)
	}
}

// On a bucket's virtual host the metrics paths are keys like any other.
func TestMetricsPathsOnABucketsHost(t *testing.T) {
	s, _ := newMetricsServer(t, true)
	s.api = New(Config{
		Objects: s.layer, Region: fzRegion, Now: func() time.Time { return s.now }, IAM: s.ids, Domain: "s3.test",
		Logger: slog.New(slog.DiscardHandler), MetricsPublic: true,
		Metrics: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, fakeExposition) }),
	})
	s.asRoot(t, "PUT", "/bkt", nil, "")
	for _, path := range adminapi.MetricsPaths {
		put := httptest.NewRequest(http.MethodPut, "http://bkt.s3.test"+path, strings.NewReader("object at "+path))
		get := httptest.NewRequest(http.MethodGet, "http://bkt.s3.test"+path, nil)
		for _, r := range []*http.Request{put, get} {
			r.Host = "bkt.s3.test"
		}
		signed := func(r *http.Request, body string) *httptest.ResponseRecorder {
			sum := sha256.Sum256([]byte(body))
			sigv4.SignRequest(r, s.root, fzRegion, "s3", hex.EncodeToString(sum[:]), s.now)
			rec := httptest.NewRecorder()
			s.api.ServeHTTP(rec, r)
			return rec
		}
		if rec := signed(put, "object at "+path); rec.Code != http.StatusOK {
			t.Fatalf("PUT bkt%s: %d %s", path, rec.Code, rec.Body)
		}
		if rec := signed(get, ""); rec.Code != http.StatusOK || rec.Body.String() != "object at "+path {
			t.Errorf("GET bkt%s: %d %s", path, rec.Code, rec.Body)
		}
	}
	// On the server's own name they are the metrics.
	r := httptest.NewRequest(http.MethodGet, "http://s3.test"+adminapi.MetricsPaths[0], nil)
	rec := httptest.NewRecorder()
	s.api.ServeHTTP(rec, r)
	expectScrape(t, "on the server's name", rec, true)
}

// With a bearer token, /metrics is a scrape; signed or anonymous, or
// with a query, it is the bucket "metrics".
func TestMetricsPathWithBearer(t *testing.T) {
	s, _ := newMetricsServer(t, false)
	s.asRoot(t, "PUT", "/metrics", nil, "")
	s.asRoot(t, "PUT", "/metrics/cluster", nil, "an object")
	// With a bearer token, /metrics is a scrape; signed or anonymous, and
	// with a query, it is the bucket.
	_, token := s.metricsToken(t, &s.root, 0)
	expectScrape(t, "GET /metrics with a token", s.scrape("/metrics", "Bearer "+token), true)
	expectScrape(t, "GET /metrics with a bad token", s.scrape("/metrics", "Bearer nonsense"), false)
	if rec := s.scrape("/metrics?list-type=2", "Bearer "+token); rec.Code == http.StatusOK && rec.Body.String() == fakeExposition {
		t.Errorf("GET /metrics?list-type=2 with a token served the exposition")
	}
	if rec := s.asRoot(t, "GET", "/metrics", nil, ""); !strings.Contains(rec.Body.String(), "<ListBucketResult") {
		t.Errorf("signed GET /metrics after a scrape: %d %s", rec.Code, rec.Body)
	}
	if rec := s.scrape("/metrics", ""); rec.Code != http.StatusForbidden || strings.Contains(rec.Body.String(), fakeExposition) {
		t.Errorf("anonymous GET /metrics: %d %s", rec.Code, rec.Body)
	}
}
