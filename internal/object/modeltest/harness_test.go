package modeltest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/kurastore/kura/internal/blob/faultstore"
	"github.com/kurastore/kura/internal/kms/localkms"
	"github.com/kurastore/kura/internal/manualclock"
	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/meta/pebblestore"
	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/s3err"
)

// Sizes the layer runs with: small, so that inline and blob objects and
// multipart uploads all stay cheap.
const (
	inlineLimit = 1024
	minPartSize = 1024
	gcDelay     = time.Second
	orphanGrace = time.Hour
	opTimeout   = time.Minute
	// writeRecordExpiry is how long a shared layer's record of a blob
	// being written keeps the blob from the orphan sweep (a day).
	writeRecordExpiry = 24 * time.Hour
)

var discard = slog.New(slog.DiscardHandler)

// kmsSecret is the master key of the KMS that seals SSE-S3 objects' keys;
// the same across crashes, as a server's key file is.
var kmsSecret = localkms.NewSecret("model")

// clock is the layer's settable clock; it moves only between rounds.
type clock = manualclock.Clock

// env is one incarnation of the stores and the layer: a crash ends it and
// the next one opens on what the crash left.
type env struct {
	fs     *vfs.MemFS
	meta   *pebblestore.Store
	blobs  *crashBlobs
	faults *faultstore.Store
	layer  *object.Layer
	// ahead is a second layer over the same stores whose clock runs ahead
	// of clk during a round (-model.gcrace): its collector sees blobs come
	// due while readers of the first may still be reading them, as a
	// reader that stalls for longer than GCDelay would.
	ahead      *object.Layer
	aheadClock *clock
}

func openEnv(fs *vfs.MemFS, blobs *crashBlobs, clk *clock) (*env, error) {
	m, err := pebblestore.Open("meta", &pebblestore.Options{FS: fs, Logger: discard})
	if err != nil {
		return nil, fmt.Errorf("open metadata store: %w", err)
	}
	k, err := localkms.New(m, kmsSecret)
	if err != nil {
		return nil, err
	}
	f := faultstore.New(blobs)
	// The layers measure grace periods on the store's clock, which is
	// the run's clock: a full collection advances it. The ahead layer's
	// own clock runs ahead of it, as a gateway's may.
	clocked := storeClock{Store: m, clk: clk}
	// With -model.gcrace two layers share the stores, as gateways do.
	l := object.New(clocked, f, object.Options{
		InlineLimit: inlineLimit, MinPartSize: minPartSize, GCDelay: gcDelay, OrphanGrace: orphanGrace,
		Now: clk.Now, Logger: discard, Shared: *flagGCRace, KMS: k,
	})
	ac := manualclock.New(time.Time{})
	aheadNow := func() time.Time {
		return clk.Now().Add(ac.Now().Sub(time.Time{}))
	}
	ahead := object.New(clocked, f, object.Options{
		InlineLimit: inlineLimit, MinPartSize: minPartSize, GCDelay: gcDelay, OrphanGrace: orphanGrace,
		Now: aheadNow, Logger: discard, Shared: *flagGCRace, KMS: k,
	})
	return &env{fs: fs, meta: m, blobs: blobs, faults: f, layer: l, ahead: ahead, aheadClock: ac}, nil
}

// storeClock is a metadata store whose clock is the run's.
type storeClock struct {
	meta.Store
	clk *clock
}

func (s storeClock) Now(context.Context) (time.Time, error) { return s.clk.Now(), nil }

// code names an error for comparison with the model: "" for none, the S3
// error code, or the text of any other error.
func code(err error) string {
	if err == nil {
		return ""
	}
	var e *s3err.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return "error: " + err.Error()
}

// entry is one write of a key's current value (its latest ETag, "" for
// absent), with the sequence numbers of its invocation and response.
type entry struct {
	etag    string
	unknown bool // the value is learnt from the response (a copy of another worker's key)
	inv     int64
	resp    int64
	pending bool
	failed  bool
}

// history is the writes of one key during a round, in its one writer's
// order: what a concurrent reader may see.
type history struct {
	mu      sync.Mutex
	entries []entry
}

func (h *history) reset(etag string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.entries = []entry{{etag: etag}}
}

func (h *history) begin(etag string, unknown bool, inv int64) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.entries = append(h.entries, entry{etag: etag, unknown: unknown, inv: inv, pending: true})
	return len(h.entries) - 1
}

func (h *history) end(i int, resp int64, failed bool, etag string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	e := &h.entries[i]
	e.resp, e.pending, e.failed = resp, false, failed
	if e.unknown && !failed {
		e.etag, e.unknown = etag, false
	}
}

