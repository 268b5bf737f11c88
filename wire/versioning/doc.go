// Package versioning is the S3 VersioningConfiguration document (Get and
// PutBucketVersioning), with MinIO's excluded prefixes, shared by the
// server and the Go SDK.
package versioning
