package lifecycle

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/kurastore/kura/internal/blob/dirstore"
	"github.com/kurastore/kura/internal/manualclock"
	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/meta/faultmeta"
	"github.com/kurastore/kura/internal/meta/pebblestore"
	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/internal/tier"
	"github.com/kurastore/kura/internal/tier/dirtier"
	"github.com/kurastore/kura/s3err"
	wire "github.com/kurastore/kura/wire/lifecycle"
)

type fixture struct {
	t      *testing.T
	meta   meta.Store
	layer  *object.Layer
	clock  *manualclock.Clock
	events *eventNames
}

// eventNames records the events the layer raises, once per name, key
// and version however often a transaction's closure runs.
type eventNames struct {
	mu    sync.Mutex
	names map[string]map[string]bool
}

func (e *eventNames) RecordEvent(_ context.Context, _ meta.Txn, ev object.Event, _ []byte) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.names[ev.Name] == nil {
		e.names[ev.Name] = map[string]bool{}
	}
	id := ev.Key + "\x00" + ev.Object.VersionID
	if strings.HasSuffix(ev.Name, "DeleteMarkerCreated") {
		id = ev.Key // a rerun makes the marker again, with another id
	}
	e.names[ev.Name][id] = true
	return nil
}

func (e *eventNames) count(name string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.names[name])
}

const day = 24 * time.Hour

// dirTiers serves one directory tier, WARM.
type dirTiers struct{ warm tier.Tier }

