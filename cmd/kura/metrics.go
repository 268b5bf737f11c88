package main

import (
	"context"
	"time"

	"github.com/kurastore/kura/internal/lifecycle"
	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/meta/pebblestore"
	"github.com/kurastore/kura/internal/meta/pgstore"
	"github.com/kurastore/kura/internal/metrics"
	"github.com/kurastore/kura/internal/notify"
	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/internal/replicate"
)

// gcBacklogLimit bounds the collector queue entries a scrape reads.
const gcBacklogLimit = 100_000

// metricsSources are what a scrape reads from this server's parts.
func metricsSources(m meta.Store, blobDir string, layer *object.Layer, events *notify.Service,
	replication *replicate.Service, scanner *lifecycle.Scanner, logs *opLogs) metrics.Sources {
	src := metrics.Sources{
		Usage:   bucketUsage(layer),
		BlobDir: blobDir,
		Queues: []metrics.QueueSource{
			{Kind: "collector", Read: collectorQueue(layer)},
			{Kind: "notify", Read: notifyQueues(events)},
			{Kind: "replication", Read: replicationQueues(layer, replication)},
			{Kind: "lifecycle", Read: lifecycleQueue(scanner)},
			{Kind: "access_log", Read: accessLogQueue(logs)},
			{Kind: "audit", Read: auditQueues(logs)},
		},
	}
	switch s := m.(type) {
	case *pebblestore.Store:
		src.Pebble = s.Metrics
	case *pgstore.Store:
		src.Pool = s.PoolStat
	}
	return src
}

// collectorQueue is the blobs queued for deletion; its lag is how long
// the oldest has waited (at least GCDelay before it may go).
func collectorQueue(layer *object.Layer) func(context.Context) ([]metrics.QueueLength, error) {
	return func(ctx context.Context) ([]metrics.QueueLength, error) {
		b, err := layer.GCBacklog(ctx, gcBacklogLimit)
		if err != nil {
			return nil, err
		}
		q := metrics.QueueLength{Pending: int64(b.Queued), Completed: -1, Failed: -1, Dropped: -1}
		if !b.Oldest.IsZero() {
			q.Lag = max(time.Since(b.Oldest), 0)
		}
		return []metrics.QueueLength{q}, nil
	}
}

// notifyQueues are the events queued for each notification target.
func notifyQueues(events *notify.Service) func(context.Context) ([]metrics.QueueLength, error) {
	return func(ctx context.Context) ([]metrics.QueueLength, error) {
		sts, err := events.Status(ctx, false)
		if err != nil {
			return nil, err
		}
		out := make([]metrics.QueueLength, len(sts))
		for i, st := range sts {
			out[i] = metrics.QueueLength{
				Target: st.ARN, Pending: int64(st.Pending), Lag: -1,
				Completed: st.Delivered, Failed: st.Failed, Dropped: st.Dropped,
			}
		}
		return out, nil
	}
}

// replicationQueues are the changes queued for each bucket's
// replication targets.
func replicationQueues(layer *object.Layer, replication *replicate.Service) func(context.Context) ([]metrics.QueueLength, error) {
	return func(ctx context.Context) ([]metrics.QueueLength, error) {
		buckets, err := layer.ListBuckets(ctx)
		if err != nil {
			return nil, err
		}
		var out []metrics.QueueLength
		for _, b := range buckets {
			sts, err := replication.Status(ctx, b.Name)
			if err != nil {
				return nil, err
			}
			for _, st := range sts {
				out = append(out, metrics.QueueLength{
					Bucket: b.Name, Target: st.ARN, Pending: st.Pending,
					Lag:       time.Duration(st.LagSeconds * float64(time.Second)),
					Completed: st.Completed, Failed: -1, Dropped: -1,
				})
			}
		}
		return out, nil
	}
}

// lifecycleQueue is the buckets the scanner's pass in progress has still
// to scan; its lag is how long that pass has run.
func lifecycleQueue(scanner *lifecycle.Scanner) func(context.Context) ([]metrics.QueueLength, error) {
	return func(ctx context.Context) ([]metrics.QueueLength, error) {
		st, err := scanner.Status(ctx)
		if err != nil {
			return nil, err
		}
		q := metrics.QueueLength{Pending: int64(len(st.Pending)), Completed: -1, Failed: -1, Dropped: -1}
		if !st.PassStarted.IsZero() {
			q.Lag = max(st.Now.Sub(st.PassStarted), 0)
		}
		return []metrics.QueueLength{q}, nil
	}
}

// accessLogQueue is the lines waiting for the operator's access log
// file, and those it dropped; nothing without --access-log.
func accessLogQueue(logs *opLogs) func(context.Context) ([]metrics.QueueLength, error) {
	return func(context.Context) ([]metrics.QueueLength, error) {
		if logs.access == nil {
			return nil, nil
		}
		return []metrics.QueueLength{{
			Pending: int64(logs.access.Queued()), Lag: -1,
			Completed: -1, Failed: -1, Dropped: int64(logs.access.Dropped()),
		}}, nil
	}
}

// auditQueues are the records waiting for each audit webhook, with
// those it took, the POSTs that failed and the records dropped.
func auditQueues(logs *opLogs) func(context.Context) ([]metrics.QueueLength, error) {
	return func(context.Context) ([]metrics.QueueLength, error) {
		out := make([]metrics.QueueLength, 0, len(logs.webhooks))
		for _, w := range logs.webhooks {
			st := w.Stats()
			out = append(out, metrics.QueueLength{
				Target: w.Target(), Pending: int64(st.Queued), Lag: -1,
				Completed: int64(st.Sent), Failed: int64(st.FailedAttempts), Dropped: int64(st.Dropped),
			})
		}
		return out, nil
	}
}

// bucketUsage is every bucket's usage, from the counters the object
// layer keeps in the metadata store.
func bucketUsage(layer *object.Layer) metrics.UsageSource {
	return func(ctx context.Context) ([]metrics.BucketUsage, error) {
		all, err := layer.Usage(ctx)
		if err != nil {
			return nil, err
		}
		out := make([]metrics.BucketUsage, len(all))
		for i, u := range all {
			out[i] = metrics.BucketUsage{Bucket: u.Bucket, Objects: u.Objects, Versions: u.Versions, Bytes: u.Bytes, Uploads: u.Uploads}
		}
		return out, nil
	}
}
