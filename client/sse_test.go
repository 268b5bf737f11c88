package client_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	miniocreds "github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/client/internal/kuraproc"
	"github.com/kurastore/kura/wire/sse"
)

// The SSE tests run against kura over HTTPS (SSE-C needs it). kura's KMS
// has one key, its default.
const defaultKMSKey = "kura-default-key"

var (
	sseKey1 = randomData(client.SSECKeySize, 101)
	sseKey2 = randomData(client.SSECKeySize, 102)
)

func mustSSEC(t testing.TB, key []byte) client.ServerSideEncryption {
	t.Helper()
	s, err := client.SSEC(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustSSEKMS(t testing.TB, keyID string, ctx map[string]string) client.ServerSideEncryption {
	t.Helper()
	s, err := client.SSEKMS(keyID, ctx)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// newTLSObjectServer starts kura over HTTPS with the bucket testBucket.
func newTLSObjectServer(t testing.TB) *kuraproc.Server {
	t.Helper()
	s := kuraproc.Start(t, kuraproc.Options{TLS: true})
	if err := s.Client.MakeBucket(context.Background(), testBucket, client.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	return s
}

// sseFields is what a response says of an object's encryption.
type sseFields struct {
	Alg, KMSKeyID, CustomerAlg, CustomerMD5 string
	Context                                 map[string]string
}

func sseOfObject(i client.ObjectInfo) sseFields {
	return sseFields{i.ServerSideEncryption, i.KMSKeyID, i.SSECustomerAlgorithm, i.SSECustomerKeyMD5, i.EncryptionContext}
}

func sseOfUpload(i client.UploadInfo) sseFields {
	return sseFields{i.ServerSideEncryption, i.KMSKeyID, i.SSECustomerAlgorithm, i.SSECustomerKeyMD5, i.EncryptionContext}
}

func keyMD5(key []byte) string {
	sum := md5.Sum(key)
	return base64.StdEncoding.EncodeToString(sum[:])
}

var (
	wantS3   = sseFields{Alg: "AES256"}
	wantKMS  = sseFields{Alg: "aws:kms", KMSKeyID: defaultKMSKey}
	wantC1   = sseFields{CustomerAlg: "AES256", CustomerMD5: keyMD5(sseKey1)}
	wantC2   = sseFields{CustomerAlg: "AES256", CustomerMD5: keyMD5(sseKey2)}
	wantNone = sseFields{}
)

func checkSSE(t testing.TB, what string, got, want sseFields) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: encryption %+v, want %+v", what, got, want)
	}
}

// wantStatus fails unless err is an S3 error with status and, when not
// "", code.
func wantStatus(t testing.TB, what string, err error, status int, code string) {
	t.Helper()
	var e *client.ErrorResponse
	if !errors.As(err, &e) || e.StatusCode != status || (code != "" && e.Code != code) {
		t.Errorf("%s: error %v, want HTTP %d %s", what, err, status, code)
	}
}

func wantInvalidArgument(t testing.TB, what string, err error) {
	t.Helper()
	if !errors.Is(err, client.ErrInvalidArgument) {
		t.Errorf("%s: error %v, want ErrInvalidArgument", what, err)
	}
}

// readAll reads an object with opts; the error of the GET or the read.
func readAll(c *client.Client, key string, opts client.GetObjectOptions) ([]byte, client.ObjectInfo, error) {
	obj, err := c.GetObject(context.Background(), testBucket, key, opts)
	if err != nil {
		return nil, client.ObjectInfo{}, err
	}
	defer obj.Close()
	data, err := io.ReadAll(obj)
	return data, obj.Info, err
}

// sseCase is one kind of encryption, the key that reads it back (SSE-C
// only) and what the server reports.
type sseCase struct {
	name string
	enc  client.ServerSideEncryption
	read client.ServerSideEncryption
	want sseFields
}

func sseCases(t testing.TB) []sseCase {
	ctx := map[string]string{"project": "kura", "quote\"<&>": "ü"}
	return []sseCase{
		{"SSE-S3", client.SSES3(), nil, wantS3},
		{"SSE-KMS default key", mustSSEKMS(t, "", nil), nil, wantKMS},
		{"SSE-KMS key ARN and context", mustSSEKMS(t, "arn:aws:kms:us-east-1:000000000000:key/"+defaultKMSKey, ctx), nil,
			sseFields{Alg: "aws:kms", KMSKeyID: defaultKMSKey, Context: ctx}},
		{"SSE-C", mustSSEC(t, sseKey1), mustSSEC(t, sseKey1), wantC1},
	}
}

// TestSSEPutGetStat writes every kind of encryption as a single PUT, a
// multipart upload from a ReaderAt and from a stream, and a 0-byte
// object; reads each back whole, by range and by part, and describes it.
func TestSSEPutGetStat(t *testing.T) {
	s := newTLSObjectServer(t)
	c := s.Client
	ctx := context.Background()
	wrongKey := mustSSEC(t, sseKey2)
	sizes := []struct {
		name   string
		size   int
		stream bool
	}{
		{"empty", 0, false},
		{"single", 1000, false},
		{"multipart", 11 * mib, false},
		{"multipart stream", 11 * mib, true},
	}
	for _, tc := range sseCases(t) {
		for i, sz := range sizes {
			t.Run(tc.name+"/"+sz.name, func(t *testing.T) {
				key := strings.ReplaceAll(tc.name+"/"+sz.name, " ", "-")
				data := randomData(sz.size, uint64(10+i))
				var r io.Reader = bytes.NewReader(data)
				size := int64(sz.size)
				if sz.stream {
					r, size = onlyReader{bytes.NewReader(data)}, -1
				}
				up, err := c.PutObject(ctx, testBucket, key, r, size, client.PutObjectOptions{
					PartSize: 5 * mib, ServerSideEncryption: tc.enc,
				})
				if err != nil {
					t.Fatalf("put: %v", err)
				}
				if up.Size != int64(sz.size) || up.ETag == "" {
					t.Errorf("UploadInfo size %d etag %q, want %d", up.Size, up.ETag, sz.size)
				}
				checkSSE(t, "put answer", sseOfUpload(up), tc.want)

				got, info, err := readAll(c, key, client.GetObjectOptions{ServerSideEncryption: tc.read, ChecksumMode: true})
				if err != nil || !bytes.Equal(got, data) {
					t.Fatalf("get: %d bytes, %v; want the %d bytes put", len(got), err, len(data))
				}
				checkSSE(t, "get", sseOfObject(info), tc.want)
				if info.Size != int64(sz.size) || info.ETag != up.ETag {
					t.Errorf("get: size %d etag %q, want %d %q", info.Size, info.ETag, sz.size, up.ETag)
				}

				st, err := c.StatObject(ctx, testBucket, key, client.StatObjectOptions{ServerSideEncryption: tc.read})
				if err != nil {
					t.Fatalf("stat: %v", err)
				}
				checkSSE(t, "stat", sseOfObject(st), tc.want)
				if st.Size != int64(sz.size) || st.ETag != up.ETag {
					t.Errorf("stat: size %d etag %q, want %d %q", st.Size, st.ETag, sz.size, up.ETag)
				}

				if sz.size > 0 {
					// Across the first part boundary for multipart objects.
					off := int64(sz.size / 3)
					if sz.size > 5*mib {
						off = 5*mib - 100
					}
					got, info, err := readAll(c, key, client.GetObjectOptions{Offset: off, Length: 300, ServerSideEncryption: tc.read})
					if err != nil || !bytes.Equal(got, data[off:off+300]) {
						t.Errorf("ranged get at %d: %d bytes, %v; want the 300 bytes there", off, len(got), err)
					}
					checkSSE(t, "ranged get", sseOfObject(info), tc.want)
					if info.Size != int64(sz.size) {
						t.Errorf("ranged get: size %d, want %d", info.Size, sz.size)
					}
					// A range to the end.
					got, _, err = readAll(c, key, client.GetObjectOptions{Offset: int64(sz.size) - 10, ServerSideEncryption: tc.read})
					if err != nil || !bytes.Equal(got, data[sz.size-10:]) {
						t.Errorf("get of the last 10 bytes: %q, %v", got, err)
					}
				}
				if sz.size > 5*mib {
					got, _, err := readAll(c, key, client.GetObjectOptions{PartNumber: 2, ServerSideEncryption: tc.read})
					if err != nil || !bytes.Equal(got, data[5*mib:10*mib]) {
						t.Errorf("get of part 2: %d bytes, %v; want bytes 5-10 MiB", len(got), err)
					}
				}

				if tc.read != nil {
					// SSE-C: no key, or another key, reads nothing.
					_, _, err := readAll(c, key, client.GetObjectOptions{})
					wantStatus(t, "get without the key", err, http.StatusBadRequest, "InvalidRequest")
					_, _, err = readAll(c, key, client.GetObjectOptions{ServerSideEncryption: wrongKey})
					wantStatus(t, "get with another key", err, http.StatusForbidden, "AccessDenied")
					_, _, err = readAll(c, key, client.GetObjectOptions{ServerSideEncryption: wrongKey, Offset: 1, Length: 1})
					wantStatus(t, "ranged get with another key", err, http.StatusForbidden, "AccessDenied")
					_, err = c.StatObject(ctx, testBucket, key, client.StatObjectOptions{})
					wantStatus(t, "stat without the key", err, http.StatusBadRequest, "")
					_, err = c.StatObject(ctx, testBucket, key, client.StatObjectOptions{ServerSideEncryption: wrongKey})
					wantStatus(t, "stat with another key", err, http.StatusForbidden, "AccessDenied")
				} else {
					// A key for an object that has none is refused.
					_, _, err := readAll(c, key, client.GetObjectOptions{ServerSideEncryption: wrongKey})
					wantStatus(t, "get with a key the object does not need", err, http.StatusBadRequest, "")
				}
			})
		}
	}
}

// TestSSEKMSUnknownKey: a key the KMS does not have fails the PUT and the
// CreateMultipartUpload, and leaves nothing behind.
func TestSSEKMSUnknownKey(t *testing.T) {
	s := newTLSObjectServer(t)
	c := s.Client
	ctx := context.Background()
	enc := mustSSEKMS(t, "no-such-key", nil)
	for _, size := range []int{10, 6 * mib} {
		data := randomData(size, 3)
		_, err := c.PutObject(ctx, testBucket, "unknown-key", bytes.NewReader(data), int64(size), client.PutObjectOptions{
			PartSize: 5 * mib, ServerSideEncryption: enc,
		})
		wantStatus(t, fmt.Sprintf("put of %d bytes", size), err, http.StatusBadRequest, "KMS.NotFoundException")
	}
	_, err := c.StatObject(ctx, testBucket, "unknown-key", client.StatObjectOptions{})
	if !client.IsNotFound(err) {
		t.Errorf("stat after the failed puts: %v, want NoSuchKey", err)
	}
	if ups := minioUploads(t, s); len(ups) != 0 {
		t.Errorf("uploads left: %v", ups)
	}
}

// minioUploads lists the multipart uploads kura still holds in testBucket
// (the SDK has no ListMultipartUploads), with minio-go over TLS.
func minioUploads(t testing.TB, s *kuraproc.Server) []string {
	t.Helper()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: s.RootCAs}
	mc, err := minio.New(s.Endpoint, &minio.Options{
		Creds: miniocreds.NewStaticV4(s.AccessKey, s.SecretKey, ""), Region: s.Region, Secure: true, Transport: tr,
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := minio.Core{Client: mc}.ListMultipartUploads(context.Background(), testBucket, "", "", "", "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, u := range res.Uploads {
		keys = append(keys, u.Key+" "+u.UploadID)
	}
	return keys
}

// TestSSECopy copies between kinds of encryption, whole (CopyObject) and
// by range (UploadPartCopy).
func TestSSECopy(t *testing.T) {
	s := newTLSObjectServer(t)
	c := s.Client
	ctx := context.Background()
	key1, key2 := mustSSEC(t, sseKey1), mustSSEC(t, sseKey2)
	kmsCtx := map[string]string{"copy": "yes"}
	data := randomData(1000, 7)
	sources := map[string]client.ServerSideEncryption{
		"src-c": key1, "src-s3": client.SSES3(), "src-kms": mustSSEKMS(t, "", nil), "src-plain": nil,
	}
	for name, enc := range sources {
		putBytes(t, c, name, data, client.PutObjectOptions{ServerSideEncryption: enc, Metadata: map[string]string{"from": name}})
	}
	tests := []struct {
		name      string
		src       client.CopySrcOptions
		dst, read client.ServerSideEncryption
		want      sseFields
	}{
		{name: "C to S3", src: client.CopySrcOptions{Key: "src-c", Encryption: key1}, dst: client.SSES3(), want: wantS3},
		{name: "S3 to C", src: client.CopySrcOptions{Key: "src-s3"}, dst: key2, read: key2, want: wantC2},
		{name: "C to C, another key", src: client.CopySrcOptions{Key: "src-c", Encryption: key1}, dst: key2, read: key2, want: wantC2},
		{name: "C to C, same key", src: client.CopySrcOptions{Key: "src-c", Encryption: key1}, dst: key1, read: key1, want: wantC1},
		{name: "KMS to none", src: client.CopySrcOptions{Key: "src-kms"}, want: wantNone},
		{name: "C to none", src: client.CopySrcOptions{Key: "src-c", Encryption: key1}, want: wantNone},
		{name: "plain to KMS with context", src: client.CopySrcOptions{Key: "src-plain"}, dst: mustSSEKMS(t, defaultKMSKey, kmsCtx),
			want: sseFields{Alg: "aws:kms", KMSKeyID: defaultKMSKey, Context: kmsCtx}},
		{name: "KMS to C", src: client.CopySrcOptions{Key: "src-kms"}, dst: key1, read: key1, want: wantC1},
		{name: "C to C by range", src: client.CopySrcOptions{Key: "src-c", Encryption: key1, Offset: 100, Length: 500},
			dst: key2, read: key2, want: wantC2},
		{name: "C to S3 by range", src: client.CopySrcOptions{Key: "src-c", Encryption: key1, Offset: 999, Length: 1},
			dst: client.SSES3(), want: wantS3},
		{name: "S3 to C by range", src: client.CopySrcOptions{Key: "src-s3", Offset: 1},
			dst: key1, read: key1, want: wantC1},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dstKey := fmt.Sprintf("copy-%d", i)
			tt.src.Bucket = testBucket
			up, err := c.CopyObject(ctx, client.CopyDestOptions{Bucket: testBucket, Key: dstKey, Encryption: tt.dst}, tt.src)
			if err != nil {
				t.Fatalf("copy: %v", err)
			}
			want := data
			if tt.src.Offset != 0 || tt.src.Length != 0 {
				end := int64(len(data))
				if tt.src.Length != 0 {
					end = tt.src.Offset + tt.src.Length
				}
				want = data[tt.src.Offset:end]
			}
			checkSSE(t, "copy answer", sseOfUpload(up), tt.want)
			if up.Size != int64(len(want)) {
				t.Errorf("copy answer size %d, want %d", up.Size, len(want))
			}
			got, info, err := readAll(c, dstKey, client.GetObjectOptions{ServerSideEncryption: tt.read})
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("get of the copy: %d bytes, %v; want %d bytes", len(got), err, len(want))
			}
			checkSSE(t, "get of the copy", sseOfObject(info), tt.want)
			if info.Metadata["from"] != tt.src.Key {
				t.Errorf("copy metadata %v, want the source's", info.Metadata)
			}
			if tt.read != nil {
				_, _, err := readAll(c, dstKey, client.GetObjectOptions{})
				wantStatus(t, "get of the SSE-C copy without its key", err, http.StatusBadRequest, "InvalidRequest")
			}
		})
	}

	t.Run("refusals", func(t *testing.T) {
		dst := client.CopyDestOptions{Bucket: testBucket, Key: "refused"}
		_, err := c.CopyObject(ctx, dst, client.CopySrcOptions{Bucket: testBucket, Key: "src-c"})
		wantStatus(t, "SSE-C source without its key", err, http.StatusBadRequest, "")
		_, err = c.CopyObject(ctx, dst, client.CopySrcOptions{Bucket: testBucket, Key: "src-c", Encryption: key2})
		wantStatus(t, "SSE-C source with another key", err, http.StatusForbidden, "AccessDenied")
		_, err = c.CopyObject(ctx, dst, client.CopySrcOptions{Bucket: testBucket, Key: "src-c", Encryption: key2, Offset: 1})
		wantStatus(t, "ranged SSE-C source with another key", err, http.StatusForbidden, "AccessDenied")
		_, err = c.CopyObject(ctx, dst, client.CopySrcOptions{Bucket: testBucket, Key: "src-s3", Encryption: client.SSES3()})
		wantInvalidArgument(t, "SSE-S3 as a source key", err)
		_, err = c.CopyObject(ctx, dst, client.CopySrcOptions{Bucket: testBucket, Key: "src-s3", Encryption: key1})
		wantStatus(t, "a key for a source without one", err, http.StatusBadRequest, "")
		dst.Encryption = mustSSEKMS(t, "no-such-key", nil)
		_, err = c.CopyObject(ctx, dst, client.CopySrcOptions{Bucket: testBucket, Key: "src-plain"})
		wantStatus(t, "unknown KMS key for the destination", err, http.StatusBadRequest, "KMS.NotFoundException")
		if _, err := c.StatObject(ctx, testBucket, "refused", client.StatObjectOptions{}); !client.IsNotFound(err) {
			t.Errorf("a refused copy stored something: %v", err)
		}
	})
}

