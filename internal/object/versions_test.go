package object

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kurastore/kura/s3err"
)

func listAllVersions(t *testing.T, l testLayer, bucket string, page int) []ObjectInfo {
	t.Helper()
	var all []ObjectInfo
	opts := VersionListOptions{MaxKeys: page}
	for {
		res, err := l.ListObjectVersions(context.Background(), bucket, opts)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, res.Versions...)
		if !res.IsTruncated {
			return all
		}
		opts.KeyMarker, opts.VersionIDMarker = res.NextKeyMarker, res.NextVersionIDMarker
	}
}

func TestVersioningLifecycle(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	put(t, l, "bkt", "k", []byte("before versioning"))
	if err := l.SetBucketVersioning(ctx, "bkt", VersioningConfig{Status: VersioningEnabled}); err != nil {
		t.Fatal(err)
	}
	v1 := put(t, l, "bkt", "k", payload(3000))
	v2 := put(t, l, "bkt", "k", []byte("v2"))
	if v1.VersionID == "" || v2.VersionID == v1.VersionID || !v2.LastModified.After(v1.LastModified) {
		t.Fatalf("version ids %q %q", v1.VersionID, v2.VersionID)
	}
	for _, page := range []int{1, 2, 1000} {
		vs := listAllVersions(t, l, "bkt", page)
		if len(vs) != 3 || vs[0].VersionID != v2.VersionID || vs[1].VersionID != v1.VersionID || vs[2].VersionID != NullVersion {
			t.Fatalf("page %d: versions %+v", page, vs)
		}
		if !vs[0].IsLatest || vs[1].IsLatest || vs[2].IsLatest {
			t.Fatalf("page %d: IsLatest wrong: %+v", page, vs)
		}
	}
	for vid, want := range map[string][]byte{v1.VersionID: payload(3000), NullVersion: []byte("before versioning"), "": []byte("v2")} {
		got, _, err := get(t, l, "bkt", "k", GetOptions{VersionID: vid})
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("version %q: %v", vid, err)
		}
	}

	// A delete makes a marker: the key is gone from GET and listings, its
	// versions stay.
	del, err := l.DeleteObject(ctx, "bkt", "k", DeleteOptions{})
	if err != nil || !del.DeleteMarker || del.VersionID == "" {
		t.Fatalf("delete: %+v %v", del, err)
	}
	_, obj, err := get(t, l, "bkt", "k", GetOptions{})
	if !errors.Is(err, s3err.ErrNoSuchKey) || obj == nil || !obj.Info.IsDeleteMarker || obj.Info.VersionID != del.VersionID {
		t.Fatalf("GET behind a delete marker: %v %+v", err, obj)
	}
	if _, _, err := get(t, l, "bkt", "k", GetOptions{VersionID: del.VersionID}); !errors.Is(err, s3err.ErrMethodNotAllowed) {
		t.Fatalf("GET of the marker by id: %v", err)
	}
	if res, _ := l.ListObjects(ctx, "bkt", ListOptions{}); len(res.Objects) != 0 {
		t.Fatalf("listing shows a deleted key: %+v", res.Objects)
	}
	if vs := listAllVersions(t, l, "bkt", 1000); len(vs) != 4 || !vs[0].IsDeleteMarker || !vs[0].IsLatest {
		t.Fatalf("versions after delete: %+v", vs)
	}
	if err := l.DeleteBucket(ctx, "bkt"); !errors.Is(err, s3err.ErrBucketNotEmpty) {
		t.Fatalf("bucket with only versions deleted: %v", err)
	}
	// Removing the marker brings v2 back.
	if res, err := l.DeleteObject(ctx, "bkt", "k", DeleteOptions{VersionID: del.VersionID}); err != nil || !res.DeleteMarker {
		t.Fatalf("delete marker by id: %+v %v", res, err)
	}
	if got, _, err := get(t, l, "bkt", "k", GetOptions{}); err != nil || string(got) != "v2" {
		t.Fatalf("after removing the marker: %q %v", got, err)
	}
	// Deleting the latest version for good makes v1 the latest.
	if _, err := l.DeleteObject(ctx, "bkt", "k", DeleteOptions{VersionID: v2.VersionID}); err != nil {
		t.Fatal(err)
	}
	if got, _, err := get(t, l, "bkt", "k", GetOptions{}); err != nil || !bytes.Equal(got, payload(3000)) {
		t.Fatalf("after deleting the latest version: %v", err)
	}
	if _, _, err := get(t, l, "bkt", "k", GetOptions{VersionID: v2.VersionID}); !errors.Is(err, s3err.ErrNoSuchVersion) {
		t.Fatalf("deleted version: %v", err)
	}
	for _, vid := range []string{v1.VersionID, NullVersion} {
		if _, err := l.DeleteObject(ctx, "bkt", "k", DeleteOptions{VersionID: vid}); err != nil {
			t.Fatal(err)
		}
	}
	l.clock.Advance(2 * time.Second)
	l.DrainQueue(ctx)
	if n := countBlobs(t, l.blobs); n != 0 {
		t.Fatalf("%d blobs after deleting every version", n)
	}
	if err := l.DeleteBucket(ctx, "bkt"); err != nil {
		t.Fatalf("empty versioned bucket: %v", err)
	}
}

