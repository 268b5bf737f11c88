package sigv4

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"hash/crc32"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/minio/minio-go/v7/pkg/signer"

	"github.com/kurastore/kura/checksum"
	"github.com/kurastore/kura/s3err"
)

const (
	testAK = "AKIAIOSFODNN7EXAMPLE"
	testSK = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

var testNow = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

func verifier() *Verifier {
	return &Verifier{
		Region: "us-east-1",
		Lookup: func(ak string) (string, error) {
			if ak == testAK {
				return testSK, nil
			}
			return "", s3err.ErrInvalidAccessKeyID
		},
		Now: func() time.Time { return testNow },
	}
}

func awsSigned(t *testing.T, method, url string, body []byte, at time.Time, secret string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	h := hex.EncodeToString(sum[:])
	r.Header.Set("X-Amz-Content-Sha256", h)
	r.Header.Set("X-Amz-Meta-Note", "  two   spaces ")
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: testAK, SecretAccessKey: secret}, r, h, "s3", "us-east-1", at, func(o *v4.SignerOptions) {
		o.DisableURIPathEscaping = true // as the S3 client signs: the path is encoded once
	}); err != nil {
		t.Fatal(err)
	}
	return r
}

func readAll(t *testing.T, res *Result) ([]byte, error) {
	t.Helper()
	return io.ReadAll(res.Body)
}

