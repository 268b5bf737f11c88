package object

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/s3name"
)

// Versioning. A bucket that was never versioned keeps one record per key,
// its O-key. Once versioning is Enabled or Suspended, every version of a
// key — delete markers included — has a V-key:
//
//	V<bucket>/<key>\x00<^time:8 bytes BE><version id>
//
// so that one range scan lists a bucket's versions by key and, within a
// key, newest first. The O-key still holds the latest version when it is
// not a delete marker, so reading the latest version stays one seek, and
// plain listings never see delete markers. A version's data (inline value
// or blob references) belongs to the version's UID, shared by its O- and
// V-keys, and is released only when the version is deleted for good.
//
// Version ids are the inverted time in hex followed by random hex, so that
// an id leads straight to its V-key; the null version ("null") is found
// by scanning the versions of its key.
const tagVersion = 'V'

// Versioning states of a bucket. The zero value is a bucket that was never
// versioned; it cannot be set again.
const (
	VersioningEnabled   = "Enabled"
	VersioningSuspended = "Suspended"
	// NullVersion is the version id of objects written while versioning
	// was off or suspended.
	NullVersion = "null"
)

const versionIDLength = 32

func versionsPrefix(bucket string) []byte {
	return append(append([]byte{tagVersion}, bucket...), keySeparate)
}

func keyVersionsPrefix(bucket, key string) []byte {
	return append(append(versionsPrefix(bucket), key...), 0)
}

func versionKey(bucket, key string, t time.Time, vid string) []byte {
	k := binary.BigEndian.AppendUint64(keyVersionsPrefix(bucket, key), ^uint64(t.UnixNano()))
	return append(k, vid...)
}

func newVersionID(t time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], ^uint64(t.UnixNano()))
	_, _ = rand.Read(b[8:])
	return hex.EncodeToString(b[:])
}

// versionKeyOf returns the V-key a (non-null) version id names.
func versionKeyOf(bucket, key, vid string) ([]byte, bool) {
	if len(vid) != versionIDLength {
		return nil, false
	}
	raw, err := hex.DecodeString(vid)
	if err != nil {
		return nil, false
	}
	return append(append(keyVersionsPrefix(bucket, key), raw[:8]...), vid...), true
}

// storedVersionKey is the V-key of the stored version info describes. A
// version id names its V-key, whose time is the version's LastModified
// for the versions kura makes but not always for a replica, whose time
// is its source's; the null version's V-key is at its LastModified.
func storedVersionKey(bucket, key string, info ObjectInfo) []byte {
	if k, ok := versionKeyOf(bucket, key, info.VersionID); ok {
		return k
	}
	return versionKey(bucket, key, info.LastModified, info.VersionID)
}

// ValidVersionID reports whether vid can name a version.
func ValidVersionID(vid string) bool {
	_, ok := versionKeyOf("b", "k", vid)
	return ok || vid == NullVersion
}

// versionEntry is one V-key and its record.
type versionEntry struct {
	key []byte
	rec record
}

// keyVersions calls fn for the versions of bucket/key, newest first, until
// fn returns false.
func keyVersions(r meta.Reader, bucket, key string, fn func(versionEntry) bool) error {
	p := keyVersionsPrefix(bucket, key)
	it, err := r.NewIter(p, meta.PrefixEnd(p))
	if err != nil {
		return err
	}
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		val, err := it.Value()
		if err != nil {
			return err
		}
		rec, err := decodeRecord(val, true)
		if err != nil {
			return err
		}
		if !fn(versionEntry{key: append([]byte(nil), it.Key()...), rec: rec}) {
			break
		}
	}
	return it.Err()
}

// keyTime is the time e's V-key orders it by: its LastModified, but for
// a replica whose source sent a time apart from the one its version id
// embeds, the later of the two, so that a version stamped after it also
// sorts after it.
func (e versionEntry) keyTime(bucket, key string) time.Time {
	at := e.rec.Info.LastModified
	p := len(keyVersionsPrefix(bucket, key))
	if len(e.key) >= p+8 {
		if t := time.Unix(0, int64(^binary.BigEndian.Uint64(e.key[p:p+8]))).UTC(); t.After(at) {
			return t
		}
	}
	return at
}

