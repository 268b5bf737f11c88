package sigv4

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kurastore/kura/s3err/s3errtest"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go/encoding/httpbinding"

	"github.com/kurastore/kura/checksum"
	"github.com/kurastore/kura/s3err"
)

// The fuzzers of this file feed the verifier what a hostile or broken
// client can send: the Authorization header and the request it covers,
// presigned queries, aws-chunked bodies and POST form fields. Beyond "no
// panic", they hold the package to its contract: every error is an
// *s3err.Error (the HTTP layer turns anything else into a 500), and what
// a real signer signs verifies.

// fzMaxBody bounds what a fuzzer reads from a verified body.
const fzMaxBody = 1 << 20

// fzReadBody reads a verified body to its end, which must come as EOF or
// as an S3 error, within fzMaxBody bytes.
func fzReadBody(t *testing.T, body io.Reader) ([]byte, error) {
	t.Helper()
	got, err := io.ReadAll(io.LimitReader(body, fzMaxBody+1))
	if len(got) > fzMaxBody {
		t.Fatalf("body yields more than %d bytes", fzMaxBody)
	}
	s3errtest.RequireS3(t, "reading the body", err)
	return got, err
}

// fzRequest builds the request a server would see: target is the request
// URI (path, then an optional "?" and raw query), headers are lines of
// "Name: value" ("Host: h" sets the host).
func fzRequest(method, target, headers string, body []byte) *http.Request {
	path, rawQuery, _ := strings.Cut(target, "?")
	if p, err := url.PathUnescape(path); err == nil {
		path = p
	}
	r := &http.Request{
		Method: method, URL: &url.URL{Path: path, RawQuery: rawQuery}, Host: "127.0.0.1:9000",
		Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)),
	}
	for line := range strings.SplitSeq(headers, "\n") {
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		if strings.EqualFold(name, "host") {
			r.Host = strings.TrimSpace(value)
			continue
		}
		r.Header.Add(name, strings.TrimSpace(value))
	}
	return r
}

// FuzzVerify authenticates arbitrary requests: any Authorization header,
// X-Amz-Date, payload hash, path, query (presigned or not) and headers.
// Verify must answer with a result or an S3 error, and a verified body
// must end in EOF or an S3 error.
func FuzzVerify(f *testing.F) {
	creds := Credentials{AccessKey: testAK, SecretKey: testSK}
	signed, _ := http.NewRequest("GET", "http://127.0.0.1:9000/b/some%20key?versionId=x&prefix=a+b", nil)
	signed.Header.Set("X-Amz-Meta-A", "1")
	SignRequest(signed, creds, "us-east-1", "s3", UnsignedPayload, testNow)
	f.Add("GET", "/b/some%20key?versionId=x&prefix=a+b", signed.Header.Get("Authorization"), signed.Header.Get("X-Amz-Date"), UnsignedPayload, "X-Amz-Meta-A: 1", []byte(nil))

	body := []byte("hello")
	sum := sha256.Sum256(body)
	put, _ := http.NewRequest("PUT", "http://127.0.0.1:9000/b/k", bytes.NewReader(body))
	SignRequest(put, creds, "us-east-1", "s3", hex.EncodeToString(sum[:]), testNow)
	f.Add("PUT", "/b/k", put.Header.Get("Authorization"), put.Header.Get("X-Amz-Date"), hex.EncodeToString(sum[:]), "", body)

	stream, _ := http.NewRequest("PUT", "http://127.0.0.1:9000/b/k", nil)
	stream.Header.Set("X-Amz-Decoded-Content-Length", "5")
	SignRequest(stream, creds, "us-east-1", "s3", StreamingPayload, testNow)
	f.Add("PUT", "/b/k", stream.Header.Get("Authorization"), stream.Header.Get("X-Amz-Date"), StreamingPayload, "X-Amz-Decoded-Content-Length: 5", []byte("5;chunk-signature="+strings.Repeat("0", 64)+"\r\nhello\r\n"))

	sts, _ := http.NewRequest("POST", "http://127.0.0.1:9000/", strings.NewReader("Action=AssumeRole"))
	SignRequest(sts, creds, "us-east-1", "sts", UnsignedPayload, testNow)
	f.Add("POST", "/", sts.Header.Get("Authorization"), sts.Header.Get("X-Amz-Date"), "", "Content-Type: application/x-www-form-urlencoded", []byte("Action=AssumeRole"))

	pre, _ := http.NewRequest("GET", "http://127.0.0.1:9000/b/k", nil)
	u := Presign(pre, creds, "us-east-1", "s3", testNow, time.Hour)
	f.Add("GET", "/b/k?"+u.RawQuery, "", "", "", "", []byte(nil))
	f.Add("PUT", "/b/k?"+u.RawQuery, "", "", "", "X-Amz-Acl: public-read", []byte(nil))

	f.Add("GET", "/b/k", "AWS "+testAK+":c2lnbmF0dXJl", "", "", "Date: Tue, 24 Nov 2026 12:00:00 GMT", []byte(nil))
	f.Add("GET", "/b/k", "AWS4-HMAC-SHA256 Credential=/,,=", "20261124T120000Z", UnsignedPayload, "", []byte(nil))
	f.Add("GET", "/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a%2Fb&X-Amz-Date=x&X-Amz-Expires=-1", "", "", "", "", []byte(nil))
	f.Fuzz(func(t *testing.T, method, target, authorization, amzDate, payload, headers string, body []byte) {
		defer s3errtest.Watchdog()()
		r := fzRequest(method, target, headers, body)
		for name, v := range map[string]string{"Authorization": authorization, "X-Amz-Date": amzDate, "X-Amz-Content-Sha256": payload} {
			if v != "" {
				r.Header.Set(name, v)
			}
		}
		res, err := verifier().Verify(r)
		s3errtest.RequireS3(t, "Verify", err)
		if err != nil {
			return
		}
		if res == nil || res.Body == nil || res.AccessKey != testAK {
			t.Fatalf("Verify succeeded with result %+v", res)
		}
		fzReadBody(t, res.Body)
	})
}

