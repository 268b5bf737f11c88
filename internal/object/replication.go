package object

import (
	"context"
	"errors"
	"maps"
	"time"

	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/s3name"
)

// ReplicationStatus is the replication state of one version, as S3's
// x-amz-replication-status names it.
type ReplicationStatus string

// Replication states. A source version is PENDING for a destination until
// it is copied there (COMPLETED) or the copy gave up (FAILED); a version
// written by replication is a REPLICA.
const (
	ReplicationPending   ReplicationStatus = "PENDING"
	ReplicationCompleted ReplicationStatus = "COMPLETED"
	ReplicationFailed    ReplicationStatus = "FAILED"
	ReplicationReplica   ReplicationStatus = "REPLICA"
)

// ReplicationState is the version's x-amz-replication-status: REPLICA for
// a replica; "" when no destination replicates it; else FAILED when a
// destination failed, PENDING while one is pending, and COMPLETED once
// every one has it.
func (i ObjectInfo) ReplicationState() ReplicationStatus {
	if i.Replica {
		return ReplicationReplica
	}
	if len(i.Replication) == 0 {
		return ""
	}
	pending := false
	for _, st := range i.Replication {
		switch st {
		case ReplicationFailed:
			return ReplicationFailed
		case ReplicationPending:
			pending = true
		}
	}
	if pending {
		return ReplicationPending
	}
	return ReplicationCompleted
}

// ChangeKind says what a change did.
type ChangeKind int

// The changes that replication copies.
const (
	// ChangeVersion is a new version: PUT, POST, copy,
	// CompleteMultipartUpload, Snowball.
	ChangeVersion ChangeKind = iota + 1
	// ChangeDeleteMarker is a delete marker created by a DELETE (not by
	// lifecycle).
	ChangeDeleteMarker
	// ChangeVersionDelete is a version deleted for good by DELETE
	// ?versionId (not by lifecycle).
	ChangeVersionDelete
	// ChangeMetadata is a change of a version's tags, retention or legal
	// hold.
	ChangeMetadata
)

// Change is one change to an object that replication may copy.
type Change struct {
	Kind        ChangeKind
	Bucket, Key string
	// Object is the version after the change (for ChangeVersionDelete:
	// the deleted one), with Bucket, Key and UID set.
	Object ObjectInfo
	// Event is the event name the change raises (EventPut,
	// EventTaggingPut, ...).
	Event string
}

// Replicator queues the replication of changes. Replicate is called
// inside the change's transaction (a transactional outbox, like
// EventRecorder), only when the bucket has a replication configuration
// (doc is the "replication" bucket configuration document as tx reads
// it), and never for a change made by a replication request (a replica
// write, or a metadata change whose ctx is marked by WithReplicaRequest).
// It writes only through tx and may run again on a retry. It returns the
// statuses to stamp on the version (nil: none); the layer merges them
// into Object.Replication before it writes the record (not for
// ChangeVersionDelete). Lifecycle expirations, transitions and restores
// never call it.
type Replicator interface {
	Replicate(ctx context.Context, tx meta.Txn, c Change, doc []byte) (map[string]ReplicationStatus, error)
}

type replicaRequestKey struct{}

// WithReplicaRequest marks ctx as a replication request's: the metadata
// changes made under it are another bucket's, replicated here, and are
// not replicated again (two-way replication would loop otherwise).
func WithReplicaRequest(ctx context.Context) context.Context {
	return context.WithValue(ctx, replicaRequestKey{}, true)
}

// IsReplicaRequest reports whether ctx was marked by WithReplicaRequest.
func IsReplicaRequest(ctx context.Context) bool {
	on, _ := ctx.Value(replicaRequestKey{}).(bool)
	return on
}

// Replica is the identity a replicated version keeps from its source: a
// replica write stores the version under VersionID with LastModified
// ModTime, marked Replica.
type Replica struct {
	VersionID string
	ModTime   time.Time
}

