package object

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kurastore/kura/s3err"
)

// transitionCase stores one kind of object as key and returns its data
// and the SSE-C key a read needs.
type transitionCase struct {
	name   string
	pieces int // remote objects it makes
	store  func(t *testing.T, l testLayer, key string) ([]byte, []byte)
}

var transitionCases = []transitionCase{
	{"blob", 1, func(t *testing.T, l testLayer, key string) ([]byte, []byte) {
		data := payload(5000)
		put(t, l, "bkt", key, data)
		return data, nil
	}},
	{"inline", 1, func(t *testing.T, l testLayer, key string) ([]byte, []byte) {
		data := payload(700)
		put(t, l, "bkt", key, data)
		return data, nil
	}},
	{"empty", 1, func(t *testing.T, l testLayer, key string) ([]byte, []byte) {
		put(t, l, "bkt", key, nil)
		return []byte{}, nil
	}},
	{"multipart", 3, func(t *testing.T, l testLayer, key string) ([]byte, []byte) {
		data := payload(3*4000 - 123)
		putMultipart(t, l, key, data, 4000, UploadOptions{}, nil)
		return data, nil
	}},
	{"sse-s3", 1, func(t *testing.T, l testLayer, key string) ([]byte, []byte) {
		data := markedPayload(200 << 10)
		if _, err := l.PutObject(context.Background(), "bkt", key, bytes.NewReader(data), PutOptions{Size: int64(len(data)), Encryption: Encryption{Type: SSES3}}); err != nil {
			t.Fatal(err)
		}
		return data, nil
	}},
	{"sse-s3-inline", 1, func(t *testing.T, l testLayer, key string) ([]byte, []byte) {
		data := markedPayload(900)
		if _, err := l.PutObject(context.Background(), "bkt", key, bytes.NewReader(data), PutOptions{Size: int64(len(data)), Encryption: Encryption{Type: SSES3}}); err != nil {
			t.Fatal(err)
		}
		return data, nil
	}},
	{"sse-s3-multipart", 2, func(t *testing.T, l testLayer, key string) ([]byte, []byte) {
		data := markedPayload(150 << 10)
		putMultipart(t, l, key, data, 100<<10, UploadOptions{Encryption: Encryption{Type: SSES3}}, nil)
		return data, nil
	}},
	{"sse-c", 1, func(t *testing.T, l testLayer, key string) ([]byte, []byte) {
		data := markedPayload(130 << 10)
		if _, err := l.PutObject(context.Background(), "bkt", key, bytes.NewReader(data), PutOptions{Size: int64(len(data)), Encryption: Encryption{Type: SSEC, CustomerKey: sseKey(3)}}); err != nil {
			t.Fatal(err)
		}
		return data, sseKey(3)
	}},
}

// checkReads reads key whole and in ranges (across part and package
// boundaries) and compares with data.
func checkReads(t *testing.T, l testLayer, key string, data []byte, customerKey []byte) {
	t.Helper()
	got, obj, err := get(t, l, "bkt", key, GetOptions{CustomerKey: customerKey})
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("GET %s: %d bytes, err %v; want %d bytes", key, len(got), err, len(data))
	}
	if obj.Info.StorageClass != testTier || obj.Info.Tier != testTier {
		t.Fatalf("GET %s: storage class %q, tier %q", key, obj.Info.StorageClass, obj.Info.Tier)
	}
	n := int64(len(data))
	if n == 0 {
		return
	}
	for _, r := range []Range{
		{Start: 0, End: 0},
		{Start: n / 3, End: n/3 + n/2},
		{Start: n - 1, End: -1},
		{Suffix: true, Length: min(n, 70000)},
		{Start: min(n-1, 3999), End: min(n-1, 4000)},
		{Start: min(n-1, 65535), End: min(n-1, 65537)},
	} {
		got, obj, err := get(t, l, "bkt", key, GetOptions{Range: &r, CustomerKey: customerKey})
		if err != nil {
			t.Fatalf("GET %s range %+v: %v", key, r, err)
		}
		if want := data[obj.Offset : obj.Offset+obj.Length]; !bytes.Equal(got, want) {
			t.Fatalf("GET %s range %+v: wrong bytes", key, r)
		}
	}
}

