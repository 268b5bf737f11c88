package object

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kurastore/kura/checksum"
	"github.com/kurastore/kura/s3err"
)

func uploadPart(t *testing.T, l testLayer, key, id string, n int, data []byte) PartInfo {
	t.Helper()
	p, err := l.UploadPart(context.Background(), "bkt", key, id, n, bytes.NewReader(data), PartOptions{Size: int64(len(data))})
	if err != nil {
		t.Fatalf("part %d: %v", n, err)
	}
	return p
}

func newUpload(t *testing.T, l testLayer, key string, opts UploadOptions) string {
	t.Helper()
	id, err := l.CreateMultipartUpload(context.Background(), "bkt", key, opts)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestMultipartRoundTrip(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	id := newUpload(t, l, "big", UploadOptions{Attrs: Attrs{ContentType: "text/plain"}, Tags: map[string]string{"k": "v"}})
	parts := [][]byte{payload(MinPartSize), payload(MinPartSize + 3), []byte("tail")}
	var list []CompletePart
	var md5s []byte
	for i, data := range parts {
		p := uploadPart(t, l, "big", id, i+1, data)
		list = append(list, CompletePart{Number: i + 1, ETag: `"` + p.ETag + `"`})
		sum := md5.Sum(data)
		md5s = append(md5s, sum[:]...)
	}
	// A replaced part: the earlier blob must be collected.
	uploadPart(t, l, "big", id, 3, []byte("old tail"))
	uploadPart(t, l, "big", id, 3, []byte("tail"))
	// A part uploaded but left out of the list is dropped on complete.
	uploadPart(t, l, "big", id, 7, []byte("unused"))

	info, err := l.CompleteMultipartUpload(ctx, "bkt", "big", id, list, CompleteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum(md5s)
	if want := hex.EncodeToString(sum[:]) + "-3"; info.ETag != want {
		t.Fatalf("etag %s, want %s", info.ETag, want)
	}
	whole := bytes.Join(parts, nil)
	got, obj, err := get(t, l, "bkt", "big", GetOptions{})
	if err != nil || !bytes.Equal(got, whole) {
		t.Fatalf("read back: %v (len %d, want %d)", err, len(got), len(whole))
	}
	if obj.Info.ContentType != "text/plain" || obj.Info.Tags["k"] != "v" || obj.Info.PartsCount != 3 {
		t.Fatalf("attributes not carried: %+v", obj.Info)
	}
	// Ranges across part boundaries.
	for _, r := range [][2]int64{{MinPartSize - 2, MinPartSize + 2}, {0, int64(len(whole)) - 1}, {int64(len(whole)) - 6, -1}, {2*MinPartSize + 1, 2*MinPartSize + 4}} {
		got, _, err := get(t, l, "bkt", "big", GetOptions{Range: &Range{Start: r[0], End: r[1]}})
		end := r[1] + 1
		if r[1] < 0 {
			end = int64(len(whole))
		}
		if err != nil || !bytes.Equal(got, whole[r[0]:end]) {
			t.Errorf("range %v: %v", r, err)
		}
	}
	// Parts by number.
	for n, data := range parts {
		got, obj, err := get(t, l, "bkt", "big", GetOptions{PartNumber: n + 1})
		if err != nil || !bytes.Equal(got, data) || !obj.Partial {
			t.Errorf("part %d: %v", n+1, err)
		}
	}
	if _, _, err := get(t, l, "bkt", "big", GetOptions{PartNumber: 4}); !errors.Is(err, s3err.ErrInvalidPartNumber) {
		t.Errorf("part 4 of 3: %v", err)
	}
	if _, _, err := get(t, l, "bkt", "big", GetOptions{PartNumber: 1, Range: &Range{End: 3}}); !errors.Is(err, s3err.ErrInvalidRequest) {
		t.Errorf("part and range: %v", err)
	}
	// The upload is gone, and the blobs of the replaced and unused parts
	// are collected; the object's three remain.
	if _, err := l.ListParts(ctx, "bkt", "big", id, 0, 0); !errors.Is(err, s3err.ErrNoSuchUpload) {
		t.Fatalf("upload still listed: %v", err)
	}
	l.clock.Advance(2 * time.Second)
	if _, _, err := l.DrainQueue(ctx); err != nil {
		t.Fatal(err)
	}
	if n := countBlobs(t, l.blobs); n != 3 {
		t.Fatalf("%d blobs after complete, want 3", n)
	}
	// Deleting the object frees them all.
	if _, err := l.DeleteObject(ctx, "bkt", "big", DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	l.clock.Advance(2 * time.Second)
	if _, _, err := l.DrainQueue(ctx); err != nil {
		t.Fatal(err)
	}
	if n := countBlobs(t, l.blobs); n != 0 {
		t.Fatalf("%d blobs after delete, want 0", n)
	}
}

func TestMultipartLimits(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	id := newUpload(t, l, "k", UploadOptions{})
	small := uploadPart(t, l, "k", id, 1, payload(MinPartSize-1))
	last := uploadPart(t, l, "k", id, 2, payload(10))
	for _, n := range []int{0, MaxPartNumber + 1, -1} {
		if _, err := l.UploadPart(ctx, "bkt", "k", id, n, bytes.NewReader(nil), PartOptions{}); !errors.Is(err, s3err.ErrInvalidArgument) {
			t.Errorf("part number %d: %v", n, err)
		}
	}
	if _, err := l.UploadPart(ctx, "bkt", "k", id, MaxPartNumber, bytes.NewReader([]byte("x")), PartOptions{Size: 1}); err != nil {
		t.Errorf("part number %d: %v", MaxPartNumber, err)
	}
	if _, err := l.UploadPart(ctx, "bkt", "k", id, 3, bytes.NewReader(nil), PartOptions{Size: MaxPartSize + 1}); !errors.Is(err, s3err.ErrEntityTooLarge) {
		t.Errorf("part of 5 GiB + 1: %v", err)
	}
	if _, err := l.UploadPart(ctx, "bkt", "k", "nope", 1, bytes.NewReader(nil), PartOptions{}); !errors.Is(err, s3err.ErrNoSuchUpload) {
		t.Errorf("unknown upload: %v", err)
	}
	cases := []struct {
		name string
		list []CompletePart
		want error
	}{
		{"part below 5 MiB before the last", []CompletePart{{1, small.ETag, ""}, {2, last.ETag, ""}}, s3err.ErrEntityTooSmall},
		{"out of order", []CompletePart{{2, last.ETag, ""}, {1, small.ETag, ""}}, s3err.ErrInvalidPartOrder},
		{"duplicate", []CompletePart{{1, small.ETag, ""}, {1, small.ETag, ""}}, s3err.ErrInvalidPartOrder},
		{"wrong etag", []CompletePart{{1, "0123", ""}}, s3err.ErrInvalidPart},
		{"missing part", []CompletePart{{5, small.ETag, ""}}, s3err.ErrInvalidPart},
		{"empty", nil, s3err.ErrMalformedXML},
	}
	for _, c := range cases {
		if _, err := l.CompleteMultipartUpload(ctx, "bkt", "k", id, c.list, CompleteOptions{}); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if _, _, err := get(t, l, "bkt", "k", GetOptions{}); !errors.Is(err, s3err.ErrNoSuchKey) {
		t.Fatalf("a refused complete stored an object: %v", err)
	}
	// A part of exactly 5 MiB is fine before the last.
	five := uploadPart(t, l, "k", id, 1, payload(MinPartSize))
	if _, err := l.CompleteMultipartUpload(ctx, "bkt", "k", id, []CompletePart{{1, five.ETag, ""}, {2, last.ETag, ""}}, CompleteOptions{}); err != nil {
		t.Fatalf("5 MiB part: %v", err)
	}
}

func TestAbortAndExpiry(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	a := newUpload(t, l, "a", UploadOptions{})
	uploadPart(t, l, "a", a, 1, payload(5000))
	uploadPart(t, l, "a", a, 2, payload(5000))
	if err := l.AbortMultipartUpload(ctx, "bkt", "a", a); err != nil {
		t.Fatal(err)
	}
	if err := l.AbortMultipartUpload(ctx, "bkt", "a", a); !errors.Is(err, s3err.ErrNoSuchUpload) {
		t.Fatalf("second abort: %v", err)
	}
	old := newUpload(t, l, "old", UploadOptions{})
	uploadPart(t, l, "old", old, 1, payload(5000))
	l.clock.Advance(DefaultUploadExpiry - time.Hour)
	young := newUpload(t, l, "young", UploadOptions{})
	l.clock.Advance(2 * time.Hour)
	if n, err := l.ExpireUploads(ctx, DefaultUploadExpiry); err != nil || n != 1 {
		t.Fatalf("expired %d, %v; want 1", n, err)
	}
	res, err := l.ListMultipartUploads(ctx, "bkt", ListUploadsOptions{})
	if err != nil || len(res.Uploads) != 1 || res.Uploads[0].UploadID != young {
		t.Fatalf("uploads left: %+v, %v", res.Uploads, err)
	}
	l.clock.Advance(2 * time.Second)
	if _, _, err := l.DrainQueue(ctx); err != nil {
		t.Fatal(err)
	}
	if n := countBlobs(t, l.blobs); n != 0 {
		t.Fatalf("%d blobs after abort and expiry, want 0", n)
	}
	// Deleting the bucket takes its unfinished uploads with it.
	if err := l.DeleteBucket(ctx, "bkt"); err != nil {
		t.Fatal(err)
	}
	mustCreateBucket(t, l, "bkt")
	if res, _ := l.ListMultipartUploads(ctx, "bkt", ListUploadsOptions{}); len(res.Uploads) != 0 {
		t.Fatalf("a recreated bucket inherited uploads: %+v", res.Uploads)
	}
}

func TestMultipartChecksums(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	parts := [][]byte{payload(MinPartSize), payload(1234)}
	whole := bytes.Join(parts, nil)
	sumOf := func(alg checksum.Algorithm, data []byte) []byte { h := alg.New(); h.Write(data); return h.Sum(nil) }

	for _, c := range []struct {
		alg checksum.Algorithm
		typ string
	}{
		{checksum.CRC32, ChecksumFullObject}, {checksum.CRC32C, ChecksumComposite}, {checksum.CRC64NVME, ""},
		{checksum.SHA256, ""}, {checksum.MD5, ""}, {checksum.SHA512, ChecksumComposite}, {checksum.XXHASH64, ""},
		{checksum.XXHASH3, ""}, {checksum.XXHASH128, ""},
	} {
		id := newUpload(t, l, "k", UploadOptions{ChecksumAlgorithm: c.alg, ChecksumType: c.typ})
		var list []CompletePart
		var composite []byte
		for i, data := range parts {
			p, err := l.UploadPart(ctx, "bkt", "k", id, i+1, bytes.NewReader(data), PartOptions{
				Size: int64(len(data)), Checksum: ChecksumRequest{Algorithm: c.alg, Want: sumOf(c.alg, data)},
			})
			if err != nil {
				t.Fatalf("%s part %d: %v", c.alg, i+1, err)
			}
			list = append(list, CompletePart{Number: i + 1, ETag: p.ETag, Checksum: p.Checksum})
			composite = append(composite, sumOf(c.alg, data)...)
		}
		info, err := l.CompleteMultipartUpload(ctx, "bkt", "k", id, list, CompleteOptions{})
		if err != nil {
			t.Fatalf("%s: %v", c.alg, err)
		}
		want := checksum.Encode(sumOf(c.alg, whole))
		if info.ChecksumType == ChecksumComposite {
			want = checksum.Encode(sumOf(c.alg, composite)) + "-" + strconv.Itoa(len(parts))
		}
		if !c.alg.Combinable() && info.ChecksumType != ChecksumComposite {
			t.Errorf("%s: checksum type %s, want COMPOSITE", c.alg, info.ChecksumType)
		}
		if got := info.Checksums[string(c.alg)]; got != want {
			t.Errorf("%s %s: checksum %s, want %s", c.alg, info.ChecksumType, got, want)
		}
	}
	// A wrong part checksum is refused and stores nothing.
	id := newUpload(t, l, "bad", UploadOptions{ChecksumAlgorithm: checksum.CRC32})
	_, err := l.UploadPart(ctx, "bkt", "bad", id, 1, bytes.NewReader([]byte("abc")), PartOptions{Size: 3, Checksum: ChecksumRequest{Algorithm: checksum.CRC32, Want: []byte{1, 2, 3, 4}}})
	if !errors.Is(err, s3err.ErrChecksumMismatch) {
		t.Fatalf("bad part checksum: %v", err)
	}
	_, err = l.UploadPart(ctx, "bkt", "bad", id, 1, bytes.NewReader([]byte("abc")), PartOptions{Size: 3, Checksum: ChecksumRequest{Algorithm: checksum.SHA1}})
	if !errors.Is(err, s3err.ErrInvalidRequest) {
		t.Fatalf("part with another algorithm than the upload's: %v", err)
	}
	if res, _ := l.ListParts(ctx, "bkt", "bad", id, 0, 0); len(res.Parts) != 0 {
		t.Fatalf("a refused part was stored: %+v", res.Parts)
	}
	for _, bad := range []struct{ alg, typ string }{{"SHA1", ChecksumFullObject}, {"MD5", ChecksumFullObject}, {"SHA512", ChecksumFullObject},
		{"XXHASH64", ChecksumFullObject}, {"XXHASH3", ChecksumFullObject}, {"XXHASH128", ChecksumFullObject}, {"CRC64NVME", ChecksumComposite}, {"", ChecksumComposite}, {"CRC32", "BOTH"}} {
		if _, err := l.CreateMultipartUpload(ctx, "bkt", "x", UploadOptions{ChecksumAlgorithm: checksum.Algorithm(bad.alg), ChecksumType: bad.typ}); !errors.Is(err, s3err.ErrInvalidRequest) {
			t.Errorf("upload with %v: %v", bad, err)
		}
	}
}

func TestPutChecksum(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	for _, size := range []int{10, 5000} {
		data := payload(size)
		for _, alg := range checksum.All {
			h := alg.New()
			h.Write(data)
			good := h.Sum(nil)
			info, err := l.PutObject(ctx, "bkt", "k", bytes.NewReader(data), PutOptions{Size: int64(size), Checksum: ChecksumRequest{Algorithm: alg, Want: good}})
			if err != nil || info.Checksums[string(alg)] != checksum.Encode(good) || info.ChecksumType != ChecksumFullObject {
				t.Fatalf("%s: %v %+v", alg, err, info)
			}
			bad := append([]byte(nil), good...)
			bad[0] ^= 1
			_, err = l.PutObject(ctx, "bkt", "other", bytes.NewReader(data), PutOptions{Size: int64(size), Checksum: ChecksumRequest{Algorithm: alg, Want: bad}})
			if !errors.Is(err, s3err.ErrChecksumMismatch) {
				t.Fatalf("%s mismatch: %v", alg, err)
			}
			if _, _, err := get(t, l, "bkt", "other", GetOptions{}); !errors.Is(err, s3err.ErrNoSuchKey) {
				t.Fatalf("%s: a mismatching body was stored", alg)
			}
		}
	}
	l.clock.Advance(2 * time.Second)
	l.DrainQueue(ctx)
	if n := countBlobs(t, l.blobs); n != 1 {
		t.Fatalf("%d blobs, want 1 (refused bodies must not stay)", n)
	}
}

func TestPutUnknownSize(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	for _, size := range []int{0, 1024, 1025, 200000} { // around the test layer's inline limit
		data := payload(size)
		info, err := l.PutObject(ctx, "bkt", "k", bytes.NewReader(data), PutOptions{SizeUnknown: true})
		if err != nil || info.Size != int64(size) {
			t.Fatalf("%d bytes: %v, size %d", size, err, info.Size)
		}
		if got, _, err := get(t, l, "bkt", "k", GetOptions{}); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("%d bytes read back: %v", size, err)
		}
	}
	_, err := l.PutObject(ctx, "bkt", "bad", io.MultiReader(bytes.NewReader(payload(5000)), errReader{s3err.ErrEntityTooLarge}), PutOptions{SizeUnknown: true})
	if !errors.Is(err, s3err.ErrEntityTooLarge) {
		t.Fatalf("failing body: %v", err)
	}
	if _, _, err := get(t, l, "bkt", "bad", GetOptions{}); !errors.Is(err, s3err.ErrNoSuchKey) {
		t.Fatal("a failed body was stored")
	}
}

func TestListMultipartUploadsPages(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	want := map[string]int{}
	for _, k := range []string{"a", "b", "b", "c/x", "c/y", "d"} {
		newUpload(t, l, k, UploadOptions{})
		want[k]++
	}
	got := map[string]int{}
	keyMarker, idMarker := "", ""
	pages := 0
	for {
		res, err := l.ListMultipartUploads(ctx, "bkt", ListUploadsOptions{KeyMarker: keyMarker, UploadIDMarker: idMarker, MaxUploads: 2})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, u := range res.Uploads {
			got[u.Key]++
		}
		if !res.IsTruncated {
			break
		}
		keyMarker, idMarker = res.NextKeyMarker, res.NextUploadIDMarker
	}
	if pages != 3 || len(got) != len(want) || got["b"] != 2 {
		t.Fatalf("%d pages, %v; want %v", pages, got, want)
	}
	res, err := l.ListMultipartUploads(ctx, "bkt", ListUploadsOptions{Prefix: "c/"})
	if err != nil || len(res.Uploads) != 2 {
		t.Fatalf("prefix c/: %+v %v", res.Uploads, err)
	}
	// With a delimiter, c/x and c/y roll up into c/, across pages too.
	var seen []string
	opts := ListUploadsOptions{Delimiter: "/", MaxUploads: 2}
	for {
		res, err := l.ListMultipartUploads(ctx, "bkt", opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range res.Uploads {
			seen = append(seen, u.Key)
		}
		seen = append(seen, res.CommonPrefixes...)
		if !res.IsTruncated {
			break
		}
		opts.KeyMarker, opts.UploadIDMarker = res.NextKeyMarker, res.NextUploadIDMarker
	}
	if strings.Join(seen, ",") != "a,b,b,c/,d" {
		t.Fatalf("delimiter listing: %v", seen)
	}
}

// A repeated CompleteMultipartUpload (a client retrying after losing the
// first answer) gets the first answer while the object it made is current;
// a different part list, or a later overwrite, gets NoSuchUpload.
func TestCompleteMultipartUploadRetry(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	id := newUpload(t, l, "obj", UploadOptions{})
	p1 := uploadPart(t, l, "obj", id, 1, payload(MinPartSize))
	p2 := uploadPart(t, l, "obj", id, 2, []byte("tail"))
	list := []CompletePart{{Number: 1, ETag: `"` + p1.ETag + `"`}, {Number: 2, ETag: p2.ETag}}
	first, err := l.CompleteMultipartUpload(ctx, "bkt", "obj", id, list, CompleteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	again, err := l.CompleteMultipartUpload(ctx, "bkt", "obj", id, list, CompleteOptions{})
	if err != nil {
		t.Fatalf("repeated complete: %v", err)
	}
	if again.ETag != first.ETag || again.Size != first.Size || again.VersionID != first.VersionID {
		t.Fatalf("repeated complete answered %+v, first %+v", again, first)
	}
	l.clock.Advance(2 * time.Second)
	if _, _, err := l.DrainQueue(ctx); err != nil {
		t.Fatal(err)
	}
	if n := countBlobs(t, l.blobs); n != 2 {
		t.Fatalf("%d blobs after the repeated complete, want 2", n)
	}
	if _, err := l.CompleteMultipartUpload(ctx, "bkt", "obj", id, list[:1], CompleteOptions{}); !errors.Is(err, s3err.ErrNoSuchUpload) {
		t.Fatalf("complete with other parts: %v", err)
	}
	if _, err := l.CompleteMultipartUpload(ctx, "bkt", "obj", "no-such-upload", list, CompleteOptions{}); !errors.Is(err, s3err.ErrNoSuchUpload) {
		t.Fatalf("complete of another upload id: %v", err)
	}
	if _, err := l.PutObject(ctx, "bkt", "obj", strings.NewReader("new"), PutOptions{Size: 3}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.CompleteMultipartUpload(ctx, "bkt", "obj", id, list, CompleteOptions{}); !errors.Is(err, s3err.ErrNoSuchUpload) {
		t.Fatalf("complete after an overwrite: %v", err)
	}
}
