package admin

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// recorder answers every admin call with an empty list and keeps the
// last request's headers.
type recorder struct {
	last atomic.Pointer[http.Header]
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	h := req.Header.Clone()
	r.last.Store(&h)
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte("[]"))
}

func newRecorded(t *testing.T) (*recorder, string) {
	rec := &recorder{}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	return rec, srv.URL
}

func TestSessionTokenIsSentAndSigned(t *testing.T) {
	rec, url := newRecorded(t)
	c, err := New(url, "ASIAEXAMPLE", "secret", false, WithSessionToken("the-token"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListUsers(context.Background()); err != nil {
		t.Fatal(err)
	}
	h := *rec.last.Load()
	if got := h.Get("X-Amz-Security-Token"); got != "the-token" {
		t.Fatalf("security token header %q", got)
	}
	if auth := h.Get("Authorization"); !strings.Contains(auth, "x-amz-security-token") {
		t.Fatalf("the token is not among the signed headers: %s", auth)
	}
}

func TestNoSessionTokenWithoutTheOption(t *testing.T) {
	rec, url := newRecorded(t)
	c, err := New(url, "AKIAEXAMPLE", "secret", false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListUsers(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := (*rec.last.Load()).Get("X-Amz-Security-Token"); got != "" {
		t.Fatalf("security token header %q without a token", got)
	}
}

// countingTransport counts the requests sent through it.
type countingTransport struct {
	n    atomic.Int64
	next http.RoundTripper
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

func TestClientsShareATransport(t *testing.T) {
	_, url := newRecorded(t)
	rt := &countingTransport{next: http.DefaultTransport}
	for _, key := range []string{"alice", "bob"} {
		c, err := New(url, key, "secret", false, WithTransport(rt))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.ListGroups(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if got := rt.n.Load(); got != 2 {
		t.Fatalf("%d requests went through the shared transport, want 2", got)
	}
}

func TestScrapeSendsTheBearerToken(t *testing.T) {
	var auth atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth.Store(r.Header.Get("Authorization") + " " + r.URL.Path)
		if r.Header.Get("Authorization") != "Bearer good" {
			w.WriteHeader(http.StatusForbidden)
			w.Write([]byte(`<Error><Code>AccessDenied</Code><Message>no</Message></Error>`))
			return
		}
		w.Write([]byte("kura_up 1\n"))
	}))
	defer srv.Close()
	c, err := New(srv.URL, "AKIAEXAMPLE", "secret", false)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := c.Scrape(context.Background(), "good", &out); err != nil || out.String() != "kura_up 1\n" {
		t.Fatalf("scrape: %q %v", out.String(), err)
	}
	if got := auth.Load().(string); got != "Bearer good /.kura/metrics" {
		t.Fatalf("request: %q", got)
	}
	var e *Error
	if err := c.Scrape(context.Background(), "bad", &out); !errors.As(err, &e) || e.Code != "AccessDenied" {
		t.Fatalf("refused scrape: %v", err)
	}
}

func TestHealthProbesTheServersChecks(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/health/ready" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	c, err := New(srv.URL, "AKIAEXAMPLE", "secret", false)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Health(context.Background(), "live"); err != nil {
		t.Fatalf("live: %v", err)
	}
	if err := c.Health(context.Background(), "ready"); err == nil {
		t.Fatal("a server answering 503 was called ready")
	}
	if err := c.Health(context.Background(), "other"); err == nil {
		t.Fatal("an unknown check was probed")
	}
}
