package object

import (
	"context"
	"encoding/json"
	"time"

	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/s3name"
)

// Object lock (WORM). A bucket created with object lock is versioned and
// can never be suspended. Each version may carry a retention (a mode and
// a retain-until date) and a legal hold; while either holds, the version
// cannot be deleted for good. A delete without a version id still only
// adds a delete marker, as on AWS.

// Retention modes.
const (
	LockGovernance = "GOVERNANCE"
	LockCompliance = "COMPLIANCE"
)

// Retention is a version's lock: none when Mode is "".
type Retention struct {
	Mode        string
	RetainUntil time.Time
}

// DefaultRetention is a bucket's object lock rule, applied to each new
// version that does not bring its own retention. Exactly one of Days and
// Years is set when Mode is.
type DefaultRetention struct {
	Mode  string `json:"mode,omitempty"`
	Days  int    `json:"days,omitempty"`
	Years int    `json:"years,omitempty"`
}

// active reports whether r still protects its version at now.
func (r Retention) active(now time.Time) bool {
	return r.Mode != "" && now.Before(r.RetainUntil)
}

// CreateBucketOptions describe CreateBucket.
type CreateBucketOptions struct {
	Region string
	// ObjectLock enables object lock, which implies versioning.
	ObjectLock bool
	// Owner is the canonical ID of the creator (BucketInfo.Owner).
	Owner string
	// Configs are configuration documents the bucket is created with,
	// by name, stored in the same transaction.
	Configs map[string][]byte
}

func validMode(mode string) bool { return mode == LockGovernance || mode == LockCompliance }

// checkRetentionRequest validates a retention a client asks for.
func checkRetentionRequest(r Retention, now time.Time) error {
	switch {
	case r.Mode == "" && r.RetainUntil.IsZero():
		return nil
	case !validMode(r.Mode):
		return s3err.ErrInvalidArgument.WithMessage("Unknown wormMode directive.")
	case r.RetainUntil.IsZero():
		return s3err.ErrInvalidArgument.WithMessage("x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied.")
	case !r.RetainUntil.After(now):
		return s3err.ErrInvalidArgument.WithMessage("The retain until date must be in the future!")
	case r.RetainUntil.After(maxRetainUntil):
		return s3err.ErrInvalidArgument.WithMessage("The retain until date must be before %s.", maxRetainUntil.Format(time.RFC3339))
	}
	return nil
}

// maxRetainUntil is the latest retain-until date a record can hold: it
// is stored in Unix nanoseconds, which end in April 2262.
var maxRetainUntil = time.Date(2262, time.January, 1, 0, 0, 0, 0, time.UTC)

// applyLock sets the retention and legal hold of a new version: what the
// request asked for, else the bucket's default retention.
// The request's lock is already in rec.
func (l *Layer) applyLock(b BucketInfo, rec *record, now time.Time) error {
	if !b.ObjectLock {
		return checkLockable(b, rec.Info.Retention, rec.Info.LegalHold)
	}
	if rec.Info.Retention.Mode != "" {
		return nil
	}
	if d := b.LockDefault; d.Mode != "" {
		until := now.AddDate(d.Years, 0, d.Days)
		rec.Info.Retention = Retention{Mode: d.Mode, RetainUntil: until}
	}
	return nil
}

// checkLockable refuses a retention or legal hold asked for in a bucket
// without object lock.
func checkLockable(b BucketInfo, r Retention, legalHold bool) error {
	if !b.ObjectLock && (r.Mode != "" || legalHold) {
		return s3err.ErrInvalidRequest.WithMessage("Bucket is missing Object Lock Configuration")
	}
	return nil
}

// checkDeletable refuses a permanent delete of a locked version.
func checkDeletable(info ObjectInfo, bypassGovernance bool, now time.Time) error {
	if info.LegalHold {
		return s3err.ErrAccessDenied.WithMessage("Object is WORM protected and cannot be overwritten or deleted (legal hold).")
	}
	r := info.Retention
	if !r.active(now) {
		return nil
	}
	if r.Mode == LockGovernance && bypassGovernance {
		return nil
	}
	return s3err.ErrAccessDenied.WithMessage("Object is WORM protected and cannot be overwritten or deleted.")
}

