package httpapi

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kurastore/kura/internal/accesslog"
	"github.com/kurastore/kura/internal/auth"
	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/sigv4"
)

// loggingServer is a server with access logging, the buckets src, logs
// (whose policy permits log delivery), closed (whose does not) and far
// (in another region).
type loggingServer struct {
	*fzServer
	meta meta.Store
	svc  *accesslog.Service
}

const logsPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"logging.s3.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::logs/*"}]}`

func newLoggingServer(t *testing.T) *loggingServer {
	t.Helper()
	m, blobs := memStores(t)
	s := &fzServer{
		creds: sigv4.Credentials{AccessKey: "FUZZACCESSKEY", SecretKey: "fuzz-secret-key-0123456789"},
		now:   time.Now().UTC().Truncate(time.Second),
		log:   &fzLog{},
	}
	clock := func() time.Time { return s.now }
	log := slog.New(s.log)
	s.layer = object.New(m, blobs, object.Options{Region: fzRegion, Now: clock, Logger: log})
	svc := accesslog.New(accesslog.Options{
		Meta: m, Objects: s.layer, Account: AccountID(fzRegion), Region: fzRegion, Logger: log,
		LogDeliveryACL: LogDeliveryACL(s.layer, fzRegion, ""),
	})
	s.api = New(Config{
		Objects: s.layer, Region: fzRegion, Logger: log, Now: clock, AccessLog: svc, WebsiteDomain: webDomain,
		Credentials: auth.NewStatic(auth.Credentials{AccessKey: s.creds.AccessKey, SecretKey: s.creds.SecretKey}).Secret,
	})
	ctx := context.Background()
	for _, b := range []string{"src", "logs", "closed"} {
		if err := s.layer.CreateBucket(ctx, b, object.CreateBucketOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.layer.CreateBucket(ctx, "far", object.CreateBucketOptions{Region: "eu-west-1"}); err != nil {
		t.Fatal(err)
	}
	ls := &loggingServer{fzServer: s, meta: m, svc: svc}
	ls.putBucketPolicy(t, "logs", logsPolicy)
	return ls
}

func loggingDoc(target, prefix string) string {
	return `<BucketLoggingStatus xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LoggingEnabled><TargetBucket>` + target +
		`</TargetBucket><TargetPrefix>` + prefix + `</TargetPrefix></LoggingEnabled></BucketLoggingStatus>`
}

func (s *loggingServer) putLogging(t *testing.T, doc string) *httptest.ResponseRecorder {
	t.Helper()
	return s.send(t, fzNewRequest(http.MethodPut, "/src?logging", nil, []byte(doc)), false)
}

// queued counts the records waiting for delivery.
func (s *loggingServer) queued(t *testing.T) int {
	t.Helper()
	n := 0
	err := s.meta.View(context.Background(), func(r meta.Reader) error {
		n = 0
		return meta.EachEntry(r, []byte("Hr"), func(_, _ []byte) error { n++; return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// delivered delivers every queued record and returns the lines of the
// log objects in logs, in order.
func (s *loggingServer) delivered(t *testing.T) [][]string {
	t.Helper()
	ctx := context.Background()
	if _, err := s.svc.Deliver(ctx, true); err != nil {
		t.Fatal(err)
	}
	res, err := s.layer.ListObjects(ctx, "logs", object.ListOptions{MaxKeys: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var lines [][]string
	for _, o := range res.Objects {
		obj, err := s.layer.GetObject(ctx, "logs", o.Key, object.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(obj.Body)
		obj.Body.Close()
		for _, l := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
			lines = append(lines, logFields(l))
		}
	}
	return lines
}

// logFields splits a log line into its fields: the bracketed time and
// quoted fields are one field each.
func logFields(line string) []string {
	var out []string
	for line != "" {
		var f string
		switch line[0] {
		case '[':
			i := strings.IndexByte(line, ']')
			f, line = line[:i+1], line[i+1:]
		case '"':
			i := 1
			for ; i < len(line) && line[i] != '"'; i++ {
				if line[i] == '\\' {
					i++
				}
			}
			f, line = line[:i+1], line[i+1:]
		default:
			i := strings.IndexByte(line, ' ')
			if i < 0 {
				i = len(line)
			}
			f, line = line[:i], line[i:]
		}
		out = append(out, f)
		line = strings.TrimPrefix(line, " ")
	}
	return out
}

func TestPutBucketLoggingValidation(t *testing.T) {
	s := newLoggingServer(t)
	tests := []struct {
		name   string
		doc    string
		status int
		code   string
	}{
		{"malformed", `<BucketLoggingStatus><LoggingEnabled><TargetPrefix/></LoggingEnabled></BucketLoggingStatus>`, 400, "MalformedXML"},
		{"missing target", loggingDoc("nothere", "x/"), 400, "InvalidTargetBucketForLogging"},
		{"target not permitting delivery", loggingDoc("closed", "x/"), 400, "InvalidTargetBucketForLogging"},
		{"target in another region", loggingDoc("far", "x/"), 403, "CrossLocationLoggingProhibitted"},
		{"target grants, ACLs disabled", `<BucketLoggingStatus><LoggingEnabled><TargetBucket>logs</TargetBucket><TargetPrefix/><TargetGrants><Grant>` +
			`<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee>` +
			`<Permission>READ</Permission></Grant></TargetGrants></LoggingEnabled></BucketLoggingStatus>`, 400, "AccessControlListNotSupported"},
		{"permitted", loggingDoc("logs", "src/"), 200, ""},
		{"disable", `<BucketLoggingStatus xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>`, 200, ""},
	}
	for _, tt := range tests {
		rec := s.putLogging(t, tt.doc)
		if rec.Code != tt.status || tt.code != "" && errorCode(t, rec) != tt.code {
			t.Errorf("%s: %d %s, want %d %s", tt.name, rec.Code, errorCode(t, rec), tt.status, tt.code)
		}
	}
	if rec := s.send(t, fzNewRequest(http.MethodPut, "/nobucket?logging", nil, []byte(loggingDoc("logs", ""))), false); errorCode(t, rec) != s3err.ErrNoSuchBucket.Code {
		t.Errorf("a missing source bucket: %d %s", rec.Code, rec.Body)
	}
}

// A target bucket whose ACL grants the LogDelivery group WRITE permits
// delivery, once its Object Ownership lets ACLs count; TargetGrants on
// such a target are refused as not implemented, not stored and ignored.
func TestLogDeliveryPermittedByACL(t *testing.T) {
	s := newLoggingServer(t)
	grants := `<BucketLoggingStatus><LoggingEnabled><TargetBucket>closed</TargetBucket><TargetPrefix/><TargetGrants><Grant>` +
		`<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee>` +
		`<Permission>READ</Permission></Grant></TargetGrants></LoggingEnabled></BucketLoggingStatus>`
	step := func(what string, rec *httptest.ResponseRecorder, status int, code string) {
		t.Helper()
		if rec.Code != status || code != "" && errorCode(t, rec) != code {
			t.Fatalf("%s: %d %s, want %d %s", what, rec.Code, rec.Body, status, code)
		}
	}
	step("before the ACL", s.putLogging(t, loggingDoc("closed", "x/")), 400, "InvalidTargetBucketForLogging")
	ownership := `<OwnershipControls><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule></OwnershipControls>`
	step("ownership", s.send(t, fzNewRequest(http.MethodPut, "/closed?ownershipControls", nil, []byte(ownership)), false), 200, "")
	step("ACLs on, no grant yet", s.putLogging(t, loggingDoc("closed", "x/")), 400, "InvalidTargetBucketForLogging")
	acl := fzNewRequest(http.MethodPut, "/closed?acl", http.Header{"X-Amz-Acl": {"log-delivery-write"}}, nil)
	step("log-delivery-write", s.send(t, acl, false), 200, "")
	step("granted", s.putLogging(t, loggingDoc("closed", "x/")), 200, "")
	step("target grants", s.putLogging(t, grants), 501, "NotImplemented")
	enforced := `<OwnershipControls><Rule><ObjectOwnership>BucketOwnerEnforced</ObjectOwnership></Rule></OwnershipControls>`
	step("back to enforced", s.send(t, fzNewRequest(http.MethodPut, "/closed?ownershipControls", nil, []byte(enforced)), false), 400, "")
}

func TestGetBucketLogging(t *testing.T) {
	s := newLoggingServer(t)
	get := func() string {
		rec := s.send(t, fzNewRequest(http.MethodGet, "/src?logging", nil, nil), false)
		if rec.Code != 200 {
			t.Fatalf("GetBucketLogging: %d %s", rec.Code, rec.Body)
		}
		return rec.Body.String()
	}
	if got := get(); !strings.Contains(got, "<BucketLoggingStatus") || strings.Contains(got, "LoggingEnabled") {
		t.Fatalf("logging off: %s", got)
	}
	if rec := s.putLogging(t, loggingDoc("logs", "src/")); rec.Code != 200 {
		t.Fatalf("put: %d %s", rec.Code, rec.Body)
	}
	if got := get(); !strings.Contains(got, "<TargetBucket>logs</TargetBucket><TargetPrefix>src/</TargetPrefix>") {
		t.Fatalf("logging on: %s", got)
	}
	s.putLogging(t, `<BucketLoggingStatus/>`)
	if got := get(); strings.Contains(got, "LoggingEnabled") {
		t.Fatalf("logging off again: %s", got)
	}
}

func TestAccessLogRecords(t *testing.T) {
	s := newLoggingServer(t)
	if rec := s.putLogging(t, loggingDoc("logs", "src/")); rec.Code != 200 {
		t.Fatalf("put: %d %s", rec.Code, rec.Body)
	}
	if s.queued(t) != 0 {
		t.Fatal("the request that enabled logging was logged")
	}
	put := fzNewRequest(http.MethodPut, "/src/dir/a%20b.txt", http.Header{"User-Agent": {"test-agent/1.0"}}, []byte("hello"))
	if rec := s.send(t, put, false); rec.Code != 200 {
		t.Fatalf("put: %d", rec.Code)
	}
	s.send(t, fzNewRequest(http.MethodGet, "/src/dir/a%20b.txt", http.Header{"Range": {"bytes=1-2"}}, nil), false)
	s.send(t, fzNewRequest(http.MethodGet, "/src/missing", nil, nil), false)
	s.send(t, fzNewRequest(http.MethodHead, "/src/dir/a%20b.txt", nil, nil), false)
	s.send(t, fzNewRequest(http.MethodGet, "/src?list-type=2", nil, nil), true) // anonymous: denied
	s.send(t, fzNewRequest(http.MethodGet, "/logs/x", nil, nil), false)         // another bucket
	s.putLogging(t, `<BucketLoggingStatus/>`)
	s.send(t, fzNewRequest(http.MethodGet, "/src/dir/a%20b.txt", nil, nil), false) // logging is off
	lines := s.delivered(t)
	if len(lines) != 6 {
		t.Fatalf("%d records, want 6: %q", len(lines), lines)
	}
	want := []struct {
		op, key, status, code, sent, size, requester, sig string
	}{
		{"REST.PUT.OBJECT", "dir/a%20b.txt", "200", "-", "-", "5", OwnerID(fzRegion), "SigV4"},
		{"REST.GET.OBJECT", "dir/a%20b.txt", "206", "-", "2", "5", OwnerID(fzRegion), "SigV4"},
		{"REST.GET.OBJECT", "missing", "404", "NoSuchKey", "", "-", OwnerID(fzRegion), "SigV4"},
		{"REST.HEAD.OBJECT", "dir/a%20b.txt", "200", "-", "-", "5", OwnerID(fzRegion), "SigV4"},
		{"REST.GET.BUCKET", "-", "403", "AccessDenied", "", "-", "-", "-"},
		{"REST.PUT.LOGGING_STATUS", "-", "200", "-", "-", "-", OwnerID(fzRegion), "SigV4"},
	}
	for i, w := range want {
		f := lines[i]
		if len(f) != 26 {
			t.Fatalf("record %d has %d fields: %q", i, len(f), f)
		}
		got := []string{f[6], f[7], f[9], f[10], f[11], f[12], f[4], f[19]}
		exp := []string{w.op, w.key, w.status, w.code, w.sent, w.size, w.requester, w.sig}
		for j := range exp {
			if exp[j] != "" && got[j] != exp[j] {
				t.Errorf("record %d field %d = %q, want %q (%q)", i, j, got[j], exp[j], f)
			}
		}
		if f[0] != OwnerID(fzRegion) || f[1] != "src" || f[3] != "192.0.2.1" || f[15] != `"-"` {
			t.Errorf("record %d: %q", i, f)
		}
		if _, err := time.Parse("["+accesslog.TimeLayout+"]", f[2]); err != nil {
			t.Errorf("record %d time %s: %v", i, f[2], err)
		}
	}
	if lines[0][8] != `"PUT /src/dir/a%20b.txt HTTP/1.1"` || lines[0][16] != `"test-agent/1.0"` || lines[0][21] != "AuthHeader" || lines[0][22] != "127.0.0.1:9000" {
		t.Errorf("request line, agent, auth type or host: %q", lines[0])
	}
	if lines[2][11] == "-" {
		t.Errorf("an error's body was not counted as sent: %q", lines[2])
	}
}

// Website reads are logged too, as WEBSITE.GET.OBJECT and
// WEBSITE.HEAD.OBJECT by an anonymous requester.
func TestAccessLogRecordsWebsiteReads(t *testing.T) {
	s := newLoggingServer(t)
	public := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::src/*"}]}`
	s.putBucketPolicy(t, "src", public)
	if rec := s.send(t, fzNewRequest(http.MethodPut, "/src?website", nil, []byte(websiteDoc)), false); rec.Code != http.StatusOK {
		t.Fatalf("website: %d %s", rec.Code, rec.Body)
	}
	if rec := s.send(t, fzNewRequest(http.MethodPut, "/src/index.html", nil, []byte("home")), false); rec.Code != http.StatusOK {
		t.Fatalf("put: %d", rec.Code)
	}
	s.putLogging(t, loggingDoc("logs", ""))
	for _, method := range []string{http.MethodGet, http.MethodHead, http.MethodPost} {
		r := fzNewRequest(method, "/", nil, nil)
		r.Host = "src." + webDomain
		s.api.ServeHTTP(httptest.NewRecorder(), r)
	}
	lines := s.delivered(t)
	if len(lines) != 3 {
		t.Fatalf("%d records, want 3: %q", len(lines), lines)
	}
	for i, want := range [][]string{
		{"WEBSITE.GET.OBJECT", "200", "4"},
		{"WEBSITE.HEAD.OBJECT", "200", "4"},
		{"WEBSITE.POST.OBJECT", "405", "-"},
	} {
		f := lines[i]
		if f[6] != want[0] || f[9] != want[1] || f[12] != want[2] || f[4] != "-" || f[1] != "src" {
			t.Errorf("record %d = %q; want operation %s, status %s, size %s, anonymous", i, f, want[0], want[1], want[2])
		}
	}
}

