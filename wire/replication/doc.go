// Package replication is the S3 bucket replication configuration: the
// ReplicationConfiguration XML document of Get, Put and
// DeleteBucketReplication (a role and rules with filters, priorities,
// delete-marker and existing-object replication, destinations), with
// MinIO's DeleteReplication, and AWS's rules for it.
//
// It owns the document's shape and validation. It does not replicate and
// does not check that a destination exists: the server resolves
// destination ARNs against its replication targets.
package replication
