package object

import (
	"bytes"
	"context"
	"errors"

	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/s3name"
)

// The lifecycle scanner (internal/lifecycle) reads a bucket's versions a
// page at a time and acts on what its rules find due. Each action names
// the version it was decided for by its record's UID and is carried out
// only if that version is still there and unchanged, in the transaction
// that acts: an object overwritten after the scan read it is left alone.

// Event names of lifecycle actions, as S3 names them.
const (
	EventLifecycleDelete              = "s3:LifecycleExpiration:Delete"
	EventLifecycleDeleteMarkerCreated = "s3:LifecycleExpiration:DeleteMarkerCreated"
)

// ErrVersionChanged is returned by a lifecycle action on a version that
// is gone or was replaced since it was scanned; nothing was done.
var ErrVersionChanged = errors.New("object: the version changed since it was scanned")

// ErrLocked is returned by a lifecycle action on a version that object
// lock protects (retention of either mode, or a legal hold): lifecycle
// never removes one.
var ErrLocked = errors.New("object: the version is locked")

// ScannedVersion is one version as the scanner sees it.
type ScannedVersion struct {
	ObjectInfo
	// UID identifies the version's record: an action passes it back.
	UID string
}

// KeyVersions is a key and its versions, newest first; in a bucket that
// was never versioned, the one record the key has.
type KeyVersions struct {
	Key      string
	Versions []ScannedVersion
}

// ScanPage is one page of a bucket's keys.
type ScanPage struct {
	Keys []KeyVersions
	// Next is the key to pass as After for the next page; Done says there
	// is none.
	Next string
	Done bool
}

// ScanOptions choose a page.
type ScanOptions struct {
	// After is the last key of the previous page ("" for the first).
	After string
	// Limit is about how many versions a page holds: a page ends after
	// the key that reaches it, so all of a key's versions are in one page.
	Limit int
	// WithTags decodes each version's tags (rules that filter on tags).
	WithTags bool
}

// ScanVersions reads one page of bucket's keys and versions in key order.
func (l *Layer) ScanVersions(ctx context.Context, bucket string, opts ScanOptions) (ScanPage, error) {
	if !s3name.ValidBucket(bucket) {
		return ScanPage{}, s3err.ErrNoSuchBucket
	}
	if opts.Limit <= 0 {
		opts.Limit = 1000
	}
	var page ScanPage
	err := l.view(ctx, func(r meta.Reader) error {
		page = ScanPage{} // a rerun starts the page again
		b, err := readBucket(r, bucket)
		if err != nil {
			return err
		}
		if b.Versioning == "" {
			return scanRecords(r, bucket, opts, &page)
		}
		return scanVersions(r, bucket, opts, &page)
	})
	return page, err
}

// scanRecords pages the O-keys of a bucket that was never versioned.
func scanRecords(r meta.Reader, bucket string, opts ScanOptions, page *ScanPage) error {
	p := objectPrefix(bucket)
	it, err := r.NewIter(p, meta.PrefixEnd(p))
	if err != nil {
		return err
	}
	defer it.Close()
	ok := it.SeekGE(append(append(p[:len(p):len(p)], opts.After...), 0))
	if opts.After == "" {
		ok = it.First()
	}
	n := 0
	for ; ok && n < opts.Limit; ok = it.Next() {
		val, err := it.Value()
		if err != nil {
			return err
		}
		rec, err := decodeRecord(val, opts.WithTags)
		if err != nil {
			return err
		}
		key := string(it.Key()[len(p):])
		rec.Info.VersionID, rec.Info.IsLatest = NullVersion, true
		page.Keys = append(page.Keys, KeyVersions{Key: key, Versions: []ScannedVersion{{ObjectInfo: rec.Info, UID: rec.UID}}})
		page.Next = key
		n++
	}
	page.Done = !ok
	return it.Err()
}

