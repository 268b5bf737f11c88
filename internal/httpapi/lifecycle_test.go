package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kurastore/kura/internal/auth"
	"github.com/kurastore/kura/internal/tier"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/sigv4"
	wire "github.com/kurastore/kura/wire/lifecycle"
)

// fakeTiers defines the named tiers; they hold nothing.
type fakeTiers map[string]bool

func (f fakeTiers) Tier(_ context.Context, name string) (tier.Tier, error) {
	if !f[name] {
		return nil, tier.ErrNoSuchTier
	}
	return nil, nil
}

// lifecycleServer is a server whose tiers are COLD and WARM, with
// lifecycle days of day, and the bucket bkt.
func lifecycleServer(t *testing.T, day time.Duration) *fzServer {
	t.Helper()
	s := compatServer(t, "bkt")
	clock := func() time.Time { return s.now }
	s.api = New(Config{
		Objects: s.layer, Region: fzRegion, Logger: slog.New(s.log), Now: clock,
		Credentials:  auth.NewStatic(auth.Credentials{AccessKey: s.creds.AccessKey, SecretKey: s.creds.SecretKey}).Secret,
		Tiers:        fakeTiers{"COLD": true, "WARM": true},
		LifecycleDay: day,
	})
	return s
}

func lifecycleDoc(rules string) string {
	return `<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` + rules + `</LifecycleConfiguration>`
}

// withMD5 is h with the Content-MD5 of body.
func withMD5(h http.Header, body string) http.Header {
	out := http.Header{"Content-Md5": {contentMD5Of([]byte(body))}}
	for k, v := range h {
		out[k] = v
	}
	return out
}

// putLifecycle sends PutBucketLifecycleConfiguration with a Content-MD5.
func (s *fzServer) putLifecycle(t *testing.T, h http.Header, doc string) *httptest.ResponseRecorder {
	t.Helper()
	return s.send(t, fzNewRequest(http.MethodPut, "/bkt?lifecycle", withMD5(h, doc), []byte(doc)), false)
}

func errorCode(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	var doc s3err.Response
	if err := xml.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		return ""
	}
	return doc.Code
}

const expireTmp = `<Rule><ID>tmp</ID><Status>Enabled</Status><Filter><Prefix>tmp/</Prefix></Filter><Expiration><Days>1</Days></Expiration></Rule>`

