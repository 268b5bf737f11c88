package object

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kurastore/kura/s3err"
)

func TestDayAfter(t *testing.T) {
	day := 24 * time.Hour
	for _, c := range []struct {
		t    time.Time
		n    int
		day  time.Duration
		want time.Time
	}{
		{time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC), 2, day, time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)},
		{time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC), 1, day, time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)},
		{time.Date(2026, 12, 4, 0, 0, 0, 1, time.UTC), 1, day, time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)},
		{time.Date(2026, 12, 4, 23, 59, 59, 0, time.FixedZone("x", 3600)), 0, day, time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)},
		{time.Unix(10, 0), 1, 7 * time.Second, time.Unix(21, 0).UTC()},
		{time.Unix(14, 0), 0, 7 * time.Second, time.Unix(14, 0).UTC()},
		{time.Unix(-10, 0), 1, 7 * time.Second, time.Unix(0, 0).UTC()},
	} {
		if got := dayAfter(c.t, c.n, c.day); !got.Equal(c.want) {
			t.Errorf("dayAfter(%v, %d, %v) = %v, want %v", c.t, c.n, c.day, got, c.want)
		}
	}
}

func TestRestore(t *testing.T) {
	ctx := context.Background()
	for _, tc := range transitionCases {
		t.Run(tc.name, func(t *testing.T) {
			l, mt := newTierLayer(t)
			data, ck := tc.store(t, l, "obj")
			transition(t, l, "obj")
			l.clock.Advance(2 * time.Second)
			if _, _, err := l.DrainQueue(ctx); err != nil {
				t.Fatal(err)
			}
			blobs := countBlobs(t, l.blobs)

			res, err := l.RestoreObject(ctx, "bkt", "obj", "", 2)
			if err != nil || !res.Accepted || !res.Info.RestoreOngoing || !res.Info.RestoreExpiry.IsZero() {
				t.Fatalf("restore: %v %+v", err, res)
			}
			if _, err := l.RestoreObject(ctx, "bkt", "obj", "", 2); !errors.Is(err, s3err.ErrRestoreAlreadyInProgress) {
				t.Fatalf("restore in progress: %v", err)
			}
			obj, err := l.HeadObject(ctx, "bkt", "obj", GetOptions{CustomerKey: ck})
			if err != nil || !obj.Info.RestoreOngoing {
				t.Fatalf("HEAD during the restore: %v %+v", err, obj)
			}
			// Until the copy is made, reads go to the tier.
			mt.set(func(m *memTier) { m.failOpen = true })
			if _, _, err := get(t, l, "bkt", "obj", GetOptions{CustomerKey: ck}); !isTierUnavailable(err) {
				t.Fatalf("GET during the restore, tier down: %v", err)
			}
			// The copy waits for the tier.
			if n, err := l.DrainRestores(ctx); n != 0 || err == nil {
				t.Fatalf("restore on a failing tier: %d, %v", n, err)
			}
			mt.set(func(m *memTier) { m.failOpen = false })
			if n, err := l.DrainRestores(ctx); n != 0 || err != nil {
				t.Fatalf("restore during backoff: %d, %v", n, err)
			}
			l.clock.Advance(tierRetryBase)
			now := l.clock.Now()
			if n, err := l.DrainRestores(ctx); n != 1 || err != nil {
				t.Fatalf("restore: %d, %v", n, err)
			}
			obj, err = l.HeadObject(ctx, "bkt", "obj", GetOptions{CustomerKey: ck})
			wantExpiry := dayAfter(now, 2, 24*time.Hour)
			if err != nil || obj.Info.RestoreOngoing || !obj.Info.RestoreExpiry.Equal(wantExpiry) || obj.Info.StorageClass != testTier {
				t.Fatalf("HEAD after the restore: %v %+v, want expiry %v", err, obj.Info, wantExpiry)
			}
			// The restored copy is read, not the tier.
			mt.set(func(m *memTier) { m.failOpen = true })
			checkReads(t, l, "obj", data, ck)

			// A restore of a restored version extends its expiry.
			l.clock.Advance(24 * time.Hour)
			res, err = l.RestoreObject(ctx, "bkt", "obj", "", 3)
			wantExpiry = dayAfter(l.clock.Now(), 3, 24*time.Hour)
			if err != nil || res.Accepted || res.Info.RestoreOngoing || !res.Info.RestoreExpiry.Equal(wantExpiry) {
				t.Fatalf("extension: %v %+v, want expiry %v", err, res, wantExpiry)
			}
			// The old expiry passes: nothing is dropped.
			l.clock.Advance(2 * 24 * time.Hour)
			if n, err := l.DrainRestores(ctx); n != 0 || err != nil {
				t.Fatalf("drain at the old expiry: %d, %v", n, err)
			}
			checkReads(t, l, "obj", data, ck)

			// Past the new expiry the copy is dropped and reads go to
			// the tier again.
			l.clock.Advance(2 * 24 * time.Hour)
			if n, err := l.DrainRestores(ctx); n != 1 || err != nil {
				t.Fatalf("expiry: %d, %v", n, err)
			}
			obj, err = l.HeadObject(ctx, "bkt", "obj", GetOptions{CustomerKey: ck})
			if err != nil || obj.Info.RestoreOngoing || !obj.Info.RestoreExpiry.IsZero() {
				t.Fatalf("HEAD after the expiry: %v %+v", err, obj.Info)
			}
			if _, _, err := get(t, l, "bkt", "obj", GetOptions{CustomerKey: ck}); !isTierUnavailable(err) {
				t.Fatalf("GET after the expiry, tier down: %v", err)
			}
			mt.set(func(m *memTier) { m.failOpen = false })
			checkReads(t, l, "obj", data, ck)
			l.clock.Advance(2 * time.Second)
			if _, _, err := l.DrainQueue(ctx); err != nil {
				t.Fatal(err)
			}
			if n := countBlobs(t, l.blobs); n != blobs {
				t.Fatalf("%d blobs after the copy expired, want %d", n, blobs)
			}
			if n := countKeys(t, l.meta, []byte{tagRestore}); n != 0 {
				t.Fatalf("%d Z-keys left", n)
			}
			// And it can be restored again.
			if res, err := l.RestoreObject(ctx, "bkt", "obj", "", 1); err != nil || !res.Accepted {
				t.Fatalf("restore after the expiry: %v %+v", err, res)
			}
		})
	}
}

