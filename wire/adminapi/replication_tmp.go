package adminapi

import "time"

// temporary until the admin API types land
type ReplicationTargetStatus struct {
	ARN           string
	Endpoint      string
	DestBucket    string
	Pending       int64
	PendingBytes  int64
	Completed     int64
	Failed        int64
	LastError     string
	LastErrorTime time.Time
	LagSeconds    float64
	Resync        *ReplicationResync
}

type ReplicationResync struct {
	State             string
	Scanned, Queued   int64
	Started, Finished time.Time
}
