package httpapi

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kurastore/kura/s3err/s3errtest"

	"github.com/kurastore/kura/internal/auth"
	"github.com/kurastore/kura/internal/kms/localkms"
	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/sigv4"
)

// The fuzzers of this file parse what clients send to the HTTP layer:
// Range and If-* headers, x-amz-copy-source, the XML request bodies, and
// browser POST forms. The unit fuzzers call the parsers; the others send
// whole requests to a server on an in-memory store, because the contract
// that matters is the server's: a request never makes it fail with a 500
// or log an internal error, and every refusal is an S3 error document.

// FuzzParseRange parses Range and x-amz-copy-source-range values. A
// range that parses is well formed and formats back to itself;
// copySourceRange refuses with an S3 error only, and what it accepts
// Range reads the same way.
func FuzzParseRange(f *testing.F) {
	for _, v := range []string{
		"bytes=0-9", "bytes=5-", "bytes=-7", "bytes=9-5", "bytes=0-1,4-5", "items=0-1", "bytes=a-b", "bytes=-",
		"", "bytes= 3-4", "bytes=0-0", "bytes=-0", "bytes=9223372036854775807-", "bytes=0-9223372036854775808",
		"bytes=+1-+2", "bytes=-+3", "bytes=01-002", "BYTES=0-1", "bytes=0-1 ",
	} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		defer s3errtest.Watchdog()()
		r := parseRange(v)
		if r != nil {
			var again *object.Range
			switch {
			case r.Suffix:
				if r.Length < 0 || r.Start != 0 || r.End != 0 {
					t.Fatalf("parseRange(%q) = %+v", v, r)
				}
				again = parseRange("bytes=-" + strconv.FormatInt(r.Length, 10))
			case r.Start < 0 || r.End < -1 || r.End >= 0 && r.End < r.Start || r.Length != 0:
				t.Fatalf("parseRange(%q) = %+v", v, r)
			case r.End == -1:
				again = parseRange("bytes=" + strconv.FormatInt(r.Start, 10) + "-")
			default:
				again = parseRange("bytes=" + strconv.FormatInt(r.Start, 10) + "-" + strconv.FormatInt(r.End, 10))
			}
			if again == nil || *again != *r {
				t.Fatalf("parseRange(%q) = %+v, formatted and parsed again %+v", v, r, again)
			}
		}
		cr, err := copySourceRange(v)
		s3errtest.RequireS3(t, "copySourceRange", err)
		switch {
		case err != nil:
			if !errors.Is(err, s3err.ErrInvalidArgument) || cr != nil {
				t.Fatalf("copySourceRange(%q) = %+v, %v", v, cr, err)
			}
		case v == "":
			if cr != nil {
				t.Fatalf("copySourceRange of nothing = %+v", cr)
			}
		case cr == nil || cr.Suffix || cr.Start < 0 || cr.End < cr.Start:
			t.Fatalf("copySourceRange(%q) = %+v", v, cr)
		case r == nil || *r != *cr:
			t.Fatalf("x-amz-copy-source-range %q is %+v, as a Range %+v", v, cr, r)
		}
	})
}

