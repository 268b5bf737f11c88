package httpapi

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7/pkg/signer"

	"github.com/kurastore/kura/internal/auth"
	"github.com/kurastore/kura/sigv2"
)

// sendV2 serves r signed with Signature Version 2 by minio-go's signer,
// as a header or, when presign, as a presigned URL.
func (s *fzServer) sendV2(t *testing.T, r *http.Request, presign bool) *httptest.ResponseRecorder {
	t.Helper()
	if presign {
		r = signer.PreSignV2(*r, s.creds.AccessKey, s.creds.SecretKey, 600, false)
	} else {
		r.Header.Set("Date", s.now.Format(http.TimeFormat))
		r = signer.SignV2(*r, s.creds.AccessKey, s.creds.SecretKey, false)
	}
	r.RequestURI = r.URL.RequestURI()
	rec := httptest.NewRecorder()
	s.api.ServeHTTP(rec, r)
	return rec
}

// Requests signed with Signature Version 2 work end to end: a PUT with
// metadata and Content-MD5, GET, HEAD, a subresource, a multipart
// upload, a presigned GET; and what the signature covers cannot be
// changed.
func TestSignatureV2Requests(t *testing.T) {
	s := compatServer(t, "bkt")
	data := []byte("signed with version 2")
	sum := md5.Sum(data)
	put := fzNewRequest(http.MethodPut, "/bkt/dir/a%20b", http.Header{
		"Content-Md5": {base64.StdEncoding.EncodeToString(sum[:])}, "Content-Type": {"text/plain"},
		"X-Amz-Meta-Color": {"blue"},
	}, data)
	if rec := s.sendV2(t, put, false); rec.Code != http.StatusOK {
		t.Fatalf("PUT: %d %s", rec.Code, rec.Body)
	}
	for _, presign := range []bool{false, true} {
		rec := s.sendV2(t, fzNewRequest(http.MethodGet, "/bkt/dir/a%20b?response-content-type=x/y", nil, nil), presign)
		//lint:ignore SA1008 S3 sends user metadata headers in lower case, as kura writes them
		if rec.Code != http.StatusOK || rec.Body.String() != string(data) || strings.Join(rec.Header()["x-amz-meta-color"], "") != "blue" || rec.Header().Get("Content-Type") != "x/y" {
			t.Fatalf("GET (presigned %v): %d %v %s", presign, rec.Code, rec.Header(), rec.Body)
		}
	}
	if rec := s.sendV2(t, fzNewRequest(http.MethodHead, "/bkt/dir/a%20b", nil, nil), false); rec.Code != http.StatusOK {
		t.Fatalf("HEAD: %d", rec.Code)
	}
	if rec := s.sendV2(t, fzNewRequest(http.MethodGet, "/bkt?versioning", nil, nil), false); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "VersioningConfiguration") {
		t.Fatalf("GetBucketVersioning: %d %s", rec.Code, rec.Body)
	}

	rec := s.sendV2(t, fzNewRequest(http.MethodPost, "/bkt/big?uploads", nil, nil), false)
	var created struct{ UploadId string }
	decodeXML(t, rec.Body, &created)
	part := s.sendV2(t, fzNewRequest(http.MethodPut, "/bkt/big?partNumber=1&uploadId="+created.UploadId, nil, []byte("part one")), false)
	if part.Code != http.StatusOK {
		t.Fatalf("UploadPart: %d %s", part.Code, part.Body)
	}
	complete := `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>` + part.Header().Get("ETag") + `</ETag></Part></CompleteMultipartUpload>`
	if rec := s.sendV2(t, fzNewRequest(http.MethodPost, "/bkt/big?uploadId="+created.UploadId, nil, []byte(complete)), false); rec.Code != http.StatusOK {
		t.Fatalf("CompleteMultipartUpload: %d %s", rec.Code, rec.Body)
	}

	// A wrong Content-MD5 the client signed is BadDigest, as with V4.
	bad := fzNewRequest(http.MethodPut, "/bkt/k", http.Header{"Content-Md5": {base64.StdEncoding.EncodeToString(make([]byte, 16))}}, data)
	if rec := s.sendV2(t, bad, false); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "BadDigest") {
		t.Fatalf("PUT with a wrong Content-MD5: %d %s", rec.Code, rec.Body)
	}
	// A signed request with another key, a header added, or a
	// subresource added is refused.
	get := fzNewRequest(http.MethodGet, "/bkt/dir/a%20b", nil, nil)
	get.Header.Set("Date", s.now.Format(http.TimeFormat))
	signed := signer.SignV2(*get, s.creds.AccessKey, s.creds.SecretKey, false)
	for name, change := range map[string]func(r *http.Request){
		"other key":    func(r *http.Request) { r.URL.Path = "/bkt/dir/a%20c" },
		"x-amz header": func(r *http.Request) { r.Header.Set("X-Amz-Meta-Injected", "1") },
		"subresource":  func(r *http.Request) { r.URL.RawQuery = "acl" },
	} {
		r := signed.Clone(signed.Context())
		change(r)
		r.RequestURI = r.URL.RequestURI()
		rec := httptest.NewRecorder()
		s.api.ServeHTTP(rec, r)
		if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "SignatureDoesNotMatch") {
			t.Errorf("%s changed: %d %s", name, rec.Code, rec.Body)
		}
	}
}

