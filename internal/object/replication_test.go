package object

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/meta/faultmeta"
	"github.com/kurastore/kura/internal/meta/pebblestore"
)

const testTarget = "arn:minio:replication:us-east-1:t1:dst"

// fakeReplicator records the changes it is handed, writes one outbox key
// per call through the transaction, and stamps the version PENDING for
// testTarget (or, with perCall, for a target named after the call, so
// that a rerun of a transaction shows in the record if its first run's
// stamp leaked).
type fakeReplicator struct {
	mu      sync.Mutex
	changes []Change
	docs    [][]byte
	calls   int
	perCall bool
}

func (f *fakeReplicator) Replicate(_ context.Context, tx meta.Txn, c Change, doc []byte) (map[string]ReplicationStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	f.changes = append(f.changes, c)
	f.docs = append(f.docs, doc)
	if err := tx.Set(outboxKey(c), []byte(c.Event)); err != nil {
		return nil, err
	}
	target := testTarget
	if f.perCall {
		target = fmt.Sprintf("arn:call:%d", f.calls)
	}
	return map[string]ReplicationStatus{target: ReplicationPending}, nil
}

func (f *fakeReplicator) reset() []Change {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.changes
	f.changes, f.docs = nil, nil
	return c
}

func outboxKey(c Change) []byte {
	return fmt.Appendf(nil, "Qtest/%s/%s/%d/%s/%s", c.Bucket, c.Key, c.Kind, c.Event, c.Object.VersionID)
}