// FuzzCopySource parses x-amz-copy-source and its preconditions. A
// refusal is InvalidCopySource; what parses names a bucket and a key, and
// the source written back as clients write it parses the same.
func FuzzCopySource(f *testing.F) {
	for _, v := range []string{
		"/bucket/key", "bucket/key", "bucket/a%20b/c%2Bd?versionId=3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY", "/bucket/%E2%82%AC",
		"bucket", "/bucket/", "//key", "bucket/k%ZZ", "bucket/k?versionId=%zz", "bucket/k?versionId=a&versionId=b", "bucket/k?x;y",
		"bucket/k%3FversionId%3Dx", "/",
	} {
		f.Add(v, `"etag"`, "", "Tue, 24 Nov 2026 12:00:00 GMT", "")
	}
	f.Add("b/k", "", `W/"x", *`, "", "Monday, 02-Jan-06 15:04:05 MST")
	f.Add("b/k", "", "", "Mon Jan  2 15:04:05 2006", "not a date")
	f.Fuzz(func(t *testing.T, source, ifMatch, ifNoneMatch, ifModified, ifUnmodified string) {
		defer s3errtest.Watchdog()()
		h := http.Header{}
		h.Set("x-amz-copy-source", source)
		h.Set("x-amz-copy-source-if-match", ifMatch)
		h.Set("x-amz-copy-source-if-none-match", ifNoneMatch)
		h.Set("x-amz-copy-source-if-modified-since", ifModified)
		h.Set("x-amz-copy-source-if-unmodified-since", ifUnmodified)
		src, err := copySource(h)
		s3errtest.RequireS3(t, "copySource", err)
		if err != nil {
			if !errors.Is(err, s3err.ErrInvalidCopySource) {
				t.Fatalf("copySource(%q): %v", source, err)
			}
			return
		}
		if src.Bucket == "" || src.Key == "" || src.Cond.IfMatch != ifMatch || src.Cond.IfNoneMatch != ifNoneMatch {
			t.Fatalf("copySource(%q) = %+v", source, src)
		}
		for _, c := range []struct {
			v string
			t time.Time
		}{{ifModified, src.Cond.IfModifiedSince}, {ifUnmodified, src.Cond.IfUnmodifiedSince}} {
			if want, err := http.ParseTime(c.v); err == nil && !want.Equal(c.t) || err != nil && !c.t.IsZero() {
				t.Fatalf("date %q read as %v", c.v, c.t)
			}
		}
		again := "/" + url.PathEscape(src.Bucket) + "/" + sigv4.URIEncode(src.Key, true)
		if src.VersionID != "" {
			again += "?versionId=" + url.QueryEscape(src.VersionID)
		}
		h.Set("x-amz-copy-source", again)
		src2, err := copySource(h)
		if err != nil || src2.Bucket != src.Bucket || src2.Key != src.Key || src2.VersionID != src.VersionID {
			t.Fatalf("copy source %q is %+v; written as %q it is %+v (%v)", source, src, again, src2, err)
		}
	})
}

// fzLog collects the warnings and errors a server logs: a fuzz input
// that makes it log one has found an internal error.
type fzLog struct {
	mu      sync.Mutex
	records []string
}

func (l *fzLog) Enabled(_ context.Context, level slog.Level) bool { return level >= slog.LevelWarn }

func (l *fzLog) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Level.String() + " " + r.Message)
	r.Attrs(func(a slog.Attr) bool {
		b.WriteString(" " + a.String())
		return true
	})
	l.mu.Lock()
	l.records = append(l.records, b.String())
	l.mu.Unlock()
	return nil
}

func (l *fzLog) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *fzLog) WithGroup(string) slog.Handler      { return l }

func (l *fzLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.records
	l.records = nil
	return r
}

// fzServer is a kura server on an in-memory metadata store, with a
// fixed clock.
type fzServer struct {
	api   *Server
	layer *object.Layer
	creds sigv4.Credentials
	now   time.Time
	log   *fzLog
}

const fzRegion = "us-east-1"

func newFzServer(f testing.TB) *fzServer {
	f.Helper()
	m, blobs := memStores(f)
	keys, err := localkms.New(m, localkms.NewSecret("fuzz"))
	if err != nil {
		f.Fatal(err)
	}
	s := &fzServer{
		creds: sigv4.Credentials{AccessKey: "FUZZACCESSKEY", SecretKey: "fuzz-secret-key-0123456789"},
		now:   time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC),
		log:   &fzLog{},
	}
	clock := func() time.Time { return s.now }
	log := slog.New(s.log)
	s.layer = object.New(m, blobs, object.Options{Region: fzRegion, Now: clock, Logger: log, KMS: keys, MinPartSize: 1})
	s.api = New(Config{
		Objects: s.layer, Region: fzRegion, Logger: log, Now: clock, KMS: keys,
		Credentials: auth.NewStatic(auth.Credentials{AccessKey: s.creds.AccessKey, SecretKey: s.creds.SecretKey}).Secret,
	})
	return s
}

// must returns v, or ends a fuzzer's setup, which cannot go on without
// it.
func must[T any](v T, err error) T {
	if err != nil {
		panic(fmt.Sprintf("fuzz setup: %v", err))
	}
	return v
}

