// Package client is kura's Go SDK: for Go programs what the MinIO Python
// client is for Python. Every call of that client's API has a method here
// with the same meaning, in Go's idiom: a context first, options structs,
// typed errors (*ErrorResponse) and iterators.
//
// The client speaks plain S3 (SigV4, S3 XML), so it works with any
// S3-compatible server, not only kura. Configuration documents come from
// the wire packages the server uses.
//
// Files are grouped by operation: client.go (construction, request
// execution, retries), errors.go, credentials.go, bucket*.go, object*.go,
// put.go (streaming multipart uploads), multipart.go (the multipart calls
// one by one, for uploads a program resumes), progress.go (throttled
// progress reports), sse.go (server-side encryption), presign.go,
// postpolicy.go and postform.go (browser form uploads).
package client