// fzValidHeaderValue: what an HTTP client sends as a field value, and
// on which AWS's Go signer and kura agree. They trim and squeeze spaces
// alike; for other whitespace (tabs, NBSP, NEL) kura follows botocore and
// minio and folds it as space, where the Go signer keeps it, so such
// values are left out of the comparison.
func fzValidHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c == 0x7f {
			return false
		}
	}
	for _, r := range v {
		if r != ' ' && unicode.IsSpace(r) {
			return false
		}
	}
	return true
}

// fzToken reports whether s is a non-empty HTTP token (header name).
func fzToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0 {
			continue
		}
		return false
	}
	return true
}

// fzOverTheWire writes r as a client does and reads it back as a server
// does.
func fzOverTheWire(t *testing.T, r *http.Request) *http.Request {
	t.Helper()
	var buf bytes.Buffer
	if err := r.Write(&buf); err != nil {
		t.Skipf("the client cannot send this request: %v", err)
	}
	got, err := http.ReadRequest(bufio.NewReader(&buf))
	if err != nil {
		t.Skipf("the server cannot read this request: %v", err)
	}
	return got
}

// FuzzSignedRequest signs requests with AWS's own SigV4 signer (the Go
// SDK's, as its S3 client uses it: the key path encoded once), sends them
// over the wire and verifies them: whatever the key, query parameters and
// metadata header, kura must compute the same canonical request and
// accept the signature, in the Authorization header and presigned alike.
func FuzzSignedRequest(f *testing.F) {
	f.Add(uint8(0), "bucket/key", "", "note", "hello", false)
	f.Add(uint8(1), "bucket/a b/c+d/€!*'()//x/../y", "partNumber=1\nuploadId=abc", "note", "  two   spaces ", false)
	f.Add(uint8(0), "bucket", "list-type=2\nprefix=a/b\ndelimiter=/\nencoding-type=url", "", "", false)
	f.Add(uint8(4), "bucket", "delete=", "", "", false)
	f.Add(uint8(0), "", "", "", "", false)
	f.Add(uint8(0), "bucket/key", "response-content-type=text/plain; charset=utf-8\nversionId=null", "", "", true)
	f.Add(uint8(1), "bucket/%2F%25/k~ey?#", "tagging=\nx=1&y=2", "owner", "é\"<>", true)
	f.Add(uint8(2), "b/\xff\xfe", "k=\xff", "x", "\xff", false)
	f.Fuzz(func(t *testing.T, m uint8, path, query, metaName, metaValue string, presign bool) {
		defer s3errtest.Watchdog()()
		methods := []string{"GET", "PUT", "HEAD", "DELETE", "POST"}
		method := methods[int(m)%len(methods)]
		p := "/" + path
		u := &url.URL{Scheme: "http", Host: "127.0.0.1:9000", Path: p, RawPath: httpbinding.EscapePath(p, false)}
		vals := url.Values{}
		for line := range strings.SplitSeq(query, "\n") {
			k, v, _ := strings.Cut(line, "=")
			if k == "" || strings.HasPrefix(strings.ToLower(k), "x-amz-") {
				continue // the protocol's own parameters
			}
			vals.Add(k, v)
		}
		if presign {
			vals.Set("X-Amz-Expires", "3600")
		}
		u.RawQuery = strings.ReplaceAll(vals.Encode(), "+", "%20")
		r, err := http.NewRequest(method, u.String(), nil)
		if err != nil {
			t.Skip(err)
		}
		if fzToken(metaName) && fzValidHeaderValue(metaValue) {
			r.Header.Set("X-Amz-Meta-"+metaName, metaValue)
		}
		creds := aws.Credentials{AccessKeyID: testAK, SecretAccessKey: testSK}
		opts := func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }
		if presign {
			signedURI, signedHeaders, err := v4.NewSigner(opts).PresignHTTP(context.Background(), creds, r, UnsignedPayload, "s3", "us-east-1", testNow)
			if err != nil {
				t.Skip(err)
			}
			if r, err = http.NewRequest(method, signedURI, nil); err != nil {
				t.Fatalf("the presigned URL %q does not parse: %v", signedURI, err)
			}
			for k, v := range signedHeaders {
				if k != "Host" {
					r.Header[k] = v
				}
			}
		} else {
			r.Header.Set("X-Amz-Content-Sha256", UnsignedPayload)
			if err := v4.NewSigner(opts).SignHTTP(context.Background(), creds, r, UnsignedPayload, "s3", "us-east-1", testNow); err != nil {
				t.Skip(err)
			}
		}
		server := fzOverTheWire(t, r)
		res, err := verifier().Verify(server)
		if err != nil {
			t.Fatalf("%s %s (presigned %v, headers %q): %v", method, server.URL.RequestURI(), presign, server.Header, err)
		}
		if res.Presigned != presign || res.AccessKey != testAK {
			t.Fatalf("result %+v", res)
		}
	})
}

