package object

import (
	"bufio"
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kurastore/kura/checksum"
	"github.com/kurastore/kura/internal/blob"
	"github.com/kurastore/kura/internal/blob/dirstore"
	"github.com/kurastore/kura/internal/kms/localkms"
	"github.com/kurastore/kura/internal/manualclock"
	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/s3name"
)

// fakeClock is the settable clock of collector and lifecycle tests.
type fakeClock = manualclock.Clock

type testLayer struct {
	*Layer
	blobs   blob.Store
	blobDir string
	kms     *localkms.KMS
	clock   *fakeClock
}

func newTestLayer(t *testing.T) testLayer { return newTestLayerOver(t, nil) }

// newTestLayerOver is newTestLayer with the blob store wrapped by wrap
// (nil for none), as fault injection does.
func newTestLayerOver(t *testing.T, wrap func(blob.Store) blob.Store) testLayer {
	t.Helper()
	return newTestLayerOn(t, openTestMeta(t), wrap)
}

// newTestLayerOn is newTestLayerOver on the metadata store m.
func newTestLayerOn(t *testing.T, m meta.Store, wrap func(blob.Store) blob.Store) testLayer {
	t.Helper()
	blobDir := t.TempDir()
	var b blob.Store
	b, err := dirstore.Open(blobDir)
	if err != nil {
		t.Fatal(err)
	}
	if wrap != nil {
		b = wrap(b)
	}
	k, err := localkms.New(m, localkms.NewSecret("test-default"))
	if err != nil {
		t.Fatal(err)
	}
	clock := manualclock.New(time.Now())
	l := New(m, b, Options{InlineLimit: 1024, Now: clock.Now, GCDelay: time.Second, OrphanGrace: time.Hour, KMS: k})
	return testLayer{Layer: l, blobs: b, blobDir: blobDir, kms: k, clock: clock}
}

func mustCreateBucket(t *testing.T, l testLayer, name string) {
	t.Helper()
	if err := l.CreateBucket(context.Background(), name, CreateBucketOptions{}); err != nil {
		t.Fatal(err)
	}
}

func put(t *testing.T, l testLayer, bucket, key string, data []byte) ObjectInfo {
	t.Helper()
	info, err := l.PutObject(context.Background(), bucket, key, bytes.NewReader(data), PutOptions{Size: int64(len(data))})
	if err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
	return info
}

func get(t *testing.T, l testLayer, bucket, key string, opts GetOptions) ([]byte, *Object, error) {
	t.Helper()
	obj, err := l.GetObject(context.Background(), bucket, key, opts)
	if err != nil {
		return nil, obj, err
	}
	defer obj.Body.Close()
	data, err := io.ReadAll(obj.Body)
	return data, obj, err
}

