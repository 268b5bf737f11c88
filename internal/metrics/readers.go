package metrics

import (
	"context"
	"errors"
	"strconv"

	"github.com/cockroachdb/pebble/v2"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// errNoFigures is a source that had nothing to report.
var errNoFigures = errors.New("the source reported no figures")

func gauge(d *prometheus.Desc, v float64, labels ...string) prometheus.Metric {
	return prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
}

func counter(d *prometheus.Desc, v float64, labels ...string) prometheus.Metric {
	return prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
}

var (
	bucketObjects  = prometheus.NewDesc("kura_bucket_objects", "Objects in a bucket: current versions that are not delete markers.", []string{"bucket"}, nil)
	bucketVersions = prometheus.NewDesc("kura_bucket_versions", "Versions in a bucket, delete markers included.", []string{"bucket"}, nil)
	bucketBytes    = prometheus.NewDesc("kura_bucket_bytes", "Bytes of every version in a bucket.", []string{"bucket"}, nil)
	bucketUploads  = prometheus.NewDesc("kura_bucket_incomplete_uploads", "Multipart uploads begun in a bucket and neither completed nor aborted.", []string{"bucket"}, nil)
)

func usageReader(src UsageSource) sourceReader {
	return sourceReader{
		name:  "usage",
		descs: []*prometheus.Desc{bucketObjects, bucketVersions, bucketBytes, bucketUploads},
		read: func(ctx context.Context, emit func(prometheus.Metric)) error {
			usage, err := src(ctx)
			if err != nil {
				return err
			}
			for _, u := range usage {
				emit(gauge(bucketObjects, float64(u.Objects), u.Bucket))
				emit(gauge(bucketVersions, float64(u.Versions), u.Bucket))
				emit(gauge(bucketBytes, float64(u.Bytes), u.Bucket))
				emit(gauge(bucketUploads, float64(u.Uploads), u.Bucket))
			}
			return nil
		},
	}
}

var (
	blobTotal = prometheus.NewDesc("kura_blob_store_total_bytes", "Size of the filesystem holding the blob directory.", nil, nil)
	blobUsed  = prometheus.NewDesc("kura_blob_store_used_bytes", "Used bytes of the filesystem holding the blob directory (the filesystem's figure: it counts anything else stored there).", nil, nil)
	blobFree  = prometheus.NewDesc("kura_blob_store_free_bytes", "Bytes still available to the server on the filesystem holding the blob directory.", nil, nil)
)

func blobSpaceReader(dir string) sourceReader {
	return sourceReader{
		name:  "blob_store",
		descs: []*prometheus.Desc{blobTotal, blobUsed, blobFree},
		read: func(_ context.Context, emit func(prometheus.Metric)) error {
			total, used, avail, err := filesystemSpace(dir)
			if err != nil {
				return err
			}
			emit(gauge(blobTotal, float64(total)))
			emit(gauge(blobUsed, float64(used)))
			emit(gauge(blobFree, float64(avail)))
			return nil
		},
	}
}

var queueLabels = []string{"queue", "bucket", "target"}

var (
	queuePending   = prometheus.NewDesc("kura_queue_pending", "Items waiting in a background queue: blobs for the collector, events for a notification target, changes for a replication target, buckets left in the lifecycle scanner's pass.", queueLabels, nil)
	queueLag       = prometheus.NewDesc("kura_queue_lag_seconds", "How long the oldest waiting item of a queue has waited (lifecycle: how long the pass in progress has run).", queueLabels, nil)
	queueCompleted = prometheus.NewDesc("kura_queue_completed_total", "Items a queue has delivered since it began (notification events delivered, changes replicated).", queueLabels, nil)
	queueFailed    = prometheus.NewDesc("kura_queue_failed_total", "Failed delivery attempts of a queue since it began.", queueLabels, nil)
	queueDropped   = prometheus.NewDesc("kura_queue_dropped_total", "Items a full queue dropped since it began.", queueLabels, nil)
)

func queueReader(q QueueSource) sourceReader {
	return sourceReader{
		name:  "queue:" + q.Kind,
		descs: []*prometheus.Desc{queuePending, queueLag, queueCompleted, queueFailed, queueDropped},
		read: func(ctx context.Context, emit func(prometheus.Metric)) error {
			lengths, err := q.Read(ctx)
			if err != nil {
				return err
			}
			for _, l := range lengths {
				labels := []string{q.Kind, l.Bucket, l.Target}
				emit(gauge(queuePending, float64(l.Pending), labels...))
				if l.Lag >= 0 {
					emit(gauge(queueLag, l.Lag.Seconds(), labels...))
				}
				for d, v := range map[*prometheus.Desc]int64{queueCompleted: l.Completed, queueFailed: l.Failed, queueDropped: l.Dropped} {
					if v >= 0 {
						emit(counter(d, float64(v), labels...))
					}
				}
			}
			return nil
		},
	}
}

var (
	pebbleCompactions = prometheus.NewDesc("kura_pebble_compactions_total", "Compactions the metadata store (Pebble) has run since it opened.", nil, nil)
	pebbleDebt        = prometheus.NewDesc("kura_pebble_compaction_debt_bytes", "Pebble's estimate of the bytes to compact before the LSM is stable.", nil, nil)
	pebbleCacheHits   = prometheus.NewDesc("kura_pebble_block_cache_hits_total", "Block cache hits of the metadata store.", nil, nil)
	pebbleCacheMisses = prometheus.NewDesc("kura_pebble_block_cache_misses_total", "Block cache misses of the metadata store.", nil, nil)
	pebbleCacheBytes  = prometheus.NewDesc("kura_pebble_block_cache_bytes", "Bytes held in the metadata store's block cache.", nil, nil)
	pebbleReadAmp     = prometheus.NewDesc("kura_pebble_read_amplification", "Read amplification of the metadata store's LSM.", nil, nil)
	pebbleDisk        = prometheus.NewDesc("kura_pebble_disk_usage_bytes", "Disk space the metadata store uses.", nil, nil)
	pebbleWALWritten  = prometheus.NewDesc("kura_pebble_wal_written_bytes_total", "Bytes written to the metadata store's write-ahead log.", nil, nil)
	pebbleWALFsync    = prometheus.NewDesc("kura_pebble_wal_fsync_duration_seconds", "Latency of the metadata store's write-ahead log fsyncs.", nil, nil)
)

func pebbleReader(read func() *pebble.Metrics) sourceReader {
	return sourceReader{
		name: "pebble",
		descs: []*prometheus.Desc{pebbleCompactions, pebbleDebt, pebbleCacheHits, pebbleCacheMisses, pebbleCacheBytes,
			pebbleReadAmp, pebbleDisk, pebbleWALWritten, pebbleWALFsync},
		read: func(_ context.Context, emit func(prometheus.Metric)) error {
			m := read()
			if m == nil {
				return errNoFigures
			}
			emit(counter(pebbleCompactions, float64(m.Compact.Count)))
			emit(gauge(pebbleDebt, float64(m.Compact.EstimatedDebt)))
			emit(counter(pebbleCacheHits, float64(m.BlockCache.Hits)))
			emit(counter(pebbleCacheMisses, float64(m.BlockCache.Misses)))
			emit(gauge(pebbleCacheBytes, float64(m.BlockCache.Size)))
			emit(gauge(pebbleReadAmp, float64(m.ReadAmp())))
			emit(gauge(pebbleDisk, float64(m.DiskSpaceUsage())))
			emit(counter(pebbleWALWritten, float64(m.WAL.BytesWritten)))
			if h := m.LogWriter.FsyncLatency; h != nil {
				fsync, err := secondsHistogram(h)
				if err != nil {
					return err
				}
				emit(fsync)
			}
			return nil
		},
	}
}

// fsyncBucketStride thins Pebble's hundred fsync latency buckets to one
// in five: cumulative counts at fewer bounds are still exact.
const fsyncBucketStride = 5

// secondsHistogram re-exposes Pebble's fsync histogram, kept in
// nanoseconds, in seconds.
func secondsHistogram(h prometheus.Histogram) (prometheus.Metric, error) {
	var m dto.Metric
	if err := h.Write(&m); err != nil {
		return nil, err
	}
	hist := m.GetHistogram()
	if hist == nil {
		return nil, errNoFigures
	}
	const ns = 1e9
	buckets := map[float64]uint64{}
	for i, b := range hist.GetBucket() {
		if i%fsyncBucketStride == fsyncBucketStride-1 {
			buckets[roundBound(b.GetUpperBound()/ns)] = b.GetCumulativeCount()
		}
	}
	return prometheus.NewConstHistogram(pebbleWALFsync, hist.GetSampleCount(), hist.GetSampleSum()/ns, buckets)
}

// roundBound keeps four significant digits of a bucket bound, so that
// bounds computed in nanoseconds read plainly in seconds.
func roundBound(x float64) float64 {
	r, err := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 4, 64), 64)
	if err != nil {
		return x
	}
	return r
}