func TestRestoreRefusals(t *testing.T) {
	ctx := context.Background()
	l, _ := newTierLayer(t)
	put(t, l, "bkt", "local", payload(5000))
	put(t, l, "bkt", "cold", payload(5000))
	transition(t, l, "cold")
	if _, err := l.RestoreObject(ctx, "bkt", "local", "", 1); !errors.Is(err, s3err.ErrInvalidObjectState) || s3err.From(err).HTTPStatus != 403 {
		t.Fatalf("restore of a local object: %v", err)
	}
	for _, days := range []int{0, -1, MaxRestoreDays + 1} {
		if _, err := l.RestoreObject(ctx, "bkt", "cold", "", days); !errors.Is(err, s3err.ErrInvalidArgument) {
			t.Fatalf("restore for %d days: %v", days, err)
		}
	}
	if _, err := l.RestoreObject(ctx, "bkt", "missing", "", 1); !errors.Is(err, s3err.ErrNoSuchKey) {
		t.Fatalf("restore of a missing key: %v", err)
	}
	if _, err := l.RestoreObject(ctx, "nobucket", "cold", "", 1); !errors.Is(err, s3err.ErrNoSuchBucket) {
		t.Fatalf("restore in a missing bucket: %v", err)
	}
	res, err := l.RestoreObject(ctx, "bkt", "cold", "", MaxRestoreDays)
	if err != nil || !res.Accepted {
		t.Fatalf("restore for MaxRestoreDays: %v", err)
	}
	if n, err := l.DrainRestores(ctx); n != 1 || err != nil {
		t.Fatalf("restore: %d %v", n, err)
	}
	obj, err := l.HeadObject(ctx, "bkt", "cold", GetOptions{})
	if err != nil || !obj.Info.RestoreExpiry.Equal(dayAfter(l.clock.Now(), MaxRestoreDays, 24*time.Hour)) {
		t.Fatalf("HEAD: %v %+v", err, obj.Info)
	}
}

func TestRestoreResumesAfterRestart(t *testing.T) {
	ctx := context.Background()
	l, mt := newTierLayer(t)
	put(t, l, "bkt", "obj", payload(5000))
	transition(t, l, "obj")
	if _, err := l.RestoreObject(ctx, "bkt", "obj", "", 1); err != nil {
		t.Fatal(err)
	}
	// Another layer over the same stores, as after a restart.
	again := New(l.meta, l.blobs, l.opts)
	if n, err := again.DrainRestores(ctx); n != 1 || err != nil {
		t.Fatalf("restore after a restart: %d, %v", n, err)
	}
	mt.set(func(m *memTier) { m.failOpen = true })
	checkReads(t, l, "obj", payload(5000), nil)
}

