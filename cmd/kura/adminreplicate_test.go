package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/kurastore/kura/wire/adminapi"
)

func TestParseBandwidth(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"", 0, true},
		{"0", 0, true},
		{"1048576", 1 << 20, true},
		{"10MiB", 10 << 20, true},
		{"10MiB/s", 10 << 20, true},
		{"500KB", 500_000, true},
		{"1.5 KiB", 1536, true},
		{"9223372036854775807", 1<<63 - 1, true},
		{"9223372036854775808", 0, false},
		{"7EiB", 7 << 60, true},
		{"8EiB", 0, false},
		{"-5", 0, false},
		{"fast", 0, false},
		{"10 parsecs", 0, false},
	} {
		got, err := parseBandwidth(tt.in)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("parseBandwidth(%q) = %d, %v; want %d, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

// fakeAdmin answers the replication calls of the admin API, recording
// what it was sent.
type fakeAdmin struct {
	mu       sync.Mutex
	requests []string
	bodies   [][]byte
}

func (f *fakeAdmin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.requests = append(f.requests, r.Method+" "+strings.TrimPrefix(r.URL.Path, adminapi.Prefix)+"?"+r.URL.RawQuery)
	f.bodies = append(f.bodies, body)
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == http.MethodPut:
		_ = json.NewEncoder(w).Encode(adminapi.ReplicationTargetAdded{ARN: "arn:minio:replication:us-east-1:0123456789abcdef:dst"})
	case r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/status/"):
		_ = json.NewEncoder(w).Encode([]adminapi.ReplicationTargetStatus{{ARN: "arn:x", Pending: 4, PendingBytes: 2048, Resync: &adminapi.ReplicationResync{State: "running", Scanned: 9, Queued: 5}}})
	case r.Method == http.MethodGet:
		_ = json.NewEncoder(w).Encode([]adminapi.ReplicationTarget{{ARN: "arn:x", Endpoint: "http://dst:9000", DestBucket: "dst", AccessKey: "AK", Bandwidth: 10 << 20}})
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

func runAdmin(t *testing.T, server string, args ...string) (string, error) {
	t.Helper()
	t.Setenv("KURA_ACCESS_KEY", "root")
	t.Setenv("KURA_SECRET_KEY", "root-secret")
	cmd := adminCommand()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(io.Discard)
	cmd.SetArgs(append([]string{"--server", server}, args...))
	err := cmd.Execute()
	return out.String(), err
}

// TestAdminReplicateCLI: add prints the ARN alone; the target's
// endpoint, keys and region are its flags, not the server's.
func TestAdminReplicateCLI(t *testing.T) {
	fake := &fakeAdmin{}
	srv := httptest.NewServer(fake)
	defer srv.Close()

	out, err := runAdmin(t, srv.URL, "replicate", "add", "src", "--endpoint", "http://dst:9000", "--bucket", "dst",
		"--access-key", "AK", "--secret-key", "SK", "--region", "eu-west-1", "--bandwidth", "10MiB")
	if err != nil || out != "arn:minio:replication:us-east-1:0123456789abcdef:dst\n" {
		t.Fatalf("add printed %q, %v", out, err)
	}
	var sent adminapi.ReplicationTarget
	if err := json.Unmarshal(fake.bodies[0], &sent); err != nil {
		t.Fatal(err)
	}
	want := adminapi.ReplicationTarget{Endpoint: "http://dst:9000", DestBucket: "dst", AccessKey: "AK", SecretKey: "SK", Region: "eu-west-1", Bandwidth: 10 << 20}
	if sent != want || fake.requests[0] != "PUT replication/targets/src?" {
		t.Fatalf("sent %s %+v", fake.requests[0], sent)
	}
	if _, err := runAdmin(t, srv.URL, "replicate", "add", "src", "--endpoint", "http://dst:9000", "--bucket", "dst", "--access-key", "AK", "--secret-key", "SK", "--bandwidth", "fast"); err == nil {
		t.Fatal("a bad bandwidth was taken")
	}
	if _, err := runAdmin(t, srv.URL, "replicate", "add", "src", "--endpoint", "http://dst:9000", "--access-key", "AK", "--secret-key", "SK"); err == nil {
		t.Fatal("add without --bucket was taken")
	}

	if out, err = runAdmin(t, srv.URL, "replicate", "list", "src"); err != nil || !strings.Contains(out, "arn:x") || !strings.Contains(out, "10 MiB/s") {
		t.Fatalf("list printed %q, %v", out, err)
	}
	if out, err = runAdmin(t, srv.URL, "replicate", "status", "src"); err != nil || !strings.Contains(out, "2.0 KiB") || !strings.Contains(out, "running (5 queued of 9 scanned)") {
		t.Fatalf("status printed %q, %v", out, err)
	}
	arn := "arn:minio:replication:us-east-1:0123456789abcdef:dst"
	if _, err = runAdmin(t, srv.URL, "replicate", "remove", "src", "--arn", arn); err != nil {
		t.Fatal(err)
	}
	if _, err = runAdmin(t, srv.URL, "replicate", "resync", "src", "--target", arn); err != nil {
		t.Fatal(err)
	}
	if _, err := runAdmin(t, srv.URL, "replicate", "remove", "src"); err == nil {
		t.Fatal("remove without --arn was taken")
	}
	n := len(fake.requests)
	if fake.requests[n-2] != "DELETE replication/targets/src?arn="+strings.ReplaceAll(arn, ":", "%3A") || fake.requests[n-1] != "POST replication/resync/src?arn="+strings.ReplaceAll(arn, ":", "%3A") {
		t.Fatalf("requests %q", fake.requests)
	}
}