func TestTransitionReadsThrough(t *testing.T) {
	ctx := context.Background()
	for _, tc := range transitionCases {
		t.Run(tc.name, func(t *testing.T) {
			l, mt := newTierLayer(t)
			data, ck := tc.store(t, l, "obj")
			blobsBefore := countBlobs(t, l.blobs)
			info := transition(t, l, "obj")
			if info.StorageClass != testTier || info.Tier != testTier || info.Key != "obj" {
				t.Fatalf("transition info: %+v", info)
			}
			if got := len(mt.names()); got != tc.pieces {
				t.Fatalf("tier holds %d objects (%v), want %d", got, mt.names(), tc.pieces)
			}
			if n := countKeys(t, l.meta, []byte{tagTierDelete}); n != 0 {
				t.Fatalf("%d X-keys left after a committed transition", n)
			}
			if n := countKeys(t, l.meta, []byte{tagInline}); n != 0 {
				t.Fatalf("%d inline values left after the transition", n)
			}
			checkReads(t, l, "obj", data, ck)

			// Encrypted data stays encrypted on the tier.
			for _, name := range mt.names() {
				mt.mu.Lock()
				leaked := bytes.Contains(mt.objs[name], marker)
				mt.mu.Unlock()
				if leaked {
					t.Fatalf("plaintext on the tier in %s", name)
				}
			}

			// The local blobs go to the collector.
			l.clock.Advance(2 * time.Second)
			if _, _, err := l.DrainQueue(ctx); err != nil {
				t.Fatal(err)
			}
			if got := countBlobs(t, l.blobs); got != blobsBefore-tc.pieces && !slices.Contains([]string{"inline", "empty", "sse-s3-inline"}, tc.name) {
				t.Fatalf("%d blobs after collection, want %d", got, blobsBefore-tc.pieces)
			}
			checkReads(t, l, "obj", data, ck)

			// HEAD and listings show the tier as the storage class.
			obj, err := l.HeadObject(ctx, "bkt", "obj", GetOptions{CustomerKey: ck})
			if err != nil || obj.Info.StorageClass != testTier {
				t.Fatalf("HEAD: %v, %+v", err, obj)
			}
			list, err := l.ListObjects(ctx, "bkt", ListOptions{MaxKeys: 10})
			if err != nil || len(list.Objects) != 1 || list.Objects[0].StorageClass != testTier {
				t.Fatalf("list: %v %+v", err, list.Objects)
			}
			// A second transition of the same record changes nothing.
			if _, err := l.TransitionObject(ctx, "bkt", "obj", "", info.uidForTest(t, l), testTier); !errors.Is(err, ErrAlreadyTransitioned) {
				t.Fatalf("second transition: %v", err)
			}
		})
	}
}

// uidForTest is the uid of the latest version of info's key.
func (info ObjectInfo) uidForTest(t *testing.T, l testLayer) string {
	return uidOf(t, l, info.Bucket, info.Key)
}

func TestTransitionOfReplacedVersionChangesNothing(t *testing.T) {
	ctx := context.Background()
	l, mt := newTierLayer(t)
	put(t, l, "bkt", "obj", payload(5000))
	uid := uidOf(t, l, "bkt", "obj")
	// The object is overwritten while its data is uploaded.
	mt.afterPut = func(string) { put(t, l, "bkt", "obj", payload(6000)) }
	if _, err := l.TransitionObject(ctx, "bkt", "obj", "", uid, testTier); !errors.Is(err, ErrVersionChanged) {
		t.Fatalf("transition of a replaced version: %v", err)
	}
	mt.set(func(m *memTier) { m.afterPut = nil })
	got, obj, err := get(t, l, "bkt", "obj", GetOptions{})
	if err != nil || !bytes.Equal(got, payload(6000)) || obj.Info.Tier != "" {
		t.Fatalf("the new object: %v, tier %q", err, obj.Info.Tier)
	}
	// The uploaded copy is an orphan on the tier, deleted by the queue.
	if len(mt.names()) != 1 {
		t.Fatalf("tier: %v", mt.names())
	}
	if n, err := l.DrainTierDeletes(ctx); err != nil || n != 1 || len(mt.names()) != 0 {
		t.Fatalf("drain: %d, %v, tier %v", n, err, mt.names())
	}
	if n := countKeys(t, l.meta, []byte{tagTierDelete}); n != 0 {
		t.Fatalf("%d X-keys left", n)
	}
	// A uid that never was the version's is refused before any upload.
	if _, err := l.TransitionObject(ctx, "bkt", "obj", "", uid, testTier); !errors.Is(err, ErrVersionChanged) || len(mt.names()) != 0 {
		t.Fatalf("stale uid: %v, tier %v", err, mt.names())
	}
}