func TestDeleteRestoredVersion(t *testing.T) {
	ctx := context.Background()
	l, mt := newTierLayer(t)
	put(t, l, "bkt", "obj", payload(5000))
	put(t, l, "bkt", "pending", payload(5000))
	transition(t, l, "obj")
	transition(t, l, "pending")
	l.clock.Advance(2 * time.Second)
	if _, _, err := l.DrainQueue(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := l.RestoreObject(ctx, "bkt", "obj", "", 1); err != nil {
		t.Fatal(err)
	}
	if n, err := l.DrainRestores(ctx); n != 1 || err != nil {
		t.Fatalf("restore: %d, %v", n, err)
	}
	if n := countBlobs(t, l.blobs); n != 1 {
		t.Fatalf("%d blobs with one restored copy", n)
	}
	if _, err := l.RestoreObject(ctx, "bkt", "pending", "", 1); err != nil {
		t.Fatal(err)
	}
	// Both go while one is restored and the other being restored.
	for _, key := range []string{"obj", "pending"} {
		if _, err := l.DeleteObject(ctx, "bkt", key, DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := l.DrainRestores(ctx); n != 0 || err != nil {
		t.Fatalf("restore of a deleted version: %d, %v", n, err)
	}
	l.clock.Advance(2 * time.Second)
	if _, _, err := l.DrainQueue(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := l.DrainTierDeletes(ctx); n != 2 || err != nil {
		t.Fatalf("remote deletes: %d, %v", n, err)
	}
	if n := countBlobs(t, l.blobs); n != 0 || len(mt.names()) != 0 {
		t.Fatalf("left: %d blobs, tier %v", n, mt.names())
	}
	l.clock.Advance(48 * time.Hour)
	if _, err := l.DrainRestores(ctx); err != nil {
		t.Fatal(err)
	}
	if n := countKeys(t, l.meta, []byte{tagRestore}); n != 0 {
		t.Fatalf("%d Z-keys left", n)
	}
}

// The collector does the tier work: remote deletes and restores.
func TestCollectorDoesTierWork(t *testing.T) {
	ctx := context.Background()
	l, mt := newTierLayer(t)
	put(t, l, "bkt", "gone", payload(5000))
	put(t, l, "bkt", "kept", payload(5000))
	transition(t, l, "gone")
	transition(t, l, "kept")
	if _, err := l.DeleteObject(ctx, "bkt", "gone", DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.RestoreObject(ctx, "bkt", "kept", "", 1); err != nil {
		t.Fatal(err)
	}
	l.clock.Advance(2 * time.Second)
	run, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); l.RunCollector(run) }()
	defer func() { stop(); <-done }()
	// The collector's first round runs at once.
	for i := 0; ; i++ {
		obj, err := l.HeadObject(ctx, "bkt", "kept", GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !obj.Info.RestoreOngoing && len(mt.names()) == 1 {
			break
		}
		if i == 1000 {
			t.Fatalf("the collector did not do the tier work: tier %v, restore ongoing %v", mt.names(), obj.Info.RestoreOngoing)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A pass of restores stops trying a tier at its first failure.
func TestRestoresStopAtAFailingTier(t *testing.T) {
	ctx := context.Background()
	l, mt := newTierLayer(t)
	for _, key := range []string{"a", "b"} {
		put(t, l, "bkt", key, payload(5000))
		transition(t, l, key)
		if _, err := l.RestoreObject(ctx, "bkt", key, "", 1); err != nil {
			t.Fatal(err)
		}
	}
	mt.set(func(m *memTier) { m.failOpen = true })
	if n, err := l.DrainRestores(ctx); n != 0 || err == nil {
		t.Fatalf("restores on a failing tier: %d, %v", n, err)
	}
	mt.set(func(m *memTier) { m.failOpen = false })
	if n, err := l.DrainRestores(ctx); n != 1 || err != nil {
		t.Fatalf("the restore not tried: %d, %v", n, err)
	}
	l.clock.Advance(tierRetryBase)
	if n, err := l.DrainRestores(ctx); n != 1 || err != nil {
		t.Fatalf("the restore that failed, after its backoff: %d, %v", n, err)
	}
}
