package integration

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestBoto3AccessLog enables server access logging with boto3 and reads
// the delivered log objects back.
func TestBoto3AccessLog(t *testing.T) {
	py := pythonWithBoto3(t)
	s := startServer(t, "--access-log-interval", "500ms")
	runScript(t, py, s, "boto3_access_log.py", "boto3 access log")
}

// TestKillNineKeepsAccessLogRecords: the records of requests answered
// before kill -9 are delivered after the restart, in order, once each.
func TestKillNineKeepsAccessLogRecords(t *testing.T) {
	// Nothing is delivered before the kill: every record is still queued.
	s := startServer(t, "--access-log-interval", "1h")
	now := time.Now
	req := func(method, path string, body []byte) rawResponse {
		return do(t, s.signed(t, method, path, body, s.secretKey, now()))
	}
	expectStatus(t, "create src", req("PUT", "/src", nil), 200)
	expectStatus(t, "create logs", req("PUT", "/logs", nil), 200)
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"logging.s3.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::logs/*"}]}`
	expectStatus(t, "policy", req("PUT", "/logs?policy", []byte(policy)), 204)
	status := `<BucketLoggingStatus xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LoggingEnabled><TargetBucket>logs</TargetBucket><TargetPrefix>crash/</TargetPrefix></LoggingEnabled></BucketLoggingStatus>`
	expectStatus(t, "logging", req("PUT", "/src?logging", []byte(status)), 200)
	const n = 40
	var ids []string
	for i := range n {
		r := req("PUT", fmt.Sprintf("/src/k%03d", i), []byte("data"))
		expectStatus(t, "put", r, 200)
		ids = append(ids, r.header.Get("x-amz-request-id"))
	}
	if keys := listKeys(t, s, req); len(keys) != 0 {
		t.Fatalf("delivered before the kill: %q", keys)
	}
	s.kill9()
	s.extra = []string{"--access-log-interval", "200ms"}
	s.start()

	var lines []string
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		lines = nil
		for _, k := range listKeys(t, s, req) {
			if !regexp.MustCompile(`^crash/\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d-[0-9A-F]{16}$`).MatchString(k) {
				t.Fatalf("log object name %q", k)
			}
			r := req("GET", "/logs/"+k, nil)
			expectStatus(t, "get log", r, 200)
			lines = append(lines, strings.Split(strings.TrimSuffix(string(r.body), "\n"), "\n")...)
		}
		if len(lines) >= n {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	var got []string
	for _, l := range lines {
		f := strings.Fields(l)
		if f[7] == "REST.PUT.OBJECT" {
			got = append(got, f[6])
		}
	}
	if strings.Join(got, " ") != strings.Join(ids, " ") {
		t.Fatalf("records after kill -9 (%d lines):\n%s\nwant the request ids\n%s", len(lines), strings.Join(got, " "), strings.Join(ids, " "))
	}
}

// listKeys lists the keys of the bucket logs.
func listKeys(t *testing.T, s *server, req func(string, string, []byte) rawResponse) []string {
	t.Helper()
	r := req("GET", "/logs?list-type=2", nil)
	expectStatus(t, "list logs", r, http.StatusOK)
	var doc struct {
		Contents []struct{ Key string }
	}
	if err := xml.Unmarshal(r.body, &doc); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, c := range doc.Contents {
		keys = append(keys, c.Key)
	}
	return keys
}