func TestTransitionTierFailsDuringUpload(t *testing.T) {
	ctx := context.Background()
	l, mt := newTierLayer(t)
	data := payload(3 * 3000)
	putMultipart(t, l, "obj", data, 3000, UploadOptions{}, nil)
	uid := uidOf(t, l, "bkt", "obj")
	mt.set(func(m *memTier) { m.putsLeft = 1 }) // the second part fails
	if _, err := l.TransitionObject(ctx, "bkt", "obj", "", uid, testTier); err == nil {
		t.Fatal("transition succeeded on a failing tier")
	}
	got, obj, err := get(t, l, "bkt", "obj", GetOptions{})
	if err != nil || !bytes.Equal(got, data) || obj.Info.Tier != "" || obj.Info.StorageClass != "" {
		t.Fatalf("object after a failed transition: %v %+v", err, obj.Info)
	}
	if len(mt.names()) != 1 {
		t.Fatalf("tier: %v", mt.names())
	}
	// Every remote name is queued, the uploaded one is deleted.
	if n := countKeys(t, l.meta, []byte{tagTierDelete}); n != 3 {
		t.Fatalf("%d X-keys, want 3", n)
	}
	if n, err := l.DrainTierDeletes(ctx); err != nil || n != 3 || len(mt.names()) != 0 {
		t.Fatalf("drain: %d, %v, tier %v", n, err, mt.names())
	}
	// The tier is back: the next attempt succeeds.
	mt.set(func(m *memTier) { m.putsLeft = -1 })
	transition(t, l, "obj")
	checkReads(t, l, "obj", data, nil)
}

func TestTransitionCrashBeforeCommit(t *testing.T) {
	l, mt := newTierLayer(t)
	data := payload(5000)
	put(t, l, "bkt", "obj", data)
	uid := uidOf(t, l, "bkt", "obj")
	// The server stops once the upload is done, before the commit.
	ctx, stop := context.WithCancel(context.Background())
	mt.afterPut = func(string) { stop() }
	if _, err := l.TransitionObject(ctx, "bkt", "obj", "", uid, testTier); err == nil {
		t.Fatal("transition committed after the stop")
	}
	mt.set(func(m *memTier) { m.afterPut = nil })
	bg := context.Background()
	got, obj, err := get(t, l, "bkt", "obj", GetOptions{})
	if err != nil || !bytes.Equal(got, data) || obj.Info.Tier != "" {
		t.Fatalf("object after the crash: %v %+v", err, obj.Info)
	}
	// The uploaded object is left for OrphanGrace: a transition that is
	// still uploading elsewhere must not lose it.
	if n, err := l.DrainTierDeletes(bg); err != nil || n != 0 || len(mt.names()) != 1 {
		t.Fatalf("early drain: %d, %v, tier %v", n, err, mt.names())
	}
	l.clock.Advance(l.opts.OrphanGrace + time.Second)
	if n, err := l.DrainTierDeletes(bg); err != nil || n != 1 || len(mt.names()) != 0 {
		t.Fatalf("drain: %d, %v, tier %v", n, err, mt.names())
	}
	// The record still transitions later.
	transition(t, l, "obj")
	checkReads(t, l, "obj", data, nil)
}

