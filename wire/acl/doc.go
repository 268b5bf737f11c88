// Package acl is the S3 access control list: canned ACLs, the
// x-amz-grant-* request headers, the AccessControlPolicy XML document of
// Get/Put{Bucket,Object}Acl, a compact encoding for storage, and the
// question an ACL answers (does it grant this permission to this caller).
//
// It owns AWS's rules for an ACL (grantee types, the three predefined
// groups, permissions, at most MaxGrants grants) and reports violations
// as S3 errors. Grants by email address are resolved to canonical IDs by
// the caller before an ACL is stored; a stored ACL names users by
// canonical ID and groups by URI only.
package acl
