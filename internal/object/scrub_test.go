package object

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/kurastore/kura/internal/blob"
	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/s3err"
)

// blobFile finds the file of a blob in the dirstore directory.
func blobFile(t *testing.T, l testLayer, id string) string {
	t.Helper()
	var found string
	filepath.WalkDir(l.blobDir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Base(p) == id {
			found = p
		}
		return nil
	})
	if found == "" {
		t.Fatalf("no file for blob %s", id)
	}
	return found
}

func flipByte(t *testing.T, path string, off int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b [1]byte
	f.ReadAt(b[:], off)
	b[0] ^= 0x10
	f.WriteAt(b[:], off)
}

func scrubAll(t *testing.T, l testLayer) ([]string, ScrubStats) {
	t.Helper()
	var names []string
	st, err := l.Scrub(context.Background(), func(d Damage) { names = append(names, d.Bucket+"/"+d.Key) })
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	return names, st
}

// TestBitrotIsAlwaysDetected damages every kind of stored data — inline
// values, single blobs, multipart parts, encrypted or not, latest and
// noncurrent versions, unfinished upload parts — and checks that every
// read fails without returning altered bytes, and that Scrub names each
// damaged object and no sound one.
func TestBitrotIsAlwaysDetected(t *testing.T) {
	ctx := context.Background()
	l := newTestLayer(t)
	l.opts.MinPartSize = 100 << 10
	mustCreateBucket(t, l, "bkt")
	mustCreateBucket(t, l, "ver")
	if err := l.SetBucketVersioning(ctx, "ver", VersioningConfig{Status: VersioningEnabled}); err != nil {
		t.Fatal(err)
	}
	sse := Encryption{Type: SSES3}
	objects := map[string]struct {
		size int
		enc  Encryption
	}{
		"bkt/inline": {500, Encryption{}}, "bkt/inline-sse": {500, sse},
		"bkt/blob": {300 << 10, Encryption{}}, "bkt/blob-sse": {300 << 10, sse},
		"bkt/sound": {300 << 10, Encryption{}}, "bkt/sound-inline": {10, Encryption{}},
	}
	for name, o := range objects {
		bucket, key, _ := bytes.Cut([]byte(name), []byte("/"))
		if _, err := l.PutObject(ctx, string(bucket), string(key), bytes.NewReader(payload(o.size)), PutOptions{Size: int64(o.size), Encryption: o.enc}); err != nil {
			t.Fatal(err)
		}
	}
	id, _ := l.CreateMultipartUpload(ctx, "bkt", "multipart", UploadOptions{})
	var parts []CompletePart
	for i := 1; i <= 2; i++ {
		p, err := l.UploadPart(ctx, "bkt", "multipart", id, i, bytes.NewReader(payload(100<<10)), PartOptions{Size: 100 << 10})
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, CompletePart{Number: i, ETag: p.ETag})
	}
	if _, err := l.CompleteMultipartUpload(ctx, "bkt", "multipart", id, parts, CompleteOptions{}); err != nil {
		t.Fatal(err)
	}
	// A noncurrent version, damaged, under a sound latest version.
	old := put(t, l, "ver", "k", payload(200<<10))
	put(t, l, "ver", "k", payload(200<<10))
	// An unfinished upload's part.
	open, _ := l.CreateMultipartUpload(ctx, "bkt", "pending", UploadOptions{})
	pendingPart, _ := l.UploadPart(ctx, "bkt", "pending", open, 1, bytes.NewReader(payload(100<<10)), PartOptions{Size: 100 << 10})

	if names, st := scrubAll(t, l); len(names) != 0 || st.Records != 10 || st.Orphans != 0 {
		t.Fatalf("clean store: damaged %v, stats %+v", names, st)
	}
	// A blob that nothing references, as a write cut short leaves.
	w, _ := l.blobs.Create(ctx, blob.NewID())
	w.Write([]byte("orphan"))
	w.Commit()
	if _, st := scrubAll(t, l); st.Orphans != 1 {
		t.Fatalf("orphan blob not counted: %+v", st)
	}
	l.blobs.Delete(ctx, w.ID())

	records := map[string]record{}
	l.meta.View(ctx, func(r meta.Reader) error {
		for name := range objects {
			bucket, key, _ := bytes.Cut([]byte(name), []byte("/"))
			records[name], _, _ = getRecord(r, string(bucket), string(key))
		}
		records["bkt/multipart"], _, _ = getRecord(r, "bkt", "multipart")
		e, _, _ := findVersion(r, BucketInfo{Name: "ver", Versioning: VersioningEnabled}, "k", old.VersionID)
		records["ver/k@old"] = e.rec
		return nil
	})
	damage := func(name string) {
		rec := records[name]
		switch {
		case rec.Inline:
			l.meta.Update(ctx, nil, func(tx meta.Txn) error {
				v, _ := tx.Get(inlineKey(rec.UID))
				v[len(v)/2] ^= 0x01
				return tx.Set(inlineKey(rec.UID), v)
			})
		case len(rec.Parts) > 0:
			flipByte(t, blobFile(t, l, rec.Parts[1].BlobID), 4000)
		default:
			flipByte(t, blobFile(t, l, rec.BlobID), 70000)
		}
	}
	for _, n := range []string{"bkt/inline", "bkt/inline-sse", "bkt/blob", "bkt/blob-sse", "bkt/multipart", "ver/k@old"} {
		damage(n)
	}
	flipByte(t, blobFile(t, l, pendingPart.BlobID), 100)

	reads := map[string]GetOptions{
		"bkt/inline": {}, "bkt/inline-sse": {}, "bkt/blob": {}, "bkt/blob-sse": {}, "bkt/multipart": {},
		"ver/k@old": {VersionID: old.VersionID},
	}
	for name, opts := range reads {
		bucket, key, _ := bytes.Cut([]byte(name), []byte("/"))
		key, _, _ = bytes.Cut(key, []byte("@"))
		got, _, err := get(t, l, string(bucket), string(key), opts)
		if err == nil {
			t.Errorf("%s: damaged object read back (%d bytes)", name, len(got))
			continue
		}
		var s3e *s3err.Error
		if !errors.As(err, &s3e) && !errors.Is(err, blob.ErrCorrupt) {
			t.Errorf("%s: error %v is neither an S3 error nor ErrCorrupt", name, err)
		}
	}
	for _, sound := range []string{"sound", "sound-inline"} {
		if _, _, err := get(t, l, "bkt", sound, GetOptions{}); err != nil {
			t.Errorf("sound object %s: %v", sound, err)
		}
	}
	names, st := scrubAll(t, l)
	want := []string{"/part 1", "bkt/blob", "bkt/blob-sse", "bkt/inline", "bkt/inline-sse", "bkt/multipart", "ver/k"}
	if len(names) != len(want) || st.Damaged != int64(len(want)) {
		t.Fatalf("scrub found %v (%+v), want %v", names, st, want)
	}
	for i := range want {
		if names[i] != want[i] {
			t.Fatalf("scrub found %v, want %v", names, want)
		}
	}
	// A missing blob is damage too.
	os.Remove(blobFile(t, l, records["bkt/sound"].BlobID))
	if names, _ := scrubAll(t, l); len(names) != len(want)+1 {
		t.Fatalf("missing blob not reported: %v", names)
	}
}