// scanVersions pages the V-keys of a versioned bucket, a key's versions
// together.
func scanVersions(r meta.Reader, bucket string, opts ScanOptions, page *ScanPage) error {
	p := versionsPrefix(bucket)
	it, err := r.NewIter(p, meta.PrefixEnd(p))
	if err != nil {
		return err
	}
	defer it.Close()
	ok := it.First()
	if opts.After != "" {
		// Past every version of After: its versions' keys all start with
		// After and a zero byte, and sort before After and byte one.
		ok = it.SeekGE(append(append(p[:len(p):len(p)], opts.After...), 1))
	}
	n := 0
	for ; ok; ok = it.Next() {
		rest := it.Key()[len(p):]
		zero := bytes.IndexByte(rest, 0)
		if zero < 0 {
			continue
		}
		key := rest[:zero]
		last := len(page.Keys) - 1
		if last < 0 || page.Keys[last].Key != string(key) {
			if n >= opts.Limit {
				break
			}
			page.Keys = append(page.Keys, KeyVersions{Key: string(key)})
			last++
		}
		val, err := it.Value()
		if err != nil {
			return err
		}
		rec, err := decodeRecord(val, opts.WithTags)
		if err != nil {
			return err
		}
		rec.Info.IsLatest = len(page.Keys[last].Versions) == 0
		page.Keys[last].Versions = append(page.Keys[last].Versions, ScannedVersion{ObjectInfo: rec.Info, UID: rec.UID})
		page.Next = string(key)
		n++
	}
	page.Done = !ok
	return it.Err()
}

// ExpireObject expires the current version of key, if it is still the
// version uid: deletes it in a bucket that was never versioned, puts a
// delete marker on it in a versioned one (which object lock allows, as
// no data goes). Its event is s3:LifecycleExpiration:Delete or
// s3:LifecycleExpiration:DeleteMarkerCreated.
func (l *Layer) ExpireObject(ctx context.Context, bucket, key, uid string) (DeleteResult, error) {
	return l.lifecycleDelete(ctx, bucket, key, func(tx meta.Txn, b BucketInfo) (DeleteResult, error) {
		current, found, err := currentVersion(tx, b, key)
		if err != nil {
			return DeleteResult{}, err
		}
		if !found || current.UID != uid || current.Info.IsDeleteMarker {
			return DeleteResult{}, ErrVersionChanged
		}
		return l.deleteInTxn(ctx, tx, bucket, key, DeleteOptions{lifecycle: true})
	})
}

// ExpireVersion removes version vid of key for good, if it is still the
// record uid and no lock protects it: a noncurrent version, or (with
// onlyIfAlone) a delete marker that is its key's only version.
func (l *Layer) ExpireVersion(ctx context.Context, bucket, key, vid, uid string, onlyIfAlone bool) (DeleteResult, error) {
	return l.lifecycleDelete(ctx, bucket, key, func(tx meta.Txn, b BucketInfo) (DeleteResult, error) {
		e, found, err := findVersion(tx, b, key, vid)
		if err != nil {
			return DeleteResult{}, err
		}
		if !found || e.rec.UID != uid {
			return DeleteResult{}, ErrVersionChanged
		}
		if onlyIfAlone {
			n := 0
			if err := keyVersions(tx, bucket, key, func(versionEntry) bool { n++; return n < 2 }); err != nil {
				return DeleteResult{}, err
			}
			if n != 1 {
				return DeleteResult{}, ErrVersionChanged
			}
		}
		if checkDeletable(e.rec.Info, false, l.opts.Now()) != nil {
			return DeleteResult{}, ErrLocked
		}
		return l.deleteVersion(ctx, tx, b, key, vid, DeleteOptions{lifecycle: true})
	})
}

// lifecycleDelete runs a lifecycle removal of one key in a transaction
// under the key's locks.
func (l *Layer) lifecycleDelete(ctx context.Context, bucket, key string, remove func(meta.Txn, BucketInfo) (DeleteResult, error)) (DeleteResult, error) {
	var res DeleteResult
	err := l.meta.Update(ctx, l.objectLocks(bucket, key), func(tx meta.Txn) error {
		res = DeleteResult{}
		b, err := readBucket(tx, bucket)
		if err != nil {
			return err
		}
		res, err = remove(tx, b)
		return err
	})
	if err == nil {
		l.kickCollector()
	}
	return res, err
}

// currentVersion returns the record a GET without a version id would
// serve, or the delete marker that hides it.
func currentVersion(r meta.Reader, b BucketInfo, key string) (record, bool, error) {
	if b.Versioning == "" {
		return getRecord(r, b.Name, key)
	}
	e, found, err := newestVersion(r, b.Name, key)
	return e.rec, found, err
}

// AbortExpiredUpload aborts an incomplete multipart upload for a
// lifecycle rule, if it is still there.
func (l *Layer) AbortExpiredUpload(ctx context.Context, bucket, key, uploadID string) error {
	err := l.AbortMultipartUpload(ctx, bucket, key, uploadID)
	if errors.Is(err, s3err.ErrNoSuchUpload) {
		return ErrVersionChanged
	}
	return err
}