func TestBucketLifecycleConfiguration(t *testing.T) {
	s := lifecycleServer(t, 0)
	get := func() *httptest.ResponseRecorder {
		return s.send(t, fzNewRequest(http.MethodGet, "/bkt?lifecycle", nil, nil), false)
	}
	if rec := get(); rec.Code != http.StatusNotFound || errorCode(t, rec) != "NoSuchLifecycleConfiguration" {
		t.Fatalf("get before put: %d %s", rec.Code, rec.Body)
	}
	doc := lifecycleDoc(expireTmp + `<Rule><ID>cold</ID><Status>Disabled</Status><Filter/><Transition><Days>30</Days><StorageClass>COLD</StorageClass></Transition></Rule>`)
	rec := s.putLifecycle(t, nil, doc)
	if rec.Code != http.StatusOK || rec.Header().Get(minSizeHeader) != "all_storage_classes_128K" {
		t.Fatalf("put: %d %q %s", rec.Code, rec.Header().Get(minSizeHeader), rec.Body)
	}
	rec = get()
	var got wire.Configuration
	if err := xml.Unmarshal(rec.Body.Bytes(), &got); err != nil || rec.Code != http.StatusOK {
		t.Fatalf("get: %d %v %s", rec.Code, err, rec.Body)
	}
	if len(got.Rules) != 2 || got.Rules[0].ID != "tmp" || got.Rules[1].Transitions[0].StorageClass != "COLD" ||
		rec.Header().Get(minSizeHeader) != "all_storage_classes_128K" || !strings.HasPrefix(rec.Body.String(), "<LifecycleConfiguration") {
		t.Errorf("get: %q %s", rec.Header().Get(minSizeHeader), rec.Body)
	}

	byClass := http.Header{"X-Amz-Transition-Default-Minimum-Object-Size": {"varies_by_storage_class"}}
	if rec := s.putLifecycle(t, byClass, doc); rec.Code != http.StatusOK || rec.Header().Get(minSizeHeader) != "varies_by_storage_class" {
		t.Fatalf("put varies_by_storage_class: %d %q", rec.Code, rec.Header().Get(minSizeHeader))
	}
	if rec := get(); rec.Header().Get(minSizeHeader) != "varies_by_storage_class" {
		t.Errorf("get after varies_by_storage_class: %q", rec.Header().Get(minSizeHeader))
	}
	// The stored document is what the scanner compiles.
	stored, err := s.layer.BucketConfig(context.Background(), "bkt", "lifecycle")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(stored, []byte("varies_by_storage_class\n<LifecycleConfiguration")) {
		t.Errorf("stored: %q", stored)
	}

	if rec := s.send(t, fzNewRequest(http.MethodDelete, "/bkt?lifecycle", nil, nil), false); rec.Code != http.StatusNoContent {
		t.Fatalf("delete: %d", rec.Code)
	}
	if rec := get(); rec.Code != http.StatusNotFound || errorCode(t, rec) != "NoSuchLifecycleConfiguration" {
		t.Errorf("get after delete: %d %s", rec.Code, rec.Body)
	}
	if rec := s.send(t, fzNewRequest(http.MethodGet, "/nobkt?lifecycle", nil, nil), false); errorCode(t, rec) != "NoSuchBucket" {
		t.Errorf("get on a missing bucket: %d %s", rec.Code, rec.Body)
	}
}

// S3 requires Content-MD5 or a checksum header on the PUT, and checks
// what is sent.
func TestPutBucketLifecycleIntegrity(t *testing.T) {
	s := lifecycleServer(t, 0)
	doc := lifecycleDoc(expireTmp)
	put := func(h http.Header) *httptest.ResponseRecorder {
		return s.send(t, fzNewRequest(http.MethodPut, "/bkt?lifecycle", h, []byte(doc)), false)
	}
	if rec := put(nil); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "Content-Md5") {
		t.Errorf("without Content-MD5: %d %s", rec.Code, rec.Body)
	}
	if rec := put(http.Header{"Content-Md5": {contentMD5Of([]byte("other"))}}); errorCode(t, rec) != "BadDigest" {
		t.Errorf("wrong Content-MD5: %d %s", rec.Code, rec.Body)
	}
	sum := sha256.Sum256([]byte(doc))
	h := http.Header{"X-Amz-Sdk-Checksum-Algorithm": {"SHA256"}, "X-Amz-Checksum-Sha256": {base64.StdEncoding.EncodeToString(sum[:])}}
	if rec := put(h); rec.Code != http.StatusOK {
		t.Errorf("with x-amz-checksum-sha256: %d %s", rec.Code, rec.Body)
	}
}

// rulesOf are n rules expiring objects of distinct prefixes.
func rulesOf(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `<Rule><ID>r%d</ID><Status>Enabled</Status><Filter><Prefix>p%d/</Prefix></Filter><Expiration><Days>1</Days></Expiration></Rule>`, i, i)
	}
	return b.String()
}

// padded is a valid document of exactly size bytes: whitespace between
// elements counts for nothing.
func padded(size int) string {
	doc := lifecycleDoc(expireTmp)
	return strings.Replace(doc, "<Rule>", strings.Repeat(" ", size-len(doc))+"<Rule>", 1)
}

