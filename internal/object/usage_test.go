package object

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kurastore/kura/internal/blob/dirstore"
	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/meta/pgstore"
	"github.com/kurastore/kura/internal/meta/pgstore/pgtest"
	"github.com/kurastore/kura/s3err"
)

// Every test of the package runs with the usage counters' check that a
// commit which changes a bucket's usage holds the bucket's lock, which
// counting a bucket made before kura counted relies on.
func init() { checkUsageLocks = true }

// newUsageLayer is a layer whose multipart uploads take tiny parts.
func newUsageLayer(t testing.TB, m meta.Store) *Layer {
	t.Helper()
	b, err := dirstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return New(m, b, Options{InlineLimit: 1024, MinPartSize: 8})
}

// scannedUsage computes what a bucket holds from its listings, without
// the counters.
func scannedUsage(t testing.TB, l *Layer, bucket string) BucketUsage {
	t.Helper()
	ctx := context.Background()
	u := BucketUsage{Bucket: bucket}
	versioning, err := l.BucketVersioning(ctx, bucket)
	if err != nil {
		t.Fatal(err)
	}
	for after := ""; ; {
		page, err := l.ScanVersions(ctx, bucket, ScanOptions{After: after})
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range page.Keys {
			for i, v := range k.Versions {
				if i == 0 && !v.IsDeleteMarker {
					u.Objects++
				}
				u.Versions++
				u.Bytes += v.Size
				if v.IsDeleteMarker {
					u.DeleteMarkers++
				}
			}
		}
		if page.Done {
			break
		}
		after = page.Next
	}
	if versioning == "" && u.Versions != u.Objects {
		t.Fatalf("bucket %s was never versioned but has %d versions of %d objects", bucket, u.Versions, u.Objects)
	}
	ups, err := l.ListMultipartUploads(ctx, bucket, ListUploadsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ups.IsTruncated {
		t.Fatal("too many uploads for one page")
	}
	for _, up := range ups.Uploads {
		u.Uploads++
		parts, err := l.ListParts(ctx, bucket, up.Key, up.UploadID, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range parts.Parts {
			u.UploadParts++
			u.UploadBytes += p.Size
		}
	}
	return u
}

// checkUsage compares the counters of every bucket with a scan.
func checkUsage(t testing.TB, l *Layer, step string) {
	t.Helper()
	ctx := context.Background()
	all, err := l.Usage(ctx)
	if err != nil {
		t.Fatalf("%s: Usage: %v", step, err)
	}
	buckets, err := l.ListBuckets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(buckets) {
		t.Fatalf("%s: Usage reports %d buckets, there are %d", step, len(all), len(buckets))
	}
	for i, b := range buckets {
		want := scannedUsage(t, l, b.Name)
		if all[i] != want {
			t.Fatalf("%s: Usage of %s\n got %+v\nwant %+v", step, b.Name, all[i], want)
		}
		one, err := l.BucketUsage(ctx, b.Name)
		if err != nil {
			t.Fatal(err)
		}
		if one != want {
			t.Fatalf("%s: BucketUsage of %s\n got %+v\nwant %+v", step, b.Name, one, want)
		}
	}
}

// usageModel drives random operations against a layer.
type usageModel struct {
	t   testing.TB
	l   *Layer
	rng *rand.Rand
	ctx context.Context
}

var usageBuckets = []string{"plain", "versioned", "suspended", "doomed"}

func (m *usageModel) bucket() string { return usageBuckets[m.rng.IntN(len(usageBuckets))] }
func (m *usageModel) key() string    { return fmt.Sprintf("k%d", m.rng.IntN(4)) }

func (m *usageModel) size() int64 {
	return []int64{0, 9, 700, 1024, 1025, 3000}[m.rng.IntN(6)]
}

// allowed ignores what S3 itself may answer to a random operation (a
// missing key or upload, a bucket not empty, parts too small).
func (m *usageModel) allowed(op string, err error) {
	m.t.Helper()
	var s3e *s3err.Error
	if err != nil && !errors.As(err, &s3e) && !errors.Is(err, ErrVersionChanged) {
		m.t.Fatalf("%s: %v", op, err)
	}
}

func (m *usageModel) put(bucket, key string) {
	n := m.size()
	_, err := m.l.PutObject(m.ctx, bucket, key, strings.NewReader(strings.Repeat("x", int(n))), PutOptions{Size: n})
	m.allowed("put", err)
}

// versions lists bucket's versions as the lifecycle scanner sees them.
func (m *usageModel) versions(bucket string) []KeyVersions {
	page, err := m.l.ScanVersions(m.ctx, bucket, ScanOptions{})
	if errors.Is(err, s3err.ErrNoSuchBucket) {
		return nil
	}
	m.allowed("scan", err)
	return page.Keys
}

func (m *usageModel) anyVersion(bucket string) (string, ScannedVersion, bool) {
	keys := m.versions(bucket)
	if len(keys) == 0 {
		return "", ScannedVersion{}, false
	}
	k := keys[m.rng.IntN(len(keys))]
	return k.Key, k.Versions[m.rng.IntN(len(k.Versions))], true
}

func (m *usageModel) anyUpload(bucket string) (Upload, bool) {
	ups, err := m.l.ListMultipartUploads(m.ctx, bucket, ListUploadsOptions{})
	if err != nil || len(ups.Uploads) == 0 {
		return Upload{}, false
	}
	return ups.Uploads[m.rng.IntN(len(ups.Uploads))], true
}

// step runs one random operation and says which.
func (m *usageModel) step() string {
	ctx, l, b := m.ctx, m.l, m.bucket()
	switch op := m.rng.IntN(19); op {
	case 17:
		m.replicaPut()
		return "replica put"
	case 18:
		m.replicaDelete()
		return "replica delete"
	case 0, 1, 2:
		m.put(b, m.key())
		return "put " + b
	case 3:
		src := CopySource{Bucket: m.bucket(), Key: m.key()}
		_, err := l.CopyObject(ctx, src, b, m.key(), CopyOptions{})
		m.allowed("copy", err)
		return "copy to " + b
	case 4:
		_, err := l.CreateMultipartUpload(ctx, b, m.key(), UploadOptions{})
		m.allowed("create upload", err)
		return "create upload in " + b
	case 5:
		if up, ok := m.anyUpload(b); ok {
			n := int64(8 + m.rng.IntN(30))
			_, err := l.UploadPart(ctx, b, up.Key, up.UploadID, 1+m.rng.IntN(3), strings.NewReader(strings.Repeat("p", int(n))), PartOptions{Size: n})
			m.allowed("upload part", err)
		}
		return "upload part in " + b
	case 6:
		if up, ok := m.anyUpload(b); ok {
			parts, err := l.ListParts(ctx, b, up.Key, up.UploadID, 0, 0)
			m.allowed("list parts", err)
			var list []CompletePart
			for _, p := range parts.Parts {
				if len(list) == 0 || m.rng.IntN(3) > 0 {
					list = append(list, CompletePart{Number: p.Number, ETag: p.ETag})
				}
			}
			if len(list) > 0 {
				_, err = l.CompleteMultipartUpload(ctx, b, up.Key, up.UploadID, list, CompleteOptions{})
				m.allowed("complete", err)
			}
		}
		return "complete upload in " + b
	case 7:
		if up, ok := m.anyUpload(b); ok {
			if m.rng.IntN(2) == 0 {
				m.allowed("abort", l.AbortMultipartUpload(ctx, b, up.Key, up.UploadID))
			} else {
				m.allowed("lifecycle abort", l.AbortExpiredUpload(ctx, b, up.Key, up.UploadID))
			}
		}
		return "abort upload in " + b
	case 8:
		_, err := l.DeleteObject(ctx, b, m.key(), DeleteOptions{})
		m.allowed("delete", err)
		return "delete in " + b
	case 9:
		if key, v, ok := m.anyVersion(b); ok {
			vid := v.VersionID
			if vid == "" {
				vid = NullVersion
			}
			_, err := l.DeleteObject(ctx, b, key, DeleteOptions{VersionID: vid})
			m.allowed("delete version", err)
		}
		return "delete version in " + b
	case 10:
		objs := []ObjectToDelete{{Key: m.key()}, {Key: m.key()}}
		if key, v, ok := m.anyVersion(b); ok && v.VersionID != "" {
			objs = append(objs, ObjectToDelete{Key: key, VersionID: v.VersionID})
		}
		_, err := l.DeleteObjects(ctx, b, objs)
		m.allowed("delete objects", err)
		return "delete objects in " + b
	case 11:
		if b == "plain" {
			return "nothing"
		}
		status := VersioningEnabled
		if b == "suspended" || m.rng.IntN(4) == 0 {
			status = VersioningSuspended
		}
		m.allowed("versioning", l.SetBucketVersioning(ctx, b, VersioningConfig{Status: status}))
		return status + " " + b
	case 12:
		if key, v, ok := m.anyVersion(b); ok {
			var err error
			if m.rng.IntN(2) == 0 {
				_, err = l.ExpireObject(ctx, b, key, v.UID)
			} else {
				_, err = l.ExpireVersion(ctx, b, key, v.VersionID, v.UID, false)
			}
			m.allowed("expire", err)
		}
		return "lifecycle expiry in " + b
	case 13:
		batch, err := l.NewBatch(ctx, b)
		if err != nil {
			m.allowed("batch", err)
			return "batch"
		}
		for range 2 {
			n := m.size()
			m.allowed("batch add", batch.Add(BatchEntry{Key: m.key(), Body: strings.NewReader(strings.Repeat("b", int(n))), Opts: PutOptions{Size: n}}))
		}
		m.allowed("batch commit", batch.Commit())
		return "batch in " + b
	case 14:
		m.allowed("fold", l.FoldUsage(ctx))
		return "fold"
	case 15:
		m.emptyAndDelete("doomed")
		return "delete bucket doomed"
	default:
		err := l.CreateBucket(ctx, "doomed", CreateBucketOptions{})
		if !errors.Is(err, s3err.ErrBucketAlreadyOwnedByYou) {
			m.allowed("create bucket", err)
		}
		return "create bucket doomed"
	}
}

// replica names a source version for replication into "versioned": a new
// one, older than what the bucket holds or not, or one it holds already.
func (m *usageModel) replica() *Replica {
	if _, v, ok := m.anyVersion("versioned"); ok && m.rng.IntN(3) == 0 && v.VersionID != NullVersion {
		return &Replica{VersionID: v.VersionID, ModTime: v.LastModified}
	}
	at := time.Now().Add(-time.Duration(m.rng.IntN(3)) * time.Hour)
	return &Replica{VersionID: newVersionID(at), ModTime: at}
}

func (m *usageModel) replicaPut() {
	n := m.size()
	_, err := m.l.PutObject(m.ctx, "versioned", m.key(), strings.NewReader(strings.Repeat("r", int(n))), PutOptions{Size: n, Replica: m.replica()})
	m.allowed("replica put", err)
}

func (m *usageModel) replicaDelete() {
	opts := DeleteOptions{Replica: m.replica(), DeleteMarker: m.rng.IntN(2) == 0}
	key := m.key()
	if k, v, ok := m.anyVersion("versioned"); ok && !opts.DeleteMarker {
		key, opts.Replica = k, &Replica{VersionID: v.VersionID, ModTime: v.LastModified}
	}
	_, err := m.l.DeleteObject(m.ctx, "versioned", key, opts)
	m.allowed("replica delete", err)
}

// emptyAndDelete deletes every version of a bucket, sometimes, and then
// tries to delete the bucket, which aborts its uploads.
func (m *usageModel) emptyAndDelete(bucket string) {
	if m.rng.IntN(2) == 0 {
		for _, k := range m.versions(bucket) {
			for _, v := range k.Versions {
				vid := v.VersionID
				if vid == "" {
					vid = NullVersion
				}
				_, err := m.l.DeleteObject(m.ctx, bucket, k.Key, DeleteOptions{VersionID: vid})
				m.allowed("empty", err)
			}
		}
	}
	err := m.l.DeleteBucket(m.ctx, bucket)
	if !errors.Is(err, s3err.ErrBucketNotEmpty) {
		m.allowed("delete bucket", err)
	}
}

func runUsageModel(t *testing.T, l *Layer, seed uint64, steps int) {
	ctx := context.Background()
	for _, b := range usageBuckets {
		if err := l.CreateBucket(ctx, b, CreateBucketOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.SetBucketVersioning(ctx, "versioned", VersioningConfig{Status: VersioningEnabled}); err != nil {
		t.Fatal(err)
	}
	m := &usageModel{t: t, l: l, rng: rand.New(rand.NewPCG(seed, 1)), ctx: ctx}
	for i := range steps {
		what := m.step()
		checkUsage(t, l, fmt.Sprintf("seed %d step %d (%s)", seed, i, what))
	}
}

// TestUsageModel runs random sequences of every kind of change to what a
// bucket holds and compares the counters with a scan after each step.
func TestUsageModel(t *testing.T) {
	for seed := range uint64(4) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			runUsageModel(t, newUsageLayer(t, openTestMeta(t)), seed, 250)
		})
	}
}

// TestUsageModelPostgres runs the model on PostgreSQL.
func TestUsageModelPostgres(t *testing.T) {
	runUsageModel(t, newUsageLayer(t, usagePostgres(t)), 7, 120)
}

// TestUsageConcurrentWrites writes one bucket from many goroutines at
// once, folding meanwhile, and compares the counters with a scan.
func TestUsageConcurrentWrites(t *testing.T) {
	t.Run("pebble", func(t *testing.T) { concurrentUsageWrites(t, newUsageLayer(t, openTestMeta(t))) })
	t.Run("postgres", func(t *testing.T) { concurrentUsageWrites(t, newUsageLayer(t, usagePostgres(t))) })
}

// usagePostgres is a metadata store on a new PostgreSQL database; it
// skips the test when PostgreSQL is not installed.
func usagePostgres(t *testing.T) meta.Store {
	t.Helper()
	pgtest.SkipIfMissing(t)
	m, err := pgstore.Open(context.Background(), pgtest.NewServer(t).NewDatabase(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return wrapTestMeta(t, m)
}

func concurrentUsageWrites(t *testing.T, l *Layer) {
	ctx := context.Background()
	mustCreate(t, l, "busy")
	if err := l.SetBucketVersioning(ctx, "busy", VersioningConfig{Status: VersioningEnabled}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for w := range 8 {
		wg.Go(func() {
			for i := range 40 {
				key := fmt.Sprintf("k%d", (w+i)%5)
				var err error
				switch i % 4 {
				case 3:
					_, err = l.DeleteObject(ctx, "busy", key, DeleteOptions{})
				default:
					n := int64(i * 100)
					_, err = l.PutObject(ctx, "busy", key, strings.NewReader(strings.Repeat("c", int(n))), PutOptions{Size: n})
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Go(func() {
		for range 20 {
			if err := l.FoldUsage(ctx); err != nil {
				errs <- err
				return
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	checkUsage(t, l, "after concurrent writes")
}

func mustCreate(t testing.TB, l *Layer, bucket string) {
	t.Helper()
	if err := l.CreateBucket(context.Background(), bucket, CreateBucketOptions{}); err != nil {
		t.Fatal(err)
	}
}

// forgetUsage removes a bucket's counters, as a bucket made before kura
// counted has none.
func forgetUsage(t testing.TB, l *Layer, bucket string) {
	t.Helper()
	err := l.rawMeta.Update(context.Background(), nil, func(tx meta.Txn) error {
		if err := tx.Delete(usageTotalKey(bucket)); err != nil {
			return err
		}
		return deleteKeys(tx, usageDeltaPrefix(bucket))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestUsageCountsOldBucket: a bucket with no counters is counted once, by
// a scan, and counted by deltas from then on, including the deltas of
// writes made between the upgrade and the count.
func TestUsageCountsOldBucket(t *testing.T) {
	l := newUsageLayer(t, openTestMeta(t))
	ctx := context.Background()
	mustCreate(t, l, "old")
	put := func(key string, n int) {
		t.Helper()
		if _, err := l.PutObject(ctx, "old", key, strings.NewReader(strings.Repeat("o", n)), PutOptions{Size: int64(n)}); err != nil {
			t.Fatal(err)
		}
	}
	put("a", 10)
	put("b", 2000)
	if _, err := l.CreateMultipartUpload(ctx, "old", "c", UploadOptions{}); err != nil {
		t.Fatal(err)
	}
	forgetUsage(t, l, "old")
	put("a", 30) // a delta on a bucket not counted yet
	checkUsage(t, l, "first read")
	put("d", 5)
	checkUsage(t, l, "after the count")
	forgetUsage(t, l, "old")
	if err := l.FoldUsage(ctx); err != nil {
		t.Fatal(err)
	}
	checkUsage(t, l, "counted by the collector")
}

// TestUsageCountRacesWrites counts a bucket that has no counters while
// other goroutines write to it.
func TestUsageCountRacesWrites(t *testing.T) {
	l := newUsageLayer(t, openTestMeta(t))
	ctx := context.Background()
	mustCreate(t, l, "race")
	for round := range 5 {
		forgetUsage(t, l, "race")
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for w := range 4 {
			wg.Go(func() {
				for i := range 10 {
					n := (round*7 + w + i) % 3 * 1000
					key := fmt.Sprintf("k%d-%d", w, i%3)
					if _, err := l.PutObject(ctx, "race", key, strings.NewReader(strings.Repeat("r", n)), PutOptions{Size: int64(n)}); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Go(func() {
			if _, err := l.BucketUsage(ctx, "race"); err != nil {
				errs <- err
			}
		})
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		checkUsage(t, l, fmt.Sprintf("round %d", round))
	}
}

// TestUsageRecreatedBucketStartsAtZero: a bucket deleted and made again
// under its name has no usage from its former life, also when a stray
// delta of it was left behind.
func TestUsageRecreatedBucketStartsAtZero(t *testing.T) {
	l := newUsageLayer(t, openTestMeta(t))
	ctx := context.Background()
	mustCreate(t, l, "again")
	if _, err := l.CreateMultipartUpload(ctx, "again", "u", UploadOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := l.DeleteBucket(ctx, "again"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.BucketUsage(ctx, "again"); !errors.Is(err, s3err.ErrNoSuchBucket) {
		t.Fatalf("usage of a deleted bucket: %v", err)
	}
	if all, err := l.Usage(ctx); err != nil || len(all) != 0 {
		t.Fatalf("usage of no bucket: %+v, %v", all, err)
	}
	stray := usageCounts{objects: 3, objectBytes: 100}
	err := l.rawMeta.Update(ctx, nil, func(tx meta.Txn) error {
		return tx.Set(append(usageDeltaPrefix("again"), "stray"...), stray.encode())
	})
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, l, "again")
	got, err := l.BucketUsage(ctx, "again")
	if err != nil {
		t.Fatal(err)
	}
	if want := (BucketUsage{Bucket: "again"}); got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

// TestUsageFoldsManyDeltas: a read that finds more deltas than
// usageFoldAt folds them, and a fold takes at most usageFoldLimit deltas
// per transaction, as many transactions as it needs.
func TestUsageFoldsManyDeltas(t *testing.T) {
	l := newUsageLayer(t, openTestMeta(t))
	ctx := context.Background()
	mustCreate(t, l, "many")
	for _, n := range []int{usageFoldAt - 1, usageFoldAt, usageFoldLimit, usageFoldLimit + 1} {
		err := l.rawMeta.Update(ctx, nil, func(tx meta.Txn) error {
			for i := range n {
				d := usageCounts{objects: 1, objectBytes: 2}
				if err := tx.Set(fmt.Appendf(usageDeltaPrefix("many"), "%08d-%d", i, n), d.encode()); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		before := countDeltas(t, l, "many")
		got, err := l.BucketUsage(ctx, "many")
		if err != nil {
			t.Fatal(err)
		}
		after := countDeltas(t, l, "many")
		if before >= usageFoldAt && after != 0 || before < usageFoldAt && after != before {
			t.Fatalf("%d deltas: %d before the read, %d after", n, before, after)
		}
		if got.Objects*2 != got.Bytes || got.Objects < int64(n) {
			t.Fatalf("%d deltas: usage %+v", n, got)
		}
	}
	if err := l.FoldUsage(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := l.BucketUsage(ctx, "many")
	if err != nil {
		t.Fatal(err)
	}
	want := int64(usageFoldAt - 1 + usageFoldAt + usageFoldLimit + usageFoldLimit + 1)
	if got.Objects != want || countDeltas(t, l, "many") != 0 {
		t.Fatalf("after folding: %+v, want %d objects", got, want)
	}
}

func countDeltas(t testing.TB, l *Layer, bucket string) int {
	t.Helper()
	n := 0
	err := l.rawMeta.View(context.Background(), func(r meta.Reader) error {
		n = 0
		return meta.EachEntry(r, usageDeltaPrefix(bucket), func(_, _ []byte) error { n++; return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestUsageLockCheck: a commit that changes a bucket's usage without the
// bucket's lock is refused while the check is on.
func TestUsageLockCheck(t *testing.T) {
	l := newUsageLayer(t, openTestMeta(t))
	ctx := context.Background()
	mustCreate(t, l, "locked")
	rec := record{UID: newUID(), Info: ObjectInfo{Size: 1}}
	err := l.meta.Update(ctx, nil, func(tx meta.Txn) error {
		return tx.Set(objectKey("locked", "x"), rec.encode())
	})
	if err == nil || !strings.Contains(err.Error(), "without its lock") {
		t.Fatalf("commit without the bucket's lock: %v", err)
	}
	err = l.meta.Update(ctx, []meta.Lock{{Name: bucketLockName("locked"), Shared: true}}, func(tx meta.Txn) error {
		return tx.Set(objectKey("locked", "x"), rec.encode())
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := l.BucketUsage(ctx, "locked"); got.Objects != 1 || got.Bytes != 1 {
		t.Fatalf("usage %+v", got)
	}
}

func TestUsageEncoding(t *testing.T) {
	c := usageCounts{objects: 1, objectBytes: -2, versions: 3, versionBytes: 1 << 40, dms: 5, uploads: -6, parts: 7, partBytes: 8}
	got, err := decodeUsage(c.encode())
	if err != nil || got != c {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	// A value written before a counter existed reads it as zero.
	short := c.encode()[:3]
	if got, err := decodeUsage(short); err != nil || got != (usageCounts{objects: 1, objectBytes: -2}) {
		t.Fatalf("short value: %+v, %v", got, err)
	}
	for _, bad := range [][]byte{nil, {0}, {usageVersion, 0x80}} {
		if _, err := decodeUsage(bad); err == nil {
			t.Fatalf("%x decoded", bad)
		}
	}
	if !slices.Equal([]string{usageBucketOf(usageTotalKey("a-b")), usageBucketOf(usageDeltaPrefix("a"))}, []string{"a-b", "a"}) {
		t.Fatal("usageBucketOf")
	}
}

// scanHookStore runs hook once, inside the first transaction that opens
// an iterator at prefix, before the iterator is made.
type scanHookStore struct {
	meta.Store
	prefix []byte
	hook   func()
	fired  atomic.Bool
}

func (s *scanHookStore) Update(ctx context.Context, locks []meta.Lock, fn func(meta.Txn) error) error {
	return s.Store.Update(ctx, locks, func(tx meta.Txn) error { return fn(scanHookTxn{tx, s}) })
}

type scanHookTxn struct {
	meta.Txn
	s *scanHookStore
}

func (t scanHookTxn) NewIter(lower, upper []byte) (meta.Iterator, error) {
	if bytes.Equal(lower, t.s.prefix) && t.s.hook != nil && t.s.fired.CompareAndSwap(false, true) {
		t.s.hook()
	}
	return t.Txn.NewIter(lower, upper)
}

// TestUsageCountWaitsOutWrites: a PUT started while a bucket without
// counters is being counted, just before the scan, is counted once: it
// waits for the count to end (the bucket's lock), and its delta adds to
// the total. Were it to commit during the count, the scan would see its
// object, and its delta would count it again.
func TestUsageCountWaitsOutWrites(t *testing.T) {
	m := &scanHookStore{Store: openTestMeta(t), prefix: objectPrefix("race")}
	l := newUsageLayer(t, m)
	ctx := context.Background()
	mustCreate(t, l, "race")
	if _, err := l.PutObject(ctx, "race", "a", strings.NewReader("aaa"), PutOptions{Size: 3}); err != nil {
		t.Fatal(err)
	}
	forgetUsage(t, l, "race")
	done := make(chan error, 1)
	m.hook = func() {
		go func() {
			_, err := l.PutObject(ctx, "race", "b", strings.NewReader("bbbb"), PutOptions{Size: 4})
			done <- err
		}()
		// Give the PUT the time to commit, were nothing to stop it; with
		// the bucket locked it waits for the count instead.
		select {
		case err := <-done:
			done <- err
		case <-time.After(200 * time.Millisecond):
		}
	}
	if _, err := l.BucketUsage(ctx, "race"); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	checkUsage(t, l, "after a PUT during the count")
}

// getCountStore counts the Gets of keys that start with tag in Updates.
type getCountStore struct {
	meta.Store
	tag  byte
	gets atomic.Int64
}

func (s *getCountStore) Update(ctx context.Context, locks []meta.Lock, fn func(meta.Txn) error) error {
	return s.Store.Update(ctx, locks, func(tx meta.Txn) error { return fn(getCountTxn{tx, s}) })
}

type getCountTxn struct {
	meta.Txn
	s *getCountStore
}

func (t getCountTxn) Get(k []byte) ([]byte, error) {
	if len(k) > 0 && k[0] == t.s.tag {
		t.s.gets.Add(1)
	}
	return t.Txn.Get(k)
}

// TestUsageReadsNoNewKey: counting a new version, delete marker or upload
// reads nothing more: their keys are new, and on a shared store every
// read is a round trip.
func TestUsageReadsNoNewKey(t *testing.T) {
	ctx := context.Background()
	for _, tag := range []byte{tagVersion, tagUpload} {
		m := &getCountStore{Store: openTestMeta(t), tag: tag}
		l := newUsageLayer(t, m)
		mustCreate(t, l, "fresh")
		if err := l.SetBucketVersioning(ctx, "fresh", VersioningConfig{Status: VersioningEnabled}); err != nil {
			t.Fatal(err)
		}
		m.gets.Store(0)
		if _, err := l.PutObject(ctx, "fresh", "k", strings.NewReader("v"), PutOptions{Size: 1}); err != nil {
			t.Fatal(err)
		}
		if _, err := l.DeleteObject(ctx, "fresh", "k", DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := l.CreateMultipartUpload(ctx, "fresh", "k", UploadOptions{}); err != nil {
			t.Fatal(err)
		}
		if n := m.gets.Load(); n != 0 {
			t.Errorf("%c-keys read %d times", tag, n)
		}
		checkUsage(t, l, "fresh keys")
	}
}

// TestUsageTransitionAndRestore: a version moved to a tier still counts,
// with its size; its restored copy does not count again.
func TestUsageTransitionAndRestore(t *testing.T) {
	ctx := context.Background()
	l, _ := newTierLayer(t)
	for key, n := range map[string]int{"blob": 3000, "inline": 10} {
		if _, err := l.PutObject(ctx, "bkt", key, strings.NewReader(strings.Repeat("t", n)), PutOptions{Size: int64(n)}); err != nil {
			t.Fatal(err)
		}
	}
	want := BucketUsage{Bucket: "bkt", Objects: 2, Versions: 2, Bytes: 3010}
	same := func(step string) {
		t.Helper()
		checkUsage(t, l.Layer, step)
		if got, err := l.BucketUsage(ctx, "bkt"); err != nil || got != want {
			t.Fatalf("%s: usage %+v (%v), want %+v", step, got, err, want)
		}
	}
	same("stored")
	transition(t, l, "blob")
	transition(t, l, "inline")
	same("transitioned")
	for _, key := range []string{"blob", "inline"} {
		if _, err := l.RestoreObject(ctx, "bkt", key, "", 1); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := l.DrainRestores(ctx); n != 2 || err != nil {
		t.Fatalf("restores: %d, %v", n, err)
	}
	same("restored")
	if _, err := l.DeleteObject(ctx, "bkt", "blob", DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	want = BucketUsage{Bucket: "bkt", Objects: 1, Versions: 1, Bytes: 10}
	same("deleted")
}