func countBlobs(t *testing.T, s blob.Store) int {
	t.Helper()
	n := 0
	if err := s.Walk(context.Background(), func(blob.ID, time.Time) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

func payload(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

func TestPutGetInlineAndBlob(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	for _, size := range []int{0, 1, 1023, 1024, 1025, 300 << 10} {
		data := payload(size)
		key := "obj-" + strconv.Itoa(size)
		info := put(t, l, "bkt", key, data)
		sum := md5.Sum(data)
		if info.ETag != hex.EncodeToString(sum[:]) {
			t.Errorf("size %d: etag %s", size, info.ETag)
		}
		got, obj, err := get(t, l, "bkt", key, GetOptions{})
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("size %d: read back %d bytes, err %v", size, len(got), err)
		}
		if obj.Info.Size != int64(size) || obj.Partial {
			t.Errorf("size %d: info %+v", size, obj.Info)
		}
	}
	// Only the objects above the inline limit have blobs.
	if n := countBlobs(t, l.blobs); n != 2 {
		t.Errorf("blobs = %d, want 2", n)
	}
}

func TestRanges(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	for _, size := range []int{100, 200 << 10} {
		data := payload(size)
		put(t, l, "bkt", "k", data)
		n := int64(size)
		cases := []struct {
			r          Range
			off, count int64
			err        error
		}{
			{Range{Start: 0, End: 0}, 0, 1, nil},
			{Range{Start: 10, End: 19}, 10, 10, nil},
			{Range{Start: 10, End: -1}, 10, n - 10, nil},
			{Range{Start: n - 1, End: n + 100}, n - 1, 1, nil},
			{Range{Suffix: true, Length: 5}, n - 5, 5, nil},
			{Range{Suffix: true, Length: n + 5}, 0, n, nil},
			{Range{Start: n, End: -1}, 0, 0, s3err.ErrInvalidRange},
			{Range{Suffix: true, Length: 0}, 0, 0, s3err.ErrInvalidRange},
		}
		for _, c := range cases {
			got, obj, err := get(t, l, "bkt", "k", GetOptions{Range: &c.r})
			if !errors.Is(err, c.err) {
				t.Fatalf("size %d range %+v: err %v, want %v", size, c.r, err, c.err)
			}
			if err != nil {
				continue
			}
			if !obj.Partial || obj.Offset != c.off || obj.Length != c.count || !bytes.Equal(got, data[c.off:c.off+c.count]) {
				t.Errorf("size %d range %+v: got off %d len %d (%d bytes)", size, c.r, obj.Offset, obj.Length, len(got))
			}
		}
	}
}

func TestConditions(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	info := put(t, l, "bkt", "k", []byte("hello"))
	etag := `"` + info.ETag + `"`
	before := info.LastModified.Add(-time.Hour)
	after := info.LastModified.Add(time.Hour)
	cases := []struct {
		name string
		c    Conditions
		want error
	}{
		{"if-match ok", Conditions{IfMatch: etag}, nil},
		{"if-match star", Conditions{IfMatch: "*"}, nil},
		{"if-match list", Conditions{IfMatch: `"x", ` + etag}, nil},
		{"if-match fail", Conditions{IfMatch: `"nope"`}, s3err.ErrPreconditionFailed},
		{"if-none-match hit", Conditions{IfNoneMatch: etag}, s3err.ErrNotModified},
		{"if-none-match miss", Conditions{IfNoneMatch: `"nope"`}, nil},
		{"if-modified-since old", Conditions{IfModifiedSince: before}, nil},
		{"if-modified-since new", Conditions{IfModifiedSince: after}, s3err.ErrNotModified},
		{"if-unmodified-since old", Conditions{IfUnmodifiedSince: before}, s3err.ErrPreconditionFailed},
		{"if-unmodified-since new", Conditions{IfUnmodifiedSince: after}, nil},
		// If-Match wins over a failing If-Unmodified-Since, If-None-Match
		// over If-Modified-Since (RFC 9110 §13.2.2).
		{"match beats unmodified", Conditions{IfMatch: etag, IfUnmodifiedSince: before}, nil},
		{"none-match beats modified", Conditions{IfNoneMatch: `"nope"`, IfModifiedSince: after}, nil},
		{"412 before 304", Conditions{IfMatch: `"nope"`, IfNoneMatch: etag}, s3err.ErrPreconditionFailed},
	}
	for _, c := range cases {
		_, obj, err := get(t, l, "bkt", "k", GetOptions{Cond: c.c})
		if !errors.Is(err, c.want) {
			t.Errorf("%s: err %v, want %v", c.name, err, c.want)
		}
		if err != nil && (obj == nil || obj.Info.ETag != info.ETag) {
			t.Errorf("%s: failed precondition must still carry the object's info", c.name)
		}
	}
}

func TestConditionalWrites(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	putIf := func(c Conditions, data string) error {
		_, err := l.PutObject(ctx, "bkt", "k", strings.NewReader(data), PutOptions{Size: int64(len(data)), Cond: c})
		return err
	}
	if err := putIf(Conditions{IfMatch: "*"}, "x"); !errors.Is(err, s3err.ErrNoSuchKey) {
		t.Fatalf("If-Match on a missing key: %v", err)
	}
	if err := putIf(Conditions{IfNoneMatch: "*"}, "first"); err != nil {
		t.Fatal(err)
	}
	if err := putIf(Conditions{IfNoneMatch: "*"}, "second"); !errors.Is(err, s3err.ErrPreconditionFailed) {
		t.Fatalf("If-None-Match * over an existing key: %v", err)
	}
	got, _, _ := get(t, l, "bkt", "k", GetOptions{})
	if string(got) != "first" {
		t.Fatalf("refused write changed the object: %q", got)
	}
}

func TestConcurrentCreateOnlyOneWins(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			data := strconv.Itoa(i)
			_, err := l.PutObject(context.Background(), "bkt", "once", strings.NewReader(data),
				PutOptions{Size: int64(len(data)), Cond: Conditions{IfNoneMatch: "*"}})
			if err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			} else if !errors.Is(err, s3err.ErrPreconditionFailed) {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d creates succeeded, want exactly 1", wins)
	}
}

func TestBadBodies(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	bodyErr := s3err.ErrSignatureDoesNotMatch
	for _, size := range []int{10, 4096} {
		// A body shorter than declared, longer than declared, and one whose
		// reader fails at the end (a bad chunk signature) all store nothing.
		short := bytes.NewReader(payload(size - 1))
		if _, err := l.PutObject(ctx, "bkt", "k", short, PutOptions{Size: int64(size)}); !errors.Is(err, s3err.ErrIncompleteBody) {
			t.Errorf("short body: %v", err)
		}
		long := bytes.NewReader(payload(size + 1))
		if _, err := l.PutObject(ctx, "bkt", "k", long, PutOptions{Size: int64(size)}); !errors.Is(err, s3err.ErrIncompleteBody) {
			t.Errorf("long body: %v", err)
		}
		failing := io.MultiReader(bytes.NewReader(payload(size)), errReader{bodyErr})
		if _, err := l.PutObject(ctx, "bkt", "k", failing, PutOptions{Size: int64(size)}); !errors.Is(err, bodyErr) {
			t.Errorf("failing body: %v", err)
		}
		badMD5 := make([]byte, 16)
		if _, err := l.PutObject(ctx, "bkt", "k", bytes.NewReader(payload(size)), PutOptions{Size: int64(size), ContentMD5: badMD5}); !errors.Is(err, s3err.ErrBadDigest) {
			t.Errorf("bad md5: %v", err)
		}
		if _, _, err := get(t, l, "bkt", "k", GetOptions{}); !errors.Is(err, s3err.ErrNoSuchKey) {
			t.Errorf("size %d: a refused PUT left an object: %v", size, err)
		}
	}
	if n := countBlobs(t, l.blobs); n != 0 {
		t.Errorf("refused PUTs left %d blobs", n)
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func TestLimits(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	long := strings.Repeat("k", s3name.MaxKeyLength)
	put(t, l, "bkt", long, []byte("x"))
	if _, err := l.PutObject(ctx, "bkt", long+"k", strings.NewReader("x"), PutOptions{Size: 1}); !errors.Is(err, s3err.ErrKeyTooLong) {
		t.Errorf("1025-byte key: %v", err)
	}
	metaAt := func(n int) map[string]string { return map[string]string{"k": strings.Repeat("v", n-1)} }
	if _, err := l.PutObject(ctx, "bkt", "m", strings.NewReader("x"), PutOptions{Size: 1, Attrs: Attrs{UserMeta: metaAt(MaxUserMetaSize)}}); err != nil {
		t.Errorf("metadata at the limit: %v", err)
	}
	if _, err := l.PutObject(ctx, "bkt", "m", strings.NewReader("x"), PutOptions{Size: 1, Attrs: Attrs{UserMeta: metaAt(MaxUserMetaSize + 1)}}); !errors.Is(err, s3err.ErrMetadataTooLarge) {
		t.Errorf("metadata over the limit: %v", err)
	}
	// A single PUT may declare 5 GiB, not a byte more. The declared length
	// is checked before any of the body is read.
	if _, err := l.PutObject(ctx, "bkt", "big", strings.NewReader("short"), PutOptions{Size: MaxPutSize}); !errors.Is(err, s3err.ErrIncompleteBody) {
		t.Errorf("5 GiB declared, 5 bytes sent: %v", err)
	}
	if _, err := l.PutObject(ctx, "bkt", "big", errReader{errors.New("must not be read")}, PutOptions{Size: MaxPutSize + 1}); !errors.Is(err, s3err.ErrEntityTooLarge) {
		t.Errorf("5 GiB + 1: %v", err)
	}
	keys := make([]ObjectToDelete, MaxDeleteKeys+1)
	for i := range keys {
		keys[i].Key = "d" + strconv.Itoa(i)
	}
	if _, err := l.DeleteObjects(ctx, "bkt", keys); !errors.Is(err, s3err.ErrTooManyKeys) {
		t.Errorf("1001 deletes: %v", err)
	}
	if _, err := l.DeleteObjects(ctx, "bkt", keys[:MaxDeleteKeys]); err != nil {
		t.Errorf("1000 deletes: %v", err)
	}
}

func TestBuckets(t *testing.T) {
	l := newTestLayer(t)
	ctx := context.Background()
	for _, name := range []string{"ab", "Abc", "a_b", "-ab", "ab-", "a..b", "a.-b", "192.168.1.1", "xn--abc", "abc-s3alias", strings.Repeat("a", 64)} {
		if err := l.CreateBucket(ctx, name, CreateBucketOptions{}); !errors.Is(err, s3err.ErrInvalidBucketName) {
			t.Errorf("CreateBucket(%q) = %v, want InvalidBucketName", name, err)
		}
	}
	for _, name := range []string{"abc", "a.b-c", "123", strings.Repeat("a", 63)} {
		if err := l.CreateBucket(ctx, name, CreateBucketOptions{}); err != nil {
			t.Errorf("CreateBucket(%q) = %v", name, err)
		}
	}
	if err := l.CreateBucket(ctx, "abc", CreateBucketOptions{}); !errors.Is(err, s3err.ErrBucketAlreadyOwnedByYou) {
		t.Errorf("second create: %v", err)
	}
	put(t, l, "abc", "k", []byte("x"))
	if err := l.DeleteBucket(ctx, "abc"); !errors.Is(err, s3err.ErrBucketNotEmpty) {
		t.Errorf("delete non-empty: %v", err)
	}
	if _, err := l.DeleteObject(ctx, "abc", "k", DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := l.DeleteBucket(ctx, "abc"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Bucket(ctx, "abc"); !errors.Is(err, s3err.ErrNoSuchBucket) {
		t.Errorf("deleted bucket: %v", err)
	}
	if _, err := l.PutObject(ctx, "abc", "k", strings.NewReader("x"), PutOptions{Size: 1}); !errors.Is(err, s3err.ErrNoSuchBucket) {
		t.Errorf("put into deleted bucket: %v", err)
	}
	// Past the inline limit the bucket is checked before the body is read.
	big := strings.NewReader(strings.Repeat("x", 4096))
	if _, err := l.PutObject(ctx, "abc", "k", big, PutOptions{Size: 4096}); !errors.Is(err, s3err.ErrNoSuchBucket) || big.Len() != 4096 {
		t.Errorf("blob-sized put into deleted bucket: %v, %d bytes read", err, 4096-big.Len())
	}
	bs, err := l.ListBuckets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, b := range bs {
		names = append(names, b.Name)
	}
	if want := []string{"123", "a.b-c", strings.Repeat("a", 63)}; !slices.Equal(names, want) {
		t.Errorf("ListBuckets = %v, want %v", names, want)
	}
}

func TestMetadataRoundTrip(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	attrs := Attrs{
		ContentType: "text/plain", ContentEncoding: "gzip", ContentDisposition: "attachment",
		ContentLanguage: "en", CacheControl: "no-cache", Expires: "Thu, 01 Dec 1994 16:00:00 GMT",
		UserMeta: map[string]string{"color": "blue", "empty": ""},
	}
	for _, size := range []int{3, 4096} {
		if _, err := l.PutObject(context.Background(), "bkt", "k", bytes.NewReader(payload(size)), PutOptions{Size: int64(size), Attrs: attrs}); err != nil {
			t.Fatal(err)
		}
		obj, err := l.HeadObject(context.Background(), "bkt", "k", GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := obj.Info.Attrs; got.ContentType != attrs.ContentType || got.Expires != attrs.Expires ||
			got.CacheControl != attrs.CacheControl || got.UserMeta["color"] != "blue" || len(got.UserMeta) != 2 {
			t.Errorf("attrs = %+v", got)
		}
		if obj.Body != nil {
			t.Error("HEAD returned a body")
		}
	}
}

func TestCollector(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	put(t, l, "bkt", "a", payload(5000))
	put(t, l, "bkt", "a", payload(6000)) // replaces a: its first blob is queued
	put(t, l, "bkt", "b", payload(5000))
	if _, err := l.DeleteObject(ctx, "bkt", "b", DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := countBlobs(t, l.blobs); n != 3 {
		t.Fatalf("before collection: %d blobs, want 3", n)
	}
	// Not due yet: the delay protects readers that just looked an object up.
	if n, pending, err := l.DrainQueue(ctx); err != nil || n != 0 || !pending {
		t.Fatalf("early drain: %d deleted, pending %v, err %v", n, pending, err)
	}
	l.clock.Advance(2 * time.Second)
	if n, pending, err := l.DrainQueue(ctx); err != nil || n != 2 || pending {
		t.Fatalf("drain: %d deleted, pending %v, err %v", n, pending, err)
	}
	if n := countBlobs(t, l.blobs); n != 1 {
		t.Fatalf("after collection: %d blobs, want 1", n)
	}
	got, _, err := get(t, l, "bkt", "a", GetOptions{})
	if err != nil || !bytes.Equal(got, payload(6000)) {
		t.Fatalf("live object damaged by collection: %v", err)
	}

	// An orphan: a committed blob that no record references, as a crash
	// between the blob commit and the metadata commit leaves.
	w, err := l.blobs.Create(ctx, blob.NewID())
	if err != nil {
		t.Fatal(err)
	}
	w.Write(payload(100))
	if _, err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	if n, err := l.SweepOrphans(ctx); err != nil || n != 0 {
		t.Fatalf("young orphan swept: %d, %v", n, err)
	}
	l.clock.Advance(2 * time.Hour)
	if n, err := l.SweepOrphans(ctx); err != nil || n != 1 {
		t.Fatalf("sweep: %d deleted, err %v", n, err)
	}
	if _, _, err := get(t, l, "bkt", "a", GetOptions{}); err != nil {
		t.Fatalf("sweep deleted a referenced blob: %v", err)
	}
}

func TestDeleteObjects(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	put(t, l, "bkt", "a", []byte("1"))
	put(t, l, "bkt", "b", payload(4000))
	results, err := l.DeleteObjects(context.Background(), "bkt", []ObjectToDelete{{Key: "a"}, {Key: "b"}, {Key: "missing"}, {Key: strings.Repeat("x", 1025)}})
	if err != nil {
		t.Fatal(err)
	}
	if results[0].Err != nil || results[1].Err != nil || results[2].Err != nil || !errors.Is(results[3].Err, s3err.ErrKeyTooLong) {
		t.Fatalf("results = %v", results)
	}
	res, err := l.ListObjects(context.Background(), "bkt", ListOptions{MaxKeys: 1000})
	if err != nil || len(res.Objects) != 0 {
		t.Fatalf("left after DeleteObjects: %+v %v", res.Objects, err)
	}
}

// TestListData runs testdata/list.txt.
func TestListData(t *testing.T) {
	f, err := os.Open("testdata/list.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	l := newTestLayer(t)
	ctx := context.Background()
	bucket := 0
	var (
		opts    ListOptions
		res     ListResult
		cmdLine int
	)
	decode := func(lineNo int, toks []string) []string {
		var out []string
		for _, tok := range toks {
			if tok == "-" {
				continue
			}
			s, err := url.PathUnescape(tok)
			if err != nil {
				t.Fatalf("line %d: %v", lineNo, err)
			}
			out = append(out, s)
		}
		return out
	}
	sc := bufio.NewScanner(f)
	for lineNo := 1; sc.Scan(); lineNo++ {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		name := "bucket" + strconv.Itoa(bucket)
		switch fields[0] {
		case "keys":
			bucket++
			name = "bucket" + strconv.Itoa(bucket)
			mustCreateBucket(t, l, name)
			for _, k := range decode(lineNo, fields[1:]) {
				put(t, l, name, k, []byte(k))
			}
		case "list":
			opts = ListOptions{MaxKeys: 1000}
			for _, f := range fields[1:] {
				k, v, _ := strings.Cut(f, "=")
				v = decode(lineNo, []string{v})[0]
				switch k {
				case "prefix":
					opts.Prefix = v
				case "delim":
					opts.Delimiter = v
				case "after":
					opts.After = v
				case "max":
					opts.MaxKeys, _ = strconv.Atoi(v)
				default:
					t.Fatalf("line %d: unknown option %q", lineNo, k)
				}
			}
			cmdLine = lineNo
			if res, err = l.ListObjects(ctx, name, opts); err != nil {
				t.Fatalf("line %d: %v", lineNo, err)
			}
		case "objects":
			var got []string
			for _, o := range res.Objects {
				got = append(got, o.Key)
			}
			if want := decode(lineNo, fields[1:]); !slices.Equal(got, want) {
				t.Errorf("line %d (list at %d): objects %q, want %q", lineNo, cmdLine, got, want)
			}
		case "prefixes":
			if want := decode(lineNo, fields[1:]); !slices.Equal(res.CommonPrefixes, want) {
				t.Errorf("line %d (list at %d): prefixes %q, want %q", lineNo, cmdLine, res.CommonPrefixes, want)
			}
		case "truncated":
			if want := fields[1] == "true"; res.IsTruncated != want {
				t.Errorf("line %d (list at %d): truncated %v", lineNo, cmdLine, res.IsTruncated)
			}
		case "next":
			if want := decode(lineNo, fields[1:])[0]; res.NextAfter != want {
				t.Errorf("line %d (list at %d): next %q, want %q", lineNo, cmdLine, res.NextAfter, want)
			}
		default:
			t.Fatalf("line %d: unknown directive %q", lineNo, fields[0])
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
}

func TestListPagesThroughManyKeys(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	var want []string
	for i := range 2500 {
		k := "dir" + strconv.Itoa(i%7) + "/obj" + strconv.Itoa(i)
		put(t, l, "bkt", k, nil)
		want = append(want, k)
	}
	slices.Sort(want)
	var got []string
	after := ""
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("too many pages")
		}
		res, err := l.ListObjects(context.Background(), "bkt", ListOptions{After: after, MaxKeys: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range res.Objects {
			got = append(got, o.Key)
		}
		if !res.IsTruncated {
			break
		}
		after = res.NextAfter
	}
	if !slices.Equal(got, want) {
		t.Fatalf("paged listing returned %d keys, want %d", len(got), len(want))
	}
	res, err := l.ListObjects(context.Background(), "bkt", ListOptions{Delimiter: "/", MaxKeys: 1000})
	if err != nil || len(res.CommonPrefixes) != 7 || len(res.Objects) != 0 {
		t.Fatalf("delimiter listing: %v %v", res.CommonPrefixes, err)
	}
}

func TestRecordRoundTrip(t *testing.T) {
	in := record{UID: "u1", BlobID: "b1", Info: ObjectInfo{
		Size: 1 << 40, ETag: "abc", LastModified: time.Unix(0, 1234567890123).UTC(), VersionID: "v",
		Checksums: map[string]string{"CRC32": "AAAAAA=="},
		Attrs:     Attrs{ContentType: "a/b", UserMeta: map[string]string{"x": "y", "": "z"}, StorageClass: "GLACIER_IR"},
	}}
	out, err := decodeRecord(in.encode(), true)
	if err != nil {
		t.Fatal(err)
	}
	if out.UID != in.UID || out.BlobID != in.BlobID || out.Info.Size != in.Info.Size || !out.Info.LastModified.Equal(in.Info.LastModified) ||
		out.Info.UserMeta["x"] != "y" || out.Info.Checksums["CRC32"] != "AAAAAA==" || out.Info.VersionID != "v" ||
		out.Info.StorageClass != "GLACIER_IR" {
		t.Fatalf("round trip: %+v", out)
	}
}

func FuzzDecodeRecord(f *testing.F) {
	f.Add((&record{UID: "u", Inline: true, Info: ObjectInfo{Size: 3, Attrs: Attrs{UserMeta: map[string]string{"a": "b"}}}}).encode())
	f.Add([]byte{recordVersion, 11, 200})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = decodeRecord(b, true) // must not panic
	})
}

// A record keeps the website redirect location, and one written before
// kura stored it (these bytes, as the earlier encoder wrote them) still
// decodes, without one. A plain listing's decode, which skips checksum
// values, still names the checksum algorithm.
func TestRecordWebsiteRedirectAndOldRecords(t *testing.T) {
	in := record{UID: "u1", Info: ObjectInfo{Size: 3, Checksums: map[string]string{"CRC64NVME": "AAAAAAAAAAA="}, ChecksumType: ChecksumFullObject,
		Attrs: Attrs{WebsiteRedirectLocation: "/other.html"}}}
	for _, withMeta := range []bool{true, false} {
		out, err := decodeRecord(in.encode(), withMeta)
		if err != nil {
			t.Fatal(err)
		}
		if out.Info.WebsiteRedirectLocation != "/other.html" || out.Info.ChecksumAlgorithm != checksum.CRC64NVME || out.Info.ChecksumType != ChecksumFullObject {
			t.Errorf("withUserMeta %v: %+v", withMeta, out.Info)
		}
	}
	// version 1; fUID "u"; fSize 3; fChecksum CRC32 "AAAAAA=="; fChecksumType COMPOSITE
	old := []byte{recordVersion, fUID, 1, 'u', fSize, 1, 3, fChecksum, 14, 5, 'C', 'R', 'C', '3', '2', 'A', 'A', 'A', 'A', 'A', 'A', '=', '=',
		fChecksumType, 9, 'C', 'O', 'M', 'P', 'O', 'S', 'I', 'T', 'E'}
	out, err := decodeRecord(old, true)
	if err != nil {
		t.Fatal(err)
	}
	if out.UID != "u" || out.Info.Size != 3 || out.Info.WebsiteRedirectLocation != "" || out.Info.Checksums["CRC32"] != "AAAAAA==" ||
		out.Info.ChecksumAlgorithm != checksum.CRC32 || out.Info.ChecksumType != ChecksumComposite {
		t.Errorf("old record: %+v", out)
	}
	// A checksum field naming no known algorithm names none.
	if out, err := decodeRecord([]byte{recordVersion, fChecksum, 4, 2, 'N', 'O', 'x'}, false); err != nil || out.Info.ChecksumAlgorithm != "" {
		t.Errorf("unknown algorithm: %q %v", out.Info.ChecksumAlgorithm, err)
	}
}

// PutObject, CreateMultipartUpload and CopyObject take a website redirect
// location that is a path or an http or https URL of up to 2 KiB, and
// refuse others with InvalidRedirectLocation. A copy takes the location
// its request gives, not the source's.
func TestWebsiteRedirectLocation(t *testing.T) {
	l := newTestLayer(t)
	ctx := context.Background()
	mustCreateBucket(t, l, "bkt")
	long := "/" + strings.Repeat("a", MaxWebsiteRedirectLength-1)
	for _, c := range []struct {
		loc string
		ok  bool
	}{
		{"/page.html", true}, {"http://example.com/", true}, {"https://example.com/x", true},
		{long, true}, {long + "a", false},
		{"page.html", false}, {"ftp://example.com/", false}, {"HTTP://example.com/", false},
	} {
		_, putErr := l.PutObject(ctx, "bkt", "k", strings.NewReader("x"), PutOptions{Size: 1, Attrs: Attrs{WebsiteRedirectLocation: c.loc}})
		_, mpErr := l.CreateMultipartUpload(ctx, "bkt", "k", UploadOptions{Attrs: Attrs{WebsiteRedirectLocation: c.loc}})
		_, copyErr := l.CopyObject(ctx, CopySource{Bucket: "bkt", Key: "k"}, "bkt", "copy", CopyOptions{WebsiteRedirectLocation: c.loc})
		for name, err := range map[string]error{"put": putErr, "create upload": mpErr, "copy": copyErr} {
			if c.ok && err != nil || !c.ok && !errors.Is(err, s3err.ErrInvalidRedirectLocation) {
				t.Errorf("%s with %.20q (%d bytes): %v", name, c.loc, len(c.loc), err)
			}
		}
	}
	put := func(key string, opts PutOptions) {
		if _, err := l.PutObject(ctx, "bkt", key, strings.NewReader("x"), opts); err != nil {
			t.Fatal(err)
		}
	}
	put("src", PutOptions{Size: 1, Attrs: Attrs{WebsiteRedirectLocation: "/to.html"}})
	for _, c := range []struct {
		opts CopyOptions
		want string
	}{
		{CopyOptions{}, ""},
		{CopyOptions{ReplaceMetadata: true}, ""},
		{CopyOptions{WebsiteRedirectLocation: "/new.html"}, "/new.html"},
		{CopyOptions{ReplaceMetadata: true, WebsiteRedirectLocation: "/new.html"}, "/new.html"},
	} {
		info, err := l.CopyObject(ctx, CopySource{Bucket: "bkt", Key: "src"}, "bkt", "dst", c.opts)
		if err != nil {
			t.Fatal(err)
		}
		_, obj, err := get(t, l, "bkt", "dst", GetOptions{})
		if err != nil || info.WebsiteRedirectLocation != c.want || obj.Info.WebsiteRedirectLocation != c.want {
			t.Errorf("copy with %+v: %q, read back %q (%v), want %q", c.opts, info.WebsiteRedirectLocation, obj.Info.WebsiteRedirectLocation, err, c.want)
		}
	}
	// A copy onto itself that only sets a redirect location changes it.
	if _, err := l.CopyObject(ctx, CopySource{Bucket: "bkt", Key: "src"}, "bkt", "src", CopyOptions{WebsiteRedirectLocation: "https://example.com/"}); err != nil {
		t.Errorf("copy onto itself with a new redirect location: %v", err)
	}
}