func TestPutBucketLifecycleValidation(t *testing.T) {
	s := lifecycleServer(t, 0)
	rule := func(id, body string) string {
		return `<Rule><ID>` + id + `</ID><Status>Enabled</Status><Filter/>` + body + `</Rule>`
	}
	cases := []struct {
		name   string
		header string
		doc    string
		code   string
	}{
		{"1000 rules", "", lifecycleDoc(rulesOf(1000)), ""},
		{"1001 rules", "", lifecycleDoc(rulesOf(1001)), "MalformedXML"},
		{"ID of 255", "", lifecycleDoc(rule(strings.Repeat("i", 255), `<Expiration><Days>1</Days></Expiration>`)), ""},
		{"ID of 256", "", lifecycleDoc(rule(strings.Repeat("i", 256), `<Expiration><Days>1</Days></Expiration>`)), "InvalidArgument"},
		{"largest document", "", padded(wire.MaxDocumentSize), ""},
		{"document too large", "", padded(wire.MaxDocumentSize + 1), "MaxMessageLengthExceeded"},
		{"no rules", "", lifecycleDoc(""), "MalformedXML"},
		{"not XML", "", "<LifecycleConfiguration><Rule>", "MalformedXML"},
		{"empty body", "", "", "MalformedXML"},
		{"no action", "", lifecycleDoc(`<Rule><ID>a</ID><Status>Enabled</Status><Filter/></Rule>`), "InvalidRequest"},
		{"duplicate IDs", "", lifecycleDoc(rule("a", `<Expiration><Days>1</Days></Expiration>`) + rule("a", `<Expiration><Days>2</Days></Expiration>`)), "InvalidArgument"},
		{"days -1", "", lifecycleDoc(rule("a", `<Expiration><Days>-1</Days></Expiration>`)), "InvalidArgument"},
		{"days 0", "", lifecycleDoc(rule("a", `<Expiration><Days>0</Days></Expiration>`)), "InvalidArgument"},
		{"days 1", "", lifecycleDoc(rule("a", `<Expiration><Days>1</Days></Expiration>`)), ""},
		{"expiration without days or date", "", lifecycleDoc(rule("a", `<Expiration></Expiration>`)), "MalformedXML"},
		{"date not at midnight", "", lifecycleDoc(rule("a", `<Expiration><Date>2027-01-01T01:00:00Z</Date></Expiration>`)), "InvalidArgument"},
		{"transition to a tier", "", lifecycleDoc(rule("a", `<Transition><Days>1</Days><StorageClass>COLD</StorageClass></Transition>`)), ""},
		{"noncurrent transition to a tier", "", lifecycleDoc(rule("a", `<NoncurrentVersionTransition><NoncurrentDays>1</NoncurrentDays><StorageClass>WARM</StorageClass></NoncurrentVersionTransition>`)), ""},
		{"transition to an unknown class", "", lifecycleDoc(rule("a", `<Transition><Days>1</Days><StorageClass>NEARLINE</StorageClass></Transition>`)), "InvalidStorageClass"},
		{"transition to an AWS class, recorded as a label", "", lifecycleDoc(rule("a", `<Transition><Days>30</Days><StorageClass>GLACIER</StorageClass></Transition>`)), ""},
		{"noncurrent transition to an AWS class", "", lifecycleDoc(rule("a", `<NoncurrentVersionTransition><NoncurrentDays>1</NoncurrentDays><StorageClass>DEEP_ARCHIVE</StorageClass></NoncurrentVersionTransition>`)), ""},
		{"transition in lower case", "", lifecycleDoc(rule("a", `<Transition><Days>1</Days><StorageClass>cold</StorageClass></Transition>`)), "InvalidStorageClass"},
		{"transition to STANDARD", "", lifecycleDoc(rule("a", `<Transition><Days>1</Days><StorageClass>STANDARD</StorageClass></Transition>`)), "InvalidStorageClass"},
		{"noncurrent transition to an unknown class", "", lifecycleDoc(rule("a", `<NoncurrentVersionTransition><NoncurrentDays>1</NoncurrentDays><StorageClass>NEARLINE</StorageClass></NoncurrentVersionTransition>`)), "InvalidStorageClass"},
		{"minimum size by class", "varies_by_storage_class", lifecycleDoc(expireTmp), ""},
		{"minimum size 128K", "all_storage_classes_128K", lifecycleDoc(expireTmp), ""},
		{"unknown minimum size", "all_storage_classes_64K", lifecycleDoc(expireTmp), "InvalidArgument"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := http.Header{}
			if c.header != "" {
				h.Set(minSizeHeader, c.header)
			}
			rec := s.putLifecycle(t, h, c.doc)
			if got := errorCode(t, rec); got != c.code || (c.code == "") != (rec.Code == http.StatusOK) {
				t.Errorf("%d %q, want %q\n%.300s", rec.Code, got, c.code, rec.Body)
			}
		})
	}
	if rec := s.putLifecycle(t, nil, lifecycleDoc(expireTmp)); rec.Code != http.StatusOK {
		t.Fatal(rec.Code)
	}
	// A refused document leaves the one stored.
	s.putLifecycle(t, nil, lifecycleDoc(rulesOf(1001)))
	if rec := s.send(t, fzNewRequest(http.MethodGet, "/bkt?lifecycle", nil, nil), false); !strings.Contains(rec.Body.String(), "<ID>tmp</ID>") {
		t.Errorf("after a refused put: %s", rec.Body)
	}
	doc := lifecycleDoc(expireTmp)
	if rec := s.send(t, fzNewRequest(http.MethodPut, "/nobkt?lifecycle", withMD5(nil, doc), []byte(doc)), false); errorCode(t, rec) != "NoSuchBucket" {
		t.Errorf("put on a missing bucket: %d %s", rec.Code, rec.Body)
	}
}

