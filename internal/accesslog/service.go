package accesslog

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/internal/outbox"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/logging"
	"github.com/kurastore/kura/wire/sse"
)

// Defaults of Options.
const (
	// DefaultInterval is how often the queued records are delivered.
	// S3 delivers within a few hours; kura sooner.
	DefaultInterval = 5 * time.Minute
	// DefaultMaxRecords is the most records one log object holds; a
	// source bucket with that many queued gets them delivered at once.
	DefaultMaxRecords = 10000
	// DefaultLeaseTerm is how long the deliverer's lease lasts.
	DefaultLeaseTerm = 30 * time.Second
)

// fullBatchPoll is the longest between looks for a full batch queued by
// another gateway.
const fullBatchPoll = 10 * time.Second

// Options configure a Service.
type Options struct {
	Meta    meta.Store
	Objects *object.Layer
	// Account and Region name the source in partitioned log object
	// names (Region when the source bucket is gone).
	Account string
	Region  string
	// Interval is how often every queued record is delivered (0 means
	// DefaultInterval); MaxRecords the most per log object (0 means
	// DefaultMaxRecords).
	Interval   time.Duration
	MaxRecords int
	// Holder names this process in the deliverer's lease; LeaseTerm is
	// how long it lasts (0 means DefaultLeaseTerm).
	Holder    string
	LeaseTerm time.Duration
	// LogDeliveryACL: see Targets.
	LogDeliveryACL func(ctx context.Context, bucket string) (bool, error)
	Logger         *slog.Logger
	// Now is the clock of delivery times (nil means time.Now).
	Now func() time.Time
}

// Service queues access log records and delivers them.
type Service struct {
	opts     Options
	log      *slog.Logger
	seq      *outbox.Sequencer
	lease    meta.Lease
	targets  Targets
	appended atomic.Int64
	// full is poked when this process queued another MaxRecords.
	full outbox.Wake
}

