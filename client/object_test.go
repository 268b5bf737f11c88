package client_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kurastore/kura/checksum"
	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/client/internal/kuraproc"
)

const testBucket = "objects"

// newObjectServer starts kura with the bucket testBucket.
func newObjectServer(t testing.TB) *kuraproc.Server {
	t.Helper()
	s := kuraproc.Start(t, kuraproc.Options{})
	if err := s.Client.MakeBucket(context.Background(), testBucket, client.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	return s
}

// randomData is n reproducible pseudo-random bytes.
func randomData(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, uint64(n)))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

func putBytes(t testing.TB, c *client.Client, key string, data []byte, opts client.PutObjectOptions) client.UploadInfo {
	t.Helper()
	info, err := c.PutObject(context.Background(), testBucket, key, bytes.NewReader(data), int64(len(data)), opts)
	if err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
	return info
}

func getBytes(t testing.TB, c *client.Client, key string, opts client.GetObjectOptions) ([]byte, client.ObjectInfo) {
	t.Helper()
	obj, err := c.GetObject(context.Background(), testBucket, key, opts)
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	defer obj.Close()
	data, err := io.ReadAll(obj)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return data, obj.Info
}

// requestLog is a transport that records every request ("METHOD query")
// and can make requests fail.
type requestLog struct {
	mu       sync.Mutex
	requests []string
	inFlight map[string]int
	peak     map[string]int
	// fail, when set, may answer a request with an error instead of
	// sending it.
	fail func(r *http.Request) error
	// alter, when set, may change an answer.
	alter func(r *http.Request, resp *http.Response)
	next  http.RoundTripper
}

func (l *requestLog) RoundTrip(r *http.Request) (*http.Response, error) {
	name := r.Method + " " + r.URL.RawQuery
	kind := r.Method + " " + queryKind(r)
	l.mu.Lock()
	l.requests = append(l.requests, name)
	l.inFlight[kind]++
	l.peak[kind] = max(l.peak[kind], l.inFlight[kind])
	fail := l.fail
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		l.inFlight[kind]--
		l.mu.Unlock()
	}()
	if fail != nil {
		if err := fail(r); err != nil {
			return nil, err
		}
	}
	resp, err := l.next.RoundTrip(r)
	if err == nil && l.alter != nil {
		l.alter(r, resp)
	}
	return resp, err
}

// queryKind names the sub-resource of a request: "part", "uploads",
// "delete", "list" and so on, or "" for a plain object request.
func queryKind(r *http.Request) string {
	q := r.URL.Query()
	switch {
	case q.Has("partNumber") && q.Has("uploadId"):
		return "part"
	case q.Has("uploadId"):
		return "upload"
	}
	for _, k := range []string{"uploads", "delete", "tagging", "versions", "list-type"} {
		if q.Has(k) {
			return k
		}
	}
	return ""
}

// count is the number of requests whose "METHOD query" contains all of
// parts.
func (l *requestLog) count(parts ...string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, r := range l.requests {
		if all(r, parts) {
			n++
		}
	}
	return n
}

func all(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

func (l *requestLog) total() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.requests)
}

func (l *requestLog) peakOf(kind string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.peak[kind]
}

// loggedClient is a client of s whose requests go through a requestLog.
func loggedClient(t testing.TB, s *kuraproc.Server) (*client.Client, *requestLog) {
	t.Helper()
	log := &requestLog{next: http.DefaultTransport.(*http.Transport).Clone(), inFlight: map[string]int{}, peak: map[string]int{}}
	c, err := client.New(s.Endpoint, &client.Options{AccessKey: s.AccessKey, SecretKey: s.SecretKey, Region: s.Region, Transport: log})
	if err != nil {
		t.Fatal(err)
	}
	return c, log
}

