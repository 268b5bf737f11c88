package httpapi

import (
	"bytes"
	"crypto/md5"
	"crypto/tls"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"mime/multipart"
	"net/http"
	"testing"

	"github.com/kurastore/kura/checksum"
)

// sumOf is the base64 checksum of data under alg, as S3 sends it.
func sumOf(alg checksum.Algorithm, data string) string {
	h := alg.New()
	h.Write([]byte(data))
	return checksum.Encode(h.Sum(nil))
}

// wantDefaultHeaders fails unless h carries S3's default checksum of data
// (a FULL_OBJECT CRC64NVME) and no other.
func wantDefaultHeaders(t *testing.T, what string, h http.Header, data string) {
	t.Helper()
	if got, want := h.Get("X-Amz-Checksum-Crc64nvme"), sumOf(checksum.CRC64NVME, data); got != want || h.Get("X-Amz-Checksum-Type") != "FULL_OBJECT" {
		t.Fatalf("%s: x-amz-checksum-crc64nvme %q type %q, want %q FULL_OBJECT", what, got, h.Get("X-Amz-Checksum-Type"), want)
	}
	for _, alg := range checksum.All {
		if alg != checksum.CRC64NVME && h.Get(alg.HeaderName()) != "" {
			t.Fatalf("%s: also %s", what, alg.HeaderName())
		}
	}
}

// A PUT without a checksum is answered with S3's default one, which GET
// and HEAD return with checksum mode (and only then).
func TestPutDefaultChecksum(t *testing.T) {
	s := compatServer(t, "bkt")
	const data = "test data.."
	rec := s.send(t, fzNewRequest(http.MethodPut, "/bkt/k", nil, []byte(data)), false)
	if rec.Code != http.StatusOK {
		t.Fatalf("PUT: %d %s", rec.Code, rec.Body)
	}
	wantDefaultHeaders(t, "PUT response", rec.Header(), data)
	// The value AWS S3 returned for this body (LocalStack's AWS-validated
	// snapshot of test_s3_checksum_no_automatic_sdk_calculation).
	if got := rec.Header().Get("X-Amz-Checksum-Crc64nvme"); got != "qUVrWYOrIAM=" {
		t.Fatalf("CRC64NVME %q, want AWS's qUVrWYOrIAM=", got)
	}
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		rec := s.send(t, fzNewRequest(method, "/bkt/k", http.Header{"X-Amz-Checksum-Mode": {"ENABLED"}}, nil), false)
		wantDefaultHeaders(t, method, rec.Header(), data)
		rec = s.send(t, fzNewRequest(method, "/bkt/k", nil, nil), false)
		if rec.Header().Get("X-Amz-Checksum-Crc64nvme") != "" {
			t.Fatalf("%s without checksum mode: %v", method, rec.Header())
		}
	}

	// A client's checksum is the only one.
	rec = s.send(t, fzNewRequest(http.MethodPut, "/bkt/k2", http.Header{"X-Amz-Checksum-Crc32": {sumOf(checksum.CRC32, data)}}, []byte(data)), false)
	if rec.Code != http.StatusOK || rec.Header().Get("X-Amz-Checksum-Crc64nvme") != "" || rec.Header().Get("X-Amz-Checksum-Crc32") == "" {
		t.Fatalf("PUT with CRC32: %d %v", rec.Code, rec.Header())
	}
}

// Encrypted objects get the default checksum of the plaintext.
func TestEncryptedPutDefaultChecksum(t *testing.T) {
	s := compatServer(t, "bkt")
	const data = "secret body"
	key := bytes.Repeat([]byte{7}, 32)
	keyMD5 := md5.Sum(key)
	ssec := http.Header{
		"X-Amz-Server-Side-Encryption-Customer-Algorithm": {"AES256"},
		"X-Amz-Server-Side-Encryption-Customer-Key":       {base64.StdEncoding.EncodeToString(key)},
		"X-Amz-Server-Side-Encryption-Customer-Key-Md5":   {base64.StdEncoding.EncodeToString(keyMD5[:])},
	}
	for name, h := range map[string]http.Header{
		"sse-s3":  {"X-Amz-Server-Side-Encryption": {"AES256"}},
		"sse-kms": {"X-Amz-Server-Side-Encryption": {"aws:kms"}},
		"sse-c":   ssec,
	} {
		// SSE-C is only accepted over TLS.
		secure := func(r *http.Request) *http.Request { r.TLS = &tls.ConnectionState{}; return r }
		rec := s.send(t, secure(fzNewRequest(http.MethodPut, "/bkt/"+name, h.Clone(), []byte(data))), false)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s PUT: %d %s", name, rec.Code, rec.Body)
		}
		wantDefaultHeaders(t, name+" PUT", rec.Header(), data)
		get := h.Clone()
		get.Del("X-Amz-Server-Side-Encryption")
		get.Set("X-Amz-Checksum-Mode", "ENABLED")
		rec = s.send(t, secure(fzNewRequest(http.MethodGet, "/bkt/"+name, get, nil)), false)
		if rec.Code != http.StatusOK || rec.Body.String() != data {
			t.Fatalf("%s GET: %d %s", name, rec.Code, rec.Body)
		}
		wantDefaultHeaders(t, name+" GET", rec.Header(), data)
	}
}