func (d dirTiers) Tier(_ context.Context, name string) (tier.Tier, error) {
	if name != "WARM" {
		return nil, tier.ErrNoSuchTier
	}
	return d.warm, nil
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	m, err := pebblestore.Open("meta", &pebblestore.Options{FS: vfs.NewMem()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	// Every closure runs twice, as a retried transaction would: the
	// scanner's checkpoint and figures must not count a page twice.
	store := faultmeta.New(m, faultmeta.Options{Rerun: 1})
	blobs, err := dirstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	// Midday, so that day boundaries are not where objects are written.
	c := manualclock.New(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	events := &eventNames{names: map[string]map[string]bool{}}
	warm, err := dirtier.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	l := object.New(store, blobs, object.Options{Now: c.Now, InlineLimit: 1024, Events: events, Tiers: dirTiers{warm}})
	return &fixture{t: t, meta: store, layer: l, clock: c, events: events}
}

func (f *fixture) scanner(opts Options) *Scanner {
	opts.Meta, opts.Objects, opts.Now = f.meta, f.layer, f.clock.Now
	if opts.Rate == 0 {
		opts.Rate = -1
	}
	return New(opts)
}

func (f *fixture) bucket(name string, versioned bool, rules string) {
	f.t.Helper()
	ctx := context.Background()
	if err := f.layer.CreateBucket(ctx, name, object.CreateBucketOptions{ObjectLock: versioned}); err != nil {
		f.t.Fatal(err)
	}
	if rules == "" {
		return
	}
	cfg, err := wire.Parse(strings.NewReader(`<LifecycleConfiguration>` + rules + `</LifecycleConfiguration>`))
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil {
		f.t.Fatalf("rules: %v", err)
	}
	doc, err := EncodeStored(cfg, MinSizeByClass)
	if err != nil {
		f.t.Fatal(err)
	}
	if err := f.layer.SetBucketConfig(ctx, name, ConfigName, doc); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) put(bucket, key string, opts object.PutOptions) object.ObjectInfo {
	f.t.Helper()
	opts.Size = int64(len(key))
	info, err := f.layer.PutObject(context.Background(), bucket, key, bytes.NewReader([]byte(key)), opts)
	if err != nil {
		f.t.Fatal(err)
	}
	return info
}

func (f *fixture) pass(s *Scanner) {
	f.t.Helper()
	if err := s.Pass(context.Background()); err != nil {
		f.t.Fatal(err)
	}
}

// versions lists every version of bucket as "key:vid" ("key:DM" for a
// delete marker), in order.
func (f *fixture) versions(bucket string) []string {
	f.t.Helper()
	var out []string
	opts := object.ScanOptions{}
	for {
		page, err := f.layer.ScanVersions(context.Background(), bucket, opts)
		if err != nil {
			f.t.Fatal(err)
		}
		for _, k := range page.Keys {
			for _, v := range k.Versions {
				if v.IsDeleteMarker {
					out = append(out, k.Key+":DM")
				} else {
					out = append(out, k.Key+":"+v.ETag)
				}
			}
		}
		if page.Done {
			return out
		}
		opts.After = page.Next
	}
}

func keysOf(vs []string) map[string]int {
	m := map[string]int{}
	for _, v := range vs {
		k, _, _ := bytes.Cut([]byte(v), []byte(":"))
		m[string(k)]++
	}
	return m
}

// TestExpirationDays: objects a rule selects go on the first day
// boundary at least Days after their creation, not a nanosecond before;
// the others stay; each deletion is an s3:LifecycleExpiration:Delete
// event and is counted.
func TestExpirationDays(t *testing.T) {
	f := newFixture(t)
	f.bucket("logs", false, `<Rule><ID>old-logs</ID><Status>Enabled</Status><Filter><Prefix>tmp/</Prefix></Filter><Expiration><Days>2</Days></Expiration></Rule>`)
	for i := range 5 {
		f.put("logs", fmt.Sprintf("tmp/%d", i), object.PutOptions{})
		f.put("logs", fmt.Sprintf("keep/%d", i), object.PutOptions{})
	}
	s := f.scanner(Options{PageSize: 3})
	// Written at noon on March 1: due at midnight starting March 4.
	due := time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC)
	f.clock.Advance(due.Sub(f.clock.Now()) - time.Nanosecond)
	f.pass(s)
	if got := keysOf(f.versions("logs")); got["tmp/0"] != 1 || len(got) != 10 {
		t.Fatalf("a nanosecond early: %v", got)
	}
	f.clock.Advance(time.Nanosecond)
	f.pass(s)
	got := keysOf(f.versions("logs"))
	if len(got) != 5 || got["keep/4"] != 1 {
		t.Fatalf("at the boundary: %v", got)
	}
	if n := f.events.count(object.EventLifecycleDelete); n != 5 {
		t.Fatalf("%d lifecycle delete events", n)
	}
	st, err := s.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Buckets) != 1 || st.Buckets[0].Actions["expire"] != 5 || st.Buckets[0].LastPassScanned != 10 ||
		st.Buckets[0].InProgress || !st.Buckets[0].LastPassCompleted.Equal(f.clock.Now()) {
		t.Fatalf("status %+v", st)
	}
}

// TestVersionedRules: in a versioned bucket an expired current version
// gets a delete marker; noncurrent versions go NoncurrentDays after they
// became noncurrent, keeping the newest NewerNoncurrentVersions; a delete
// marker left alone goes; locked versions stay whatever the rules say.
func TestVersionedRules(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.bucket("vers", true, `<Rule><ID>prune</ID><Status>Enabled</Status><Filter></Filter>`+
		`<Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>`+
		`<NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays><NewerNoncurrentVersions>1</NewerNoncurrentVersions></NoncurrentVersionExpiration></Rule>`+
		`<Rule><ID>gone</ID><Status>Enabled</Status><Filter><Prefix>gone/</Prefix></Filter><NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays></NoncurrentVersionExpiration></Rule>`+
		`<Rule><ID>expire-current</ID><Status>Enabled</Status><Filter><Prefix>cur/</Prefix></Filter><Expiration><Days>10</Days></Expiration></Rule>`)
	for range 4 {
		f.put("vers", "many", object.PutOptions{})
		f.clock.Advance(time.Minute)
	}
	held := f.put("vers", "held", object.PutOptions{LegalHold: true})
	f.put("vers", "held", object.PutOptions{})
	f.put("vers", "held", object.PutOptions{})
	f.put("vers", "gone/x", object.PutOptions{})
	if _, err := f.layer.DeleteObject(ctx, "vers", "gone/x", object.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	f.put("vers", "cur/x", object.PutOptions{})

	s := f.scanner(Options{PageSize: 2})
	f.clock.Advance(3 * day)
	f.pass(s)
	got := keysOf(f.versions("vers"))
	// many: the current version and one noncurrent; held: all three
	// (the oldest is on legal hold); gone/x: its version expired as
	// noncurrent, then its lone marker goes on a later pass.
	if got["many"] != 2 || got["held"] != 3 || got["cur/x"] != 1 || got["gone/x"] != 1 {
		t.Fatalf("after the first pass: %v", got)
	}
	f.pass(s)
	if got := keysOf(f.versions("vers")); got["gone/x"] != 0 {
		t.Fatalf("the lone delete marker stayed: %v", got)
	}
	if st, _ := s.Status(ctx); st.Buckets[0].Actions["locked"] == 0 {
		t.Fatalf("the locked version was not counted: %+v", st.Buckets[0])
	}
	// Current versions expire into delete markers.
	f.clock.Advance(10 * day)
	f.pass(s)
	vs := f.versions("vers")
	if got := keysOf(vs); got["cur/x"] != 2 {
		t.Fatalf("cur/x: %v", vs)
	}
	if f.events.count(object.EventLifecycleDeleteMarkerCreated) != 1 {
		t.Fatalf("events %v", f.events.names)
	}
	if err := f.layer.PutObjectLegalHold(ctx, "vers", "held", held.VersionID, false); err != nil {
		t.Fatal(err)
	}
	f.pass(s)
	if got := keysOf(f.versions("vers")); got["held"] != 2 {
		t.Fatalf("the version out of legal hold stayed: %v", got)
	}
}

// TestAbortIncompleteUploads: uploads older than DaysAfterInitiation
// under the rule's prefix are aborted; newer ones and others stay.
func TestAbortIncompleteUploads(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.bucket("upl", false, `<Rule><Status>Enabled</Status><Filter><Prefix>big/</Prefix></Filter><AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>`)
	for _, key := range []string{"big/old", "other"} {
		if _, err := f.layer.CreateMultipartUpload(ctx, "upl", key, object.UploadOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	f.clock.Advance(day)
	if _, err := f.layer.CreateMultipartUpload(ctx, "upl", "big/new", object.UploadOptions{}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(12 * time.Hour)
	f.pass(f.scanner(Options{}))
	res, err := f.layer.ListMultipartUploads(ctx, "upl", object.ListUploadsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, u := range res.Uploads {
		keys = append(keys, u.Key)
	}
	if fmt.Sprint(keys) != "[big/new other]" {
		t.Fatalf("uploads left: %v", keys)
	}
}

// TestResumeFromCheckpoint: a scanner stopped after some pages, and a new
// one (a restart, or another gateway) continues from the checkpoint:
// every version is evaluated once in the pass, none twice.
func TestResumeFromCheckpoint(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.bucket("aaa", false, `<Rule><Status>Enabled</Status><Filter><Prefix>none/</Prefix></Filter><Expiration><Days>1</Days></Expiration></Rule>`)
	f.bucket("bbb", false, `<Rule><Status>Enabled</Status><Filter><Prefix>none/</Prefix></Filter><Expiration><Days>1</Days></Expiration></Rule>`)
	f.bucket("ccc", false, "")
	for i := range 25 {
		f.put("aaa", fmt.Sprintf("k%02d", i), object.PutOptions{})
		f.put("bbb", fmt.Sprintf("k%02d", i), object.PutOptions{})
	}
	first := f.scanner(Options{PageSize: 10})
	cp, err := first.startPass(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(cp.Buckets) != "[aaa bbb]" {
		t.Fatalf("buckets with rules: %v", cp.Buckets)
	}
	for range 4 { // a: 10, 20, 25 (done); b: 10
		cp, _ = first.checkpoint(ctx)
		if _, err := first.advance(ctx, cp); err != nil {
			t.Fatal(err)
		}
	}
	cp, _ = first.checkpoint(ctx)
	if fmt.Sprint(cp.Buckets) != "[bbb]" || cp.After != "k09" {
		t.Fatalf("checkpoint %+v", cp)
	}
	second := f.scanner(Options{PageSize: 10})
	f.pass(second)
	st, err := second.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range st.Buckets {
		if b.LastPassScanned != 25 || b.InProgress {
			t.Errorf("bucket %s: %+v", b.Bucket, b)
		}
	}
	if len(st.Pending) != 0 || !st.PassStarted.IsZero() {
		t.Errorf("a pass is still pending: %+v", st)
	}
}

// TestScannerLease: of two servers, only the lease holder scans; when it
// stops renewing, the other takes over and finishes the pass.
func TestScannerLease(t *testing.T) {
	f := newFixture(t)
	f.bucket("aaa", false, `<Rule><Status>Enabled</Status><Filter></Filter><Expiration><Days>1</Days></Expiration></Rule>`)
	f.put("aaa", "k", object.PutOptions{})
	f.clock.Advance(2 * day)
	ctx := context.Background()
	holder := meta.Lease{Key: leaseKey, Holder: "other", Term: time.Hour}
	if held, _, err := holder.Take(ctx, f.meta); err != nil || !held {
		t.Fatalf("take: %v %v", held, err)
	}
	s := f.scanner(Options{Holder: "me", LeaseTerm: 300 * time.Millisecond})
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); s.Run(runCtx) }()
	// While another server holds the lease nothing happens; the lease is
	// given up by deleting it, as an expiry would.
	st, err := s.Status(ctx)
	if err != nil || st.Holder != "other" {
		t.Fatalf("status %+v %v", st, err)
	}
	if len(f.versions("aaa")) != 1 {
		t.Fatal("a server without the lease scanned")
	}
	if err := f.meta.Update(ctx, nil, func(tx meta.Txn) error { return tx.Delete(leaseKey) }); err != nil {
		t.Fatal(err)
	}
	for len(f.versions("aaa")) != 0 {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	if st, _ := s.Status(ctx); st.Holder != "me" {
		t.Fatalf("holder %q", st.Holder)
	}
}

// TestRulesRemovedMidPass: a bucket whose rules or whole self went away
// during a pass is skipped, not an error.
func TestRulesRemovedMidPass(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.bucket("aaa", false, `<Rule><Status>Enabled</Status><Filter></Filter><Expiration><Days>1</Days></Expiration></Rule>`)
	f.bucket("bbb", false, `<Rule><Status>Enabled</Status><Filter></Filter><Expiration><Days>1</Days></Expiration></Rule>`)
	f.put("aaa", "k", object.PutOptions{})
	s := f.scanner(Options{})
	if _, err := s.startPass(ctx); err != nil {
		t.Fatal(err)
	}
	if err := f.layer.SetBucketConfig(ctx, "aaa", ConfigName, nil); err != nil {
		t.Fatal(err)
	}
	if err := f.layer.DeleteBucket(ctx, "bbb"); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(2 * day)
	if err := s.Pass(ctx); err != nil && !errors.Is(err, s3err.ErrNoSuchBucket) {
		t.Fatal(err)
	}
	if len(f.versions("aaa")) != 1 {
		t.Fatal("rules removed mid-pass were applied")
	}
}

// TestNoBucketHasRules: a pass over a server where no bucket has rules
// (or none has buckets) is over as it starts.
func TestNoBucketHasRules(t *testing.T) {
	f := newFixture(t)
	f.bucket("plain", false, "")
	s := f.scanner(Options{Holder: "me"})
	wait, err := s.step(context.Background(), time.Now().Add(time.Minute))
	if err != nil || wait <= 0 {
		t.Fatalf("step: wait %v, %v", wait, err)
	}
	f.pass(s)
	st, err := s.Status(context.Background())
	if err != nil || len(st.Buckets) != 0 || st.LastPassStarted.IsZero() {
		t.Fatalf("status %+v %v", st, err)
	}
}

// TestTransitions: current versions move to the tier after their days,
// whatever storage class they were written with; noncurrent ones after
// theirs; data already on a tier stays; each move is counted.
func TestTransitions(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.bucket("tiered", true, `<Rule><ID>warm</ID><Status>Enabled</Status><Filter></Filter>`+
		`<Transition><Days>1</Days><StorageClass>WARM</StorageClass></Transition>`+
		`<NoncurrentVersionTransition><NoncurrentDays>3</NoncurrentDays><StorageClass>WARM</StorageClass></NoncurrentVersionTransition></Rule>`)
	f.put("tiered", "ia", object.PutOptions{Attrs: object.Attrs{StorageClass: "STANDARD_IA"}})
	f.put("tiered", "plain", object.PutOptions{})
	s := f.scanner(Options{})
	f.pass(s)
	if n := f.events.count(object.EventTransition); n != 0 {
		t.Fatalf("%d transitions before they were due", n)
	}
	f.clock.Advance(2 * day)
	f.put("tiered", "plain", object.PutOptions{}) // the first becomes noncurrent now
	f.pass(s)
	tiers := map[string]string{}
	page, err := f.layer.ScanVersions(ctx, "tiered", object.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range page.Keys {
		for i, v := range k.Versions {
			tiers[fmt.Sprintf("%s/%d", k.Key, i)] = v.Tier
		}
	}
	want := map[string]string{"ia/0": "WARM", "plain/0": "", "plain/1": ""}
	if fmt.Sprint(tiers) != fmt.Sprint(want) {
		t.Fatalf("tiers %v, want %v", tiers, want)
	}
	// Noncurrent since March 3 at noon: due at midnight starting March 7.
	f.clock.Advance(4 * day)
	f.pass(s)
	f.pass(s) // nothing moves twice
	st, err := s.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := st.Buckets[0].Actions["transition"]; n != 3 {
		t.Fatalf("%d transitions, want 3: %+v", n, st.Buckets[0])
	}
	obj, err := f.layer.GetObject(ctx, "tiered", "ia", object.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(obj.Body)
	obj.Body.Close()
	if err != nil || string(data) != "ia" {
		t.Fatalf("read-through: %q %v", data, err)
	}
}

// TestTransitionToLabelClass: a transition to one of AWS's classes that
// no tier is named after records the class and keeps the data where it
// is, readable; it happens once.
func TestTransitionToLabelClass(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.bucket("label", false, `<Rule><ID>cold</ID><Status>Enabled</Status><Filter><Prefix>docs/</Prefix></Filter>`+
		`<Transition><Days>30</Days><StorageClass>GLACIER</StorageClass></Transition></Rule>`)
	f.put("label", "docs/a", object.PutOptions{})
	f.put("label", "other", object.PutOptions{})
	s := f.scanner(Options{})
	f.clock.Advance(31 * day)
	f.pass(s)
	f.pass(s)
	page, err := f.layer.ScanVersions(ctx, "label", object.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	classes := map[string]string{}
	for _, k := range page.Keys {
		classes[k.Key] = k.Versions[0].StorageClass + "/" + k.Versions[0].Tier
	}
	if classes["docs/a"] != "GLACIER/" || classes["other"] != "/" {
		t.Fatalf("classes %v", classes)
	}
	st, err := s.Status(ctx)
	if err != nil || st.Buckets[0].Actions["transition"] != 1 || st.Buckets[0].Actions["failed"] != 0 {
		t.Fatalf("status %+v %v", st.Buckets, err)
	}
	obj, err := f.layer.GetObject(ctx, "label", "docs/a", object.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(obj.Body)
	obj.Body.Close()
	if err != nil || string(data) != "docs/a" || obj.Info.StorageClass != "GLACIER" {
		t.Fatalf("read %q %v, class %q", data, err, obj.Info.StorageClass)
	}
}

// TestPageInBatches: a page larger than a read batch is read in several
// batches and checkpointed once, at its last key.
func TestPageInBatches(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.bucket("big", false, `<Rule><Status>Enabled</Status><Filter><Prefix>none/</Prefix></Filter><Expiration><Days>1</Days></Expiration></Rule>`)
	for i := range 2*readBatch + 50 {
		f.put("big", fmt.Sprintf("k%04d", i), object.PutOptions{})
	}
	s := f.scanner(Options{PageSize: 2*readBatch + 1})
	cp, err := s.startPass(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if done, err := s.advance(ctx, cp); err != nil || done {
		t.Fatalf("advance: %v %v", done, err)
	}
	if cp, _ = s.checkpoint(ctx); cp.After != fmt.Sprintf("k%04d", 2*readBatch) {
		t.Fatalf("checkpoint after one page at %q", cp.After)
	}
	f.pass(s)
	st, err := s.Status(ctx)
	if err != nil || st.Buckets[0].LastPassScanned != 2*readBatch+50 {
		t.Fatalf("status %+v %v", st.Buckets, err)
	}
}

// TestTierInUse: a tier is in use while an enabled rule moves data to it
// or any version's data is on it.
func TestTierInUse(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	inUse := func() bool {
		t.Helper()
		used, err := TierInUse(f.layer)(ctx, "WARM")
		if err != nil {
			t.Fatal(err)
		}
		return used
	}
	f.bucket("plain", false, "")
	f.bucket("ruled", false, `<Rule><Status>Enabled</Status><Filter></Filter><Transition><Days>1</Days><StorageClass>WARM</StorageClass></Transition></Rule>`)
	if !inUse() {
		t.Fatal("a tier an enabled rule names is not in use")
	}
	f.put("ruled", "k", object.PutOptions{})
	f.clock.Advance(2 * day)
	f.pass(f.scanner(Options{}))
	if err := f.layer.SetBucketConfig(ctx, "ruled", ConfigName, nil); err != nil {
		t.Fatal(err)
	}
	if !inUse() {
		t.Fatal("a tier holding a version's data is not in use")
	}
	if _, err := f.layer.DeleteObject(ctx, "ruled", "k", object.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if inUse() {
		t.Fatal("a tier nothing names or holds is in use")
	}
}