// A server started with RefuseSignatureV2 refuses every form of it and
// says to use Version 4.
func TestSignatureV2Refused(t *testing.T) {
	s := compatServer(t, "bkt")
	s.api = New(Config{
		Objects: s.layer, Region: fzRegion, Now: func() time.Time { return s.now }, RefuseSignatureV2: true,
		Credentials: auth.NewStatic(auth.Credentials{AccessKey: s.creds.AccessKey, SecretKey: s.creds.SecretKey}).Secret,
	})
	for _, presign := range []bool{false, true} {
		rec := s.sendV2(t, fzNewRequest(http.MethodGet, "/bkt", nil, nil), presign)
		if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "Signature Version 2 is not supported") {
			t.Errorf("presigned %v: %d %s", presign, rec.Code, rec.Body)
		}
	}
	rec := s.postV2(t, "k", sigv2.Sign(s.creds.SecretKey, postV2Policy))
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "Signature Version 2 is not supported") {
		t.Errorf("POST: %d %s", rec.Code, rec.Body)
	}
}

// postV2Policy admits key k and the V2 form fields only.
var postV2Policy = base64.StdEncoding.EncodeToString([]byte(`{"expiration":"2030-01-01T00:00:00Z","conditions":[{"bucket":"bkt"},{"key":"k"}]}`))

// postV2 sends a browser POST upload signed with Signature Version 2.
func (s *fzServer) postV2(t *testing.T, key, signature string) *httptest.ResponseRecorder {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("key", key)
	w.WriteField("AWSAccessKeyId", s.creds.AccessKey)
	w.WriteField("policy", postV2Policy)
	w.WriteField("signature", signature)
	fw, _ := w.CreateFormFile("file", "f")
	fw.Write([]byte("posted"))
	w.Close()
	r := fzNewRequest(http.MethodPost, "/bkt", http.Header{"Content-Type": {w.FormDataContentType()}}, buf.Bytes())
	rec := httptest.NewRecorder()
	s.api.ServeHTTP(rec, r)
	return rec
}

// A browser POST upload signed with Version 2 (AWSAccessKeyId, policy,
// signature: HMAC-SHA1 of the policy) stores the file; the policy still
// binds it, and a wrong signature is refused.
func TestSignatureV2PostObject(t *testing.T) {
	s := compatServer(t, "bkt")
	if rec := s.postV2(t, "k", sigv2.Sign(s.creds.SecretKey, postV2Policy)); rec.Code != http.StatusNoContent {
		t.Fatalf("POST: %d %s", rec.Code, rec.Body)
	}
	if rec := s.sendV2(t, fzNewRequest(http.MethodGet, "/bkt/k", nil, nil), false); rec.Body.String() != "posted" {
		t.Fatalf("GET after POST: %d %s", rec.Code, rec.Body)
	}
	if rec := s.postV2(t, "other", sigv2.Sign(s.creds.SecretKey, postV2Policy)); rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "Policy Condition failed") {
		t.Fatalf("POST of a key the policy does not admit: %d %s", rec.Code, rec.Body)
	}
	if rec := s.postV2(t, "k", sigv2.Sign("wrong", postV2Policy)); rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "SignatureDoesNotMatch") {
		t.Fatalf("POST with a wrong signature: %d %s", rec.Code, rec.Body)
	}
}