// Without tiers, no transition can be configured.
func TestPutBucketLifecycleWithoutTiers(t *testing.T) {
	s := compatServer(t, "bkt")
	doc := lifecycleDoc(`<Rule><ID>a</ID><Status>Enabled</Status><Filter/><Transition><Days>1</Days><StorageClass>COLD</StorageClass></Transition></Rule>`)
	if rec := s.putLifecycle(t, nil, doc); errorCode(t, rec) != "InvalidStorageClass" {
		t.Errorf("transition without tiers: %d %s", rec.Code, rec.Body)
	}
	if rec := s.putLifecycle(t, nil, lifecycleDoc(expireTmp)); rec.Code != http.StatusOK {
		t.Errorf("expiration without tiers: %d %s", rec.Code, rec.Body)
	}
}

func expirationOf(rec *httptest.ResponseRecorder) string { return rec.Header().Get("x-amz-expiration") }

func TestExpirationHeader(t *testing.T) {
	s := lifecycleServer(t, 0) // s.now is 2026-11-24T12:00:00Z
	s.putLifecycle(t, nil, lifecycleDoc(expireTmp+
		`<Rule><ID>tagged</ID><Status>Enabled</Status><Filter><Tag><Key>class</Key><Value>scratch</Value></Tag></Filter><Expiration><Date>2026-12-25T00:00:00Z</Date></Expiration></Rule>`+
		`<Rule><ID>off</ID><Status>Disabled</Status><Filter/><Expiration><Days>1</Days></Expiration></Rule>`))
	const tmpExpiry = `expiry-date="Thu, 26 Nov 2026 00:00:00 GMT", rule-id="tmp"`
	put := func(key string, h http.Header) *httptest.ResponseRecorder {
		return s.send(t, fzNewRequest(http.MethodPut, "/bkt/"+key, h, []byte("data")), false)
	}
	if got := expirationOf(put("tmp/a", nil)); got != tmpExpiry {
		t.Errorf("put: %q, want %q", got, tmpExpiry)
	}
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		if got := expirationOf(s.send(t, fzNewRequest(method, "/bkt/tmp/a", nil, nil), false)); got != tmpExpiry {
			t.Errorf("%s: %q, want %q", method, got, tmpExpiry)
		}
	}
	if got := expirationOf(put("keep", nil)); got != "" {
		t.Errorf("put of an object no rule expires: %q", got)
	}
	if got := expirationOf(s.send(t, fzNewRequest(http.MethodHead, "/bkt/keep", nil, nil), false)); got != "" {
		t.Errorf("head of an object no rule expires: %q", got)
	}
	const dated = `expiry-date="Fri, 25 Dec 2026 00:00:00 GMT", rule-id="tagged"`
	if got := expirationOf(put("scratch", http.Header{"X-Amz-Tagging": {"class=scratch"}})); got != dated {
		t.Errorf("put of a tagged object: %q, want %q", got, dated)
	}
	if got := expirationOf(s.send(t, fzNewRequest(http.MethodGet, "/bkt/scratch", nil, nil), false)); got != dated {
		t.Errorf("get of a tagged object: %q, want %q", got, dated)
	}
	copied := s.send(t, fzNewRequest(http.MethodPut, "/bkt/tmp/copy", http.Header{"X-Amz-Copy-Source": {"/bkt/keep"}}, nil), false)
	if got := expirationOf(copied); got != tmpExpiry {
		t.Errorf("copy: %d %q, want %q", copied.Code, got, tmpExpiry)
	}
	if got := expirationOf(s.send(t, completeUpload(t, s, "tmp/mp", "", []byte("part")), false)); got != tmpExpiry {
		t.Errorf("complete multipart upload: %q, want %q", got, tmpExpiry)
	}

	// A day later, objects written then expire a day later.
	s.now = s.now.Add(24 * time.Hour)
	if got := expirationOf(put("tmp/b", nil)); got != `expiry-date="Fri, 27 Nov 2026 00:00:00 GMT", rule-id="tmp"` {
		t.Errorf("put a day later: %q", got)
	}
	// A new configuration is read at once; without one there is none.
	s.putLifecycle(t, nil, lifecycleDoc(`<Rule><ID>all</ID><Status>Enabled</Status><Filter/><Expiration><Days>2</Days></Expiration></Rule>`))
	if got := expirationOf(s.send(t, fzNewRequest(http.MethodHead, "/bkt/keep", nil, nil), false)); got != `expiry-date="Fri, 27 Nov 2026 00:00:00 GMT", rule-id="all"` {
		t.Errorf("head after a new configuration: %q", got)
	}
	s.send(t, fzNewRequest(http.MethodDelete, "/bkt?lifecycle", nil, nil), false)
	if got := expirationOf(s.send(t, fzNewRequest(http.MethodHead, "/bkt/keep", nil, nil), false)); got != "" {
		t.Errorf("head after delete: %q", got)
	}
}