func TestTransitionedReadOnUnreachableTier(t *testing.T) {
	ctx := context.Background()
	l, mt := newTierLayer(t)
	put(t, l, "bkt", "big", payload(5000))
	put(t, l, "bkt", "small", payload(100))
	transition(t, l, "big")
	transition(t, l, "small")
	mt.set(func(m *memTier) { m.failOpen = true })
	for _, key := range []string{"big", "small"} {
		if _, _, err := get(t, l, "bkt", key, GetOptions{}); !isTierUnavailable(err) {
			t.Fatalf("GET %s on an unreachable tier: %v", key, err)
		}
		if s3err.From(errOf(l.GetObject(ctx, "bkt", key, GetOptions{}))).HTTPStatus != 503 {
			t.Fatalf("GET %s: not a 503", key)
		}
		// A GET answered by its preconditions needs no data.
		head, err := l.HeadObject(ctx, "bkt", key, GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.GetObject(ctx, "bkt", key, GetOptions{Cond: Conditions{IfNoneMatch: head.Info.ETag}}); !errors.Is(err, s3err.ErrNotModified) {
			t.Fatalf("conditional GET %s on an unreachable tier: %v", key, err)
		}
		// HEAD needs no data.
		if obj, err := l.HeadObject(ctx, "bkt", key, GetOptions{}); err != nil || obj.Info.StorageClass != testTier {
			t.Fatalf("HEAD %s: %v", key, err)
		}
	}
	mt.set(func(m *memTier) { m.failOpen = false })
	checkReads(t, l, "big", payload(5000), nil)
	checkReads(t, l, "small", payload(100), nil)
}

func errOf(_ *Object, err error) error { return err }

func TestDeleteTransitionedQueuesRemoteDeletes(t *testing.T) {
	ctx := context.Background()
	l, mt := newTierLayer(t)
	if err := l.CreateBucket(ctx, "ver", CreateBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := l.SetBucketVersioning(ctx, "ver", VersioningConfig{Status: VersioningEnabled}); err != nil {
		t.Fatal(err)
	}
	put(t, l, "bkt", "deleted", payload(5000))
	put(t, l, "bkt", "overwritten", payload(5000))
	putMultipart(t, l, "parts", payload(8000), 3000, UploadOptions{}, nil)
	v1 := put(t, l, "ver", "k", payload(4000))
	put(t, l, "ver", "k", payload(100))
	for _, key := range []string{"deleted", "overwritten", "parts"} {
		transition(t, l, key)
	}
	rec, _, err := l.lookup(ctx, "ver", "k", v1.VersionID, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.TransitionObject(ctx, "ver", "k", v1.VersionID, rec.UID, testTier); err != nil {
		t.Fatal(err)
	}
	if len(mt.names()) != 6 {
		t.Fatalf("tier: %v", mt.names())
	}

	// The tier cannot be reached when the deletes are due.
	mt.set(func(m *memTier) { m.failDelete = true })
	if _, err := l.DeleteObject(ctx, "bkt", "deleted", DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	put(t, l, "bkt", "overwritten", payload(10))
	if _, err := l.DeleteObject(ctx, "bkt", "parts", DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.DeleteObject(ctx, "ver", "k", DeleteOptions{VersionID: v1.VersionID}); err != nil {
		t.Fatal(err)
	}
	if n := countKeys(t, l.meta, []byte{tagTierDelete}); n != 6 {
		t.Fatalf("%d X-keys, want 6", n)
	}
	// Not due before GCDelay: a read that just looked one up may be
	// reading it.
	if n, err := l.DrainTierDeletes(ctx); n != 0 || err != nil {
		t.Fatalf("early drain: %d, %v", n, err)
	}
	l.clock.Advance(2 * time.Second)
	if n, err := l.DrainTierDeletes(ctx); n != 0 || err == nil {
		t.Fatalf("drain on a failing tier: %d, %v", n, err)
	}
	if len(mt.names()) != 6 || countKeys(t, l.meta, []byte{tagTierDelete}) != 6 {
		t.Fatalf("a failed delete lost its entry: tier %v", mt.names())
	}
	// Backoff: not retried at once.
	mt.set(func(m *memTier) { m.failDelete = false })
	if n, err := l.DrainTierDeletes(ctx); n != 0 || err != nil {
		t.Fatalf("drain during the backoff: %d, %v", n, err)
	}
	l.clock.Advance(tierRetryBase)
	if n, err := l.DrainTierDeletes(ctx); n != 6 || err != nil {
		t.Fatalf("drain after the backoff: %d, %v", n, err)
	}
	if len(mt.names()) != 0 || countKeys(t, l.meta, []byte{tagTierDelete}) != 0 {
		t.Fatalf("left: tier %v", mt.names())
	}
	got, _, err := get(t, l, "ver", "k", GetOptions{})
	if err != nil || !bytes.Equal(got, payload(100)) {
		t.Fatalf("the remaining version: %v", err)
	}
}

func TestTierBackoff(t *testing.T) {
	for attempts, want := range map[uint16]time.Duration{0: tierRetryBase, 1: tierRetryBase, 2: 2 * tierRetryBase, 3: 4 * tierRetryBase, 100: tierRetryMax, 65535: tierRetryMax} {
		if got := tierBackoff(attempts); got != want {
			t.Errorf("tierBackoff(%d) = %v, want %v", attempts, got, want)
		}
	}
}

func TestTransitionRecordRoundTrip(t *testing.T) {
	rec := record{UID: "u", BlobID: "b1", RestoreBlobs: []string{"r1"}, Info: ObjectInfo{
		Tier: testTier, Attrs: Attrs{StorageClass: testTier}, RestoreExpiry: time.Unix(1700000000, 0).UTC(), LastModified: time.Unix(1, 0).UTC(),
	}}
	got, err := decodeRecord(rec.encode(), true)
	if err != nil || got.Info.Tier != testTier || !slices.Equal(got.RestoreBlobs, rec.RestoreBlobs) || !got.Info.RestoreExpiry.Equal(rec.Info.RestoreExpiry) || got.Info.RestoreOngoing {
		t.Fatalf("round trip: %v %+v", err, got)
	}
	rec.Info.RestoreOngoing, rec.RestoreBlobs, rec.Info.RestoreExpiry = true, nil, time.Time{}
	got, err = decodeRecord(rec.encode(), false)
	if err != nil || !got.Info.RestoreOngoing || got.RestoreBlobs != nil || !got.Info.RestoreExpiry.IsZero() {
		t.Fatalf("round trip: %v %+v", err, got)
	}
}

func TestTransitionedVersionsKeepTheirMetadata(t *testing.T) {
	ctx := context.Background()
	l, mt := newTierLayer(t)
	if err := l.SetBucketVersioning(ctx, "bkt", VersioningConfig{Status: VersioningEnabled}); err != nil {
		t.Fatal(err)
	}
	old := put(t, l, "bkt", "k", payload(5000))
	put(t, l, "bkt", "k", payload(300))
	smallUID := uidOf(t, l, "bkt", "k")
	rec, _, err := l.lookup(ctx, "bkt", "k", old.VersionID, false)
	if err != nil {
		t.Fatal(err)
	}
	// Tags change while the data is uploaded: the commit keeps them.
	mt.afterPut = func(string) {
		if _, err := l.PutObjectTags(ctx, "bkt", "k", old.VersionID, map[string]string{"a": "b"}); err != nil {
			t.Error(err)
		}
	}
	info, err := l.TransitionObject(ctx, "bkt", "k", old.VersionID, rec.UID, testTier)
	mt.set(func(m *memTier) { m.afterPut = nil })
	if err != nil || info.VersionID != old.VersionID || info.Tags["a"] != "b" {
		t.Fatalf("transition of a noncurrent version: %v %+v", err, info)
	}
	if _, err := l.TransitionObject(ctx, "bkt", "k", "", smallUID, testTier); err != nil {
		t.Fatal(err)
	}
	got, obj, err := get(t, l, "bkt", "k", GetOptions{VersionID: old.VersionID})
	if err != nil || !bytes.Equal(got, payload(5000)) || obj.Info.Tags["a"] != "b" || obj.Info.Tier != testTier {
		t.Fatalf("GET of the old version: %v %+v", err, obj.Info)
	}
	vl, err := l.ListObjectVersions(ctx, "bkt", VersionListOptions{MaxKeys: 10})
	if err != nil || len(vl.Versions) != 2 || vl.Versions[0].StorageClass != testTier || vl.Versions[1].StorageClass != testTier {
		t.Fatalf("versions: %v %+v", err, vl.Versions)
	}

	// A restore by version id touches only that version.
	if res, err := l.RestoreObject(ctx, "bkt", "k", old.VersionID, 1); err != nil || !res.Accepted || res.Info.VersionID != old.VersionID {
		t.Fatalf("restore of the old version: %v %+v", err, res)
	}
	if n, err := l.DrainRestores(ctx); n != 1 || err != nil {
		t.Fatalf("restore: %d %v", n, err)
	}
	head, err := l.HeadObject(ctx, "bkt", "k", GetOptions{})
	if err != nil || head.Info.RestoreOngoing || !head.Info.RestoreExpiry.IsZero() {
		t.Fatalf("the latest version: %v %+v", err, head.Info)
	}

	// A copy of a transitioned object reads through and is stored
	// locally, as STANDARD.
	cp, err := l.CopyObject(ctx, CopySource{Bucket: "bkt", Key: "k"}, "bkt", "copy", CopyOptions{})
	if err != nil || cp.Tier != "" || cp.StorageClass != "" {
		t.Fatalf("copy: %v %+v", err, cp)
	}
	mt.set(func(m *memTier) { m.failOpen = true })
	if got, _, err := get(t, l, "bkt", "copy", GetOptions{}); err != nil || !bytes.Equal(got, payload(300)) {
		t.Fatalf("GET of the copy with the tier down: %v", err)
	}
	mt.set(func(m *memTier) { m.failOpen = false })

	// The scrub does not look for the data of transitioned versions
	// among the local blobs.
	l.clock.Advance(2 * time.Second)
	if _, _, err := l.DrainQueue(ctx); err != nil {
		t.Fatal(err)
	}
	var damage []Damage
	if _, err := l.Scrub(ctx, func(d Damage) { damage = append(damage, d) }); err != nil || len(damage) != 0 {
		t.Fatalf("scrub: %v %+v", err, damage)
	}
}

func TestReadsDuringTransitionAndRestore(t *testing.T) {
	ctx := context.Background()
	l, _ := newTierLayer(t)
	data := payload(300 << 10)
	putMultipart(t, l, "obj", data, 100<<10, UploadOptions{}, nil)
	small := payload(200)
	put(t, l, "bkt", "small", small)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, c := range []struct {
		key  string
		data []byte
	}{{"obj", data}, {"obj", data}, {"small", small}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				obj, err := l.GetObject(ctx, "bkt", c.key, GetOptions{})
				if err != nil {
					t.Errorf("GET %s: %v", c.key, err)
					return
				}
				got, err := io.ReadAll(obj.Body)
				obj.Body.Close()
				if err != nil || !bytes.Equal(got, c.data) {
					t.Errorf("GET %s: %d bytes, %v", c.key, len(got), err)
					return
				}
			}
		}()
	}
	transition(t, l, "obj")
	transition(t, l, "small")
	for _, key := range []string{"obj", "small"} {
		if _, err := l.RestoreObject(ctx, "bkt", key, "", 1); err != nil {
			t.Fatal(err)
		}
	}
	l.clock.Advance(2 * time.Second)
	if _, _, err := l.DrainQueue(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := l.DrainRestores(ctx); n != 2 || err != nil {
		t.Fatalf("restores: %d, %v", n, err)
	}
	l.clock.Advance(48 * time.Hour)
	if n, err := l.DrainRestores(ctx); n != 2 || err != nil {
		t.Fatalf("expiries: %d, %v", n, err)
	}
	l.clock.Advance(2 * time.Second)
	if _, _, err := l.DrainQueue(ctx); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
}