// A browser POST upload without a checksum field is answered with the
// default checksum, as AWS does (LocalStack's AWS-validated
// test_post_object_default_checksum; its value for this body).
func TestPostObjectDefaultChecksum(t *testing.T) {
	s := compatServer(t, "bkt")
	const data = "test-body-tagging"
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("key", "posted")
	s.fzPostSign(w, `{"expiration":"2030-01-01T00:00:00Z","conditions":[{"bucket":"bkt"},["starts-with","$key",""],`+
		`["starts-with","$x-amz-algorithm",""],["starts-with","$x-amz-credential",""],["starts-with","$x-amz-date",""]]}`)
	fw, _ := w.CreateFormFile("file", "f")
	fw.Write([]byte(data))
	w.Close()
	rec := s.send(t, fzNewRequest(http.MethodPost, "/bkt", http.Header{"Content-Type": {w.FormDataContentType()}}, buf.Bytes()), true)
	if rec.Code != http.StatusNoContent {
		t.Fatalf("POST: %d %s", rec.Code, rec.Body)
	}
	wantDefaultHeaders(t, "POST response", rec.Header(), data)
	if got := rec.Header().Get("X-Amz-Checksum-Crc64nvme"); got != "L1qdhyEV1JY=" {
		t.Fatalf("CRC64NVME %q, want AWS's L1qdhyEV1JY=", got)
	}
	rec = s.send(t, fzNewRequest(http.MethodHead, "/bkt/posted", http.Header{"X-Amz-Checksum-Mode": {"ENABLED"}}, nil), false)
	wantDefaultHeaders(t, "HEAD", rec.Header(), data)
}

// copyResult is the checksum part of a CopyObjectResult.
type copyResult struct {
	ChecksumCRC64NVME string `xml:"ChecksumCRC64NVME"`
	ChecksumSHA1      string `xml:"ChecksumSHA1"`
	ChecksumType      string `xml:"ChecksumType"`
}

// A copy of an object with the default checksum keeps it and says so in
// its CopyObjectResult, as in minio-go's testCopyObjectWithChecksums
// (ChecksumNone) and AWS's answer.
func TestCopyObjectDefaultChecksum(t *testing.T) {
	s := compatServer(t, "bkt")
	const data = "copied body"
	if rec := s.send(t, fzNewRequest(http.MethodPut, "/bkt/src", nil, []byte(data)), false); rec.Code != http.StatusOK {
		t.Fatalf("PUT: %d %s", rec.Code, rec.Body)
	}
	for _, h := range []http.Header{
		{"X-Amz-Copy-Source": {"/bkt/src"}},
		{"X-Amz-Copy-Source": {"/bkt/src"}, "X-Amz-Metadata-Directive": {"REPLACE"}},
		{"X-Amz-Copy-Source": {"/bkt/src"}, "X-Amz-Server-Side-Encryption": {"AES256"}},
	} {
		rec := s.send(t, fzNewRequest(http.MethodPut, "/bkt/dst", h, nil), false)
		if rec.Code != http.StatusOK {
			t.Fatalf("copy %v: %d %s", h, rec.Code, rec.Body)
		}
		var doc copyResult
		decodeXML(t, rec.Body, &doc)
		if doc.ChecksumCRC64NVME != sumOf(checksum.CRC64NVME, data) || doc.ChecksumType != "FULL_OBJECT" {
			t.Fatalf("copy %v: CopyObjectResult %+v", h, doc)
		}
		rec = s.send(t, fzNewRequest(http.MethodHead, "/bkt/dst", http.Header{"X-Amz-Checksum-Mode": {"ENABLED"}}, nil), false)
		wantDefaultHeaders(t, "HEAD of the copy", rec.Header(), data)
	}
	// x-amz-checksum-algorithm replaces it.
	rec := s.send(t, fzNewRequest(http.MethodPut, "/bkt/dst", http.Header{"X-Amz-Copy-Source": {"/bkt/src"}, "X-Amz-Checksum-Algorithm": {"SHA1"}}, nil), false)
	var doc copyResult
	decodeXML(t, rec.Body, &doc)
	if doc.ChecksumSHA1 != sumOf(checksum.SHA1, data) || doc.ChecksumCRC64NVME != "" || doc.ChecksumType != "FULL_OBJECT" {
		t.Fatalf("copy with SHA1: %+v", doc)
	}
}

