package integration

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"

	"github.com/kurastore/kura/internal/certs"
)

// opEntry is a line of the access log, as an operator's tools read it.
type opEntry struct {
	Time       string  `json:"time"`
	RequestID  string  `json:"request_id"`
	HostID     string  `json:"host_id"`
	RemoteAddr string  `json:"remote_addr"`
	AccessKey  string  `json:"access_key"`
	API        string  `json:"api"`
	Bucket     string  `json:"bucket"`
	Key        string  `json:"key"`
	Method     string  `json:"method"`
	Status     int     `json:"status"`
	ErrorCode  string  `json:"error_code"`
	BytesIn    int64   `json:"bytes_in"`
	BytesOut   int64   `json:"bytes_out"`
	DurationMS float64 `json:"duration_ms"`
	UserAgent  string  `json:"user_agent"`
}

// auditTarget is an audit webhook receiver.
type auditTarget struct {
	mu      sync.Mutex
	entries []opEntry
	errs    []string
}

func (a *auditTarget) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	var batch []opEntry
	body, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(body, &batch); err != nil || r.Header.Get("Content-Type") != "application/json" ||
		r.Header.Get("Authorization") != "Bearer audit-token" {
		a.errs = append(a.errs, r.Header.Get("Content-Type")+" "+r.Header.Get("Authorization")+" "+string(body))
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	a.entries = append(a.entries, batch...)
}

func (a *auditTarget) received() ([]opEntry, []string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]opEntry(nil), a.entries...), append([]string(nil), a.errs...)
}

// readAccessLog reads the entries of an access log file.
func readAccessLog(t *testing.T, path string) []opEntry {
	t.Helper()
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var entries []opEntry
	for line := range strings.SplitSeq(strings.TrimSuffix(string(data), "\n"), "\n") {
		if line == "" {
			continue
		}
		var e opEntry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("%s: line %q: %v", path, line, err)
		}
		entries = append(entries, e)
	}
	return entries
}

func byRequestID(entries []opEntry) map[string][]opEntry {
	m := map[string][]opEntry{}
	for _, e := range entries {
		m[e.RequestID] = append(m[e.RequestID], e)
	}
	return m
}