// With a short lifecycle day, the date counts in those days.
func TestExpirationHeaderShortDays(t *testing.T) {
	s := lifecycleServer(t, time.Hour)
	s.putLifecycle(t, nil, lifecycleDoc(expireTmp))
	s.now = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	if got := expirationOf(s.send(t, fzNewRequest(http.MethodPut, "/bkt/tmp/a", nil, []byte("x")), false)); got != `expiry-date="Tue, 24 Nov 2026 13:00:00 GMT", rule-id="tmp"` {
		t.Errorf("on a day boundary: %q", got)
	}
	s.now = s.now.Add(time.Nanosecond)
	if got := expirationOf(s.send(t, fzNewRequest(http.MethodPut, "/bkt/tmp/a", nil, []byte("x")), false)); got != `expiry-date="Tue, 24 Nov 2026 14:00:00 GMT", rule-id="tmp"` {
		t.Errorf("just after a day boundary: %q", got)
	}
}

// Only the current version of an object expires: a delete marker, and
// a read naming a version, have no x-amz-expiration.
func TestExpirationHeaderVersions(t *testing.T) {
	s := lifecycleServer(t, 0)
	s.send(t, fzNewRequest(http.MethodPut, "/bkt?versioning", nil, []byte(versioningOn)), false)
	s.putLifecycle(t, nil, lifecycleDoc(expireTmp))
	put := s.send(t, fzNewRequest(http.MethodPut, "/bkt/tmp/a", nil, []byte("x")), false)
	vid := put.Header().Get("x-amz-version-id")
	if expirationOf(put) == "" || vid == "" {
		t.Fatalf("put: %q %q", expirationOf(put), vid)
	}
	if got := expirationOf(s.send(t, fzNewRequest(http.MethodHead, "/bkt/tmp/a?versionId="+vid, nil, nil), false)); got != "" {
		t.Errorf("head of a version: %q", got)
	}
	if got := expirationOf(s.send(t, fzNewRequest(http.MethodDelete, "/bkt/tmp/a", nil, nil), false)); got != "" {
		t.Errorf("delete: %q", got)
	}
	if rec := s.send(t, fzNewRequest(http.MethodHead, "/bkt/tmp/a", nil, nil), false); rec.Code != http.StatusNotFound || expirationOf(rec) != "" {
		t.Errorf("head of a delete marker: %d %q", rec.Code, expirationOf(rec))
	}
}

