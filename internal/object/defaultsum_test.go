package object

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"testing"

	"github.com/kurastore/kura/checksum"
	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/s3err"
)

// crc64Of is the base64 CRC64NVME of data, as S3 reports it.
func crc64Of(data []byte) string {
	h := checksum.CRC64NVME.New()
	h.Write(data)
	return checksum.Encode(h.Sum(nil))
}

// wantDefaultChecksum fails unless info carries S3's default checksum of
// data: a FULL_OBJECT CRC64NVME and nothing else.
func wantDefaultChecksum(t *testing.T, what string, info ObjectInfo, data []byte) {
	t.Helper()
	want := map[string]string{string(checksum.CRC64NVME): crc64Of(data)}
	if len(info.Checksums) != 1 || info.Checksums[string(checksum.CRC64NVME)] != want[string(checksum.CRC64NVME)] ||
		info.ChecksumType != ChecksumFullObject {
		t.Fatalf("%s: checksums %v %q, want %v FULL_OBJECT", what, info.Checksums, info.ChecksumType, want)
	}
}

// A PUT without a checksum stores S3's default one of its data, whether
// the body is inline, a blob, or of unknown length, and a read reports it.
func TestPutWithoutChecksumGetsDefault(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	for name, n := range map[string]int{"empty": 0, "inline": 100, "inline-limit": 1024, "blob": 1025, "large": 3 << 20} {
		data := payload(n)
		info := put(t, l, "bkt", name, data)
		wantDefaultChecksum(t, name+" put", info, data)
		_, obj, err := get(t, l, "bkt", name, GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		wantDefaultChecksum(t, name+" get", obj.Info, data)

		info, err = l.PutObject(ctx, "bkt", name+"-unsized", bytes.NewReader(data), PutOptions{SizeUnknown: true})
		if err != nil {
			t.Fatal(err)
		}
		wantDefaultChecksum(t, name+" unsized put", info, data)
	}
}

// A checksum the client names is the object's only one: the default is
// not added beside it.
func TestPutWithChecksumHasNoDefault(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	data := payload(2000)
	info, err := l.PutObject(context.Background(), "bkt", "k", bytes.NewReader(data), PutOptions{
		Size: int64(len(data)), Checksum: ChecksumRequest{Algorithm: checksum.SHA256},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := info.Checksums[string(checksum.SHA256)]; !ok || len(info.Checksums) != 1 {
		t.Fatalf("checksums %v, want SHA256 only", info.Checksums)
	}
}

// Encrypted objects get the default checksum of their plaintext.
func TestEncryptedPutGetsDefaultOfPlaintext(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	for name, e := range encryptions(t, l) {
		for _, n := range []int{10, 5000} {
			data := markedPayload(n)
			info, err := l.PutObject(ctx, "bkt", name, bytes.NewReader(data), PutOptions{Size: int64(n), Encryption: e.enc})
			if err != nil {
				t.Fatal(err)
			}
			wantDefaultChecksum(t, name, info, data)
			_, obj, err := get(t, l, "bkt", name, GetOptions{CustomerKey: e.key})
			if err != nil {
				t.Fatal(err)
			}
			wantDefaultChecksum(t, name+" get", obj.Info, data)
		}
	}
}

// stripChecksum makes bkt/key look like an object stored before kura
// added the default checksum.
func stripChecksum(t *testing.T, l testLayer, bucket, key string) {
	t.Helper()
	err := l.meta.Update(context.Background(), nil, func(tx meta.Txn) error {
		rec, ok, err := getRecord(tx, bucket, key)
		if err != nil || !ok {
			return errors.Join(err, errors.New("no record"))
		}
		rec.Info.Checksums, rec.Info.ChecksumType = nil, ""
		for i := range rec.Parts {
			rec.Parts[i].Checksum = ""
		}
		return tx.Set(objectKey(bucket, key), rec.encode())
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Objects stored without a checksum keep none; a copy of one, made
// without x-amz-checksum-algorithm, gets the default checksum, and a copy
// of an object with the default checksum keeps it.
func TestCopyDefaultChecksum(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	for _, n := range []int{10, 5000} {
		data := payload(n)
		put(t, l, "bkt", "old", data)
		stripChecksum(t, l, "bkt", "old")
		_, obj, err := get(t, l, "bkt", "old", GetOptions{})
		if err != nil || len(obj.Info.Checksums) != 0 {
			t.Fatalf("stored object: %v %v", err, obj.Info.Checksums)
		}

		info, err := l.CopyObject(ctx, CopySource{Bucket: "bkt", Key: "old"}, "bkt", "copy", CopyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		wantDefaultChecksum(t, "copy of an object without a checksum", info, data)
		got, obj, err := get(t, l, "bkt", "copy", GetOptions{})
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("copy reads %d bytes, %v", len(got), err)
		}
		wantDefaultChecksum(t, "copy read", obj.Info, data)

		info, err = l.CopyObject(ctx, CopySource{Bucket: "bkt", Key: "copy"}, "bkt", "copy2", CopyOptions{ReplaceMetadata: true})
		if err != nil {
			t.Fatal(err)
		}
		wantDefaultChecksum(t, "copy of a copy", info, data)

		// Onto itself, with new metadata, as minio-go's
		// testReplaceObjectWithChecksums does.
		stripChecksum(t, l, "bkt", "old")
		info, err = l.CopyObject(ctx, CopySource{Bucket: "bkt", Key: "old"}, "bkt", "old",
			CopyOptions{ReplaceMetadata: true, Attrs: Attrs{UserMeta: map[string]string{"m": "v"}}})
		if err != nil {
			t.Fatal(err)
		}
		wantDefaultChecksum(t, "copy onto itself", info, data)
	}
}

// The copy of an encrypted object, or to an encrypted one, carries the
// default checksum of the plaintext.
func TestEncryptedCopyDefaultChecksum(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	data := markedPayload(3000)
	for name, e := range encryptions(t, l) {
		if _, err := l.PutObject(ctx, "bkt", name, bytes.NewReader(data), PutOptions{Size: int64(len(data)), Encryption: e.enc}); err != nil {
			t.Fatal(err)
		}
		stripChecksum(t, l, "bkt", name)
		info, err := l.CopyObject(ctx, CopySource{Bucket: "bkt", Key: name, CustomerKey: e.key}, "bkt", name+"-copy",
			CopyOptions{Encryption: Encryption{Type: SSES3}})
		if err != nil {
			t.Fatal(err)
		}
		wantDefaultChecksum(t, name+" copy", info, data)
	}
}

// Which copies read the data to compute a checksum, at the size limit of
// one PUT and past it.
func TestCopyComputesChecksum(t *testing.T) {
	crc := map[string]string{string(checksum.CRC64NVME): "x"}
	for _, c := range []struct {
		name string
		src  ObjectInfo
		alg  checksum.Algorithm
		want bool
	}{
		{"no checksum", ObjectInfo{Size: 10}, "", true},
		{"no checksum, one PUT's limit", ObjectInfo{Size: MaxPutSize}, "", true},
		{"no checksum, past one PUT's limit", ObjectInfo{Size: MaxPutSize + 1}, "", false},
		{"default checksum", ObjectInfo{Size: 10, Checksums: crc, ChecksumType: ChecksumFullObject}, "", false},
		// A copy is one object: a composite checksum becomes a full-object one.
		{"composite checksum", ObjectInfo{Size: 10, Checksums: map[string]string{"SHA256": "x-2"}, ChecksumType: ChecksumComposite}, "", true},
		{"composite checksum, past one PUT's limit", ObjectInfo{Size: MaxPutSize + 1, Checksums: map[string]string{"SHA256": "x-2"}, ChecksumType: ChecksumComposite}, "", false},
		{"asked for the one it has", ObjectInfo{Size: 10, Checksums: crc, ChecksumType: ChecksumFullObject}, checksum.CRC64NVME, false},
		{"asked for another", ObjectInfo{Size: 10, Checksums: crc, ChecksumType: ChecksumFullObject}, checksum.SHA1, true},
	} {
		if got := copyComputesChecksum(c.src, c.alg); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// uploadDefaultParts uploads parts to a new upload of bkt/key created
// without a checksum algorithm; algs[i] is the checksum part i+1 is sent
// with ("" for none).
// Parts may be small: the layer's minimum part size is lowered.
func uploadDefaultParts(t *testing.T, l testLayer, key string, parts [][]byte, algs []checksum.Algorithm, enc Encryption, customerKey []byte) (string, []PartInfo) {
	t.Helper()
	l.opts.MinPartSize = 1
	ctx := context.Background()
	id, err := l.CreateMultipartUpload(ctx, "bkt", key, UploadOptions{Encryption: enc})
	if err != nil {
		t.Fatal(err)
	}
	var infos []PartInfo
	for i, data := range parts {
		p, err := l.UploadPart(ctx, "bkt", key, id, i+1, bytes.NewReader(data), PartOptions{
			Size: int64(len(data)), Checksum: ChecksumRequest{Algorithm: algs[i]}, CustomerKey: customerKey,
		})
		if err != nil {
			t.Fatal(err)
		}
		if p.DefaultChecksum != crc64Of(data) {
			t.Fatalf("part %d: default checksum %q, want %q", i+1, p.DefaultChecksum, crc64Of(data))
		}
		infos = append(infos, p)
	}
	return id, infos
}

// A multipart upload created without an algorithm completes, from a part
// list without checksums, into an object whose FULL_OBJECT CRC64NVME is
// combined from its parts', whatever checksum each part was sent with.
func TestMultipartWithoutAlgorithmGetsDefault(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	parts := [][]byte{payload(3000), markedPayload(2000), payload(1)}
	id, infos := uploadDefaultParts(t, l, "mp", parts, []checksum.Algorithm{"", checksum.CRC32C, checksum.CRC64NVME}, Encryption{}, nil)
	if infos[0].Checksum != "" || infos[1].ChecksumAlgorithm != checksum.CRC32C || infos[2].Checksum != infos[2].DefaultChecksum {
		t.Fatalf("parts: %+v", infos)
	}
	listed, err := l.ListParts(ctx, "bkt", "mp", id, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if listed.Parts[0].Checksum != "" {
		t.Errorf("ListParts shows a checksum the client did not send: %+v", listed.Parts[0])
	}
	var list []CompletePart
	for _, p := range infos {
		list = append(list, CompletePart{Number: p.Number, ETag: p.ETag})
	}
	// An object checksum the client sends is not checked for such an
	// upload (S3 ignores it).
	info, err := l.CompleteMultipartUpload(ctx, "bkt", "mp", id, list, CompleteOptions{Checksum: "AAAAAA==-3"})
	if err != nil {
		t.Fatal(err)
	}
	whole := bytes.Join(parts, nil)
	wantDefaultChecksum(t, "complete", info, whole)
	got, obj, err := get(t, l, "bkt", "mp", GetOptions{})
	if err != nil || !bytes.Equal(got, whole) {
		t.Fatalf("read %d bytes, %v", len(got), err)
	}
	wantDefaultChecksum(t, "get", obj.Info, whole)
	for i, p := range obj.Parts {
		if p.Checksum != crc64Of(parts[i]) {
			t.Errorf("part %d checksum %q, want its CRC64NVME", i+1, p.Checksum)
		}
	}

	// A copy keeps it; so does one that writes the data anew.
	info, err = l.CopyObject(ctx, CopySource{Bucket: "bkt", Key: "mp"}, "bkt", "mp-copy", CopyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantDefaultChecksum(t, "copy", info, whole)
	info, err = l.CopyObject(ctx, CopySource{Bucket: "bkt", Key: "mp"}, "bkt", "mp-copy2", CopyOptions{Encryption: Encryption{Type: SSES3}})
	if err != nil {
		t.Fatal(err)
	}
	wantDefaultChecksum(t, "encrypting copy", info, whole)
}

// The part list may name a part's checksum: the one it was sent with or
// its default one; any other is refused.
func TestMultipartWithoutAlgorithmPartChecksums(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	parts := [][]byte{payload(100), payload(200)}
	id, infos := uploadDefaultParts(t, l, "mp", parts, []checksum.Algorithm{"", checksum.SHA1}, Encryption{}, nil)
	bad := []CompletePart{{Number: 1, ETag: infos[0].ETag, Checksum: crc64Of([]byte("other"))}, {Number: 2, ETag: infos[1].ETag}}
	if _, err := l.CompleteMultipartUpload(ctx, "bkt", "mp", id, bad, CompleteOptions{}); !errors.Is(err, s3err.ErrInvalidPart) {
		t.Fatalf("a wrong part checksum: %v, want InvalidPart", err)
	}
	good := []CompletePart{
		{Number: 1, ETag: infos[0].ETag, Checksum: infos[0].DefaultChecksum},
		{Number: 2, ETag: infos[1].ETag, Checksum: infos[1].Checksum},
	}
	info, err := l.CompleteMultipartUpload(ctx, "bkt", "mp", id, good, CompleteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantDefaultChecksum(t, "complete", info, bytes.Join(parts, nil))
}

// Encrypted uploads combine the parts' checksums of the plaintext.
func TestEncryptedMultipartGetsDefaultOfPlaintext(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	parts := [][]byte{markedPayload(70000), markedPayload(500)}
	for name, e := range encryptions(t, l) {
		id, infos := uploadDefaultParts(t, l, name, parts, []checksum.Algorithm{"", ""}, e.enc, e.key)
		list := []CompletePart{{Number: 1, ETag: infos[0].ETag}, {Number: 2, ETag: infos[1].ETag}}
		info, err := l.CompleteMultipartUpload(ctx, "bkt", name, id, list, CompleteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		wantDefaultChecksum(t, name, info, bytes.Join(parts, nil))
	}
}

// A part stored before kura computed the default has none: the object
// is then completed without a checksum, as before.
func TestMultipartWithOldPartHasNoChecksum(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	id, infos := uploadDefaultParts(t, l, "mp", [][]byte{payload(10), payload(20)}, []checksum.Algorithm{"", checksum.CRC32}, Encryption{}, nil)
	err := l.meta.Update(ctx, nil, func(tx meta.Txn) error {
		p := infos[1]
		p.DefaultChecksum = ""
		val, err := json.Marshal(p)
		if err != nil {
			return err
		}
		return tx.Set(partKey(id, 2), val)
	})
	if err != nil {
		t.Fatal(err)
	}
	list := []CompletePart{{Number: 1, ETag: infos[0].ETag}, {Number: 2, ETag: infos[1].ETag}}
	info, err := l.CompleteMultipartUpload(ctx, "bkt", "mp", id, list, CompleteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Checksums) != 0 || info.ChecksumType != "" {
		t.Fatalf("checksums %v %q, want none", info.Checksums, info.ChecksumType)
	}
	_, obj, err := get(t, l, "bkt", "mp", GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range obj.Parts {
		if p.Checksum != "" {
			t.Errorf("part %d keeps checksum %q", i+1, p.Checksum)
		}
	}
}

// UploadPartCopy into an upload without an algorithm gives the part its
// default checksum too, so the object gets one.
func TestUploadPartCopyDefaultChecksum(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	src := payload(4000)
	put(t, l, "bkt", "src", src)
	id, err := l.CreateMultipartUpload(ctx, "bkt", "mp", UploadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := l.UploadPartCopy(ctx, CopySource{Bucket: "bkt", Key: "src"}, &Range{Start: 100, End: 1099}, "bkt", "mp", id, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.DefaultChecksum != crc64Of(src[100:1100]) {
		t.Fatalf("copied part: %+v", p)
	}
	info, err := l.CompleteMultipartUpload(ctx, "bkt", "mp", id, []CompletePart{{Number: 1, ETag: p.ETag}}, CompleteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantDefaultChecksum(t, "complete", info, src[100:1100])
}

// An upload created with an algorithm keeps it: parts carry no default.
func TestMultipartWithAlgorithmHasNoDefault(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	id, err := l.CreateMultipartUpload(ctx, "bkt", "mp", UploadOptions{ChecksumAlgorithm: checksum.CRC32})
	if err != nil {
		t.Fatal(err)
	}
	p, err := l.UploadPart(ctx, "bkt", "mp", id, 1, io.LimitReader(bytes.NewReader(payload(50)), 50), PartOptions{Size: 50})
	if err != nil {
		t.Fatal(err)
	}
	if p.DefaultChecksum != "" || p.ChecksumAlgorithm != checksum.CRC32 {
		t.Fatalf("part %+v", p)
	}
}

// Objects of a batch (a Snowball archive) without checksums get the
// default one, inline or not.
func TestBatchDefaultChecksum(t *testing.T) {
	ctx := context.Background()
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	b, err := l.NewBatch(ctx, "bkt")
	if err != nil {
		t.Fatal(err)
	}
	sizes := []int{10, 5000}
	for i, n := range sizes {
		if err := b.Add(BatchEntry{Key: string(rune('a' + i)), Body: bytes.NewReader(payload(n)), Opts: PutOptions{Size: int64(n)}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	for i, n := range sizes {
		_, obj, err := get(t, l, "bkt", string(rune('a'+i)), GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		wantDefaultChecksum(t, "batch entry", obj.Info, payload(n))
	}
}