// A Version 2 signature covers the query parameters that choose the
// operation or change the answer, whichever client's list of signed
// subresources it was made with: a signature for one request cannot be
// replayed as another by adding one that some client leaves unsigned.
func TestSignatureV2ReplayAsOtherOperation(t *testing.T) {
	s := compatServer(t, "bkt")
	if rec := s.sendV2(t, fzNewRequest(http.MethodPut, "/bkt/k", nil, []byte("<p>hello</p>")), false); rec.Code != http.StatusOK {
		t.Fatalf("PUT: %d %s", rec.Code, rec.Body)
	}
	replay := func(t *testing.T, r *http.Request, extra string, body []byte) *httptest.ResponseRecorder {
		t.Helper()
		r = r.Clone(r.Context())
		switch {
		case extra == "":
		case r.URL.RawQuery == "":
			r.URL.RawQuery = extra
		default:
			r.URL.RawQuery += "&" + extra
		}
		r.RequestURI = r.URL.RequestURI()
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		rec := httptest.NewRecorder()
		s.api.ServeHTTP(rec, r)
		return rec
	}
	refused := func(t *testing.T, rec *httptest.ResponseRecorder) {
		t.Helper()
		if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "SignatureDoesNotMatch") {
			t.Fatalf("replayed: %d %v %s", rec.Code, rec.Header(), rec.Body)
		}
	}

	t.Run("presigned GET with a response override", func(t *testing.T) {
		get := signer.PreSignV2(*fzNewRequest(http.MethodGet, "/bkt/k", nil, nil), s.creds.AccessKey, s.creds.SecretKey, 600, false)
		refused(t, replay(t, get, "response-content-type=text/html", nil))
	})
	t.Run("PUT bucket as PutBucketEncryption", func(t *testing.T) {
		put := fzNewRequest(http.MethodPut, "/bkt/", http.Header{"Date": {s.now.Format(http.TimeFormat)}}, nil)
		put = signer.SignV2(*put, s.creds.AccessKey, s.creds.SecretKey, false)
		sse := `<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>`
		refused(t, replay(t, put, "encryption", []byte(sse)))
		if _, err := s.layer.BucketConfig(context.Background(), "bkt", configEncryption); err == nil {
			t.Fatal("the replay set the bucket's encryption")
		}
	})
	t.Run("presigned PUT as PutObjectTagging", func(t *testing.T) {
		put := signer.PreSignV2(*fzNewRequest(http.MethodPut, "/bkt/k", nil, nil), s.creds.AccessKey, s.creds.SecretKey, 600, false)
		refused(t, replay(t, put, "tagging", []byte(`<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>`)))
	})

	// What the signing client covered still verifies: minio-go signs
	// encryption and response overrides.
	get := signer.PreSignV2(*fzNewRequest(http.MethodGet, "/bkt/k?response-content-type=text%2Fplain", nil, nil), s.creds.AccessKey, s.creds.SecretKey, 600, false)
	if rec := replay(t, get, "", nil); rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "text/plain" {
		t.Fatalf("signed response override: %d %v %s", rec.Code, rec.Header(), rec.Body)
	}
	if rec := s.sendV2(t, fzNewRequest(http.MethodGet, "/bkt?encryption", nil, nil), false); rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), "ServerSideEncryptionConfigurationNotFoundError") {
		t.Fatalf("signed GetBucketEncryption: %d %s", rec.Code, rec.Body)
	}
}
