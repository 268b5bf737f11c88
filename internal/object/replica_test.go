package object

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kurastore/kura/s3err"
)

// sourceVersion is a version as a replicating source names it.
type sourceVersion struct {
	id   string
	at   time.Time
	data []byte
	// marker makes it a delete marker.
	marker bool
}

func newSourceVersion(at time.Time, data []byte) sourceVersion {
	return sourceVersion{id: newVersionID(at), at: at, data: data}
}

func (v sourceVersion) replica() *Replica { return &Replica{VersionID: v.id, ModTime: v.at} }

// arrive stores v in bucket/key as replication does.
func arrive(t *testing.T, l testLayer, bucket, key string, v sourceVersion) {
	t.Helper()
	ctx := context.Background()
	if v.marker {
		res, err := l.DeleteObject(ctx, bucket, key, DeleteOptions{Replica: v.replica(), DeleteMarker: true})
		if err != nil || res.VersionID != v.id || !res.DeleteMarker {
			t.Fatalf("replica delete marker %s: %+v %v", v.id, res, err)
		}
		return
	}
	info, err := l.PutObject(ctx, bucket, key, bytes.NewReader(v.data), PutOptions{Size: int64(len(v.data)), Replica: v.replica()})
	if err != nil {
		t.Fatalf("replica %s: %v", v.id, err)
	}
	if info.VersionID != v.id || !info.LastModified.Equal(v.at) || !info.Replica || info.ReplicationState() != ReplicationReplica {
		t.Fatalf("replica %s stored as %+v", v.id, info)
	}
}

