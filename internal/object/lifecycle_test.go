package object

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kurastore/kura/internal/meta"
)

// eventLog records the names of the events a layer raises.
type eventLog struct {
	mu    sync.Mutex
	names []string
}

func (e *eventLog) RecordEvent(_ context.Context, _ meta.Txn, ev Event, _ []byte) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.names = append(e.names, ev.Name)
	return nil
}

func (e *eventLog) last() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.names) == 0 {
		return ""
	}
	return e.names[len(e.names)-1]
}

func scanAll(t *testing.T, l testLayer, bucket string, limit int) [][]KeyVersions {
	t.Helper()
	var pages [][]KeyVersions
	opts := ScanOptions{Limit: limit, WithTags: true}
	for {
		page, err := l.ScanVersions(context.Background(), bucket, opts)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, page.Keys)
		if page.Done {
			return pages
		}
		opts.After = page.Next
	}
}

func pageKeys(pages [][]KeyVersions) [][]string {
	var out [][]string
	for _, p := range pages {
		var keys []string
		for _, k := range p {
			keys = append(keys, k.Key)
		}
		out = append(out, keys)
	}
	return out
}

// TestScanVersionsUnversioned: pages of Limit keys in key order, each
// key's one record as its null version, and resumption after a key that
// is a prefix of the next ones.
func TestScanVersionsUnversioned(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "scan")
	for _, k := range []string{"a", "a/b", "ab", "b", "c"} {
		put(t, l, "scan", k, []byte(k))
	}
	got := pageKeys(scanAll(t, l, "scan", 2))
	want := [][]string{{"a", "a/b"}, {"ab", "b"}, {"c"}}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("pages %q, want %q", got, want)
	}
	v := scanAll(t, l, "scan", 10)[0][0].Versions
	if len(v) != 1 || v[0].VersionID != NullVersion || !v[0].IsLatest || v[0].UID == "" || v[0].Size != 1 {
		t.Fatalf("version %+v", v)
	}
	// Exactly Limit keys: one page, which knows it is the last.
	if got := pageKeys(scanAll(t, l, "scan", 5)); len(got) != 1 || len(got[0]) != 5 {
		t.Fatalf("limit = key count: pages %q", got)
	}
	if got := pageKeys(scanAll(t, l, "scan", 4)); len(got) != 2 || len(got[1]) != 1 {
		t.Fatalf("limit = key count - 1: pages %q", got)
	}
}

// TestScanVersionsVersioned: a key's versions stay together, newest
// first, the newest marked latest; a page ends at the key that reaches
// the limit; After skips every version of that key but not keys it
// prefixes.
func TestScanVersionsVersioned(t *testing.T) {
	ctx := context.Background()
	l := newTestLayer(t)
	mustCreateBucket(t, l, "vers")
	if err := l.SetBucketVersioning(ctx, "vers", VersioningConfig{Status: VersioningEnabled}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"a", "a", "a", "a/b", "ab", "ab"} {
		put(t, l, "vers", k, []byte(k))
		l.clock.Advance(time.Second)
	}
	if _, err := l.DeleteObject(ctx, "vers", "a/b", DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	pages := scanAll(t, l, "vers", 2)
	if got, want := pageKeys(pages), [][]string{{"a"}, {"a/b"}, {"ab"}}; !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("pages %q, want %q", got, want)
	}
	a := pages[0][0].Versions
	if len(a) != 3 || !a[0].IsLatest || a[1].IsLatest || !a[0].LastModified.After(a[1].LastModified) {
		t.Fatalf("versions of a: %+v", a)
	}
	ab := pages[1][0].Versions
	if len(ab) != 2 || !ab[0].IsDeleteMarker || !ab[0].IsLatest {
		t.Fatalf("versions of a/b: %+v", ab)
	}
}

