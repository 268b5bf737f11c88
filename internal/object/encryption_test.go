package object

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/s3err"
)

// marker is written into every encrypted object; it must never be found
// in a stored file.
var marker = []byte("KURA-PLAINTEXT-MARKER-7d1f")

func markedPayload(n int) []byte {
	b := payload(n)
	for i := 0; i+len(marker) <= n; i += 4096 {
		copy(b[i:], marker)
	}
	return b
}

func sseKey(seed byte) []byte { return bytes.Repeat([]byte{seed}, CustomerKeySize) }

// encryptions are the ways a test object is encrypted, with the key a
// read needs.
func encryptions(t *testing.T, l testLayer) map[string]struct {
	enc Encryption
	key []byte
} {
	t.Helper()
	if err := l.kms.CreateKey(context.Background(), "app-key"); err != nil {
		t.Fatal(err)
	}
	return map[string]struct {
		enc Encryption
		key []byte
	}{
		"sse-c":           {Encryption{Type: SSEC, CustomerKey: sseKey(1)}, sseKey(1)},
		"sse-s3":          {Encryption{Type: SSES3}, nil},
		"sse-kms-default": {Encryption{Type: SSEKMS}, nil},
		"sse-kms-named":   {Encryption{Type: SSEKMS, KMSKeyID: "app-key", Context: `{"project":"x"}`}, nil},
	}
}

func readAll(t *testing.T, l testLayer, bucket, key string, opts GetOptions) ([]byte, error) {
	t.Helper()
	data, _, err := get(t, l, bucket, key, opts)
	return data, err
}

func TestEncryptedRoundTrips(t *testing.T) {
	ctx := context.Background()
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	// Inline (≤ 1024 in tests), one package, several packages.
	sizes := []int{0, 1, 1024, 1025, 64 << 10, 200<<10 + 3}
	for name, e := range encryptions(t, l) {
		for _, n := range sizes {
			plain := markedPayload(n)
			key := name + "/" + hex.EncodeToString([]byte{byte(n), byte(n >> 8), byte(n >> 16)})
			info, err := l.PutObject(ctx, "bkt", key, bytes.NewReader(plain), PutOptions{Size: int64(n), Encryption: e.enc})
			if err != nil {
				t.Fatalf("%s: put %d: %v", name, n, err)
			}
			sum := md5.Sum(plain)
			if info.ETag != hex.EncodeToString(sum[:]) || info.SSE.Type != e.enc.Type {
				t.Fatalf("%s: put %d: etag %s sse %+v", name, n, info.ETag, info.SSE)
			}
			got, err := readAll(t, l, "bkt", key, GetOptions{CustomerKey: e.key})
			if err != nil || !bytes.Equal(got, plain) {
				t.Fatalf("%s: get %d: %d bytes, %v", name, n, len(got), err)
			}
			if n == 0 {
				continue
			}
			for _, r := range []Range{{Start: 0, End: 0}, {Start: int64(n - 1), End: -1}, {Start: int64(n / 3), End: int64(n/3 + n/2)}, {Suffix: true, Length: 70000}} {
				got, obj, err := get(t, l, "bkt", key, GetOptions{Range: &r, CustomerKey: e.key})
				if err != nil || !bytes.Equal(got, plain[obj.Offset:obj.Offset+obj.Length]) {
					t.Fatalf("%s: size %d range %+v: %v", name, n, r, err)
				}
			}
		}
	}
	if where := storedCopies(t, l, marker); len(where) > 0 {
		t.Errorf("plaintext marker stored in %v", where)
	}
}

// storedCopies lists the blob files and metadata values that contain b.
func storedCopies(t *testing.T, l testLayer, b []byte) []string {
	t.Helper()
	var where []string
	filepath.WalkDir(l.blobDir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if data, _ := os.ReadFile(path); bytes.Contains(data, b) {
				where = append(where, path)
			}
		}
		return nil
	})
	var inMeta []string
	l.meta.View(context.Background(), func(r meta.Reader) error {
		inMeta = nil // the closure may run more than once
		it, _ := r.NewIter(nil, nil)
		defer it.Close()
		for ok := it.First(); ok; ok = it.Next() {
			if v, _ := it.Value(); bytes.Contains(v, b) {
				inMeta = append(inMeta, "meta:"+string(it.Key()))
			}
		}
		return nil
	})
	return append(where, inMeta...)
}