func TestHeaderAgainstAWSSigner(t *testing.T) {
	urls := []string{
		"http://127.0.0.1:9000/bucket/key",
		"http://127.0.0.1:9000/bucket/a%20b/c%2Bd/%E2%82%AC%21%2A%27%28%29//x/../y",
		"http://127.0.0.1:9000/bucket?list-type=2&prefix=a%2Fb&delimiter=%2F&encoding-type=url",
		"http://127.0.0.1:9000/bucket?delete",
		"http://127.0.0.1:9000/",
	}
	for _, u := range urls {
		body := []byte("payload")
		res, err := verifier().Verify(awsSigned(t, "PUT", u, body, testNow, testSK))
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		if got, err := readAll(t, res); err != nil || !bytes.Equal(got, body) {
			t.Fatalf("%s: body %q %v", u, got, err)
		}
	}
	cases := []struct {
		name string
		req  *http.Request
		want error
	}{
		{"wrong secret", awsSigned(t, "GET", "http://h/b/k", nil, testNow, "wrong"), s3err.ErrSignatureDoesNotMatch},
		{"skew 16m", awsSigned(t, "GET", "http://h/b/k", nil, testNow.Add(-16*time.Minute), testSK), s3err.ErrRequestTimeTooSkewed},
		{"skew 15m ok", awsSigned(t, "GET", "http://h/b/k", nil, testNow.Add(-15*time.Minute), testSK), nil},
		{"skew ahead 16m", awsSigned(t, "GET", "http://h/b/k", nil, testNow.Add(16*time.Minute), testSK), s3err.ErrRequestTimeTooSkewed},
	}
	for _, c := range cases {
		if _, err := verifier().Verify(c.req); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	// Tampering with a signed header, the path or an unsigned x-amz header.
	r := awsSigned(t, "GET", "http://h/b/k", nil, testNow, testSK)
	r.Header.Set("X-Amz-Meta-Note", "changed")
	if _, err := verifier().Verify(r); !errors.Is(err, s3err.ErrSignatureDoesNotMatch) {
		t.Errorf("changed header: %v", err)
	}
	r = awsSigned(t, "GET", "http://h/b/k", nil, testNow, testSK)
	r.URL.Path = "/b/other"
	if _, err := verifier().Verify(r); !errors.Is(err, s3err.ErrSignatureDoesNotMatch) {
		t.Errorf("changed path: %v", err)
	}
	r = awsSigned(t, "GET", "http://h/b/k", nil, testNow, testSK)
	r.Header.Set("X-Amz-Extra", "sneaky")
	if _, err := verifier().Verify(r); !errors.Is(err, s3err.ErrUnsignedHeaders) {
		t.Errorf("unsigned x-amz header: %v", err)
	}
	// A body that does not match its declared hash fails at EOF.
	r = awsSigned(t, "PUT", "http://h/b/k", []byte("good"), testNow, testSK)
	r.Body = io.NopCloser(strings.NewReader("evil"))
	res, err := verifier().Verify(r)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := readAll(t, res); !errors.Is(err, s3err.ErrXAmzContentSHA256Mismatch) {
		t.Errorf("payload mismatch: %v", err)
	}
}

func TestKuraSignerVerifies(t *testing.T) {
	r, _ := http.NewRequest("GET", "http://127.0.0.1/b/some%20key?versionId=x&prefix=a+b", nil)
	r.Header.Set("X-Amz-Meta-A", "1")
	SignRequest(r, Credentials{AccessKey: testAK, SecretKey: testSK}, "us-east-1", "s3", UnsignedPayload, testNow)
	if _, err := verifier().Verify(r); err != nil {
		t.Fatal(err)
	}
	r, _ = http.NewRequest("GET", "http://127.0.0.1/b/k", nil)
	u := Presign(r, Credentials{AccessKey: testAK, SecretKey: testSK}, "us-east-1", "s3", testNow, time.Hour)
	r2, _ := http.NewRequest("GET", u.String(), nil)
	if _, err := verifier().Verify(r2); err != nil {
		t.Fatalf("kura presign: %v", err)
	}
}

func TestPresignAgainstAWSSigner(t *testing.T) {
	presign := func(expires string, at time.Time) *http.Request {
		r, _ := http.NewRequest("GET", "http://127.0.0.1:9000/bucket/key?X-Amz-Expires="+expires+"&response-content-type=text%2Fplain", nil)
		u, _, err := v4.NewSigner().PresignHTTP(context.Background(), aws.Credentials{AccessKeyID: testAK, SecretAccessKey: testSK}, r, UnsignedPayload, "s3", "us-east-1", at)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := http.NewRequest("GET", u, nil)
		return out
	}
	cases := []struct {
		expires string
		at      time.Time
		want    error
	}{
		{"3600", testNow, nil},
		{"604800", testNow, nil},
		{"604801", testNow, s3err.ErrMaximumExpires},
		{"60", testNow.Add(-2 * time.Minute), s3err.ErrRequestExpired},
		{"60", testNow.Add(20 * time.Minute), s3err.ErrRequestNotReadyYet},
		{"-1", testNow, s3err.ErrNegativeExpires},
		{"x", testNow, s3err.ErrMalformedExpires},
	}
	for _, c := range cases {
		res, err := verifier().Verify(presign(c.expires, c.at))
		if !errors.Is(err, c.want) {
			t.Errorf("expires %s at %v: %v, want %v", c.expires, c.at, err, c.want)
		}
		if err == nil && !res.Presigned {
			t.Error("not marked presigned")
		}
	}
}

type closingHash struct{ hash.Hash }

func (closingHash) Close() {}

func TestStreamingSignedMinioGo(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 20000) // 320000 bytes: several chunks
	build := func() *http.Request {
		r, _ := http.NewRequest("PUT", "http://127.0.0.1:9000/b/k", bytes.NewReader(data))
		return signer.StreamingSignV4(r, testAK, testSK, "", "us-east-1", int64(len(data)), testNow, closingHash{sha256.New()})
	}
	res, err := verifier().Verify(build())
	if err != nil {
		t.Fatal(err)
	}
	if got, err := readAll(t, res); err != nil || !bytes.Equal(got, data) || res.DecodedLength != int64(len(data)) {
		t.Fatalf("streamed body: %d bytes, %v", len(got), err)
	}
	encoded, _ := io.ReadAll(build().Body)
	for _, pos := range []int{100, len(encoded) / 2, len(encoded) - 5} {
		r := build()
		bad := bytes.Clone(encoded)
		bad[pos] ^= 1
		r.Body = io.NopCloser(bytes.NewReader(bad))
		res, err := verifier().Verify(r)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := readAll(t, res); err == nil {
			t.Errorf("flip at %d accepted (%d bytes)", pos, len(got))
		}
	}
	r := build()
	r.Body = io.NopCloser(bytes.NewReader(encoded[:len(encoded)-40]))
	res, _ = verifier().Verify(r)
	if _, err := readAll(t, res); err == nil {
		t.Error("truncated stream accepted")
	}
}

