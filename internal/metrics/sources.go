package metrics

import (
	"context"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Sources are where scrape-time figures come from. Each is optional: a
// nil source's families are absent from the exposition.
type Sources struct {
	// Usage is the storage kept per bucket.
	Usage UsageSource
	// BlobDir is the blob store's directory, whose filesystem's space is
	// reported.
	BlobDir string
	// Queues are the server's background queues: the collector's,
	// notification targets', replication's and the lifecycle scanner's.
	Queues []QueueSource
	// Pebble is the embedded metadata store's own metrics.
	Pebble func() *pebble.Metrics
	// Pool is the PostgreSQL connection pool's figures in scale-out mode.
	Pool func() *pgxpool.Stat
}

// BucketUsage is what one bucket holds.
type BucketUsage struct {
	Bucket string
	// Objects counts current versions that are not delete markers;
	// Versions counts every version, delete markers included; Bytes is
	// the size of every version; Uploads counts incomplete multipart
	// uploads.
	Objects, Versions, Bytes, Uploads int64
}

// UsageSource reports every bucket's usage, from counters kept in the
// metadata store (never by scanning the bucket).
type UsageSource func(ctx context.Context) ([]BucketUsage, error)

// QueueLength is one queue's backlog.
type QueueLength struct {
	// Bucket and Target name the queue within its kind: a notification
	// target's ARN, a bucket and the ARN of its replication target; both
	// empty for the server's one collector or lifecycle queue.
	Bucket, Target string
	// Pending counts the items waiting.
	Pending int64
	// Lag is how long the oldest waiting item has waited; negative when
	// the queue cannot tell.
	Lag time.Duration
	// Completed, Failed and Dropped count, since the queue began, the
	// items it delivered, the delivery attempts that failed and the items
	// it dropped; each is negative when the queue does not keep it.
	Completed, Failed, Dropped int64
}

// QueueSource reports the backlog of the queues of one kind.
type QueueSource struct {
	// Kind is the queue label: collector, notify, replication, lifecycle.
	Kind string
	Read func(ctx context.Context) ([]QueueLength, error)
}