func TestStoredCopiesFindsPlaintext(t *testing.T) {
	// The control for the scans above: unencrypted data is found.
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	put(t, l, "bkt", "inline", markedPayload(100))
	put(t, l, "bkt", "blob", markedPayload(5000))
	if where := storedCopies(t, l, marker); len(where) != 2 {
		t.Fatalf("scan found the marker in %v, want one blob and one inline value", where)
	}
}

func TestCustomerKeyChecks(t *testing.T) {
	ctx := context.Background()
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	for _, n := range []int{10, 5000} {
		plain := payload(n)
		if _, err := l.PutObject(ctx, "bkt", "c", bytes.NewReader(plain), PutOptions{Size: int64(n), Encryption: Encryption{Type: SSEC, CustomerKey: sseKey(1)}}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			key  []byte
			want error
		}{{nil, s3err.ErrSSECKeyRequired}, {sseKey(2), s3err.ErrSSECKeyMismatch}} {
			if _, err := readAll(t, l, "bkt", "c", GetOptions{CustomerKey: c.key}); !errors.Is(err, c.want) {
				t.Errorf("size %d GET with key %x: %v, want %v", n, c.key, err, c.want)
			}
			if _, err := l.HeadObject(ctx, "bkt", "c", GetOptions{CustomerKey: c.key}); !errors.Is(err, c.want) {
				t.Errorf("size %d HEAD with key %x: %v, want %v", n, c.key, err, c.want)
			}
		}
		if obj, err := l.HeadObject(ctx, "bkt", "c", GetOptions{CustomerKey: sseKey(1)}); err != nil || obj.Info.SSE.Type != SSEC || obj.Info.Size != int64(n) {
			t.Fatalf("HEAD with the key: %v", err)
		}
	}
	put(t, l, "bkt", "plain", []byte("data"))
	if _, err := readAll(t, l, "bkt", "plain", GetOptions{CustomerKey: sseKey(1)}); !errors.Is(err, s3err.ErrSSENotApplicable) {
		t.Errorf("SSE-C key on a plain object: %v", err)
	}
	if _, err := l.PutObject(ctx, "bkt", "short", bytes.NewReader(nil), PutOptions{Encryption: Encryption{Type: SSEC, CustomerKey: sseKey(1)[:31]}}); !errors.Is(err, s3err.ErrSSECInvalidKey) {
		t.Errorf("31-byte key: %v", err)
	}
}

func TestUnknownKMSKeyStoresNothing(t *testing.T) {
	ctx := context.Background()
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	_, err := l.PutObject(ctx, "bkt", "k", bytes.NewReader(payload(5000)), PutOptions{Size: 5000, Encryption: Encryption{Type: SSEKMS, KMSKeyID: "no-such-key"}})
	if !errors.Is(err, s3err.ErrKMSNotFound) {
		t.Fatalf("unknown key: %v", err)
	}
	if _, err := l.HeadObject(ctx, "bkt", "k", GetOptions{}); !errors.Is(err, s3err.ErrNoSuchKey) {
		t.Fatalf("object stored: %v", err)
	}
	if n := countBlobs(t, l.blobs); n != 0 {
		t.Fatalf("%d blobs left", n)
	}
	if _, err := l.CreateMultipartUpload(ctx, "bkt", "k", UploadOptions{Encryption: Encryption{Type: SSEKMS, KMSKeyID: "nope"}}); !errors.Is(err, s3err.ErrKMSNotFound) {
		t.Fatalf("multipart with unknown key: %v", err)
	}
}

