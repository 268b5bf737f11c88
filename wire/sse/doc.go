// Package sse is the S3 bucket default encryption: the
// ServerSideEncryptionConfiguration XML document of Get, Put and
// DeleteBucketEncryption, and AWS's rules for it.
//
// It owns the document's shape and validation (one rule, a known
// algorithm, a KMS key only for aws:kms). It does not encrypt anything
// and does not know which KMS keys exist: the server applies the default
// to new objects and checks key IDs against its KMS.
package sse