// replicatedLayer is a layer with a fakeReplicator and two buckets,
// "src" (versioned, with a replication configuration) and "plain"
// (versioned, without one).
func replicatedLayer(t *testing.T, m meta.Store, lock bool) (testLayer, *fakeReplicator) {
	t.Helper()
	if m == nil {
		m = openTestMeta(t)
	}
	l := newTestLayerOn(t, m, nil)
	l.opts.MinPartSize = 1
	f := &fakeReplicator{}
	l.opts.Replicator = f
	ctx := context.Background()
	for _, b := range []string{"src", "plain"} {
		if err := l.CreateBucket(ctx, b, CreateBucketOptions{ObjectLock: lock}); err != nil {
			t.Fatal(err)
		}
		if err := l.SetBucketVersioning(ctx, b, VersioningConfig{Status: VersioningEnabled}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.SetBucketConfig(ctx, "src", ReplicationConfigName, []byte("<ReplicationConfiguration/>")); err != nil {
		t.Fatal(err)
	}
	return l, f
}

// onlyChange requires exactly one change of kind for bucket/key.
func onlyChange(t *testing.T, f *fakeReplicator, kind ChangeKind, key, event string) Change {
	t.Helper()
	changes := f.reset()
	// Under KURA_META_RERUN a transaction's closure, and so the
	// Replicator, may run twice; each run hands over the same change.
	if len(changes) != 1 && (os.Getenv(rerunEnv) == "" || len(changes) != 2) {
		t.Fatalf("%d changes, want 1: %+v", len(changes), changes)
	}
	c := changes[len(changes)-1]
	if changes[0].Kind != c.Kind || changes[0].Event != c.Event {
		t.Fatalf("the runs of one change differ: %+v", changes)
	}
	if c.Kind != kind || c.Bucket != "src" || c.Key != key || c.Event != event || c.Object.Bucket != "src" || c.Object.Key != key || c.Object.UID == "" {
		t.Fatalf("change %+v, want kind %d of src/%s, event %s", c, kind, key, event)
	}
	return c
}

// stampedBoth requires the version to carry testTarget's PENDING state
// in its V-key and, when it is the latest, in its O-key.
func stampedBoth(t *testing.T, l testLayer, key, vid string, latest bool) {
	t.Helper()
	ctx := context.Background()
	want := map[string]ReplicationStatus{testTarget: ReplicationPending}
	obj, err := l.HeadObject(ctx, "src", key, GetOptions{VersionID: vid})
	if err != nil || !maps.Equal(obj.Info.Replication, want) || obj.Info.ReplicationState() != ReplicationPending {
		t.Fatalf("version %s of %s: %+v %v", vid, key, obj, err)
	}
	if !latest {
		return
	}
	obj, err = l.HeadObject(ctx, "src", key, GetOptions{})
	if err != nil || obj.Info.VersionID != vid || !maps.Equal(obj.Info.Replication, want) {
		t.Fatalf("latest of %s: %+v %v", key, obj, err)
	}
}

// Every change replication copies calls the Replicator once, in its
// transaction, with its kind, its version and its event; the statuses it
// returns are on the version's records.
func TestReplicatorEveryChange(t *testing.T) {
	ctx := context.Background()
	l, f := replicatedLayer(t, nil, true)
	data := payload(100)

	info, err := l.PutObject(ctx, "src", "put", bytes.NewReader(data), PutOptions{Size: 100})
	if err != nil {
		t.Fatal(err)
	}
	c := onlyChange(t, f, ChangeVersion, "put", EventPut)
	if c.Object.VersionID != info.VersionID || c.Object.Size != 100 || !c.Object.LastModified.Equal(info.LastModified) {
		t.Fatalf("PUT's change: %+v, wrote %+v", c.Object, info)
	}
	if !maps.Equal(info.Replication, map[string]ReplicationStatus{testTarget: ReplicationPending}) {
		t.Fatalf("PUT returned %v", info.Replication)
	}
	stampedBoth(t, l, "put", info.VersionID, true)

	post, err := l.PutObject(ctx, "src", "post", bytes.NewReader(data), PutOptions{SizeUnknown: true})
	if err != nil {
		t.Fatal(err)
	}
	onlyChange(t, f, ChangeVersion, "post", EventPost)
	stampedBoth(t, l, "post", post.VersionID, true)

	cp, err := l.CopyObject(ctx, CopySource{Bucket: "src", Key: "put"}, "src", "copy", CopyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c := onlyChange(t, f, ChangeVersion, "copy", EventCopy); c.Object.VersionID != cp.VersionID {
		t.Fatalf("copy's change names %s, copy is %s", c.Object.VersionID, cp.VersionID)
	}
	stampedBoth(t, l, "copy", cp.VersionID, true)

	id, err := l.CreateMultipartUpload(ctx, "src", "mp", UploadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	part, err := l.UploadPart(ctx, "src", "mp", id, 1, bytes.NewReader(data), PartOptions{Size: 100})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(f.reset()); n != 0 {
		t.Fatalf("create and part calls: %d", n)
	}
	mp, err := l.CompleteMultipartUpload(ctx, "src", "mp", id, []CompletePart{{Number: 1, ETag: part.ETag}}, CompleteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	onlyChange(t, f, ChangeVersion, "mp", EventCompleteMultipart)
	stampedBoth(t, l, "mp", mp.VersionID, true)

	batch, err := l.NewBatch(ctx, "src")
	if err != nil {
		t.Fatal(err)
	}
	if err := batch.Add(BatchEntry{Key: "snow", Body: bytes.NewReader(data), Opts: PutOptions{Size: 100}}); err != nil {
		t.Fatal(err)
	}
	if err := batch.Commit(); err != nil {
		t.Fatal(err)
	}
	snow := onlyChange(t, f, ChangeVersion, "snow", EventPut)
	stampedBoth(t, l, "snow", snow.Object.VersionID, true)

	if _, err := l.PutObjectTags(ctx, "src", "put", "", map[string]string{"a": "b"}); err != nil {
		t.Fatal(err)
	}
	if c := onlyChange(t, f, ChangeMetadata, "put", EventTaggingPut); c.Object.Tags["a"] != "b" || c.Object.VersionID != info.VersionID {
		t.Fatalf("tagging's change: %+v", c.Object)
	}
	if _, err := l.DeleteObjectTags(ctx, "src", "put", info.VersionID); err != nil {
		t.Fatal(err)
	}
	onlyChange(t, f, ChangeMetadata, "put", EventTaggingDelete)
	if err := l.PutObjectRetention(ctx, "src", "put", info.VersionID, Retention{Mode: LockGovernance, RetainUntil: l.clock.Now().Add(time.Hour)}, false); err != nil {
		t.Fatal(err)
	}
	onlyChange(t, f, ChangeMetadata, "put", EventRetentionPut)
	if err := l.PutObjectLegalHold(ctx, "src", "put", info.VersionID, true); err != nil {
		t.Fatal(err)
	}
	if c := onlyChange(t, f, ChangeMetadata, "put", EventLegalHoldPut); !c.Object.LegalHold {
		t.Fatalf("legal hold's change: %+v", c.Object)
	}
	stampedBoth(t, l, "put", info.VersionID, true)

	res, err := l.DeleteObject(ctx, "src", "post", DeleteOptions{})
	if err != nil || !res.DeleteMarker {
		t.Fatalf("delete: %+v %v", res, err)
	}
	if c := onlyChange(t, f, ChangeDeleteMarker, "post", EventDeleteMarkerCreated); c.Object.VersionID != res.VersionID || !c.Object.IsDeleteMarker {
		t.Fatalf("delete marker's change: %+v, made %+v", c.Object, res)
	}
	marker := findTestVersion(t, l, "src", "post", res.VersionID)
	if !maps.Equal(marker.Replication, map[string]ReplicationStatus{testTarget: ReplicationPending}) {
		t.Fatalf("the delete marker's states: %v", marker.Replication)
	}

	if _, err := l.DeleteObject(ctx, "src", "post", DeleteOptions{VersionID: post.VersionID}); err != nil {
		t.Fatal(err)
	}
	if c := onlyChange(t, f, ChangeVersionDelete, "post", EventDelete); c.Object.VersionID != post.VersionID || c.Object.IsDeleteMarker {
		t.Fatalf("version delete's change: %+v", c.Object)
	}
	// Deleting a version that is not there changes nothing.
	if _, err := l.DeleteObject(ctx, "src", "post", DeleteOptions{VersionID: post.VersionID}); err != nil {
		t.Fatal(err)
	}
	if n := len(f.reset()); n != 0 {
		t.Fatalf("a no-op delete called the Replicator %d times", n)
	}
	// The outbox writes committed with their changes.
	n := 0
	err = l.meta.View(ctx, func(r meta.Reader) error {
		n = 0
		it, err := r.NewIter([]byte("Qtest/"), meta.PrefixEnd([]byte("Qtest/")))
		if err != nil {
			return err
		}
		defer it.Close()
		for ok := it.First(); ok; ok = it.Next() {
			n++
		}
		return it.Err()
	})
	if err != nil || n != 11 {
		t.Fatalf("%d outbox entries, want 11: %v", n, err)
	}

	// DeleteObjects deletes as DELETE does.
	if _, err := l.DeleteObjects(ctx, "src", []ObjectToDelete{{Key: "copy"}, {Key: "mp", VersionID: mp.VersionID}}); err != nil {
		t.Fatal(err)
	}
	changes := f.reset()
	if os.Getenv(rerunEnv) != "" && len(changes) == 4 {
		changes = changes[2:] // the closure's second run
	}
	if len(changes) != 2 || changes[0].Kind != ChangeDeleteMarker || changes[1].Kind != ChangeVersionDelete || changes[1].Object.VersionID != mp.VersionID {
		t.Fatalf("DeleteObjects' changes: %+v", changes)
	}
}

func findTestVersion(t *testing.T, l testLayer, bucket, key, vid string) ObjectInfo {
	t.Helper()
	res, err := l.ListObjectVersions(context.Background(), bucket, VersionListOptions{Prefix: key, MaxKeys: 1000, WithMetadata: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range res.Versions {
		if v.Key == key && v.VersionID == vid {
			return v
		}
	}
	t.Fatalf("no version %s of %s in %+v", vid, key, res.Versions)
	return ObjectInfo{}
}

// A bucket without a replication configuration, lifecycle actions and
// changes made by replication requests never call the Replicator.
func TestReplicatorNotCalled(t *testing.T) {
	ctx := context.Background()
	l, f := replicatedLayer(t, nil, false)
	put(t, l, "plain", "k", []byte("x"))
	if _, err := l.DeleteObject(ctx, "plain", "k", DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := len(f.reset()); n != 0 {
		t.Fatalf("a bucket without replication: %d calls", n)
	}

	old := put(t, l, "src", "k", []byte("one"))
	put(t, l, "src", "k", []byte("two"))
	f.reset()
	v := scanOne(t, l, "src", old)
	if _, err := l.ExpireVersion(ctx, "src", "k", v.VersionID, v.UID, false); err != nil {
		t.Fatal(err)
	}
	cur := scanOne(t, l, "src", ObjectInfo{Key: "k"})
	if _, err := l.ExpireObject(ctx, "src", "k", cur.UID); err != nil {
		t.Fatal(err)
	}
	if changes := f.reset(); len(changes) != 0 {
		t.Fatalf("lifecycle expirations called the Replicator: %+v", changes)
	}

	info := put(t, l, "src", "tagged", []byte("x"))
	f.reset()
	rctx := WithReplicaRequest(ctx)
	if !IsReplicaRequest(rctx) || IsReplicaRequest(ctx) {
		t.Fatal("WithReplicaRequest does not mark its context alone")
	}
	if _, err := l.PutObjectTags(rctx, "src", "tagged", info.VersionID, map[string]string{"a": "b"}); err != nil {
		t.Fatal(err)
	}
	if changes := f.reset(); len(changes) != 0 {
		t.Fatalf("a replica request's tagging called the Replicator: %+v", changes)
	}
	tags, _, err := l.GetObjectTags(ctx, "src", "tagged", info.VersionID)
	if err != nil || tags["a"] != "b" {
		t.Fatalf("tags %v %v", tags, err)
	}
}

// A copy is a version of its own: it does not take its source's
// replication state.
func TestCopyDropsReplicationState(t *testing.T) {
	ctx := context.Background()
	l, _ := replicatedLayer(t, nil, false)
	src := put(t, l, "src", "a", []byte("x"))
	if err := l.SetReplicationStatus(ctx, "src", "a", src.VersionID, "arn:other", ReplicationFailed); err != nil {
		t.Fatal(err)
	}
	cp, err := l.CopyObject(ctx, CopySource{Bucket: "src", Key: "a"}, "plain", "b", CopyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	obj, err := l.HeadObject(ctx, "plain", "b", GetOptions{})
	if err != nil || len(obj.Info.Replication) != 0 || cp.ReplicationState() != "" {
		t.Fatalf("copy's states: %v %v", obj.Info.Replication, err)
	}
}

// SetReplicationStatus rewrites the version's states in its V-key and,
// while it is the latest, its O-key; a version that is gone is
// ErrVersionChanged. It calls no Replicator.
func TestSetReplicationStatus(t *testing.T) {
	ctx := context.Background()
	l, f := replicatedLayer(t, nil, false)
	old := put(t, l, "src", "k", []byte("one"))
	cur := put(t, l, "src", "k", []byte("two"))
	f.reset()
	if err := l.SetReplicationStatus(ctx, "src", "k", cur.VersionID, testTarget, ReplicationCompleted); err != nil {
		t.Fatal(err)
	}
	if err := l.SetReplicationStatus(ctx, "src", "k", old.VersionID, testTarget, ReplicationFailed); err != nil {
		t.Fatal(err)
	}
	if n := len(f.reset()); n != 0 {
		t.Fatalf("SetReplicationStatus called the Replicator %d times", n)
	}
	for _, tc := range []struct {
		vid  string
		want ReplicationStatus
	}{{"", ReplicationCompleted}, {cur.VersionID, ReplicationCompleted}, {old.VersionID, ReplicationFailed}} {
		obj, err := l.HeadObject(ctx, "src", "k", GetOptions{VersionID: tc.vid})
		if err != nil || obj.Info.ReplicationState() != tc.want || obj.Info.Replication[testTarget] != tc.want {
			t.Errorf("version %q: %v %v, want %s", tc.vid, obj.Info.Replication, err, tc.want)
		}
	}
	if _, err := l.DeleteObject(ctx, "plain", "gone", DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	gone := newVersionID(l.clock.Now())
	if err := l.SetReplicationStatus(ctx, "src", "k", gone, testTarget, ReplicationCompleted); !errors.Is(err, ErrVersionChanged) {
		t.Fatalf("a missing version: %v", err)
	}

	// A bucket that was never versioned: its one version, by "" or "null".
	if err := l.CreateBucket(ctx, "flat", CreateBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	put(t, l, "flat", "k", []byte("x"))
	if err := l.SetReplicationStatus(ctx, "flat", "k", "", "arn:a", ReplicationCompleted); err != nil {
		t.Fatal(err)
	}
	if err := l.SetReplicationStatus(ctx, "flat", "k", NullVersion, "arn:b", ReplicationPending); err != nil {
		t.Fatal(err)
	}
	obj, err := l.HeadObject(ctx, "flat", "k", GetOptions{})
	if err != nil || !maps.Equal(obj.Info.Replication, map[string]ReplicationStatus{"arn:a": ReplicationCompleted, "arn:b": ReplicationPending}) {
		t.Fatalf("flat: %v %v", obj.Info.Replication, err)
	}
	if err := l.SetReplicationStatus(ctx, "flat", "none", "", "arn:a", ReplicationCompleted); !errors.Is(err, ErrVersionChanged) {
		t.Fatalf("a missing key: %v", err)
	}
}

// A transaction that runs twice hands its change to the Replicator on
// each run, but only the last run's outbox write and statuses commit.
func TestReplicatorRerun(t *testing.T) {
	ctx := context.Background()
	raw, err := pebblestore.Open("meta", &pebblestore.Options{FS: vfs.NewMem()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	fm := faultmeta.New(raw, faultmeta.Options{Rerun: 1})
	l, f := replicatedLayer(t, fm, false)
	f.perCall = true
	info := put(t, l, "src", "k", []byte("x"))
	if f.calls != 2 {
		t.Fatalf("%d calls, want one per run of the closure", f.calls)
	}
	want := map[string]ReplicationStatus{"arn:call:2": ReplicationPending}
	for _, vid := range []string{"", info.VersionID} {
		obj, err := l.HeadObject(ctx, "src", "k", GetOptions{VersionID: vid})
		if err != nil || !maps.Equal(obj.Info.Replication, want) {
			t.Fatalf("version %q: %v %v, want %v", vid, obj.Info.Replication, err, want)
		}
	}
	if _, err := l.PutObjectTags(ctx, "src", "k", "", map[string]string{"a": "b"}); err != nil {
		t.Fatal(err)
	}
	want["arn:call:4"] = ReplicationPending
	obj, err := l.HeadObject(ctx, "src", "k", GetOptions{})
	if err != nil || !maps.Equal(obj.Info.Replication, want) {
		t.Fatalf("after tagging: %v %v, want %v", obj.Info.Replication, err, want)
	}
	var keys []string
	err = l.meta.View(ctx, func(r meta.Reader) error {
		keys = keys[:0]
		it, err := r.NewIter([]byte("Qtest/"), meta.PrefixEnd([]byte("Qtest/")))
		if err != nil {
			return err
		}
		defer it.Close()
		for ok := it.First(); ok; ok = it.Next() {
			keys = append(keys, string(it.Key()))
		}
		return it.Err()
	})
	if err != nil || len(keys) != 2 || !strings.Contains(keys[0], "/1/") || !strings.Contains(keys[1], "/4/") {
		t.Fatalf("outbox %q %v", keys, err)
	}
}

// ReplicationState sums up the per-target states.
func TestReplicationState(t *testing.T) {
	for _, tc := range []struct {
		info ObjectInfo
		want ReplicationStatus
	}{
		{ObjectInfo{}, ""},
		{ObjectInfo{Replica: true}, ReplicationReplica},
		{ObjectInfo{Replica: true, Replication: map[string]ReplicationStatus{"a": ReplicationFailed}}, ReplicationReplica},
		{ObjectInfo{Replication: map[string]ReplicationStatus{"a": ReplicationCompleted}}, ReplicationCompleted},
		{ObjectInfo{Replication: map[string]ReplicationStatus{"a": ReplicationCompleted, "b": ReplicationPending}}, ReplicationPending},
		{ObjectInfo{Replication: map[string]ReplicationStatus{"a": ReplicationFailed, "b": ReplicationPending}}, ReplicationFailed},
	} {
		if got := tc.info.ReplicationState(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.info.Replication, got, tc.want)
		}
	}
}

func TestRecordReplicationRoundTrip(t *testing.T) {
	in := record{UID: "u", Info: ObjectInfo{Size: 1, Replica: true,
		Replication: map[string]ReplicationStatus{"arn:a": ReplicationPending, "arn:b": ReplicationCompleted}}}
	enc := in.encode()
	if !bytes.Equal(enc, in.encode()) {
		t.Fatal("equal records encode differently")
	}
	for _, withMeta := range []bool{true, false} {
		out, err := decodeRecord(enc, withMeta)
		if err != nil || !out.Info.Replica || !maps.Equal(out.Info.Replication, in.Info.Replication) {
			t.Fatalf("withUserMeta %v: %+v %v", withMeta, out.Info, err)
		}
	}
	plain, err := decodeRecord((&record{UID: "u"}).encode(), true)
	if err != nil || plain.Info.Replica || plain.Info.Replication != nil {
		t.Fatalf("a record without replication: %+v %v", plain.Info, err)
	}
	// A target field whose length runs past its value is malformed.
	if _, err := decodeRecord([]byte{recordVersion, fReplTarget, 2, 5, 'a'}, true); err == nil {
		t.Fatal("a malformed target field decoded")
	}
}

// SetReplicationStatuses records many statuses, two of one key among
// them, in one transaction with the caller's own writes, and skips a
// version that is gone.
func TestSetReplicationStatusesInOneTransaction(t *testing.T) {
	ctx := context.Background()
	l, _ := replicatedLayer(t, nil, false)
	old := put(t, l, "src", "k", []byte("one"))
	cur := put(t, l, "src", "k", []byte("two"))
	other := put(t, l, "src", "other", []byte("three"))
	gone := newVersionID(l.clock.Now())
	ups := []ReplicationStatusUpdate{
		{Bucket: "src", Key: "k", VersionID: old.VersionID, Target: testTarget, Status: ReplicationCompleted},
		{Bucket: "src", Key: "k", VersionID: cur.VersionID, Target: testTarget, Status: ReplicationCompleted},
		{Bucket: "src", Key: "other", VersionID: other.VersionID, Target: testTarget, Status: ReplicationCompleted},
		{Bucket: "src", Key: "k", VersionID: gone, Target: testTarget, Status: ReplicationCompleted},
	}
	ran := false
	if err := l.SetReplicationStatuses(ctx, ups, func(tx meta.Txn) error { ran = true; return tx.Set([]byte("Qtest"), nil) }); err != nil {
		t.Fatal(err)
	}
	if !ran {
		t.Fatal("the caller's writes did not run")
	}
	for _, v := range []ObjectInfo{old, cur, other} {
		obj, err := l.HeadObject(ctx, "src", v.Key, GetOptions{VersionID: v.VersionID})
		if err != nil || obj.Info.Replication[testTarget] != ReplicationCompleted {
			t.Errorf("%s@%s: %v %v", v.Key, v.VersionID, obj, err)
		}
	}
	if err := l.SetReplicationStatuses(ctx, []ReplicationStatusUpdate{{Bucket: "Bad_Bucket", Key: "k"}}, nil); err == nil {
		t.Fatal("an invalid bucket name was taken")
	}
}
