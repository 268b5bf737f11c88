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
	req.GetBody = nil
	req.ContentLength = int64(len(data))
	// With Expect: 100-continue the client sends the body only once the
	// handler starts reading it, so the first write returning proves the
	// request is in the server's hands, however loaded the machine is.
	req.Header.Set("Expect", "100-continue")
	client := &http.Client{Transport: &http.Transport{ExpectContinueTimeout: time.Minute}}
	type outcome struct {
		status int
		err    error
	}
	result := make(chan outcome, 1)
	go func() {
		resp, err := client.Do(req)
		if err != nil {
			result <- outcome{err: err}
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		result <- outcome{status: resp.StatusCode}
	}()
	pw.Write(data[:1000]) // the request is now in flight
	s.cmd.Process.Signal(syscall.SIGTERM)
	time.Sleep(200 * time.Millisecond) // let the signal land while the body is incomplete
	pw.Write(data[1000:])
	pw.Close()
	if r := <-result; r.err != nil || r.status != http.StatusOK {
		t.Fatalf("in-flight PUT during shutdown: %d %v", r.status, r.err)
	}
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