var (
	poolAcquired      = prometheus.NewDesc("kura_postgres_pool_acquired_connections", "Connections of the PostgreSQL pool in use.", nil, nil)
	poolIdle          = prometheus.NewDesc("kura_postgres_pool_idle_connections", "Idle connections of the PostgreSQL pool.", nil, nil)
	poolTotal         = prometheus.NewDesc("kura_postgres_pool_total_connections", "Connections of the PostgreSQL pool, opening ones included.", nil, nil)
	poolMax           = prometheus.NewDesc("kura_postgres_pool_max_connections", "Most connections the PostgreSQL pool opens.", nil, nil)
	poolAcquires      = prometheus.NewDesc("kura_postgres_pool_acquires_total", "Connections acquired from the PostgreSQL pool.", nil, nil)
	poolAcquireTime   = prometheus.NewDesc("kura_postgres_pool_acquire_seconds_total", "Time spent acquiring connections from the PostgreSQL pool.", nil, nil)
	poolEmptyAcquires = prometheus.NewDesc("kura_postgres_pool_empty_acquires_total", "Acquires that waited because the PostgreSQL pool had no idle connection.", nil, nil)
	poolCanceled      = prometheus.NewDesc("kura_postgres_pool_canceled_acquires_total", "Acquires from the PostgreSQL pool given up by their caller.", nil, nil)
)

func poolReader(read func() *pgxpool.Stat) sourceReader {
	return sourceReader{
		name:  "postgres_pool",
		descs: []*prometheus.Desc{poolAcquired, poolIdle, poolTotal, poolMax, poolAcquires, poolAcquireTime, poolEmptyAcquires, poolCanceled},
		read: func(_ context.Context, emit func(prometheus.Metric)) error {
			st := read()
			if st == nil {
				return errNoFigures
			}
			emit(gauge(poolAcquired, float64(st.AcquiredConns())))
			emit(gauge(poolIdle, float64(st.IdleConns())))
			emit(gauge(poolTotal, float64(st.TotalConns())))
			emit(gauge(poolMax, float64(st.MaxConns())))
			emit(counter(poolAcquires, float64(st.AcquireCount())))
			emit(counter(poolAcquireTime, st.AcquireDuration().Seconds()))
			emit(counter(poolEmptyAcquires, float64(st.EmptyAcquireCount())))
			emit(counter(poolCanceled, float64(st.CanceledAcquireCount())))
			return nil
		},
	}
}
