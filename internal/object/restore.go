package object

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/kurastore/kura/internal/blob"
	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/tier"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/s3name"
)

// Restores. RestoreObject of a transitioned version makes a temporary
// local copy of its data, as S3 does for archived objects: the first
// request is accepted (S3 answers 202) and the copy is made in the
// background; a request while it is being made is refused
// (RestoreAlreadyInProgress); one once it is made extends its expiry
// (200). kura's tiers are readable, so a transitioned version can be read
// without a restore; a restored one is read from its local copy, which
// is faster and does not depend on the tier.
//
// The work is queued durably in Z-keys, ordered by when it is due:
//
//	Z<due:8 bytes BE><kind><uid>   a restore to copy (kind 'c') or a
//	                               restored copy to drop (kind 'e')
//
// holding the version's bucket, key and id. The collector (RunCollector,
// under its lease) copies each remote object back into a new local blob,
// referenced by the record like any other (R-keys), and then, in one
// commit, records the copy, its expiry and the Z-key that drops it. A
// restart resumes the copies queued. Dropping a copy drops its
// references, and the blobs go to the collector.
const tagRestore = 'Z'

const (
	restoreCopy   = 'c'
	restoreExpire = 'e'
	restoreBatch  = 100
)

// MaxRestoreDays is the longest a restored copy is kept for: kura's own
// bound, which keeps expiry times within what a time.Duration counts.
const MaxRestoreDays = 36500

// RestoreResult says what RestoreObject did.
type RestoreResult struct {
	// Accepted is true when a new restore started (S3 answers 202
	// Accepted); false when the version was restored already and the
	// expiry of its copy was extended (200 OK).
	Accepted bool
	// Info is the version's info after the request.
	Info ObjectInfo
}

// restoreJob is a Z-key's value.
type restoreJob struct {
	Bucket    string `json:"b"`
	Key       string `json:"k"`
	VersionID string `json:"v"`
	Days      int    `json:"d,omitempty"`
	Attempts  int    `json:"a,omitempty"`
}

func restoreKey(due time.Time, kind byte, uid string) []byte {
	k := make([]byte, 0, 1+8+1+len(uid))
	k = append(k, tagRestore)
	k = binary.BigEndian.AppendUint64(k, uint64(due.UnixNano()))
	k = append(k, kind)
	return append(k, uid...)
}

func setRestoreJob(tx meta.Txn, due time.Time, kind byte, uid string, job restoreJob) error {
	val, err := json.Marshal(job)
	if err != nil {
		return err
	}
	return tx.Set(restoreKey(due, kind, uid), val)
}

// dayAfter is t plus n lifecycle days, rounded up to the next day
// boundary (a multiple of day since the Unix epoch: midnight UTC for
// 24h days); a time exactly on a boundary stays.
func dayAfter(t time.Time, n int, day time.Duration) time.Time {
	x := t.Add(time.Duration(n) * day).UnixNano()
	d := int64(day)
	switch r := x % d; {
	case r > 0:
		x += d - r
	case r < 0:
		x -= r
	}
	return time.Unix(0, x).UTC()
}

// restoredCopyValid reports whether rec has a finished, unexpired
// restored copy to read instead of its tier.
func (rec *record) restoredCopyValid(now time.Time) bool {
	in := &rec.Info
	if !rec.remote() || in.RestoreOngoing || !in.RestoreExpiry.After(now) {
		return false
	}
	return rec.Inline || len(rec.RestoreBlobs) == len(rec.blobIDs())
}

// dropRestoredCopy releases the restored copy of a transitioned record
// and clears its restore state.
func (l *Layer) dropRestoredCopy(tx meta.Txn, rec *record) error {
	if rec.Inline {
		// A transitioned record's inline value, when it has one, is its
		// restored copy.
		if err := tx.Delete(inlineKey(rec.UID)); err != nil {
			return err
		}
	}
	for _, id := range rec.RestoreBlobs {
		if err := l.dropBlobRef(tx, id, rec.UID); err != nil {
			return err
		}
	}
	rec.RestoreBlobs, rec.Info.RestoreExpiry = nil, time.Time{}
	return nil
}

