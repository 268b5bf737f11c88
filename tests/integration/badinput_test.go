package integration

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"hash"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/minio/minio-go/v7/pkg/signer"
)

// The raw requests here are signed by aws-sdk-go-v2's signer or
// minio-go's, not kura's, so the server is checked against independent
// implementations.

type s3Error struct {
	Code      string `xml:"Code"`
	Message   string `xml:"Message"`
	RequestID string `xml:"RequestId"`
}

type rawResponse struct {
	status int
	header http.Header
	body   []byte
	err    s3Error
}

func do(t *testing.T, req *http.Request) rawResponse {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	r := rawResponse{status: resp.StatusCode, header: resp.Header, body: body}
	if resp.StatusCode >= 300 && len(body) > 0 {
		if err := xml.Unmarshal(body, &r.err); err != nil {
			t.Fatalf("error body is not S3 XML: %q", body)
		}
	}
	if resp.Header.Get("x-amz-request-id") == "" {
		t.Error("response without x-amz-request-id")
	}
	return r
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// signed builds a request signed with aws-sdk-go-v2's signer at time at.
func (s *server) signed(t *testing.T, method, path string, body []byte, secret string, at time.Time) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, s.url()+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Content-Sha256", sha256Hex(body))
	return sign(t, req, s.accessKey, secret, body, at)
}

// resign signs req as it is now (after headers were added).
func (s *server) resign(t *testing.T, req *http.Request, body []byte) *http.Request {
	return sign(t, req, s.accessKey, s.secretKey, body, time.Now())
}

func sign(t *testing.T, req *http.Request, accessKey, secret string, body []byte, at time.Time) *http.Request {
	t.Helper()
	hash := sha256Hex(body)
	req.Header.Set("X-Amz-Content-Sha256", hash)
	req.Header.Del("Authorization")
	creds := aws.Credentials{AccessKeyID: accessKey, SecretAccessKey: secret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hash, "s3", "us-east-1", at); err != nil {
		t.Fatal(err)
	}
	return req
}

func expectError(t *testing.T, what string, r rawResponse, status int, code string) {
	t.Helper()
	if r.status != status || r.err.Code != code {
		t.Errorf("%s: got %d %s (%s), want %d %s", what, r.status, r.err.Code, r.err.Message, status, code)
	}
	if r.err.RequestID == "" && status != http.StatusNotModified {
		t.Errorf("%s: error without RequestId", what)
	}
}

func expectStatus(t *testing.T, what string, r rawResponse, status int) {
	t.Helper()
	if r.status != status {
		t.Errorf("%s: status %d (%s %s), want %d", what, r.status, r.err.Code, r.err.Message, status)
	}
}

