package lifecycle

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"time"

	"golang.org/x/time/rate"

	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/s3err"
)

// The scanner walks the buckets that have lifecycle rules, a page of
// keys at a time, and carries out what the rules find due. A pass visits
// every such bucket in name order; its position (the bucket and the last
// key done) is checkpointed in the metadata store with each page, so a
// restarted server, or another gateway that takes the lease over,
// continues where the pass stopped instead of starting again. In a
// bucket of a million objects a pass is long; a page is short.

// Objects is what the scanner needs of the object layer.
type Objects interface {
	ListBuckets(ctx context.Context) ([]object.BucketInfo, error)
	BucketConfig(ctx context.Context, bucket, name string) ([]byte, error)
	ScanVersions(ctx context.Context, bucket string, opts object.ScanOptions) (object.ScanPage, error)
	ExpireObject(ctx context.Context, bucket, key, uid string) (object.DeleteResult, error)
	ExpireVersion(ctx context.Context, bucket, key, vid, uid string, onlyIfAlone bool) (object.DeleteResult, error)
	ListMultipartUploads(ctx context.Context, bucket string, opts object.ListUploadsOptions) (object.ListUploadsResult, error)
	AbortExpiredUpload(ctx context.Context, bucket, key, uploadID string) error
	TransitionObject(ctx context.Context, bucket, key, vid, uid, class string) (object.ObjectInfo, error)
}

// Options tune a Scanner.
type Options struct {
	Meta    meta.Store
	Objects Objects
	// Day is the length of a lifecycle day: 24 hours, shorter in tests.
	Day time.Duration
	// Now is the clock rules are evaluated on, the object layer's clock
	// (its objects' modification times are on it); nil means time.Now.
	Now func() time.Time
	// Interval is how long after a pass started the next one starts.
	// Default: a 24th of Day, between one second and one hour.
	Interval time.Duration
	// Rate bounds the versions evaluated per second, so that a pass over
	// a large bucket does not crowd out requests. Default 20,000; negative
	// means no bound.
	Rate int
	// PageSize is about how many versions one page (one checkpoint)
	// holds. Default 500.
	PageSize int
	// Holder names this server in the scanner's lease, and LeaseTerm is
	// how long the lease lasts when its holder stops renewing it (how
	// soon another server takes over). Default 30s.
	Holder    string
	LeaseTerm time.Duration
	Logger    *slog.Logger
}

// Scanner applies lifecycle rules in the background.
type Scanner struct {
	opts    Options
	log     *slog.Logger
	limiter *rate.Limiter
	lease   meta.Lease
	// compiled keeps each bucket's rules between pages.
	compiled Cache
}

// DefaultRate is the default Options.Rate.
const DefaultRate = 20000

