package webhook

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kurastore/kura/internal/notify"
	"github.com/kurastore/kura/internal/notify/targettest"
)

// request is one request an endpoint received.
type request struct {
	method, contentType, auth string
	body                      []byte
}

// recorder is an endpoint that keeps every request and answers each POST
// with the status status returns for it (200 when status is nil).
type recorder struct {
	mu     sync.Mutex
	got    []request
	status func(n int) int
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rec.mu.Lock()
	rec.got = append(rec.got, request{r.Method, r.Header.Get("Content-Type"), r.Header.Get("Authorization"), body})
	n := len(rec.got)
	rec.mu.Unlock()
	if rec.status != nil {
		w.WriteHeader(rec.status(n))
	}
}

func (rec *recorder) requests() []request {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]request(nil), rec.got...)
}

func openTarget(t *testing.T, settings map[string]string) notify.Target {
	t.Helper()
	return targettest.Open(t, "webhook", settings)
}

func TestConformance(t *testing.T) {
	var last *recorder
	targettest.Run(t, targettest.Suite{
		Open: func(t *testing.T) notify.Target {
			last = &recorder{}
			srv := httptest.NewServer(last)
			t.Cleanup(srv.Close)
			return openTarget(t, map[string]string{"endpoint": srv.URL + "/events"})
		},
		Fetch: func(t *testing.T) []targettest.Got {
			var bodies [][]byte
			for _, r := range last.requests() {
				bodies = append(bodies, r.body)
			}
			return targettest.GotOf(t, bodies)
		},
		Unreachable: func(t *testing.T) notify.Target {
			return openTarget(t, map[string]string{"endpoint": "http://" + targettest.ClosedAddress(t) + "/"})
		},
	})
}

func TestRequestFormat(t *testing.T) {
	rec := &recorder{}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	tg := openTarget(t, map[string]string{"endpoint": srv.URL})
	m := targettest.Message("s3:ObjectCreated:Put", "a/b", false)
	if err := targettest.Send(tg, m); err != nil {
		t.Fatal(err)
	}
	got := rec.requests()
	if len(got) != 1 {
		t.Fatalf("%d requests, want 1", len(got))
	}
	r := got[0]
	if r.method != http.MethodPost || r.contentType != "application/json" || r.auth != "" {
		t.Errorf("method %q, Content-Type %q, Authorization %q", r.method, r.contentType, r.auth)
	}
	if string(r.body) != string(m.Body()) {
		t.Errorf("body %s, want %s", r.body, m.Body())
	}
}

func TestAuthToken(t *testing.T) {
	for token, want := range map[string]string{
		"abc123":           "Bearer abc123",
		"Bearer abc123":    "Bearer abc123",
		"Basic dXNlcjpwdw": "Basic dXNlcjpwdw",
	} {
		rec := &recorder{}
		srv := httptest.NewServer(rec)
		tg := openTarget(t, map[string]string{"endpoint": srv.URL, "auth-token": token})
		err := targettest.Send(tg, targettest.Message("s3:ObjectCreated:Put", "k", false))
		srv.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got := rec.requests()[0].auth; got != want {
			t.Errorf("token %q: Authorization %q, want %q", token, got, want)
		}
	}
}

// A refused message stops the batch: the ones after it must not arrive
// before it does.
func TestRefusalStopsTheBatch(t *testing.T) {
	rec := &recorder{status: func(n int) int {
		if n == 2 {
			return http.StatusServiceUnavailable
		}
		return http.StatusNoContent
	}}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	tg := openTarget(t, map[string]string{"endpoint": srv.URL})
	err := targettest.Send(tg,
		targettest.Message("s3:ObjectCreated:Put", "1", false),
		targettest.Message("s3:ObjectCreated:Put", "2", false),
		targettest.Message("s3:ObjectCreated:Put", "3", false))
	if err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("Send: %v, want the 503", err)
	}
	if n := len(rec.requests()); n != 2 {
		t.Errorf("%d requests, want 2: none after the refused one", n)
	}
}

func TestPingRefusedToken(t *testing.T) {
	for status, ok := range map[int]bool{
		http.StatusOK: true, http.StatusMethodNotAllowed: true,
		http.StatusUnauthorized: false, http.StatusForbidden: false,
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
		}))
		tg := openTarget(t, map[string]string{"endpoint": srv.URL, "auth-token": "t"})
		err := tg.Ping(context.Background())
		srv.Close()
		if (err == nil) != ok {
			t.Errorf("status %d: Ping returned %v", status, err)
		}
	}
}

// A request that hangs fails at --timeout, or at the context's deadline,
// whichever comes first.
func TestHungEndpoint(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	m := targettest.Message("s3:ObjectCreated:Put", "k", false)
	short := openTarget(t, map[string]string{"endpoint": srv.URL, "timeout": "50ms"})
	if err := short.Send(context.Background(), []notify.Message{m}); err == nil {
		t.Error("Send past --timeout succeeded")
	}
	long := openTarget(t, map[string]string{"endpoint": srv.URL, "timeout": "1h"})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := long.Send(ctx, []notify.Message{m}); err == nil {
		t.Error("Send past the context's deadline succeeded")
	}
}

func TestErrorsHideSecrets(t *testing.T) {
	tg := openTarget(t, map[string]string{
		"endpoint":   "http://user:pw-s3cret@" + targettest.ClosedAddress(t) + "/hook?key=q-s3cret",
		"auth-token": "t-s3cret",
	})
	for _, err := range []error{tg.Ping(context.Background()), targettest.Send(tg, targettest.Message("s3:ObjectCreated:Put", "k", false))} {
		if err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("error %v: want one without the secrets", err)
		}
	}
	c := notify.Config{Type: "webhook", Name: "x", Settings: map[string]string{"endpoint": "http://u:pw-s3cret@[::1"}}
	if _, err := kind.Open(c); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("Open of a bad URL: %v", err)
	}
}