func TestEncryptedMultipart(t *testing.T) {
	ctx := context.Background()
	l := newTestLayer(t)
	l.opts.MinPartSize = 100 << 10
	mustCreateBucket(t, l, "bkt")
	for name, e := range encryptions(t, l) {
		id, err := l.CreateMultipartUpload(ctx, "bkt", name, UploadOptions{Encryption: e.enc})
		if err != nil {
			t.Fatal(err)
		}
		plain := markedPayload(250<<10 + 7)
		var list []CompletePart
		for i, off := 0, 0; off < len(plain); i++ {
			end := min(off+100<<10, len(plain))
			if e.key != nil {
				_, err := l.UploadPart(ctx, "bkt", name, id, i+1, bytes.NewReader(plain[off:end]), PartOptions{Size: int64(end - off)})
				if !errors.Is(err, s3err.ErrSSECKeyRequired) {
					t.Fatalf("%s: part without the key: %v", name, err)
				}
				_, err = l.UploadPart(ctx, "bkt", name, id, i+1, bytes.NewReader(plain[off:end]), PartOptions{Size: int64(end - off), CustomerKey: sseKey(9)})
				if !errors.Is(err, s3err.ErrSSECKeyMismatch) {
					t.Fatalf("%s: part with another key: %v", name, err)
				}
			}
			p, err := l.UploadPart(ctx, "bkt", name, id, i+1, bytes.NewReader(plain[off:end]), PartOptions{Size: int64(end - off), CustomerKey: e.key})
			if err != nil {
				t.Fatalf("%s: part %d: %v", name, i+1, err)
			}
			list = append(list, CompletePart{Number: p.Number, ETag: p.ETag})
			off = end
		}
		info, err := l.CompleteMultipartUpload(ctx, "bkt", name, id, list, CompleteOptions{})
		if err != nil || info.SSE.Type != e.enc.Type {
			t.Fatalf("%s: complete: %v %+v", name, err, info.SSE)
		}
		got, err := readAll(t, l, "bkt", name, GetOptions{CustomerKey: e.key})
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("%s: get: %v", name, err)
		}
		r := Range{Start: 100<<10 - 5, End: 200<<10 + 5} // across both part boundaries
		got, _, err = get(t, l, "bkt", name, GetOptions{Range: &r, CustomerKey: e.key})
		if err != nil || !bytes.Equal(got, plain[r.Start:r.End+1]) {
			t.Fatalf("%s: range across parts: %v", name, err)
		}
		got, _, err = get(t, l, "bkt", name, GetOptions{PartNumber: 2, CustomerKey: e.key})
		if err != nil || !bytes.Equal(got, plain[100<<10:200<<10]) {
			t.Fatalf("%s: part 2: %v", name, err)
		}
	}
}