func (s *fzServer) bucket(f *testing.F, name string, lock bool) {
	f.Helper()
	if err := s.layer.CreateBucket(context.Background(), name, object.CreateBucketOptions{ObjectLock: lock}); err != nil {
		f.Fatal(err)
	}
}

func (s *fzServer) put(f *testing.F, bucket, key string, data []byte) object.ObjectInfo {
	f.Helper()
	return must(s.layer.PutObject(context.Background(), bucket, key, bytes.NewReader(data), object.PutOptions{Size: int64(len(data))}))
}

// send serves r, signed by the root user unless anonymous, and checks
// the server's contract on the response: no 5xx but 501, nothing logged,
// and an error status comes with an S3 error document.
func (s *fzServer) send(t *testing.T, r *http.Request, anonymous bool) *httptest.ResponseRecorder {
	t.Helper()
	if !anonymous {
		var body []byte
		if r.Body != nil {
			body, _ = io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		sum := sha256.Sum256(body)
		sigv4.SignRequest(r, s.creds, fzRegion, "s3", hex.EncodeToString(sum[:]), s.now)
	}
	s.log.take()
	rec := httptest.NewRecorder()
	s.api.ServeHTTP(rec, r)
	if logged := s.log.take(); len(logged) > 0 {
		t.Fatalf("%s %s: the server logged\n%s", r.Method, r.URL, strings.Join(logged, "\n"))
	}
	if rec.Code >= 500 && rec.Code != http.StatusNotImplemented {
		t.Fatalf("%s %s: status %d\n%s", r.Method, r.URL, rec.Code, rec.Body)
	}
	if rec.Code >= 400 && r.Method != http.MethodHead {
		var doc s3err.Response
		if err := xml.Unmarshal(rec.Body.Bytes(), &doc); err != nil || doc.Code == "" {
			t.Fatalf("%s %s: status %d without an S3 error document (%v)\n%s", r.Method, r.URL, rec.Code, err, rec.Body)
		}
	}
	return rec
}

// fzNewRequest is a request to target (path and query, encoded).
func fzNewRequest(method, target string, h http.Header, body []byte) *http.Request {
	r := httptest.NewRequest(method, "http://127.0.0.1:9000"+target, bytes.NewReader(body))
	for k, v := range h {
		r.Header[k] = v
	}
	return r
}

// fzObject is an object FuzzConditionalGet reads.
type fzObject struct {
	key  string
	data []byte
	etag string
}

// FuzzConditionalGet sends GET and HEAD with arbitrary Range, If-Match,
// If-None-Match, If-Modified-Since, If-Unmodified-Since and partNumber
// to objects of 0, 1, 100 bytes and one of three parts. Besides the
// server's contract: GET and HEAD agree; a 206 serves exactly the bytes
// its Content-Range names, which are those the Range header asks for;
// 200 serves the object, and only when Range does not parse; 416, 412
// and 304 come only from the header that can cause them; an ETag that
// matches is honored by If-Match and If-None-Match.
func FuzzConditionalGet(f *testing.F) {
	s := newFzServer(f)
	s.bucket(f, "fuzz", false)
	var objs []fzObject
	for _, n := range []int{0, 1, 100} {
		data := bytes.Repeat([]byte("0123456789"), 10)[:n]
		key := "o" + strconv.Itoa(n)
		objs = append(objs, fzObject{key: key, data: data, etag: s.put(f, "fuzz", key, data).ETag})
	}
	ctx := context.Background()
	id := must(s.layer.CreateMultipartUpload(ctx, "fuzz", "multi", object.UploadOptions{}))
	var parts []object.CompletePart
	var whole []byte
	for i, p := range []string{"abc", "defgh", "ij"} {
		info := must(s.layer.UploadPart(ctx, "fuzz", "multi", id, i+1, strings.NewReader(p), object.PartOptions{Size: int64(len(p))}))
		parts = append(parts, object.CompletePart{Number: i + 1, ETag: info.ETag})
		whole = append(whole, p...)
	}
	info := must(s.layer.CompleteMultipartUpload(ctx, "fuzz", "multi", id, parts, object.CompleteOptions{}))
	objs = append(objs, fzObject{key: "multi", data: whole, etag: info.ETag})

	date := s.now.Format(http.TimeFormat)
	before := s.now.Add(-time.Hour).Format(http.TimeFormat)
	for i, o := range objs {
		sel := uint8(i)
		quoted := `"` + o.etag + `"`
		f.Add(sel, "bytes=0-4", "", "", "", "", "")
		f.Add(sel, "bytes=-3", quoted, "", "", "", "")
		f.Add(sel, "bytes=2-", "", quoted, "", "", "")
		f.Add(sel, "", `"other", `+quoted, "", "", before, "")
		f.Add(sel, "", "", `W/`+quoted, date, "", "")
		f.Add(sel, "bytes=50-60", "", "", "", date, "")
		f.Add(sel, "", "*", "*", before, date, "2")
	}
	f.Add(uint8(3), "bytes=0-1", "", "", "", "", "1")
	f.Add(uint8(3), "", "", "", "", "", "0")
	f.Add(uint8(3), "", "", "", "", "", "10001")
	f.Add(uint8(0), "bytes=0-", "", "", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994", "")
	f.Fuzz(func(t *testing.T, sel uint8, rangeHdr, ifMatch, ifNoneMatch, ifModified, ifUnmodified, partNumber string) {
		defer s3errtest.Watchdog()()
		o := objs[int(sel)%len(objs)]
		h := http.Header{}
		for name, v := range map[string]string{
			"Range": rangeHdr, "If-Match": ifMatch, "If-None-Match": ifNoneMatch,
			"If-Modified-Since": ifModified, "If-Unmodified-Since": ifUnmodified,
		} {
			if v != "" {
				h.Set(name, v)
			}
		}
		target := "/fuzz/" + o.key
		if partNumber != "" {
			target += "?partNumber=" + url.QueryEscape(partNumber)
		}
		get := s.send(t, fzNewRequest("GET", target, h, nil), false)
		head := s.send(t, fzNewRequest("HEAD", target, h, nil), false)
		if get.Code != head.Code {
			t.Fatalf("GET %d, HEAD %d", get.Code, head.Code)
		}
		for _, name := range []string{"Content-Length", "Content-Range", "ETag"} {
			if g, hv := get.Header().Get(name), head.Header().Get(name); g != hv && get.Code < 400 {
				t.Fatalf("%s: GET %q, HEAD %q", name, g, hv)
			}
		}
		size := int64(len(o.data))
		rng := parseRange(rangeHdr)
		quoted := `"` + o.etag + `"`
		body := get.Body.Bytes()
		switch get.Code {
		case http.StatusOK:
			if !bytes.Equal(body, o.data) || get.Header().Get("Content-Length") != strconv.FormatInt(size, 10) {
				t.Fatalf("200 with %d bytes, Content-Length %s, of %d", len(body), get.Header().Get("Content-Length"), size)
			}
			if rng != nil && partNumber == "" {
				t.Fatalf("Range %q (%+v) parses, yet the whole object is served", rangeHdr, rng)
			}
		case http.StatusPartialContent:
			var first, last, total int64
			cr := get.Header().Get("Content-Range")
			if _, err := fmt.Sscanf(cr, "bytes %d-%d/%d", &first, &last, &total); err != nil ||
				total != size || first < 0 || first > last || last >= size {
				t.Fatalf("Content-Range %q for %d bytes (%v)", cr, size, err)
			}
			if !bytes.Equal(body, o.data[first:last+1]) || get.Header().Get("Content-Length") != strconv.Itoa(len(body)) {
				t.Fatalf("Content-Range %q served %q", cr, body)
			}
			if partNumber != "" {
				break
			}
			if rng == nil {
				t.Fatalf("206 for Range %q, which does not parse", rangeHdr)
			}
			wantFirst, wantLast := rng.Start, rng.End
			if rng.Suffix {
				wantFirst, wantLast = size-min(rng.Length, size), size-1
			} else if wantLast < 0 || wantLast >= size {
				wantLast = size - 1
			}
			if first != wantFirst || last != wantLast {
				t.Fatalf("Range %q of %d bytes served %d-%d", rangeHdr, size, first, last)
			}
		case http.StatusRequestedRangeNotSatisfiable:
			if partNumber == "" && (rng == nil || (rng.Suffix && rng.Length > 0 && size > 0) || (!rng.Suffix && rng.Start < size)) {
				t.Fatalf("416 for Range %q of %d bytes", rangeHdr, size)
			}
		case http.StatusPreconditionFailed:
			if ifMatch == "" && parseHTTPTime(ifUnmodified).IsZero() || ifMatch == quoted || ifMatch == "*" {
				t.Fatalf("412 for If-Match %q, If-Unmodified-Since %q (ETag %s)", ifMatch, ifUnmodified, quoted)
			}
		case http.StatusNotModified:
			if ifNoneMatch == "" && parseHTTPTime(ifModified).IsZero() {
				t.Fatalf("304 without If-None-Match or If-Modified-Since")
			}
			if len(body) != 0 || get.Header().Get("ETag") != quoted {
				t.Fatalf("304 with ETag %q and %d bytes", get.Header().Get("ETag"), len(body))
			}
		}
		if ifNoneMatch == quoted && (ifMatch == "" || ifMatch == quoted) && partNumber == "" && get.Code != http.StatusNotModified {
			t.Fatalf("If-None-Match %s of the object: status %d", ifNoneMatch, get.Code)
		}
	})
}

// fzDocRoutes are the requests whose bodies FuzzRequestDocuments sends:
// the S3 operation, its method and target, and where to read the
// document back (empty for none).
var fzDocRoutes = []struct{ name, method, target, get string }{
	{"CreateBucket", "PUT", "/fz-new", ""},
	{"PutBucketAcl", "PUT", "/fuzz?acl", "/fuzz?acl"},
	{"PutObjectAcl", "PUT", "/fuzz/k?acl", "/fuzz/k?acl"},
	{"DeleteObjects", "POST", "/fz-del?delete", ""},
	{"CompleteMultipartUpload", "POST", "/fuzz/mpu?uploadId=", ""},
	{"PutObjectRetention", "PUT", "/fzlock/k?retention", "/fzlock/k?retention"},
	{"PutObjectLegalHold", "PUT", "/fzlock/k?legal-hold", "/fzlock/k?legal-hold"},
	{"PutObjectLockConfiguration", "PUT", "/fzlock?object-lock", "/fzlock?object-lock"},
	{"PutBucketTagging", "PUT", "/fuzz?tagging", "/fuzz?tagging"},
	{"PutObjectTagging", "PUT", "/fuzz/k?tagging", "/fuzz/k?tagging"},
	{"PutBucketCors", "PUT", "/fuzz?cors", "/fuzz?cors"},
	{"PutBucketEncryption", "PUT", "/fuzz?encryption", "/fuzz?encryption"},
	{"PutBucketNotificationConfiguration", "PUT", "/fuzz?notification", "/fuzz?notification"},
	{"PutBucketVersioning", "PUT", "/fz-ver?versioning", "/fz-ver?versioning"},
	{"PutBucketPolicy", "PUT", "/fuzz?policy", "/fuzz?policy"},
}

// The parts of the upload that FuzzRequestDocuments completes.
var fzParts = []string{"part one", "part two"}

func fzETag(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// FuzzRequestDocuments sends arbitrary bodies to every operation that
// reads an XML (or, for the bucket policy, JSON) document: CreateBucket,
// the ACLs, DeleteObjects, CompleteMultipartUpload (of a fresh upload),
// object lock retention, legal hold and configuration, tagging, CORS,
// encryption, notification, versioning and policy. Besides the server's
// contract: a document the server accepted and serves back is accepted
// again as it is served.
func FuzzRequestDocuments(f *testing.F) {
	s := newFzServer(f)
	s.bucket(f, "fuzz", false)
	s.bucket(f, "fz-del", false)
	s.bucket(f, "fz-ver", false)
	s.bucket(f, "fzlock", true)
	s.put(f, "fuzz", "k", []byte("object"))
	s.put(f, "fzlock", "k", []byte("locked"))
	for _, k := range []string{"a", "b/c", "d"} {
		s.put(f, "fz-del", k, []byte(k))
	}
	route := func(name string) uint8 {
		for i, r := range fzDocRoutes {
			if r.name == name {
				return uint8(i)
			}
		}
		panic(name)
	}
	for _, seed := range []struct{ op, doc string }{
		{"CreateBucket", `<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>us-east-1</LocationConstraint></CreateBucketConfiguration>`},
		{"CreateBucket", `<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>`},
		{"CreateBucket", ``},
		{"PutBucketAcl", `<AccessControlPolicy><Owner><ID>` + ownerID(fzRegion) + `</ID></Owner><AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>` + ownerID(fzRegion) + `</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant></AccessControlList></AccessControlPolicy>`},
		{"PutObjectAcl", ``},
		{"PutObjectAcl", `<AccessControlPolicy><AccessControlList><Grant><Grantee><URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>`},
		{"DeleteObjects", `<Delete><Quiet>false</Quiet><Object><Key>a</Key></Object><Object><Key>b/c</Key><VersionId>null</VersionId></Object><Object><Key>missing</Key></Object></Delete>`},
		{"DeleteObjects", `<Delete><Quiet>true</Quiet><Object><Key></Key></Object><Object><Key>../x</Key></Object></Delete>`},
		{"DeleteObjects", `<Delete></Delete>`},
		{"CompleteMultipartUpload", `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"` + fzETag(fzParts[0]) + `"</ETag></Part><Part><PartNumber>2</PartNumber><ETag>` + fzETag(fzParts[1]) + `</ETag></Part></CompleteMultipartUpload>`},
		{"CompleteMultipartUpload", `<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>"` + fzETag(fzParts[1]) + `"</ETag></Part><Part><PartNumber>1</PartNumber><ETag>"x"</ETag></Part></CompleteMultipartUpload>`},
		{"CompleteMultipartUpload", `<CompleteMultipartUpload><Part><PartNumber>-1</PartNumber><ETag>""</ETag><ChecksumCRC32>AAAAAA==</ChecksumCRC32></Part></CompleteMultipartUpload>`},
		{"PutObjectRetention", `<Retention><Mode>GOVERNANCE</Mode><RetainUntilDate>2026-12-01T00:00:00Z</RetainUntilDate></Retention>`},
		{"PutObjectRetention", `<Retention><Mode>COMPLIANCE</Mode><RetainUntilDate>2020-01-01T00:00:00Z</RetainUntilDate></Retention>`},
		{"PutObjectLegalHold", `<LegalHold><Status>ON</Status></LegalHold>`},
		{"PutObjectLegalHold", `<LegalHold><Status>OFF</Status></LegalHold>`},
		{"PutObjectLockConfiguration", `<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>1</Days></DefaultRetention></Rule></ObjectLockConfiguration>`},
		{"PutBucketTagging", `<Tagging><TagSet><Tag><Key>team</Key><Value>storage</Value></Tag></TagSet></Tagging>`},
		{"PutObjectTagging", `<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet><Tag><Key>a b</Key><Value>+-=._:/@</Value></Tag></TagSet></Tagging>`},
		{"PutBucketCors", `<CORSConfiguration><CORSRule><AllowedOrigin>https://*.example.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>300</MaxAgeSeconds></CORSRule></CORSConfiguration>`},
		{"PutBucketEncryption", `<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>`},
		{"PutBucketEncryption", `<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>missing</KMSMasterKeyID></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>`},
		{"PutBucketNotificationConfiguration", `<NotificationConfiguration><QueueConfiguration><Queue>arn:minio:sqs::1:webhook</Queue><Event>s3:ObjectCreated:*</Event></QueueConfiguration></NotificationConfiguration>`},
		{"PutBucketNotificationConfiguration", `<NotificationConfiguration/>`},
		{"PutBucketVersioning", `<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>`},
		{"PutBucketVersioning", `<VersioningConfiguration><Status>Suspended</Status><ExcludedPrefixes><Prefix>tmp/</Prefix></ExcludedPrefixes></VersioningConfiguration>`},
		{"PutBucketPolicy", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::fuzz/*"}]}`},
		{"PutBucketPolicy", `{"Statement":[{"Effect":"Deny","Principal":{"AWS":["*"]},"Action":["s3:*"],"Resource":["arn:aws:s3:::fuzz","arn:aws:s3:::fuzz/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`},
		{"PutBucketPolicy", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::other/*"}]}`},
	} {
		f.Add(route(seed.op), []byte(seed.doc), "")
	}
	f.Add(route("PutBucketTagging"), []byte(`<Tagging><TagSet/></Tagging>`), "1B2M2Y8AsgTpgAEzmRxsCg==")
	f.Add(route("PutObjectLegalHold"), []byte(`<LegalHold><Status>ON</Status></LegalHold>`), "not base64")
	f.Add(route("DeleteObjects"), []byte(`<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE d [<!ENTITY a "aaaa">]><Delete><Object><Key>&a;</Key></Object></Delete>`), "")
	f.Fuzz(func(t *testing.T, routeIndex uint8, doc []byte, contentMD5 string) {
		defer s3errtest.Watchdog()()
		rt := fzDocRoutes[int(routeIndex)%len(fzDocRoutes)]
		ctx := context.Background()
		target := rt.target
		if rt.name == "CompleteMultipartUpload" {
			id, err := s.layer.CreateMultipartUpload(ctx, "fuzz", "mpu", object.UploadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.layer.AbortMultipartUpload(ctx, "fuzz", "mpu", id)
			for i, p := range fzParts {
				if _, err := s.layer.UploadPart(ctx, "fuzz", "mpu", id, i+1, strings.NewReader(p), object.PartOptions{Size: int64(len(p))}); err != nil {
					t.Fatal(err)
				}
			}
			target += url.QueryEscape(id)
		}
		if rt.name == "CreateBucket" {
			defer s.layer.DeleteBucket(ctx, "fz-new")
		}
		h := http.Header{}
		if contentMD5 == "" {
			sum := md5.Sum(doc)
			contentMD5 = base64.StdEncoding.EncodeToString(sum[:])
		}
		h.Set("Content-MD5", contentMD5)
		rec := s.send(t, fzNewRequest(rt.method, target, h, doc), false)
		if rec.Code >= 300 || rt.get == "" {
			return
		}
		got := s.send(t, fzNewRequest("GET", rt.get, nil, nil), false)
		if got.Code != http.StatusOK {
			return
		}
		served := got.Body.Bytes()
		sum := md5.Sum(served)
		h.Set("Content-MD5", base64.StdEncoding.EncodeToString(sum[:]))
		if again := s.send(t, fzNewRequest(rt.method, target, h, served), false); again.Code >= 300 {
			t.Fatalf("%s accepted\n%s\nbut not what GET serves back:\n%s\n%d %s", rt.name, doc, served, again.Code, again.Body)
		}
	})
}

// fzPostSign fills in the fields that sign a browser POST form's policy.
func (s *fzServer) fzPostSign(w *multipart.Writer, policyJSON string) {
	s.postSignFor(w, policyJSON, fzRegion)
}

// postSignFor is fzPostSign for a region.
func (s *fzServer) postSignFor(w *multipart.Writer, policyJSON, region string) {
	date := s.now.Format("20060102")
	encoded := base64.StdEncoding.EncodeToString([]byte(policyJSON))
	m := hmac.New(sha256.New, sigv4.SigningKey(s.creds.SecretKey, date, region, "s3"))
	m.Write([]byte(encoded))
	for _, kv := range [][2]string{
		{"policy", encoded},
		{"x-amz-algorithm", "AWS4-HMAC-SHA256"},
		{"x-amz-credential", s.creds.AccessKey + "/" + date + "/" + region + "/s3/aws4_request"},
		{"x-amz-date", s.now.Format("20060102T150405Z")},
		{"x-amz-signature", hex.EncodeToString(m.Sum(nil))},
	} {
		w.WriteField(kv[0], kv[1])
	}
}

// FuzzPostObject sends browser POST uploads: arbitrary form fields (lines
// of "name=value"), a policy signed with the right key, a file of any
// name and content, and a body that may be cut short anywhere. Besides
// the server's contract: an upload that succeeds stored exactly the file
// it was sent, under the key the form names.
func FuzzPostObject(f *testing.F) {
	s := newFzServer(f)
	s.bucket(f, "fz-post", false)
	open := `{"expiration":"2026-12-01T00:00:00Z","conditions":[{"bucket":"fz-post"},["starts-with","$key",""],["starts-with","$Content-Type",""],["starts-with","$x-amz-meta-note",""],["starts-with","$success_action_status",""],["starts-with","$success_action_redirect",""],["starts-with","$tagging",""],["starts-with","$acl",""],["starts-with","$x-amz-algorithm",""],["starts-with","$x-amz-credential",""],["starts-with","$x-amz-date",""]]}`
	f.Add("key=uploads/${filename}\nContent-Type=text/plain", open, "C:\\docs\\notes.txt", []byte("hello"), uint16(0))
	f.Add("key=k\nsuccess_action_status=201\nx-amz-meta-note=n", open, "", []byte("created"), uint16(0))
	f.Add("key=k\nsuccess_action_redirect=https://example.com/done?x=1", open, "f", []byte("redirect"), uint16(0))
	f.Add("key=k\ntagging=<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>", open, "", []byte("tagged"), uint16(0))
	f.Add("key=k\nacl=public-read", open, "", []byte("x"), uint16(0))
	f.Add("key=k", `{"expiration":"2026-12-01T00:00:00Z","conditions":[["eq","$key","k"],["content-length-range",1,3],{"x-amz-algorithm":"AWS4-HMAC-SHA256"},["starts-with","$x-amz-credential",""],["starts-with","$x-amz-date",""]]}`, "", []byte("too long"), uint16(0))
	f.Add("key=k", `{"expiration":"2020-01-01T00:00:00Z","conditions":[]}`, "", []byte("expired"), uint16(0))
	f.Add("key=k", open, "", bytes.Repeat([]byte("truncated "), 20), uint16(1400))
	f.Add("key=k\nKEY=k", open, "", []byte("duplicate"), uint16(0))
	f.Add("file=early", open, "", []byte("x"), uint16(0))
	f.Add("key=k", open, "", []byte("x"), uint16(40))
	f.Fuzz(func(t *testing.T, fields, policyJSON, filename string, file []byte, cut uint16) {
		defer s3errtest.Watchdog()()
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		if err := w.SetBoundary("fzboundary"); err != nil {
			t.Fatal(err)
		}
		for line := range strings.SplitSeq(fields, "\n") {
			if name, value, ok := strings.Cut(line, "="); ok {
				w.WriteField(name, value)
			}
		}
		s.fzPostSign(w, policyJSON)
		fw, err := w.CreateFormFile("file", filename)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(file)
		w.Close()
		body := buf.Bytes()
		if cut > 0 && int(cut) < len(body) {
			body = body[:cut]
		}
		r := fzNewRequest("POST", "/fz-post", http.Header{"Content-Type": {w.FormDataContentType()}}, body)
		rec := s.send(t, r, true)
		if rec.Code >= 400 {
			return
		}
		loc := rec.Header().Get("Location")
		var key string
		if rec.Code == http.StatusSeeOther {
			u, err := url.Parse(loc)
			if err != nil {
				t.Fatalf("redirect to %q: %v", loc, err)
			}
			key = u.Query().Get("key")
		} else {
			u, err := url.Parse(loc)
			var ok bool
			if err == nil {
				key, ok = strings.CutPrefix(u.Path, "/fz-post/")
			}
			if !ok || u.Scheme != "http" || u.Host != r.Host {
				t.Fatalf("status %d, Location %q", rec.Code, loc)
			}
		}
		obj, err := s.layer.GetObject(context.Background(), "fz-post", key, object.GetOptions{})
		if err != nil {
			t.Fatalf("status %d for key %q, which cannot be read: %v", rec.Code, key, err)
		}
		defer obj.Body.Close()
		stored, err := io.ReadAll(obj.Body)
		if err != nil || !bytes.Equal(stored, file) {
			t.Fatalf("status %d (body cut at %d of %d): %q stored %d bytes of a %d-byte file (%v)", rec.Code, cut, buf.Len(), key, len(stored), len(file), err)
		}
	})
}