func newestVersion(r meta.Reader, bucket, key string) (versionEntry, bool, error) {
	var e versionEntry
	found := false
	err := keyVersions(r, bucket, key, func(v versionEntry) bool { e, found = v, true; return false })
	return e, found, err
}

// findVersion looks a version up by id. In a bucket that was never
// versioned the only version is the null one, the O-key.
func findVersion(r meta.Reader, b BucketInfo, key, vid string) (versionEntry, bool, error) {
	if b.Versioning == "" {
		if vid != NullVersion {
			return versionEntry{}, false, nil
		}
		rec, found, err := getRecord(r, b.Name, key)
		return versionEntry{rec: rec}, found, err
	}
	if vid == NullVersion {
		var e versionEntry
		found := false
		err := keyVersions(r, b.Name, key, func(v versionEntry) bool {
			if v.rec.Info.VersionID == NullVersion {
				e, found = v, true
				return false
			}
			return true
		})
		return e, found, err
	}
	vkey, ok := versionKeyOf(b.Name, key, vid)
	if !ok {
		return versionEntry{}, false, nil
	}
	val, err := r.Get(vkey)
	if errors.Is(err, meta.ErrNotFound) {
		return versionEntry{}, false, nil
	}
	if err != nil {
		return versionEntry{}, false, err
	}
	rec, err := decodeRecord(val, true)
	return versionEntry{key: vkey, rec: rec}, err == nil, err
}

// commitRecord makes rec the newest version of bucket/key: it checks the
// write preconditions against the current object, gives the version its
// id and time, writes the O- and V-keys as the bucket's versioning state
// says, and releases what the write replaces. The caller writes rec's data
// keys (inline value, blob references) for rec.UID. stamp, when not nil,
// is called once the version has its id and time and before anything is
// written, so that what it sets on rec is written with it.
func (l *Layer) commitRecord(tx meta.Txn, bucket, key string, rec *record, cond Conditions, stamp func(*record) error) error {
	b, err := readBucket(tx, bucket)
	if err != nil {
		return err
	}
	old, found, err := getRecord(tx, bucket, key)
	if err != nil {
		return err
	}
	if err := checkWriteConditions(old.Info, found, cond); err != nil {
		return err
	}
	now := l.opts.Now().UTC()
	if !rec.Info.IsDeleteMarker {
		if err := l.applyLock(b, rec, now); err != nil {
			return err
		}
	}
	if b.Versioning == "" {
		if found {
			if err := l.dropData(tx, old); err != nil {
				return err
			}
		}
		rec.Info.VersionID, rec.Info.LastModified = "", now
		if err := runStamp(stamp, rec); err != nil {
			return err
		}
		return l.setLatest(tx, bucket, key, rec)
	}
	newest, any, err := newestVersion(tx, bucket, key)
	if err != nil {
		return err
	}
	// Versions are ordered by time, so a version is stamped after the
	// newest one even if the clock says otherwise; the key's lock
	// serializes writers.
	if any {
		if at := newest.keyTime(bucket, key); !now.After(at) {
			now = at.Add(time.Nanosecond)
		}
	}
	rec.Info.LastModified = now
	if b.versionsKey(key) {
		rec.Info.VersionID = newVersionID(now)
	} else {
		// Suspended: the write replaces the null version.
		if err := l.dropNullVersion(tx, b, key); err != nil {
			return err
		}
		rec.Info.VersionID = NullVersion
	}
	if err := runStamp(stamp, rec); err != nil {
		return err
	}
	// No version of the key is as new as now: the V-key is a new one.
	vkey := versionKey(bucket, key, now, rec.Info.VersionID)
	markFresh(tx, vkey)
	if err := tx.Set(vkey, rec.encode()); err != nil {
		return err
	}
	return l.setLatest(tx, bucket, key, rec)
}

func runStamp(stamp func(*record) error, rec *record) error {
	if stamp == nil {
		return nil
	}
	return stamp(rec)
}

// setLatest points the O-key at rec, or removes it when rec is a delete
// marker.
func (l *Layer) setLatest(tx meta.Txn, bucket, key string, rec *record) error {
	if rec.Info.IsDeleteMarker {
		return tx.Delete(objectKey(bucket, key))
	}
	return tx.Set(objectKey(bucket, key), rec.encode())
}

