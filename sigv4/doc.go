// Package sigv4 implements AWS Signature Version 4 for S3: signing (for
// kura's Go SDK) and exact verification (for the server) of
// Authorization headers, presigned URLs and aws-chunked streaming bodies
// with chunk signatures and trailing checksums.
//
// It owns the protocol only: which access keys exist is the caller's
// SecretLookup, and what a caller may do is decided elsewhere.
package sigv4