// RestoreObject asks for a temporary local copy of a transitioned
// version of bucket/key (the latest when versionID is ""), kept for days
// lifecycle days once made. A version whose data is not on a tier gives
// InvalidObjectState; a restore in progress, RestoreAlreadyInProgress.
func (l *Layer) RestoreObject(ctx context.Context, bucket, key, versionID string, days int) (RestoreResult, error) {
	if days < 1 || days > MaxRestoreDays {
		return RestoreResult{}, s3err.ErrInvalidArgument.WithMessage("Days must be between 1 and %d.", MaxRestoreDays)
	}
	if err := s3name.CheckKey(key); err != nil {
		return RestoreResult{}, err
	}
	if !s3name.ValidBucket(bucket) {
		return RestoreResult{}, s3err.ErrNoSuchBucket
	}
	if versionID != "" && !ValidVersionID(versionID) {
		return RestoreResult{}, s3err.ErrInvalidArgument.WithMessage("Invalid version id specified")
	}
	var res RestoreResult
	err := l.meta.Update(ctx, l.objectLocks(bucket, key), func(tx meta.Txn) error {
		res = RestoreResult{}
		b, e, err := lookupVersionEntry(tx, bucket, key, versionID)
		if err != nil {
			return err
		}
		rec := e.rec
		switch {
		case !rec.remote():
			return s3err.ErrInvalidObjectState.WithMessage("Restore is not allowed for the object's current storage class.")
		case rec.Info.RestoreOngoing:
			return s3err.ErrRestoreAlreadyInProgress
		}
		now := l.gcNow()
		job := restoreJob{Bucket: bucket, Key: key, VersionID: versionOf(rec), Days: days}
		if !rec.Info.RestoreExpiry.IsZero() {
			if err := tx.Delete(restoreKey(rec.Info.RestoreExpiry, restoreExpire, rec.UID)); err != nil {
				return err
			}
		}
		if rec.restoredCopyValid(now) {
			rec.Info.RestoreExpiry = dayAfter(now, days, l.opts.LifecycleDay)
			if err := setRestoreJob(tx, rec.Info.RestoreExpiry, restoreExpire, rec.UID, job); err != nil {
				return err
			}
		} else {
			// An expired copy the collector has not dropped yet goes now.
			if err := l.dropRestoredCopy(tx, &rec); err != nil {
				return err
			}
			rec.Info.RestoreOngoing, res.Accepted = true, true
			if err := setRestoreJob(tx, now, restoreCopy, rec.UID, job); err != nil {
				return err
			}
			if err := l.recordEvent(ctx, tx, EventRestorePost, bucket, key, rec.Info); err != nil {
				return err
			}
		}
		res.Info = rec.Info
		return rewriteVersion(tx, b, key, e.key, rec)
	})
	if err != nil {
		return RestoreResult{}, err
	}
	l.kickCollector()
	res.Info.Bucket, res.Info.Key = bucket, key
	return res, nil
}

// versionOf is the version id that finds rec again: "null" for the
// null version of a bucket that was never versioned.
func versionOf(rec record) string {
	if rec.Info.VersionID == "" {
		return NullVersion
	}
	return rec.Info.VersionID
}

// lookupVersionEntry is lookupVersion that also returns the version's
// V-key (nil in a bucket that was never versioned) and the bucket.
func lookupVersionEntry(tx meta.Reader, bucket, key, vid string) (BucketInfo, versionEntry, error) {
	rec, err := lookupVersion(tx, bucket, key, vid)
	if err != nil {
		return BucketInfo{}, versionEntry{}, err
	}
	b, err := readBucket(tx, bucket)
	if err != nil {
		return b, versionEntry{}, err
	}
	e, found, err := findVersion(tx, b, key, versionOf(rec))
	if err == nil && !found {
		err = s3err.ErrNoSuchKey
	}
	return b, e, err
}

