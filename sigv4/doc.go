// Package sigv4 implements AWS Signature Version 4 for S3: signing (for
// kura's Go SDK) and exact verification (for the server) of
// Authorization headers, presigned URLs and aws-chunked streaming bodies
// with chunk signatures and trailing checksums.
//
// It owns the protocol only: which access keys exist is the caller's
// SecretLookup, which regions besides the verifier's own a request may be
// signed for is the caller's OtherRegion (a request is always verified
// with its scope region's key, and Result.Region reports it), and what a
// caller may do is decided elsewhere.
package sigv4