// finalByteWriter checks, when the last byte of a declared body is
// written, that the request's record is already queued.
type finalByteWriter struct {
	*httptest.ResponseRecorder
	check     func() bool
	queuedSet bool
	checked   bool
}

func (w *finalByteWriter) Write(p []byte) (int, error) {
	n, err := w.ResponseRecorder.Write(p)
	if cl := w.Header().Get("Content-Length"); cl != "" && cl == strconv.Itoa(w.Body.Len()) && !w.checked {
		w.checked, w.queuedSet = true, w.check()
	}
	return n, err
}

// A record is durable before the answer is complete: when the client
// has the whole body, the record is queued.
func TestAccessLogRecordQueuedBeforeTheLastByte(t *testing.T) {
	s := newLoggingServer(t)
	s.putLogging(t, loggingDoc("logs", ""))
	body := strings.Repeat("x", 100<<10)
	s.send(t, fzNewRequest(http.MethodPut, "/src/big", nil, []byte(body)), false)
	before := s.queued(t)
	for _, target := range []string{"/src/big", "/src/missing"} {
		r := fzNewRequest(http.MethodGet, target, nil, nil)
		sigv4.SignRequest(r, s.creds, fzRegion, "s3", sigv4.EmptySHA256, s.now)
		w := &finalByteWriter{ResponseRecorder: httptest.NewRecorder(), check: func() bool { return s.queued(t) == before+1 }}
		s.api.ServeHTTP(w, r)
		if !w.checked || !w.queuedSet {
			t.Fatalf("GET %s: the last byte went out before the record was queued (checked %v)", target, w.checked)
		}
		before++
	}
}

