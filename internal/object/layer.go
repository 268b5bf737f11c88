package object

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kurastore/kura/internal/blob"
	"github.com/kurastore/kura/internal/kms"
	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/outbox"
	"github.com/kurastore/kura/internal/tier"
)

// Options tune a Layer. The zero value gives the defaults.
type Options struct {
	// InlineLimit is the largest object stored inline in its metadata
	// record rather than in a blob. Default 64 KiB.
	InlineLimit int64
	// Region is reported for buckets created without a LocationConstraint.
	Region string
	// GCDelay is how long a blob that lost its last reference waits before
	// it is deleted, so that a reader that just looked the object up has
	// leased it by then; a read keeps its blobs for as long as it lasts
	// (readlease.go). Default 2s.
	GCDelay time.Duration
	// OrphanGrace is how old an unreferenced blob must be before the sweep
	// deletes it; it must exceed the longest upload. Default 6h.
	OrphanGrace time.Duration
	// UploadExpiry is how long an unfinished multipart upload is kept
	// before the collector aborts it. Default 7 days.
	UploadExpiry time.Duration
	// MinPartSize is the smallest part but the last that a multipart
	// upload may have. Default (and S3's rule) 5 MiB; benchmarks lower it
	// to complete 10,000 parts without 50 GB of data.
	MinPartSize int64
	// KMS seals the keys of SSE-S3 and SSE-KMS objects; without it those
	// are refused (SSE-C needs no KMS).
	KMS kms.KMS
	// Shared says that other servers use the same metadata and blob stores
	// (gateways on PostgreSQL): their collectors must see which blobs this
	// server is writing, so every blob write is recorded in the metadata
	// store (writing.go). Without it, that record is kept in memory. And
	// bucket configuration documents are read from the store every time
	// instead of being cached, so that a change through one gateway takes
	// effect at once on every other.
	Shared bool
	// Now is the clock; nil means time.Now. With Shared, the times that
	// gateways compare are on the metadata store's clock, which the layer
	// reads as an offset to this one (readlease.go).
	Now    func() time.Time
	Logger *slog.Logger
	// Events, when set, records an event for every change to an object,
	// in the change's transaction (events.go).
	Events EventRecorder
	// Replicator, when set, queues the replication of every change to an
	// object of a bucket with a replication configuration, in the
	// change's transaction (replication.go); nil: no replication.
	Replicator Replicator
	// Tiers finds the tiers that lifecycle transitions move data to and
	// reads read it back from (tiers.go); nil when none are configured.
	Tiers tier.Source
	// LifecycleDay is the length of a lifecycle day, which the expiry of
	// a restored copy is counted in (RestoreObject). Default 24h; tests
	// shorten it.
	LifecycleDay time.Duration
	// Holder names this server in the collector lease; default a random
	// name. A server alone on its store passes a name that stays the same
	// across restarts: no other process can hold the lease, so after a
	// crash it takes its lease back at once instead of waiting it out.
	Holder string
}

// Layer is the object layer over one metadata store and one blob store.
type Layer struct {
	// meta counts every commit's change to what a bucket holds (usage.go);
	// rawMeta is the store itself, for the folds and counts of the usage
	// counters.
	meta    meta.Store
	rawMeta meta.Store
	blobs   blob.Store
	opts    Options
	log     *slog.Logger
	// gcKick wakes the collector after a commit queued a blob.
	gcKick chan struct{}
	// id names this layer (this server) in the collector lease, and
	// leaseUntil is when the lease it holds runs out (only the collector
	// goroutine touches it).
	id         string
	leaseUntil time.Time
	// writing holds the blobs this layer is writing (writing.go).
	writingMu sync.Mutex
	writing   map[blob.ID]struct{}
	// reads holds the leases of reads in flight (readlease.go).
	reads readLeases
	// configs caches bucket configuration documents.
	configs configCache
	// tierPass is set while the collector's pass over the tier work runs
	// (RunCollector).
	tierPass atomic.Bool
	// started is when this layer was made, on its clock: a claim on an
	// X-key older than that is an earlier process's (tierDeleteDue).
	started time.Time
}

// DefaultInlineLimit is the default Options.InlineLimit.
const DefaultInlineLimit = 64 << 10

// New returns a Layer. Call RunCollector to collect unreferenced blobs.
func New(m meta.Store, b blob.Store, opts Options) *Layer {
	if opts.InlineLimit <= 0 {
		opts.InlineLimit = DefaultInlineLimit
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.GCDelay <= 0 {
		opts.GCDelay = 2 * time.Second
	}
	if opts.OrphanGrace <= 0 {
		opts.OrphanGrace = 6 * time.Hour
	}
	if opts.UploadExpiry <= 0 {
		opts.UploadExpiry = DefaultUploadExpiry
	}
	if opts.MinPartSize <= 0 {
		opts.MinPartSize = MinPartSize
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.LifecycleDay <= 0 {
		opts.LifecycleDay = 24 * time.Hour
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	if opts.Holder == "" {
		opts.Holder = newUID()
	}
	counted := &usageStore{Store: m, seq: outbox.NewSequencer(), now: opts.Now, log: log.Warn, requireLocks: checkUsageLocks}
	return &Layer{
		meta: counted, rawMeta: m, blobs: b, opts: opts, log: log, gcKick: make(chan struct{}, 1), id: newUID(),
		writing: map[blob.ID]struct{}{}, reads: readLeases{count: map[blob.ID]int{}}, started: opts.Now(),
	}
}

// newUID returns a random 128-bit id in hex: the identity of one object
// record, independent of its name.
func newUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails on supported platforms
	return hex.EncodeToString(b[:])
}

func (l *Layer) kickCollector() {
	select {
	case l.gcKick <- struct{}{}:
	default:
	}
}

func (l *Layer) view(ctx context.Context, fn func(meta.Reader) error) error {
	return l.meta.View(ctx, fn)
}

// update is meta.Store.Update that also says whether a failure certainly
// wrote nothing: it did when fn's own last run returned the error. A
// failure of the store or of the commit itself may not have: a shared
// store that loses its connection while COMMIT is in flight cannot tell
// whether it happened (an ambiguous commit).
func (l *Layer) update(ctx context.Context, locks []meta.Lock, fn func(meta.Txn) error) (rolledBack bool, err error) {
	var fnErr error
	err = l.meta.Update(ctx, locks, func(tx meta.Txn) error {
		fnErr = fn(tx)
		return fnErr
	})
	return err != nil && fnErr != nil && err == fnErr, err
}

// dropUncommitted disposes of the blob of a write whose commit failed.
// When the failure certainly wrote nothing the blob goes at once;
// otherwise the commit may have happened and the blob may be referenced,
// so it stays for the orphan sweep, which deletes it only if nothing
// references it. Either way the caller answers with the error: S3 gives
// no promise about an object whose PUT failed, and it may be there.
func (l *Layer) dropUncommitted(w blob.Writer, rolledBack bool) {
	if w == nil {
		return
	}
	if rolledBack {
		l.discardBlob(w)
		return
	}
	l.endWrite(w.ID())
}
