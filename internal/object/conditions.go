package object

import (
	"time"

	"github.com/kurastore/kura/s3err"
)

// checkReadConditions evaluates GET/HEAD preconditions in the order RFC 9110
// and S3 use: If-Match, else If-Unmodified-Since (412); then If-None-Match,
// else If-Modified-Since (304).
func checkReadConditions(info ObjectInfo, c Conditions) error {
	modified := info.LastModified.Truncate(time.Second) // HTTP dates have whole seconds
	if c.IfMatch != "" {
		if !etagMatches(c.IfMatch, info.ETag) {
			return s3err.ErrPreconditionFailed
		}
	} else if !c.IfUnmodifiedSince.IsZero() && modified.After(c.IfUnmodifiedSince) {
		return s3err.ErrPreconditionFailed
	}
	if c.IfNoneMatch != "" {
		if etagMatches(c.IfNoneMatch, info.ETag) {
			return s3err.ErrNotModified
		}
	} else if !c.IfModifiedSince.IsZero() && !modified.After(c.IfModifiedSince) {
		return s3err.ErrNotModified
	}
	return nil
}

// checkWriteConditions evaluates conditional writes: If-None-Match "*"
// refuses to replace an existing object; If-Match requires the current
// object's ETag (and that it exists, as S3 answers 404 otherwise).
func checkWriteConditions(cur ObjectInfo, exists bool, c Conditions) error {
	if c.IfNoneMatch != "" && exists && etagMatches(c.IfNoneMatch, cur.ETag) {
		return s3err.ErrPreconditionFailed
	}
	if c.IfMatch != "" {
		if !exists {
			return s3err.ErrNoSuchKey
		}
		if !etagMatches(c.IfMatch, cur.ETag) {
			return s3err.ErrPreconditionFailed
		}
	}
	return nil
}

// checkCopySourceConditions evaluates x-amz-copy-source-if-*: the read
// preconditions, except that every failure is 412, as S3 answers.
func checkCopySourceConditions(info ObjectInfo, c Conditions) error {
	if err := checkReadConditions(info, c); err != nil {
		return s3err.ErrPreconditionFailed
	}
	return nil
}