// TestExpireObject: an unversioned object is deleted, a versioned one
// gets a delete marker, each with its lifecycle event; a version replaced
// since the scan is left alone.
func TestExpireObject(t *testing.T) {
	ctx := context.Background()
	l := newTestLayer(t)
	events := &eventLog{}
	l.opts.Events = events
	mustCreateBucket(t, l, "plain")
	old := scanOne(t, l, "plain", put(t, l, "plain", "k", []byte("one")))
	put(t, l, "plain", "k", []byte("two"))
	if _, err := l.ExpireObject(ctx, "plain", "k", old.UID); !errors.Is(err, ErrVersionChanged) {
		t.Fatalf("expiring a replaced object: %v", err)
	}
	cur := scanOne(t, l, "plain", ObjectInfo{Key: "k"})
	if _, err := l.ExpireObject(ctx, "plain", "k", cur.UID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := get(t, l, "plain", "k", GetOptions{}); err == nil {
		t.Fatal("the expired object is still there")
	}
	if events.last() != EventLifecycleDelete {
		t.Fatalf("event %q", events.last())
	}
	if _, err := l.ExpireObject(ctx, "plain", "k", cur.UID); !errors.Is(err, ErrVersionChanged) {
		t.Fatalf("expiring a gone object: %v", err)
	}

	mustCreateBucket(t, l, "vers")
	if err := l.SetBucketVersioning(ctx, "vers", VersioningConfig{Status: VersioningEnabled}); err != nil {
		t.Fatal(err)
	}
	v := scanOne(t, l, "vers", put(t, l, "vers", "k", []byte("one")))
	res, err := l.ExpireObject(ctx, "vers", "k", v.UID)
	if err != nil || !res.DeleteMarker {
		t.Fatalf("expire in a versioned bucket: %+v %v", res, err)
	}
	if events.last() != EventLifecycleDeleteMarkerCreated {
		t.Fatalf("event %q", events.last())
	}
	// The current version is now the marker: nothing more to expire.
	marker := scanAll(t, l, "vers", 10)[0][0].Versions[0]
	if _, err := l.ExpireObject(ctx, "vers", "k", marker.UID); !errors.Is(err, ErrVersionChanged) {
		t.Fatalf("expiring a delete marker as an object: %v", err)
	}
}

// scanOne finds the scanned version of info's key with info's version id
// (the newest when it has none).
func scanOne(t *testing.T, l testLayer, bucket string, info ObjectInfo) ScannedVersion {
	t.Helper()
	for _, page := range scanAll(t, l, bucket, 1000) {
		for _, k := range page {
			if k.Key != info.Key {
				continue
			}
			for _, v := range k.Versions {
				if info.VersionID == "" || v.VersionID == info.VersionID {
					return v
				}
			}
		}
	}
	t.Fatalf("no version %s of %s", info.VersionID, info.Key)
	return ScannedVersion{}
}

// TestExpireVersion: a noncurrent version goes for good unless object
// lock protects it (either retention mode, or a legal hold); a delete
// marker goes only while it is its key's only version.
func TestExpireVersion(t *testing.T) {
	ctx := context.Background()
	l := lockedLayer(t)
	events := &eventLog{}
	l.opts.Events = events
	until := l.clock.Now().Add(time.Hour)
	for _, tc := range []struct {
		name string
		r    Retention
		hold bool
	}{
		{"governance", Retention{Mode: LockGovernance, RetainUntil: until}, false},
		{"compliance", Retention{Mode: LockCompliance, RetainUntil: until}, false},
		{"legal hold", Retention{}, true},
	} {
		info := putLocked(t, l, tc.name, tc.r, tc.hold)
		v := scanOne(t, l, "lck", info)
		if _, err := l.ExpireVersion(ctx, "lck", tc.name, v.VersionID, v.UID, false); !errors.Is(err, ErrLocked) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	// Retention that ran out no longer protects.
	l.clock.Advance(time.Hour + time.Nanosecond)
	v := scanOne(t, l, "lck", ObjectInfo{Key: "governance"})
	if _, err := l.ExpireVersion(ctx, "lck", "governance", v.VersionID, v.UID, false); err != nil {
		t.Fatalf("after retention: %v", err)
	}
	if events.last() != EventLifecycleDelete {
		t.Fatalf("event %q", events.last())
	}
	// A delete marker over a version is not alone; once the version goes,
	// it is.
	info := put(t, l, "lck", "dm", []byte("x"))
	if _, err := l.DeleteObject(ctx, "lck", "dm", DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	marker := scanAll(t, l, "lck", 1000)[0][0]
	for _, k := range scanAll(t, l, "lck", 1000)[0] {
		if k.Key == "dm" {
			marker = k
		}
	}
	m := marker.Versions[0]
	if !m.IsDeleteMarker {
		t.Fatalf("not a marker: %+v", m)
	}
	if _, err := l.ExpireVersion(ctx, "lck", "dm", m.VersionID, m.UID, true); !errors.Is(err, ErrVersionChanged) {
		t.Fatalf("a marker with a version under it: %v", err)
	}
	obj := scanOne(t, l, "lck", info)
	if _, err := l.ExpireVersion(ctx, "lck", "dm", obj.VersionID, obj.UID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := l.ExpireVersion(ctx, "lck", "dm", m.VersionID, m.UID, true); err != nil {
		t.Fatalf("a lone marker: %v", err)
	}
	for _, k := range scanAll(t, l, "lck", 1000)[0] {
		if k.Key == "dm" {
			t.Fatalf("dm still has versions: %+v", k.Versions)
		}
	}
}