func TestVersioningSuspended(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	if err := l.SetBucketVersioning(ctx, "bkt", VersioningConfig{Status: VersioningEnabled}); err != nil {
		t.Fatal(err)
	}
	kept := put(t, l, "bkt", "k", payload(2000))
	if err := l.SetBucketVersioning(ctx, "bkt", VersioningConfig{Status: VersioningSuspended}); err != nil {
		t.Fatal(err)
	}
	a := put(t, l, "bkt", "k", payload(4000))
	b := put(t, l, "bkt", "k", payload(5000))
	if a.VersionID != NullVersion || b.VersionID != NullVersion {
		t.Fatalf("suspended writes: %q %q", a.VersionID, b.VersionID)
	}
	vs := listAllVersions(t, l, "bkt", 1000)
	if len(vs) != 2 || vs[0].VersionID != NullVersion || vs[0].Size != 5000 || vs[1].VersionID != kept.VersionID {
		t.Fatalf("versions: %+v", vs)
	}
	l.clock.Advance(2 * time.Second)
	l.DrainQueue(ctx)
	if n := countBlobs(t, l.blobs); n != 2 {
		t.Fatalf("%d blobs, want 2: the replaced null version must be freed", n)
	}
	if err := l.SetBucketVersioning(ctx, "bkt", VersioningConfig{}); !errors.Is(err, s3err.ErrMalformedXML) {
		t.Fatalf("back to unversioned: %v", err)
	}
}

func TestConcurrentVersionedWritesKeepEveryVersion(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	if err := l.SetBucketVersioning(ctx, "bkt", VersioningConfig{Status: VersioningEnabled}); err != nil {
		t.Fatal(err)
	}
	const writers = 16
	var wg sync.WaitGroup
	ids := make([]string, writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			data := []byte(fmt.Sprintf("writer %d", i))
			info, err := l.PutObject(ctx, "bkt", "hot", bytes.NewReader(data), PutOptions{Size: int64(len(data))})
			if err != nil {
				t.Error(err)
			}
			ids[i] = info.VersionID
		}()
	}
	wg.Wait()
	vs := listAllVersions(t, l, "bkt", 1000)
	if len(vs) != writers {
		t.Fatalf("%d versions, want %d", len(vs), writers)
	}
	latest, _, err := get(t, l, "bkt", "hot", GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	newest, _, _ := get(t, l, "bkt", "hot", GetOptions{VersionID: vs[0].VersionID})
	if !bytes.Equal(latest, newest) {
		t.Fatalf("latest %q is not the newest version %q", latest, newest)
	}
	for i, id := range ids {
		got, _, err := get(t, l, "bkt", "hot", GetOptions{VersionID: id})
		if err != nil || string(got) != fmt.Sprintf("writer %d", i) {
			t.Fatalf("writer %d's version: %q %v", i, got, err)
		}
	}
}