func TestEncryptedCopies(t *testing.T) {
	ctx := context.Background()
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	encs := encryptions(t, l)
	encs["plain"] = struct {
		enc Encryption
		key []byte
	}{}
	for srcName, src := range encs {
		for _, n := range []int{100, 70000} {
			plain := markedPayload(n)
			if _, err := l.PutObject(ctx, "bkt", "src", bytes.NewReader(plain), PutOptions{Size: int64(n), Encryption: src.enc, Attrs: Attrs{ContentType: "text/x"}}); err != nil {
				t.Fatal(err)
			}
			for dstName, dst := range encs {
				if srcName == "plain" && dstName == "plain" {
					continue
				}
				cs := CopySource{Bucket: "bkt", Key: "src", CustomerKey: src.key}
				info, err := l.CopyObject(ctx, cs, "bkt", "dst", CopyOptions{Encryption: dst.enc})
				if err != nil || info.SSE.Type != dst.enc.Type {
					t.Fatalf("copy %s -> %s: %v, %+v", srcName, dstName, err, info.SSE)
				}
				got, obj, err := get(t, l, "bkt", "dst", GetOptions{CustomerKey: dst.key})
				if err != nil || !bytes.Equal(got, plain) || obj.Info.ContentType != "text/x" {
					t.Fatalf("copy %s -> %s: read %v", srcName, dstName, err)
				}
				if src.key != nil {
					if _, err := l.CopyObject(ctx, CopySource{Bucket: "bkt", Key: "src"}, "bkt", "dst", CopyOptions{Encryption: dst.enc}); !errors.Is(err, s3err.ErrSSECKeyRequired) {
						t.Fatalf("copy of an SSE-C source without its key: %v", err)
					}
				}
			}
		}
	}
	// Changing only the encryption is a legal copy onto itself.
	put(t, l, "bkt", "self", []byte("rotate me"))
	if _, err := l.CopyObject(ctx, CopySource{Bucket: "bkt", Key: "self"}, "bkt", "self", CopyOptions{Encryption: Encryption{Type: SSES3}}); err != nil {
		t.Fatal(err)
	}
	if got, _ := readAll(t, l, "bkt", "self", GetOptions{}); string(got) != "rotate me" {
		t.Fatalf("self copy: %q", got)
	}
	// An upload part copied from an SSE-C source into an SSE-KMS upload.
	l.PutObject(ctx, "bkt", "csrc", bytes.NewReader(payload(3000)), PutOptions{Size: 3000, Encryption: Encryption{Type: SSEC, CustomerKey: sseKey(3)}})
	id, _ := l.CreateMultipartUpload(ctx, "bkt", "composed", UploadOptions{Encryption: Encryption{Type: SSEKMS}})
	p, err := l.UploadPartCopy(ctx, CopySource{Bucket: "bkt", Key: "csrc", CustomerKey: sseKey(3)}, &Range{Start: 10, End: 19}, "bkt", "composed", id, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.CompleteMultipartUpload(ctx, "bkt", "composed", id, []CompletePart{{Number: 1, ETag: p.ETag}}, CompleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := readAll(t, l, "bkt", "composed", GetOptions{}); !bytes.Equal(got, payload(3000)[10:20]) {
		t.Fatalf("part copy: %q", got)
	}
}

func TestTamperedEncryptedDataIsNeverReturned(t *testing.T) {
	ctx := context.Background()
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	enc := Encryption{Type: SSES3}
	l.PutObject(ctx, "bkt", "inline", bytes.NewReader(payload(500)), PutOptions{Size: 500, Encryption: enc})
	l.PutObject(ctx, "bkt", "other", bytes.NewReader(payload(500)), PutOptions{Size: 500, Encryption: enc})

	// Flip one bit of the sealed inline value. Bitrot fails the checksum;
	// a tamperer who also rewrites the checksum fails authentication.
	flip := func(fixSum bool) {
		l.meta.Update(ctx, nil, func(tx meta.Txn) error {
			rec, _, _ := getRecord(tx, "bkt", "inline")
			v, _ := tx.Get(inlineKey(rec.UID))
			v[100] ^= 0x04
			if fixSum {
				rec.setInline(v)
				tx.Set(objectKey("bkt", "inline"), rec.encode())
			}
			return tx.Set(inlineKey(rec.UID), v)
		})
	}
	flip(false)
	if got, err := readAll(t, l, "bkt", "inline", GetOptions{}); !errors.Is(err, s3err.ErrDataCorrupt) {
		t.Fatalf("bitrot in an inline value: %v (%d bytes)", err, len(got))
	}
	flip(false) // back as it was
	flip(true)
	if got, err := readAll(t, l, "bkt", "inline", GetOptions{}); !errors.Is(err, s3err.ErrObjectDataUnreadable) {
		t.Fatalf("tampered inline value with its checksum redone: %v (%d bytes)", err, len(got))
	}
	// Swap in another object's sealed key: it is bound to its own name.
	l.meta.Update(ctx, nil, func(tx meta.Txn) error {
		other, _, _ := getRecord(tx, "bkt", "other")
		mine, _, _ := getRecord(tx, "bkt", "inline")
		mine.Info.SSE = other.Info.SSE
		return tx.Set(objectKey("bkt", "inline"), mine.encode())
	})
	if _, err := readAll(t, l, "bkt", "inline", GetOptions{}); !errors.Is(err, s3err.ErrObjectDataUnreadable) {
		t.Fatalf("swapped sealed key: %v", err)
	}
}

func TestEncryptedBatch(t *testing.T) {
	ctx := context.Background()
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	b, _ := l.NewBatch(ctx, "bkt")
	for i, n := range []int{10, 5000} {
		if err := b.Add(BatchEntry{Key: string(rune('a' + i)), Body: bytes.NewReader(markedPayload(n)), Opts: PutOptions{Size: int64(n), Encryption: Encryption{Type: SSES3}}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	for i, n := range []int{10, 5000} {
		data, obj, err := get(t, l, "bkt", string(rune('a'+i)), GetOptions{})
		if err != nil || !bytes.Equal(data, markedPayload(n)) || obj.Info.SSE.Type != SSES3 {
			t.Fatalf("entry %d: %v", i, err)
		}
	}
}