// waitForEntries waits until the access log holds every request id.
func waitForEntries(t *testing.T, path string, ids ...string) map[string][]opEntry {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := byRequestID(readAccessLog(t, path))
		missing := 0
		for _, id := range ids {
			if len(got[id]) == 0 {
				missing++
			}
		}
		if missing == 0 {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s lacks %d of the requests %v", path, missing, ids)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// opRequest is a request the test made, and what its entry must say.
type opRequest struct {
	want      opEntry
	minOut    int64 // bytes_out at least (an error's XML), when want.BytesOut is 0
	anonymous bool
}

// TestAccessLogAndAuditWebhook: every request is in the access log and
// reaches the audit webhook, under the request id and host id its
// response carried; SIGHUP reopens the access log after logrotate moved
// it; shutdown sends what the webhook had queued.
func TestAccessLogAndAuditWebhook(t *testing.T) {
	if testGateways() > 1 {
		t.Skip("one access log file per server: gateways would share it")
	}
	target := &auditTarget{}
	hook := httptest.NewServer(target)
	defer hook.Close()
	logPath := filepath.Join(t.TempDir(), "access.log")
	// Batches wait an hour: only the shutdown sends them.
	s := startServer(t, "--access-log", logPath, "--audit-webhook", hook.URL+"/audit",
		"--audit-webhook-token", "audit-token", "--audit-batch-wait", "1h", "--audit-batch-size", "1000", "--metrics-public")
	c := newAWSClient(s)
	cx := ctx(t)
	var reqs []opRequest
	// ids reads the ids an SDK call's response carried.
	ids := func(md middleware.Metadata, err error) (string, string) {
		t.Helper()
		if err != nil {
			var re *awshttp.ResponseError
			if !errors.As(err, &re) {
				t.Fatal(err)
			}
			var withHost interface{ ServiceHostID() string }
			if !errors.As(err, &withHost) {
				t.Fatalf("%v carries no host id", err)
			}
			return re.ServiceRequestID(), withHost.ServiceHostID()
		}
		id, _ := awsmiddleware.GetRequestIDMetadata(md)
		host, _ := s3.GetHostIDMetadata(md)
		return id, host
	}

	bucket := "oplogs"
	out, err := c.CreateBucket(cx, &s3.CreateBucketInput{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatal(err)
	}
	id, host := ids(out.ResultMetadata, nil)
	reqs = append(reqs, opRequest{want: opEntry{RequestID: id, HostID: host, API: "CreateBucket", Bucket: bucket, Method: "PUT", Status: 200}})

	// A PUT of 11 bytes, exactly (the SDK's may be aws-chunked).
	data := []byte("hello world")
	put := do(t, s.signed(t, "PUT", "/"+bucket+"/a&b.txt", data, s.secretKey, time.Now()))
	expectStatus(t, "put", put, 200)
	reqs = append(reqs, opRequest{want: opEntry{
		RequestID: put.header.Get("x-amz-request-id"), HostID: put.header.Get("x-amz-id-2"),
		API: "PutObject", Bucket: bucket, Key: "a&b.txt", Method: "PUT", Status: 200, BytesIn: 11,
	}})

	got, err := c.GetObject(cx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("a&b.txt")})
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, got.Body)
	got.Body.Close()
	id, host = ids(got.ResultMetadata, nil)
	reqs = append(reqs, opRequest{want: opEntry{RequestID: id, HostID: host, API: "GetObject", Bucket: bucket, Key: "a&b.txt", Method: "GET", Status: 200, BytesOut: 11}})

	_, err = c.GetObject(cx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("missing")})
	id, host = ids(middleware.Metadata{}, err)
	reqs = append(reqs, opRequest{want: opEntry{RequestID: id, HostID: host, API: "GetObject", Bucket: bucket, Key: "missing", Method: "GET", Status: 404, ErrorCode: "NoSuchKey"}, minOut: 1})

	anon, err := http.Get(s.url() + "/" + bucket + "/a&b.txt")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, anon.Body)
	anon.Body.Close()
	reqs = append(reqs, opRequest{want: opEntry{
		RequestID: anon.Header.Get("x-amz-request-id"), HostID: anon.Header.Get("x-amz-id-2"),
		API: "GetObject", Bucket: bucket, Key: "a&b.txt", Method: "GET", Status: 403, ErrorCode: "AccessDenied",
	}, minOut: 1, anonymous: true})

	var allIDs []string
	for _, r := range reqs {
		if r.want.RequestID == "" || r.want.HostID == "" {
			t.Fatalf("a response without ids: %+v", r.want)
		}
		allIDs = append(allIDs, r.want.RequestID)
	}
	check := func(where string, entries map[string][]opEntry) {
		t.Helper()
		for _, r := range reqs {
			es := entries[r.want.RequestID]
			if len(es) != 1 {
				t.Errorf("%s: %d entries of %s %+v", where, len(es), r.want.RequestID, r.want)
				continue
			}
			e, w := es[0], r.want
			if w.AccessKey = s.accessKey; r.anonymous {
				w.AccessKey = ""
			}
			if e.RequestID != w.RequestID || e.HostID != w.HostID || e.API != w.API || e.Bucket != w.Bucket ||
				e.Key != w.Key || e.Method != w.Method || e.Status != w.Status || e.ErrorCode != w.ErrorCode ||
				e.AccessKey != w.AccessKey || e.BytesIn != w.BytesIn || e.RemoteAddr != "127.0.0.1" {
				t.Errorf("%s: entry\n%+v\nwant\n%+v", where, e, w)
			}
			if (w.BytesOut > 0 && e.BytesOut != w.BytesOut) || e.BytesOut < r.minOut {
				t.Errorf("%s: %s bytes_out %d, want %d (at least %d)", where, w.API, e.BytesOut, w.BytesOut, r.minOut)
			}
			if at, err := time.Parse(time.RFC3339Nano, e.Time); err != nil || !strings.HasSuffix(e.Time, "Z") || time.Since(at) > time.Hour {
				t.Errorf("%s: time %q (%v)", where, e.Time, err)
			}
			if e.DurationMS <= 0 || e.UserAgent == "" {
				t.Errorf("%s: duration %v ms, user agent %q", where, e.DurationMS, e.UserAgent)
			}
		}
	}
	check("access log", waitForEntries(t, logPath, allIDs...))

	// logrotate moves the file, then signals.
	moved := logPath + ".1"
	if err := os.Rename(logPath, moved); err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for _, err := os.Stat(logPath); err != nil; _, err = os.Stat(logPath) {
		if time.Now().After(deadline) {
			t.Fatal("SIGHUP did not reopen the access log")
		}
		time.Sleep(20 * time.Millisecond)
	}
	after := do(t, s.signed(t, "GET", "/"+bucket+"/a&b.txt", nil, s.secretKey, time.Now()))
	expectStatus(t, "get after SIGHUP", after, 200)
	afterID := after.header.Get("x-amz-request-id")
	if e := waitForEntries(t, logPath, afterID)[afterID][0]; e.BytesOut != 11 || e.Status != 200 {
		t.Errorf("after SIGHUP: %+v", e)
	}
	old := byRequestID(readAccessLog(t, moved))
	if len(old[afterID]) != 0 {
		t.Errorf("a request after SIGHUP went to the moved file")
	}
	check("moved access log", old)

	// Nothing reached the webhook yet; the shutdown sends it all.
	if entries, _ := target.received(); len(entries) != 0 {
		t.Errorf("%d records sent before their batch was full or old enough", len(entries))
	}
	// The metrics show the records waiting for the webhook, and the
	// access log's queue.
	code, body := scrapeMetrics(t, s, "/.kura/metrics", "")
	waiting := regexp.MustCompile(`(?m)^kura_queue_pending\{[^}]*queue="audit",target="` + regexp.QuoteMeta(hook.URL+"/audit") + `"\} (\d+)$`).FindSubmatch(body)
	if code != http.StatusOK || waiting == nil || !bytes.Contains(body, []byte(`kura_queue_dropped_total{bucket="",queue="access_log",target=""} 0`)) {
		t.Errorf("metrics of the audit and access log queues (%d):\n%s", code, body)
	} else if n, _ := strconv.Atoi(string(waiting[1])); n < len(reqs)+1 {
		t.Errorf("%d records waiting for the webhook, want at least %d", n, len(reqs)+1)
	}
	s.stop()
	entries, errs := target.received()
	if len(errs) > 0 {
		t.Errorf("the webhook refused %q", errs)
	}
	check("audit webhook", byRequestID(entries))
	if len(byRequestID(entries)[afterID]) != 1 {
		t.Errorf("the webhook lacks the request after SIGHUP")
	}
}