func TestOpenRefusesBadSettings(t *testing.T) {
	dir := t.TempDir()
	certs := targettest.Certificates(t)
	certFile, keyFile := certs.ClientCert, certs.ClientKey
	notPEM := filepath.Join(dir, "not.pem")
	os.WriteFile(notPEM, []byte("hello"), 0o600)
	for name, settings := range map[string]map[string]string{
		"no scheme":           {"endpoint": "127.0.0.1:80"},
		"ftp":                 {"endpoint": "ftp://127.0.0.1/"},
		"no host":             {"endpoint": "http:///x"},
		"bad URL":             {"endpoint": "http://[::1"},
		"bad timeout":         {"endpoint": "http://h/", "timeout": "ten"},
		"zero timeout":        {"endpoint": "http://h/", "timeout": "0s"},
		"cert without key":    {"endpoint": "https://h/", "client-cert": certFile},
		"key without cert":    {"endpoint": "https://h/", "client-key": keyFile},
		"missing cert file":   {"endpoint": "https://h/", "client-cert": filepath.Join(dir, "none"), "client-key": keyFile},
		"missing CA file":     {"endpoint": "https://h/", "ca-cert": filepath.Join(dir, "none")},
		"CA file without PEM": {"endpoint": "https://h/", "ca-cert": notPEM},
	} {
		c := notify.Config{Type: "webhook", Name: "x", Settings: settings}
		if _, err := c.Check(); err != nil {
			t.Errorf("%s: Check: %v", name, err)
			continue
		}
		if _, err := kind.Open(c); err == nil {
			t.Errorf("%s: Open accepted %v", name, settings)
		}
	}
	c := notify.Config{Type: "webhook", Name: "x", Settings: map[string]string{"endpoint": "http://h/", "url": "http://h/"}}
	if _, err := c.Check(); err == nil {
		t.Error("Check accepted an unknown setting")
	}
	if _, err := (notify.Config{Type: "webhook", Name: "x"}).Check(); err == nil {
		t.Error("Check accepted a webhook without --endpoint")
	}
}

// An https endpoint that demands a client certificate: the target trusts
// the server through --ca-cert and presents --client-cert.
func TestMutualTLS(t *testing.T) {
	dir := t.TempDir()
	certs := targettest.Certificates(t)
	certFile, keyFile := certs.ClientCert, certs.ClientKey
	caPEM, _ := os.ReadFile(certs.CA)
	clientCAs := x509.NewCertPool()
	clientCAs.AppendCertsFromPEM(caPEM)

	rec := &recorder{}
	srv := httptest.NewUnstartedServer(rec)
	srv.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: clientCAs}
	srv.StartTLS()
	defer srv.Close()
	caFile := filepath.Join(dir, "server-ca.pem")
	os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600)

	m := targettest.Message("s3:ObjectCreated:Put", "k", false)
	for name, tc := range map[string]struct {
		settings map[string]string
		ok       bool
	}{
		"client certificate":    {map[string]string{"endpoint": srv.URL, "ca-cert": caFile, "client-cert": certFile, "client-key": keyFile}, true},
		"no client certificate": {map[string]string{"endpoint": srv.URL, "ca-cert": caFile}, false},
		"server not trusted":    {map[string]string{"endpoint": srv.URL, "client-cert": certFile, "client-key": keyFile}, false},
	} {
		tg := openTarget(t, tc.settings)
		if err := tg.Ping(context.Background()); (err == nil) != tc.ok {
			t.Errorf("%s: Ping: %v", name, err)
		}
		if err := targettest.Send(tg, m); (err == nil) != tc.ok {
			t.Errorf("%s: Send: %v", name, err)
		}
	}
	got := rec.requests()
	if len(got) != 2 || got[1].method != http.MethodPost || string(got[1].body) != string(m.Body()) {
		t.Errorf("the endpoint received %d requests, want a HEAD and the POST of the one target with a certificate", len(got))
	}
}

// A refusal part-way through a batch says how many messages the endpoint
// took before it, so that only the rest are sent again; a refusal of the
// first message is a plain error.
func TestRefusalReportsWhatWasAccepted(t *testing.T) {
	for _, refused := range []int{1, 2, 3} {
		rec := &recorder{status: func(n int) int {
			if n == refused {
				return http.StatusServiceUnavailable
			}
			return http.StatusOK
		}}
		srv := httptest.NewServer(rec)
		tg := openTarget(t, map[string]string{"endpoint": srv.URL})
		err := targettest.Send(tg,
			targettest.Message("s3:ObjectCreated:Put", "1", false),
			targettest.Message("s3:ObjectCreated:Put", "2", false),
			targettest.Message("s3:ObjectCreated:Put", "3", false))
		srv.Close()
		var partial *notify.PartialError
		switch {
		case err == nil:
			t.Fatalf("refusal of message %d: Send succeeded", refused)
		case refused == 1 && errors.As(err, &partial):
			t.Errorf("refusal of the first message: %v is a partial error", err)
		case refused > 1 && (!errors.As(err, &partial) || partial.Accepted != refused-1):
			t.Errorf("refusal of message %d: %#v, want a partial error with %d accepted", refused, err, refused-1)
		}
	}
}
