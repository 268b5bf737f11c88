package acl

import "github.com/kurastore/kura/s3err"

// Canned ACL names.
const (
	CannedPrivate                = "private"
	CannedPublicRead             = "public-read"
	CannedPublicReadWrite        = "public-read-write"
	CannedAuthenticatedRead      = "authenticated-read"
	CannedAWSExecRead            = "aws-exec-read"
	CannedBucketOwnerRead        = "bucket-owner-read"
	CannedBucketOwnerFullControl = "bucket-owner-full-control"
	CannedLogDeliveryWrite       = "log-delivery-write"
)

// Canned expands a canned ACL for a resource of owner in a bucket of
// bucketOwner (for a bucket, its own owner). Every canned ACL gives the
// owner FULL_CONTROL. aws-exec-read grants Amazon EC2, which kura has
// not, so it is private here.
func Canned(name, owner, bucketOwner string) (ACL, error) {
	a := Private(owner)
	add := func(g Grantee, perms ...string) {
		for _, p := range perms {
			a.Grants = append(a.Grants, Grant{Grantee: g, Permission: p})
		}
	}
	switch name {
	case CannedPrivate, CannedAWSExecRead:
	case CannedPublicRead:
		add(Group(AllUsers), Read)
	case CannedPublicReadWrite:
		add(Group(AllUsers), Read, Write)
	case CannedAuthenticatedRead:
		add(Group(AuthenticatedUsers), Read)
	case CannedBucketOwnerRead:
		if bucketOwner != owner {
			add(User(bucketOwner), Read)
		}
	case CannedBucketOwnerFullControl:
		if bucketOwner != owner {
			add(User(bucketOwner), FullControl)
		}
	case CannedLogDeliveryWrite:
		add(Group(LogDelivery), Write, ReadACP)
	default:
		return ACL{}, s3err.ErrInvalidArgument.WithMessage("%q is not a canned ACL.", name)
	}
	return a, nil
}