func TestBadInput(t *testing.T) {
	s := startServer(t)
	now := time.Now()
	put := func(path string, body []byte) rawResponse {
		return do(t, s.signed(t, "PUT", path, body, s.secretKey, now))
	}
	getStatus := func(path string) int { return do(t, s.signed(t, "GET", path, nil, s.secretKey, time.Now())).status }
	expectStatus(t, "create bucket", put("/bkt", nil), 200)
	expectStatus(t, "put", put("/bkt/obj", []byte("original")), 200)

	expectError(t, "wrong secret", do(t, s.signed(t, "PUT", "/bkt/obj", []byte("evil"), "wrong-secret", now)), 403, "SignatureDoesNotMatch")
	expectError(t, "16 minutes skew", do(t, s.signed(t, "PUT", "/bkt/obj", []byte("evil"), s.secretKey, now.Add(-16*time.Minute))), 403, "RequestTimeTooSkewed")
	expectError(t, "16 minutes ahead", do(t, s.signed(t, "PUT", "/bkt/obj", []byte("evil"), s.secretKey, now.Add(16*time.Minute))), 403, "RequestTimeTooSkewed")
	expectStatus(t, "14 minutes skew", do(t, s.signed(t, "GET", "/bkt/obj", nil, s.secretKey, now.Add(-14*time.Minute))), 200)
	expectError(t, "missing bucket", do(t, s.signed(t, "GET", "/nosuchbucket/x", nil, s.secretKey, now)), 404, "NoSuchBucket")
	expectError(t, "missing key", do(t, s.signed(t, "GET", "/bkt/nosuchkey", nil, s.secretKey, now)), 404, "NoSuchKey")
	expectError(t, "invalid bucket name", put("/Bad_Bucket", nil), 400, "InvalidBucketName")
	expectError(t, "short bucket name", put("/ab", nil), 400, "InvalidBucketName")
	expectError(t, "malformed CreateBucket XML", put("/bkt2", []byte("<CreateBucketConfiguration><Loc")), 400, "MalformedXML")
	expectError(t, "malformed Delete XML", do(t, s.signed(t, "POST", "/bkt?delete", []byte("<Delete><Object>"), s.secretKey, now)), 400, "MalformedXML")
	expectError(t, "anonymous", do(t, mustRequest(t, "GET", s.url()+"/bkt/obj", nil)), 403, "AccessDenied")
	expectStatus(t, "bucket re-created in us-east-1", put("/bkt", nil), 200)
	expectError(t, "bucket re-created in another region", put("/bkt", []byte("<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>")), 409, "BucketAlreadyOwnedByYou")
	expectError(t, "bucket not empty", do(t, s.signed(t, "DELETE", "/bkt", nil, s.secretKey, now)), 409, "BucketNotEmpty")

	// Keys: 1024 bytes is the limit.
	expectStatus(t, "1024-byte key", put("/bkt/"+strings.Repeat("k", 1024), []byte("x")), 200)
	expectError(t, "1025-byte key", put("/bkt/"+strings.Repeat("k", 1025), []byte("x")), 400, "KeyTooLongError")

	// A body that does not match x-amz-content-sha256.
	req := s.signed(t, "PUT", "/bkt/obj", []byte("original"), s.secretKey, now)
	req.Body = io.NopCloser(strings.NewReader("tampered"))
	expectError(t, "payload hash mismatch", do(t, req), 400, "XAmzContentSHA256Mismatch")

	// Ranges and conditionals.
	expectError(t, "unsatisfiable range", do(t, withHeader(s.signed(t, "GET", "/bkt/obj", nil, s.secretKey, now), "Range", "bytes=100-")), 416, "InvalidRange")
	r := do(t, withHeader(s.signed(t, "GET", "/bkt/obj", nil, s.secretKey, now), "Range", "bytes=2-4"))
	if r.status != 206 || string(r.body) != "igi" || r.header.Get("Content-Range") != "bytes 2-4/8" {
		t.Errorf("range: %d %q %q", r.status, r.body, r.header.Get("Content-Range"))
	}
	etag := do(t, s.signed(t, "HEAD", "/bkt/obj", nil, s.secretKey, now)).header.Get("ETag")
	expectStatus(t, "If-None-Match hit", do(t, withHeader(s.signed(t, "GET", "/bkt/obj", nil, s.secretKey, now), "If-None-Match", etag)), 304)
	expectError(t, "If-Match miss", do(t, withHeader(s.signed(t, "GET", "/bkt/obj", nil, s.secretKey, now), "If-Match", `"nope"`)), 412, "PreconditionFailed")
	expectStatus(t, "If-Match hit", do(t, withHeader(s.signed(t, "GET", "/bkt/obj", nil, s.secretKey, now), "If-Match", etag)), 200)

	// Nothing above changed the object.
	r = do(t, s.signed(t, "GET", "/bkt/obj", nil, s.secretKey, time.Now()))
	if string(r.body) != "original" {
		t.Fatalf("bad input changed the object: %q", r.body)
	}
	if st := getStatus("/bkt2"); st != 404 {
		t.Errorf("refused CreateBucket created a bucket: %d", st)
	}
}

func withHeader(r *http.Request, k, v string) *http.Request {
	r.Header.Set(k, v) // not signed: these headers need not be
	return r
}

