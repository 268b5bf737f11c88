package replicate

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/internal/outbox"
)

// Defaults of ServiceOptions.
const (
	DefaultWorkers   = 8
	DefaultLeaseTerm = 30 * time.Second
	DefaultPoll      = time.Second
	// batchSize is how many due changes one round of a target's worker
	// takes from its queue; scanLimit bounds the entries it reads to find
	// them past changes waiting out a backoff.
	batchSize = 256
	scanLimit = 10000
	// failAfter is the number of failed tries after which a version's
	// status turns FAILED (its replication is still retried).
	failAfter        = 3
	maxBackoff       = 5 * time.Minute
	maxTargetBackoff = 15 * time.Second
)

// ServiceOptions configure a Service.
type ServiceOptions struct {
	Meta    meta.Store
	Targets *Targets
	// Holder names this process in the leases of the targets' queues.
	Holder string
	// Shared says gateways share the metadata store: queue keys are then
	// stamped on its clock.
	Shared bool
	// Workers is how many object keys of one target are replicated at
	// once; DefaultWorkers when 0.
	Workers   int
	LeaseTerm time.Duration
	// Poll is how often an idle worker looks at its queue for changes
	// other gateways queued (a change queued here wakes it at once).
	Poll time.Duration
	// Transport carries the requests to destinations (tests); nil is
	// http.DefaultTransport's equivalent.
	Transport http.RoundTripper
	Now       func() time.Time
	Logger    *slog.Logger
}

// Service queues the replication of changes (it is the object layer's
// object.Replicator) and works the queues.
type Service struct {
	opts  ServiceOptions
	log   *slog.Logger
	seq   *outbox.Sequencer
	rules ruleCache
	kick  outbox.Wake
	// layer is the object layer Run works with.
	layer atomic.Pointer[object.Layer]

	mu      sync.Mutex
	running map[string]*targetRun // by target id

	// unroutable counts changes whose rule names no registered target.
	unroutable atomic.Int64
}

// NewService returns a service; Run works its queues.
func NewService(opts ServiceOptions) *Service {
	if opts.Workers <= 0 {
		opts.Workers = DefaultWorkers
	}
	if opts.LeaseTerm <= 0 {
		opts.LeaseTerm = DefaultLeaseTerm
	}
	if opts.Poll <= 0 {
		opts.Poll = DefaultPoll
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Service{
		opts: opts, log: opts.Logger.With("component", "replication"), seq: outbox.NewSequencer(),
		kick: outbox.NewWake(), running: map[string]*targetRun{},
	}
}

var _ object.Replicator = (*Service)(nil)

// Replicate is object.Replicator: in the transaction of a change to an
// object of a bucket with a replication configuration, it queues the
// change for every destination whose rule carries it, and returns the
// PENDING status to stamp on the version for each.
func (s *Service) Replicate(ctx context.Context, tx meta.Txn, c object.Change, doc []byte) (map[string]object.ReplicationStatus, error) {
	rs, err := s.rules.get(doc)
	if err != nil {
		// Only validated documents are stored; one that no longer parses
		// replicates nothing rather than failing the write.
		s.log.Warn("replication configuration unreadable; changes are not replicated", "bucket", c.Bucket, "err", err)
		return nil, nil
	}
	var out map[string]object.ReplicationStatus
	var now time.Time
	for _, r := range rs.decide(c.Key, c.Object.Tags) {
		if !r.carries(c) {
			continue
		}
		t, err := s.opts.Targets.Resolve(tx, c.Bucket, r.dest)
		if errors.Is(err, ErrNoSuchTarget) {
			s.unroutable.Add(1)
			continue
		}
		if err != nil {
			return nil, err
		}
		if c.Kind == object.ChangeMetadata && !c.Object.Replica {
			// A version that was never sent to the destination has
			// nothing there to change.
			if _, sent := c.Object.Replication[t.ARN]; !sent {
				continue
			}
		}
		if now.IsZero() {
			if now, err = s.changeTime(tx); err != nil {
				return nil, err
			}
		}
		val, err := encodeTask(task{Kind: c.Kind, Bucket: c.Bucket, Key: c.Key, VersionID: c.Object.VersionID, Size: c.Object.Size, Event: c.Event})
		if err != nil {
			return nil, err
		}
		if err := tx.Set(queueKey(t.ID, s.seq.Next(now)), val); err != nil {
			return nil, err
		}
		if out == nil {
			out = map[string]object.ReplicationStatus{}
		}
		out[t.ARN] = object.ReplicationPending
	}
	if out != nil {
		s.kickSoon()
	}
	return out, nil
}

// changeTime is the time a change's queue key is stamped with: the
// store's clock when gateways share it (read under the object's lock, so
// that changes of one key made through different gateways queue in the
// order they were made), else this process's.
func (s *Service) changeTime(tx meta.Txn) (time.Time, error) {
	if c, ok := tx.(meta.TxnClock); ok && s.opts.Shared {
		return c.Now()
	}
	return s.opts.Now(), nil
}

func (s *Service) kickSoon() { s.kick.Poke() }
