package integration

import (
	"io"
	"net/http"
	"syscall"
	"testing"
	"time"
)

func TestHealthEndpoints(t *testing.T) {
	s := startServer(t)
	for _, p := range []string{"/health/live", "/health/ready", "/minio/health/live", "/minio/health/ready"} {
		resp, err := http.Get(s.url() + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("x-amz-request-id") == "" {
			t.Errorf("%s: %d", p, resp.StatusCode)
		}
	}
}

// TestGracefulShutdown: SIGTERM lets a request in flight finish (and
// commit) before the server exits.
func TestGracefulShutdown(t *testing.T) {
	s := startServer(t)
	expectStatus(t, "create bucket", do(t, s.signed(t, "PUT", "/bkt", nil, s.secretKey, time.Now())), 200)
	data := pattern(1<<20, 4)
	pr, pw := io.Pipe()
	req := s.signed(t, "PUT", "/bkt/inflight", data, s.secretKey, time.Now())
	req.Body = pr
	req.ContentLength = int64(len(data))
	result := make(chan rawResponse, 1)
	go func() { result <- do(t, req) }()
	pw.Write(data[:1000]) // the request is now in flight
	s.cmd.Process.Signal(syscall.SIGTERM)
	time.Sleep(200 * time.Millisecond) // let the signal land while the body is incomplete
	pw.Write(data[1000:])
	pw.Close()
	expectStatus(t, "in-flight PUT during shutdown", <-result, 200)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		t.Fatal("server did not exit after SIGTERM")
	}
	s.cmd = nil
	s.start()
	r := do(t, s.signed(t, "GET", "/bkt/inflight", nil, s.secretKey, time.Now()))
	if r.status != 200 || len(r.body) != len(data) {
		t.Fatalf("in-flight object after restart: %d, %d bytes", r.status, len(r.body))
	}
}
