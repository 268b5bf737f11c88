package httpapi

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/tls"
	"encoding/base64"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kurastore/kura/internal/object"
)

// completeUpload uploads data as the one part of a new upload of
// bkt/key and returns the CompleteMultipartUpload request for it, sent
// to host.
func completeUpload(t *testing.T, s *fzServer, key, host string, data []byte) *http.Request {
	t.Helper()
	ctx := context.Background()
	id, err := s.layer.CreateMultipartUpload(ctx, "bkt", key, object.UploadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.layer.UploadPart(ctx, "bkt", key, id, 1, bytes.NewReader(data), object.PartOptions{Size: int64(len(data))})
	if err != nil {
		t.Fatal(err)
	}
	body := "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"" + p.ETag + "\"</ETag></Part></CompleteMultipartUpload>"
	target := (&url.URL{Path: "/bkt/" + key}).EscapedPath()
	if host != "" {
		target = (&url.URL{Path: "/" + key}).EscapedPath()
	}
	r := fzNewRequest(http.MethodPost, target+"?uploadId="+id, nil, []byte(body))
	if host != "" {
		r.Host = host
	}
	return r
}

// CompleteMultipartUpload's Location is the object's absolute URL, as on
// AWS, on the host the request came to: path-style or virtual-host style
// as the request was, https when the connection was TLS, and with the key
// percent-encoded.
func TestCompleteMultipartUploadLocation(t *testing.T) {
	s := compatServer(t, "bkt")
	s.api.domain = "s3.example.test"
	for _, c := range []struct {
		name, key, host string
		tls             bool
		want            string
	}{
		{"path-style", "dir/a b", "", false, "http://127.0.0.1:9000/bkt/dir/a%20b"},
		{"path-style over TLS", "k", "", true, "https://127.0.0.1:9000/bkt/k"},
		{"virtual-host style", "dir/k", "bkt.s3.example.test:9000", false, "http://bkt.s3.example.test:9000/dir/k"},
	} {
		r := completeUpload(t, s, c.key, c.host, []byte("data"))
		if c.tls {
			r.TLS = &tls.ConnectionState{}
		}
		rec := s.send(t, r, false)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", c.name, rec.Code, rec.Body)
		}
		var res completeResult
		decodeXML(t, rec.Body, &res)
		if res.Location != c.want {
			t.Errorf("%s: Location %q, want %q", c.name, res.Location, c.want)
		}
	}
}

