package adminapi

import "time"

// ReplicationTarget is a bucket's replication target: the bucket
// DestBucket at Endpoint, written with AccessKey and SecretKey. Adding
// one sends Endpoint, DestBucket, the keys, and optionally Region and
// Bandwidth; the server chooses the ARN. An answer never holds the secret
// key.
type ReplicationTarget struct {
	// ARN is what the rules of a replication configuration name as
	// their Destination Bucket: arn:minio:replication:REGION:ID:BUCKET.
	ARN          string `json:"arn,omitempty"`
	SourceBucket string `json:"sourceBucket,omitempty"`
	Endpoint     string `json:"endpoint"`
	DestBucket   string `json:"destBucket"`
	Region       string `json:"region,omitempty"`
	AccessKey    string `json:"accessKey,omitempty"`
	SecretKey    string `json:"secretKey,omitempty"`
	// Bandwidth bounds the replication traffic to the target, in bytes
	// per second; 0 is no bound.
	Bandwidth int64     `json:"bandwidth,omitempty"`
	Created   time.Time `json:"created,omitzero"`
}

// ReplicationTargetAdded answers the addition of a target.
type ReplicationTargetAdded struct {
	ARN string `json:"arn"`
}

// ReplicationTargetStatus is how replication to one target of a bucket
// goes.
type ReplicationTargetStatus struct {
	ARN        string `json:"arn"`
	Endpoint   string `json:"endpoint"`
	DestBucket string `json:"destBucket"`
	// Pending counts the changes queued for the target, PendingBytes
	// the bytes of data they carry.
	Pending      int64 `json:"pending"`
	PendingBytes int64 `json:"pendingBytes"`
	// Completed counts the changes replicated. Failed counts the queued
	// changes that failed three times or more: their versions show
	// FAILED, and they are still retried, with backoff.
	Completed     int64     `json:"completed"`
	Failed        int64     `json:"failed"`
	LastError     string    `json:"lastError,omitempty"`
	LastErrorTime time.Time `json:"lastErrorTime,omitzero"`
	// LagSeconds is how long the oldest pending change has waited.
	LagSeconds float64 `json:"lagSeconds"`
	// Resync is the latest resync of existing objects to the target.
	Resync *ReplicationResync `json:"resync,omitempty"`
}

// ReplicationResync is a pass that queues a bucket's existing objects
// for replication to a target.
type ReplicationResync struct {
	// State is "running", "done" or "failed".
	State string `json:"state"`
	// Scanned counts the versions looked at, Queued those queued.
	Scanned  int64     `json:"scanned"`
	Queued   int64     `json:"queued"`
	Started  time.Time `json:"started,omitzero"`
	Finished time.Time `json:"finished,omitzero"`
}