func TestAbortDateHeaders(t *testing.T) {
	s := lifecycleServer(t, 0)
	s.putLifecycle(t, nil, lifecycleDoc(`<Rule><ID>abort</ID><Status>Enabled</Status><Filter><Prefix>up/</Prefix></Filter><AbortIncompleteMultipartUpload><DaysAfterInitiation>7</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>`))
	create := func(key string) *httptest.ResponseRecorder {
		return s.send(t, fzNewRequest(http.MethodPost, "/bkt/"+key+"?uploads", nil, nil), false)
	}
	rec := create("up/a")
	const date = "Wed, 02 Dec 2026 00:00:00 GMT"
	if rec.Header().Get("x-amz-abort-date") != date || rec.Header().Get("x-amz-abort-rule-id") != "abort" {
		t.Errorf("create: %q %q", rec.Header().Get("x-amz-abort-date"), rec.Header().Get("x-amz-abort-rule-id"))
	}
	var init struct{ UploadId string }
	decodeXML(t, rec.Body, &init)
	s.now = s.now.Add(48 * time.Hour) // the date counts from the upload's start
	rec = s.send(t, fzNewRequest(http.MethodGet, "/bkt/up/a?uploadId="+init.UploadId, nil, nil), false)
	if rec.Code != http.StatusOK || rec.Header().Get("x-amz-abort-date") != date || rec.Header().Get("x-amz-abort-rule-id") != "abort" {
		t.Errorf("list parts: %d %q %q", rec.Code, rec.Header().Get("x-amz-abort-date"), rec.Header().Get("x-amz-abort-rule-id"))
	}
	if rec := create("other"); rec.Header().Get("x-amz-abort-date") != "" || rec.Header().Get("x-amz-abort-rule-id") != "" {
		t.Errorf("create outside the rule: %q", rec.Header().Get("x-amz-abort-date"))
	}
}

// Reading a lifecycle configuration needs s3:GetLifecycleConfiguration;
// setting and removing it s3:PutLifecycleConfiguration, as in S3.
func TestBucketLifecycleActions(t *testing.T) {
	s := newAuthzServer(t)
	s.asRoot(t, "PUT", "/lcb", nil, "")
	doc := lifecycleDoc(expireTmp)
	putter := s.user(t, "putter", allowDeny(statement("Allow", `"s3:PutLifecycleConfiguration"`, `"arn:aws:s3:::lcb"`), ""))
	reader := s.user(t, "reader", allowDeny(statement("Allow", `"s3:GetLifecycleConfiguration"`, `"arn:aws:s3:::lcb"`), ""))
	if rec := s.do(reader, "PUT", "/lcb?lifecycle", withMD5(nil, doc), []byte(doc)); rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "AccessDenied") {
		t.Errorf("put without s3:PutLifecycleConfiguration: %d", rec.Code)
	}
	if rec := s.do(putter, "PUT", "/lcb?lifecycle", withMD5(nil, doc), []byte(doc)); rec.Code != http.StatusOK {
		t.Fatalf("put with s3:PutLifecycleConfiguration: %d %s", rec.Code, rec.Body)
	}
	if rec := s.do(putter, "GET", "/lcb?lifecycle", nil, nil); rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "AccessDenied") {
		t.Errorf("get without s3:GetLifecycleConfiguration: %d", rec.Code)
	}
	if rec := s.do(reader, "GET", "/lcb?lifecycle", nil, nil); rec.Code != http.StatusOK {
		t.Errorf("get with s3:GetLifecycleConfiguration: %d %s", rec.Code, rec.Body)
	}
	if rec := s.do(reader, "DELETE", "/lcb?lifecycle", nil, nil); rec.Code != http.StatusForbidden {
		t.Errorf("delete without s3:PutLifecycleConfiguration: %d", rec.Code)
	}
	if rec := s.do(putter, "DELETE", "/lcb?lifecycle", nil, nil); rec.Code != http.StatusNoContent {
		t.Errorf("delete with s3:PutLifecycleConfiguration: %d %s", rec.Code, rec.Body)
	}
}