// TestLogFormatJSON: with --log-format json every line kura writes on
// standard error is a JSON object; an unknown format stops the start.
func TestLogFormatJSON(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(kuraBin, "server", "--address", freeAddr(t), "--log-level", "info", "--log-format", "json", dir)
	cmd.Env = append(os.Environ(), "KURA_ROOT_USER=AKOPLOGSTESTUSER", "KURA_ROOT_PASSWORD="+randomHex(20))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	serving := false
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "serving S3 on") {
			serving = true
			break
		}
	}
	if serving {
		cmd.Process.Signal(syscall.SIGTERM)
	}
	go io.Copy(io.Discard, stdout)
	if err := cmd.Wait(); err != nil || !serving {
		t.Fatalf("kura (serving: %v): %v\n%s", serving, err, stderr.String())
	}
	lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
	msgs := map[string]bool{}
	for _, l := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Errorf("not JSON: %q", l)
			continue
		}
		if rec["time"] == nil || rec["level"] == nil {
			t.Errorf("no time or level: %q", l)
		}
		msg, _ := rec["msg"].(string)
		msgs[msg] = true
	}
	if !msgs["stopped"] {
		t.Errorf("the log lacks the stop: %q", lines)
	}

	bad := exec.Command(kuraBin, "server", "--address", freeAddr(t), "--log-format", "xml", t.TempDir())
	bad.Env = cmd.Env
	if out, err := bad.CombinedOutput(); err == nil || !strings.Contains(string(out), "--log-format") {
		t.Errorf("--log-format xml: %v\n%s", err, out)
	}
}

// TestOneSIGHUPReopensLogAndReloadsCertificate: the access log and the
// TLS certificate both act on the one SIGHUP.
func TestOneSIGHUPReopensLogAndReloadsCertificate(t *testing.T) {
	if testGateways() > 1 {
		t.Skip("one access log file per server: gateways would share it")
	}
	logPath := filepath.Join(t.TempDir(), "access.log")
	s := startServer(t, "--tls-self-signed", "--access-log", logPath)
	insecure := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	// anonymousID makes an anonymous request (ListBuckets, refused) and
	// returns its id.
	anonymousID := func() string {
		t.Helper()
		resp, err := insecure.Get(s.url() + "/")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.Header.Get("x-amz-request-id")
	}
	first := anonymousID()
	waitForEntries(t, logPath, first)
	before := serialSeen(t, s.addr, nil)

	caFile := filepath.Join(s.dir, "tls", certs.SelfSignedCert)
	certPEM, keyPEM, err := certs.Generate()
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(s.dir, "tls", certs.SelfSignedKey), keyPEM, 0o600)
	os.WriteFile(caFile, certPEM, 0o644)
	if err := os.Rename(logPath, logPath+".1"); err != nil {
		t.Fatal(err)
	}
	s.cmd.Process.Signal(syscall.SIGHUP)
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, statErr := os.Stat(logPath)
		if statErr == nil && serialSeen(t, s.addr, nil) != before {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after SIGHUP: access log reopened: %v, certificate reloaded: %v",
				statErr == nil, serialSeen(t, s.addr, nil) != before)
		}
		time.Sleep(50 * time.Millisecond)
	}
	second := anonymousID()
	if e := waitForEntries(t, logPath, second)[second][0]; e.Status != 403 || e.ErrorCode != "AccessDenied" || e.API != "ListBuckets" {
		t.Errorf("after SIGHUP: %+v", e)
	}
	if old := byRequestID(readAccessLog(t, logPath+".1")); len(old[first]) != 1 || len(old[second]) != 0 {
		t.Errorf("the moved file holds %v", old)
	}
}