// versionIDs lists the versions of bucket/key, newest first, with the
// latest one's id (or "" when the key reads as missing).
func versionIDs(t *testing.T, l testLayer, bucket, key string) ([]string, string) {
	t.Helper()
	ctx := context.Background()
	res, err := l.ListObjectVersions(ctx, bucket, VersionListOptions{Prefix: key, MaxKeys: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, v := range res.Versions {
		if v.Key == key {
			ids = append(ids, v.VersionID)
		}
	}
	obj, err := l.HeadObject(ctx, bucket, key, GetOptions{})
	if errors.Is(err, s3err.ErrNoSuchKey) {
		return ids, ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return ids, obj.Info.VersionID
}

// A replica keeps its source's version id and time, is marked REPLICA,
// and never goes to the Replicator, not even in a bucket that replicates.
func TestReplicaPut(t *testing.T) {
	ctx := context.Background()
	l, f := replicatedLayer(t, nil, false)
	v := newSourceVersion(l.clock.Now().Add(-time.Hour), []byte("hello"))
	arrive(t, l, "src", "k", v)
	got, obj, err := get(t, l, "src", "k", GetOptions{})
	if err != nil || string(got) != "hello" || obj.Info.VersionID != v.id || !obj.Info.LastModified.Equal(v.at) || !obj.Info.Replica {
		t.Fatalf("GET of the replica: %q %+v %v", got, obj, err)
	}
	if obj, err := l.HeadObject(ctx, "src", "k", GetOptions{VersionID: v.id}); err != nil || !obj.Info.Replica || len(obj.Info.Replication) != 0 {
		t.Fatalf("the replica's V-key: %+v %v", obj, err)
	}
	if f.calls != 0 {
		t.Fatalf("a replica write called the Replicator %d times", f.calls)
	}
	// A write of the key afterwards is the bucket's own, replicated.
	own := put(t, l, "src", "k", []byte("own"))
	if own.Replica || own.ReplicationState() != ReplicationPending || f.calls == 0 {
		t.Fatalf("the bucket's own write after a replica: %+v, %d calls", own, f.calls)
	}
}

// Replicas of a key's versions end the same whatever order they arrive
// in: same versions, same order, same latest.
func TestReplicasConvergeOutOfOrder(t *testing.T) {
	l, _ := replicatedLayer(t, nil, false)
	base := l.clock.Now().Add(-time.Hour)
	v1 := newSourceVersion(base, []byte("one"))
	v2 := newSourceVersion(base.Add(time.Second), payload(100<<10))
	m3 := sourceVersion{id: newVersionID(base.Add(2 * time.Second)), at: base.Add(2 * time.Second), marker: true}
	v4 := newSourceVersion(base.Add(3*time.Second), []byte("four"))
	for _, tc := range []struct {
		name   string
		order  []sourceVersion
		want   []string
		latest string
	}{
		{"two in order", []sourceVersion{v1, v2}, []string{v2.id, v1.id}, v2.id},
		{"two reversed", []sourceVersion{v2, v1}, []string{v2.id, v1.id}, v2.id},
		{"marker in order", []sourceVersion{v1, v2, m3}, []string{m3.id, v2.id, v1.id}, ""},
		{"marker first", []sourceVersion{m3, v2, v1}, []string{m3.id, v2.id, v1.id}, ""},
		{"marker between", []sourceVersion{v2, m3, v1}, []string{m3.id, v2.id, v1.id}, ""},
		{"after a marker", []sourceVersion{v4, m3, v1}, []string{v4.id, m3.id, v1.id}, v4.id},
	} {
		key := strings.ReplaceAll(tc.name, " ", "-")
		for _, v := range tc.order {
			arrive(t, l, "src", key, v)
		}
		ids, latest := versionIDs(t, l, "src", key)
		if !slices.Equal(ids, tc.want) || latest != tc.latest {
			t.Errorf("%s: versions %q latest %q, want %q latest %q", tc.name, ids, latest, tc.want, tc.latest)
		}
		if latest == v2.id {
			if got, _, err := get(t, l, "src", key, GetOptions{}); err != nil || !bytes.Equal(got, v2.data) {
				t.Errorf("%s: the latest reads %d bytes, %v", tc.name, len(got), err)
			}
		}
	}
}

// A replica older than the key's newest version is stored as a
// noncurrent version: the O-key, and what GET serves, stay as they were.
func TestReplicaOlderStaysNoncurrent(t *testing.T) {
	ctx := context.Background()
	l, _ := replicatedLayer(t, nil, false)
	cur := put(t, l, "plain", "k", []byte("current"))
	before, err := l.HeadObject(ctx, "plain", "k", GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	old := newSourceVersion(cur.LastModified.Add(-time.Minute), []byte("older"))
	arrive(t, l, "plain", "k", old)
	after, err := l.HeadObject(ctx, "plain", "k", GetOptions{})
	if err != nil || after.Info.UID != before.Info.UID || after.Info.VersionID != cur.VersionID || after.Info.Replica {
		t.Fatalf("latest after an older replica: %+v %v", after.Info, err)
	}
	if got, _, err := get(t, l, "plain", "k", GetOptions{VersionID: old.id}); err != nil || string(got) != "older" {
		t.Fatalf("the older replica reads %q, %v", got, err)
	}
	if ids, _ := versionIDs(t, l, "plain", "k"); !slices.Equal(ids, []string{cur.VersionID, old.id}) {
		t.Fatalf("versions %q", ids)
	}
}

// A replica of a version that is already there (a retried replication)
// replaces it and releases the data it had; "null" replaces the null
// version, whatever its time.
func TestReplicaReplacesSameVersion(t *testing.T) {
	ctx := context.Background()
	l, _ := replicatedLayer(t, nil, false)
	v := newSourceVersion(l.clock.Now().Add(-time.Hour), payload(100<<10))
	arrive(t, l, "plain", "big", v)
	retry := v
	retry.data = bytes.Repeat([]byte("r"), 100<<10)
	arrive(t, l, "plain", "big", retry)
	if got, _, err := get(t, l, "plain", "big", GetOptions{}); err != nil || !bytes.Equal(got, retry.data) {
		t.Fatalf("after the retry: %d bytes, %v", len(got), err)
	}
	if ids, latest := versionIDs(t, l, "plain", "big"); len(ids) != 1 || latest != v.id {
		t.Fatalf("versions %q latest %q", ids, latest)
	}
	l.clock.Advance(2 * l.opts.GCDelay)
	if _, _, err := l.DrainQueue(ctx); err != nil {
		t.Fatal(err)
	}
	if n := countBlobs(t, l.blobs); n != 1 {
		t.Fatalf("%d blobs after the retry replaced the version, want 1", n)
	}
	// An inline version replaced: its old value goes.
	small := newSourceVersion(l.clock.Now().Add(-time.Hour), []byte("first"))
	arrive(t, l, "plain", "small", small)
	small.data = []byte("second")
	arrive(t, l, "plain", "small", small)
	if got, _, err := get(t, l, "plain", "small", GetOptions{VersionID: small.id}); err != nil || string(got) != "second" {
		t.Fatalf("inline retry reads %q, %v", got, err)
	}
	if n := countKeys(t, l.meta, []byte{tagInline}); n != 1 {
		t.Fatalf("%d inline values, want 1", n)
	}

	null1 := sourceVersion{id: NullVersion, at: l.clock.Now().Add(-2 * time.Hour), data: []byte("null one")}
	null2 := sourceVersion{id: NullVersion, at: l.clock.Now().Add(-time.Minute), data: []byte("null two")}
	arrive(t, l, "plain", "n", null1)
	arrive(t, l, "plain", "n", null2)
	ids, latest := versionIDs(t, l, "plain", "n")
	if !slices.Equal(ids, []string{NullVersion}) || latest != NullVersion {
		t.Fatalf("null versions %q latest %q", ids, latest)
	}
	if got, obj, err := get(t, l, "plain", "n", GetOptions{}); err != nil || string(got) != "null two" || !obj.Info.LastModified.Equal(null2.at) {
		t.Fatalf("the null version reads %q, %v", got, err)
	}
}

// A replica whose version id kura cannot place, or whose time is
// missing, is InvalidArgument; one for a bucket that keeps no versions
// is InvalidRequest.
func TestReplicaRefused(t *testing.T) {
	ctx := context.Background()
	l, _ := replicatedLayer(t, nil, false)
	if err := l.CreateBucket(ctx, "flat", CreateBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	at := l.clock.Now().Add(-time.Hour)
	good := newVersionID(at)
	for _, tc := range []struct {
		name string
		r    Replica
		want *s3err.Error
	}{
		{"31 hex", Replica{VersionID: good[:31], ModTime: at}, s3err.ErrInvalidArgument},
		{"33 hex", Replica{VersionID: good + "0", ModTime: at}, s3err.ErrInvalidArgument},
		{"not hex", Replica{VersionID: strings.Repeat("g", 32), ModTime: at}, s3err.ErrInvalidArgument},
		{"uuid", Replica{VersionID: "550e8400-e29b-41d4-a716-446655440000", ModTime: at}, s3err.ErrInvalidArgument},
		{"empty", Replica{ModTime: at}, s3err.ErrInvalidArgument},
		{"no time", Replica{VersionID: good}, s3err.ErrInvalidArgument},
		{"time out of range", Replica{VersionID: good, ModTime: time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC)}, s3err.ErrInvalidArgument},
	} {
		r := tc.r
		_, err := l.PutObject(ctx, "plain", "k", bytes.NewReader([]byte("x")), PutOptions{Size: 1, Replica: &r})
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: PUT %v, want %v", tc.name, err, tc.want)
		}
		// An upload may get its time with its completion instead.
		var wantUpload error = tc.want
		if tc.name == "no time" {
			wantUpload = nil
		}
		if _, err := l.CreateMultipartUpload(ctx, "plain", "k", UploadOptions{Replica: &r}); !errors.Is(err, wantUpload) {
			t.Errorf("%s: multipart %v, want %v", tc.name, err, wantUpload)
		}
		if _, err := l.DeleteObject(ctx, "plain", "k", DeleteOptions{Replica: &r, DeleteMarker: true}); !errors.Is(err, tc.want) {
			t.Errorf("%s: marker %v, want %v", tc.name, err, tc.want)
		}
	}
	// 32 hex digits and "null" are placeable; a version delete needs no time.
	if _, err := l.PutObject(ctx, "plain", "k", bytes.NewReader([]byte("x")), PutOptions{Size: 1, Replica: &Replica{VersionID: good, ModTime: at}}); err != nil {
		t.Fatalf("32 hex: %v", err)
	}
	if _, err := l.DeleteObject(ctx, "plain", "k", DeleteOptions{Replica: &Replica{VersionID: good}}); err != nil {
		t.Fatalf("version delete without a time: %v", err)
	}
	r := &Replica{VersionID: good, ModTime: at}
	if _, err := l.PutObject(ctx, "flat", "k", bytes.NewReader([]byte("x")), PutOptions{Size: 1, Replica: r}); !errors.Is(err, s3err.ErrInvalidRequest) {
		t.Fatalf("replica into an unversioned bucket: %v", err)
	}
	if _, err := l.CreateMultipartUpload(ctx, "flat", "k", UploadOptions{Replica: r}); !errors.Is(err, s3err.ErrInvalidRequest) {
		t.Fatalf("replica upload into an unversioned bucket: %v", err)
	}
}

// An upload created for a replica completes as the source's version.
func TestReplicaMultipart(t *testing.T) {
	ctx := context.Background()
	l, f := replicatedLayer(t, nil, false)
	v := newSourceVersion(l.clock.Now().Add(-time.Hour), nil)
	id, err := l.CreateMultipartUpload(ctx, "src", "mp", UploadOptions{Replica: v.replica()})
	if err != nil {
		t.Fatal(err)
	}
	var parts []CompletePart
	for n := 1; n <= 2; n++ {
		p, err := l.UploadPart(ctx, "src", "mp", id, n, bytes.NewReader(payload(1000)), PartOptions{Size: 1000})
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, CompletePart{Number: n, ETag: p.ETag})
	}
	info, err := l.CompleteMultipartUpload(ctx, "src", "mp", id, parts, CompleteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	obj, err := l.HeadObject(ctx, "src", "mp", GetOptions{})
	if err != nil || info.VersionID != v.id || obj.Info.VersionID != v.id || !obj.Info.LastModified.Equal(v.at) || !obj.Info.Replica || obj.Info.PartsCount != 2 {
		t.Fatalf("completed replica upload: %+v / %+v %v", info, obj, err)
	}
	if f.calls != 0 {
		t.Fatalf("a replica upload called the Replicator %d times", f.calls)
	}
}

// A replica delete marker takes the source's id and time; a replica
// version delete removes the version. Neither is replicated again.
func TestReplicaDeletes(t *testing.T) {
	ctx := context.Background()
	l, f := replicatedLayer(t, nil, false)
	base := l.clock.Now().Add(-time.Hour)
	v1 := newSourceVersion(base, []byte("one"))
	m2 := sourceVersion{id: newVersionID(base.Add(time.Second)), at: base.Add(time.Second), marker: true}
	arrive(t, l, "src", "k", v1)
	arrive(t, l, "src", "k", m2)
	res, err := l.ListObjectVersions(ctx, "src", VersionListOptions{MaxKeys: 10})
	if err != nil || len(res.Versions) != 2 {
		t.Fatalf("versions %+v %v", res.Versions, err)
	}
	if m := res.Versions[0]; !m.IsDeleteMarker || m.VersionID != m2.id || !m.LastModified.Equal(m2.at) || !m.IsLatest {
		t.Fatalf("the replica marker lists as %+v", m)
	}
	if _, err := l.HeadObject(ctx, "src", "k", GetOptions{}); !errors.Is(err, s3err.ErrNoSuchKey) {
		t.Fatalf("behind a replica marker: %v", err)
	}
	// A retried marker replaces itself.
	arrive(t, l, "src", "k", m2)
	if ids, _ := versionIDs(t, l, "src", "k"); !slices.Equal(ids, []string{m2.id, v1.id}) {
		t.Fatalf("after a retried marker: %q", ids)
	}
	del, err := l.DeleteObject(ctx, "src", "k", DeleteOptions{Replica: &Replica{VersionID: m2.id}})
	if err != nil || del.VersionID != m2.id || !del.DeleteMarker {
		t.Fatalf("replica delete of the marker: %+v %v", del, err)
	}
	if ids, latest := versionIDs(t, l, "src", "k"); !slices.Equal(ids, []string{v1.id}) || latest != v1.id {
		t.Fatalf("after the marker's delete: %q latest %q", ids, latest)
	}
	if _, err := l.DeleteObject(ctx, "src", "k", DeleteOptions{Replica: &Replica{VersionID: v1.id}}); err != nil {
		t.Fatal(err)
	}
	if ids, latest := versionIDs(t, l, "src", "k"); len(ids) != 0 || latest != "" {
		t.Fatalf("after the version delete: %q latest %q", ids, latest)
	}
	if f.calls != 0 {
		t.Fatalf("replica deletes called the Replicator %d times", f.calls)
	}
}

// A replica keeps its source's retention even when it has run out since
// (a write of the bucket's own is refused a retention in the past).
func TestReplicaRetentionRunOut(t *testing.T) {
	ctx := context.Background()
	l, _ := replicatedLayer(t, nil, true)
	v := newSourceVersion(l.clock.Now().Add(-48*time.Hour), []byte("worm"))
	lapsed := Retention{Mode: LockGovernance, RetainUntil: l.clock.Now().Add(-24 * time.Hour)}
	if _, err := l.PutObject(ctx, "plain", "own", bytes.NewReader(v.data), PutOptions{Size: 4, Retention: lapsed}); !errors.Is(err, s3err.ErrInvalidArgument) {
		t.Fatalf("the bucket's own write with a lapsed retention: %v", err)
	}
	info, err := l.PutObject(ctx, "plain", "k", bytes.NewReader(v.data), PutOptions{Size: 4, Retention: lapsed, Replica: v.replica()})
	if err != nil || !info.Retention.RetainUntil.Equal(lapsed.RetainUntil) {
		t.Fatalf("replica with a lapsed retention: %+v %v", info.Retention, err)
	}
	if _, err := l.CreateMultipartUpload(ctx, "plain", "mp", UploadOptions{Retention: lapsed, Replica: v.replica()}); err != nil {
		t.Fatalf("replica upload with a lapsed retention: %v", err)
	}
	// It protects nothing: the version can be deleted.
	if _, err := l.DeleteObject(ctx, "plain", "k", DeleteOptions{VersionID: v.id}); err != nil {
		t.Fatalf("deleting a version whose retention ran out: %v", err)
	}
}

// A replica whose time is not the one its version id embeds (a source
// that sends its times rounded) is still one version: a change of its
// tags rewrites it where it is, rather than adding a second.
func TestReplicaTimeApartFromItsID(t *testing.T) {
	ctx := context.Background()
	l, _ := replicatedLayer(t, nil, false)
	at := l.clock.Now().Add(-time.Hour)
	v := sourceVersion{id: newVersionID(at), at: at.Truncate(time.Second).Add(-time.Second), data: []byte("x")}
	arrive(t, l, "plain", "k", v)
	if _, err := l.PutObjectTags(ctx, "plain", "k", v.id, map[string]string{"a": "b"}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.PutObjectTags(ctx, "plain", "k", "", map[string]string{"c": "d"}); err != nil {
		t.Fatal(err)
	}
	ids, latest := versionIDs(t, l, "plain", "k")
	if !slices.Equal(ids, []string{v.id}) || latest != v.id {
		t.Fatalf("versions %q latest %q", ids, latest)
	}
	tags, _, err := l.GetObjectTags(ctx, "plain", "k", v.id)
	if err != nil || tags["c"] != "d" {
		t.Fatalf("tags %v %v", tags, err)
	}
}

// A write after a replica whose version id embeds a later time than the
// one its source sent still becomes the latest version.
func TestWriteAfterReplicaTimeApart(t *testing.T) {
	l, _ := replicatedLayer(t, nil, false)
	ahead := l.clock.Now().Add(time.Minute) // the source's clock runs ahead
	v := sourceVersion{id: newVersionID(ahead), at: ahead.Add(-2 * time.Minute), data: []byte("replica")}
	arrive(t, l, "plain", "k", v)
	own := put(t, l, "plain", "k", []byte("own"))
	ids, latest := versionIDs(t, l, "plain", "k")
	if !slices.Equal(ids, []string{own.VersionID, v.id}) || latest != own.VersionID {
		t.Fatalf("versions %q latest %q, want %s first", ids, latest, own.VersionID)
	}
	if got, _, err := get(t, l, "plain", "k", GetOptions{}); err != nil || string(got) != "own" {
		t.Fatalf("GET %q %v", got, err)
	}
}
