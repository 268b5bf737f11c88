package object

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/kurastore/kura/s3err"
)

func lockedLayer(t *testing.T) testLayer {
	t.Helper()
	l := newTestLayer(t)
	if err := l.CreateBucket(context.Background(), "lck", CreateBucketOptions{ObjectLock: true}); err != nil {
		t.Fatal(err)
	}
	return l
}

func putLocked(t *testing.T, l testLayer, key string, r Retention, hold bool) ObjectInfo {
	t.Helper()
	info, err := l.PutObject(context.Background(), "lck", key, bytes.NewReader([]byte("worm")), PutOptions{Size: 4, Retention: r, LegalHold: hold})
	if err != nil {
		t.Fatal(err)
	}
	return info
}

// TestRetentionTransitions: every mode × change × bypass, as AWS documents
// them: COMPLIANCE can only be extended; GOVERNANCE can be extended
// freely, and shortened, removed or switched to the other mode only with
// the bypass.
func TestRetentionTransitions(t *testing.T) {
	l := lockedLayer(t)
	ctx := context.Background()
	now := l.clock.Now()
	day := 24 * time.Hour
	type change struct {
		name string
		next func(cur Retention) Retention
	}
	changes := []change{
		{"extend", func(c Retention) Retention { return Retention{Mode: c.Mode, RetainUntil: c.RetainUntil.Add(day)} }},
		{"shorten", func(c Retention) Retention { return Retention{Mode: c.Mode, RetainUntil: c.RetainUntil.Add(-day)} }},
		{"remove", func(Retention) Retention { return Retention{} }},
		{"switch-mode", func(c Retention) Retention {
			m := LockCompliance
			if c.Mode == LockCompliance {
				m = LockGovernance
			}
			return Retention{Mode: m, RetainUntil: c.RetainUntil.Add(day)}
		}},
	}
	allowed := map[string]bool{
		"GOVERNANCE/extend/false": true, "GOVERNANCE/extend/true": true,
		"GOVERNANCE/shorten/true": true, "GOVERNANCE/remove/true": true, "GOVERNANCE/switch-mode/true": true,
		"COMPLIANCE/extend/false": true, "COMPLIANCE/extend/true": true,
	}
	for _, mode := range []string{LockGovernance, LockCompliance} {
		for _, ch := range changes {
			for _, bypass := range []bool{false, true} {
				name := fmt.Sprintf("%s/%s/%v", mode, ch.name, bypass)
				cur := Retention{Mode: mode, RetainUntil: now.Add(10 * day).UTC()}
				info := putLocked(t, l, name, cur, false)
				err := l.PutObjectRetention(ctx, "lck", name, info.VersionID, ch.next(cur), bypass)
				if allowed[name] != (err == nil) {
					t.Errorf("%s: %v, allowed %v", name, err, allowed[name])
				}
				if err != nil && !errors.Is(err, s3err.ErrAccessDenied) {
					t.Errorf("%s: refused with %v, want AccessDenied", name, err)
				}
			}
		}
	}
}

// TestLockedVersionsRefuseDeletion: mode × bypass × legal hold for a
// permanent delete; a delete without a version id only adds a marker.
func TestLockedVersionsRefuseDeletion(t *testing.T) {
	l := lockedLayer(t)
	ctx := context.Background()
	until := l.clock.Now().Add(time.Hour).UTC()
	for _, mode := range []string{"", LockGovernance, LockCompliance} {
		for _, hold := range []bool{false, true} {
			for _, bypass := range []bool{false, true} {
				key := fmt.Sprintf("%s-%v-%v", mode, hold, bypass)
				r := Retention{}
				if mode != "" {
					r = Retention{Mode: mode, RetainUntil: until}
				}
				info := putLocked(t, l, key, r, hold)
				if res, err := l.DeleteObject(ctx, "lck", key, DeleteOptions{}); err != nil || !res.DeleteMarker {
					t.Fatalf("%s: a delete marker is always allowed: %+v %v", key, res, err)
				}
				_, err := l.DeleteObject(ctx, "lck", key, DeleteOptions{VersionID: info.VersionID, BypassGovernance: bypass})
				wantOK := !hold && (mode == "" || mode == LockGovernance && bypass)
				if wantOK != (err == nil) {
					t.Errorf("%s: permanent delete: %v, want ok=%v", key, err, wantOK)
				}
				if err == nil {
					continue
				}
				if _, _, err := get(t, l, "lck", key, GetOptions{VersionID: info.VersionID}); err != nil {
					t.Errorf("%s: refused delete lost the version: %v", key, err)
				}
			}
		}
	}
	// Once the retention has passed, and the hold is off, the version goes.
	info := putLocked(t, l, "expiring", Retention{Mode: LockCompliance, RetainUntil: until}, true)
	if err := l.PutObjectLegalHold(ctx, "lck", "expiring", info.VersionID, false); err != nil {
		t.Fatal(err)
	}
	l.clock.Advance(2 * time.Hour)
	if _, err := l.DeleteObject(ctx, "lck", "expiring", DeleteOptions{VersionID: info.VersionID}); err != nil {
		t.Fatalf("expired retention: %v", err)
	}
}