// GET and HEAD ?partNumber of an object written by one PUT: it is its
// own part 1, answered as AWS does with 206 and a Content-Range naming
// the whole object, and no x-amz-mp-parts-count; part 2 (one past the
// last) is InvalidPartNumber; 0, 10001 and a non-number are
// InvalidArgument, 10000 (the largest part number) InvalidPartNumber.
// A multipart object answers its last part and refuses the one after.
func TestSinglePartObjectPartNumber(t *testing.T) {
	s := compatServer(t, "bkt")
	data := []byte("0123456789")
	if _, err := s.layer.PutObject(context.Background(), "bkt", "k", bytes.NewReader(data), object.PutOptions{Size: int64(len(data))}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.layer.PutObject(context.Background(), "bkt", "empty", bytes.NewReader(nil), object.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	uploadSHA256Parts(t, s, "mp", []byte("abc"), []byte("defgh"))
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		for _, c := range []struct {
			target, code string
			status       int
			contentRange string
			body, parts  string
		}{
			{"/bkt/k?partNumber=1", "", http.StatusPartialContent, "bytes 0-9/10", "0123456789", ""},
			{"/bkt/k?partNumber=2", "InvalidPartNumber", http.StatusRequestedRangeNotSatisfiable, "", "", ""},
			{"/bkt/k?partNumber=10000", "InvalidPartNumber", http.StatusRequestedRangeNotSatisfiable, "", "", ""},
			{"/bkt/k?partNumber=10001", "InvalidArgument", http.StatusBadRequest, "", "", ""},
			{"/bkt/k?partNumber=0", "InvalidArgument", http.StatusBadRequest, "", "", ""},
			{"/bkt/k?partNumber=one", "InvalidArgument", http.StatusBadRequest, "", "", ""},
			{"/bkt/empty?partNumber=1", "", http.StatusOK, "", "", ""},
			{"/bkt/mp?partNumber=2", "", http.StatusPartialContent, "bytes 3-7/8", "defgh", "2"},
			{"/bkt/mp?partNumber=3", "InvalidPartNumber", http.StatusRequestedRangeNotSatisfiable, "", "", ""},
		} {
			rec := s.send(t, fzNewRequest(method, c.target, nil, nil), false)
			if rec.Code != c.status {
				t.Errorf("%s %s: %d, want %d\n%s", method, c.target, rec.Code, c.status, rec.Body)
				continue
			}
			if c.code != "" {
				if method == http.MethodGet && !bytes.Contains(rec.Body.Bytes(), []byte("<Code>"+c.code+"</Code>")) {
					t.Errorf("%s %s: %s, want code %s", method, c.target, rec.Body, c.code)
				}
				continue
			}
			if got := rec.Header().Get("Content-Range"); got != c.contentRange {
				t.Errorf("%s %s: Content-Range %q, want %q", method, c.target, got, c.contentRange)
			}
			if got := rec.Header().Get("x-amz-mp-parts-count"); got != c.parts {
				t.Errorf("%s %s: x-amz-mp-parts-count %q, want %q", method, c.target, got, c.parts)
			}
			if method == http.MethodGet && rec.Body.String() != c.body {
				t.Errorf("%s %s: body %q, want %q", method, c.target, rec.Body, c.body)
			}
		}
	}
	// With checksum mode, part 1 of a whole object carries the object's
	// checksum: it is the same data.
	rec := s.send(t, fzNewRequest(http.MethodHead, "/bkt/k?partNumber=1", http.Header{"X-Amz-Checksum-Mode": {"ENABLED"}}, nil), false)
	if rec.Header().Get("x-amz-checksum-crc64nvme") == "" {
		t.Errorf("part 1 with checksum mode: no checksum in %v", rec.Header())
	}
}

// CreateMultipartUpload with object lock headers in a bucket without
// object lock is InvalidRequest, as PutObject is, before any part.
func TestCreateMultipartUploadLockHeadersWithoutObjectLock(t *testing.T) {
	s := compatServer(t, "bkt")
	until := s.now.Add(time.Hour).UTC().Format(time.RFC3339)
	for name, h := range map[string]http.Header{
		"retention":  {"X-Amz-Object-Lock-Mode": {"GOVERNANCE"}, "X-Amz-Object-Lock-Retain-Until-Date": {until}},
		"legal hold": {"X-Amz-Object-Lock-Legal-Hold": {"ON"}},
	} {
		for _, target := range []string{"/bkt/k?uploads", "/bkt/k"} {
			method := http.MethodPost
			if target == "/bkt/k" {
				method = http.MethodPut
			}
			rec := s.send(t, fzNewRequest(method, target, h, []byte("x")), false)
			if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "<Code>InvalidRequest</Code>") {
				t.Errorf("%s %s with %s: %d %s", method, target, name, rec.Code, rec.Body)
			}
		}
	}
}

