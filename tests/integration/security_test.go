package integration

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/xml"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/minio/minio-go/v7/pkg/signer"
)

// Security regressions: each hostile request is refused with an S3 error
// and has no effect. Requests are raw HTTP, signed by aws-sdk-go-v2's or
// minio-go's signers.

// presign returns a presigned URL for method on path, valid 15 minutes.
// With signedHeaders, those headers are signed (not hoisted to the
// query) and the request must carry them.
func (s *server) presign(t *testing.T, method, path string, signedHeaders http.Header) string {
	t.Helper()
	req, err := http.NewRequest(method, s.url()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	q := req.URL.Query()
	q.Set("X-Amz-Expires", "900")
	req.URL.RawQuery = q.Encode()
	for k, v := range signedHeaders {
		req.Header[k] = v
	}
	creds := aws.Credentials{AccessKeyID: s.accessKey, SecretAccessKey: s.secretKey}
	u, _, err := v4.NewSigner().PresignHTTP(context.Background(), creds, req, "UNSIGNED-PAYLOAD", "s3", "us-east-1", time.Now(), func(o *v4.SignerOptions) {
		o.DisableHeaderHoisting = true
	})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func (s *server) getBody(t *testing.T, path string) rawResponse {
	t.Helper()
	return do(t, s.signed(t, "GET", path, nil, s.secretKey, time.Now()))
}

func expectContent(t *testing.T, what string, r rawResponse, want string) {
	t.Helper()
	if r.status != 200 || string(r.body) != want {
		t.Errorf("%s: %d %q, want 200 %q", what, r.status, r.body, want)
	}
}

// TestPresignedUnsignedHeaders: a presigned URL covers the x-amz-*
// headers it signed and no others. Its holder cannot add an ACL, a copy
// source, metadata, tags or a governance bypass the signer never saw.
func TestPresignedUnsignedHeaders(t *testing.T) {
	s := startServer(t)
	expectStatus(t, "create bucket", do(t, s.signed(t, "PUT", "/bkt", nil, s.secretKey, time.Now())), 200)
	expectStatus(t, "put victim", do(t, s.signed(t, "PUT", "/bkt/victim", []byte("secret data"), s.secretKey, time.Now())), 200)

	putWith := func(h, v string) rawResponse {
		req := mustRequest(t, "PUT", s.presign(t, "PUT", "/bkt/p", nil), strings.NewReader("via presign"))
		req.Header.Set(h, v)
		return do(t, req)
	}
	for _, c := range [][2]string{
		{"X-Amz-Acl", "public-read"},
		{"X-Amz-Grant-Read", "uri=http://acs.amazonaws.com/groups/global/AllUsers"},
		{"X-Amz-Copy-Source", "/bkt/victim"},
		{"X-Amz-Meta-Owner", "mallory"},
		{"X-Amz-Tagging", "public=yes"},
		{"X-Amz-Website-Redirect-Location", "https://evil.example/"},
		{"X-Amz-Storage-Class", "REDUCED_REDUNDANCY"},
	} {
		expectError(t, "presigned PUT with unsigned "+c[0], putWith(c[0], c[1]), 403, "AccessDenied")
	}
	expectError(t, "nothing stored by refused presigned PUTs", s.getBody(t, "/bkt/p"), 404, "NoSuchKey")

	del := mustRequest(t, "DELETE", s.presign(t, "DELETE", "/bkt/victim", nil), nil)
	del.Header.Set("X-Amz-Bypass-Governance-Retention", "true")
	expectError(t, "presigned DELETE with unsigned bypass", do(t, del), 403, "AccessDenied")
	get := mustRequest(t, "GET", s.presign(t, "GET", "/bkt/victim", nil), nil)
	get.Header.Set("X-Amz-Request-Payer", "requester")
	expectError(t, "presigned GET with an unsigned x-amz header", do(t, get), 403, "AccessDenied")
	expectContent(t, "victim intact", s.getBody(t, "/bkt/victim"), "secret data")

	// The same URLs work as signed; a header the signer did sign may
	// be sent.
	expectStatus(t, "plain presigned PUT", do(t, mustRequest(t, "PUT", s.presign(t, "PUT", "/bkt/p", nil), strings.NewReader("via presign"))), 200)
	expectError(t, "no public-read slipped in", do(t, mustRequest(t, "GET", s.url()+"/bkt/p", nil)), 403, "AccessDenied")
	meta := http.Header{"X-Amz-Meta-Note": {"signed"}}
	req := mustRequest(t, "PUT", s.presign(t, "PUT", "/bkt/m", meta), strings.NewReader("meta"))
	req.Header.Set("X-Amz-Meta-Note", "signed")
	expectStatus(t, "presigned PUT with a signed x-amz-meta header", do(t, req), 200)
	if h := do(t, s.signed(t, "HEAD", "/bkt/m", nil, s.secretKey, time.Now())).header.Get("X-Amz-Meta-Note"); h != "signed" {
		t.Errorf("signed metadata: %q", h)
	}
	req = mustRequest(t, "PUT", s.presign(t, "PUT", "/bkt/m", meta), strings.NewReader("changed"))
	req.Header.Set("X-Amz-Meta-Note", "changed")
	expectError(t, "presigned PUT with a changed signed header", do(t, req), 403, "SignatureDoesNotMatch")
	expectContent(t, "m intact", s.getBody(t, "/bkt/m"), "meta")
}

// awsChunkedFrames splits an aws-chunked body into its frames (size line,
// data, CRLF), the final zero-length frame last.
func awsChunkedFrames(t *testing.T, body []byte) [][]byte {
	t.Helper()
	var frames [][]byte
	for len(body) > 0 {
		eol := bytes.Index(body, []byte("\r\n"))
		if eol < 0 {
			t.Fatalf("aws-chunked: no line end in %q", body)
		}
		sizeText, _, _ := strings.Cut(string(body[:eol]), ";")
		size, err := strconv.ParseInt(sizeText, 16, 64)
		if err != nil {
			t.Fatal(err)
		}
		n := eol + 2 + int(size) + 2
		frames = append(frames, body[:n:n])
		body = body[n:]
	}
	return frames
}

// TestStreamingChunkChain: every chunk signature chains to the previous
// one, so chunks from another stream, chunks in another order, a dropped
// chunk or a missing final chunk are refused, and the object under the
// key keeps its content. (TestStreamingBrokenChunkSignature covers a
// flipped data byte.)
func TestStreamingChunkChain(t *testing.T) {
	s := startServer(t)
	expectStatus(t, "create bucket", do(t, s.signed(t, "PUT", "/bkt", nil, s.secretKey, time.Now())), 200)
	expectStatus(t, "put original", do(t, s.signed(t, "PUT", "/bkt/k", []byte("original"), s.secretKey, time.Now())), 200)
	data := pattern(4<<16+100, 4) // four full 64 KiB chunks, a short one, the final one
	stream := func(at time.Time) (*http.Request, [][]byte) {
		req := mustRequest(t, "PUT", s.url()+"/bkt/k", nil)
		req.Body = io.NopCloser(bytes.NewReader(data))
		req = signer.StreamingSignV4(req, s.accessKey, s.secretKey, "", "us-east-1", int64(len(data)), at.UTC(), closingHash{sha256.New()})
		encoded, err := io.ReadAll(req.Body)
		if err != nil {
			t.Fatal(err)
		}
		return req, awsChunkedFrames(t, encoded)
	}
	send := func(req *http.Request, frames [][]byte) rawResponse {
		body := bytes.Join(frames, nil)
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.ContentLength = int64(len(body))
		return do(t, req)
	}
	now := time.Now()
	_, other := stream(now.Add(-time.Second)) // the same data, another seed
	cases := []struct {
		name   string
		change func([][]byte) [][]byte
		status int
		code   string
	}{
		{"a chunk of another stream", func(f [][]byte) [][]byte { f[2] = other[2]; return f }, 403, "SignatureDoesNotMatch"},
		{"the final chunk of another stream", func(f [][]byte) [][]byte { f[len(f)-1] = other[len(f)-1]; return f }, 403, "SignatureDoesNotMatch"},
		{"two chunks swapped", func(f [][]byte) [][]byte { f[1], f[2] = f[2], f[1]; return f }, 403, "SignatureDoesNotMatch"},
		{"a chunk repeated", func(f [][]byte) [][]byte { f[2] = f[1]; return f }, 403, "SignatureDoesNotMatch"},
		{"a chunk dropped", func(f [][]byte) [][]byte { return append(f[:1:1], f[2:]...) }, 403, "SignatureDoesNotMatch"},
		{"the final chunk dropped", func(f [][]byte) [][]byte { return f[:len(f)-1] }, 400, "IncompleteBody"},
		{"cut after two chunks", func(f [][]byte) [][]byte { return f[:2] }, 400, "IncompleteBody"},
	}
	if n := len(other); n != 6 {
		t.Fatalf("%d frames, want 6", n)
	}
	for _, c := range cases {
		req, frames := stream(now)
		expectError(t, c.name, send(req, c.change(frames)), c.status, c.code)
		expectContent(t, "after "+c.name, s.getBody(t, "/bkt/k"), "original")
	}
	req, frames := stream(now)
	expectStatus(t, "the stream unchanged", send(req, frames), 200)
	if r := s.getBody(t, "/bkt/k"); !bytes.Equal(r.body, data) {
		t.Errorf("the stream reads back %d bytes", len(r.body))
	}
}

func crc32Base64(b []byte) string {
	var sum [4]byte
	binary.BigEndian.PutUint32(sum[:], crc32.ChecksumIEEE(b))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// unsignedTrailerPut is a STREAMING-UNSIGNED-PAYLOAD-TRAILER upload of
// data whose trailer sends crc as x-amz-checksum-crc32.
func (s *server) unsignedTrailerPut(t *testing.T, path string, data []byte, crc string) *http.Request {
	t.Helper()
	var b bytes.Buffer
	for off := 0; off < len(data); off += 64 << 10 {
		chunk := data[off:min(off+64<<10, len(data))]
		fmt.Fprintf(&b, "%x\r\n", len(chunk))
		b.Write(chunk)
		b.WriteString("\r\n")
	}
	b.WriteString("0\r\nx-amz-checksum-crc32:" + crc + "\r\n\r\n")
	req := mustRequest(t, "PUT", s.url()+path, bytes.NewReader(b.Bytes()))
	req.Header.Set("Content-Encoding", "aws-chunked")
	req.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(len(data)))
	req.Header.Set("X-Amz-Trailer", "x-amz-checksum-crc32")
	return s.signedPayload(t, req, "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
}

// TestTrailerChecksumMismatch: a trailing checksum that does not match
// the data stores nothing, in a PUT and in an UploadPart, signed or not.
func TestTrailerChecksumMismatch(t *testing.T) {
	s := startServer(t)
	expectStatus(t, "create bucket", do(t, s.signed(t, "PUT", "/bkt", nil, s.secretKey, time.Now())), 200)
	expectStatus(t, "put original", do(t, s.signed(t, "PUT", "/bkt/k", []byte("original"), s.secretKey, time.Now())), 200)
	data := pattern(150<<10, 6)
	wrong := crc32Base64([]byte("something else"))

	expectError(t, "unsigned trailer, wrong crc32", do(t, s.unsignedTrailerPut(t, "/bkt/k", data, wrong)), 400, "BadDigest")
	expectContent(t, "after a wrong unsigned trailer", s.getBody(t, "/bkt/k"), "original")
	expectError(t, "unsigned trailer, malformed crc32", do(t, s.unsignedTrailerPut(t, "/bkt/k", data, "not base64!")), 400, "InvalidRequest")
	expectContent(t, "after a malformed unsigned trailer", s.getBody(t, "/bkt/k"), "original")

	signedTrailer := func(crc string) *http.Request {
		req := mustRequest(t, "PUT", s.url()+"/bkt/k", nil)
		req.Body = io.NopCloser(bytes.NewReader(data))
		req.Trailer = http.Header{"x-amz-checksum-crc32": {crc}}
		return signer.StreamingSignV4(req, s.accessKey, s.secretKey, "", "us-east-1", int64(len(data)), time.Now().UTC(), closingHash{sha256.New()})
	}
	expectError(t, "signed trailer, wrong crc32", do(t, signedTrailer(wrong)), 400, "BadDigest")
	expectContent(t, "after a wrong signed trailer", s.getBody(t, "/bkt/k"), "original")
	// The right checksum under a forged trailer signature.
	req := signedTrailer(crc32Base64(data))
	encoded, err := io.ReadAll(req.Body)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(encoded, []byte("x-amz-trailer-signature:")) + len("x-amz-trailer-signature:")
	encoded[i] ^= 1
	req.Body = io.NopCloser(bytes.NewReader(encoded))
	expectError(t, "signed trailer, forged trailer signature", do(t, req), 403, "SignatureDoesNotMatch")
	expectContent(t, "after a forged trailer signature", s.getBody(t, "/bkt/k"), "original")

	// An upload part with a wrong trailer is not kept.
	r := do(t, s.signed(t, "POST", "/bkt/mp?uploads", nil, s.secretKey, time.Now()))
	expectStatus(t, "create multipart upload", r, 200)
	var created struct {
		UploadID string `xml:"UploadId"`
	}
	if err := xml.Unmarshal(r.body, &created); err != nil || created.UploadID == "" {
		t.Fatalf("CreateMultipartUpload: %q %v", r.body, err)
	}
	part := "/bkt/mp?partNumber=1&uploadId=" + created.UploadID
	expectError(t, "upload part, wrong crc32", do(t, s.unsignedTrailerPut(t, part, data, wrong)), 400, "BadDigest")
	r = do(t, s.signed(t, "GET", "/bkt/mp?uploadId="+created.UploadID, nil, s.secretKey, time.Now()))
	expectStatus(t, "list parts", r, 200)
	if bytes.Contains(r.body, []byte("<Part>")) {
		t.Errorf("a part with a wrong trailer was kept: %s", r.body)
	}

	// The right checksums go through.
	expectStatus(t, "unsigned trailer, right crc32", do(t, s.unsignedTrailerPut(t, "/bkt/k", data, crc32Base64(data))), 200)
	expectStatus(t, "signed trailer, right crc32", do(t, signedTrailer(crc32Base64(data))), 200)
	if r := s.getBody(t, "/bkt/k"); !bytes.Equal(r.body, data) {
		t.Errorf("trailer upload reads back %d bytes", len(r.body))
	}
}

// TestPathTraversal: keys and bucket names with dot segments, encoded or
// not, never reach outside DIR. A bucket name with dots is refused; a key
// with dot segments is only a key, stored and listed as such.
func TestPathTraversal(t *testing.T) {
	root := t.TempDir()
	s := &server{t: t, dir: filepath.Join(root, "up1", "up2", "data"), accessKey: "AK" + strings.ToUpper(randomHex(9)), secretKey: randomHex(20)}
	s.env = []string{"KURA_ROOT_USER=" + s.accessKey, "KURA_ROOT_PASSWORD=" + s.secretKey}
	s.start()
	t.Cleanup(s.stop)
	expectStatus(t, "create bucket", do(t, s.signed(t, "PUT", "/bkt", nil, s.secretKey, time.Now())), 200)
	token := "escape" + randomHex(4)
	cwd, _ := os.Getwd()

	// raw sends wire, a path with dot segments and escapes, exactly so
	// (net/http neither cleans nor re-escapes it), signed as S3 signs:
	// over the decoded path, encoded once. So the request passes the
	// signature check and reaches the handlers.
	raw := func(method, wire string, body []byte) rawResponse {
		t.Helper()
		decoded, err := url.PathUnescape(wire)
		if err != nil {
			t.Fatal(err)
		}
		req := mustRequest(t, method, s.url()+decoded, bytes.NewReader(body))
		hash := sha256Hex(body)
		req.Header.Set("X-Amz-Content-Sha256", hash)
		creds := aws.Credentials{AccessKeyID: s.accessKey, SecretAccessKey: s.secretKey}
		err = v4.NewSigner().SignHTTP(context.Background(), creds, req, hash, "s3", "us-east-1", time.Now(), func(o *v4.SignerOptions) {
			o.DisableURIPathEscaping = true // as S3 clients sign: the path encoded once
		})
		if err != nil {
			t.Fatal(err)
		}
		req.URL.RawPath = wire
		if req.URL.EscapedPath() != wire {
			t.Fatalf("cannot send %s as is", wire)
		}
		return do(t, req)
	}
	isS3Error := func(what string, r rawResponse) {
		t.Helper()
		if r.status < 400 || r.status >= 500 || r.err.Code == "" {
			t.Errorf("%s: %d %q, want a 4xx S3 error", what, r.status, r.body)
		}
	}
	for _, b := range []string{"/..", "/%2e%2e", "/.", "/../" + token, "/%2E%2E/" + token, "/..%2f" + token, "/.%2e/" + token} {
		r := raw("PUT", b, []byte("x"))
		isS3Error("PUT "+b, r)
		t.Logf("PUT %s: %d %s", b, r.status, r.err.Code)
	}
	expectError(t, "bucket ..", raw("PUT", "/..", nil), 400, "InvalidBucketName")

	keys := map[string]string{ // path → the key it names
		"/bkt/../../" + token:             "../../" + token,
		"/bkt/../../../../" + token:       "../../../../" + token,
		"/bkt/a/../../../" + token:        "a/../../../" + token,
		"/bkt/..%2F..%2F" + token:         "../../" + token,
		"/bkt/%2e%2e/%2e%2e/" + token:     "../../" + token,
		"/bkt/..%5C..%5C" + token:         `..\..\` + token,
		"/bkt//../" + token:               "/../" + token,
		"/bkt/%2e%2e%2f%2e%2e%2f" + token: "../../" + token,
	}
	for path, key := range keys {
		r := raw("PUT", path, []byte(path))
		t.Logf("PUT %s: %d %s", path, r.status, r.err.Code)
		if r.status != 200 {
			isS3Error("PUT "+path, r)
			continue
		}
		// Stored: it must be the key, nothing else.
		got := raw("GET", path, nil)
		expectContent(t, "GET "+path, got, path)
		list := do(t, s.signed(t, "GET", "/bkt?list-type=2&prefix="+strings.ReplaceAll(s3QueryEscape(key), "+", "%20"), nil, s.secretKey, time.Now()))
		if !bytes.Contains(list.body, []byte("<Key>"+xmlEscape(key)+"</Key>")) {
			t.Errorf("PUT %s: key %q not listed: %s", path, key, list.body)
		}
	}
	for _, path := range []string{"/bkt/../../../../../../etc/passwd", "/bkt/..%2f..%2f..%2f..%2f..%2fetc%2fpasswd", "/bkt/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/bkt/../../../../../../" + s.dir + "/root-credentials.json"} {
		r := raw("GET", path, nil)
		expectError(t, "GET "+path, r, 404, "NoSuchKey")
		if bytes.Contains(r.body, []byte("root:")) {
			t.Errorf("GET %s leaked a file: %q", path, r.body)
		}
	}
	for _, src := range []string{"bkt/../../../../../etc/passwd", "/../../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "bkt/" + strings.Repeat("../", 8) + s.dir + "/root-credentials.json"} {
		req := s.signed(t, "PUT", "/bkt/copy", nil, s.secretKey, time.Now())
		req.Header.Set("X-Amz-Copy-Source", src)
		r := do(t, s.resign(t, req, nil))
		isS3Error("copy from "+src, r)
	}
	expectError(t, "copy result absent", s.getBody(t, "/bkt/copy"), 404, "NoSuchKey")
	expectError(t, "upload part with a traversing upload id",
		do(t, s.signed(t, "PUT", "/bkt/k?partNumber=1&uploadId=..%2F..%2F"+token, []byte("x"), s.secretKey, time.Now())), 404, "NoSuchUpload")

	// Nothing outside DIR, and nothing anywhere named after the token.
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		inside := p == s.dir || strings.HasPrefix(p, s.dir+string(filepath.Separator))
		if !inside && p != root && p != filepath.Dir(s.dir) && p != filepath.Dir(filepath.Dir(s.dir)) {
			t.Errorf("created outside DIR: %s", p)
		}
		if strings.Contains(d.Name(), token) {
			t.Errorf("a file named after a key: %s", p)
		}
		return nil
	})
	for _, dir := range []string{filepath.Dir(root), os.TempDir(), cwd, filepath.Dir(cwd)} {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if strings.Contains(e.Name(), token) {
				t.Errorf("created outside DIR: %s", filepath.Join(dir, e.Name()))
			}
		}
	}
}

// s3QueryEscape escapes a query value as S3 signers expect (no '+').
func s3QueryEscape(v string) string {
	var b strings.Builder
	for _, c := range []byte(v) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_.~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func xmlEscape(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// billionLaughs returns root's document with a value that would expand
// to 10^9 "lol"s if entities were expanded.
func billionLaughs(inner string) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?>` + "\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n")
	for i := 1; i <= 9; i++ {
		prev := "lol"
		if i > 1 {
			prev = "lol" + strconv.Itoa(i-1)
		}
		b.WriteString(" <!ENTITY lol" + strconv.Itoa(i) + " \"" + strings.Repeat("&"+prev+";", 10) + "\">\n")
	}
	b.WriteString("]>\n")
	b.WriteString(strings.ReplaceAll(inner, "VALUE", "&lol9;"))
	return []byte(b.String())
}

// TestXMLBombs: entity expansion (billion laughs) and external entities
// in every XML request body are refused at once, and change nothing.
func TestXMLBombs(t *testing.T) {
	s := startServer(t)
	expectStatus(t, "create bucket", do(t, s.signed(t, "PUT", "/bkt", nil, s.secretKey, time.Now())), 200)
	expectStatus(t, "put", do(t, s.signed(t, "PUT", "/bkt/victim", []byte("kept"), s.secretKey, time.Now())), 200)
	r := do(t, s.signed(t, "POST", "/bkt/mp?uploads", nil, s.secretKey, time.Now()))
	var created struct {
		UploadID string `xml:"UploadId"`
	}
	if err := xml.Unmarshal(r.body, &created); err != nil || created.UploadID == "" {
		t.Fatalf("CreateMultipartUpload: %q %v", r.body, err)
	}
	targets := []struct{ method, path, doc string }{
		{"PUT", "/bkt?tagging", "<Tagging><TagSet><Tag><Key>k</Key><Value>VALUE</Value></Tag></TagSet></Tagging>"},
		{"PUT", "/bkt/victim?tagging", "<Tagging><TagSet><Tag><Key>k</Key><Value>VALUE</Value></Tag></TagSet></Tagging>"},
		{"POST", "/bkt?delete", "<Delete><Object><Key>VALUE</Key></Object></Delete>"},
		{"POST", "/bkt/mp?uploadId=" + created.UploadID, "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>VALUE</ETag></Part></CompleteMultipartUpload>"},
		{"PUT", "/bkt?versioning", "<VersioningConfiguration><Status>VALUE</Status></VersioningConfiguration>"},
		{"PUT", "/bkt?cors", "<CORSConfiguration><CORSRule><AllowedOrigin>VALUE</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>"},
		{"PUT", "/bkt?encryption", "<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>VALUE</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>"},
		{"PUT", "/bkt?acl", "<AccessControlPolicy><Owner><ID>VALUE</ID></Owner><AccessControlList></AccessControlList></AccessControlPolicy>"},
		{"PUT", "/bkt2", "<CreateBucketConfiguration><LocationConstraint>VALUE</LocationConstraint></CreateBucketConfiguration>"},
	}
	external := `<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>`
	var worst time.Duration
	for _, tg := range targets {
		bodies := map[string][]byte{
			"billion laughs":  billionLaughs(tg.doc),
			"external entity": []byte(external + strings.ReplaceAll(tg.doc, "VALUE", "&e;")),
		}
		for kind, body := range bodies {
			req := s.signed(t, tg.method, tg.path, body, s.secretKey, time.Now())
			sum := md5.Sum(body)
			req.Header.Set("Content-Md5", base64.StdEncoding.EncodeToString(sum[:]))
			start := time.Now()
			r := do(t, req)
			took := time.Since(start)
			worst = max(worst, took)
			what := fmt.Sprintf("%s %s %s", kind, tg.method, tg.path)
			if r.status != 400 || r.err.Code == "" {
				t.Errorf("%s: %d %q, want a 400 S3 error", what, r.status, r.body)
			} else if r.err.Code != "MalformedXML" {
				t.Logf("%s: %s", what, r.err.Code)
			}
			if bytes.Contains(r.body, []byte("root:")) {
				t.Errorf("%s: the answer holds /etc/passwd: %q", what, r.body)
			}
			if took > 5*time.Second {
				t.Errorf("%s took %v", what, took)
			}
		}
	}
	t.Logf("slowest refusal: %v", worst)
	expectContent(t, "object not deleted", s.getBody(t, "/bkt/victim"), "kept")
	expectError(t, "no bucket tags", s.getBody(t, "/bkt?tagging"), 404, "NoSuchTagSet")
	if r := s.getBody(t, "/bkt/victim?tagging"); bytes.Contains(r.body, []byte("<Tag>")) {
		t.Errorf("object tags set: %s", r.body)
	}
	expectStatus(t, "no bucket2", do(t, s.signed(t, "HEAD", "/bkt2", nil, s.secretKey, time.Now())), 404)
	if r := s.getBody(t, "/bkt?versioning"); bytes.Contains(r.body, []byte("<Status>")) {
		t.Errorf("versioning set: %s", r.body)
	}
	expectError(t, "no CORS", s.getBody(t, "/bkt?cors"), 404, "NoSuchCORSConfiguration")
	expectStatus(t, "upload still open", do(t, s.signed(t, "GET", "/bkt/mp?uploadId="+created.UploadID, nil, s.secretKey, time.Now())), 200)
}

// TestHostHeaderMismatch: the host is signed; a request replayed to
// another Host (another virtual-host bucket, another server name) is
// refused and changes nothing.
func TestHostHeaderMismatch(t *testing.T) {
	s := startServer(t, "--domain", "kura.test")
	for _, b := range []string{"bk1", "bk2"} {
		expectStatus(t, "create "+b, do(t, s.signed(t, "PUT", "/"+b, nil, s.secretKey, time.Now())), 200)
	}
	expectStatus(t, "put", do(t, s.signed(t, "PUT", "/bk1/k", []byte("one"), s.secretKey, time.Now())), 200)

	req := s.signed(t, "GET", "/bk1/k", nil, s.secretKey, time.Now())
	req.Host = "evil.example.com"
	expectError(t, "path-style GET to another Host", do(t, req), 403, "SignatureDoesNotMatch")
	req = s.signed(t, "PUT", "/bk1/k", []byte("evil"), s.secretKey, time.Now())
	_, port, _ := net.SplitHostPort(s.addr)
	req.Host = "127.0.0.2:" + port
	expectError(t, "path-style PUT to another port", do(t, req), 403, "SignatureDoesNotMatch")
	get := mustRequest(t, "GET", s.presign(t, "GET", "/bk1/k", nil), nil)
	get.Host = "localhost:" + port
	expectError(t, "presigned GET to another Host", do(t, get), 403, "SignatureDoesNotMatch")

	// Virtual-host style: signed for bk1.kura.test, sent to bk2.kura.test.
	vreq := mustRequest(t, "PUT", "http://"+s.addr+"/k", bytes.NewReader([]byte("evil")))
	vreq.Host = "bk1.kura.test:" + port
	vreq = s.resign(t, vreq, []byte("evil"))
	vreq.Host = "bk2.kura.test:" + port
	expectError(t, "virtual-host PUT moved to another bucket", do(t, vreq), 403, "SignatureDoesNotMatch")
	vreq = mustRequest(t, "DELETE", "http://"+s.addr+"/k", nil)
	vreq.Host = "bk2.kura.test:" + port
	vreq = s.resign(t, vreq, nil)
	vreq.Host = "bk1.kura.test:" + port
	expectError(t, "virtual-host DELETE moved to another bucket", do(t, vreq), 403, "SignatureDoesNotMatch")

	expectContent(t, "bk1/k intact", s.getBody(t, "/bk1/k"), "one")
	expectError(t, "bk2/k absent", s.getBody(t, "/bk2/k"), 404, "NoSuchKey")
}