// TestSSECompose composes encrypted sources of each kind into each kind
// of destination, with UploadPartCopy.
func TestSSECompose(t *testing.T) {
	s := newTLSObjectServer(t)
	c := s.Client
	ctx := context.Background()
	key1, key2 := mustSSEC(t, sseKey1), mustSSEC(t, sseKey2)
	a, b, d := randomData(5*mib, 21), randomData(5*mib+1, 22), randomData(2000, 23)
	putBytes(t, c, "a", a, client.PutObjectOptions{ServerSideEncryption: key1, ContentType: "text/x-first"})
	putBytes(t, c, "b", b, client.PutObjectOptions{ServerSideEncryption: mustSSEKMS(t, "", map[string]string{"k": "v"})})
	putBytes(t, c, "d", d, client.PutObjectOptions{ServerSideEncryption: client.SSES3()})
	srcs := []client.CopySrcOptions{
		{Bucket: testBucket, Key: "a", Encryption: key1},
		{Bucket: testBucket, Key: "b"},
		{Bucket: testBucket, Key: "d", Offset: 10, Length: 100},
	}
	want := append(append(append([]byte(nil), a...), b...), d[10:110]...)
	for _, tt := range []struct {
		name       string
		dst, read  client.ServerSideEncryption
		wantFields sseFields
	}{
		{"to SSE-C", key2, key2, wantC2},
		{"to same SSE-C key", key1, key1, wantC1},
		{"to SSE-S3", client.SSES3(), nil, wantS3},
		{"to SSE-KMS", mustSSEKMS(t, "", nil), nil, wantKMS},
		{"to none", nil, nil, wantNone},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dstKey := "composed-" + strings.ReplaceAll(tt.name, " ", "-")
			up, err := c.ComposeObject(ctx, client.CopyDestOptions{Bucket: testBucket, Key: dstKey, Encryption: tt.dst}, srcs...)
			if err != nil {
				t.Fatalf("compose: %v", err)
			}
			checkSSE(t, "compose answer", sseOfUpload(up), tt.wantFields)
			if up.Size != int64(len(want)) {
				t.Errorf("compose answer size %d, want %d", up.Size, len(want))
			}
			got, info, err := readAll(c, dstKey, client.GetObjectOptions{ServerSideEncryption: tt.read})
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("get of the composed object: %d bytes, %v; want %d", len(got), err, len(want))
			}
			checkSSE(t, "get of the composed object", sseOfObject(info), tt.wantFields)
			if info.ContentType != "text/x-first" {
				t.Errorf("content type %q, want the first source's", info.ContentType)
			}
			got, _, err = readAll(c, dstKey, client.GetObjectOptions{PartNumber: 2, ServerSideEncryption: tt.read})
			if err != nil || !bytes.Equal(got, b) {
				t.Errorf("part 2 of the composed object: %d bytes, %v; want source b", len(got), err)
			}
		})
	}
	t.Run("wrong source key", func(t *testing.T) {
		bad := append([]client.CopySrcOptions(nil), srcs...)
		bad[0].Encryption = key2
		_, err := c.ComposeObject(ctx, client.CopyDestOptions{Bucket: testBucket, Key: "bad-compose", Encryption: key1}, bad...)
		wantStatus(t, "compose with another source key", err, http.StatusForbidden, "AccessDenied")
		bad[0].Encryption = nil
		_, err = c.ComposeObject(ctx, client.CopyDestOptions{Bucket: testBucket, Key: "bad-compose"}, bad...)
		wantStatus(t, "compose without the source key", err, http.StatusBadRequest, "")
		if ups := minioUploads(t, s); len(ups) != 0 {
			t.Errorf("uploads left: %v", ups)
		}
	})
}