func (l *Layer) dropNullVersion(tx meta.Txn, b BucketInfo, key string) error {
	e, found, err := findVersion(tx, b, key, NullVersion)
	if err != nil || !found {
		return err
	}
	if err := tx.Delete(e.key); err != nil {
		return err
	}
	return l.dropData(tx, e.rec)
}

// DeleteResult says what a delete did.
type DeleteResult struct {
	// VersionID is the version removed, or the delete marker made.
	VersionID string
	// DeleteMarker is true when a delete marker was made, or removed.
	DeleteMarker bool
}

// deleteInTxn deletes bucket/key: the object itself in a bucket that was
// never versioned, else by adding a delete marker; or, with a version id,
// that version for good. It records the delete's event.
func (l *Layer) deleteInTxn(ctx context.Context, tx meta.Txn, bucket, key string, opts DeleteOptions) (DeleteResult, error) {
	b, err := readBucket(tx, bucket)
	if err != nil {
		return DeleteResult{}, err
	}
	if r := opts.Replica; r != nil {
		if opts.DeleteMarker {
			return l.replicaDeleteMarker(ctx, tx, bucket, key, *r)
		}
		return l.deleteVersion(ctx, tx, b, key, r.VersionID, opts)
	}
	if vid := opts.VersionID; vid != "" {
		return l.deleteVersion(ctx, tx, b, key, vid, opts)
	}
	if b.Versioning == "" {
		rec, found, err := getRecord(tx, bucket, key)
		if err != nil {
			return DeleteResult{}, err
		}
		if !found {
			return DeleteResult{}, l.recordEvent(ctx, tx, EventDeleteNoOp, bucket, key, ObjectInfo{})
		}
		if err := tx.Delete(objectKey(bucket, key)); err != nil {
			return DeleteResult{}, err
		}
		if err := l.dropData(tx, rec); err != nil {
			return DeleteResult{}, err
		}
		return DeleteResult{}, l.recordEvent(ctx, tx, opts.event(EventDelete), bucket, key, rec.Info)
	}
	marker := record{UID: newUID(), Info: ObjectInfo{IsDeleteMarker: true}}
	var stamp func(*record) error
	if !opts.lifecycle {
		stamp = l.replicateStamp(ctx, tx, ChangeDeleteMarker, bucket, key, EventDeleteMarkerCreated)
	}
	if err := l.commitRecord(tx, bucket, key, &marker, Conditions{}, stamp); err != nil {
		return DeleteResult{}, err
	}
	if err := l.recordEvent(ctx, tx, opts.event(EventDeleteMarkerCreated), bucket, key, marker.Info); err != nil {
		return DeleteResult{}, err
	}
	return DeleteResult{VersionID: marker.Info.VersionID, DeleteMarker: true}, nil
}

// deleteVersion removes one version for good. When it was the latest, the
// next newest version takes its place.
func (l *Layer) deleteVersion(ctx context.Context, tx meta.Txn, b BucketInfo, key, vid string, opts DeleteOptions) (DeleteResult, error) {
	if !ValidVersionID(vid) {
		return DeleteResult{}, s3err.ErrInvalidArgument.WithMessage("Invalid version id specified")
	}
	e, found, err := findVersion(tx, b, key, vid)
	if err != nil {
		return DeleteResult{}, err
	}
	if !found {
		// Deleting a version that is not there succeeds, as in S3.
		return DeleteResult{VersionID: vid}, l.recordEvent(ctx, tx, EventDeleteNoOp, b.Name, key, ObjectInfo{VersionID: vid})
	}
	res := DeleteResult{VersionID: vid, DeleteMarker: e.rec.Info.IsDeleteMarker}
	if err := checkDeletable(e.rec.Info, opts.BypassGovernance, l.opts.Now()); err != nil {
		return res, err
	}
	if err := l.recordEvent(ctx, tx, opts.event(EventDelete), b.Name, key, e.rec.Info); err != nil {
		return res, err
	}
	if !opts.lifecycle && opts.Replica == nil {
		if err := l.replicate(ctx, tx, ChangeVersionDelete, b.Name, key, EventDelete, &e.rec); err != nil {
			return res, err
		}
	}
	if b.Versioning == "" {
		if err := tx.Delete(objectKey(b.Name, key)); err != nil {
			return res, err
		}
		return res, l.dropData(tx, e.rec)
	}
	newest, _, err := newestVersion(tx, b.Name, key)
	if err != nil {
		return res, err
	}
	if err := tx.Delete(e.key); err != nil {
		return res, err
	}
	if err := l.dropData(tx, e.rec); err != nil {
		return res, err
	}
	if !bytes.Equal(newest.key, e.key) {
		return res, nil
	}
	next, any, err := newestVersion(tx, b.Name, key)
	if err != nil {
		return res, err
	}
	if !any {
		return res, tx.Delete(objectKey(b.Name, key))
	}
	return res, l.setLatest(tx, b.Name, key, &next.rec)
}