// In a versioned bucket, GetObjectTagging, PutObjectTagging and
// DeleteObjectTagging name the version they read or changed in
// x-amz-version-id (the latest, or the one asked for), and UploadPartCopy
// names the version it copied in x-amz-copy-source-version-id. A bucket
// never versioned has no version to name.
func TestTaggingAndPartCopyNameTheirVersion(t *testing.T) {
	s := compatServer(t, "bkt", "plain")
	ctx := context.Background()
	if err := s.layer.SetBucketVersioning(ctx, "bkt", object.VersioningConfig{Status: "Enabled"}); err != nil {
		t.Fatal(err)
	}
	put := func(bucket, key, data string) object.ObjectInfo {
		info, err := s.layer.PutObject(ctx, bucket, key, strings.NewReader(data), object.PutOptions{Size: int64(len(data))})
		if err != nil {
			t.Fatal(err)
		}
		return info
	}
	old := put("bkt", "k", "old")
	latest := put("bkt", "k", "new")
	put("plain", "k", "data")
	tags := []byte("<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>")
	for _, c := range []struct{ query, want string }{{"", latest.VersionID}, {"&versionId=" + old.VersionID, old.VersionID}} {
		for _, r := range []*http.Request{
			fzNewRequest(http.MethodPut, "/bkt/k?tagging"+c.query, nil, tags),
			fzNewRequest(http.MethodGet, "/bkt/k?tagging"+c.query, nil, nil),
			fzNewRequest(http.MethodDelete, "/bkt/k?tagging"+c.query, nil, nil),
		} {
			rec := s.send(t, r, false)
			if rec.Code >= 300 || rec.Header().Get("x-amz-version-id") != c.want {
				t.Errorf("%s %s: %d, x-amz-version-id %q, want %q", r.Method, r.URL, rec.Code, rec.Header().Get("x-amz-version-id"), c.want)
			}
		}
	}
	if rec := s.send(t, fzNewRequest(http.MethodPut, "/plain/k?tagging", nil, tags), false); rec.Header().Get("x-amz-version-id") != "" {
		t.Errorf("tagging in a bucket never versioned: x-amz-version-id %q", rec.Header().Get("x-amz-version-id"))
	}

	id, err := s.layer.CreateMultipartUpload(ctx, "bkt", "mp", object.UploadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ source, want string }{
		{"/bkt/k", latest.VersionID}, {"/bkt/k?versionId=" + old.VersionID, old.VersionID}, {"/plain/k", ""},
	} {
		rec := s.send(t, fzNewRequest(http.MethodPut, "/bkt/mp?partNumber=1&uploadId="+id, http.Header{"X-Amz-Copy-Source": {c.source}}, nil), false)
		if rec.Code != http.StatusOK || rec.Header().Get("x-amz-copy-source-version-id") != c.want {
			t.Errorf("UploadPartCopy from %s: %d, x-amz-copy-source-version-id %q, want %q", c.source, rec.Code, rec.Header().Get("x-amz-copy-source-version-id"), c.want)
		}
	}
}

// The listings name each object's checksum algorithm and type, as AWS
// lists them: ListObjects v1 and v2 (written by hand) and
// ListObjectVersions for an object with S3's default CRC64NVME and one
// uploaded in parts with SHA-256 (COMPOSITE); ListMultipartUploads for an
// upload created with an algorithm, whose CreateMultipartUpload answer
// names the algorithm and the type the upload took.
func TestListingsNameChecksums(t *testing.T) {
	s := compatServer(t, "bkt")
	if rec := s.send(t, fzNewRequest(http.MethodPut, "/bkt/a", nil, []byte("data")), false); rec.Code != http.StatusOK {
		t.Fatalf("PUT: %d %s", rec.Code, rec.Body)
	}
	uploadSHA256Parts(t, s, "b", []byte("part one"), []byte("part two"))
	want := map[string]objectChecksum{"a": {"CRC64NVME", "FULL_OBJECT"}, "b": {"SHA256", "COMPOSITE"}}
	for _, target := range []string{"/bkt", "/bkt?list-type=2"} {
		var res listBucketResultV2
		decodeXML(t, s.send(t, fzNewRequest(http.MethodGet, target, nil, nil), false).Body, &res)
		if len(res.Contents) != 2 {
			t.Fatalf("%s: %+v", target, res.Contents)
		}
		for _, e := range res.Contents {
			if e.objectChecksum != want[e.Key] {
				t.Errorf("%s: %s listed with %+v, want %+v", target, e.Key, e.objectChecksum, want[e.Key])
			}
		}
	}
	var versions struct {
		Versions []versionItem `xml:"Version"`
	}
	decodeXML(t, s.send(t, fzNewRequest(http.MethodGet, "/bkt?versions", nil, nil), false).Body, &versions)
	if len(versions.Versions) != 2 {
		t.Fatalf("versions: %+v", versions.Versions)
	}
	for _, v := range versions.Versions {
		if v.objectChecksum != want[v.Key] {
			t.Errorf("versions: %s listed with %+v, want %+v", v.Key, v.objectChecksum, want[v.Key])
		}
	}

	for _, c := range []struct {
		header http.Header
		alg    string
		typ    string
	}{
		{http.Header{"X-Amz-Checksum-Algorithm": {"CRC32"}}, "CRC32", "COMPOSITE"},
		{http.Header{"X-Amz-Checksum-Algorithm": {"CRC32"}, "X-Amz-Checksum-Type": {"FULL_OBJECT"}}, "CRC32", "FULL_OBJECT"},
		{http.Header{"X-Amz-Checksum-Algorithm": {"CRC64NVME"}}, "CRC64NVME", "FULL_OBJECT"},
		{nil, "", ""},
	} {
		rec := s.send(t, fzNewRequest(http.MethodPost, "/bkt/up?uploads", c.header, nil), false)
		if rec.Code != http.StatusOK || rec.Header().Get("x-amz-checksum-algorithm") != c.alg || rec.Header().Get("x-amz-checksum-type") != c.typ {
			t.Errorf("create with %v: %d, algorithm %q, type %q; want %q %q", c.header, rec.Code,
				rec.Header().Get("x-amz-checksum-algorithm"), rec.Header().Get("x-amz-checksum-type"), c.alg, c.typ)
		}
		var created initiateResult
		decodeXML(t, rec.Body, &created)
		var uploads listUploadsResult
		decodeXML(t, s.send(t, fzNewRequest(http.MethodGet, "/bkt?uploads", nil, nil), false).Body, &uploads)
		found := false
		for _, u := range uploads.Uploads {
			if u.UploadID == created.UploadID {
				found = true
				if u.objectChecksum != (objectChecksum{c.alg, c.typ}) {
					t.Errorf("upload with %v listed with %+v", c.header, u.objectChecksum)
				}
			}
		}
		if !found {
			t.Errorf("upload %s not listed", created.UploadID)
		}
	}
}

