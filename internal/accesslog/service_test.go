package accesslog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/kurastore/kura/internal/blob/dirstore"
	"github.com/kurastore/kura/internal/kms/localkms"
	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/meta/faultmeta"
	"github.com/kurastore/kura/internal/meta/pebblestore"
	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/logging"
)

type fixture struct {
	t      *testing.T
	meta   *faultmeta.Store
	layer  *object.Layer
	svc    *Service
	now    time.Time
	source string
}

const deliveryPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"logging.s3.amazonaws.com"},
"Action":"s3:PutObject","Resource":"arn:aws:s3:::logs/*","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::src"},"StringEquals":{"aws:SourceAccount":"123456789012"}}}]}`

func newFixture(t *testing.T, maxRecords int) *fixture {
	t.Helper()
	m, err := pebblestore.Open("meta", &pebblestore.Options{FS: vfs.NewMem()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	// Every closure runs twice, as a retried transaction would.
	store := faultmeta.New(m, faultmeta.Options{Rerun: 1})
	blobs, err := dirstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	keys, err := localkms.New(store, localkms.NewSecret("accesslog-test"))
	if err != nil {
		t.Fatal(err)
	}
	l := object.New(store, blobs, object.Options{InlineLimit: 1024, Region: "us-east-1", KMS: keys})
	f := &fixture{t: t, meta: store, layer: l, now: time.Date(2026, 3, 1, 23, 59, 0, 0, time.UTC), source: "src"}
	f.svc = New(Options{Meta: store, Objects: l, Account: "123456789012", Region: "us-east-1", MaxRecords: maxRecords,
		Holder: "me", Now: func() time.Time { return f.now }, Logger: slog.New(slog.DiscardHandler)})
	ctx := context.Background()
	for _, b := range []string{"src", "logs"} {
		if err := l.CreateBucket(ctx, b, object.CreateBucketOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.SetBucketConfig(ctx, "logs", "policy", []byte(deliveryPolicy)); err != nil {
		t.Fatal(err)
	}
	return f
}

// appendN queues n records of requests at f.now, numbered from first.
func (f *fixture) appendN(e *logging.Enabled, first, n int) {
	f.t.Helper()
	for i := first; i < first+n; i++ {
		r := &Record{Bucket: f.source, Time: f.now, RequestID: fmt.Sprintf("REQ%05d", i), Operation: "REST.GET.OBJECT", Status: 200}
		if err := f.svc.Append(context.Background(), f.source, e, r); err != nil {
			f.t.Fatal(err)
		}
	}
}

func (f *fixture) deliver(all bool) int {
	f.t.Helper()
	n, err := f.svc.Deliver(context.Background(), all)
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

// logObjects returns the log objects of the target, by name, and the
// request ids of their records in the order the objects sort and hold
// them.
func (f *fixture) logObjects() (names []string, ids []string) {
	f.t.Helper()
	ctx := context.Background()
	res, err := f.layer.ListObjects(ctx, "logs", object.ListOptions{MaxKeys: 1000})
	if err != nil {
		f.t.Fatal(err)
	}
	for _, o := range res.Objects {
		names = append(names, o.Key)
		obj, err := f.layer.GetObject(ctx, "logs", o.Key, object.GetOptions{})
		if err != nil {
			f.t.Fatal(err)
		}
		data, err := io.ReadAll(obj.Body)
		obj.Body.Close()
		if err != nil {
			f.t.Fatal(err)
		}
		if obj.Info.ContentType != "text/plain" {
			f.t.Errorf("%s is %q", o.Key, obj.Info.ContentType)
		}
		for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
			ids = append(ids, strings.Fields(line)[6])
		}
	}
	return names, ids
}

func (f *fixture) queued() int {
	f.t.Helper()
	n := 0
	err := f.meta.View(context.Background(), func(r meta.Reader) error {
		n = 0
		return meta.EachEntry(r, recordsPrefix(), func(_, _ []byte) error { n++; return nil })
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

func ids(first, n int) []string {
	var out []string
	for i := first; i < first+n; i++ {
		out = append(out, fmt.Sprintf("REQ%05d", i))
	}
	return out
}

func TestDeliverSimplePrefix(t *testing.T) {
	f := newFixture(t, 0)
	e := &logging.Enabled{TargetBucket: "logs", TargetPrefix: "src-logs/"}
	f.appendN(e, 0, 3)
	if n := f.deliver(true); n != 3 {
		t.Fatalf("delivered %d, want 3", n)
	}
	names, got := f.logObjects()
	if len(names) != 1 || !regexp.MustCompile(`^src-logs/2026-03-01-23-59-00-[0-9A-F]{16}$`).MatchString(names[0]) {
		t.Fatalf("log objects %q", names)
	}
	if fmt.Sprint(got) != fmt.Sprint(ids(0, 3)) {
		t.Fatalf("records %v", got)
	}
	if q := f.queued(); q != 0 {
		t.Fatalf("%d records still queued", q)
	}
	if n := f.deliver(true); n != 0 {
		t.Fatalf("a second pass delivered %d", n)
	}
}

func TestDeliverPartitionedByEventTime(t *testing.T) {
	f := newFixture(t, 0)
	e := &logging.Enabled{TargetBucket: "logs", TargetPrefix: "p/", Partitioned: true, DateSource: logging.EventTime}
	f.appendN(e, 0, 2)
	f.now = f.now.Add(2 * time.Minute) // the next day
	f.appendN(e, 2, 1)
	f.deliver(true)
	names, got := f.logObjects()
	day1 := regexp.MustCompile(`^p/123456789012/us-east-1/src/2026/03/01/2026-03-02-00-01-00-[0-9A-F]{16}$`)
	day2 := regexp.MustCompile(`^p/123456789012/us-east-1/src/2026/03/02/2026-03-02-00-01-00-[0-9A-F]{16}$`)
	if len(names) != 2 || !day1.MatchString(names[0]) || !day2.MatchString(names[1]) {
		t.Fatalf("log objects %q", names)
	}
	if fmt.Sprint(got) != fmt.Sprint(ids(0, 3)) {
		t.Fatalf("records %v", got)
	}
}

func TestDeliverySplitsWhereTheDestinationChanges(t *testing.T) {
	f := newFixture(t, 0)
	f.appendN(&logging.Enabled{TargetBucket: "logs", TargetPrefix: "a/"}, 0, 2)
	f.appendN(&logging.Enabled{TargetBucket: "logs", TargetPrefix: "b/"}, 2, 2)
	f.appendN(&logging.Enabled{TargetBucket: "logs", TargetPrefix: "a/"}, 4, 1)
	f.deliver(true)
	names, _ := f.logObjects()
	if len(names) != 3 {
		t.Fatalf("log objects %q, want three", names)
	}
}

// A full batch (MaxRecords records of one bucket) goes at once; fewer
// wait for the interval's pass.
func TestFullBatches(t *testing.T) {
	const max = 3
	f := newFixture(t, max)
	e := &logging.Enabled{TargetBucket: "logs", TargetPrefix: "l/"}
	f.appendN(e, 0, max-1)
	if n := f.deliver(false); n != 0 {
		t.Fatalf("%d records (under the limit) delivered early", n)
	}
	f.appendN(e, max-1, 2) // max+1 in all
	if n := f.deliver(false); n != max {
		t.Fatalf("delivered %d, want a full batch of %d", n, max)
	}
	f.now = f.now.Add(time.Millisecond) // the next delivery, in the same second
	if q := f.queued(); q != 1 {
		t.Fatalf("%d queued, want 1", q)
	}
	if n := f.deliver(true); n != 1 {
		t.Fatalf("the interval's pass delivered %d, want 1", n)
	}
	names, got := f.logObjects()
	if len(names) != 2 || fmt.Sprint(got) != fmt.Sprint(ids(0, max+1)) {
		t.Fatalf("objects %q, records %v", names, got)
	}
}

func TestWakeWhenAFullBatchIsQueued(t *testing.T) {
	f := newFixture(t, 2)
	e := &logging.Enabled{TargetBucket: "logs"}
	f.appendN(e, 0, 1)
	select {
	case <-f.svc.full:
		t.Fatal("woken before a full batch")
	default:
	}
	f.appendN(e, 1, 1)
	select {
	case <-f.svc.full:
	default:
		t.Fatal("a full batch woke nobody")
	}
}

// A delivery whose commit fails before it is written leaves the
// records queued; one whose commit is written but reported failed (an
// ambiguous commit) took them: either way each record is delivered once.
func TestDeliveryCommitFailures(t *testing.T) {
	for _, when := range []faultmeta.Phase{faultmeta.BeforeCommit, faultmeta.AfterCommit} {
		t.Run(fmt.Sprint(when), func(t *testing.T) {
			f := newFixture(t, 0)
			e := &logging.Enabled{TargetBucket: "logs"}
			f.appendN(e, 0, 4)
			f.meta.Inject(faultmeta.Fault{When: when, Match: func(k []byte) bool { return bytes.HasPrefix(k, recordsPrefix()) }})
			if _, err := f.svc.Deliver(context.Background(), true); !errors.Is(err, faultmeta.ErrInjected) {
				t.Fatalf("err = %v, want the injected failure", err)
			}
			f.deliver(true)
			names, got := f.logObjects()
			if len(names) != 1 || fmt.Sprint(got) != fmt.Sprint(ids(0, 4)) {
				t.Fatalf("objects %q, records %v", names, got)
			}
		})
	}
}

// A deliverer working from a stale read (another took the records
// meanwhile) writes nothing.
func TestStaleDeliveryWritesNothing(t *testing.T) {
	f := newFixture(t, 0)
	f.appendN(&logging.Enabled{TargetBucket: "logs"}, 0, 2)
	source, batch, err := f.svc.readBatch(context.Background(), recordsPrefix(), 10, true)
	if err != nil || source != "src" || len(batch) != 2 {
		t.Fatalf("readBatch: %q %d %v", source, len(batch), err)
	}
	f.deliver(true)
	if err := f.svc.deliverRun(context.Background(), source, "us-east-1", batch); err != nil {
		t.Fatal(err)
	}
	if names, _ := f.logObjects(); len(names) != 1 {
		t.Fatalf("log objects %q, want one", names)
	}
}

func TestUndeliverableRecordsAreDropped(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	if err := f.layer.CreateBucket(ctx, "closed", object.CreateBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	f.appendN(&logging.Enabled{TargetBucket: "closed"}, 0, 1)
	f.appendN(&logging.Enabled{TargetBucket: "gone"}, 1, 1)
	f.appendN(&logging.Enabled{TargetBucket: "logs"}, 2, 1)
	if n := f.deliver(true); n != 3 {
		t.Fatalf("passed over %d records, want 3", n)
	}
	if q := f.queued(); q != 0 {
		t.Fatalf("%d still queued", q)
	}
	if _, got := f.logObjects(); fmt.Sprint(got) != fmt.Sprint(ids(2, 1)) {
		t.Fatalf("delivered %v", got)
	}
	res, _ := f.layer.ListObjects(ctx, "closed", object.ListOptions{MaxKeys: 10})
	if len(res.Objects) != 0 {
		t.Fatal("a bucket that does not permit delivery got a log object")
	}
}

func TestRunDeliversUnderTheLease(t *testing.T) {
	f := newFixture(t, 0)
	f.svc.opts.Interval = 10 * time.Millisecond
	other := meta.Lease{Key: leaseKey(), Holder: "other", Term: time.Hour}
	ctx := context.Background()
	if held, _, err := other.Take(ctx, f.meta); err != nil || !held {
		t.Fatalf("take: %v %v", held, err)
	}
	f.appendN(&logging.Enabled{TargetBucket: "logs"}, 0, 1)
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); f.svc.Run(runCtx) }()
	time.Sleep(100 * time.Millisecond)
	if q := f.queued(); q != 1 {
		t.Fatalf("delivered while another held the lease (%d queued)", q)
	}
	// The holder is gone: its lease is taken over once it runs out.
	if err := f.meta.Update(ctx, nil, func(tx meta.Txn) error { return tx.Delete(leaseKey()) }); err != nil {
		t.Fatal(err)
	}
	for f.queued() != 0 {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
}

func TestCheckTarget(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	mk := func(name string, opts object.CreateBucketOptions) {
		if err := f.layer.CreateBucket(ctx, name, opts); err != nil {
			t.Fatal(err)
		}
	}
	mk("far", object.CreateBucketOptions{Region: "eu-west-1"})
	mk("locked", object.CreateBucketOptions{ObjectLock: true})
	if err := f.layer.SetObjectLockConfig(ctx, "locked", object.DefaultRetention{Mode: object.LockGovernance, Days: 1}); err != nil {
		t.Fatal(err)
	}
	mk("closed", object.CreateBucketOptions{})
	mk("denying", object.CreateBucketOptions{})
	deny := strings.ReplaceAll(strings.ReplaceAll(deliveryPolicy, "logs", "denying"), `"Allow"`, `"Deny"`)
	if err := f.layer.SetBucketConfig(ctx, "denying", "policy", []byte(deny)); err != nil {
		t.Fatal(err)
	}
	// The longest prefix whose partitioned names still fit a key.
	partitionedTail := len("123456789012/us-east-1/src/2026/03/01/2026-03-01-23-59-00-0123456789ABCDEF")
	longest := strings.Repeat("p", 1024-partitionedTail)
	tests := []struct {
		name string
		e    logging.Enabled
		acl  bool
		want error
	}{
		{"permitted", logging.Enabled{TargetBucket: "logs", TargetPrefix: "x/"}, false, nil},
		{"missing", logging.Enabled{TargetBucket: "nothere"}, false, s3err.ErrInvalidTargetBucketForLogging},
		{"invalid name", logging.Enabled{TargetBucket: "No_Such"}, false, s3err.ErrInvalidTargetBucketForLogging},
		{"other region", logging.Enabled{TargetBucket: "far"}, false, s3err.ErrCrossLocationLogging},
		{"default retention", logging.Enabled{TargetBucket: "locked"}, false, s3err.ErrInvalidTargetBucketForLogging},
		{"no policy", logging.Enabled{TargetBucket: "closed"}, false, s3err.ErrInvalidTargetBucketForLogging},
		{"no policy but LogDelivery ACL", logging.Enabled{TargetBucket: "closed"}, true, nil},
		{"denying policy", logging.Enabled{TargetBucket: "denying"}, true, s3err.ErrInvalidTargetBucketForLogging},
		{"longest prefix", logging.Enabled{TargetBucket: "logs", TargetPrefix: longest, Partitioned: true, DateSource: logging.EventTime}, false, nil},
		{"prefix too long", logging.Enabled{TargetBucket: "logs", TargetPrefix: longest + "p", Partitioned: true, DateSource: logging.EventTime}, false, s3err.ErrInvalidTargetBucketForLogging},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			targets := f.svc.Targets()
			if tt.acl {
				targets.LogDeliveryACL = func(context.Context, string) (bool, error) { return true, nil }
			}
			err := targets.Check(ctx, "src", &tt.e)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("Check = %v, want %v", err, tt.want)
			}
		})
	}
	// The policy's conditions hold for this source only.
	if err := f.layer.CreateBucket(ctx, "other", object.CreateBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Targets().Check(ctx, "other", &logging.Enabled{TargetBucket: "logs"}); !errors.Is(err, s3err.ErrInvalidTargetBucketForLogging) {
		t.Fatalf("another source: %v", err)
	}
}

// Log objects are encrypted (SSE-S3) when the target bucket has a
// default encryption.
func TestDeliveryUnderDefaultEncryption(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	doc := `<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>`
	f.appendN(&logging.Enabled{TargetBucket: "logs", TargetPrefix: "plain/"}, 0, 1)
	f.deliver(true)
	if err := f.layer.SetBucketConfig(ctx, "logs", "encryption", []byte(doc)); err != nil {
		t.Fatal(err)
	}
	f.appendN(&logging.Enabled{TargetBucket: "logs", TargetPrefix: "sealed/"}, 1, 1)
	f.deliver(true)
	names, got := f.logObjects()
	if len(names) != 2 || fmt.Sprint(got) != fmt.Sprint(ids(0, 2)) {
		t.Fatalf("objects %q, records %v", names, got)
	}
	for _, name := range names {
		info, err := f.layer.HeadObject(ctx, "logs", name, object.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if want := map[bool]string{true: object.SSES3, false: ""}[strings.HasPrefix(name, "sealed/")]; info.Info.SSE.Type != want {
			t.Errorf("%s is encrypted %q, want %q", name, info.Info.SSE.Type, want)
		}
	}
}

// The log objects one deliverer delivers within a second sort in the
// order it delivered them.
func TestUniqueStringsSortByDeliveryTime(t *testing.T) {
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	prev := uniqueString(base)
	for _, ns := range []int{1, 1000, 999_999_999} {
		u := uniqueString(base.Add(time.Duration(ns)))
		if len(u) != 16 || u <= prev {
			t.Fatalf("%d ns: %s after %s", ns, u, prev)
		}
		prev = u
	}
}

// A source bucket whose delivery fails does not hold up the others: the
// pass goes on, and reports the failure.
func TestFailedSourceDoesNotBlockOthers(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	if err := f.layer.CreateBucket(ctx, "aaa", object.CreateBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	// The target takes the logs of both sources.
	if err := f.layer.SetBucketConfig(ctx, "logs", "policy", []byte(strings.ReplaceAll(deliveryPolicy, `"arn:aws:s3:::src"`, `"arn:aws:s3:::*"`))); err != nil {
		t.Fatal(err)
	}
	e := &logging.Enabled{TargetBucket: "logs", TargetPrefix: "l/"}
	f.source = "aaa" // sorts first
	f.appendN(e, 0, 1)
	f.source = "src"
	f.appendN(e, 1, 1)
	f.meta.Inject(faultmeta.Fault{Match: func(k []byte) bool { return bytes.HasPrefix(k, bucketPrefix("aaa")) }})
	if _, err := f.svc.Deliver(ctx, true); !errors.Is(err, faultmeta.ErrInjected) {
		t.Fatalf("err = %v, want the failure", err)
	}
	if _, got := f.logObjects(); fmt.Sprint(got) != fmt.Sprint(ids(1, 1)) {
		t.Fatalf("delivered %v: the other source waited", got)
	}
	f.now = f.now.Add(time.Millisecond)
	f.deliver(true)
	if _, got := f.logObjects(); len(got) != 2 {
		t.Fatalf("delivered %v after the failure passed", got)
	}
}
