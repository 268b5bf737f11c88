package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/client/internal/kuraproc"
)

func TestCheckHealthKura(t *testing.T) {
	s := kuraproc.Start(t, kuraproc.Options{})
	// Health checks need no credentials.
	anonymous, err := client.New(s.Endpoint, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, check := range []client.HealthCheck{client.HealthLive, client.HealthReady} {
		if err := anonymous.CheckHealth(context.Background(), check); err != nil {
			t.Errorf("%s: %v", check, err)
		}
	}
	if err := anonymous.CheckHealth(context.Background(), "cluster"); !errors.Is(err, client.ErrInvalidArgument) {
		t.Errorf("unknown check: %v", err)
	}
}

// TestCheckHealthNotReady: a server that is not ready is reported at
// once, without retries.
func TestCheckHealthNotReady(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.URL.Path != "/minio/health/ready" || r.Header.Get("Authorization") != "" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	c, err := client.New(srv.URL, &client.Options{AccessKey: "a", SecretKey: "b"})
	if err != nil {
		t.Fatal(err)
	}
	err = c.CheckHealth(context.Background(), client.HealthReady)
	if client.ErrorCode(err) != "ServiceUnavailable" || calls.Load() != 1 {
		t.Errorf("error %v after %d requests, want ServiceUnavailable after 1", err, calls.Load())
	}
}