// allows reports whether a read invoked at ri that returned at rr may have
// seen etag: some write's value that was not yet superseded at ri by a
// write that had completed, and whose write began before rr.
func (h *history) allows(etag string, ri, rr int64) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for k, e := range h.entries {
		if e.failed || e.inv >= rr {
			continue
		}
		superseded := false
		for _, n := range h.entries[k+1:] {
			if !n.failed && !n.pending && n.resp < ri {
				superseded = true
				break
			}
		}
		if superseded {
			continue
		}
		if (e.unknown && e.pending) || e.etag == etag {
			return true
		}
	}
	return false
}

// waitSettled waits until no write of an unknown value (a copy whose ETag
// comes with its answer) is in flight: a reader that saw such a value
// learns its data once the write has returned and recorded it.
func (h *history) waitSettled() { h.waitSettledFor(0) }

// waitSettledFor is waitSettled giving up after d of real time (0 for
// never), and reports whether the history settled.
func (h *history) waitSettledFor(d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		h.mu.Lock()
		pending := false
		for _, e := range h.entries {
			if e.unknown && e.pending {
				pending = true
			}
		}
		h.mu.Unlock()
		if !pending {
			return true
		}
		if d > 0 && time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// candidates are the known values a read from ri to rr may have seen.
func (h *history) candidates(ri, rr int64) []string {
	h.mu.Lock()
	var all []string
	for _, e := range h.entries {
		if !e.unknown && e.etag != "" {
			all = append(all, e.etag)
		}
	}
	h.mu.Unlock()
	var out []string
	for _, c := range all {
		if h.allows(c, ri, rr) {
			out = append(out, c)
		}
	}
	return out
}

func (h *history) String() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var b strings.Builder
	for _, e := range h.entries {
		fmt.Fprintf(&b, "[%d,%d %q pending=%v failed=%v] ", e.inv, e.resp, e.etag, e.pending, e.failed)
	}
	return b.String()
}

// keys are the keys of every bucket: two top-level ones and two
// "directories", for listings with a delimiter.
var keys = []string{"a", "b", "d/x", "d/y", "e/z/1"}

// run is one seed.
type run struct {
	seed    int64
	workers int
	rng     *rand.Rand // the round-level choices
	clk     *clock
	env     *env
	content *contents
	seq     atomic.Int64 // orders invocations and responses
	uniq    atomic.Int64
	hist    map[string]*history // bucket/key
	shared  *sharedLog
	ws      []*worker

	faultOn atomic.Bool
	// A crash in the middle of a round: the clones it left and the
	// sequence numbers around the instant it was taken.
	crashed              atomic.Bool
	crashFS              *vfs.MemFS
	crashBlobStore       *crashBlobs
	crashStart, crashEnd int64
	crashPct             int

	failMu   sync.Mutex
	failures []string

	// Counts for the log.
	ops, rounds, crashes, faultRounds, faultedOps, gcDeleted, aheadDeleted, multipartReads, completes atomic.Int64
}

func (r *run) fail(format string, args ...any) {
	r.failMu.Lock()
	defer r.failMu.Unlock()
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

func (r *run) failed() bool {
	r.failMu.Lock()
	defer r.failMu.Unlock()
	return len(r.failures) > 0
}

func (r *run) next() int64 { return r.seq.Add(1) }

func ctxOp() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), opTimeout)
}

// crash takes the state a crash at this instant leaves: the metadata file
// system with its unsynced data partly kept, and the committed blobs. The
// blob store is frozen meanwhile, so the two are of one instant.
func (r *run) crash(pct int) {
	r.crashStart = r.next()
	r.crashPct = pct
	// No operation starts from now on; those in flight (one per worker
	// at most) may or may not make it into the clone.
	r.crashed.Store(true)
	e := r.env
	e.blobs.mu.Lock()
	cfg := vfs.CrashCloneCfg{UnsyncedDataPercent: pct}
	if pct > 0 {
		cfg.RNG = rand.New(rand.NewPCG(uint64(r.seed), uint64(r.rounds.Load())))
	}
	r.crashFS = e.fs.CrashClone(cfg)
	rng := rand.New(rand.NewPCG(uint64(r.seed), uint64(r.crashes.Load())))
	r.crashBlobStore = e.blobs.crashCloneLocked(func() bool { return rng.IntN(100) < pct })
	e.blobs.mu.Unlock()
	r.crashEnd = r.next()
	r.crashes.Add(1)
}

// reopen closes the crashed incarnation and opens the next on what the
// crash left.
func (r *run) reopen() error {
	if err := r.env.meta.Close(); err != nil {
		return fmt.Errorf("close crashed metadata store: %w", err)
	}
	e, err := openEnv(r.crashFS, r.crashBlobStore, r.clk)
	if err != nil {
		return err
	}
	r.env = e
	r.crashed.Store(false)
	return nil
}

// bucketName is the bucket of worker i.
func bucketName(i int) string { return fmt.Sprintf("bucket-%d", i) }