func TestGetObjectRanges(t *testing.T) {
	s := newObjectServer(t)
	data := randomData(10000, 1)
	putBytes(t, s.Client, "ranged", data, client.PutObjectOptions{})
	tests := []struct {
		name           string
		offset, length int64
		want           []byte
	}{
		{"whole", 0, 0, data},
		{"from an offset", 9000, 0, data[9000:]},
		{"offset and length", 100, 50, data[100:150]},
		{"length from the start", 0, 1, data[:1]},
		{"last byte", 9999, 1, data[9999:]},
		{"length past the end", 9990, 100, data[9990:]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, info := getBytes(t, s.Client, "ranged", client.GetObjectOptions{Offset: tt.offset, Length: tt.length})
			if !bytes.Equal(got, tt.want) {
				t.Fatalf("got %d bytes, want %d", len(got), len(tt.want))
			}
			if info.Size != int64(len(data)) {
				t.Errorf("Info.Size = %d, want the object's %d", info.Size, len(data))
			}
		})
	}
	_, err := s.Client.GetObject(context.Background(), testBucket, "ranged", client.GetObjectOptions{Offset: 20000})
	if client.ErrorCode(err) != "InvalidRange" {
		t.Errorf("offset past the end: %v", err)
	}
}

func TestGetObjectConditions(t *testing.T) {
	s := newObjectServer(t)
	info := putBytes(t, s.Client, "cond", []byte("conditional"), client.PutObjectOptions{})
	past, future := time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
	tests := []struct {
		name     string
		opts     client.GetObjectOptions
		wantCode string
	}{
		{"if-match holds", client.GetObjectOptions{IfMatch: info.ETag}, ""},
		{"if-match fails", client.GetObjectOptions{IfMatch: "0123"}, "PreconditionFailed"},
		{"if-none-match fails", client.GetObjectOptions{IfNoneMatch: `"` + info.ETag + `"`}, "NotModified"},
		{"if-none-match holds", client.GetObjectOptions{IfNoneMatch: "0123"}, ""},
		{"if-modified-since fails", client.GetObjectOptions{IfModifiedSince: future}, "NotModified"},
		{"if-modified-since holds", client.GetObjectOptions{IfModifiedSince: past}, ""},
		{"if-unmodified-since fails", client.GetObjectOptions{IfUnmodifiedSince: past}, "PreconditionFailed"},
		{"if-unmodified-since holds", client.GetObjectOptions{IfUnmodifiedSince: future}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj, err := s.Client.GetObject(context.Background(), testBucket, "cond", tt.opts)
			if got := client.ErrorCode(err); got != tt.wantCode {
				t.Fatalf("error %v, want code %q", err, tt.wantCode)
			}
			if err == nil {
				obj.Close()
			}
			_, err = s.Client.StatObject(context.Background(), testBucket, "cond", client.StatObjectOptions{
				IfMatch: tt.opts.IfMatch, IfNoneMatch: tt.opts.IfNoneMatch,
				IfModifiedSince: tt.opts.IfModifiedSince, IfUnmodifiedSince: tt.opts.IfUnmodifiedSince,
			})
			if got := client.ErrorCode(err); got != tt.wantCode {
				t.Fatalf("stat: error %v, want code %q", err, tt.wantCode)
			}
		})
	}
}

func TestGetObjectPartNumber(t *testing.T) {
	s := newObjectServer(t)
	data := randomData(12<<20, 2)
	putBytes(t, s.Client, "parts", data, client.PutObjectOptions{PartSize: 5 << 20})
	got, info := getBytes(t, s.Client, "parts", client.GetObjectOptions{PartNumber: 2})
	if !bytes.Equal(got, data[5<<20:10<<20]) {
		t.Fatalf("part 2: got %d bytes", len(got))
	}
	if info.PartsCount != 3 || info.Size != int64(len(data)) {
		t.Errorf("part read says %d parts of an object of %d bytes", info.PartsCount, info.Size)
	}
	st, err := s.Client.StatObject(context.Background(), testBucket, "parts", client.StatObjectOptions{PartNumber: 3})
	if err != nil || st.PartsCount != 3 {
		t.Fatalf("stat of part 3: %+v %v", st, err)
	}
}

func TestGetObjectRequestHeadersAndQuery(t *testing.T) {
	s := newObjectServer(t)
	putBytes(t, s.Client, "extra", []byte("0123456789"), client.PutObjectOptions{ContentType: "text/plain"})
	got, info := getBytes(t, s.Client, "extra", client.GetObjectOptions{
		Headers:    http.Header{"Range": {"bytes=2-4"}},
		ExtraQuery: map[string][]string{"response-content-type": {"application/x-test"}},
	})
	if string(got) != "234" {
		t.Errorf("Range from Headers: got %q", got)
	}
	if info.ContentType != "application/x-test" {
		t.Errorf("response-content-type from ExtraQuery: Content-Type %q", info.ContentType)
	}
}

