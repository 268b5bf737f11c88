package adminapi

import "time"

// LifecycleStatus is the lifecycle scanner's state.
type LifecycleStatus struct {
	// Now is when the status was read, on the server's lifecycle clock.
	Now time.Time `json:"now"`
	// PassStarted is when the pass in progress began (zero when none),
	// and Pending the buckets it has still to scan, the first in progress.
	PassStarted time.Time `json:"passStarted,omitzero"`
	Pending     []string  `json:"pending,omitempty"`
	// LastPassStarted is when the latest pass began; the next begins
	// Interval after it. Day is the length of a lifecycle day.
	LastPassStarted time.Time `json:"lastPassStarted,omitzero"`
	Interval        string    `json:"interval"`
	Day             string    `json:"day"`
	// Holder is the server that holds the scanner's lease, if any.
	Holder  string                  `json:"holder,omitempty"`
	Buckets []LifecycleBucketStatus `json:"buckets"`
}

// LifecycleBucketStatus is what the scanner knows of one bucket.
type LifecycleBucketStatus struct {
	Bucket string `json:"bucket"`
	// The latest complete scan of the bucket: when it began and ended,
	// and how many versions it evaluated.
	LastPassStarted   time.Time `json:"lastPassStarted,omitzero"`
	LastPassCompleted time.Time `json:"lastPassCompleted,omitzero"`
	LastPassScanned   int64     `json:"lastPassScanned"`
	// A scan under way: begun at Started, at the key Position, having
	// evaluated Scanned versions.
	InProgress bool      `json:"inProgress,omitempty"`
	Started    time.Time `json:"started,omitzero"`
	Position   string    `json:"position,omitempty"`
	Scanned    int64     `json:"scanned,omitempty"`
	// Actions counts what the rules did by kind (expire, delete-version,
	// delete-marker, transition, abort-upload) and the actions object
	// lock refused (locked) or that failed (failed).
	Actions map[string]int64 `json:"actions,omitempty"`
}
