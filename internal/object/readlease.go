package object

import (
	"context"
	"encoding/binary"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kurastore/kura/internal/blob"
	"github.com/kurastore/kura/internal/meta"
)

// Read leases keep the collector from deleting a blob while a read still
// needs it. A GET opens the parts of a multipart object one after another
// as the body streams, and on a shared blob directory (NFS, CephFS) a file
// another gateway deletes breaks the handles open on it, so a read may
// need its blobs for as long as the client takes to download, hours
// after the object was replaced or deleted.
//
// A read leases the blobs it will read right after it looked the record
// up, and gives them back when its body is closed:
//
//   - in this process, the lease is a count in a table in memory
//     (readLeases.count): a lock and a map update per GET, no metadata
//     write. The collector of this process checks the table before it
//     deletes a queued blob or an orphan, and keeps a leased blob queued
//     until the reads end. A process that dies takes its reads with it.
//   - with Options.Shared, the collector may run on another gateway, so
//     each gateway publishes its table as one lease record in the
//     metadata store (the key readLeasePrefix + its id): the blobs it has
//     leased, when the record was published and when it expires, both on
//     the store's clock. A heartbeat (keepReadLease, started by
//     RunCollector) publishes it every readLeaseRenew with an expiry
//     readLeaseTerm ahead; the record of a gateway that died expires and
//     its leases with it, and collectors delete expired records. A read
//     adds no metadata write of its own: one write per gateway per
//     readLeaseRenew covers all its reads, and the record's size grows
//     with the number of blobs being read (about 35 bytes each).
//
// A lease is taken after the lookup, so it is the GC delay that covers
// the moment between the two: a blob whose last reference was dropped at
// T is only deleted after T+GCDelay, and a read that saw the reference
// looked up before T and leased its blobs well within GCDelay after. For
// another gateway's reads the collector must also know that their leases
// were published: it deletes a blob dropped at T only when every
// unexpired lease record was published after T+GCDelay and none names the
// blob. Collection of a dropped blob thus waits up to GCDelay plus one
// heartbeat, and up to readLeaseTerm after a gateway died. A gateway
// whose record has expired (a new one, or one cut off from the database
// for longer than a term) publishes it before its next lookup for a read,
// so that its reads are never unseen. Reads in flight on a gateway cut
// off from the database for longer than a term are no longer protected:
// that is what lets the leases of a dead gateway end.
//
// Costs: per GET of a blob-backed object, one lock and map update to take
// the leases and one to give them back (about 185 ns for a three-part
// object, BenchmarkReadLeaseTable) and three small allocations; per
// gateway, one metadata write every readLeaseRenew; per collection pass
// with blobs due, one scan of the lease records.
//
// All these times are on one clock: the metadata store's (meta.Store.Now,
// PostgreSQL's for gateways). The layer reads it with each heartbeat and
// at the start of each collection pass, and keeps the offset to its own
// clock (gcNow), so that the times it writes on the request path cost no
// round trip: the G-key times of dropped blobs and the W-key times of
// blob writes are on that clock too (from the first heartbeat on; a
// gateway's first seconds use its own). Without Shared the store is the
// process's own and the offset stays zero.
const (
	readLeasePrefix = "Lreads/"
	readLeaseTerm   = 30 * time.Second
	readLeaseRenew  = 10 * time.Second
)

// readLeases is a layer's table of leased blobs and the state of its
// published lease record.
type readLeases struct {
	mu    sync.Mutex
	count map[blob.ID]int
	// publishMu orders publications of the record, so that one read
	// publishing it for many (a gateway's first reads) is enough.
	publishMu sync.Mutex
	// liveUntil is when (gcNow, in nanoseconds) the published record
	// stops being safe to rely on for a new read: one heartbeat before it
	// expires.
	liveUntil atomic.Int64
	// offset is the store's clock minus this layer's (Options.Now), in
	// nanoseconds.
	offset atomic.Int64
}

// gcNow is the time on the metadata store's clock: the clock of every
// time that several gateways compare.
func (l *Layer) gcNow() time.Time {
	return l.opts.Now().Add(time.Duration(l.reads.offset.Load()))
}