// Stream modes of FuzzSignedStream, by index.
var fzStreamModes = []string{StreamingPayload, StreamingPayloadTrailer, StreamingUnsignedTrailer}

// fzStreamSigner is the chain state a signed stream starts from: the
// header signature is the seed.
func fzStreamSigner() streamSigner {
	return streamSigner{
		key:   SigningKey(testSK, "20261124", "us-east-1", "s3"),
		date:  "20261124T120000Z",
		scope: "20261124/us-east-1/s3/aws4_request",
		prev:  strings.Repeat("5eed", 16),
	}
}

// fzEncodeStream writes data as an aws-chunked body of the given mode in
// chunks of at most chunk bytes, as AWS SDKs frame it, with the trailing
// checksum of alg when alg is set and the mode has trailers.
func fzEncodeStream(data []byte, chunk int, mode string, alg checksum.Algorithm) []byte {
	signed := mode != StreamingUnsignedTrailer
	trailer := mode != StreamingPayload
	s := fzStreamSigner()
	var b bytes.Buffer
	writeChunk := func(p []byte) {
		b.WriteString(strconv.FormatInt(int64(len(p)), 16))
		if signed {
			sig := s.chunkSignature(p)
			s.prev = sig
			b.WriteString(";chunk-signature=" + sig)
		}
		b.WriteString("\r\n")
		if len(p) > 0 || !trailer {
			b.Write(p)
			b.WriteString("\r\n")
		}
	}
	for rest := data; len(rest) > 0; {
		n := min(chunk, len(rest))
		writeChunk(rest[:n])
		rest = rest[n:]
	}
	writeChunk(nil)
	if !trailer {
		return b.Bytes()
	}
	var canonical string
	if alg != "" {
		h := alg.New()
		h.Write(data)
		canonical = alg.HeaderName() + ":" + checksum.Encode(h.Sum(nil)) + "\n"
		b.WriteString(strings.TrimSuffix(canonical, "\n") + "\r\n")
	}
	if signed {
		b.WriteString("x-amz-trailer-signature:" + s.trailerSignature(canonical) + "\r\n")
	}
	b.WriteString("\r\n")
	return b.Bytes()
}