// DrainRestores does the restore work that is due: it copies the data of
// the restores asked for back from their tiers, and drops the restored
// copies that expired. It returns how many it did, and the first failure
// of a tier; a failed copy is tried again with backoff.
func (l *Layer) DrainRestores(ctx context.Context) (int, error) {
	if err := l.syncSharedClock(ctx); err != nil {
		return 0, err
	}
	now := l.gcNow()
	type job struct {
		key []byte
		job restoreJob
	}
	var due []job
	upper := restoreKey(now.Add(time.Nanosecond), 0, "")
	err := l.view(ctx, func(r meta.Reader) error {
		due = due[:0]
		it, err := r.NewIter([]byte{tagRestore}, upper)
		if err != nil {
			return err
		}
		defer it.Close()
		for ok := it.First(); ok && len(due) < restoreBatch; ok = it.Next() {
			val, err := it.Value()
			if err != nil {
				return err
			}
			var j restoreJob
			if err := json.Unmarshal(val, &j); err != nil {
				l.log.Warn("unreadable restore job", "err", err)
			}
			due = append(due, job{bytes.Clone(it.Key()), j})
		}
		return it.Err()
	})
	if err != nil {
		return 0, err
	}
	done := 0
	var firstErr error
	failing := map[string]bool{} // tiers a copy failed on in this pass
	for _, j := range due {
		if len(j.key) < 1+8+1 {
			continue
		}
		uid := string(j.key[1+8+1:])
		var did bool
		var err error
		if j.key[1+8] == restoreCopy {
			did, err = l.copyBack(ctx, j.key, uid, j.job, failing)
		} else {
			did, err = l.expireRestore(ctx, j.key, uid, j.job)
		}
		if err != nil {
			if ctx.Err() != nil {
				return done, err
			}
			if firstErr == nil {
				firstErr = fmt.Errorf("restore of %s/%s version %s: %w", j.job.Bucket, j.job.Key, j.job.VersionID, err)
			}
			continue
		}
		if did {
			done++
		}
	}
	return done, firstErr
}

// restoreTarget reads the record a restore job names, and reports
// whether it is still the transitioned record uid.
func (l *Layer) restoreTarget(r meta.Reader, uid string, j restoreJob) (BucketInfo, versionEntry, bool, error) {
	b, err := readBucket(r, j.Bucket)
	if errors.Is(err, s3err.ErrNoSuchBucket) {
		return b, versionEntry{}, false, nil
	}
	if err != nil {
		return b, versionEntry{}, false, err
	}
	e, found, err := findVersion(r, b, j.Key, j.VersionID)
	if err != nil {
		return b, e, false, err
	}
	return b, e, found && e.rec.UID == uid && e.rec.remote(), nil
}

// copyBack makes the restored copy of the version a restore job names.
// It leaves a job whose tier is failing in this pass for the next one,
// and adds the tier to failing when the copy fails.
func (l *Layer) copyBack(ctx context.Context, k []byte, uid string, j restoreJob, failing map[string]bool) (bool, error) {
	var rec record
	var current bool
	err := l.view(ctx, func(r meta.Reader) (err error) {
		var e versionEntry
		_, e, current, err = l.restoreTarget(r, uid, j)
		rec = e.rec
		return err
	})
	if err != nil {
		return false, err
	}
	if !current || !rec.Info.RestoreOngoing {
		return false, l.meta.Update(ctx, nil, func(tx meta.Txn) error { return tx.Delete(k) })
	}
	if failing[rec.Info.Tier] {
		return false, nil
	}
	inline, ws, err := l.fetchRemote(ctx, rec)
	if err != nil {
		failing[rec.Info.Tier] = true
		l.retryRestore(ctx, k, uid, j)
		return false, err
	}
	stale := false
	rolledBack, err := l.update(ctx, l.objectLocks(j.Bucket, j.Key), func(tx meta.Txn) error {
		b, e, current, err := l.restoreTarget(tx, uid, j)
		if err != nil {
			return err
		}
		stale = !current || !e.rec.Info.RestoreOngoing
		if err := tx.Delete(k); err != nil || stale {
			return err
		}
		cur := e.rec
		cur.RestoreBlobs = nil
		for _, w := range ws {
			cur.RestoreBlobs = append(cur.RestoreBlobs, string(w.ID()))
			if err := tx.Set(blobRefKey(string(w.ID()), uid), nil); err != nil {
				return err
			}
			if err := l.finishWrite(tx, w); err != nil {
				return err
			}
		}
		if cur.Inline {
			if err := tx.Set(inlineKey(uid), inline); err != nil {
				return err
			}
		}
		cur.Info.RestoreOngoing = false
		cur.Info.RestoreExpiry = dayAfter(l.gcNow(), j.Days, l.opts.LifecycleDay)
		if err := setRestoreJob(tx, cur.Info.RestoreExpiry, restoreExpire, uid, restoreJob{Bucket: j.Bucket, Key: j.Key, VersionID: j.VersionID}); err != nil {
			return err
		}
		if err := rewriteVersion(tx, b, j.Key, e.key, cur); err != nil {
			return err
		}
		info := cur.Info
		info.Bucket, info.Key = j.Bucket, j.Key
		return l.recordEvent(ctx, tx, EventRestoreCompleted, j.Bucket, j.Key, info)
	})
	if err != nil || stale {
		for _, w := range ws {
			l.dropUncommitted(w, rolledBack || stale)
		}
		return false, err
	}
	l.endWrites(ws...)
	return true, nil
}

