// Package usermeta is how S3 user metadata values (x-amz-meta-*) travel
// in HTTP headers. S3 stores a value sent as RFC 2047 encoded words as
// the text they encode, and returns a value that is not printable ASCII
// as encoded words, "to make them mail-safe" (Amazon S3 User Guide,
// "Working with object metadata"). The server and the Go SDK both use it,
// so that any text makes the round trip.
package usermeta