// Reads that compile a bucket's rules race with puts that replace them:
// each read answers with the rules of one configuration or the other.
func TestExpirationHeaderConcurrent(t *testing.T) {
	s := lifecycleServer(t, 0)
	s.putLifecycle(t, nil, lifecycleDoc(expireTmp))
	s.send(t, fzNewRequest(http.MethodPut, "/bkt/tmp/a", nil, []byte("x")), false)
	serve := func(r *http.Request) *httptest.ResponseRecorder {
		sum := sha256.Sum256(nil)
		if r.Body != nil {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			sum = sha256.Sum256(body)
		}
		sigv4.SignRequest(r, s.creds, fzRegion, "s3", hex.EncodeToString(sum[:]), s.now)
		rec := httptest.NewRecorder()
		s.api.ServeHTTP(rec, r)
		return rec
	}
	docs := []string{lifecycleDoc(expireTmp), lifecycleDoc(strings.ReplaceAll(expireTmp, "<ID>tmp</ID>", "<ID>other</ID>"))}
	var wg sync.WaitGroup
	errs := make(chan string, 200)
	for i := range 4 {
		wg.Go(func() {
			for j := range 25 {
				if i == 0 {
					doc := docs[j%2]
					if rec := serve(fzNewRequest(http.MethodPut, "/bkt?lifecycle", withMD5(nil, doc), []byte(doc))); rec.Code != http.StatusOK {
						errs <- fmt.Sprintf("put: %d", rec.Code)
					}
					continue
				}
				got := expirationOf(serve(fzNewRequest(http.MethodHead, "/bkt/tmp/a", nil, nil)))
				if !strings.HasSuffix(got, `rule-id="tmp"`) && !strings.HasSuffix(got, `rule-id="other"`) {
					errs <- fmt.Sprintf("head: %q", got)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// S3 names a rule put without an ID, so that GET shows every rule with
// one; the IDs given are kept.
func TestPutBucketLifecycleNamesRules(t *testing.T) {
	s := lifecycleServer(t, 0)
	unnamed := `<Rule><Status>Enabled</Status><Prefix>test1/</Prefix><Expiration><Days>31</Days></Expiration></Rule>`
	doc := lifecycleDoc(unnamed + expireTmp + unnamed)
	if rec := s.putLifecycle(t, nil, doc); rec.Code != http.StatusOK {
		t.Fatalf("put: %d %s", rec.Code, rec.Body)
	}
	rec := s.send(t, fzNewRequest(http.MethodGet, "/bkt?lifecycle", nil, nil), false)
	var got wire.Configuration
	if err := xml.Unmarshal(rec.Body.Bytes(), &got); err != nil || len(got.Rules) != 3 {
		t.Fatalf("get: %v %s", err, rec.Body)
	}
	a, tmp, b := got.Rules[0].ID, got.Rules[1].ID, got.Rules[2].ID
	if a == "" || b == "" || a == b || tmp != "tmp" || len(a) > wire.MaxIDLength {
		t.Errorf("IDs %q %q %q", a, tmp, b)
	}
}
