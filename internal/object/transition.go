package object

import (
	"bytes"
	"context"
	"errors"
	"io"

	"github.com/kurastore/kura/internal/blob"
	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/tier"
)

// Transitions. A lifecycle rule moves a version's data to a tier (package
// tier): each of its blobs goes as it is stored (ciphertext for an
// encrypted object, which stays encrypted under the same keys) to one
// remote object named <record uid>/<blob id>, and the record keeps its
// blob ids and part manifest, so the layout and offsets of a read stay
// what they were. An inline version's value goes as one remote object,
// <uid>/inline, and leaves the metadata store: S3 transitions small
// objects too, and keeping the value would save nothing. The record
// names the tier (ObjectInfo.Tier, and its storage class becomes the
// tier's name); its metadata, tags and locks stay where they are.
//
// Reads read through from the tier (read.go), or from the local copy a
// RestoreObject made (restore.go).

// ErrAlreadyTransitioned refuses a transition of a version whose data is
// on a tier already (ErrVersionChanged one of a version that is not the
// one evaluated).
var ErrAlreadyTransitioned = errors.New("object: the version is transitioned already")

// TransitionObject moves the data of one version of bucket/key to the
// tier named class: versionID is the version ("" for the latest, which
// is the null version of an unversioned key), uid the record uid the
// caller evaluated (ObjectInfo.UID). When the version is no longer that record it returns
// ErrVersionChanged and changes nothing; whatever it uploaded is queued
// for deletion. It returns the version's info as transitioned.
func (l *Layer) TransitionObject(ctx context.Context, bucket, key, versionID, uid, class string) (ObjectInfo, error) {
	t, err := l.tierOf(ctx, class)
	if errors.Is(err, tier.ErrNoSuchTier) && LabelClass(class) {
		return l.relabel(ctx, bucket, key, versionID, uid, class)
	}
	if err != nil {
		return ObjectInfo{}, err
	}
	rec, data, err := l.lookup(ctx, bucket, key, versionID, true)
	switch {
	case err != nil && rec.Info.IsDeleteMarker:
		return ObjectInfo{}, ErrVersionChanged
	case err != nil:
		return ObjectInfo{}, err
	case rec.UID != uid:
		return ObjectInfo{}, ErrVersionChanged
	case rec.remote():
		return ObjectInfo{}, ErrAlreadyTransitioned
	}
	vid := versionOf(rec)
	rec.Info.Tier = class
	if err := l.recordTransitionIntent(ctx, rec); err != nil {
		return ObjectInfo{}, err
	}
	if err := l.uploadData(ctx, t, rec, data); err != nil {
		l.expediteTierDeletes(ctx, rec)
		return ObjectInfo{}, err
	}
	var info ObjectInfo
	locks := append(l.objectLocks(bucket, key), tierDeleteLocks(rec)...)
	rolledBack, err := l.update(ctx, locks, func(tx meta.Txn) (err error) {
		info, err = l.commitTransition(ctx, tx, bucket, key, vid, uid, class)
		return err
	})
	if err != nil {
		if rolledBack {
			l.expediteTierDeletes(ctx, rec)
		}
		return ObjectInfo{}, err
	}
	l.kickCollector()
	info.Bucket, info.Key, info.UID = bucket, key, uid
	return info, nil
}

// commitTransition makes version vid of bucket/key, if it still is the
// record uid, a record whose data is on tier class: it takes the X-keys
// of the uploaded objects and drops the local data.
func (l *Layer) commitTransition(ctx context.Context, tx meta.Txn, bucket, key, vid, uid, class string) (ObjectInfo, error) {
	b, err := readBucket(tx, bucket)
	if err != nil {
		return ObjectInfo{}, err
	}
	e, found, err := findVersion(tx, b, key, vid)
	switch {
	case err != nil:
		return ObjectInfo{}, err
	case !found || e.rec.UID != uid:
		return ObjectInfo{}, ErrVersionChanged
	case e.rec.remote():
		return ObjectInfo{}, ErrAlreadyTransitioned
	}
	if err := takeTransitionIntent(tx, class, e.rec); err != nil {
		return ObjectInfo{}, err
	}
	rec := e.rec
	if rec.Inline {
		err = tx.Delete(inlineKey(uid))
	} else {
		for _, id := range rec.blobIDs() {
			if err = l.dropBlobRef(tx, id, uid); err != nil {
				break
			}
		}
	}
	if err != nil {
		return ObjectInfo{}, err
	}
	rec.Info.Tier, rec.Info.StorageClass = class, class
	if err := rewriteVersion(tx, b, key, e.key, rec); err != nil {
		return ObjectInfo{}, err
	}
	return rec.Info, l.recordEvent(ctx, tx, EventTransition, bucket, key, rec.Info)
}