// VersioningConfig is what SetBucketVersioning sets.
type VersioningConfig struct {
	Status           string
	ExcludedPrefixes []string
	ExcludeFolders   bool
}

// versionsKey reports whether writes to key make new versions in b: the
// bucket is Enabled and key is not excluded.
func (b BucketInfo) versionsKey(key string) bool {
	if b.Versioning != VersioningEnabled {
		return false
	}
	if b.ExcludeFolders && strings.HasSuffix(key, "/") {
		return false
	}
	for _, p := range b.ExcludedPrefixes {
		if strings.HasPrefix(key, p) {
			return false
		}
	}
	return true
}

// SetBucketVersioning sets a bucket's versioning to Enabled or Suspended.
// The first time, every existing object becomes the null version of its
// key, in the same commit.
func (l *Layer) SetBucketVersioning(ctx context.Context, bucket string, cfg VersioningConfig) error {
	status := cfg.Status
	if status != VersioningEnabled && status != VersioningSuspended {
		return s3err.ErrMalformedXML
	}
	if !s3name.ValidBucket(bucket) {
		return s3err.ErrNoSuchBucket
	}
	return l.meta.Update(ctx, []meta.Lock{{Name: bucketLockName(bucket)}}, func(tx meta.Txn) error {
		b, err := readBucket(tx, bucket)
		if err != nil {
			return err
		}
		if b.ObjectLock && status != VersioningEnabled {
			return s3err.ErrInvalidBucketState.WithMessage("An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.")
		}
		if err := checkVersioningChange(tx, bucket, status); err != nil {
			return err
		}
		if b.Versioning == "" {
			if err := migrateToVersions(tx, bucket); err != nil {
				return err
			}
		}
		b.Versioning, b.ExcludedPrefixes, b.ExcludeFolders = status, cfg.ExcludedPrefixes, cfg.ExcludeFolders
		val, err := json.Marshal(b)
		if err != nil {
			return err
		}
		return tx.Set(bucketKey(bucket), val)
	})
}

// migrateToVersions gives every object of a bucket that was never
// versioned its V-key, as the null version.
func migrateToVersions(tx meta.Txn, bucket string) error {
	p := objectPrefix(bucket)
	it, err := tx.NewIter(p, meta.PrefixEnd(p))
	if err != nil {
		return err
	}
	type pending struct {
		key []byte
		val []byte
	}
	var writes []pending
	for ok := it.First(); ok; ok = it.Next() {
		val, err := it.Value()
		if err != nil {
			it.Close()
			return err
		}
		rec, err := decodeRecord(val, true)
		if err != nil {
			it.Close()
			return err
		}
		key := string(it.Key()[len(p):])
		rec.Info.VersionID = NullVersion
		enc := rec.encode()
		writes = append(writes, pending{objectKey(bucket, key), enc}, pending{versionKey(bucket, key, rec.Info.LastModified, NullVersion), enc})
	}
	if err := it.Err(); err != nil {
		it.Close()
		return err
	}
	it.Close()
	for _, w := range writes {
		if w.key[0] == tagVersion {
			markFresh(tx, w.key) // the bucket has no V-keys yet
		}
		if err := tx.Set(w.key, w.val); err != nil {
			return err
		}
	}
	return nil
}