// x-amz-website-redirect-location given to PUT, a POST form,
// CreateMultipartUpload and a copy is stored and returned by GET and
// HEAD; a copy takes the request's, not the source's, whatever the
// metadata directive; a location that is neither a path nor an http(s)
// URL is InvalidRedirectLocation.
func TestWebsiteRedirectLocationStored(t *testing.T) {
	s := compatServer(t, "bkt")
	const loc = "/elsewhere.html"
	redirect := http.Header{"X-Amz-Website-Redirect-Location": {loc}}
	if rec := s.send(t, fzNewRequest(http.MethodPut, "/bkt/put", redirect, []byte("x")), false); rec.Code != http.StatusOK {
		t.Fatalf("PUT: %d %s", rec.Code, rec.Body)
	}
	rec := s.send(t, fzNewRequest(http.MethodPost, "/bkt/mp?uploads", redirect, nil), false)
	var created initiateResult
	decodeXML(t, rec.Body, &created)
	p, err := s.layer.UploadPart(context.Background(), "bkt", "mp", created.UploadID, 1, strings.NewReader("x"), object.PartOptions{Size: 1})
	if err != nil {
		t.Fatal(err)
	}
	body := "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"" + p.ETag + "\"</ETag></Part></CompleteMultipartUpload>"
	if rec := s.send(t, fzNewRequest(http.MethodPost, "/bkt/mp?uploadId="+created.UploadID, nil, []byte(body)), false); rec.Code != http.StatusOK {
		t.Fatalf("complete: %d %s", rec.Code, rec.Body)
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("key", "posted")
	w.WriteField("x-amz-website-redirect-location", loc)
	s.fzPostSign(w, `{"expiration":"2030-01-01T00:00:00Z","conditions":[{"bucket":"bkt"},["starts-with","$key",""],`+
		`["starts-with","$x-amz-website-redirect-location",""],`+
		`["starts-with","$x-amz-algorithm",""],["starts-with","$x-amz-credential",""],["starts-with","$x-amz-date",""]]}`)
	fw, _ := w.CreateFormFile("file", "f")
	fw.Write([]byte("x"))
	w.Close()
	if rec := s.send(t, fzNewRequest(http.MethodPost, "/bkt", http.Header{"Content-Type": {w.FormDataContentType()}}, buf.Bytes()), true); rec.Code != http.StatusNoContent {
		t.Fatalf("POST: %d %s", rec.Code, rec.Body)
	}
	copies := map[string]http.Header{
		"copy-new":     {"X-Amz-Copy-Source": {"/bkt/put"}, "X-Amz-Website-Redirect-Location": {"https://example.com/"}},
		"copy-none":    {"X-Amz-Copy-Source": {"/bkt/put"}},
		"replace-none": {"X-Amz-Copy-Source": {"/bkt/put"}, "X-Amz-Metadata-Directive": {"REPLACE"}},
	}
	for key, h := range copies {
		if rec := s.send(t, fzNewRequest(http.MethodPut, "/bkt/"+key, h, nil), false); rec.Code != http.StatusOK {
			t.Fatalf("copy to %s: %d %s", key, rec.Code, rec.Body)
		}
	}
	for key, want := range map[string]string{"put": loc, "mp": loc, "posted": loc, "copy-new": "https://example.com/", "copy-none": "", "replace-none": ""} {
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			rec := s.send(t, fzNewRequest(method, "/bkt/"+key, nil, nil), false)
			if got := rec.Header().Get("x-amz-website-redirect-location"); rec.Code != http.StatusOK || got != want {
				t.Errorf("%s %s: %d, x-amz-website-redirect-location %q, want %q", method, key, rec.Code, got, want)
			}
		}
	}
	for _, bad := range []string{"elsewhere.html", "ftp://example.com/", "/" + strings.Repeat("a", 2048)} {
		h := http.Header{"X-Amz-Website-Redirect-Location": {bad}}
		for _, r := range []*http.Request{
			fzNewRequest(http.MethodPut, "/bkt/bad", h, []byte("x")),
			fzNewRequest(http.MethodPost, "/bkt/bad?uploads", h, nil),
			fzNewRequest(http.MethodPut, "/bkt/bad", http.Header{"X-Amz-Copy-Source": {"/bkt/put"}, "X-Amz-Website-Redirect-Location": {bad}}, nil),
		} {
			rec := s.send(t, r, false)
			if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "<Code>InvalidRedirectLocation</Code>") {
				t.Errorf("%s %s with %.20q: %d %s", r.Method, r.URL, bad, rec.Code, rec.Body)
			}
		}
	}
}