// recordTransitionIntent writes the X-keys of the remote objects a
// transition of rec (its Info.Tier set) is about to upload, due after
// OrphanGrace: if the transition never commits, they are deleted then.
func (l *Layer) recordTransitionIntent(ctx context.Context, rec record) error {
	return l.meta.Update(ctx, tierDeleteLocks(rec), func(tx meta.Txn) error {
		now := l.gcNow()
		for _, id := range rec.dataIDs() {
			k := tierDeleteKey(rec.Info.Tier, remoteName(rec.UID, id))
			v, err := tx.Get(k)
			switch {
			case errors.Is(err, meta.ErrNotFound):
			case err != nil:
				return err
			default:
				if e, err := decodeTierDelete(v); err == nil && e.claimed && e.due.After(now) {
					return errTierDeleteBusy
				}
			}
		}
		return queueTierDeletes(tx, rec, now.Add(l.opts.OrphanGrace))
	})
}

// takeTransitionIntent deletes the X-keys of rec's remote objects as
// the transition that uploaded them commits. A key that is gone or
// claimed means a collector may have deleted the object: the commit is
// refused then, and the transition tried again later.
func takeTransitionIntent(tx meta.Txn, tierName string, rec record) error {
	for _, id := range rec.dataIDs() {
		k := tierDeleteKey(tierName, remoteName(rec.UID, id))
		v, err := tx.Get(k)
		if errors.Is(err, meta.ErrNotFound) {
			return errTierDeleteBusy
		}
		if err != nil {
			return err
		}
		if e, err := decodeTierDelete(v); err != nil || e.claimed {
			return errTierDeleteBusy
		}
		if err := tx.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// expediteTierDeletes makes the X-keys of a transition that failed due
// now, so that what it uploaded is deleted soon rather than after
// OrphanGrace. If this fails they are due then anyway.
func (l *Layer) expediteTierDeletes(ctx context.Context, rec record) {
	err := l.meta.Update(context.WithoutCancel(ctx), tierDeleteLocks(rec), func(tx meta.Txn) error {
		now := l.gcNow()
		for _, id := range rec.dataIDs() {
			k := tierDeleteKey(rec.Info.Tier, remoteName(rec.UID, id))
			v, err := tx.Get(k)
			if errors.Is(err, meta.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if e, err := decodeTierDelete(v); err == nil && e.claimed {
				continue
			}
			if err := tx.Set(k, tierDelete{due: now}.encode()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		l.log.Warn("queueing the remote objects of a failed transition", "err", err)
	}
	l.kickCollector()
}

// uploadData copies rec's stored data (inline is its inline value) to
// t, one remote object per piece. The blobs are leased meanwhile, so the
// collector leaves them even if the version is replaced.
func (l *Layer) uploadData(ctx context.Context, t tier.Tier, rec record, inline []byte) error {
	if rec.Inline {
		if err := rec.checkInline(inline); err != nil {
			return dataError(err)
		}
		return t.Put(ctx, remoteName(rec.UID, remoteInlineID), bytes.NewReader(inline), int64(len(inline)))
	}
	ids := make([]blob.ID, 0, len(rec.Parts)+1)
	for _, id := range rec.blobIDs() {
		ids = append(ids, blob.ID(id))
	}
	l.leaseBlobs(ids)
	defer l.releaseBlobs(ids)
	for _, id := range ids {
		if err := l.uploadBlob(ctx, t, id, remoteName(rec.UID, string(id))); err != nil {
			return err
		}
	}
	return nil
}

func (l *Layer) uploadBlob(ctx context.Context, t tier.Tier, id blob.ID, name string) error {
	size, err := l.blobs.Size(ctx, id)
	if err != nil {
		return err
	}
	rc, err := l.blobs.Open(ctx, id, 0, size)
	if err != nil {
		return err
	}
	defer rc.Close()
	return t.Put(ctx, name, io.Reader(rc), size)
}

// rewriteVersion stores rec, changed in place, as the version whose V-key
// is vkey (nil in a bucket that was never versioned), and as the O-key
// when it is the latest version.
func rewriteVersion(tx meta.Txn, b BucketInfo, key string, vkey []byte, rec record) error {
	if vkey != nil {
		if err := tx.Set(vkey, rec.encode()); err != nil {
			return err
		}
	}
	latest, found, err := getRecord(tx, b.Name, key)
	if err != nil || !found || latest.UID != rec.UID {
		return err
	}
	return tx.Set(objectKey(b.Name, key), rec.encode())
}

// TierHolds reports whether any version's data is on the tier name: a
// tier that holds data cannot be removed, or those versions could no
// longer be read. It reads every record, which is slow on a large store
// but done only when a tier is removed.
func (l *Layer) TierHolds(ctx context.Context, name string) (bool, error) {
	held := false
	err := l.view(ctx, func(r meta.Reader) error {
		held = false
		for _, tag := range []byte{tagObject, tagVersion} {
			err := meta.EachEntry(r, []byte{tag}, func(_, v []byte) error {
				rec, err := decodeRecord(v, false)
				if err != nil {
					return err
				}
				if rec.Info.Tier == name {
					held = true
					return errStopScan
				}
				return nil
			})
			if held {
				return nil
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	return held, err
}

// labelClasses are AWS's storage classes that a transition may name. With
// no tier of that name kura has nowhere else to put the data: it records
// the class (HEAD and listings report it), as it does for a PUT with
// x-amz-storage-class, and the data stays where it is and is read as
// before. A tier of the same name moves the data instead.
var labelClasses = map[string]bool{
	"STANDARD_IA": true, "ONEZONE_IA": true, "INTELLIGENT_TIERING": true,
	"GLACIER": true, "GLACIER_IR": true, "DEEP_ARCHIVE": true,
}

// LabelClass reports whether class is one of AWS's transition storage
// classes, which a transition records as a label when no tier has its
// name.
func LabelClass(class string) bool { return labelClasses[class] }

// relabel is a transition to a label class: the version's storage class
// changes, in one transaction, if it is still the record uid.
func (l *Layer) relabel(ctx context.Context, bucket, key, versionID, uid, class string) (ObjectInfo, error) {
	var info ObjectInfo
	err := l.meta.Update(ctx, l.objectLocks(bucket, key), func(tx meta.Txn) error {
		b, err := readBucket(tx, bucket)
		if err != nil {
			return err
		}
		vid := versionID
		if vid == "" {
			cur, found, err := currentVersion(tx, b, key)
			if err != nil {
				return err
			}
			if !found || cur.Info.IsDeleteMarker {
				return ErrVersionChanged
			}
			vid = versionOf(cur)
		}
		e, found, err := findVersion(tx, b, key, vid)
		switch {
		case err != nil:
			return err
		case !found || e.rec.UID != uid || e.rec.Info.IsDeleteMarker:
			return ErrVersionChanged
		case e.rec.remote() || e.rec.Info.StorageClass == class:
			return ErrAlreadyTransitioned
		}
		rec := e.rec
		rec.Info.StorageClass = class
		if err := rewriteVersion(tx, b, key, e.key, rec); err != nil {
			return err
		}
		info = rec.Info
		return l.recordEvent(ctx, tx, EventTransition, bucket, key, rec.Info)
	})
	info.Bucket, info.Key, info.UID = bucket, key, uid
	return info, err
}