// fzApplyEdits changes enc by the edits, four bytes each: a position (two
// bytes, modulo the length), an operation (replace, insert or delete) and
// a byte.
func fzApplyEdits(enc, edits []byte) []byte {
	out := bytes.Clone(enc)
	for ; len(edits) >= 4; edits = edits[4:] {
		pos := (int(edits[0])<<8 | int(edits[1])) % (len(out) + 1)
		switch edits[2] % 3 {
		case 0:
			if pos < len(out) {
				out[pos] = edits[3]
			}
		case 1:
			out = append(out[:pos], append([]byte{edits[3]}, out[pos:]...)...)
		case 2:
			if pos < len(out) {
				out = append(out[:pos], out[pos+1:]...)
			}
		}
	}
	return out
}

// FuzzSignedStream frames data as an aws-chunked body (signed chunks,
// signed chunks with a signed trailer, or unsigned chunks with a
// trailer), optionally damages the framing, and decodes it. An intact
// body must decode to data. A damaged one may fail, with an S3 error
// only, but where the chunks are signed, or the trailer carries a SHA
// digest, a body that decodes must decode to data: no edit gets other
// bytes past the signatures.
func FuzzSignedStream(f *testing.F) {
	f.Add([]byte("hello, world"), uint16(5), uint8(0), uint8(0), []byte(nil))
	f.Add([]byte("hello, world"), uint16(0), uint8(1), uint8(1), []byte(nil))
	f.Add([]byte("hello, world"), uint16(4), uint8(2), uint8(5), []byte(nil))
	f.Add([]byte(""), uint16(1), uint8(1), uint8(0), []byte(nil))
	f.Add([]byte("abc"), uint16(1), uint8(2), uint8(0), []byte(nil))
	f.Add(bytes.Repeat([]byte("0123456789abcdef"), 300), uint16(1000), uint8(1), uint8(2), []byte{0, 3, 0, 'A'})
	f.Add([]byte("xyz"), uint16(2), uint8(0), uint8(0), []byte{0, 1, 1, ' ', 0, 90, 2, 0})
	f.Add([]byte("xyz"), uint16(2), uint8(1), uint8(3), []byte{0, 200, 0, 'X', 0, 150, 1, '\n'})
	f.Fuzz(func(t *testing.T, data []byte, chunk uint16, modeIndex, algIndex uint8, edits []byte) {
		defer s3errtest.Watchdog()()
		mode := fzStreamModes[int(modeIndex)%len(fzStreamModes)]
		var alg checksum.Algorithm
		if i := int(algIndex) % (len(checksum.All) + 1); i > 0 && mode != StreamingPayload {
			alg = checksum.All[i-1]
		}
		size := int(chunk)
		if size == 0 {
			size = max(len(data), 1)
		}
		enc := fzEncodeStream(data, size, mode, alg)
		damaged := fzApplyEdits(enc, edits)

		r, _ := http.NewRequest("PUT", "http://127.0.0.1:9000/b/k", bytes.NewReader(damaged))
		r.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(len(data)))
		if alg != "" {
			r.Header.Set("X-Amz-Trailer", alg.HeaderName())
		}
		body, decoded, err := newStreamBody(r, mode, fzStreamSigner())
		if err != nil || decoded != int64(len(data)) {
			t.Fatalf("newStreamBody: length %d, %v", decoded, err)
		}
		got, err := fzReadBody(t, body)
		intact := bytes.Equal(damaged, enc)
		switch {
		case intact && (err != nil || !bytes.Equal(got, data)):
			t.Fatalf("%s (%s, chunks of %d): %d bytes decoded, %v\n%q", mode, alg, size, len(got), err, enc)
		case err != nil:
			return
		case len(got) != len(data):
			t.Fatalf("%s: decoded %d bytes of a body declared %d long", mode, len(got), len(data))
		case (mode != StreamingUnsignedTrailer || alg == checksum.SHA1 || alg == checksum.SHA256) && !bytes.Equal(got, data):
			t.Fatalf("%s (%s): a damaged body decoded to other data\n%q\n%q", mode, alg, damaged, got)
		}
	})
}

