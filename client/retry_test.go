package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/kurastore/kura/client"
)

// TestMaxRetries: a request the server keeps throttling is sent
// MaxRetries+1 times, then fails with the server's error.
func TestMaxRetries(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte(`<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>`))
	}))
	defer srv.Close()
	tests := []struct {
		maxRetries int
		wantSent   int32
	}{
		{client.NoRetries, 1},
		{-5, 1},
		{0, 4}, // the default, 3 retries
		{1, 2},
		{2, 3},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.maxRetries), func(t *testing.T) {
			c, err := client.New(srv.URL, &client.Options{AccessKey: "a", SecretKey: "b", MaxRetries: tt.maxRetries})
			if err != nil {
				t.Fatal(err)
			}
			calls.Store(0)
			_, err = c.GetBucketLocation(context.Background(), "bucket")
			if !errors.Is(err, client.ErrSlowDown) {
				t.Errorf("error %v", err)
			}
			if got := calls.Load(); got != tt.wantSent {
				t.Errorf("sent %d times, want %d", got, tt.wantSent)
			}
		})
	}
}