// A multipart upload created without an algorithm: a part sent without a
// checksum is answered with its CRC64NVME, ListParts shows none, and a
// CompleteMultipartUpload whose part list carries no checksums makes an
// object with the FULL_OBJECT CRC64NVME of the whole data, combined from
// the parts' and reported by Complete, HEAD and GetObjectAttributes.
func TestMultipartDefaultChecksum(t *testing.T) {
	s := compatServer(t, "bkt")
	rec := s.send(t, fzNewRequest(http.MethodPost, "/bkt/mp?uploads", nil, nil), false)
	if rec.Code != http.StatusOK || rec.Header().Get("X-Amz-Checksum-Algorithm") != "" {
		t.Fatalf("create: %d %v %s", rec.Code, rec.Header(), rec.Body)
	}
	var created initiateResult
	decodeXML(t, rec.Body, &created)
	id := created.UploadID
	parts := []string{"first part of the object, ", "the second, sent with CRC32, ", "and the last"}
	var etags []string
	for i, data := range parts {
		var h http.Header
		if i == 1 {
			h = http.Header{"X-Amz-Checksum-Crc32": {sumOf(checksum.CRC32, data)}}
		}
		rec := s.send(t, fzNewRequest(http.MethodPut, fmt.Sprintf("/bkt/mp?uploadId=%s&partNumber=%d", id, i+1), h, []byte(data)), false)
		if rec.Code != http.StatusOK {
			t.Fatalf("part %d: %d %s", i+1, rec.Code, rec.Body)
		}
		etags = append(etags, rec.Header().Get("ETag"))
		crc64 := rec.Header().Get("X-Amz-Checksum-Crc64nvme")
		if i == 1 {
			if crc64 != "" || rec.Header().Get("X-Amz-Checksum-Crc32") == "" {
				t.Fatalf("part sent with CRC32 answered with %v", rec.Header())
			}
		} else if crc64 != sumOf(checksum.CRC64NVME, data) {
			t.Fatalf("part %d: x-amz-checksum-crc64nvme %q, want its CRC64NVME", i+1, crc64)
		}
	}
	rec = s.send(t, fzNewRequest(http.MethodGet, "/bkt/mp?uploadId="+id, nil, nil), false)
	if bytes.Contains(rec.Body.Bytes(), []byte("ChecksumCRC64NVME")) {
		t.Fatalf("ListParts shows the default checksum: %s", rec.Body)
	}
	var list bytes.Buffer
	list.WriteString("<CompleteMultipartUpload>")
	for i, etag := range etags {
		fmt.Fprintf(&list, "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>", i+1, etag)
	}
	list.WriteString("</CompleteMultipartUpload>")
	rec = s.send(t, fzNewRequest(http.MethodPost, "/bkt/mp?uploadId="+id, nil, list.Bytes()), false)
	if rec.Code != http.StatusOK {
		t.Fatalf("complete: %d %s", rec.Code, rec.Body)
	}
	var done struct {
		ChecksumCRC64NVME string `xml:"ChecksumCRC64NVME"`
		ChecksumType      string `xml:"ChecksumType"`
	}
	decodeXML(t, rec.Body, &done)
	whole := parts[0] + parts[1] + parts[2]
	want := sumOf(checksum.CRC64NVME, whole)
	if done.ChecksumCRC64NVME != want || done.ChecksumType != "FULL_OBJECT" {
		t.Fatalf("CompleteMultipartUploadResult %+v, want %s FULL_OBJECT", done, want)
	}
	rec = s.send(t, fzNewRequest(http.MethodHead, "/bkt/mp", http.Header{"X-Amz-Checksum-Mode": {"ENABLED"}}, nil), false)
	wantDefaultHeaders(t, "HEAD", rec.Header(), whole)
	rec = s.send(t, fzNewRequest(http.MethodGet, "/bkt/mp?attributes", http.Header{"X-Amz-Object-Attributes": {"Checksum"}}, nil), false)
	var attrs objectAttributesResult
	decodeXML(t, rec.Body, &attrs)
	if c := attrs.Checksum; c == nil || c.ChecksumCRC64NVME != want || c.ChecksumType != "FULL_OBJECT" {
		t.Fatalf("GetObjectAttributes: %s", rec.Body)
	}
}

// The XML of a CompleteMultipartUpload that names checksums of another
// algorithm in an upload without one is refused part by part, as before.
func TestMultipartDefaultChecksumWrongPartChecksum(t *testing.T) {
	s := compatServer(t, "bkt")
	rec := s.send(t, fzNewRequest(http.MethodPost, "/bkt/mp?uploads", nil, nil), false)
	var created initiateResult
	decodeXML(t, rec.Body, &created)
	rec = s.send(t, fzNewRequest(http.MethodPut, "/bkt/mp?uploadId="+created.UploadID+"&partNumber=1", nil, []byte("data")), false)
	etag := rec.Header().Get("ETag")
	body, _ := xml.Marshal(struct {
		XMLName xml.Name `xml:"CompleteMultipartUpload"`
		Part    struct {
			PartNumber        int
			ETag              string
			ChecksumCRC64NVME string
		}
	}{Part: struct {
		PartNumber        int
		ETag              string
		ChecksumCRC64NVME string
	}{1, etag, sumOf(checksum.CRC64NVME, "other")}})
	rec = s.send(t, fzNewRequest(http.MethodPost, "/bkt/mp?uploadId="+created.UploadID, nil, body), false)
	if rec.Code != http.StatusBadRequest || !bytes.Contains(rec.Body.Bytes(), []byte("InvalidPart")) {
		t.Fatalf("complete with a wrong part checksum: %d %s", rec.Code, rec.Body)
	}
}