// New returns a Scanner; Run starts it.
func New(opts Options) *Scanner {
	if opts.Day <= 0 {
		opts.Day = 24 * time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Interval <= 0 {
		opts.Interval = min(max(opts.Day/24, time.Second), time.Hour)
	}
	if opts.Rate == 0 {
		opts.Rate = DefaultRate
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 500
	}
	if opts.LeaseTerm <= 0 {
		opts.LeaseTerm = 30 * time.Second
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	limiter := rate.NewLimiter(rate.Inf, 0)
	if opts.Rate > 0 {
		limiter = rate.NewLimiter(rate.Limit(opts.Rate), max(opts.Rate, opts.PageSize*4))
	}
	return &Scanner{
		opts: opts, log: log, limiter: limiter,
		lease: meta.Lease{Key: leaseKey, Holder: opts.Holder, Term: opts.LeaseTerm},
	}
}

// Run makes passes until ctx ends, on whichever server holds the
// scanner's lease; the others wait to take it over.
func (s *Scanner) Run(ctx context.Context) {
	for ctx.Err() == nil {
		held, until, err := s.lease.Take(ctx, s.opts.Meta)
		if err != nil && ctx.Err() == nil {
			s.log.Warn("lifecycle: scanner lease", "err", err)
		}
		wait := s.opts.LeaseTerm / 3
		if held {
			leaseCtx, cancel := context.WithDeadline(ctx, until)
			wait, err = s.step(leaseCtx, until)
			cancel()
			if err != nil && ctx.Err() == nil && !errors.Is(err, context.DeadlineExceeded) {
				s.log.Warn("lifecycle: scanner", "err", err)
				wait = time.Second
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
	}
}

// step continues or starts a pass while the lease lasts, and says how
// long to wait before the next step.
func (s *Scanner) step(ctx context.Context, leaseUntil time.Time) (time.Duration, error) {
	for time.Until(leaseUntil) > s.opts.LeaseTerm/2 {
		cp, err := s.checkpoint(ctx)
		if err != nil {
			return 0, err
		}
		if !cp.active() {
			if next := cp.LastStarted.Add(s.opts.Interval); s.opts.Now().Before(next) {
				return min(next.Sub(s.opts.Now()), s.opts.LeaseTerm/3), nil
			}
			if cp, err = s.startPass(ctx); err != nil {
				return 0, err
			}
			if !cp.active() {
				continue // no bucket has rules: the pass is over
			}
		}
		done, err := s.advance(ctx, cp)
		if err != nil || done {
			return 0, err
		}
	}
	return 0, nil // renew the lease, then go on
}

// Pass runs one whole pass now (finishing one in progress first), on
// this server whether or not it holds the lease: for tests and for a
// server that must catch up at once.
func (s *Scanner) Pass(ctx context.Context) error {
	cp, err := s.checkpoint(ctx)
	if err != nil {
		return err
	}
	if !cp.active() {
		if _, err = s.startPass(ctx); err != nil {
			return err
		}
	}
	for {
		cp, err := s.checkpoint(ctx)
		if err != nil {
			return err
		}
		if !cp.active() {
			return nil
		}
		if _, err := s.advance(ctx, cp); err != nil {
			return err
		}
	}
}

// startPass lists the buckets that have rules and checkpoints the new
// pass at the first of them.
func (s *Scanner) startPass(ctx context.Context) (checkpoint, error) {
	buckets, err := s.opts.Objects.ListBuckets(ctx)
	if err != nil {
		return checkpoint{}, err
	}
	cp := checkpoint{LastStarted: s.opts.Now(), Started: s.opts.Now()}
	for _, b := range buckets {
		if _, err := s.opts.Objects.BucketConfig(ctx, b.Name, ConfigName); err == nil {
			cp.Buckets = append(cp.Buckets, b.Name)
		} else if !errors.Is(err, object.ErrNoConfig) && !errors.Is(err, s3err.ErrNoSuchBucket) {
			return checkpoint{}, err
		}
	}
	slices.Sort(cp.Buckets)
	if len(cp.Buckets) == 0 {
		cp.Started = time.Time{} // nothing to do: the pass is over as it begins
	}
	return cp, s.saveCheckpoint(ctx, cp, "", nil)
}

// advance does one page of the pass at cp and checkpoints after it. It
// reports whether the pass is over.
func (s *Scanner) advance(ctx context.Context, cp checkpoint) (bool, error) {
	bucket := cp.Buckets[0]
	rules, err := s.rules(ctx, bucket)
	if err != nil {
		return false, err
	}
	var tally bucketTally
	next, bucketDone := cp.After, true
	if rules != nil {
		if next, bucketDone, err = s.scanPage(ctx, bucket, rules, cp, &tally); err != nil {
			return false, err
		}
		if bucketDone && rules.HasAbort() {
			if err := s.abortUploads(ctx, bucket, rules, &tally); err != nil {
				return false, err
			}
		}
	}
	if !bucketDone {
		cp.After = next
		return false, s.saveCheckpoint(ctx, cp, bucket, &tally)
	}
	tally.finished = true
	cp.Buckets, cp.After = cp.Buckets[1:], ""
	if len(cp.Buckets) == 0 {
		cp.Started = time.Time{}
	}
	return !cp.active(), s.saveCheckpoint(ctx, cp, bucket, &tally)
}

// rules reads a bucket's rules; nil when it has none any more.
func (s *Scanner) rules(ctx context.Context, bucket string) (*Rules, error) {
	return bucketRules(ctx, s.opts.Objects, &s.compiled, bucket)
}

// configReader reads bucket configuration documents (the object layer).
type configReader interface {
	BucketConfig(ctx context.Context, bucket, name string) ([]byte, error)
}

// bucketRules reads a bucket's rules and compiles them through cache;
// nil when the bucket has none, or is gone.
func bucketRules(ctx context.Context, configs configReader, cache *Cache, bucket string) (*Rules, error) {
	doc, err := configs.BucketConfig(ctx, bucket, ConfigName)
	if errors.Is(err, object.ErrNoConfig) || errors.Is(err, s3err.ErrNoSuchBucket) {
		cache.Forget(bucket)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return cache.Rules(bucket, doc)
}

// readBatch is how many versions the scanner reads and evaluates at a
// time. A page (one checkpoint) is read in several batches, each waiting
// its turn at the rate limiter, so that the scanner's work comes in small
// slices between requests rather than in one burst per page: a burst of
// 500 versions (about 2 ms of CPU) showed in foreground GETs' p99.
const readBatch = 100

// scanPage evaluates one page of bucket's versions, a batch at a time,
// and acts on them.
func (s *Scanner) scanPage(ctx context.Context, bucket string, rules *Rules, cp checkpoint, tally *bucketTally) (next string, done bool, err error) {
	next = cp.After
	for left := s.opts.PageSize; left > 0; {
		page, err := s.opts.Objects.ScanVersions(ctx, bucket, object.ScanOptions{After: next, Limit: min(readBatch, left), WithTags: rules.UsesTags()})
		if errors.Is(err, s3err.ErrNoSuchBucket) {
			return "", true, nil
		}
		if err != nil {
			return "", false, err
		}
		n := 0
		for _, k := range page.Keys {
			n += len(k.Versions)
		}
		if err := s.limiter.WaitN(ctx, min(max(n, 1), s.limiter.Burst())); err != nil {
			return "", false, err
		}
		now := s.opts.Now()
		for _, k := range page.Keys {
			s.applyKey(ctx, bucket, rules, k, now, tally)
		}
		if page.Done {
			return page.Next, true, ctx.Err()
		}
		next, left = page.Next, left-n
	}
	return next, false, ctx.Err()
}

// applyKey evaluates each version of a key and carries out what is due.
func (s *Scanner) applyKey(ctx context.Context, bucket string, rules *Rules, k object.KeyVersions, now time.Time, tally *bucketTally) {
	for i, v := range k.Versions {
		tally.Scanned++
		lv := Version{
			Key: k.Key, VersionID: v.VersionID, Size: v.Size, Tags: v.Tags, ModTime: v.LastModified,
			IsLatest: i == 0, DeleteMarker: v.IsDeleteMarker, StorageClass: v.Tier,
			OnlyVersion: len(k.Versions) == 1 && v.IsDeleteMarker,
		}
		if i > 0 {
			lv.NoncurrentSince = k.Versions[i-1].LastModified
			lv.NewerNoncurrent = i - 1
		}
		a := rules.Evaluate(lv, now, s.opts.Day)
		if a.Kind == None || (a.Kind == Transition && v.Tier == "" && v.StorageClass == a.StorageClass) {
			continue // a label class (object.LabelClass) the version has already
		}
		s.act(ctx, bucket, k.Key, v, a, tally)
	}
}

// act carries out one action. A version that changed since the scan, or
// that object lock protects, is left alone; a failure is counted and
// logged, and the next pass tries again.
func (s *Scanner) act(ctx context.Context, bucket, key string, v object.ScannedVersion, a Action, tally *bucketTally) {
	var err error
	switch a.Kind {
	case Expire:
		_, err = s.opts.Objects.ExpireObject(ctx, bucket, key, v.UID)
	case DeleteVersion:
		_, err = s.opts.Objects.ExpireVersion(ctx, bucket, key, v.VersionID, v.UID, false)
	case DeleteMarker:
		_, err = s.opts.Objects.ExpireVersion(ctx, bucket, key, v.VersionID, v.UID, true)
	case Transition:
		_, err = s.opts.Objects.TransitionObject(ctx, bucket, key, v.VersionID, v.UID, a.StorageClass)
	}
	switch {
	case err == nil:
		tally.count(a.Kind)
	case errors.Is(err, object.ErrVersionChanged), errors.Is(err, object.ErrAlreadyTransitioned):
	case errors.Is(err, object.ErrLocked):
		tally.Locked++
	default:
		tally.Failed++
		if ctx.Err() == nil {
			s.log.Warn("lifecycle: action failed", "bucket", bucket, "key", key, "version", v.VersionID, "rule", a.RuleID, "action", a.Kind.String(), "err", err)
		}
	}
}

// abortUploads aborts the bucket's incomplete multipart uploads that a
// rule says are too old.
func (s *Scanner) abortUploads(ctx context.Context, bucket string, rules *Rules, tally *bucketTally) error {
	opts := object.ListUploadsOptions{MaxUploads: 1000}
	for {
		res, err := s.opts.Objects.ListMultipartUploads(ctx, bucket, opts)
		if errors.Is(err, s3err.ErrNoSuchBucket) {
			return nil
		}
		if err != nil {
			return err
		}
		now := s.opts.Now()
		for _, up := range res.Uploads {
			at, rule, ok := rules.AbortUpload(up.Key, up.Initiated, s.opts.Day)
			if !ok || now.Before(at) {
				continue
			}
			switch err := s.opts.Objects.AbortExpiredUpload(ctx, bucket, up.Key, up.UploadID); {
			case err == nil:
				tally.Aborted++
			case errors.Is(err, object.ErrVersionChanged):
			default:
				tally.Failed++
				s.log.Warn("lifecycle: aborting an upload", "bucket", bucket, "key", up.Key, "upload", up.UploadID, "rule", rule, "err", err)
			}
		}
		if !res.IsTruncated {
			return nil
		}
		opts.KeyMarker, opts.UploadIDMarker = res.NextKeyMarker, res.NextUploadIDMarker
	}
}

// String names a kind in logs and status.
func (k Kind) String() string {
	switch k {
	case Expire:
		return "expire"
	case DeleteVersion:
		return "delete-version"
	case DeleteMarker:
		return "delete-marker"
	case Transition:
		return "transition"
	}
	return "none"
}