// A bucket deleted and made again starts with logging off.
func TestAccessLogStatusGoesWithItsBucket(t *testing.T) {
	s := newLoggingServer(t)
	s.putLogging(t, loggingDoc("logs", ""))
	s.send(t, fzNewRequest(http.MethodGet, "/src/x", nil, nil), false)
	if rec := s.send(t, fzNewRequest(http.MethodDelete, "/src", nil, nil), false); rec.Code != http.StatusNoContent {
		t.Fatalf("delete: %d %s", rec.Code, rec.Body)
	}
	if rec := s.send(t, fzNewRequest(http.MethodPut, "/src", nil, nil), false); rec.Code != http.StatusOK {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	before := s.queued(t)
	s.send(t, fzNewRequest(http.MethodGet, "/src/x", nil, nil), false)
	if s.queued(t) != before {
		t.Fatal("a request on the new bucket was logged under the old one's status")
	}
}

// Another server's change of a bucket's logging status (seen as a
// bucket configuration change) is taken up.
func TestAccessLogStatusForgotten(t *testing.T) {
	s := newLoggingServer(t)
	s.send(t, fzNewRequest(http.MethodGet, "/src/x", nil, nil), false) // status read: off
	st := `<BucketLoggingStatus><LoggingEnabled><TargetBucket>logs</TargetBucket><TargetPrefix/></LoggingEnabled></BucketLoggingStatus>`
	if err := s.layer.SetBucketConfig(context.Background(), "src", configLogging, []byte(st)); err != nil {
		t.Fatal(err)
	}
	s.api.ForgetLoggingStatuses()
	s.send(t, fzNewRequest(http.MethodGet, "/src/x", nil, nil), false)
	if s.queued(t) != 1 {
		t.Fatal("the new status was not taken up")
	}
}
