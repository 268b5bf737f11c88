// Package lifecycle is the S3 bucket lifecycle configuration: the
// LifecycleConfiguration XML document of Get, Put and
// DeleteBucketLifecycle(Configuration) — rules with filters, expiration,
// transitions, noncurrent-version actions and the abort of incomplete
// multipart uploads — and AWS's rules for it.
//
// It owns the document's shape and validation. It does not expire or
// move anything: the server's lifecycle worker reads the rules.
package lifecycle