// syncClock measures the offset of the store's clock to this layer's,
// taking the middle of the round trip as the moment the store read it.
func (l *Layer) syncClock(ctx context.Context) error {
	before := l.opts.Now()
	storeNow, err := l.meta.Now(ctx)
	if err != nil {
		return err
	}
	after := l.opts.Now()
	mid := before.Add(after.Sub(before) / 2)
	l.reads.offset.Store(int64(storeNow.Sub(mid)))
	return nil
}

// syncSharedClock is syncClock for a layer sharing its store; a store of
// its own has no other clock to agree with.
func (l *Layer) syncSharedClock(ctx context.Context) error {
	if !l.opts.Shared {
		return nil
	}
	return l.syncClock(ctx)
}

// leaseBlobs leases ids for a read, until releaseBlobs(ids).
func (l *Layer) leaseBlobs(ids []blob.ID) {
	l.reads.mu.Lock()
	for _, id := range ids {
		l.reads.count[id]++
	}
	l.reads.mu.Unlock()
}

// releaseBlobs gives back the leases of leaseBlobs(ids).
func (l *Layer) releaseBlobs(ids []blob.ID) {
	l.reads.mu.Lock()
	for _, id := range ids {
		if l.reads.count[id]--; l.reads.count[id] <= 0 {
			delete(l.reads.count, id)
		}
	}
	l.reads.mu.Unlock()
}

// leasedHere reports whether a read of this layer holds a lease on id.
func (l *Layer) leasedHere(id blob.ID) bool {
	l.reads.mu.Lock()
	defer l.reads.mu.Unlock()
	return l.reads.count[id] > 0
}

// leasedBlobs lists the blobs leased in this layer, sorted.
func (l *Layer) leasedBlobs() []blob.ID {
	l.reads.mu.Lock()
	ids := make([]blob.ID, 0, len(l.reads.count))
	for id := range l.reads.count {
		ids = append(ids, id)
	}
	l.reads.mu.Unlock()
	slices.Sort(ids)
	return ids
}

// readLeaseReady makes sure, before a lookup for a read, that other
// gateways' collectors will see this layer's leases: that its lease record
// is published and not about to expire. Without Shared there is nothing
// to publish.
func (l *Layer) readLeaseReady(ctx context.Context) error {
	if !l.opts.Shared || l.gcNow().UnixNano() < l.reads.liveUntil.Load() {
		return nil
	}
	return l.publishReadLease(ctx, false)
}

// publishReadLease writes this layer's lease record: the blobs leased now,
// with a publication time read before the table is, so that the record
// names every lease taken before that time. Unless always, it does
// nothing when another call published while this one waited.
func (l *Layer) publishReadLease(ctx context.Context, always bool) error {
	l.reads.publishMu.Lock()
	defer l.reads.publishMu.Unlock()
	if !always && l.gcNow().UnixNano() < l.reads.liveUntil.Load() {
		return nil
	}
	if err := l.syncClock(ctx); err != nil {
		return err
	}
	published := l.gcNow()
	expires := published.Add(readLeaseTerm)
	value := encodeReadLease(published, expires, l.leasedBlobs())
	key := l.readLeaseKey()
	err := l.meta.Update(ctx, readLeaseLocks(key), func(tx meta.Txn) error {
		return tx.Set(key, value)
	})
	if err != nil {
		return err
	}
	l.reads.liveUntil.Store(expires.Add(-readLeaseRenew).UnixNano())
	return nil
}

func (l *Layer) readLeaseKey() []byte { return []byte(readLeasePrefix + l.id) }

// readLeaseLocks orders the renewal of lease records against the deletion
// of expired ones.
func readLeaseLocks(keys ...[]byte) []meta.Lock {
	locks := make([]meta.Lock, len(keys))
	for i, k := range keys {
		locks[i] = meta.Lock{Name: append([]byte("ll/"), k...)}
	}
	return locks
}

// keepReadLease publishes this layer's lease record every readLeaseRenew
// until ctx is done, then deletes it, so that collectors need not wait for
// it to expire.
func (l *Layer) keepReadLease(ctx context.Context) {
	tick := time.NewTicker(readLeaseRenew)
	defer tick.Stop()
	for {
		if err := l.publishReadLease(ctx, true); err != nil && ctx.Err() == nil {
			l.log.Warn("publishing read leases", "err", err)
		}
		select {
		case <-ctx.Done():
			l.reads.liveUntil.Store(0)
			end, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			err := l.meta.Update(end, nil, func(tx meta.Txn) error { return tx.Delete(l.readLeaseKey()) })
			if err != nil {
				l.log.Warn("deleting the read lease record", "err", err)
			}
			return
		case <-tick.C:
		}
	}
}