// fetchRemote copies rec's remote objects back: an inline value into
// memory, blobs into new local blobs, committed but not yet referenced.
func (l *Layer) fetchRemote(ctx context.Context, rec record) ([]byte, []blob.Writer, error) {
	t, err := l.tierOf(ctx, rec.Info.Tier)
	if err != nil {
		return nil, nil, err
	}
	encrypted := rec.Info.SSE.Type != ""
	if rec.Inline {
		size := storedSize(rec.Info.Size, encrypted)
		rc, err := t.Open(ctx, remoteName(rec.UID, remoteInlineID), 0, size)
		if err != nil {
			return nil, nil, err
		}
		defer rc.Close()
		data := make([]byte, size)
		if _, err := io.ReadFull(rc, data); err != nil {
			return nil, nil, err
		}
		if err := rec.checkInline(data); err != nil {
			return nil, nil, err
		}
		return data, nil, nil
	}
	var ws []blob.Writer
	for i, id := range rec.blobIDs() {
		size := rec.Info.Size
		if len(rec.Parts) > 0 {
			size = rec.Parts[i].Size
		}
		w, err := l.fetchBlob(ctx, t, remoteName(rec.UID, id), storedSize(size, encrypted))
		if err != nil {
			for _, w := range ws {
				l.discardBlob(w)
			}
			return nil, nil, err
		}
		ws = append(ws, w)
	}
	return nil, ws, nil
}

// fetchBlob copies the remote object name, size bytes, into a new
// committed blob.
func (l *Layer) fetchBlob(ctx context.Context, t tier.Tier, name string, size int64) (blob.Writer, error) {
	rc, err := t.Open(ctx, name, 0, size)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	w, err := l.createBlob(ctx)
	if err != nil {
		return nil, err
	}
	n, err := io.Copy(w, rc)
	if err == nil && n != size {
		err = fmt.Errorf("object: remote object %s holds %d bytes, want %d", name, n, size)
	}
	if err == nil {
		_, err = w.Commit()
	}
	if err != nil {
		l.abortBlob(w)
		return nil, err
	}
	return w, nil
}

// retryRestore puts a restore whose copy failed back in the queue, due
// after a backoff.
func (l *Layer) retryRestore(ctx context.Context, k []byte, uid string, j restoreJob) {
	j.Attempts++
	due := l.gcNow().Add(tierBackoff(uint16(min(j.Attempts, 1<<15))))
	err := l.meta.Update(context.WithoutCancel(ctx), nil, func(tx meta.Txn) error {
		if _, err := tx.Get(k); err != nil {
			if errors.Is(err, meta.ErrNotFound) {
				return nil
			}
			return err
		}
		if err := tx.Delete(k); err != nil {
			return err
		}
		return setRestoreJob(tx, due, restoreCopy, uid, j)
	})
	if err != nil {
		l.log.Warn("requeueing a restore", "err", err)
	}
}

// expireRestore drops the restored copy of the version a job names once
// it expired.
func (l *Layer) expireRestore(ctx context.Context, k []byte, uid string, j restoreJob) (bool, error) {
	dropped := false
	err := l.meta.Update(ctx, l.objectLocks(j.Bucket, j.Key), func(tx meta.Txn) error {
		dropped = false
		if err := tx.Delete(k); err != nil {
			return err
		}
		b, e, current, err := l.restoreTarget(tx, uid, j)
		if err != nil || !current {
			return err
		}
		cur := e.rec
		exp := cur.Info.RestoreExpiry
		if cur.Info.RestoreOngoing || exp.IsZero() || exp.After(l.gcNow()) {
			return nil // extended or asked for again since
		}
		if err := l.dropRestoredCopy(tx, &cur); err != nil {
			return err
		}
		if err := rewriteVersion(tx, b, j.Key, e.key, cur); err != nil {
			return err
		}
		dropped = true
		return l.recordEvent(ctx, tx, EventRestoreDelete, j.Bucket, j.Key, cur.Info)
	})
	if dropped && err == nil {
		l.kickCollector()
	}
	return dropped, err
}
