package httpapi

import (
	"errors"

	"github.com/kurastore/kura/s3err"
)

// hidesMissingKeys are the reads that, as on S3, tell a caller without
// s3:ListBucket on the bucket only AccessDenied for a key that does not
// exist, so that it cannot learn which keys exist by probing for them.
var hidesMissingKeys = map[string]bool{
	"GetObject":           true,
	"HeadObject":          true,
	"GetObjectAttributes": true,
}

// hideMissingKey turns a handler's NoSuchKey into AccessDenied for a
// caller that may not list the bucket.
func (s *Server) hideMissingKey(rq *request, op operation, err error) error {
	if !hidesMissingKeys[op.name] || !errors.Is(err, s3err.ErrNoSuchKey) {
		return err
	}
	if s.allows(rq, "s3:ListBucket", iamResource(rq.bucket, ""), rq.bucket) {
		return err
	}
	return s3err.ErrAccessDenied
}

// deniedMissingKey answers a read refused because no ACL of its key
// could grant it, the key not existing, as S3 answers a missing key:
// NoSuchKey to a caller who may list the bucket (by a policy or by the
// bucket's ACL), AccessDenied to others.
func (s *Server) deniedMissingKey(rq *request, op operation, err error) error {
	if !rq.authz.missingKey || !errors.Is(err, s3err.ErrAccessDenied) {
		return err
	}
	return s.hideMissingKey(rq, op, s3err.ErrNoSuchKey)
}