// New returns a Service; Run delivers.
func New(opts Options) *Service {
	if opts.Interval <= 0 {
		opts.Interval = DefaultInterval
	}
	if opts.MaxRecords <= 0 {
		opts.MaxRecords = DefaultMaxRecords
	}
	if opts.LeaseTerm <= 0 {
		opts.LeaseTerm = DefaultLeaseTerm
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Service{
		opts: opts, log: log, seq: outbox.NewSequencer(), full: outbox.NewWake(),
		lease:   meta.Lease{Key: leaseKey(), Holder: opts.Holder, Term: opts.LeaseTerm},
		targets: Targets{Objects: opts.Objects, Account: opts.Account, LogDeliveryACL: opts.LogDeliveryACL},
	}
}

// Targets is the check of target buckets the service delivers with.
func (s *Service) Targets() Targets { return s.targets }

// Run delivers until ctx ends, on whichever process holds the lease:
// every queued record each Interval, and a source bucket's records as
// soon as MaxRecords of them are queued.
func (s *Service) Run(ctx context.Context) {
	nextAll := time.Now().Add(s.opts.Interval)
	for ctx.Err() == nil {
		wait := min(time.Until(nextAll), fullBatchPoll, s.opts.LeaseTerm/3)
		select {
		case <-ctx.Done():
			return
		case <-s.full:
		case <-time.After(max(wait, 0)):
		}
		all := !time.Now().Before(nextAll)
		if all {
			nextAll = time.Now().Add(s.opts.Interval)
		}
		held, until, err := s.lease.Take(ctx, s.opts.Meta)
		if err != nil || !held {
			if err != nil && ctx.Err() == nil {
				s.log.Warn("accesslog: deliverer lease", "err", err)
			}
			continue
		}
		lctx, cancel := context.WithDeadline(ctx, until)
		if _, err := s.Deliver(lctx, all); err != nil && ctx.Err() == nil && !errors.Is(err, context.DeadlineExceeded) {
			s.log.Warn("accesslog: delivering", "err", err)
		}
		cancel()
	}
}

// Deliver makes one delivery pass: of every queued record when all is
// set, else only of full batches (MaxRecords of one source bucket). It
// returns how many records it delivered. A source bucket whose delivery
// fails is left for the next pass, and the pass goes on with the others;
// it returns the first such failure.
func (s *Service) Deliver(ctx context.Context, all bool) (int, error) {
	delivered := 0
	from := recordsPrefix()
	var failed error
	for {
		// A pass for full batches only counts the records of a bucket
		// before it reads them.
		source, batch, err := s.readBatch(ctx, from, s.opts.MaxRecords, all)
		if err != nil {
			return delivered, err
		}
		if source == "" {
			return delivered, failed
		}
		if !all && len(batch) < s.opts.MaxRecords {
			from = meta.PrefixEnd(bucketPrefix(source))
			continue
		}
		if !all {
			var again string
			if again, batch, err = s.readBatch(ctx, bucketPrefix(source), s.opts.MaxRecords, true); err != nil {
				return delivered, err
			}
			if again != source { // another deliverer emptied it meanwhile
				from = meta.PrefixEnd(bucketPrefix(source))
				continue
			}
		}
		n, err := s.deliverBatch(ctx, source, batch)
		delivered += n
		if err != nil {
			if ctx.Err() != nil {
				return delivered, err
			}
			s.log.Warn("accesslog: delivering a bucket's records; retried next pass", "bucket", source, "err", err)
			if failed == nil {
				failed = err
			}
			from = meta.PrefixEnd(bucketPrefix(source))
			continue
		}
		if len(batch) < s.opts.MaxRecords {
			from = meta.PrefixEnd(bucketPrefix(source))
		}
	}
}

// deliverBatch delivers one source bucket's records, oldest first, as
// one log object per run of records with one destination (and, when
// partitioned by event time, one day).
func (s *Service) deliverBatch(ctx context.Context, source string, batch []pending) (int, error) {
	region := s.opts.Region
	if b, err := s.opts.Objects.Bucket(ctx, source); err == nil {
		region = b.Region
	}
	delivered := 0
	for len(batch) > 0 {
		n := runLength(batch)
		run := batch[:n]
		batch = batch[n:]
		if err := s.deliverRun(ctx, source, region, run); err != nil {
			return delivered, err
		}
		delivered += n
	}
	return delivered, nil
}

// runLength is how many records from the first share its log object.
func runLength(batch []pending) int {
	d, day := batch[0].destination(), eventDay(batch[0])
	for i := 1; i < len(batch); i++ {
		if batch[i].destination() != d || d.format == logging.EventTime && eventDay(batch[i]) != day {
			return i
		}
	}
	return len(batch)
}

func eventDay(p pending) string {
	return outbox.SequenceTime(p.key[len(p.key)-outbox.SequenceLen:]).UTC().Format(time.DateOnly)
}

// deliverRun writes one log object and takes its records off the queue
// in the same transaction. Records whose target cannot take them any
// more (deleted, no longer permitting delivery) are dropped, as S3 does.
func (s *Service) deliverRun(ctx context.Context, source, region string, run []pending) error {
	d := run[0].destination()
	e := d.enabled()
	now := s.opts.Now()
	key := e.ObjectKey(logging.KeyParts{
		SourceAccount: s.opts.Account, SourceRegion: region, SourceBucket: source,
		Delivered: now, Event: outbox.SequenceTime(run[0].key[len(run[0].key)-outbox.SequenceLen:]), Unique: uniqueString(now),
	})
	if reason := s.undeliverable(ctx, source, d.target, key); reason != nil {
		s.log.Warn("accesslog: dropping records the target cannot take", "bucket", source, "target", d.target, "records", len(run), "reason", reason)
		return s.opts.Meta.Update(ctx, []meta.Lock{deliveryLock(source)}, func(tx meta.Txn) error {
			if err := takeRecords(tx, run); !errors.Is(err, errDelivered) {
				return err
			}
			return nil
		})
	}
	enc, err := s.encryptionFor(ctx, d.target)
	if err != nil {
		return err
	}
	var body strings.Builder
	for _, p := range run {
		body.WriteString(p.Line)
		body.WriteByte('\n')
	}
	data := body.String()
	_, err = s.opts.Objects.PutObject(ctx, d.target, key, strings.NewReader(data), object.PutOptions{
		Size:        int64(len(data)),
		Attrs:       object.Attrs{ContentType: "text/plain"},
		Encryption:  enc,
		CommitLocks: []meta.Lock{deliveryLock(source)},
		InCommit:    func(tx meta.Txn) error { return takeRecords(tx, run) },
	})
	if errors.Is(err, errDelivered) {
		return nil
	}
	return err
}

// encryptionConfig names a bucket's default encryption among its
// configuration documents.
const encryptionConfig = "encryption"

// encryptionFor is how log objects delivered to target are encrypted:
// with SSE-S3 when the target has a default encryption. S3 delivers logs
// only under an SSE-S3 default; kura encrypts them with SSE-S3 under an
// SSE-KMS default too, rather than leave them undelivered.
func (s *Service) encryptionFor(ctx context.Context, target string) (object.Encryption, error) {
	doc, err := s.opts.Objects.BucketConfig(ctx, target, encryptionConfig)
	if errors.Is(err, object.ErrNoConfig) {
		return object.Encryption{}, nil
	}
	if err != nil {
		return object.Encryption{}, err
	}
	if c, err := sse.Parse(bytes.NewReader(doc)); err != nil || len(c.Rules) == 0 || c.Rules[0].Default == nil {
		return object.Encryption{}, fmt.Errorf("accesslog: the default encryption of %s is unreadable", target)
	}
	return object.Encryption{Type: object.SSES3}, nil
}

// undeliverable says why target cannot take source's log any more, or
// nil when it can. A failure to find out is not a reason.
func (s *Service) undeliverable(ctx context.Context, source, target, key string) error {
	if target == "" {
		return errors.New("the record names no target")
	}
	if _, err := s.opts.Objects.Bucket(ctx, target); errors.Is(err, s3err.ErrNoSuchBucket) {
		return err
	}
	ok, err := s.targets.permits(ctx, source, target, key)
	if err == nil && !ok {
		return errors.New("the target does not permit log delivery")
	}
	return nil
}

// uniqueString tells apart the log objects delivered in one second: 16
// upper-case hex digits, as S3's are. The first 8 are the nanoseconds of
// the delivery time within its second, so that the log objects of one
// deliverer sort in the order it delivered them; the rest are random.
func uniqueString(delivered time.Time) string {
	var b [8]byte
	binary.BigEndian.PutUint32(b[:4], uint32(delivered.Nanosecond()))
	_, _ = rand.Read(b[4:])
	return strings.ToUpper(hex.EncodeToString(b[:]))
}
