package object

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/kurastore/kura/checksum"
)

// A copy of an object with a COMPOSITE checksum carries the full-object
// checksum of the same algorithm, computed from the data, and still
// shares the source's blobs: it reads the data but writes none.
func TestHashedCopySharesBlobs(t *testing.T) {
	l := newTestLayer(t)
	l.opts.MinPartSize = 1
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	parts := [][]byte{payload(70000), payload(5000)}
	id, err := l.CreateMultipartUpload(ctx, "bkt", "src", UploadOptions{ChecksumAlgorithm: checksum.SHA256})
	if err != nil {
		t.Fatal(err)
	}
	var list []CompletePart
	for i, data := range parts {
		p, err := l.UploadPart(ctx, "bkt", "src", id, i+1, bytes.NewReader(data), PartOptions{Size: int64(len(data)), Checksum: ChecksumRequest{Algorithm: checksum.SHA256}})
		if err != nil {
			t.Fatal(err)
		}
		list = append(list, CompletePart{Number: i + 1, ETag: p.ETag})
	}
	src, err := l.CompleteMultipartUpload(ctx, "bkt", "src", id, list, CompleteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if src.ChecksumType != ChecksumComposite {
		t.Fatalf("source checksum type %q", src.ChecksumType)
	}
	cp, err := l.CopyObject(ctx, CopySource{Bucket: "bkt", Key: "src"}, "bkt", "copy", CopyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	whole := sha256.Sum256(slices.Concat(parts...))
	if cp.ChecksumType != ChecksumFullObject || cp.Checksums["SHA256"] != base64.StdEncoding.EncodeToString(whole[:]) || len(cp.Checksums) != 1 {
		t.Fatalf("copy checksums %v (%s), want the SHA256 of the data", cp.Checksums, cp.ChecksumType)
	}
	srcRec, _, err := l.lookup(ctx, "bkt", "src", "", false)
	if err != nil {
		t.Fatal(err)
	}
	cpRec, _, err := l.lookup(ctx, "bkt", "copy", "", false)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(srcRec.blobIDs(), cpRec.blobIDs()) {
		t.Fatalf("the copy's blobs %v are not the source's %v", cpRec.blobIDs(), srcRec.blobIDs())
	}
	if got, err := readAll(t, l, "bkt", "copy", GetOptions{}); err != nil || !bytes.Equal(got, slices.Concat(parts...)) {
		t.Fatalf("the copy reads back different data (%v)", err)
	}

	// A checksum computed from a version that has since been replaced is
	// not committed: the copy must hash the new one.
	_, err = l.copyShared(ctx, CopySource{Bucket: "bkt", Key: "src"}, "bkt", "stale", CopyOptions{},
		&copySum{uid: "an older version", alg: checksum.SHA256, value: "x"})
	if !errors.Is(err, errHashCopy) {
		t.Fatalf("copy with a checksum of a replaced source: %v", err)
	}
	if _, err := l.HeadObject(ctx, "bkt", "stale", GetOptions{}); err == nil {
		t.Fatal("the refused copy was made")
	}
}

// BenchmarkCopyNeedingChecksum copies a 64 MiB object with a COMPOSITE
// SHA256 checksum, whose copy needs a full-object one: "hash" is what
// CopyObject does (read and hash the source, share its blobs), "rewrite"
// the copy through PutObject that it replaced. Server CPU per copy is
// the figure to compare (go test -bench CopyNeeding -benchtime 10x).
func BenchmarkCopyNeedingChecksum(b *testing.B) {
	l := benchLayer(b, Options{GCDelay: time.Hour, MinPartSize: 1})
	ctx := context.Background()
	const size, parts = 64 << 20, 8
	id, err := l.CreateMultipartUpload(ctx, "bkt", "src", UploadOptions{ChecksumAlgorithm: checksum.SHA256})
	if err != nil {
		b.Fatal(err)
	}
	part := bytes.Repeat([]byte("0123456789abcdef"), size/parts/16)
	var list []CompletePart
	for n := 1; n <= parts; n++ {
		p, err := l.UploadPart(ctx, "bkt", "src", id, n, bytes.NewReader(part), PartOptions{Size: int64(len(part)), Checksum: ChecksumRequest{Algorithm: checksum.SHA256}})
		if err != nil {
			b.Fatal(err)
		}
		list = append(list, CompletePart{Number: n, ETag: p.ETag})
	}
	if _, err := l.CompleteMultipartUpload(ctx, "bkt", "src", id, list, CompleteOptions{}); err != nil {
		b.Fatal(err)
	}
	src := CopySource{Bucket: "bkt", Key: "src"}
	for name, copyFn := range map[string]func(dst string) (ObjectInfo, error){
		"hash":    func(dst string) (ObjectInfo, error) { return l.CopyObject(ctx, src, "bkt", dst, CopyOptions{}) },
		"rewrite": func(dst string) (ObjectInfo, error) { return l.copyReencrypt(ctx, src, "bkt", dst, CopyOptions{}) },
	} {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(size)
			for i := range b.N {
				info, err := copyFn("copy" + strconv.Itoa(i%8))
				if err != nil || info.ChecksumType != ChecksumFullObject {
					b.Fatal(info.ChecksumType, err)
				}
			}
		})
	}
}
