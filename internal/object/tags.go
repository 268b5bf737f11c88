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
// has none).
func (l *Layer) GetObjectTags(ctx context.Context, bucket, key string) (map[string]string, error) {
	rec, _, err := l.lookup(ctx, bucket, key, false)
	if err != nil {
		return nil, err
	}
	if rec.Info.Tags == nil {
		return map[string]string{}, nil
	}
	return rec.Info.Tags, nil
}

// PutObjectTags replaces the tag set of bucket/key. The data and the other
// metadata stay as they are.
func (l *Layer) PutObjectTags(ctx context.Context, bucket, key string, tags map[string]string) error {
	if err := validTags(tags); err != nil {
		return err
	}
	return l.updateRecord(ctx, bucket, key, func(rec *record) { rec.Info.Tags = tags })
}

// DeleteObjectTags removes every tag of bucket/key.
func (l *Layer) DeleteObjectTags(ctx context.Context, bucket, key string) error {
	return l.updateRecord(ctx, bucket, key, func(rec *record) { rec.Info.Tags = nil })
}

// updateRecord rewrites the record of an existing object in place: same
// identity, same data, changed metadata.
func (l *Layer) updateRecord(ctx context.Context, bucket, key string, change func(*record)) error {
	if err := s3name.CheckKey(key); err != nil {
		return err
	}
	if !s3name.ValidBucket(bucket) {
		return s3err.ErrNoSuchBucket
	}
	return l.meta.Update(ctx, l.objectLocks(bucket, key), func(tx meta.Txn) error {
		if _, err := readBucket(tx, bucket); err != nil {
			return err
		}
		rec, found, err := getRecord(tx, bucket, key)
		if err != nil {
			return err
		}
		if !found {
			return s3err.ErrNoSuchKey
		}
		change(&rec)
		return tx.Set(objectKey(bucket, key), rec.encode())
	})
}
