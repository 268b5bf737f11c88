// Package policy is the S3 bucket policy: the JSON access-policy document
// of Get/PutBucketPolicy, its Go types, parsing and the checks S3 makes
// before it stores a policy for a bucket.
//
// It owns the policy language's shape (statements, effects, principals,
// actions, resources, conditions) and its syntax rules. It does not store
// policies: the server stores the exact bytes the client sent and returns
// them unchanged, so Encode serves clients that build policies in Go.
//
// Evaluation (does this policy allow this request?) lives here too, next
// to the types it reads: eval.go and conditions.go; identity.go has the
// rules and canned policies of identity (user, group, session) policies.
package policy
