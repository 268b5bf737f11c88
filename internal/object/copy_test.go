package object

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kurastore/kura/checksum"
	"github.com/kurastore/kura/s3err"
)

func TestCopyObject(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	mustCreateBucket(t, l, "dst")
	ctx := context.Background()
	for _, size := range []int{10, 5000} { // inline and blob-backed
		data := payload(size)
		src, err := l.PutObject(ctx, "bkt", "src", bytes.NewReader(data), PutOptions{
			Size: int64(size), Attrs: Attrs{ContentType: "a/b", UserMeta: map[string]string{"m": "1"}}, Tags: map[string]string{"t": "1"},
		})
		if err != nil {
			t.Fatal(err)
		}
		blobsBefore := countBlobs(t, l.blobs)
		info, err := l.CopyObject(ctx, CopySource{Bucket: "bkt", Key: "src"}, "dst", "copy", CopyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if info.ETag != src.ETag {
			t.Fatalf("copy etag %s, source %s", info.ETag, src.ETag)
		}
		if n := countBlobs(t, l.blobs); n != blobsBefore {
			t.Fatalf("copy wrote data: %d blobs, was %d", n, blobsBefore)
		}
		got, obj, err := get(t, l, "dst", "copy", GetOptions{})
		if err != nil || !bytes.Equal(got, data) || obj.Info.ContentType != "a/b" || obj.Info.UserMeta["m"] != "1" || obj.Info.Tags["t"] != "1" {
			t.Fatalf("copy (COPY directives): %v %+v", err, obj.Info)
		}
		// REPLACE directives.
		_, err = l.CopyObject(ctx, CopySource{Bucket: "bkt", Key: "src"}, "dst", "copy2", CopyOptions{
			ReplaceMetadata: true, Attrs: Attrs{ContentType: "c/d"}, ReplaceTags: true, Tags: map[string]string{"u": "2"},
		})
		if err != nil {
			t.Fatal(err)
		}
		_, obj, _ = get(t, l, "dst", "copy2", GetOptions{})
		if obj.Info.ContentType != "c/d" || obj.Info.UserMeta != nil || obj.Info.Tags["u"] != "2" || obj.Info.Tags["t"] != "" {
			t.Fatalf("copy (REPLACE directives): %+v", obj.Info)
		}
		// The source can go; the copies keep their data.
		if _, err := l.DeleteObject(ctx, "bkt", "src", DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		l.clock.Advance(2 * time.Second)
		if _, _, err := l.DrainQueue(ctx); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"copy", "copy2"} {
			if got, _, err := get(t, l, "dst", k, GetOptions{}); err != nil || !bytes.Equal(got, data) {
				t.Fatalf("%s after the source was deleted: %v", k, err)
			}
		}
	}
}

func TestCopyOntoItself(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	for _, size := range []int{10, 5000} {
		data := payload(size)
		put(t, l, "bkt", "k", data)
		self := CopySource{Bucket: "bkt", Key: "k"}
		if _, err := l.CopyObject(ctx, self, "bkt", "k", CopyOptions{}); !errors.Is(err, s3err.ErrInvalidCopyDest) {
			t.Fatalf("self copy without REPLACE: %v", err)
		}
		if _, err := l.CopyObject(ctx, self, "bkt", "k", CopyOptions{ReplaceMetadata: true, Attrs: Attrs{ContentType: "x/y"}}); err != nil {
			t.Fatal(err)
		}
		l.clock.Advance(2 * time.Second)
		if _, _, err := l.DrainQueue(ctx); err != nil {
			t.Fatal(err)
		}
		got, obj, err := get(t, l, "bkt", "k", GetOptions{})
		if err != nil || !bytes.Equal(got, data) || obj.Info.ContentType != "x/y" {
			t.Fatalf("self copy with REPLACE lost data or metadata: %v %+v", err, obj.Info)
		}
	}
}

// S3 restores a previous version by copying it onto its own key: naming
// the source version makes the copy a change, even with the metadata
// copied, and the restored bytes become a new latest version.
func TestCopyVersionOntoItsKey(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	if err := l.SetBucketVersioning(ctx, "bkt", VersioningConfig{Status: VersioningEnabled}); err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{10, 5000} {
		old, latest := payload(size), payload(size+1)
		v1 := put(t, l, "bkt", "k", old)
		put(t, l, "bkt", "k", latest)
		restored, err := l.CopyObject(ctx, CopySource{Bucket: "bkt", Key: "k", VersionID: v1.VersionID}, "bkt", "k", CopyOptions{})
		if err != nil {
			t.Fatalf("copying version %s onto its key: %v", v1.VersionID, err)
		}
		if restored.VersionID == v1.VersionID || restored.ETag != v1.ETag {
			t.Errorf("restored version %s ETag %s, want a new version with ETag %s", restored.VersionID, restored.ETag, v1.ETag)
		}
		got, _, err := get(t, l, "bkt", "k", GetOptions{})
		if err != nil || !bytes.Equal(got, old) {
			t.Fatalf("latest after the restore: %v, %d bytes", err, len(got))
		}
		// Without a version id it is a copy of the object onto itself.
		if _, err := l.CopyObject(ctx, CopySource{Bucket: "bkt", Key: "k"}, "bkt", "k", CopyOptions{}); !errors.Is(err, s3err.ErrInvalidCopyDest) {
			t.Fatalf("self copy of the latest without REPLACE: %v", err)
		}
	}
}

// An SSE-C object copied onto itself without SSE-C for the copy is
// decrypted in place, which changes its encryption: that is a legal copy
// onto itself (minio-go's in-place decryption test), as is rotating the
// customer key.
func TestCopyOntoItselfOutOfSSEC(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	for _, size := range []int{10, 5000} {
		data := payload(size)
		if _, err := l.PutObject(ctx, "bkt", "k", bytes.NewReader(data), PutOptions{Size: int64(size), Encryption: Encryption{Type: SSEC, CustomerKey: sseKey(1)}}); err != nil {
			t.Fatal(err)
		}
		// Rotation to a new customer key.
		self := CopySource{Bucket: "bkt", Key: "k", CustomerKey: sseKey(1)}
		if _, err := l.CopyObject(ctx, self, "bkt", "k", CopyOptions{Encryption: Encryption{Type: SSEC, CustomerKey: sseKey(2)}}); err != nil {
			t.Fatalf("key rotation in place: %v", err)
		}
		// Decryption in place.
		self.CustomerKey = sseKey(2)
		info, err := l.CopyObject(ctx, self, "bkt", "k", CopyOptions{})
		if err != nil {
			t.Fatalf("decryption in place: %v", err)
		}
		if info.SSE.Type != "" {
			t.Fatalf("decrypted in place, yet SSE %+v", info.SSE)
		}
		got, obj, err := get(t, l, "bkt", "k", GetOptions{})
		if err != nil || !bytes.Equal(got, data) || obj.Info.SSE.Type != "" {
			t.Fatalf("read after decryption in place: %v, SSE %+v, equal %v", err, obj.Info.SSE, bytes.Equal(got, data))
		}
		// A plain object copied onto itself unchanged is still refused.
		if _, err := l.CopyObject(ctx, CopySource{Bucket: "bkt", Key: "k"}, "bkt", "k", CopyOptions{}); !errors.Is(err, s3err.ErrInvalidCopyDest) {
			t.Fatalf("self copy of a plain object without REPLACE: %v", err)
		}
	}
}

// A copy asked for a checksum algorithm (x-amz-checksum-algorithm) carries
// a full-object checksum of it, computed from the data when the source has
// none of that algorithm (minio-go's testCopyObjectWithChecksums).
func TestCopyWithChecksumAlgorithm(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	for _, size := range []int{10, 5000} {
		data := payload(size)
		put(t, l, "bkt", "src", data)
		want := func(alg checksum.Algorithm) string {
			h := alg.New()
			h.Write(data)
			return checksum.Encode(h.Sum(nil))
		}
		for _, alg := range []checksum.Algorithm{checksum.CRC32C, checksum.SHA256, checksum.CRC64NVME} {
			info, err := l.CopyObject(ctx, CopySource{Bucket: "bkt", Key: "src"}, "bkt", "dst", CopyOptions{ChecksumAlgorithm: alg})
			if err != nil {
				t.Fatal(err)
			}
			if info.Checksums[string(alg)] != want(alg) || info.ChecksumType != ChecksumFullObject || len(info.Checksums) != 1 {
				t.Fatalf("%d bytes, %s: copy has checksums %v (%s), want %s", size, alg, info.Checksums, info.ChecksumType, want(alg))
			}
			got, obj, err := get(t, l, "bkt", "dst", GetOptions{})
			if err != nil || !bytes.Equal(got, data) || obj.Info.Checksums[string(alg)] != want(alg) {
				t.Fatalf("%d bytes, %s: read back %v, checksums %v", size, alg, err, obj.Info.Checksums)
			}
			// A copy of the copy asking for the algorithm it has keeps it.
			info, err = l.CopyObject(ctx, CopySource{Bucket: "bkt", Key: "dst"}, "bkt", "dst2", CopyOptions{ChecksumAlgorithm: alg})
			if err != nil || info.Checksums[string(alg)] != want(alg) {
				t.Fatalf("%d bytes, %s: second copy %v, checksums %v", size, alg, err, info.Checksums)
			}
		}
	}
}

// A copy of an object whose checksum is COMPOSITE (a multipart upload of
// SHA256, SHA512, XXHASH128, …) is one object, not parts: it carries the
// full-object checksum of the same algorithm, computed from the data, as
// S3's copy does (minio-go's testPutMultipartObjectWithChecksums). The
// source keeps its composite checksum.
func TestCopyOfCompositeChecksum(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	parts := [][]byte{payload(MinPartSize), payload(777)}
	whole := bytes.Join(parts, nil)
	for _, alg := range []checksum.Algorithm{checksum.SHA256, checksum.SHA512, checksum.XXHASH128, checksum.CRC32C} {
		id := newUpload(t, l, "src", UploadOptions{ChecksumAlgorithm: alg})
		var list []CompletePart
		for i, data := range parts {
			p, err := l.UploadPart(ctx, "bkt", "src", id, i+1, bytes.NewReader(data), PartOptions{Size: int64(len(data)), Checksum: ChecksumRequest{Algorithm: alg}})
			if err != nil {
				t.Fatal(err)
			}
			list = append(list, CompletePart{Number: i + 1, ETag: p.ETag, Checksum: p.Checksum})
		}
		src, err := l.CompleteMultipartUpload(ctx, "bkt", "src", id, list, CompleteOptions{})
		if err != nil || src.ChecksumType != ChecksumComposite {
			t.Fatalf("%s: %v, type %s", alg, err, src.ChecksumType)
		}
		h := alg.New()
		h.Write(whole)
		want := checksum.Encode(h.Sum(nil))
		info, err := l.CopyObject(ctx, CopySource{Bucket: "bkt", Key: "src"}, "bkt", "dst", CopyOptions{})
		if err != nil || info.Checksums[string(alg)] != want || info.ChecksumType != ChecksumFullObject || len(info.Checksums) != 1 {
			t.Fatalf("%s: copy %v, checksums %v %s, want %s FULL_OBJECT", alg, err, info.Checksums, info.ChecksumType, want)
		}
		got, obj, err := get(t, l, "bkt", "dst", GetOptions{})
		if err != nil || !bytes.Equal(got, whole) || obj.Info.Checksums[string(alg)] != want {
			t.Fatalf("%s: read back %v, checksums %v", alg, err, obj.Info.Checksums)
		}
		_, obj, err = get(t, l, "bkt", "src", GetOptions{})
		if err != nil || obj.Info.Checksums[string(alg)] != src.Checksums[string(alg)] || obj.Info.ChecksumType != ChecksumComposite {
			t.Fatalf("%s: the source changed: %v %v", alg, err, obj.Info.Checksums)
		}
	}
}

func TestCopyConditionsAndErrors(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	info := put(t, l, "bkt", "src", payload(100))
	before := info.LastModified.Add(-time.Hour)
	after := info.LastModified.Add(time.Hour)
	cases := []struct {
		name string
		cond Conditions
		want error
	}{
		{"if-match ok", Conditions{IfMatch: info.ETag}, nil},
		{"if-match fails", Conditions{IfMatch: "nope"}, s3err.ErrPreconditionFailed},
		{"if-none-match fails", Conditions{IfNoneMatch: info.ETag}, s3err.ErrPreconditionFailed},
		{"if-modified-since fails", Conditions{IfModifiedSince: after}, s3err.ErrPreconditionFailed},
		{"if-modified-since ok", Conditions{IfModifiedSince: before}, nil},
		{"if-unmodified-since fails", Conditions{IfUnmodifiedSince: before}, s3err.ErrPreconditionFailed},
		{"if-match wins over if-unmodified-since", Conditions{IfMatch: info.ETag, IfUnmodifiedSince: before}, nil},
	}
	for _, c := range cases {
		_, err := l.CopyObject(ctx, CopySource{Bucket: "bkt", Key: "src", Cond: c.cond}, "bkt", "dst-"+strings.ReplaceAll(c.name, " ", "-"), CopyOptions{})
		if !errors.Is(err, c.want) && !(c.want == nil && err == nil) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := l.CopyObject(ctx, CopySource{Bucket: "bkt", Key: "missing"}, "bkt", "x", CopyOptions{}); !errors.Is(err, s3err.ErrNoSuchKey) {
		t.Errorf("missing source: %v", err)
	}
	if _, err := l.CopyObject(ctx, CopySource{Bucket: "nobkt", Key: "src"}, "bkt", "x", CopyOptions{}); !errors.Is(err, s3err.ErrNoSuchBucket) {
		t.Errorf("missing source bucket: %v", err)
	}
	if _, err := l.CopyObject(ctx, CopySource{Bucket: "bkt", Key: "src"}, "nobkt", "x", CopyOptions{}); !errors.Is(err, s3err.ErrNoSuchBucket) {
		t.Errorf("missing destination bucket: %v", err)
	}
	tooMany := map[string]string{}
	for i := range MaxObjectTags + 1 {
		tooMany[strings.Repeat("k", i+1)] = "v"
	}
	if _, err := l.CopyObject(ctx, CopySource{Bucket: "bkt", Key: "src"}, "bkt", "x", CopyOptions{ReplaceTags: true, Tags: tooMany}); !errors.Is(err, s3err.ErrInvalidTag) {
		t.Errorf("11 tags: %v", err)
	}
}

func TestUploadPartCopy(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	data := payload(MinPartSize + 100)
	put(t, l, "bkt", "src", data)
	id := newUpload(t, l, "composed", UploadOptions{})
	p1, err := l.UploadPartCopy(ctx, CopySource{Bucket: "bkt", Key: "src"}, nil, "bkt", "composed", id, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := l.UploadPartCopy(ctx, CopySource{Bucket: "bkt", Key: "src"}, &Range{Start: 10, End: 19}, "bkt", "composed", id, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.UploadPartCopy(ctx, CopySource{Bucket: "bkt", Key: "src", Cond: Conditions{IfMatch: "x"}}, nil, "bkt", "composed", id, 3, nil); !errors.Is(err, s3err.ErrPreconditionFailed) {
		t.Fatalf("copy-source-if-match: %v", err)
	}
	if _, err := l.CompleteMultipartUpload(ctx, "bkt", "composed", id, []CompletePart{{1, p1.ETag, ""}, {2, p2.ETag, ""}}, CompleteOptions{}); err != nil {
		t.Fatal(err)
	}
	got, _, err := get(t, l, "bkt", "composed", GetOptions{})
	if want := append(append([]byte(nil), data...), data[10:20]...); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("composed object: %v", err)
	}
}

func TestObjectTags(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	data := payload(3000)
	info := put(t, l, "bkt", "k", data)
	ten := map[string]string{}
	for i := range MaxObjectTags {
		ten[strings.Repeat("k", i+1)] = strings.Repeat("v", MaxTagValueLength)
	}
	ten[strings.Repeat("é", MaxTagKeyLength)] = "x" // characters, not bytes
	delete(ten, "k")
	if _, err := l.PutObjectTags(ctx, "bkt", "k", "", ten); err != nil {
		t.Fatalf("10 tags at the length limits: %v", err)
	}
	got, _, err := l.GetObjectTags(ctx, "bkt", "k", "")
	if err != nil || len(got) != MaxObjectTags {
		t.Fatalf("get tags: %v %v", got, err)
	}
	_, obj, _ := get(t, l, "bkt", "k", GetOptions{})
	if obj.Info.ETag != info.ETag || !obj.Info.LastModified.Equal(info.LastModified) {
		t.Fatal("tagging changed the object's identity")
	}
	for name, bad := range map[string]map[string]string{
		"11 tags": func() map[string]string {
			m := map[string]string{"extra": "1"}
			for k, v := range ten {
				m[k] = v
			}
			return m
		}(),
		"key 129":   {strings.Repeat("k", MaxTagKeyLength+1): "v"},
		"value 257": {"k": strings.Repeat("v", MaxTagValueLength+1)},
		"empty key": {"": "v"},
	} {
		if _, err := l.PutObjectTags(ctx, "bkt", "k", "", bad); !errors.Is(err, s3err.ErrInvalidTag) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if got, _, _ := l.GetObjectTags(ctx, "bkt", "k", ""); len(got) != MaxObjectTags {
		t.Fatal("a refused tag set changed the stored one")
	}
	if _, err := l.DeleteObjectTags(ctx, "bkt", "k", ""); err != nil {
		t.Fatal(err)
	}
	if got, _, err := l.GetObjectTags(ctx, "bkt", "k", ""); err != nil || len(got) != 0 {
		t.Fatalf("after delete: %v %v", got, err)
	}
	if b, _, err := get(t, l, "bkt", "k", GetOptions{}); err != nil || !bytes.Equal(b, data) {
		t.Fatal("tagging damaged the data")
	}
	if _, err := l.PutObjectTags(ctx, "bkt", "missing", "", map[string]string{"a": "b"}); !errors.Is(err, s3err.ErrNoSuchKey) {
		t.Fatalf("tags of a missing key: %v", err)
	}
}

func TestBucketConfig(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	if _, err := l.BucketConfig(ctx, "bkt", "policy"); !errors.Is(err, ErrNoConfig) {
		t.Fatalf("unset config: %v", err)
	}
	if err := l.SetBucketConfig(ctx, "bkt", "policy", []byte("{}")); err != nil {
		t.Fatal(err)
	}
	if doc, err := l.BucketConfig(ctx, "bkt", "policy"); err != nil || string(doc) != "{}" {
		t.Fatalf("config: %q %v", doc, err)
	}
	if err := l.SetBucketConfig(ctx, "nobkt", "policy", []byte("{}")); !errors.Is(err, s3err.ErrNoSuchBucket) {
		t.Fatalf("config of a missing bucket: %v", err)
	}
	if err := l.DeleteBucket(ctx, "bkt"); err != nil {
		t.Fatal(err)
	}
	mustCreateBucket(t, l, "bkt")
	if _, err := l.BucketConfig(ctx, "bkt", "policy"); !errors.Is(err, ErrNoConfig) {
		t.Fatalf("a recreated bucket inherited a config: %v", err)
	}
}

// A copy source range must lie within the source: one that runs past the
// end (or starts there) is InvalidArgument, not a silently shorter part.
func TestUploadPartCopyRangeBeyondSource(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	put(t, l, "bkt", "src", []byte("12345"))
	id := newUpload(t, l, "dst", UploadOptions{})
	for _, r := range []Range{{Start: 0, End: 21}, {Start: 0, End: 5}, {Start: 5, End: 9}, {Start: 30, End: 40}} {
		_, err := l.UploadPartCopy(ctx, CopySource{Bucket: "bkt", Key: "src"}, &r, "bkt", "dst", id, 1, nil)
		if !errors.Is(err, s3err.ErrInvalidArgument) {
			t.Errorf("range %d-%d of 5 bytes: %v, want InvalidArgument", r.Start, r.End, err)
		}
	}
	if _, err := l.UploadPartCopy(ctx, CopySource{Bucket: "bkt", Key: "src"}, &Range{Start: 0, End: 4}, "bkt", "dst", id, 1, nil); err != nil {
		t.Fatalf("the whole source as a range: %v", err)
	}
}
