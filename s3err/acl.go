package s3err

import "net/http"

// Errors of access control lists and object ownership.
var (
	// ErrMalformedACL refuses an AccessControlPolicy document or grant
	// that does not describe a valid ACL.
	ErrMalformedACL = def("MalformedACLError", http.StatusBadRequest, "The XML you provided was not well-formed or did not validate against our published schema.")
	// ErrUnresolvableGrantByEmail refuses a grant to an email address no
	// user has.
	ErrUnresolvableGrantByEmail = def("UnresolvableGrantByEmailAddress", http.StatusBadRequest, "The email address you provided does not match any account on record.")
	// ErrCannedACLWithGrants refuses a request with both x-amz-acl and
	// x-amz-grant-* headers.
	ErrCannedACLWithGrants = def("InvalidRequest", http.StatusBadRequest, "Specifying both Canned ACLs and Header Grants is not allowed")
	// ErrNoOwnershipControls answers GetBucketOwnershipControls on a
	// bucket without a setting of its own.
	ErrNoOwnershipControls = def("OwnershipControlsNotFoundError", http.StatusNotFound, "The bucket ownership controls were not found")
)
