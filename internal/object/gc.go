package object

import (
	"context"
	"encoding/binary"
	"errors"
	"sync"
	"time"

	"github.com/kurastore/kura/internal/blob"
	"github.com/kurastore/kura/internal/meta"
)

// The collector deletes blobs that no record references any more. Two
// sources feed it:
//
//   - the queue: every commit that drops a blob reference also writes a
//     G-key for that blob in the same batch, so nothing is missed across a
//     crash. Queued blobs are deleted after GCDelay once no R-key names
//     them and no read holds a lease on them (readlease.go).
//   - the orphan sweep: a crash between a blob's Commit and the metadata
//     commit leaves a blob that was never referenced. The sweep walks the
//     blob store and deletes unreferenced blobs older than OrphanGrace.

// GCStats counts what one collection pass did.
type GCStats struct {
	QueuedDeleted  int
	OrphansDeleted int
}

const sweepInterval = time.Hour

// RunCollector collects until ctx is done. At start and every hour it
// aborts expired multipart uploads and sweeps for orphans; it drains the
// queue whenever a commit kicks it, and every poll interval for the
// commits of other servers sharing the metadata store. Only the server
// holding the collector lease collects (collectorLease), so that several
// gateways never run the same job at once and one takes over when the
// holder dies. With Options.Shared it also keeps this server's read lease
// record published (keepReadLease), on every server.
func (l *Layer) RunCollector(ctx context.Context) {
	if l.opts.Shared {
		done := make(chan struct{})
		defer func() { <-done }()
		go func() { defer close(done); l.keepReadLease(ctx) }()
	}
	var tierPasses sync.WaitGroup
	defer tierPasses.Wait()
	swept := false
	sweep := time.NewTicker(sweepInterval)
	defer sweep.Stop()
	retry := time.NewTimer(0)
	defer retry.Stop()
	due := time.Now()
	schedule := func(d time.Duration) { retry.Reset(d); due = time.Now().Add(d) }
	for {
		select {
		case <-ctx.Done():
			return
		case <-sweep.C:
			swept = false
		case <-l.gcKick:
			// Bring the next drain forward, never push it back: under a
			// steady stream of commits it must still come.
			if time.Until(due) > l.opts.GCDelay {
				schedule(l.opts.GCDelay)
			}
			continue
		case <-retry.C:
		}
		schedule(collectorPoll)
		if !l.collectorLease(ctx) {
			continue
		}
		if !swept {
			l.sweep(ctx)
			swept = true
		}
		_, pending, err := l.DrainQueue(ctx)
		if err != nil && ctx.Err() == nil {
			l.log.Warn("blob collection", "err", err)
		}
		if pending || err != nil {
			schedule(l.opts.GCDelay)
		}
		if err := l.FoldUsage(ctx); err != nil && ctx.Err() == nil {
			l.log.Warn("folding usage counters", "err", err)
		}
		// Tiers are remote and may be slow or hang until a timeout: their
		// work runs beside the collector, one pass at a time, so that it
		// holds up neither blob collection nor the lease's renewal.
		if l.tierPass.CompareAndSwap(false, true) {
			tierPasses.Go(func() {
				defer l.tierPass.Store(false)
				l.tierWork(ctx)
			})
		}
	}
}

// tierWork deletes the remote objects that are due and does the restore
// work that is due (tierqueue.go, restore.go). Failures stay queued and
// are retried with backoff on later rounds.
func (l *Layer) tierWork(ctx context.Context) {
	if _, err := l.DrainTierDeletes(ctx); err != nil && ctx.Err() == nil {
		l.log.Warn("deleting remote objects", "err", err)
	}
	if n, err := l.DrainRestores(ctx); err != nil && ctx.Err() == nil {
		l.log.Warn("restoring objects", "err", err)
	} else if n > 0 {
		l.kickCollector()
	}
}

// The collector lease: one server at a time runs the collector. A holder
// renews it while it lives; when it dies, the lease runs out and another
// server takes it.
const (
	collectorPoll = 5 * time.Second
	leaseTerm     = 30 * time.Second
)

var collectorLeaseKey = []byte("Lcollector")

// collectorLease reports whether this layer holds the collector lease,
// taking or renewing it as needed.
func (l *Layer) collectorLease(ctx context.Context) bool {
	if l.gcNow().Before(l.leaseUntil.Add(-leaseTerm / 2)) {
		return true
	}
	lease := meta.Lease{Key: collectorLeaseKey, Holder: l.opts.Holder, Term: leaseTerm, Clock: l.gcNow}
	held, until, err := lease.Take(ctx, l.meta)
	if err != nil && ctx.Err() == nil {
		l.log.Warn("collector lease", "err", err)
	}
	l.leaseUntil = until
	return held
}

func (l *Layer) sweep(ctx context.Context) {
	if _, err := l.ExpireUploads(ctx, l.opts.UploadExpiry); err != nil && ctx.Err() == nil {
		l.log.Warn("expiring multipart uploads", "err", err)
	}
	if _, err := l.SweepOrphans(ctx); err != nil && ctx.Err() == nil {
		l.log.Warn("orphan sweep", "err", err)
	}
}

func blobLockName(id string) []byte { return []byte("lg/" + id) }