// replicate hands a change to the Replicator in the change's
// transaction, when the bucket has a replication configuration, and
// merges the statuses it returns into rec (but not for a version deleted
// for good, whose record goes).
func (l *Layer) replicate(ctx context.Context, tx meta.Txn, kind ChangeKind, bucket, key, event string, rec *record) error {
	if l.opts.Replicator == nil || IsReplicaRequest(ctx) {
		return nil
	}
	doc, err := tx.Get(configKey(bucket, ReplicationConfigName))
	if errors.Is(err, meta.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	info := rec.Info
	info.Bucket, info.Key, info.UID = bucket, key, rec.UID
	statuses, err := l.opts.Replicator.Replicate(ctx, tx, Change{Kind: kind, Bucket: bucket, Key: key, Object: info, Event: event}, doc)
	if err != nil || kind == ChangeVersionDelete || len(statuses) == 0 {
		return err
	}
	// A new map: rec may share its map with the record a rerun of the
	// transaction starts again from.
	merged := make(map[string]ReplicationStatus, len(rec.Info.Replication)+len(statuses))
	maps.Copy(merged, rec.Info.Replication)
	maps.Copy(merged, statuses)
	rec.Info.Replication = merged
	return nil
}

// replicateStamp is commitRecord's stamp for a change that replicates:
// it hands the change to the Replicator once the version has its id and
// time, before the record is written.
func (l *Layer) replicateStamp(ctx context.Context, tx meta.Txn, kind ChangeKind, bucket, key, event string) func(*record) error {
	return func(rec *record) error { return l.replicate(ctx, tx, kind, bucket, key, event, rec) }
}

// SetReplicationStatus records target's replication status for version
// vid of bucket/key ("" or "null" for the only version of a key in a
// bucket that was never versioned): the version's records are rewritten
// in place, with no event and no Replicator call. It returns
// ErrVersionChanged when the version is gone.
func (l *Layer) SetReplicationStatus(ctx context.Context, bucket, key, vid, target string, st ReplicationStatus) error {
	up := ReplicationStatusUpdate{Bucket: bucket, Key: key, VersionID: vid, Target: target, Status: st}
	if err := up.check(); err != nil {
		return err
	}
	return l.meta.Update(ctx, l.objectLocks(bucket, key), func(tx meta.Txn) error {
		return l.setReplicationStatus(tx, up)
	})
}

// ReplicationStatusUpdate is one version's status for one target.
type ReplicationStatusUpdate struct {
	Bucket, Key, VersionID, Target string
	Status                         ReplicationStatus
}

func (up ReplicationStatusUpdate) check() error {
	if !s3name.ValidBucket(up.Bucket) {
		return s3err.ErrNoSuchBucket
	}
	return s3name.CheckKey(up.Key)
}

// SetReplicationStatuses records several statuses in one transaction,
// and runs also in it (the caller's own writes: the work it is done
// with). A version that is gone is skipped; also may run more than
// once, as any Update closure.
func (l *Layer) SetReplicationStatuses(ctx context.Context, ups []ReplicationStatusUpdate, also func(meta.Txn) error) error {
	var locks []meta.Lock
	buckets := map[string]bool{}
	for _, up := range ups {
		if err := up.check(); err != nil {
			return err
		}
		ls := l.objectLocks(up.Bucket, up.Key)
		if buckets[up.Bucket] {
			ls = ls[1:] // the bucket's shared lock is taken once
		}
		buckets[up.Bucket] = true
		locks = append(locks, ls...)
	}
	return l.meta.Update(ctx, dedupeLocks(locks), func(tx meta.Txn) error {
		for _, up := range ups {
			if err := l.setReplicationStatus(tx, up); err != nil && !errors.Is(err, ErrVersionChanged) && !errors.Is(err, s3err.ErrNoSuchBucket) {
				return err
			}
		}
		if also == nil {
			return nil
		}
		return also(tx)
	})
}

// dedupeLocks drops repeated locks: two changes of one object key in
// one batch name its lock twice.
func dedupeLocks(ls []meta.Lock) []meta.Lock {
	seen := make(map[string]bool, len(ls))
	out := ls[:0]
	for _, l := range ls {
		if !seen[string(l.Name)] {
			seen[string(l.Name)] = true
			out = append(out, l)
		}
	}
	return out
}

func (l *Layer) setReplicationStatus(tx meta.Txn, up ReplicationStatusUpdate) error {
	b, err := readBucket(tx, up.Bucket)
	if err != nil {
		return err
	}
	id := up.VersionID
	if id == "" {
		if b.Versioning != "" {
			return ErrVersionChanged
		}
		id = NullVersion
	}
	e, found, err := findVersion(tx, b, up.Key, id)
	if err != nil {
		return err
	}
	if !found {
		return ErrVersionChanged
	}
	rec := e.rec
	if rec.Info.Replication[up.Target] == up.Status {
		return nil
	}
	merged := make(map[string]ReplicationStatus, len(rec.Info.Replication)+1)
	maps.Copy(merged, rec.Info.Replication)
	merged[up.Target] = up.Status
	rec.Info.Replication = merged
	return l.rewriteVersion(tx, b, up.Key, e.key, &rec)
}

// rewriteVersion writes rec, a changed record of an existing version
// whose V-key is vkey (nil in a bucket that was never versioned), in
// place, and the O-key too when it holds that version.
func (l *Layer) rewriteVersion(tx meta.Txn, b BucketInfo, key string, vkey []byte, rec *record) error {
	enc := rec.encode()
	if vkey != nil {
		if err := tx.Set(vkey, enc); err != nil {
			return err
		}
	}
	latest, found, err := getRecord(tx, b.Name, key)
	if err != nil || !found || latest.UID != rec.UID {
		return err
	}
	return tx.Set(objectKey(b.Name, key), enc)
}

// checkReplica refuses a replica identity kura cannot place: a version id
// that is neither one of its own (32 hex digits, which embed the
// version's time) nor "null", or a time a record cannot hold.
func checkReplica(r *Replica) error {
	if r == nil {
		return nil
	}
	if !ValidVersionID(r.VersionID) {
		return s3err.ErrInvalidArgument.WithMessage("Invalid version id specified")
	}
	return checkReplicaTime(r.ModTime)
}

// checkReplicaUpload checks the replica a multipart upload is created
// for, whose time may come only with its completion (as MinIO sends it).
func checkReplicaUpload(r *Replica) error {
	if r == nil || !r.ModTime.IsZero() {
		return checkReplica(r)
	}
	withTime := *r
	withTime.ModTime = minRecordTime
	return checkReplica(&withTime)
}

func checkReplicaTime(t time.Time) error {
	if t.IsZero() || t.Before(minRecordTime) || !t.Before(maxRetainUntil) {
		return s3err.ErrInvalidArgument.WithMessage("Invalid modification time of a replicated version")
	}
	return nil
}

// retentionCheckTime is the time a new version's retention must end
// after: now for a write of the bucket's own, but nothing for a replica,
// whose retention is its source's and may have run out since the source
// version was written (it then protects nothing, here as there).
func retentionCheckTime(r *Replica, now time.Time) time.Time {
	if r != nil {
		return minRecordTime
	}
	return now
}

// minRecordTime is the earliest time a record can hold (Unix nanoseconds
// in an int64, rounded in).
var minRecordTime = time.Date(1678, time.January, 1, 0, 0, 0, 0, time.UTC)

// errUnversionedReplica refuses a replica for a bucket that does not keep
// versions: a replica keeps its source's version id.
var errUnversionedReplica = s3err.ErrInvalidRequest.WithMessage("Versioning must be enabled on the destination bucket of a replication.")

// commitVersion makes rec a new version of bucket/key: the write's own
// (commitRecord, handing the change to the Replicator) or, with replica,
// the source's (commitReplica, which never replicates).
func (l *Layer) commitVersion(ctx context.Context, tx meta.Txn, bucket, key string, rec *record, cond Conditions, replica *Replica, event string) error {
	if replica != nil {
		return l.commitReplica(tx, bucket, key, rec, *replica)
	}
	return l.commitRecord(tx, bucket, key, rec, cond, l.replicateStamp(ctx, tx, ChangeVersion, bucket, key, event))
}

// commitReplica stores rec as the version r names, written by replication:
// its V-key is where r's id and time put it among the key's versions, so
// that replicas arriving in any order end as they were at the source. A
// version of that id already there (a retried replication) is replaced,
// and its data released; "null" replaces the null version. The O-key then
// holds the newest version, which is rec only if nothing newer arrived
// first. The caller writes rec's data keys for rec.UID.
func (l *Layer) commitReplica(tx meta.Txn, bucket, key string, rec *record, r Replica) error {
	b, err := readBucket(tx, bucket)
	if err != nil {
		return err
	}
	if b.Versioning == "" {
		return errUnversionedReplica
	}
	rec.Info.VersionID, rec.Info.LastModified = r.VersionID, r.ModTime.UTC()
	rec.Info.Replica, rec.Info.Replication = true, nil
	if !rec.Info.IsDeleteMarker {
		if err := l.applyLock(b, rec, l.opts.Now().UTC()); err != nil {
			return err
		}
	}
	var vkey []byte
	if r.VersionID == NullVersion {
		if err := l.dropNullVersion(tx, b, key); err != nil {
			return err
		}
		vkey = versionKey(bucket, key, rec.Info.LastModified, NullVersion)
	} else {
		var ok bool
		if vkey, ok = versionKeyOf(bucket, key, r.VersionID); !ok {
			return s3err.ErrInvalidArgument.WithMessage("Invalid version id specified")
		}
		if err := l.dropVersionAt(tx, vkey); err != nil {
			return err
		}
	}
	if err := tx.Set(vkey, rec.encode()); err != nil {
		return err
	}
	return l.refreshLatest(tx, bucket, key)
}

// dropVersionAt releases the data of the version at vkey, if there is
// one; the caller overwrites or deletes vkey.
func (l *Layer) dropVersionAt(tx meta.Txn, vkey []byte) error {
	val, err := tx.Get(vkey)
	if errors.Is(err, meta.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	old, err := decodeRecord(val, true)
	if err != nil {
		return err
	}
	return l.dropData(tx, old)
}

// refreshLatest points the O-key of a versioned key at its newest
// version, removing it when that is a delete marker or there is none. An
// O-key that already holds the newest version is left as it is.
func (l *Layer) refreshLatest(tx meta.Txn, bucket, key string) error {
	newest, any, err := newestVersion(tx, bucket, key)
	if err != nil {
		return err
	}
	cur, found, err := getRecord(tx, bucket, key)
	if err != nil {
		return err
	}
	if !any || newest.rec.Info.IsDeleteMarker {
		if !found {
			return nil
		}
		return tx.Delete(objectKey(bucket, key))
	}
	if found && cur.UID == newest.rec.UID {
		return nil
	}
	return l.setLatest(tx, bucket, key, &newest.rec)
}

// replicaDeleteMarker stores the delete marker r names, written by
// replication, placed as commitReplica places versions.
func (l *Layer) replicaDeleteMarker(ctx context.Context, tx meta.Txn, bucket, key string, r Replica) (DeleteResult, error) {
	marker := record{UID: newUID(), Info: ObjectInfo{IsDeleteMarker: true}}
	if err := l.commitReplica(tx, bucket, key, &marker, r); err != nil {
		return DeleteResult{}, err
	}
	if err := l.recordEvent(ctx, tx, EventDeleteMarkerCreated, bucket, key, marker.Info); err != nil {
		return DeleteResult{}, err
	}
	return DeleteResult{VersionID: r.VersionID, DeleteMarker: true}, nil
}
