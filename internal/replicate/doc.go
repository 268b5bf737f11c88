// Package replicate copies the changes of a bucket's objects to buckets
// on remote S3 endpoints (another kura, MinIO, AWS), as the bucket's
// replication configuration says.
//
// A bucket replicates to its targets: each is a destination bucket on
// an endpoint, with the credentials to write there, named by an ARN of
// MinIO's form (arn:minio:replication:REGION:ID:BUCKET) that the rules
// of the replication configuration give as their destination. The
// targets live in the metadata store with their credentials sealed.
package replicate