// DrainQueue deletes queued blobs that have waited GCDelay, have no
// reference left and no read lease (readlease.go). pending reports queued
// blobs that are not due yet or still leased.
func (l *Layer) DrainQueue(ctx context.Context) (deleted int, pending bool, err error) {
	if err := l.syncSharedClock(ctx); err != nil {
		return 0, false, err
	}
	now := l.gcNow()
	type queued struct {
		id   string
		when time.Time
	}
	var due []queued
	err = l.view(ctx, func(r meta.Reader) error {
		due, pending = nil, false
		return meta.EachEntry(r, []byte{tagGCQueue}, func(k, val []byte) error {
			var when time.Time
			if len(val) == gcQueueValueBytes {
				when = time.Unix(0, int64(binary.BigEndian.Uint64(val)))
			}
			if now.Sub(when) < l.opts.GCDelay {
				pending = true
				return nil
			}
			due = append(due, queued{id: string(k[1:]), when: when})
			return nil
		})
	})
	if err != nil {
		return 0, pending, err
	}
	var others otherLeases
	if len(due) > 0 {
		if others, err = l.readOtherLeases(ctx, now); err != nil {
			return 0, pending, err
		}
	}
	for _, q := range due {
		// A read that saw the last reference leased the blob within
		// GCDelay of the drop, so by now its lease is in the table, or in
		// its gateway's record if that was published late enough; the
		// blob stays queued until the lease is given back.
		if l.leasedHere(blob.ID(q.id)) || others.spares(blob.ID(q.id), q.when, l.opts.GCDelay) {
			pending = true
			continue
		}
		unreferenced, requeued := false, false
		// The blob lock orders this against anything that would add a new
		// reference to the same blob (copies share blobs).
		err := l.meta.Update(ctx, []meta.Lock{{Name: blobLockName(q.id)}}, func(tx meta.Txn) error {
			unreferenced, requeued = false, false
			// The entry is read again: a reference dropped since the scan
			// queued the blob anew, and its GCDelay starts from that drop,
			// for the reads that looked the reference up just before it.
			val, err := tx.Get(gcQueueKey(q.id))
			switch {
			case errors.Is(err, meta.ErrNotFound):
				return nil // drained already
			case err != nil:
				return err
			}
			if len(val) == gcQueueValueBytes && now.Sub(time.Unix(0, int64(binary.BigEndian.Uint64(val)))) < l.opts.GCDelay {
				requeued = true
				return nil
			}
			referenced, err := hasRef(tx, q.id)
			if err != nil {
				return err
			}
			unreferenced = !referenced
			return tx.Delete(gcQueueKey(q.id))
		})
		if err != nil {
			return deleted, pending, err
		}
		if requeued {
			pending = true
			continue
		}
		// The Update that found the blob unreferenced wrote (it deleted
		// the G-key) and so returned only once durable, with every write
		// it read: nothing it saw can be taken back by a crash (meta.Store
		// Sync).
		if unreferenced {
			if err := l.blobs.Delete(ctx, blob.ID(q.id)); err != nil {
				// The G-key is gone; the orphan sweep will retry.
				l.log.Warn("deleting blob", "blob", q.id, "err", err)
				continue
			}
			deleted++
		}
	}
	return deleted, pending, nil
}

func hasRef(r meta.Reader, id string) (bool, error) {
	return anyKeyWithPrefix(r, blobRefPrefix(id))
}

// anyKeyWithPrefix reports whether some key starts with p.
func anyKeyWithPrefix(r meta.Reader, p []byte) (bool, error) {
	it, err := r.NewIter(p, meta.PrefixEnd(p))
	if err != nil {
		return false, err
	}
	defer it.Close()
	found := it.First()
	return found, it.Err()
}

// SweepOrphans deletes blobs older than OrphanGrace that no record
// references and no server is writing (writing.go).
func (l *Layer) SweepOrphans(ctx context.Context) (int, error) {
	if err := l.syncSharedClock(ctx); err != nil {
		return 0, err
	}
	now := l.gcNow()
	cutoff := now.Add(-l.opts.OrphanGrace)
	var old []blob.ID
	err := l.blobs.Walk(ctx, func(id blob.ID, mod time.Time) error {
		if mod.Before(cutoff) {
			old = append(old, id)
		}
		return ctx.Err()
	})
	if err != nil {
		return 0, err
	}
	others, err := l.readOtherLeases(ctx, now)
	if err != nil {
		return 0, err
	}
	deleted := 0
	for _, id := range old {
		// This server's own writes first, then the metadata: a write that
		// leaves l.writing has committed its reference (or deleted the
		// blob) before, so the View sees the reference. A blob still
		// being read is no orphan either, whatever the metadata says.
		if l.beingWritten(id) || l.leasedHere(id) {
			continue
		}
		if _, leased := others.blobs[id]; leased {
			continue
		}
		var keep bool
		err := l.view(ctx, func(r meta.Reader) (err error) {
			if keep, err = hasRef(r, string(id)); keep || err != nil {
				return err
			}
			keep, err = l.writtenElsewhere(r, id, now)
			return err
		})
		if err != nil {
			return deleted, err
		}
		if keep {
			continue
		}
		// The View may have seen a delete of the last reference that is
		// visible but not yet durable; a crash then would bring the
		// reference back without its blob.
		if err := l.meta.Sync(ctx); err != nil {
			return deleted, err
		}
		if err := l.blobs.Delete(ctx, id); err != nil && !errors.Is(err, blob.ErrNotFound) {
			return deleted, err
		}
		deleted++
	}
	return deleted, l.dropExpiredWriteRecords(ctx)
}