// headerLog records every request.
type headerLog struct {
	mu   sync.Mutex
	reqs []loggedRequest
	next http.RoundTripper
}

type loggedRequest struct {
	method, path string
	query        url.Values
	header       http.Header
}

// kind names the S3 call of r.
func (r loggedRequest) kind() string {
	switch {
	case r.query.Has("uploads"):
		return "CreateMultipartUpload"
	case r.query.Has("partNumber") && r.header.Get("x-amz-copy-source") != "":
		return "UploadPartCopy"
	case r.query.Has("partNumber"):
		return "UploadPart"
	case r.method == http.MethodPost && r.query.Has("uploadId"):
		return "CompleteMultipartUpload"
	}
	return r.method
}

func (l *headerLog) RoundTrip(r *http.Request) (*http.Response, error) {
	l.mu.Lock()
	l.reqs = append(l.reqs, loggedRequest{r.Method, r.URL.Path, r.URL.Query(), r.Header.Clone()})
	l.mu.Unlock()
	return l.next.RoundTrip(r)
}

func (l *headerLog) take() []loggedRequest {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.reqs
	l.reqs = nil
	return out
}

func loggingClient(t testing.TB, s *kuraproc.Server) (*client.Client, *headerLog) {
	t.Helper()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: s.RootCAs}
	log := &headerLog{next: tr}
	c, err := client.New(s.Endpoint, &client.Options{
		AccessKey: s.AccessKey, SecretKey: s.SecretKey, Region: s.Region, Secure: s.RootCAs != nil, Transport: log, MaxRetries: -1,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c, log
}

// sseHeaderSet is the encryption headers of a request, lower-cased.
func sseHeaderSet(h http.Header) map[string]string {
	out := map[string]string{}
	for name := range h {
		lower := strings.ToLower(name)
		if strings.Contains(lower, "server-side-encryption") {
			out[lower] = h.Get(name)
		}
	}
	return out
}

// joinSets is the union of header sets.
func joinSets(sets ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, s := range sets {
		maps.Copy(out, s)
	}
	return out
}

// TestSSERequestHeaders checks the headers each request of an upload, a
// read and a compose carries: SSE-C on every request of an SSE-C
// object, SSE-S3 and SSE-KMS only where an object is created, never on
// reads or parts.
func TestSSERequestHeaders(t *testing.T) {
	s := newTLSObjectServer(t)
	c, log := loggingClient(t, s)
	ctx := context.Background()
	b64 := base64.StdEncoding.EncodeToString
	customer := func(prefix string, key []byte) map[string]string {
		return map[string]string{
			prefix + "server-side-encryption-customer-algorithm": "AES256",
			prefix + "server-side-encryption-customer-key":       b64(key),
			prefix + "server-side-encryption-customer-key-md5":   keyMD5(key),
		}
	}
	c1, c2, src1 := customer("x-amz-", sseKey1), customer("x-amz-", sseKey2), customer("x-amz-copy-source-", sseKey1)
	none := map[string]string{}
	// check compares the encryption headers of every request since the
	// last check with want's answer for it.
	check := func(what string, want func(r loggedRequest) map[string]string) {
		t.Helper()
		reqs := log.take()
		if len(reqs) == 0 {
			t.Fatalf("%s: no requests", what)
		}
		for _, r := range reqs {
			w := want(r)
			if w == nil {
				t.Errorf("%s: unexpected %s %s", what, r.kind(), r.path)
				continue
			}
			if got := sseHeaderSet(r.header); !reflect.DeepEqual(got, w) {
				t.Errorf("%s: %s %s sent encryption headers %v, want %v", what, r.kind(), r.path, got, w)
			}
		}
	}
	byKind := func(m map[string]map[string]string) func(loggedRequest) map[string]string {
		return func(r loggedRequest) map[string]string { return m[r.kind()] }
	}
	data := randomData(11*mib, 31)

	// SSE-C multipart from a stream: the key on every request.
	_, err := c.PutObject(ctx, testBucket, "c", onlyReader{bytes.NewReader(data)}, -1, client.PutObjectOptions{
		PartSize: 5 * mib, ServerSideEncryption: mustSSEC(t, sseKey1),
	})
	if err != nil {
		t.Fatal(err)
	}
	check("SSE-C multipart", byKind(map[string]map[string]string{
		"CreateMultipartUpload": c1, "UploadPart": c1, "CompleteMultipartUpload": c1,
	}))

	// SSE-KMS multipart: the headers on CreateMultipartUpload only.
	_, err = c.PutObject(ctx, testBucket, "kms", bytes.NewReader(data), int64(len(data)), client.PutObjectOptions{
		PartSize: 5 * mib, ServerSideEncryption: mustSSEKMS(t, defaultKMSKey, map[string]string{"a": "<b>"}),
	})
	if err != nil {
		t.Fatal(err)
	}
	check("SSE-KMS multipart", byKind(map[string]map[string]string{
		"CreateMultipartUpload": {
			"x-amz-server-side-encryption":                "aws:kms",
			"x-amz-server-side-encryption-aws-kms-key-id": defaultKMSKey,
			"x-amz-server-side-encryption-context":        b64([]byte(`{"a":"<b>"}`)),
		},
		"UploadPart": none, "CompleteMultipartUpload": none,
	}))

	// SSE-S3 single PUT; SSE-KMS without key or context sends only the
	// algorithm.
	putBytes(t, c, "s3", data[:10], client.PutObjectOptions{ServerSideEncryption: client.SSES3()})
	check("SSE-S3 put", byKind(map[string]map[string]string{"PUT": {"x-amz-server-side-encryption": "AES256"}}))
	putBytes(t, c, "kms-default", data[:10], client.PutObjectOptions{ServerSideEncryption: mustSSEKMS(t, "", nil)})
	check("SSE-KMS put", byKind(map[string]map[string]string{"PUT": {"x-amz-server-side-encryption": "aws:kms"}}))

	// Reads of the SSE-C object: the key only; of the others: nothing.
	if _, _, err := readAll(c, "c", client.GetObjectOptions{ServerSideEncryption: mustSSEC(t, sseKey1), Length: 10}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.StatObject(ctx, testBucket, "c", client.StatObjectOptions{ServerSideEncryption: mustSSEC(t, sseKey1)}); err != nil {
		t.Fatal(err)
	}
	check("SSE-C reads", byKind(map[string]map[string]string{"GET": c1, "HEAD": c1}))
	if _, _, err := readAll(c, "kms", client.GetObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	check("SSE-KMS read", byKind(map[string]map[string]string{"GET": none}))

	// A compose of the SSE-C object and the SSE-S3 one into another
	// SSE-C key: the source's key under x-amz-copy-source- where it is
	// read, the destination's on every request of the upload.
	srcPath := "/" + testBucket + "/c"
	_, err = c.ComposeObject(ctx, client.CopyDestOptions{Bucket: testBucket, Key: "composed", Encryption: mustSSEC(t, sseKey2)},
		client.CopySrcOptions{Bucket: testBucket, Key: "c", Encryption: mustSSEC(t, sseKey1)},
		client.CopySrcOptions{Bucket: testBucket, Key: "s3"})
	if err != nil {
		t.Fatal(err)
	}
	parts := 0
	check("SSE-C compose", func(r loggedRequest) map[string]string {
		switch r.kind() {
		case "HEAD":
			if r.path == srcPath {
				return c1
			}
			return none
		case "CreateMultipartUpload", "CompleteMultipartUpload":
			return c2
		case "UploadPartCopy":
			parts++
			if strings.HasPrefix(r.header.Get("x-amz-copy-source"), srcPath) {
				return joinSets(src1, c2)
			}
			return c2
		}
		return nil
	})
	if parts != 2 {
		t.Errorf("%d UploadPartCopy requests, want 2", parts)
	}

	// A single CopyObject: the source key and the destination's
	// encryption together.
	_, err = c.CopyObject(ctx, client.CopyDestOptions{Bucket: testBucket, Key: "copied", Encryption: client.SSES3()},
		client.CopySrcOptions{Bucket: testBucket, Key: "composed", Encryption: mustSSEC(t, sseKey2)})
	if err != nil {
		t.Fatal(err)
	}
	check("SSE-C to SSE-S3 copy", byKind(map[string]map[string]string{
		"HEAD": c2,
		"PUT":  joinSets(customer("x-amz-copy-source-", sseKey2), map[string]string{"x-amz-server-side-encryption": "AES256"}),
	}))
}

// TestSSECRefusedOverHTTP: every call that would send an SSE-C key over
// plain HTTP fails before sending anything; SSE-S3 and SSE-KMS work.
// kura would answer 400 to such a request too.
func TestSSECRefusedOverHTTP(t *testing.T) {
	s := newObjectServer(t)
	c, log := loggingClient(t, s)
	ctx := context.Background()
	key := mustSSEC(t, sseKey1)
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, []byte("data"), 0o644); err != nil {
		t.Fatal(err)
	}
	putBytes(t, c, "plain", []byte("data"), client.PutObjectOptions{})
	log.take()
	calls := map[string]func() error{
		"PutObject": func() error {
			_, err := c.PutObject(ctx, testBucket, "k", strings.NewReader("x"), 1, client.PutObjectOptions{ServerSideEncryption: key})
			return err
		},
		"PutObject stream": func() error {
			_, err := c.PutObject(ctx, testBucket, "k", onlyReader{strings.NewReader("x")}, -1, client.PutObjectOptions{ServerSideEncryption: key})
			return err
		},
		"FPutObject": func() error {
			_, err := c.FPutObject(ctx, testBucket, "k", file, client.PutObjectOptions{ServerSideEncryption: key})
			return err
		},
		"GetObject": func() error {
			_, err := c.GetObject(ctx, testBucket, "plain", client.GetObjectOptions{ServerSideEncryption: key})
			return err
		},
		"FGetObject": func() error {
			return c.FGetObject(ctx, testBucket, "plain", filepath.Join(dir, "out"), client.GetObjectOptions{ServerSideEncryption: key})
		},
		"StatObject": func() error {
			_, err := c.StatObject(ctx, testBucket, "plain", client.StatObjectOptions{ServerSideEncryption: key})
			return err
		},
		"CopyObject source key": func() error {
			_, err := c.CopyObject(ctx, client.CopyDestOptions{Bucket: testBucket, Key: "k"},
				client.CopySrcOptions{Bucket: testBucket, Key: "plain", Encryption: key})
			return err
		},
		"CopyObject destination key": func() error {
			_, err := c.CopyObject(ctx, client.CopyDestOptions{Bucket: testBucket, Key: "k", Encryption: key},
				client.CopySrcOptions{Bucket: testBucket, Key: "plain"})
			return err
		},
		"ComposeObject": func() error {
			_, err := c.ComposeObject(ctx, client.CopyDestOptions{Bucket: testBucket, Key: "k"},
				client.CopySrcOptions{Bucket: testBucket, Key: "plain"},
				client.CopySrcOptions{Bucket: testBucket, Key: "plain", Encryption: key})
			return err
		},
		"UploadSnowballObjects": func() error {
			_, err := c.UploadSnowballObjects(ctx, testBucket, []client.SnowballObject{{Key: "x", Reader: strings.NewReader("x"), Size: 1}},
				client.SnowballOptions{ServerSideEncryption: key})
			return err
		},
	}
	for name, call := range calls {
		err := call()
		wantInvalidArgument(t, name, err)
		if err != nil && !strings.Contains(err.Error(), "HTTPS") {
			t.Errorf("%s: error %q does not say HTTPS is needed", name, err)
		}
		if reqs := log.take(); len(reqs) != 0 {
			t.Errorf("%s sent %d requests", name, len(reqs))
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "out")); !os.IsNotExist(err) {
		t.Errorf("FGetObject created its file: %v", err)
	}

	// The server refuses the headers sent by hand, as the client does.
	h := http.Header{}
	for k, v := range map[string]string{
		"x-amz-server-side-encryption-customer-algorithm": "AES256",
		"x-amz-server-side-encryption-customer-key":       base64.StdEncoding.EncodeToString(sseKey1),
		"x-amz-server-side-encryption-customer-key-md5":   keyMD5(sseKey1),
	} {
		h.Set(k, v)
	}
	_, _, err := readAll(c, "plain", client.GetObjectOptions{Headers: h})
	wantStatus(t, "SSE-C headers over HTTP sent by hand", err, http.StatusBadRequest, "InvalidRequest")

	// SSE-S3 and SSE-KMS carry no key: they work over HTTP.
	for _, tt := range []struct {
		enc  client.ServerSideEncryption
		want sseFields
	}{{client.SSES3(), wantS3}, {mustSSEKMS(t, "", nil), wantKMS}} {
		up := putBytes(t, c, "over-http", []byte("data"), client.PutObjectOptions{ServerSideEncryption: tt.enc})
		checkSSE(t, tt.enc.String()+" over HTTP", sseOfUpload(up), tt.want)
		got, info, err := readAll(c, "over-http", client.GetObjectOptions{})
		if err != nil || string(got) != "data" {
			t.Errorf("%s over HTTP: get %q, %v", tt.enc, got, err)
		}
		checkSSE(t, tt.enc.String()+" get over HTTP", sseOfObject(info), tt.want)
	}
}

// countingTransport answers 200 to everything and counts requests.
type countingTransport struct{ n int }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n++
	return &http.Response{StatusCode: 200, Header: http.Header{}, Body: http.NoBody, Request: r}, nil
}

// TestSSEArgumentChecks covers what the client refuses before sending.
func TestSSEArgumentChecks(t *testing.T) {
	if _, err := client.SSEC(make([]byte, 31)); !errors.Is(err, client.ErrInvalidArgument) {
		t.Errorf("SSEC of 31 bytes: %v", err)
	}
	if _, err := client.SSEC(nil); !errors.Is(err, client.ErrInvalidArgument) {
		t.Errorf("SSEC of no key: %v", err)
	}
	if _, err := client.SSEKMS("bad\nkey", nil); !errors.Is(err, client.ErrInvalidArgument) {
		t.Errorf("SSEKMS with a newline in the key id: %v", err)
	}
	if _, err := client.SSEKMS("", map[string]string{"k": "\xff"}); !errors.Is(err, client.ErrInvalidArgument) {
		t.Errorf("SSEKMS with a context that is not UTF-8: %v", err)
	}

	// Changing the caller's slice does not change the key.
	raw := bytes.Clone(sseKey1)
	key := mustSSEC(t, raw)
	clear(raw)
	var tr countingTransport
	c, err := client.New("https://s3.example.invalid", &client.Options{AccessKey: "a", SecretKey: "b", Transport: &tr, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	kms := mustSSEKMS(t, "k", nil)
	for name, call := range map[string]func() error{
		"GetObject with SSE-S3": func() error {
			_, err := c.GetObject(ctx, "bucket", "k", client.GetObjectOptions{ServerSideEncryption: client.SSES3()})
			return err
		},
		"StatObject with SSE-KMS": func() error {
			_, err := c.StatObject(ctx, "bucket", "k", client.StatObjectOptions{ServerSideEncryption: kms})
			return err
		},
		"CopyObject with an SSE-KMS source": func() error {
			_, err := c.CopyObject(ctx, client.CopyDestOptions{Bucket: "bucket", Key: "d"}, client.CopySrcOptions{Bucket: "bucket", Key: "k", Encryption: kms})
			return err
		},
	} {
		err := call()
		wantInvalidArgument(t, name, err)
		if err != nil && !strings.Contains(err.Error(), "only an SSE-C key") {
			t.Errorf("%s: error %q is not about the kind of encryption", name, err)
		}
	}
	if tr.n != 0 {
		t.Errorf("%d requests sent", tr.n)
	}

	// The key survives the caller's clear and is what the request carries.
	var seen http.Header
	c2, err := client.New("https://s3.example.invalid", &client.Options{AccessKey: "a", SecretKey: "b", MaxRetries: -1,
		Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			seen = r.Header.Clone()
			return &http.Response{StatusCode: 200, Header: http.Header{}, Body: http.NoBody, Request: r}, nil
		})})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c2.StatObject(ctx, "bucket", "k", client.StatObjectOptions{ServerSideEncryption: key}); err != nil {
		t.Fatal(err)
	}
	if got := seen.Get("x-amz-server-side-encryption-customer-key"); got != base64.StdEncoding.EncodeToString(sseKey1) {
		t.Errorf("key sent %q, want the key given to SSEC", got)
	}

	// Printing options never shows the key.
	opts := client.GetObjectOptions{ServerSideEncryption: key}
	b64 := base64.StdEncoding.EncodeToString(sseKey1)
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(format, opts)
		if strings.Contains(out, b64) || strings.Contains(out, fmt.Sprintf("%d %d %d", sseKey1[0], sseKey1[1], sseKey1[2])) || !strings.Contains(out, "SSE") {
			t.Errorf("%s of options with an SSE-C key: %s", format, out)
		}
	}
	for enc, want := range map[client.ServerSideEncryption]string{client.SSES3(): "SSE-S3", kms: "SSE-KMS", key: "SSE-C"} {
		if enc.String() != want {
			t.Errorf("String() = %q, want %q", enc.String(), want)
		}
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestSSEFileCalls: FPutObject and FGetObject take the key through their
// options.
func TestSSEFileCalls(t *testing.T) {
	s := newTLSObjectServer(t)
	c := s.Client
	ctx := context.Background()
	dir := t.TempDir()
	key := mustSSEC(t, sseKey1)
	for _, size := range []int{1000, 6 * mib} {
		data := randomData(size, 41)
		in := filepath.Join(dir, "in")
		if err := os.WriteFile(in, data, 0o644); err != nil {
			t.Fatal(err)
		}
		up, err := c.FPutObject(ctx, testBucket, "file", in, client.PutObjectOptions{PartSize: 5 * mib, ServerSideEncryption: key})
		if err != nil {
			t.Fatal(err)
		}
		checkSSE(t, "FPutObject answer", sseOfUpload(up), wantC1)
		out := filepath.Join(dir, "out")
		if err := c.FGetObject(ctx, testBucket, "file", out, client.GetObjectOptions{ServerSideEncryption: key}); err != nil {
			t.Fatal(err)
		}
		if got, err := os.ReadFile(out); err != nil || !bytes.Equal(got, data) {
			t.Errorf("FGetObject of %d bytes: %d bytes, %v", size, len(got), err)
		}
		missing := filepath.Join(dir, "missing")
		err = c.FGetObject(ctx, testBucket, "file", missing, client.GetObjectOptions{})
		wantStatus(t, "FGetObject without the key", err, http.StatusBadRequest, "InvalidRequest")
		if _, err := os.Stat(missing); !os.IsNotExist(err) {
			t.Errorf("FGetObject without the key left a file: %v", err)
		}
	}
}

// TestSSESnowball: the archive's encryption applies to the objects kura
// extracts from it.
func TestSSESnowball(t *testing.T) {
	s := newTLSObjectServer(t)
	c := s.Client
	ctx := context.Background()
	for _, tc := range sseCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			prefix := strings.ReplaceAll(tc.name, " ", "-")
			_, err := c.UploadSnowballObjects(ctx, testBucket, []client.SnowballObject{
				{Key: "one", Reader: strings.NewReader("first"), Size: 5},
				{Key: "two", Reader: strings.NewReader(""), Size: 0},
			}, client.SnowballOptions{Prefix: prefix, ServerSideEncryption: tc.enc})
			if err != nil {
				t.Fatal(err)
			}
			got, info, err := readAll(c, prefix+"/one", client.GetObjectOptions{ServerSideEncryption: tc.read})
			if err != nil || string(got) != "first" {
				t.Fatalf("extracted object: %q, %v", got, err)
			}
			checkSSE(t, "extracted object", sseOfObject(info), tc.want)
			st, err := c.StatObject(ctx, testBucket, prefix+"/two", client.StatObjectOptions{ServerSideEncryption: tc.read})
			if err != nil || st.Size != 0 {
				t.Fatalf("extracted empty object: %+v, %v", st, err)
			}
			checkSSE(t, "extracted empty object", sseOfObject(st), tc.want)
		})
	}
}