func TestStreamingUnsignedTrailer(t *testing.T) {
	data := bytes.Repeat([]byte("x"), 100000)
	sum := crc32.ChecksumIEEE(data)
	build := func(crc uint32) *http.Request {
		r, _ := http.NewRequest("PUT", "http://127.0.0.1:9000/b/k", bytes.NewReader(data))
		r.Trailer = http.Header{"X-Amz-Checksum-Crc32": {checksum.Encode([]byte{byte(crc >> 24), byte(crc >> 16), byte(crc >> 8), byte(crc)})}}
		r.Header.Set("X-Amz-Trailer", "x-amz-checksum-crc32")
		r = signer.StreamingUnsignedV4(r, "", int64(len(data)), testNow)
		SignRequest(r, Credentials{AccessKey: testAK, SecretKey: testSK}, "us-east-1", "s3", StreamingUnsignedTrailer, testNow)
		return r
	}
	res, err := verifier().Verify(build(sum))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := readAll(t, res); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("unsigned trailer body: %d bytes, %v", len(got), err)
	}
	res, err = verifier().Verify(build(sum + 1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := readAll(t, res); !errors.Is(err, s3err.ErrChecksumMismatch) {
		t.Fatalf("wrong trailing checksum: %v", err)
	}
}

// TestChunkSignatureAWSExample checks the chain against the example in
// AWS's "Signature Calculations for the Authorization Header: Transferring
// Payload in Multiple Chunks": 64 KiB of 'a' after the seed signature.
func TestChunkSignatureAWSExample(t *testing.T) {
	s := streamSigner{
		key:   SigningKey(testSK, "20130524", "us-east-1", "s3"),
		date:  "20130524T000000Z",
		scope: "20130524/us-east-1/s3/aws4_request",
		prev:  "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
	}
	got := s.chunkSignature(bytes.Repeat([]byte("a"), 65536))
	if want := "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"; got != want {
		t.Fatalf("first chunk signature %s, want %s", got, want)
	}
}

func FuzzParseAuthorization(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AK/20260101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + strings.Repeat("a", 64))
	f.Add("AWS4-HMAC-SHA256 Credential=/,,=")
	f.Fuzz(func(t *testing.T, h string) {
		_, _ = parseAuthorization(h) // must not panic
	})
}

func FuzzStreamBody(f *testing.F) {
	f.Add([]byte("5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n"), int64(5))
	f.Add([]byte("ffffffff\r\n"), int64(-1))
	f.Fuzz(func(t *testing.T, body []byte, decoded int64) {
		r, _ := http.NewRequest("PUT", "http://h/b/k", bytes.NewReader(body))
		r.Header.Set("X-Amz-Trailer", "x-amz-checksum-crc32")
		if decoded >= 0 {
			r.Header.Set("X-Amz-Decoded-Content-Length", strings.TrimSpace(string(rune('0'+decoded%10))))
		}
		rc, _, err := newStreamBody(r, StreamingUnsignedTrailer, streamSigner{})
		if err != nil {
			return
		}
		got, err := io.ReadAll(io.LimitReader(rc, 1<<20))
		if err == nil && decoded >= 0 && int64(len(got)) != decoded%10 {
			t.Fatalf("accepted %d bytes with decoded length %d", len(got), decoded%10)
		}
	})
}

func BenchmarkVerifySmallPut(b *testing.B) {
	body := bytes.Repeat([]byte("k"), 4096)
	sum := sha256.Sum256(body)
	h := hex.EncodeToString(sum[:])
	r, _ := http.NewRequest("PUT", "http://127.0.0.1:9000/bucket/key", nil)
	SignRequest(r, Credentials{AccessKey: testAK, SecretKey: testSK}, "us-east-1", "s3", h, testNow)
	v := verifier()
	b.ReportAllocs()
	for b.Loop() {
		r.Body = io.NopCloser(bytes.NewReader(body))
		res, err := v.Verify(r)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
	}
}

// A parameter given twice (MinIO's listen API repeats "events") is
// signed with its values sorted by AWS's signer and in request order by
// minio-go's; both verify, and a signature over other values does not.
func TestRepeatedParameterEitherOrder(t *testing.T) {
	const u = "http://127.0.0.1:9000/bucket?events=s3%3AObjectRemoved%3A%2A&events=s3%3AObjectCreated%3A%2A&ping=10&prefix=&suffix="
	if _, err := verifier().Verify(awsSigned(t, "GET", u, nil, testNow, testSK)); err != nil {
		t.Fatalf("AWS signer: %v", err)
	}
	// minio-go signs at the current time.
	now := verifier()
	now.Now = time.Now
	minioSigned := func() *http.Request {
		r, err := http.NewRequest("GET", u, nil)
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("X-Amz-Content-Sha256", UnsignedPayload)
		return signer.SignV4(*r, testAK, testSK, "", "us-east-1")
	}
	if _, err := now.Verify(minioSigned()); err != nil {
		t.Fatalf("minio-go signer: %v", err)
	}
	tampered := minioSigned()
	tampered.URL.RawQuery = "events=s3%3AObjectAccessed%3A%2A&events=s3%3AObjectCreated%3A%2A&ping=10&prefix=&suffix="
	if _, err := now.Verify(tampered); !errors.Is(err, s3err.ErrSignatureDoesNotMatch) {
		t.Fatalf("other values verified: %v", err)
	}
}
