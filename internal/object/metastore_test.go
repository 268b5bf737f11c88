package object

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/meta/faultmeta"
	"github.com/kurastore/kura/internal/meta/pebblestore"
)

// The object layer's tests get their metadata store from openTestMeta (or
// pass a shared one through wrapTestMeta), so the whole suite can run
// with every transaction's closure run twice, as pgstore does when the
// database aborts a transaction for a serialization failure:
//
//	KURA_META_RERUN=1 go test ./internal/object
//
// KURA_META_RERUN is the share of View and Update closures run twice (1:
// all of them; 0.3: a random 30%), KURA_META_SEED seeds the random choice
// (the seed used is logged, so a failure can be repeated). A closure that
// is not safe to run again fails the suite. CI runs it with 1.
const (
	rerunEnv = "KURA_META_RERUN"
	seedEnv  = "KURA_META_SEED"
)

// openTestMeta opens an in-memory Pebble store for one test, closed when
// the test ends.
func openTestMeta(t testing.TB) meta.Store {
	t.Helper()
	m, err := pebblestore.Open("meta", &pebblestore.Options{FS: vfs.NewMem()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return wrapTestMeta(t, m)
}

// wrapTestMeta wraps m in faultmeta when KURA_META_RERUN asks for it.
func wrapTestMeta(t testing.TB, m meta.Store) meta.Store {
	t.Helper()
	v := os.Getenv(rerunEnv)
	if v == "" {
		return m
	}
	share, err := strconv.ParseFloat(v, 64)
	if err != nil {
		t.Fatalf("%s=%q: %v", rerunEnv, v, err)
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv(seedEnv); s != "" {
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("%s=%q: %v", seedEnv, s, err)
		}
	}
	if share < 1 {
		t.Logf("metadata closures rerun at random: %s=%s %s=%d", rerunEnv, v, seedEnv, seed)
	}
	return faultmeta.New(m, faultmeta.Options{Rerun: share, Seed: seed})
}

// A CompleteMultipartUpload whose transaction runs twice completes the
// object once: one manifest entry per part, not a doubled list (or an
// index out of range).
func TestCompleteMultipartUploadRerun(t *testing.T) {
	t.Setenv(rerunEnv, "1")
	l := newTestLayer(t)
	l.opts.MinPartSize = 1
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	id, err := l.CreateMultipartUpload(ctx, "bkt", "k", UploadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var list []CompletePart
	for n := 1; n <= 2; n++ {
		p, err := l.UploadPart(ctx, "bkt", "k", id, n, bytes.NewReader(payload(2000)), PartOptions{Size: 2000})
		if err != nil {
			t.Fatal(err)
		}
		list = append(list, CompletePart{Number: n, ETag: p.ETag})
	}
	info, err := l.CompleteMultipartUpload(ctx, "bkt", "k", id, list, CompleteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rec, _, err := l.lookup(ctx, "bkt", "k", "", false)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Parts) != 2 || info.Size != 4000 || info.PartsCount != 2 {
		t.Fatalf("manifest of %d parts, size %d, parts count %d; want 2, 4000, 2", len(rec.Parts), info.Size, info.PartsCount)
	}
	if data, _, err := get(t, l, "bkt", "k", GetOptions{}); err != nil || len(data) != 4000 {
		t.Fatalf("GET: %d bytes, %v", len(data), err)
	}
}

// Listings and scans through a store that reruns every closure list each
// entry once.
func TestListingsRerun(t *testing.T) {
	t.Setenv(rerunEnv, "1")
	l := newTestLayer(t)
	ctx := context.Background()
	mustCreateBucket(t, l, "bka")
	mustCreateBucket(t, l, "bkb")
	put(t, l, "bka", "x", []byte("1"))
	put(t, l, "bka", "y", []byte("2"))
	if bs, err := l.ListBuckets(ctx); err != nil || len(bs) != 2 {
		t.Errorf("ListBuckets: %d buckets, %v; want 2", len(bs), err)
	}
	if res, err := l.ListObjects(ctx, "bka", ListOptions{MaxKeys: 1000}); err != nil || len(res.Objects) != 2 {
		t.Errorf("ListObjects: %d objects, %v; want 2", len(res.Objects), err)
	}
	if err := l.SetBucketVersioning(ctx, "bka", VersioningConfig{Status: VersioningEnabled}); err != nil {
		t.Fatal(err)
	}
	if res, err := l.ListObjectVersions(ctx, "bka", VersionListOptions{}); err != nil || len(res.Versions) != 2 {
		t.Errorf("ListObjectVersions: %d versions, %v; want 2", len(res.Versions), err)
	}
	for range 2 {
		if _, err := l.CreateMultipartUpload(ctx, "bka", "u", UploadOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if res, err := l.ListMultipartUploads(ctx, "bka", ListUploadsOptions{}); err != nil || len(res.Uploads) != 2 {
		t.Errorf("ListMultipartUploads: %d uploads, %v; want 2", len(res.Uploads), err)
	}
	st, err := l.Scrub(ctx, func(d Damage) { t.Errorf("damage: %+v", d) })
	if err != nil || st.Orphans != 0 {
		t.Errorf("Scrub: %+v, %v", st, err)
	}
}