// TestSSEPresignedGet: a presigned URL reads SSE-S3 and SSE-KMS objects
// with nothing more.
func TestSSEPresignedGet(t *testing.T) {
	s := newTLSObjectServer(t)
	c := s.Client
	ctx := context.Background()
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: s.RootCAs}}}
	for _, enc := range []client.ServerSideEncryption{client.SSES3(), mustSSEKMS(t, "", nil)} {
		putBytes(t, c, "presigned", []byte("secret data"), client.PutObjectOptions{ServerSideEncryption: enc})
		u, err := c.PresignedGetObject(ctx, testBucket, "presigned", time.Minute, client.PresignOptions{})
		if err != nil {
			t.Fatal(err)
		}
		resp, err := hc.Get(u.String())
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != "secret data" {
			t.Errorf("%s presigned GET: %d %q", enc, resp.StatusCode, body)
		}
	}
}

// TestBucketEncryptionKura runs Set/Get/DeleteBucketEncryption against
// kura and checks that the default applies to writes without
// encryption headers, and only to them.
func TestBucketEncryptionKura(t *testing.T) {
	s := newTLSObjectServer(t)
	c := s.Client
	ctx := context.Background()
	const bucket = "defaults"
	makeBucket(t, c, bucket, false)
	_, err := c.GetBucketEncryption(ctx, bucket)
	wantNotFound(t, "encryption before set", err, "ServerSideEncryptionConfigurationNotFoundError")

	put := func(key string, size int, enc client.ServerSideEncryption) client.UploadInfo {
		t.Helper()
		data := randomData(size, 51)
		up, err := c.PutObject(ctx, bucket, key, bytes.NewReader(data), int64(size), client.PutObjectOptions{PartSize: 5 * mib, ServerSideEncryption: enc})
		if err != nil {
			t.Fatalf("put %s: %v", key, err)
		}
		return up
	}
	stat := func(key string, enc client.ServerSideEncryption) sseFields {
		t.Helper()
		info, err := c.StatObject(ctx, bucket, key, client.StatObjectOptions{ServerSideEncryption: enc})
		if err != nil {
			t.Fatalf("stat %s: %v", key, err)
		}
		return sseOfObject(info)
	}

	put("before", 10, nil)
	checkSSE(t, "object before a default", stat("before", nil), wantNone)

	for _, tt := range []struct {
		cfg  *sse.Configuration
		want sseFields
	}{
		{sse.NewAES256(), wantS3},
		{sse.NewKMS(defaultKMSKey), wantKMS},
		{sse.NewKMS(""), wantKMS},
	} {
		name := tt.cfg.Rules[0].Default.Algorithm + "/" + tt.cfg.Rules[0].Default.KMSMasterKeyID
		t.Run(name, func(t *testing.T) {
			if err := c.SetBucketEncryption(ctx, bucket, tt.cfg); err != nil {
				t.Fatal(err)
			}
			got, err := c.GetBucketEncryption(ctx, bucket)
			if err != nil || !reflect.DeepEqual(got, tt.cfg) {
				t.Fatalf("GetBucketEncryption = %+v, %v; want %+v", got, err, tt.cfg)
			}
			checkSSE(t, "single PUT answer", sseOfUpload(put("single", 10, nil)), tt.want)
			checkSSE(t, "single PUT", stat("single", nil), tt.want)
			checkSSE(t, "multipart answer", sseOfUpload(put("multi", 6*mib, nil)), tt.want)
			checkSSE(t, "multipart", stat("multi", nil), tt.want)
			// A copy without encryption of its own gets the default.
			up, err := c.CopyObject(ctx, client.CopyDestOptions{Bucket: bucket, Key: "copied"}, client.CopySrcOptions{Bucket: bucket, Key: "before"})
			if err != nil {
				t.Fatal(err)
			}
			checkSSE(t, "copy answer", sseOfUpload(up), tt.want)
			checkSSE(t, "copy", stat("copied", nil), tt.want)
			// What a request asks for wins over the default.
			key := mustSSEC(t, sseKey1)
			checkSSE(t, "SSE-C over a default", sseOfUpload(put("ssec", 10, key)), wantC1)
			checkSSE(t, "SSE-C over a default", stat("ssec", key), wantC1)
			if tt.want.Alg == "AES256" {
				put("kms", 10, mustSSEKMS(t, "", nil))
				checkSSE(t, "SSE-KMS over an SSE-S3 default", stat("kms", nil), wantKMS)
			} else {
				put("s3", 10, client.SSES3())
				checkSSE(t, "SSE-S3 over an SSE-KMS default", stat("s3", nil), wantS3)
			}
			// Objects written before keep their encryption.
			checkSSE(t, "object written before the default", stat("before", nil), wantNone)
		})
	}

	// A default with a key the KMS lacks is refused and changes nothing.
	err = c.SetBucketEncryption(ctx, bucket, sse.NewKMS("no-such-key"))
	wantStatus(t, "default with an unknown KMS key", err, http.StatusBadRequest, "KMS.NotFoundException")
	if got, err := c.GetBucketEncryption(ctx, bucket); err != nil || !reflect.DeepEqual(got, sse.NewKMS("")) {
		t.Errorf("after the refused default: %+v, %v", got, err)
	}

	if err := c.DeleteBucketEncryption(ctx, bucket); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetBucketEncryption(ctx, bucket)
	wantNotFound(t, "encryption after delete", err, "ServerSideEncryptionConfigurationNotFoundError")
	checkSSE(t, "PUT after the default is deleted", sseOfUpload(put("after", 10, nil)), wantNone)
	checkSSE(t, "PUT after the default is deleted", stat("after", nil), wantNone)
	checkSSE(t, "object written under the default", stat("single", nil), wantKMS)
}
