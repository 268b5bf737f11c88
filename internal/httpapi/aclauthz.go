package httpapi

import (
	"errors"
	"strings"

	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/acl"
)

// ACL grants in access decisions. They are consulted only when no policy
// decided (an explicit Deny anywhere refuses first, an Allow grants
// first), and only in a bucket whose Object Ownership enables ACLs.

// aclGrant is the ACL, and the permission in it, that grants an action.
type aclGrant struct {
	onObject   bool // the version's ACL, else the bucket's
	permission string
}

// aclGrants maps the actions ACLs can grant. READ on a bucket lists it;
// WRITE on a bucket writes and deletes any key in it; READ on an object
// reads it; READ_ACP and WRITE_ACP read and write the ACL itself.
// FULL_CONTROL grants them all (acl.ACL.Allows).
var aclGrants = map[string]aclGrant{
	"s3:ListBucket":                 {false, acl.Read},
	"s3:ListBucketVersions":         {false, acl.Read},
	"s3:ListBucketMultipartUploads": {false, acl.Read},
	"s3:PutObject":                  {false, acl.Write},
	"s3:DeleteObject":               {false, acl.Write},
	"s3:DeleteObjectVersion":        {false, acl.Write},
	"s3:AbortMultipartUpload":       {false, acl.Write},
	"s3:ListMultipartUploadParts":   {false, acl.Write},
	"s3:GetBucketAcl":               {false, acl.ReadACP},
	"s3:PutBucketAcl":               {false, acl.WriteACP},
	"s3:GetObject":                  {true, acl.Read},
	"s3:GetObjectVersion":           {true, acl.Read},
	"s3:GetObjectAcl":               {true, acl.ReadACP},
	"s3:GetObjectVersionAcl":        {true, acl.ReadACP},
	"s3:PutObjectAcl":               {true, acl.WriteACP},
	"s3:PutObjectVersionAcl":        {true, acl.WriteACP},
}

// aclAllows reports whether an ACL grants action on resource of bucket
// to the caller. A read that fails sets rq.authz.err and denies: an ACL
// must not grant because a read failed, nor a Block Public Access
// setting lapse. A missing bucket or object grants nothing.
func (s *Server) aclAllows(rq *request, action, resource, bucket string) bool {
	want, ok := aclGrants[action]
	if !ok || bucket == "" {
		return false
	}
	granted, err := s.aclGrants(rq, want, action, resource, bucket)
	if err != nil {
		if e := s3err.From(err); e.HTTPStatus >= 500 {
			rq.authz.err = err
		}
		rq.authz.missingKey = errors.Is(err, s3err.ErrNoSuchKey)
		return false
	}
	return granted
}

func (s *Server) aclGrants(rq *request, want aclGrant, action, resource, bucket string) (bool, error) {
	ownership, err := s.objectOwnership(rq.ctx, bucket)
	if err != nil || !aclsEnabled(ownership) {
		return false, err
	}
	block, err := s.publicAccess(rq.ctx, bucket)
	if err != nil {
		return false, err
	}
	bucketOwner, err := s.bucketOwner(rq.ctx, bucket)
	if err != nil {
		return false, err
	}
	var a acl.ACL
	if want.onObject {
		key, ok := strings.CutPrefix(resource, iamResource(bucket, "")+"/")
		if !ok || key == "" {
			return false, nil
		}
		obj, err := s.objects.HeadObject(rq.ctx, bucket, key, object.GetOptions{VersionID: s.aclVersion(rq, action, bucket, key), InfoOnly: true})
		if err != nil {
			return false, err
		}
		if a, err = versionACL(obj.Info, bucketOwner); err != nil {
			return false, err
		}
	} else if a, err = s.storedBucketACL(rq.ctx, bucket, bucketOwner); err != nil {
		return false, err
	}
	caller := acl.Caller{ID: s.callerID(rq)}
	// The owner may always read and change the ACL.
	if caller.ID != "" && caller.ID == a.Owner && (want.permission == acl.ReadACP || want.permission == acl.WriteACP) {
		return true, nil
	}
	return a.Allows(caller, want.permission, block.IgnorePublicAcls), nil
}

// aclVersion is the version whose ACL decides a version action: the
// request's own, or its copy source's; "" (the latest) for the others.
func (s *Server) aclVersion(rq *request, action, bucket, key string) string {
	if !strings.HasSuffix(action, "Version") && !strings.HasSuffix(action, "VersionAcl") {
		return ""
	}
	if bucket == rq.bucket && key == rq.key {
		return versionID(rq)
	}
	if src, err := copySource(rq.http.Header); err == nil && src.Bucket == bucket && src.Key == key {
		return src.VersionID
	}
	return ""
}