// GetObjectLegalHold of a version that never had a legal hold is
// NoSuchObjectLockConfiguration (404), as on AWS; once one was put, it is
// ON, and OFF after it is lifted.
func TestGetObjectLegalHoldNeverSet(t *testing.T) {
	s := compatServer(t)
	if err := s.layer.CreateBucket(context.Background(), "lck", object.CreateBucketOptions{ObjectLock: true}); err != nil {
		t.Fatal(err)
	}
	if rec := s.send(t, fzNewRequest(http.MethodPut, "/lck/k", nil, []byte("x")), false); rec.Code != http.StatusOK {
		t.Fatalf("PUT: %d %s", rec.Code, rec.Body)
	}
	rec := s.send(t, fzNewRequest(http.MethodGet, "/lck/k?legal-hold", nil, nil), false)
	if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), "<Code>NoSuchObjectLockConfiguration</Code>") {
		t.Errorf("legal hold never set: %d %s", rec.Code, rec.Body)
	}
	md5 := http.Header{"Content-Md5": nil}
	for _, status := range []string{"ON", "OFF"} {
		doc := []byte("<LegalHold><Status>" + status + "</Status></LegalHold>")
		md5["Content-Md5"] = []string{contentMD5Of(doc)}
		if rec := s.send(t, fzNewRequest(http.MethodPut, "/lck/k?legal-hold", md5, doc), false); rec.Code != http.StatusOK {
			t.Fatalf("put legal hold %s: %d %s", status, rec.Code, rec.Body)
		}
		rec := s.send(t, fzNewRequest(http.MethodGet, "/lck/k?legal-hold", nil, nil), false)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "<Status>"+status+"</Status>") {
			t.Errorf("legal hold after %s: %d %s", status, rec.Code, rec.Body)
		}
	}
}

// contentMD5Of is the Content-MD5 header value of body.
func contentMD5Of(body []byte) string {
	sum := md5.Sum(body)
	return base64.StdEncoding.EncodeToString(sum[:])
}