func TestGetObjectVerifiesChecksum(t *testing.T) {
	s := newObjectServer(t)
	data := randomData(100000, 3)
	putBytes(t, s.Client, "summed", data, client.PutObjectOptions{})
	c, log := loggedClient(t, s)
	got, info := getBytes(t, c, "summed", client.GetObjectOptions{ChecksumMode: true})
	if !bytes.Equal(got, data) {
		t.Fatal("data differs")
	}
	if info.Checksums[checksum.CRC32C] != crc32cOf(data) || info.ChecksumType != "FULL_OBJECT" {
		t.Fatalf("checksums %v %s", info.Checksums, info.ChecksumType)
	}
	// A byte flipped on the way must fail the read that reaches the end.
	log.alter = func(r *http.Request, resp *http.Response) {
		if r.Method == http.MethodGet {
			resp.Body = flipFirstByte(resp.Body)
		}
	}
	obj, err := c.GetObject(context.Background(), testBucket, "summed", client.GetObjectOptions{ChecksumMode: true})
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	if _, err := io.ReadAll(obj); !errors.Is(err, client.ErrChecksumMismatch) {
		t.Fatalf("corrupted read: %v", err)
	}
}

func crc32cOf(data []byte) string {
	h := checksum.CRC32C.New()
	h.Write(data)
	return checksum.Encode(h.Sum(nil))
}

type flippingBody struct {
	io.ReadCloser
	flipped bool
}

func flipFirstByte(body io.ReadCloser) io.ReadCloser { return &flippingBody{ReadCloser: body} }

func (f *flippingBody) Read(p []byte) (int, error) {
	n, err := f.ReadCloser.Read(p)
	if n > 0 && !f.flipped {
		p[0] ^= 0xff
		f.flipped = true
	}
	return n, err
}

func TestStatObject(t *testing.T) {
	s := newObjectServer(t)
	expires := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	data := []byte("described")
	put := putBytes(t, s.Client, "stat", data, client.PutObjectOptions{
		ContentType: "text/plain", ContentEncoding: "identity", ContentDisposition: "inline",
		ContentLanguage: "en", CacheControl: "max-age=60", Expires: expires,
		Metadata: map[string]string{"Color": "blue", "x-amz-meta-shape": "round"},
		Tags:     map[string]string{"a": "1", "b": "2"},
	})
	info, err := s.Client.StatObject(context.Background(), testBucket, "stat", client.StatObjectOptions{ChecksumMode: true})
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		field     string
		got, want any
	}{
		{"Key", info.Key, "stat"},
		{"Size", info.Size, int64(len(data))},
		{"ETag", info.ETag, put.ETag},
		{"ContentType", info.ContentType, "text/plain"},
		{"ContentEncoding", info.ContentEncoding, "identity"},
		{"ContentDisposition", info.ContentDisposition, "inline"},
		{"ContentLanguage", info.ContentLanguage, "en"},
		{"CacheControl", info.CacheControl, "max-age=60"},
		{"Expires", info.Expires, expires},
		{"Metadata", info.Metadata, map[string]string{"color": "blue", "shape": "round"}},
		{"TagCount", info.TagCount, 2},
		{"CRC32C", info.Checksums[checksum.CRC32C], crc32cOf(data)},
	}
	for _, c := range checks {
		if !equalValues(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.field, c.got, c.want)
		}
	}
	if strings.Contains(info.ETag, `"`) || info.LastModified.IsZero() || time.Since(info.LastModified) > time.Hour {
		t.Errorf("ETag %q, LastModified %v", info.ETag, info.LastModified)
	}
	if _, err := s.Client.StatObject(context.Background(), testBucket, "missing", client.StatObjectOptions{}); !client.IsNotFound(err) || client.ErrorCode(err) != "NoSuchKey" {
		t.Errorf("missing object: %v", err)
	}
}

func equalValues(a, b any) bool {
	switch a := a.(type) {
	case map[string]string:
		return maps.Equal(a, b.(map[string]string))
	case time.Time:
		return a.Equal(b.(time.Time))
	}
	return a == b
}