// FuzzVerifyPost fills a browser POST form with arbitrary fields (lines
// of "name=value"), signs its policy when sign is set, and runs what the
// server runs on it: VerifyPost, ParsePostPolicy, SubstituteFilename,
// Check and CheckLength. Every refusal is an S3 error; a form signed
// with the right key verifies; CheckLength agrees with LengthRange.
func FuzzVerifyPost(f *testing.F) {
	policy := `{"expiration":"2026-12-01T12:00:00.000Z","conditions":[{"bucket":"b"},["starts-with","$key","user/"],{"acl":"private"},["content-length-range",1,1024],["starts-with","$Content-Type","image/"],{"x-amz-algorithm":"AWS4-HMAC-SHA256"},{"x-amz-credential":"` + testAK + `/20261124/us-east-1/s3/aws4_request"},{"x-amz-date":"20261124T120000Z"}]}`
	f.Add("key=user/${filename}\nacl=private\nContent-Type=image/png", policy, "C:\\photos\\cat.png", int64(100), true)
	f.Add("key=user/a\nacl=public-read", policy, "", int64(0), true)
	f.Add("key=k\nKey=k2", `{"expiration":"2030-01-01T00:00:00Z","conditions":[]}`, "x", int64(5), true)
	f.Add("key=k\nx-ignore-me=1\nsuccess_action_status=201", `{"expiration":"2030-01-01T00:00:00Z","conditions":[["eq","$key","k"],{"success_action_status":201},["content-length-range","5","3"]]}`, "", int64(5), true)
	f.Add("key=k\nAWSAccessKeyId="+testAK+"\nsignature=c2ln", policy, "", int64(1), false)
	f.Add("x-amz-algorithm=AWS4-HMAC-SHA256\nx-amz-credential="+testAK+"/20261124/eu-west-1/s3/aws4_request\nx-amz-date=20261124T120000Z\nx-amz-signature=00\npolicy=e30=", "", "", int64(0), false)
	f.Add("", "not json", "", int64(-1), true)
	f.Fuzz(func(t *testing.T, fields, policyJSON, filename string, length int64, sign bool) {
		defer s3errtest.Watchdog()()
		form := PostForm{}
		for line := range strings.SplitSeq(fields, "\n") {
			name, value, _ := strings.Cut(line, "=")
			if err := form.Add(name, value); err != nil {
				s3errtest.RequireS3(t, "PostForm.Add", err)
				if !errors.Is(err, s3err.ErrMalformedPOSTRequest) {
					t.Fatalf("duplicate field: %v", err)
				}
			}
		}
		if sign {
			encoded := base64.StdEncoding.EncodeToString([]byte(policyJSON))
			form[PostFieldPolicy] = encoded
			form[PostFieldAlgorithm] = algorithm
			form[PostFieldCredential] = testAK + "/20261124/us-east-1/s3/aws4_request"
			form[PostFieldDate] = "20261124T120000Z"
			form[PostFieldSignature] = signature(SigningKey(testSK, "20261124", "us-east-1", "s3"), encoded)
			delete(form, "awsaccesskeyid")
			if IsAnonymousPost(form) {
				t.Fatal("a signed form is anonymous")
			}
		}
		res, err := verifier().VerifyPost(form)
		s3errtest.RequireS3(t, "VerifyPost", err)
		if sign && policyJSON != "" && err != nil {
			t.Fatalf("a correctly signed form: %v", err)
		}
		if err != nil {
			return
		}
		if res.AccessKey != testAK || res.Body != nil || res.DecodedLength != -1 {
			t.Fatalf("result %+v", res)
		}
		p, err := ParsePostPolicy(form.Get(PostFieldPolicy))
		s3errtest.RequireS3(t, "ParsePostPolicy", err)
		if err != nil {
			return
		}
		key := form.Get(PostFieldKey)
		substituted := SubstituteFilename(key, filename)
		if !strings.Contains(key, "${filename}") && substituted != key {
			t.Fatalf("SubstituteFilename(%q, %q) = %q", key, filename, substituted)
		}
		form[PostFieldKey], form[PostFieldBucket] = substituted, "b"
		s3errtest.RequireS3(t, "Check", p.Check(form, testNow))
		s3errtest.RequireS3(t, "Check after expiry", p.Check(form, p.Expiration.Add(time.Second)))
		if p.Check(form, p.Expiration.Add(time.Second)) == nil {
			t.Fatal("an expired policy passes")
		}
		lo, hi, ok := p.LengthRange()
		lerr := p.CheckLength(length)
		s3errtest.RequireS3(t, "CheckLength", lerr)
		if want := !ok || lo <= length && length <= hi; (lerr == nil) != want {
			t.Fatalf("CheckLength(%d) = %v, but LengthRange is %d-%d (%v)", length, lerr, lo, hi, ok)
		}
		for _, c := range p.Conditions {
			if !utf8.ValidString(c.Field) || !utf8.ValidString(c.Value) {
				t.Fatalf("condition %v is not UTF-8", c)
			}
		}
	})
}