func encodeReadLease(published, expires time.Time, ids []blob.ID) []byte {
	v := binary.BigEndian.AppendUint64(nil, uint64(published.UnixNano()))
	v = binary.BigEndian.AppendUint64(v, uint64(expires.UnixNano()))
	for _, id := range ids {
		v = binary.AppendUvarint(v, uint64(len(id)))
		v = append(v, id...)
	}
	return v
}

var errBadReadLease = errors.New("unreadable read lease record")

func decodeReadLease(v []byte) (published, expires time.Time, ids []blob.ID, err error) {
	if len(v) < 16 {
		return published, expires, nil, errBadReadLease
	}
	published = time.Unix(0, int64(binary.BigEndian.Uint64(v)))
	expires = time.Unix(0, int64(binary.BigEndian.Uint64(v[8:])))
	for v = v[16:]; len(v) > 0; {
		n, k := binary.Uvarint(v)
		if k <= 0 || n > uint64(len(v)-k) {
			return published, expires, nil, errBadReadLease
		}
		ids = append(ids, blob.ID(v[k:k+int(n)]))
		v = v[k+int(n):]
	}
	return published, expires, ids, nil
}

// otherLeases is what the collector knows of other gateways' reads: the
// blobs their unexpired lease records name, and the oldest publication
// time among those records.
type otherLeases struct {
	blobs map[blob.ID]struct{}
	// records counts the unexpired records; oldest is the earliest
	// publication among them.
	records int
	oldest  time.Time
}

// spares reports whether a blob whose last reference was dropped at
// dropped must be kept for other gateways' reads: one of them leased it,
// or some record was published too early to name every read that saw the
// reference.
func (o otherLeases) spares(id blob.ID, dropped time.Time, delay time.Duration) bool {
	if _, ok := o.blobs[id]; ok {
		return true
	}
	return o.records > 0 && o.oldest.Before(dropped.Add(delay))
}

// readOtherLeases reads the unexpired lease records of the other gateways
// sharing the metadata store, and deletes the expired ones: the records
// of gateways that died. Without Shared there are none.
func (l *Layer) readOtherLeases(ctx context.Context, now time.Time) (otherLeases, error) {
	o := otherLeases{blobs: map[blob.ID]struct{}{}}
	if !l.opts.Shared {
		return o, nil
	}
	own := string(l.readLeaseKey())
	var expired [][]byte
	err := l.view(ctx, func(r meta.Reader) error {
		o = otherLeases{blobs: map[blob.ID]struct{}{}}
		expired = nil
		return meta.EachEntry(r, []byte(readLeasePrefix), func(k, v []byte) error {
			if string(k) == own {
				return nil // this layer's reads are in its table
			}
			published, expires, ids, err := decodeReadLease(v)
			if err != nil || !now.Before(expires) {
				expired = append(expired, append([]byte(nil), k...))
				return nil
			}
			if o.records == 0 || published.Before(o.oldest) {
				o.oldest = published
			}
			o.records++
			for _, id := range ids {
				o.blobs[id] = struct{}{}
			}
			return nil
		})
	})
	if err != nil {
		return o, err
	}
	if len(expired) > 0 {
		if err := l.dropExpiredReadLeases(ctx, expired, now); err != nil {
			l.log.Warn("deleting expired read lease records", "err", err)
		}
	}
	return o, nil
}

// dropExpiredReadLeases deletes the records named in keys that are still
// expired (their gateway may have renewed one since it was read).
func (l *Layer) dropExpiredReadLeases(ctx context.Context, keys [][]byte, now time.Time) error {
	return l.meta.Update(ctx, readLeaseLocks(keys...), func(tx meta.Txn) error {
		for _, k := range keys {
			v, err := tx.Get(k)
			if errors.Is(err, meta.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if _, expires, _, err := decodeReadLease(v); err == nil && now.Before(expires) {
				continue
			}
			if err := tx.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
}