func TestLockDefaultsAndBadInput(t *testing.T) {
	l := lockedLayer(t)
	ctx := context.Background()
	if err := l.SetObjectLockConfig(ctx, "lck", DefaultRetention{Mode: LockGovernance, Days: 3}); err != nil {
		t.Fatal(err)
	}
	info := putLocked(t, l, "d", Retention{}, false)
	state, err := l.ObjectLockState(ctx, "lck", "d", info.VersionID)
	r := state.Retention
	if err != nil || r.Mode != LockGovernance || state.LegalHold || !r.RetainUntil.Equal(info.LastModified.AddDate(0, 0, 3)) {
		t.Fatalf("default retention: %+v %v (modified %v)", state, err, info.LastModified)
	}
	for name, d := range map[string]DefaultRetention{
		"bad mode": {Mode: "FOREVER", Days: 1}, "days and years": {Mode: LockGovernance, Days: 1, Years: 1}, "neither": {Mode: LockCompliance},
	} {
		if err := l.SetObjectLockConfig(ctx, "lck", d); !errors.Is(err, s3err.ErrMalformedXML) {
			t.Errorf("%s: %v", name, err)
		}
	}
	mustCreateBucket(t, l, "plain")
	if err := l.SetObjectLockConfig(ctx, "plain", DefaultRetention{Mode: LockGovernance, Days: 1}); !errors.Is(err, s3err.ErrInvalidBucketState) {
		t.Errorf("lock config on a bucket without lock: %v", err)
	}
	put(t, l, "plain", "k", []byte("x"))
	if err := l.PutObjectRetention(ctx, "plain", "k", "", Retention{Mode: LockGovernance, RetainUntil: l.clock.Now().Add(time.Hour)}, false); !errors.Is(err, s3err.ErrInvalidRequest) {
		t.Errorf("retention on a bucket without lock: %v", err)
	}
	if err := l.PutObjectRetention(ctx, "lck", "d", "", Retention{Mode: "FOREVER", RetainUntil: l.clock.Now().Add(time.Hour)}, false); !errors.Is(err, s3err.ErrInvalidArgument) {
		t.Errorf("invalid mode: %v", err)
	}
	if err := l.PutObjectRetention(ctx, "lck", "d", "", Retention{Mode: LockGovernance, RetainUntil: l.clock.Now().Add(-time.Hour)}, false); !errors.Is(err, s3err.ErrInvalidArgument) {
		t.Errorf("retain-until in the past: %v", err)
	}
	if err := l.SetBucketVersioning(ctx, "lck", VersioningConfig{Status: VersioningSuspended}); !errors.Is(err, s3err.ErrInvalidBucketState) {
		t.Errorf("suspending a locked bucket: %v", err)
	}
	if _, err := l.PutObject(ctx, "plain", "k2", bytes.NewReader(nil), PutOptions{LegalHold: true}); !errors.Is(err, s3err.ErrInvalidRequest) {
		t.Errorf("legal hold on a bucket without lock: %v", err)
	}
}

