package object

import (
	"context"
	"unicode/utf8"

	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/s3name"
)

// Tag limits, as AWS S3 sets them. The wire/tagging package checks the
// finer rules (characters, duplicates) where the document is parsed; the
// layer enforces the limits again so that no caller can store more.
const (
	MaxObjectTags     = 10
	MaxTagKeyLength   = 128
	MaxTagValueLength = 256
)

func validTags(tags map[string]string) error {
	if len(tags) > MaxObjectTags {
		return s3err.ErrInvalidTag.WithMessage("Object tags cannot be greater than %d", MaxObjectTags)
	}
	for k, v := range tags {
		switch {
		case k == "" || utf8.RuneCountInString(k) > MaxTagKeyLength:
			return s3err.ErrInvalidTag.WithMessage("The TagKey you have provided is invalid")
		case utf8.RuneCountInString(v) > MaxTagValueLength:
			return s3err.ErrInvalidTag.WithMessage("The TagValue you have provided is too long, max %d", MaxTagValueLength)
		}
	}
	return nil
}

// GetObjectTags returns the tag set of bucket/key (empty, not nil, when it
// has none) and the id of the version it read ("" in a bucket that was
// never versioned).
func (l *Layer) GetObjectTags(ctx context.Context, bucket, key, vid string) (map[string]string, string, error) {
	rec, _, err := l.lookup(ctx, bucket, key, vid, false)
	if err != nil {
		return nil, "", err
	}
	if rec.Info.Tags == nil {
		return map[string]string{}, rec.Info.VersionID, nil
	}
	return rec.Info.Tags, rec.Info.VersionID, nil
}

// PutObjectTags replaces the tag set of bucket/key. The data and the other
// metadata stay as they are. It returns the id of the version it changed.
func (l *Layer) PutObjectTags(ctx context.Context, bucket, key, vid string, tags map[string]string) (string, error) {
	if err := validTags(tags); err != nil {
		return "", err
	}
	info, err := l.updateRecord(ctx, bucket, key, vid, EventTaggingPut, func(rec *record) error { rec.Info.Tags = tags; return nil })
	return info.VersionID, err
}

// PutObjectACL replaces the ACL of a version of bucket/key (the latest
// when vid is ""); the data and the other metadata stay as they are. It
// returns the id of the version it changed.
func (l *Layer) PutObjectACL(ctx context.Context, bucket, key, vid string, acl []byte) (string, error) {
	info, err := l.updateRecord(ctx, bucket, key, vid, EventACLPut, func(rec *record) error {
		if rec.Info.IsDeleteMarker {
			return s3err.ErrMethodNotAllowed
		}
		rec.Info.ACL = acl
		return nil
	})
	return info.VersionID, err
}

// DeleteObjectTags removes every tag of bucket/key, and returns the id of
// the version it changed.
func (l *Layer) DeleteObjectTags(ctx context.Context, bucket, key, vid string) (string, error) {
	info, err := l.updateRecord(ctx, bucket, key, vid, EventTaggingDelete, func(rec *record) error { rec.Info.Tags = nil; return nil })
	return info.VersionID, err
}

// updateRecord rewrites the record of an existing version (the latest
// when vid is "") in place: same identity, same data, changed metadata.
// It returns the version's info as changed. An error from change
// aborts the update; event is what the change raises.
func (l *Layer) updateRecord(ctx context.Context, bucket, key, vid, event string, change func(*record) error) (ObjectInfo, error) {
	if err := s3name.CheckKey(key); err != nil {
		return ObjectInfo{}, err
	}
	if !s3name.ValidBucket(bucket) {
		return ObjectInfo{}, s3err.ErrNoSuchBucket
	}
	if vid != "" && !ValidVersionID(vid) {
		return ObjectInfo{}, s3err.ErrInvalidArgument.WithMessage("Invalid version id specified")
	}
	var info ObjectInfo
	err := l.meta.Update(ctx, l.objectLocks(bucket, key), func(tx meta.Txn) error {
		rec, err := lookupVersion(tx, bucket, key, vid)
		if err != nil {
			return err
		}
		if err := change(&rec); err != nil {
			return err
		}
		// An ACL names this server's users, so a replica keeps the
		// destination's own: ACL changes are not replicated.
		if event != EventACLPut {
			if err := l.replicate(ctx, tx, ChangeMetadata, bucket, key, event, &rec); err != nil {
				return err
			}
		}
		info = rec.Info
		if err := l.recordEvent(ctx, tx, event, bucket, key, rec.Info); err != nil {
			return err
		}
		b, err := readBucket(tx, bucket)
		if err != nil {
			return err
		}
		var vkey []byte
		if b.Versioning != "" {
			vkey = storedVersionKey(bucket, key, rec.Info)
		}
		return l.rewriteVersion(tx, b, key, vkey, &rec)
	})
	return info, err
}
