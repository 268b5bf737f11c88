// Package replicate copies the changes of a bucket's objects to buckets
// on remote S3 endpoints (another kura, MinIO, AWS), as the bucket's
// replication configuration says.
//
// A bucket replicates to its targets: each is a destination bucket on
// an endpoint, with the credentials to write there, named by an ARN of
// MinIO's form (arn:minio:replication:REGION:ID:BUCKET) that the rules
// of the replication configuration give as their destination. The
// targets live in the metadata store with their credentials sealed.
//
// Service is the object layer's object.Replicator: in the transaction of
// every change to a bucket with a replication configuration it queues
// the change for each target whose rule carries it (a transactional
// outbox, see internal/outbox) and stamps the version PENDING. Run works
// the queues: one worker per target, holding the target's lease, copies
// up to Workers object keys at once and the changes of one key in order,
// with kura's own client, as replication requests the destination stores
// under the source's version ids and marks REPLICA. A change leaves the
// queue only once the destination accepted it. Resync queues a bucket's
// existing versions, a page at a time, from a checkpoint.
package replicate