// Object lock can be turned on for an existing bucket once versioning is
// enabled on it, as AWS allows since 2023; an unversioned or suspended
// bucket is InvalidBucketState, and the lock then holds as on a bucket
// created with it.
func TestObjectLockOnExistingBucket(t *testing.T) {
	l := newTestLayer(t)
	ctx := context.Background()
	mustCreateBucket(t, l, "late")
	rule := DefaultRetention{Mode: LockGovernance, Days: 1}
	if err := l.SetObjectLockConfig(ctx, "late", rule); !errors.Is(err, s3err.ErrInvalidBucketState) {
		t.Fatalf("unversioned bucket: %v", err)
	}
	if err := l.SetBucketVersioning(ctx, "late", VersioningConfig{Status: VersioningSuspended}); err != nil {
		t.Fatal(err)
	}
	if err := l.SetObjectLockConfig(ctx, "late", rule); !errors.Is(err, s3err.ErrInvalidBucketState) {
		t.Fatalf("suspended bucket: %v", err)
	}
	if err := l.SetBucketVersioning(ctx, "late", VersioningConfig{Status: VersioningEnabled, ExcludedPrefixes: []string{"tmp/"}}); err != nil {
		t.Fatal(err)
	}
	if err := l.SetObjectLockConfig(ctx, "late", rule); !errors.Is(err, s3err.ErrInvalidBucketState) {
		t.Fatalf("bucket excluding prefixes from versioning: %v", err)
	}
	if err := l.SetBucketVersioning(ctx, "late", VersioningConfig{Status: VersioningEnabled}); err != nil {
		t.Fatal(err)
	}
	if err := l.SetObjectLockConfig(ctx, "late", rule); err != nil {
		t.Fatalf("versioned bucket: %v", err)
	}
	b, err := l.Bucket(ctx, "late")
	if err != nil || !b.ObjectLock || b.LockDefault != rule {
		t.Fatalf("bucket after enabling the lock: %+v %v", b, err)
	}
	info := put(t, l, "late", "k", []byte("x"))
	if _, err := l.DeleteObject(ctx, "late", "k", DeleteOptions{VersionID: info.VersionID}); !errors.Is(err, s3err.ErrAccessDenied) {
		t.Fatalf("deleting a version under default retention: %v", err)
	}
	if err := l.SetBucketVersioning(ctx, "late", VersioningConfig{Status: VersioningSuspended}); !errors.Is(err, s3err.ErrInvalidBucketState) {
		t.Fatalf("suspending versioning once locked: %v", err)
	}
}

// CreateMultipartUpload refuses a retention or legal hold in a bucket
// without object lock, as PutObject does, before any part is sent; in a
// bucket with object lock it takes them.
func TestCreateMultipartUploadLockWithoutObjectLock(t *testing.T) {
	l := lockedLayer(t)
	ctx := context.Background()
	mustCreateBucket(t, l, "plain")
	until := l.clock.Now().Add(time.Hour)
	for name, opts := range map[string]UploadOptions{
		"retention":  {Retention: Retention{Mode: LockGovernance, RetainUntil: until}},
		"legal hold": {LegalHold: true},
	} {
		if _, err := l.CreateMultipartUpload(ctx, "plain", "k", opts); !errors.Is(err, s3err.ErrInvalidRequest) {
			t.Errorf("%s in a bucket without object lock: %v", name, err)
		}
		if _, err := l.CreateMultipartUpload(ctx, "lck", "k", opts); err != nil {
			t.Errorf("%s in a bucket with object lock: %v", name, err)
		}
	}
	if _, err := l.CreateMultipartUpload(ctx, "plain", "k", UploadOptions{}); err != nil {
		t.Errorf("no lock in a bucket without object lock: %v", err)
	}
	res, err := l.ListMultipartUploads(ctx, "plain", ListUploadsOptions{MaxUploads: 10})
	if err != nil || len(res.Uploads) != 1 {
		t.Errorf("uploads of the plain bucket: %+v %v, want the one without lock", res.Uploads, err)
	}
}

// A version's legal hold status exists once one was put on it, at its
// write or since, and stays (OFF) when it is lifted; a version that
// never had one has none, and a copy does not take the source's.
func TestLegalHoldStatusExists(t *testing.T) {
	l := lockedLayer(t)
	ctx := context.Background()
	never := putLocked(t, l, "never", Retention{}, false)
	held := putLocked(t, l, "held", Retention{}, true)
	lifted := putLocked(t, l, "lifted", Retention{}, false)
	if err := l.PutObjectLegalHold(ctx, "lck", "lifted", lifted.VersionID, true); err != nil {
		t.Fatal(err)
	}
	if err := l.PutObjectLegalHold(ctx, "lck", "lifted", lifted.VersionID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := l.CopyObject(ctx, CopySource{Bucket: "lck", Key: "lifted"}, "lck", "copy", CopyOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		key, vid  string
		hold, set bool
	}{
		{"never", never.VersionID, false, false},
		{"held", held.VersionID, true, true},
		{"lifted", lifted.VersionID, false, true},
		{"copy", "", false, false},
	} {
		state, err := l.ObjectLockState(ctx, "lck", c.key, c.vid)
		if err != nil || state.LegalHold != c.hold || state.LegalHoldSet != c.set {
			t.Errorf("%s: %+v %v, want hold %v set %v", c.key, state, err, c.hold, c.set)
		}
	}
	if err := l.PutObjectLegalHold(ctx, "lck", "held", held.VersionID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := l.DeleteObject(ctx, "lck", "held", DeleteOptions{VersionID: held.VersionID}); err != nil {
		t.Errorf("delete after the hold was lifted: %v", err)
	}
}