func TestFGetObject(t *testing.T) {
	s := newObjectServer(t)
	data := randomData(300000, 4)
	putBytes(t, s.Client, "file", data, client.PutObjectOptions{})
	dir := t.TempDir()
	ctx := context.Background()

	target := filepath.Join(dir, "nested", "deeper", "file.bin")
	if err := s.Client.FGetObject(ctx, testBucket, "file", target, client.GetObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(target); !bytes.Equal(got, data) {
		t.Fatalf("downloaded %d bytes, want %d", len(got), len(data))
	}
	// Downloading again replaces the file; a range and a named
	// temporary file work too.
	tmp := filepath.Join(dir, "staging.part")
	if err := s.Client.FGetObject(ctx, testBucket, "file", target, client.GetObjectOptions{Offset: 10, Length: 5, TempFile: tmp}); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(target); !bytes.Equal(got, data[10:15]) {
		t.Fatalf("ranged download: %d bytes", len(got))
	}
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Errorf("temporary file left behind: %v", err)
	}
	// A missing object creates no file.
	missing := filepath.Join(dir, "missing")
	if err := s.Client.FGetObject(ctx, testBucket, "nothere", missing, client.GetObjectOptions{}); !client.IsNotFound(err) {
		t.Fatalf("missing object: %v", err)
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("a failed download created %s", missing)
	}
	if err := s.Client.FGetObject(ctx, testBucket, "file", dir, client.GetObjectOptions{}); !errors.Is(err, client.ErrInvalidArgument) {
		t.Errorf("directory as target: %v", err)
	}
	names := dirNames(t, filepath.Join(dir, "nested", "deeper"))
	if !slices.Equal(names, []string{"file.bin"}) {
		t.Errorf("files next to the download: %v", names)
	}
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestRemoveObject(t *testing.T) {
	s := newObjectServer(t)
	ctx := context.Background()
	putBytes(t, s.Client, "doomed", []byte("x"), client.PutObjectOptions{})
	if err := s.Client.RemoveObject(ctx, testBucket, "doomed", client.RemoveObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Client.StatObject(ctx, testBucket, "doomed", client.StatObjectOptions{}); !client.IsNotFound(err) {
		t.Fatalf("removed object: %v", err)
	}
	if err := s.Client.RemoveObject(ctx, testBucket, "doomed", client.RemoveObjectOptions{}); err != nil {
		t.Errorf("removing a missing key: %v", err)
	}
	if err := s.Client.RemoveObject(ctx, "no-such-bucket", "doomed", client.RemoveObjectOptions{}); client.ErrorCode(err) != "NoSuchBucket" {
		t.Errorf("missing bucket: %v", err)
	}
}

// keysSeq yields ObjectToDelete for keys and counts how many were pulled.
func keysSeq(keys []string, pulled *int) func(yield func(client.ObjectToDelete) bool) {
	return func(yield func(client.ObjectToDelete) bool) {
		for _, k := range keys {
			*pulled++
			if !yield(client.ObjectToDelete{Key: k}) {
				return
			}
		}
	}
}

func TestRemoveObjectsInBatches(t *testing.T) {
	s := newObjectServer(t)
	ctx := context.Background()
	keys := make([]string, 2500)
	objects := make([]client.SnowballObject, len(keys))
	for i := range keys {
		keys[i] = fmt.Sprintf("many/%04d", i)
		objects[i] = client.SnowballObject{Key: keys[i], Reader: strings.NewReader("v"), Size: 1}
	}
	if _, err := s.Client.UploadSnowballObjects(ctx, testBucket, objects, client.SnowballOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := countObjects(t, s.Client, "many/"); n != len(keys) {
		t.Fatalf("%d objects before the removal", n)
	}
	c, log := loggedClient(t, s)
	pulled := 0
	// The call deletes by itself: there is no result to range over.
	if err := c.RemoveObjects(ctx, testBucket, keysSeq(keys, &pulled), client.RemoveObjectsOptions{}); err != nil {
		t.Fatal(err)
	}
	if pulled != len(keys) {
		t.Errorf("%d keys pulled, want %d", pulled, len(keys))
	}
	if got := log.count("POST", "delete"); got != 3 {
		t.Errorf("%d DeleteObjects requests for 2,500 keys, want 3", got)
	}
	if n := countObjects(t, s.Client, "many/"); n != 0 {
		t.Errorf("%d objects left", n)
	}
}

func countObjects(t *testing.T, c *client.Client, prefix string) int {
	t.Helper()
	n := 0
	for _, err := range c.ListObjects(context.Background(), testBucket, client.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	return n
}

func TestRemoveObjectsReportsFailures(t *testing.T) {
	s := newObjectServer(t)
	ctx := context.Background()
	putBytes(t, s.Client, "keep", []byte("x"), client.PutObjectOptions{})
	c, log := loggedClient(t, s)

	// A key the client refuses is reported without a request, and the
	// others are still deleted.
	pulled := 0
	err := c.RemoveObjects(ctx, testBucket, keysSeq([]string{"", "keep"}, &pulled), client.RemoveObjectsOptions{})
	var rerr *client.RemoveObjectsError
	if !errors.As(err, &rerr) || !errors.Is(err, client.ErrInvalidArgument) {
		t.Fatalf("error %v, want a *RemoveObjectsError with ErrInvalidArgument", err)
	}
	if len(rerr.Failed) != 1 || rerr.Failed[0].Key != "" || rerr.Failed[0].Code != "InvalidArgument" || rerr.Err != nil {
		t.Errorf("failures %+v, request error %v", rerr.Failed, rerr.Err)
	}
	if pulled != 2 || log.count("POST", "delete") != 1 {
		t.Errorf("pulled %d, %d requests", pulled, log.count("POST", "delete"))
	}
	if _, err := s.Client.StatObject(ctx, testBucket, "keep", client.StatObjectOptions{}); !client.IsNotFound(err) {
		t.Errorf("valid key of the batch: %v", err)
	}

	// A failed request stops pulling keys after its batch.
	pulled = 0
	keys := make([]string, 2500)
	for i := range keys {
		keys[i] = "k" + strconv.Itoa(i)
	}
	err = c.RemoveObjects(ctx, "no-such-bucket", keysSeq(keys, &pulled), client.RemoveObjectsOptions{})
	if !errors.As(err, &rerr) || !errors.Is(err, client.ErrNoSuchBucket) || client.ErrorCode(rerr.Err) != "NoSuchBucket" || len(rerr.Failed) != 0 {
		t.Errorf("missing bucket: %v", err)
	}
	if pulled != 1000 {
		t.Errorf("%d keys pulled after the first batch failed, want 1000", pulled)
	}
}

// TestRemoveObjectsServerRefusal: a version the server keeps (under
// legal hold) is reported with its code; the others are deleted.
func TestRemoveObjectsServerRefusal(t *testing.T) {
	s := newObjectServer(t)
	c := s.Client
	ctx := context.Background()
	if err := c.MakeBucket(ctx, "locked", client.MakeBucketOptions{ObjectLock: true}); err != nil {
		t.Fatal(err)
	}
	held, err := c.PutObject(ctx, "locked", "held", strings.NewReader("x"), 1, client.PutObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	free, err := c.PutObject(ctx, "locked", "free", strings.NewReader("x"), 1, client.PutObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.EnableObjectLegalHold(ctx, "locked", "held", client.ObjectLockOptions{VersionID: held.VersionID}); err != nil {
		t.Fatal(err)
	}
	objects := []client.ObjectToDelete{{Key: "held", VersionID: held.VersionID}, {Key: "free", VersionID: free.VersionID}}
	err = c.RemoveObjects(ctx, "locked", slices.Values(objects), client.RemoveObjectsOptions{})
	var rerr *client.RemoveObjectsError
	if !errors.As(err, &rerr) || len(rerr.Failed) != 1 || rerr.Failed[0].Key != "held" || rerr.Err != nil {
		t.Fatalf("error %v, want the held version alone", err)
	}
	if !errors.Is(err, client.ErrAccessDenied) {
		t.Errorf("%v does not match ErrAccessDenied", err)
	}
	if _, err := c.StatObject(ctx, "locked", "free", client.StatObjectOptions{VersionID: free.VersionID}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("free version: %v", err)
	}
}

func TestObjectTags(t *testing.T) {
	s := newObjectServer(t)
	ctx := context.Background()
	putBytes(t, s.Client, "tagged", []byte("x"), client.PutObjectOptions{Tags: map[string]string{"initial": "yes"}})
	got, err := s.Client.GetObjectTags(ctx, testBucket, "tagged", client.ObjectTagsOptions{})
	if err != nil || !maps.Equal(got, map[string]string{"initial": "yes"}) {
		t.Fatalf("tags from the upload: %v %v", got, err)
	}
	want := map[string]string{"project": "kura one", "owner": "ops@example.com", "ключ": "значение"}
	if err := s.Client.SetObjectTags(ctx, testBucket, "tagged", want, client.ObjectTagsOptions{}); err != nil {
		t.Fatal(err)
	}
	if got, err = s.Client.GetObjectTags(ctx, testBucket, "tagged", client.ObjectTagsOptions{}); err != nil || !maps.Equal(got, want) {
		t.Fatalf("tags after set: %v %v", got, err)
	}
	if err := s.Client.DeleteObjectTags(ctx, testBucket, "tagged", client.ObjectTagsOptions{}); err != nil {
		t.Fatal(err)
	}
	if got, err = s.Client.GetObjectTags(ctx, testBucket, "tagged", client.ObjectTagsOptions{}); err != nil || len(got) != 0 {
		t.Fatalf("tags after delete: %v %v", got, err)
	}
	if _, err := s.Client.GetObjectTags(ctx, testBucket, "missing", client.ObjectTagsOptions{}); !client.IsNotFound(err) {
		t.Errorf("tags of a missing object: %v", err)
	}
}

// TestBadInputIsRefusedBeforeSending calls every method with input the
// client must refuse, and checks that nothing was sent.
func TestBadInputIsRefusedBeforeSending(t *testing.T) {
	s := newObjectServer(t)
	c, log := loggedClient(t, s)
	ctx := context.Background()
	elevenTags := map[string]string{}
	for i := range 11 {
		elevenTags["t"+strconv.Itoa(i)] = "v"
	}
	file := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	get := func(bucket, key string, opts client.GetObjectOptions) error {
		_, err := c.GetObject(ctx, bucket, key, opts)
		return err
	}
	put := func(key string, size int64, opts client.PutObjectOptions) error {
		_, err := c.PutObject(ctx, testBucket, key, strings.NewReader("x"), size, opts)
		return err
	}
	src := client.CopySrcOptions{Bucket: testBucket, Key: "src"}
	dst := client.CopyDestOptions{Bucket: testBucket, Key: "dst"}
	tests := []struct {
		name string
		call func() error
	}{
		{"get: invalid bucket", func() error { return get("Bad_Bucket", "k", client.GetObjectOptions{}) }},
		{"get: empty key", func() error { return get(testBucket, "", client.GetObjectOptions{}) }},
		{"get: negative offset", func() error { return get(testBucket, "k", client.GetObjectOptions{Offset: -1}) }},
		{"get: negative length", func() error { return get(testBucket, "k", client.GetObjectOptions{Length: -5}) }},
		{"get: range and part", func() error { return get(testBucket, "k", client.GetObjectOptions{Offset: 1, PartNumber: 1}) }},
		{"get: part number too big", func() error { return get(testBucket, "k", client.GetObjectOptions{PartNumber: 10001}) }},
		{"stat: key too long", func() error {
			_, err := c.StatObject(ctx, testBucket, strings.Repeat("k", 1025), client.StatObjectOptions{})
			return err
		}},
		{"fget: empty path", func() error { return c.FGetObject(ctx, testBucket, "k", "", client.GetObjectOptions{}) }},
		{"fget: invalid bucket", func() error {
			return c.FGetObject(ctx, "ab", "k", filepath.Join(t.TempDir(), "x"), client.GetObjectOptions{})
		}},
		{"remove: empty key", func() error { return c.RemoveObject(ctx, testBucket, "", client.RemoveObjectOptions{}) }},
		{"remove objects: invalid bucket", func() error {
			return c.RemoveObjects(ctx, "-x-", keysSeq([]string{"a"}, new(int)), client.RemoveObjectsOptions{})
		}},
		{"list: invalid bucket", func() error {
			for _, err := range c.ListObjects(ctx, "UPPER", client.ListObjectsOptions{}) {
				return err
			}
			return nil
		}},
		{"list: negative max keys", func() error {
			for _, err := range c.ListObjects(ctx, testBucket, client.ListObjectsOptions{MaxKeys: -1}) {
				return err
			}
			return nil
		}},
		{"put: nil reader", func() error {
			_, err := c.PutObject(ctx, testBucket, "k", nil, 1, client.PutObjectOptions{})
			return err
		}},
		{"put: empty key", func() error { return put("", 1, client.PutObjectOptions{}) }},
		{"put: size below -1", func() error { return put("k", -2, client.PutObjectOptions{}) }},
		{"put: size above 5 TiB", func() error { return put("k", 5<<40+1, client.PutObjectOptions{}) }},
		{"put: part size too small", func() error { return put("k", 1, client.PutObjectOptions{PartSize: 1 << 20}) }},
		{"put: part size too big", func() error { return put("k", 1, client.PutObjectOptions{PartSize: 6 << 30}) }},
		{"put: negative threads", func() error { return put("k", 1, client.PutObjectOptions{NumThreads: -1}) }},
		{"put: eleven tags", func() error { return put("k", 1, client.PutObjectOptions{Tags: elevenTags}) }},
		{"put: bad tag character", func() error { return put("k", 1, client.PutObjectOptions{Tags: map[string]string{"a": "b&c"}}) }},
		{"put: bad metadata name", func() error { return put("k", 1, client.PutObjectOptions{Metadata: map[string]string{"a b": "c"}}) }},
		{"put: bad metadata value", func() error {
			return put("k", 1, client.PutObjectOptions{Metadata: map[string]string{"a": "line\nbreak"}})
		}},
		{"put: metadata twice", func() error {
			return put("k", 1, client.PutObjectOptions{Metadata: map[string]string{"A": "1", "x-amz-meta-a": "2"}})
		}},
		{"put: unknown checksum", func() error { return put("k", 1, client.PutObjectOptions{Checksum: "MD4"}) }},
		{"fput: invalid bucket", func() error {
			_, err := c.FPutObject(ctx, "a_b", "k", file, client.PutObjectOptions{})
			return err
		}},
		{"fput: a directory", func() error {
			_, err := c.FPutObject(ctx, testBucket, "k", t.TempDir(), client.PutObjectOptions{})
			return err
		}},
		{"tags: eleven", func() error { return c.SetObjectTags(ctx, testBucket, "k", elevenTags, client.ObjectTagsOptions{}) }},
		{"tags: empty key", func() error {
			_, err := c.GetObjectTags(ctx, testBucket, "", client.ObjectTagsOptions{})
			return err
		}},
		{"tags: invalid bucket", func() error { return c.DeleteObjectTags(ctx, "x", "k", client.ObjectTagsOptions{}) }},
		{"copy: metadata without replace", func() error {
			d := dst
			d.Metadata = map[string]string{"a": "b"}
			_, err := c.CopyObject(ctx, d, src)
			return err
		}},
		{"copy: tags without replace", func() error {
			d := dst
			d.Tags = map[string]string{"a": "b"}
			_, err := c.CopyObject(ctx, d, src)
			return err
		}},
		{"copy: negative offset", func() error {
			s := src
			s.Offset = -1
			_, err := c.CopyObject(ctx, dst, s)
			return err
		}},
		{"copy: invalid source bucket", func() error {
			_, err := c.CopyObject(ctx, dst, client.CopySrcOptions{Bucket: "B", Key: "k"})
			return err
		}},
		{"compose: no sources", func() error {
			_, err := c.ComposeObject(ctx, dst)
			return err
		}},
		{"snowball: no objects", func() error {
			_, err := c.UploadSnowballObjects(ctx, testBucket, nil, client.SnowballOptions{})
			return err
		}},
		{"snowball: reader and file", func() error {
			_, err := c.UploadSnowballObjects(ctx, testBucket, []client.SnowballObject{{Key: "a", Reader: strings.NewReader("x"), Size: 1, FilePath: file}}, client.SnowballOptions{})
			return err
		}},
		{"snowball: negative size", func() error {
			_, err := c.UploadSnowballObjects(ctx, testBucket, []client.SnowballObject{{Key: "a", Reader: strings.NewReader("x"), Size: -1}}, client.SnowballOptions{})
			return err
		}},
		{"snowball: empty key", func() error {
			_, err := c.UploadSnowballObjects(ctx, testBucket, []client.SnowballObject{{FilePath: file}}, client.SnowballOptions{})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := log.total()
			if err := tt.call(); !errors.Is(err, client.ErrInvalidArgument) {
				t.Fatalf("error %v, want ErrInvalidArgument", err)
			}
			if sent := log.total() - before; sent != 0 {
				t.Fatalf("%d requests sent", sent)
			}
		})
	}
}