func mustRequest(t *testing.T, method, url string, body io.Reader) *http.Request {
	t.Helper()
	r, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestPresignedURLs(t *testing.T) {
	s := startServer(t)
	c := newAWSClient(s)
	ctx := ctx(t)
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bkt")}); err != nil {
		t.Fatal(err)
	}
	presign := func(expires time.Duration, at time.Time) string {
		p := s3.NewPresignClient(c, s3.WithPresignExpires(expires))
		req, err := p.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k")}, func(o *s3.PresignOptions) {
			o.Presigner = fixedTimePresigner{v4.NewSigner(), at}
		})
		if err != nil {
			t.Fatal(err)
		}
		return req.URL
	}
	putReq, err := s3.NewPresignClient(c).PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	expectStatus(t, "presigned put", do(t, mustRequest(t, "PUT", putReq.URL, strings.NewReader("via presign"))), 200)
	r := do(t, mustRequest(t, "GET", presign(time.Hour, time.Now()), nil))
	if r.status != 200 || string(r.body) != "via presign" {
		t.Fatalf("presigned get: %d %q", r.status, r.body)
	}
	expectStatus(t, "7-day expiry", do(t, mustRequest(t, "GET", presign(7*24*time.Hour, time.Now()), nil)), 200)
	expectError(t, "expiry over 7 days", do(t, mustRequest(t, "GET", presign(7*24*time.Hour+time.Second, time.Now()), nil)), 400, "AuthorizationQueryParametersError")
	expectError(t, "expired", do(t, mustRequest(t, "GET", presign(time.Minute, time.Now().Add(-2*time.Minute)), nil)), 403, "AccessDenied")
	tampered := strings.Replace(presign(time.Hour, time.Now()), "/bkt/k", "/bkt/other", 1)
	expectError(t, "tampered presigned URL", do(t, mustRequest(t, "GET", tampered, nil)), 403, "SignatureDoesNotMatch")
}

type fixedTimePresigner struct {
	s  *v4.Signer
	at time.Time
}

func (f fixedTimePresigner) PresignHTTP(ctx context.Context, creds aws.Credentials, r *http.Request, payloadHash, service, region string, _ time.Time, optFns ...func(*v4.SignerOptions)) (string, http.Header, error) {
	return f.s.PresignHTTP(ctx, creds, r, payloadHash, service, region, f.at, optFns...)
}

// TestStreamingBrokenChunkSignature sends a STREAMING-AWS4-HMAC-SHA256-PAYLOAD
// body signed by minio-go's streaming signer, then flips one byte of chunk
// data: kura must refuse it and store nothing.
func TestStreamingBrokenChunkSignature(t *testing.T) {
	s := startServer(t)
	expectStatus(t, "create bucket", do(t, s.signed(t, "PUT", "/bkt", nil, s.secretKey, time.Now())), 200)
	data := pattern(200<<10, 9) // several 64 KiB chunks
	send := func(key string, corrupt bool) rawResponse {
		req := mustRequest(t, "PUT", s.url()+"/bkt/"+key, nil)
		req.Body = io.NopCloser(bytes.NewReader(data))
		req = signer.StreamingSignV4(req, s.accessKey, s.secretKey, "", "us-east-1", int64(len(data)), time.Now().UTC(), closingHash{sha256.New()})
		if corrupt {
			encoded, err := io.ReadAll(req.Body)
			if err != nil {
				t.Fatal(err)
			}
			encoded[len(encoded)/2] ^= 0x01
			req.Body = io.NopCloser(bytes.NewReader(encoded))
			req.ContentLength = int64(len(encoded))
		}
		return do(t, req)
	}
	expectStatus(t, "valid streaming put", send("good", false), 200)
	r := do(t, s.signed(t, "GET", "/bkt/good", nil, s.secretKey, time.Now()))
	if !bytes.Equal(r.body, data) {
		t.Fatalf("streamed object reads back %d bytes", len(r.body))
	}
	expectError(t, "broken chunk signature", send("bad", true), 403, "SignatureDoesNotMatch")
	expectError(t, "no object after broken stream", do(t, s.signed(t, "GET", "/bkt/bad", nil, s.secretKey, time.Now())), 404, "NoSuchKey")
}

func TestDeleteObjectsLimit(t *testing.T) {
	s := startServer(t)
	expectStatus(t, "create bucket", do(t, s.signed(t, "PUT", "/bkt", nil, s.secretKey, time.Now())), 200)
	doc := func(n int) []byte {
		var b strings.Builder
		b.WriteString("<Delete><Quiet>true</Quiet>")
		for i := range n {
			b.WriteString("<Object><Key>k" + strconv.Itoa(i) + "</Key></Object>")
		}
		b.WriteString("</Delete>")
		return []byte(b.String())
	}
	expectStatus(t, "1000 keys", do(t, s.signed(t, "POST", "/bkt?delete", doc(1000), s.secretKey, time.Now())), 200)
	expectError(t, "1001 keys", do(t, s.signed(t, "POST", "/bkt?delete", doc(1001), s.secretKey, time.Now())), 400, "MalformedXML")
}

// closingHash adapts a hash.Hash to the hasher minio-go's signer takes.
type closingHash struct{ hash.Hash }

func (closingHash) Close() {}