func TestVersionTagsAndCopy(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	if err := l.SetBucketVersioning(ctx, "bkt", VersioningConfig{Status: VersioningEnabled}); err != nil {
		t.Fatal(err)
	}
	old := put(t, l, "bkt", "k", []byte("old"))
	put(t, l, "bkt", "k", []byte("new"))
	if _, err := l.PutObjectTags(ctx, "bkt", "k", old.VersionID, map[string]string{"v": "old"}); err != nil {
		t.Fatal(err)
	}
	if tags, _, _ := l.GetObjectTags(ctx, "bkt", "k", ""); len(tags) != 0 {
		t.Fatalf("tagging an old version tagged the latest: %v", tags)
	}
	if tags, _, _ := l.GetObjectTags(ctx, "bkt", "k", old.VersionID); tags["v"] != "old" {
		t.Fatalf("old version's tags: %v", tags)
	}
	if _, err := l.PutObjectTags(ctx, "bkt", "k", "", map[string]string{"v": "new"}); err != nil {
		t.Fatal(err)
	}
	if vs := listAllVersions(t, l, "bkt", 1000); len(vs) != 2 {
		t.Fatalf("tagging made a version: %+v", vs)
	}
	_, obj, _ := get(t, l, "bkt", "k", GetOptions{})
	if obj.Info.Tags["v"] != "new" {
		t.Fatalf("latest tags: %v", obj.Info.Tags)
	}
	if _, err := l.CopyObject(ctx, CopySource{Bucket: "bkt", Key: "k", VersionID: old.VersionID}, "bkt", "restored", CopyOptions{}); err != nil {
		t.Fatal(err)
	}
	if got, _, err := get(t, l, "bkt", "restored", GetOptions{}); err != nil || string(got) != "old" {
		t.Fatalf("copy of an old version: %q %v", got, err)
	}
	if _, _, err := l.GetObjectTags(ctx, "bkt", "k", "not-a-version"); !errors.Is(err, s3err.ErrInvalidArgument) {
		t.Fatalf("bad version id: %v", err)
	}
}

// A version listing resumes after its marker even when the marker's
// version was deleted since the previous page: emptying a versioned
// bucket by listing a page and deleting its versions, page after page,
// deletes every version, the null version among them.
func TestVersionListingPastADeletedMarker(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	put(t, l, "bkt", "a", []byte("null version")) // written before versioning: the null version
	if err := l.SetBucketVersioning(ctx, "bkt", VersioningConfig{Status: VersioningEnabled}); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"a", "a", "b", "b", "c"} {
		put(t, l, "bkt", key, payload(10))
		l.clock.Advance(time.Millisecond)
	}
	total := len(listAllVersions(t, l, "bkt", 1000))
	deleted := 0
	opts := VersionListOptions{MaxKeys: 1}
	for {
		res, err := l.ListObjectVersions(ctx, "bkt", opts)
		if err != nil {
			t.Fatalf("listing after %d deletes (markers %q %q): %v", deleted, opts.KeyMarker, opts.VersionIDMarker, err)
		}
		for _, v := range res.Versions {
			if _, err := l.DeleteObject(ctx, "bkt", v.Key, DeleteOptions{VersionID: v.VersionID}); err != nil {
				t.Fatal(err)
			}
			deleted++
		}
		if !res.IsTruncated {
			break
		}
		opts.KeyMarker, opts.VersionIDMarker = res.NextKeyMarker, res.NextVersionIDMarker
	}
	if deleted != total {
		t.Errorf("deleted %d versions page by page, the bucket had %d", deleted, total)
	}
	if left := listAllVersions(t, l, "bkt", 1000); len(left) != 0 {
		t.Errorf("%d versions left: %+v", len(left), left)
	}
	if _, err := l.ListObjectVersions(ctx, "bkt", VersionListOptions{KeyMarker: "a", VersionIDMarker: "not-an-id"}); !errors.Is(err, s3err.ErrInvalidArgument) {
		t.Errorf("a malformed version id marker: %v, want InvalidArgument", err)
	}
}
