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

// authorizeKeyRead authorizes a read (action) of key in the request's
// bucket. When only an object ACL could have allowed it and there is no
// object to carry one, the answer is NoSuchKey, as for a key a policy
// lets the caller read: the callers then tell AccessDenied to a caller
// that may not list the bucket, as S3 does. An explicit Deny still
// refuses first.
func (s *Server) authorizeKeyRead(rq *request, action, key string) error {
	resource := iamResource(rq.bucket, key)
	rq.authz.noObject = ""
	err := s.authorize(rq, action, resource)
	if errors.Is(err, s3err.ErrAccessDenied) && rq.authz.noObject == resource {
		return s3err.ErrNoSuchKey
	}
	return err
}