// checkRetentionChange applies AWS's rules to replacing cur with next:
// COMPLIANCE can only be extended; GOVERNANCE can be shortened, removed or
// changed only with the bypass.
func checkRetentionChange(cur, next Retention, bypass bool, now time.Time) error {
	if !cur.active(now) {
		return nil
	}
	weaker := next.Mode == "" || next.RetainUntil.Before(cur.RetainUntil) || next.Mode != cur.Mode
	if !weaker {
		return nil
	}
	if cur.Mode == LockGovernance && bypass {
		return nil
	}
	return s3err.ErrAccessDenied.WithMessage("Object is WORM protected and cannot be overwritten or deleted.")
}

// PutObjectRetention sets (or, with a zero Retention, removes) the
// retention of a version (the latest when vid is "").
func (l *Layer) PutObjectRetention(ctx context.Context, bucket, key, vid string, r Retention, bypassGovernance bool) error {
	now := l.opts.Now()
	if r.Mode != "" || !r.RetainUntil.IsZero() {
		if err := checkRetentionRequest(r, now); err != nil {
			return err
		}
	}
	return l.changeLock(ctx, bucket, key, vid, EventRetentionPut, func(rec *record) error {
		if err := checkRetentionChange(rec.Info.Retention, r, bypassGovernance, now); err != nil {
			return err
		}
		rec.Info.Retention = r
		return nil
	})
}

// PutObjectLegalHold turns a version's legal hold on or off.
func (l *Layer) PutObjectLegalHold(ctx context.Context, bucket, key, vid string, on bool) error {
	return l.changeLock(ctx, bucket, key, vid, EventLegalHoldPut, func(rec *record) error {
		rec.Info.LegalHold, rec.Info.LegalHoldSet = on, true
		return nil
	})
}

// LockState is a version's object lock: its retention (zero for none)
// and legal hold.
type LockState struct {
	Retention Retention
	LegalHold bool
	// LegalHoldSet says the version has a legal hold status at all.
	LegalHoldSet bool
}

// ObjectLockState returns a version's retention and legal hold.
func (l *Layer) ObjectLockState(ctx context.Context, bucket, key, vid string) (LockState, error) {
	b, err := l.Bucket(ctx, bucket)
	if err != nil {
		return LockState{}, err
	}
	if !b.ObjectLock {
		return LockState{}, s3err.ErrInvalidRequest.WithMessage("Bucket is missing Object Lock Configuration")
	}
	rec, _, err := l.lookup(ctx, bucket, key, vid, false)
	return LockState{Retention: rec.Info.Retention, LegalHold: rec.Info.LegalHold, LegalHoldSet: rec.Info.LegalHoldSet}, err
}

// changeLock updates the lock fields of a version in a bucket with object
// lock.
func (l *Layer) changeLock(ctx context.Context, bucket, key, vid, event string, change func(*record) error) error {
	b, err := l.Bucket(ctx, bucket)
	if err != nil {
		return err
	}
	if !b.ObjectLock {
		return s3err.ErrInvalidRequest.WithMessage("Bucket is missing Object Lock Configuration")
	}
	_, err = l.updateRecord(ctx, bucket, key, vid, event, change)
	return err
}

// SetObjectLockConfig sets a bucket's default retention (a zero value
// removes it), and turns object lock on for a versioned bucket created
// without it.
func (l *Layer) SetObjectLockConfig(ctx context.Context, bucket string, d DefaultRetention) error {
	if d.Mode != "" && (!validMode(d.Mode) || (d.Days > 0) == (d.Years > 0) || d.Days < 0 || d.Years < 0) {
		return s3err.ErrMalformedXML.WithMessage("A default retention needs a valid mode and either Days or Years, greater than zero.")
	}
	if !s3name.ValidBucket(bucket) {
		return s3err.ErrNoSuchBucket
	}
	return l.meta.Update(ctx, []meta.Lock{{Name: bucketLockName(bucket)}}, func(tx meta.Txn) error {
		b, err := readBucket(tx, bucket)
		if err != nil {
			return err
		}
		if !b.ObjectLock {
			// As on AWS since 2023, object lock can be turned on for an
			// existing bucket once versioning is enabled on it (and, here,
			// excludes no key from versioning); it cannot be turned off.
			if b.Versioning != VersioningEnabled || len(b.ExcludedPrefixes) > 0 || b.ExcludeFolders {
				return s3err.ErrInvalidBucketState.WithMessage("Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration")
			}
			b.ObjectLock = true
		}
		b.LockDefault = d
		val, err := json.Marshal(b)
		if err != nil {
			return err
		}
		return tx.Set(bucketKey(bucket), val)
	})
}
