package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/kurastore/kura/internal/blob/dirstore"
	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/meta/pebblestore"
	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/wire/notification"
)

// sink is a target kept in memory: what it received, and a switch that
// makes it fail as a target that is down does.
type sink struct {
	mu   sync.Mutex
	got  []Message
	down bool
}

var sinks = struct {
	sync.Mutex
	m map[string]*sink
}{m: map[string]*sink{}}

func sinkNamed(name string) *sink {
	sinks.Lock()
	defer sinks.Unlock()
	s := sinks.m[name]
	if s == nil {
		s = &sink{}
		sinks.m[name] = s
	}
	return s
}

// newSink is a fresh sink named after the test (a test run again with
// -count gets a new one).
func newSink(t *testing.T) *sink {
	sinks.Lock()
	defer sinks.Unlock()
	s := &sink{}
	sinks.m[t.Name()] = s
	return s
}

var errDown = errors.New("sink: down")

func (s *sink) Send(ctx context.Context, msgs []Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		return errDown
	}
	s.got = append(s.got, msgs...)
	return nil
}

func (s *sink) Ping(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		return errDown
	}
	return nil
}

func (s *sink) Close() error { return nil }

func (s *sink) setDown(down bool) {
	s.mu.Lock()
	s.down = down
	s.mu.Unlock()
}

func (s *sink) messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.got...)
}

func init() {
	Register(Kind{
		Type: "testsink",
		Settings: []Setting{
			{Name: "sink", Required: true},
			{Name: "password", Secret: true},
		},
		Open: func(c Config) (Target, error) { return sinkNamed(c.Settings["sink"]), nil },
	})
}

type fixture struct {
	svc   *Service
	layer *object.Layer
	meta  meta.Store
}

func newFixture(t *testing.T, opts Options) fixture {
	t.Helper()
	m, err := pebblestore.Open("meta", &pebblestore.Options{FS: vfs.NewMem()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	b, err := dirstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	opts.Meta = m
	opts.Region = "us-east-1"
	opts.SealKey = bytes.Repeat([]byte{7}, 32)
	svc, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	l := object.New(m, b, object.Options{Events: svc})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); svc.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	if err := l.CreateBucket(context.Background(), "bkt", object.CreateBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	return fixture{svc: svc, layer: l, meta: m}
}

func (f fixture) configure(t *testing.T, xml string) {
	t.Helper()
	cfg, err := notification.Parse(strings.NewReader(xml))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	doc, err := cfg.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if err := f.layer.SetBucketConfig(context.Background(), "bkt", "notification", doc); err != nil {
		t.Fatal(err)
	}
}

func (f fixture) put(t *testing.T, key, data string) object.ObjectInfo {
	t.Helper()
	info, err := f.layer.PutObject(context.Background(), "bkt", key, strings.NewReader(data), object.PutOptions{Size: int64(len(data))})
	if err != nil {
		t.Fatal(err)
	}
	return info
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func names(ms []Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.EventName+" "+m.Object)
	}
	return out
}

const allToSink = `<NotificationConfiguration><QueueConfiguration><Id>all</Id><Queue>arn:minio:sqs::%s:testsink</Queue>
<Event>s3:ObjectCreated:*</Event><Event>s3:ObjectRemoved:*</Event><Event>s3:ObjectTagging:*</Event></QueueConfiguration></NotificationConfiguration>`

func TestEventsOfEveryWriteAreDeliveredInOrder(t *testing.T) {
	s := newSink(t)
	f := newFixture(t, Options{Env: []Config{{Type: "testsink", Name: "Order", Settings: map[string]string{"sink": t.Name()}}}})
	f.configure(t, fmt.Sprintf(allToSink, "order"))
	ctx := context.Background()
	info := f.put(t, "a b", "one")
	if _, err := f.layer.CopyObject(ctx, object.CopySource{Bucket: "bkt", Key: "a b"}, "bkt", "c", object.CopyOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.layer.PutObjectTags(ctx, "bkt", "c", "", map[string]string{"k": "v"}); err != nil {
		t.Fatal(err)
	}
	// A write refused by its precondition raises nothing.
	if _, err := f.layer.PutObject(ctx, "bkt", "a b", strings.NewReader("x"), object.PutOptions{Size: 1, Cond: object.Conditions{IfNoneMatch: "*"}}); err == nil {
		t.Fatal("If-None-Match: * overwrote")
	}
	if _, err := f.layer.DeleteObject(ctx, "bkt", "a b", object.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	// Deleting what is not there is a no-op, which ObjectRemoved:* does
	// not cover.
	if _, err := f.layer.DeleteObject(ctx, "bkt", "gone", object.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"s3:ObjectCreated:Put a b", "s3:ObjectCreated:Copy c", "s3:ObjectTagging:Put c", "s3:ObjectRemoved:Delete a b",
	}
	waitFor(t, "four deliveries", func() bool { return len(s.messages()) >= len(want) })
	time.Sleep(50 * time.Millisecond)
	got := s.messages()
	if fmt.Sprint(names(got)) != fmt.Sprint(want) {
		t.Fatalf("delivered %q, want %q", names(got), want)
	}
	var rec eventRecord
	if err := json.Unmarshal(got[0].Record, &rec); err != nil {
		t.Fatal(err)
	}
	if rec.S3.Object.Key != "a+b" || rec.S3.Object.ETag != info.ETag || rec.S3.Object.Size != 3 ||
		rec.S3.ConfigurationID != "all" || rec.S3.Bucket.ARN != "arn:aws:s3:::bkt" || rec.AWSRegion != "us-east-1" ||
		rec.EventName != "s3:ObjectCreated:Put" || rec.S3.Object.Sequencer == "" {
		t.Errorf("record %+v", rec)
	}
	var seqs []string
	for _, m := range got {
		var r eventRecord
		_ = json.Unmarshal(m.Record, &r)
		seqs = append(seqs, r.S3.Object.Sequencer)
	}
	for i := 1; i < len(seqs); i++ {
		if seqs[i] <= seqs[i-1] {
			t.Errorf("sequencers not increasing: %v", seqs)
		}
	}
}

func TestFilterAndOriginReachTheRecord(t *testing.T) {
	s := newSink(t)
	f := newFixture(t, Options{Env: []Config{{Type: "testsink", Name: "filt", Settings: map[string]string{"sink": t.Name()}}}})
	f.configure(t, `<NotificationConfiguration><QueueConfiguration><Queue>arn:minio:sqs:us-east-1:filt:testsink</Queue>
<Event>s3:ObjectCreated:Put</Event><Filter><S3Key><FilterRule><Name>prefix</Name><Value>in/</Value></FilterRule>
<FilterRule><Name>suffix</Name><Value>.jpg</Value></FilterRule></S3Key></Filter></QueueConfiguration></NotificationConfiguration>`)
	ctx := WithOrigin(context.Background(), Origin{Principal: "alice", SourceIP: "127.0.0.9", RequestID: "RID1", UserAgent: "ua/1"})
	for _, k := range []string{"in/a.png", "out/a.jpg", "in/b.jpg"} {
		if _, err := f.layer.PutObject(ctx, "bkt", k, strings.NewReader("z"), object.PutOptions{Size: 1, Attrs: object.Attrs{ContentType: "image/jpeg", UserMeta: map[string]string{"my-tag": "v"}}}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "one delivery", func() bool { return len(s.messages()) >= 1 })
	time.Sleep(50 * time.Millisecond)
	got := s.messages()
	if len(got) != 1 || got[0].Object != "in/b.jpg" {
		t.Fatalf("delivered %q", names(got))
	}
	var rec eventRecord
	_ = json.Unmarshal(got[0].Record, &rec)
	if rec.UserIdentity.PrincipalID != "alice" || rec.RequestParameters["sourceIPAddress"] != "127.0.0.9" ||
		rec.ResponseElements["x-amz-request-id"] != "RID1" || rec.Source.UserAgent != "ua/1" ||
		rec.S3.Object.ContentType != "image/jpeg" || rec.S3.Object.UserMetadata["X-Amz-Meta-My-Tag"] != "v" ||
		rec.S3.ConfigurationID != "Config" {
		t.Errorf("record %s", got[0].Record)
	}
}

func TestDownTargetKeepsEventsAndCatchesUp(t *testing.T) {
	s := newSink(t)
	f := newFixture(t, Options{MaxQueued: 5, Env: []Config{{Type: "testsink", Name: "down", Settings: map[string]string{"sink": t.Name()}}}})
	s.setDown(true)
	f.configure(t, fmt.Sprintf(allToSink, "down"))
	for i := range 5 {
		f.put(t, fmt.Sprintf("k%d", i), "v")
	}
	waitFor(t, "a failed attempt", func() bool {
		st, _ := f.svc.Status(context.Background(), true)
		return len(st) == 1 && st[0].Failed > 0
	})
	st, err := f.svc.Status(context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	if st[0].Pending != 5 || st[0].Reachable || st[0].LastError == "" || st[0].Dropped != 0 {
		t.Fatalf("status of a down target with 5 events (the limit): %+v", st[0])
	}
	// One more than the limit: the oldest is dropped, and counted.
	f.put(t, "k5", "v")
	waitFor(t, "a drop", func() bool {
		st, _ := f.svc.Status(context.Background(), true)
		return st[0].Dropped == 1
	})
	s.setDown(false)
	waitFor(t, "catching up", func() bool { return len(s.messages()) >= 5 })
	want := []string{"k1", "k2", "k3", "k4", "k5"}
	var got []string
	for _, m := range s.messages() {
		got = append(got, m.Object)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("delivered %v, want %v", got, want)
	}
	waitFor(t, "an empty queue", func() bool {
		st, _ := f.svc.Status(context.Background(), true)
		return st[0].Pending == 0 && st[0].Delivered == 5
	})
}

func TestUnknownARNIsRefusedAndRemovedTargetGetsNothing(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	if ok, _ := f.svc.CheckARN(ctx, "arn:minio:sqs::stored:testsink"); ok {
		t.Fatal("an ARN of no target checks")
	}
	if _, err := f.svc.AddTarget(ctx, Config{Type: "testsink", Name: "x", Settings: map[string]string{}}); err == nil {
		t.Fatal("a target without its required setting was added")
	}
	sinkNamed("refused").setDown(true)
	if _, err := f.svc.AddTarget(ctx, Config{Type: "testsink", Name: "refused", Settings: map[string]string{"sink": "refused"}}); err == nil {
		t.Fatal("an unreachable target was added")
	}
	stored := newSink(t)
	arn, err := f.svc.AddTarget(ctx, Config{Type: "testsink", Name: "Stored", Settings: map[string]string{"sink": t.Name(), "password": "hunter2-secret"}})
	if err != nil {
		t.Fatal(err)
	}
	if arn != "arn:minio:sqs:us-east-1:stored:testsink" {
		t.Fatalf("ARN %s", arn)
	}
	for _, a := range []string{arn, "arn:minio:sqs::stored:testsink"} {
		if ok, _ := f.svc.CheckARN(ctx, a); !ok {
			t.Errorf("%s does not check", a)
		}
	}
	for _, a := range []string{"arn:minio:sqs:eu-west-1:stored:testsink", "arn:aws:sqs:us-east-1:stored:testsink", "arn:minio:sqs::stored:webhook"} {
		if ok, _ := f.svc.CheckARN(ctx, a); ok {
			t.Errorf("%s checks", a)
		}
	}
	if _, err := f.svc.AddTarget(ctx, Config{Type: "testsink", Name: "stored", Settings: map[string]string{"sink": t.Name()}}); !errors.Is(err, ErrTargetExists) {
		t.Fatalf("adding twice: %v", err)
	}
	// The secret is sealed at rest.
	raw, err := meta.Generation(ctx, f.meta, targetConfigKey("testsink:stored"))
	if err != nil || raw == nil {
		t.Fatalf("stored target: %v", err)
	}
	if bytes.Contains(raw, []byte("hunter2-secret")) {
		t.Fatal("a target's secret is stored in the clear")
	}
	st, _ := f.svc.Status(ctx, true)
	if len(st) != 1 || st[0].Settings["password"] != "*****" || !st[0].Reachable {
		t.Fatalf("status %+v", st)
	}
	f.configure(t, fmt.Sprintf(allToSink, "stored"))
	f.put(t, "before", "v")
	waitFor(t, "a delivery", func() bool { return len(stored.messages()) == 1 })
	if _, err := f.svc.RemoveTarget(ctx, "testsink", "stored"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.RemoveTarget(ctx, "testsink", "stored"); !errors.Is(err, ErrNoSuchTarget) {
		t.Fatalf("removing twice: %v", err)
	}
	f.put(t, "after", "v")
	if f.svc.Unroutable() != 1 {
		t.Fatalf("unroutable %d", f.svc.Unroutable())
	}
}

func TestListenStreamsAndResumes(t *testing.T) {
	f := newFixture(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	lines := make(chan []byte, 100)
	ready := make(chan struct{})
	go func() {
		close(ready)
		err := f.svc.Listen(ctx, ListenFilter{Bucket: "bkt", Prefix: "p/", Events: []string{"s3:ObjectCreated:*"}}, "", func(l []byte) error {
			if l != nil {
				lines <- bytes.Clone(l)
			}
			return nil
		})
		if ctx.Err() == nil {
			t.Errorf("listener ended: %v", err)
		}
	}()
	<-ready
	// The listener starts from when it is registered.
	waitFor(t, "the listener", func() bool {
		f.svc.listeners.mu.Lock()
		defer f.svc.listeners.mu.Unlock()
		return len(f.svc.listeners.set) == 1
	})
	f.put(t, "p/1", "a")
	f.put(t, "q/2", "a")
	f.put(t, "p/3", "a")
	var seqs []string
	for range 2 {
		select {
		case l := <-lines:
			var msg struct{ Records []eventRecord }
			if err := json.Unmarshal(l, &msg); err != nil || len(msg.Records) != 1 {
				t.Fatalf("line %q: %v", l, err)
			}
			seqs = append(seqs, msg.Records[0].S3.Object.Sequencer)
		case <-time.After(20 * time.Second):
			t.Fatal("no event")
		}
	}
	f.put(t, "p/4", "a")
	// A listener that saw the first event resumes after it: it gets the
	// rest, from the history, and sees each once.
	got := map[string]int{}
	rctx, rcancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer rcancel()
	err := f.svc.Listen(rctx, ListenFilter{Bucket: "bkt", Events: []string{"s3:ObjectCreated:*"}}, seqs[0], func(l []byte) error {
		var msg struct{ Records []eventRecord }
		if l != nil && json.Unmarshal(l, &msg) == nil {
			got[msg.Records[0].S3.Object.Key]++
		}
		return nil
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("resumed listener ended with %v", err)
	}
	if fmt.Sprint(got) != "map[p/3:1 p/4:1 q/2:1]" {
		t.Fatalf("resumed listener got %v", got)
	}
}

func TestFromEnv(t *testing.T) {
	cfgs, err := FromEnv([]string{
		"PATH=/bin",
		"KURA_NOTIFY_TESTSINK_SINK_PRIMARY=one",
		"KURA_NOTIFY_TESTSINK_PASSWORD_PRIMARY=pw",
		"KURA_NOTIFY_TESTSINK_SINK_second_one=two",
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(cfgs) != 2 || cfgs[0].Name != "primary" || cfgs[0].Settings["sink"] != "one" || cfgs[0].Settings["password"] != "pw" ||
		cfgs[1].Name != "second_one" || cfgs[1].Settings["sink"] != "two" {
		t.Fatalf("configs %+v", cfgs)
	}
	for _, bad := range []string{
		"KURA_NOTIFY_NOSUCH_SINK_X=1",
		"KURA_NOTIFY_TESTSINK_NOSUCH_X=1",
		"KURA_NOTIFY_TESTSINK_PASSWORD_X=1", // no sink: a required setting
		"KURA_NOTIFY_TESTSINK_SINK_=1",
	} {
		if _, err := FromEnv([]string{bad}); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func TestLockMultipartAndVersionedEvents(t *testing.T) {
	s := newSink(t)
	f := newFixture(t, Options{Env: []Config{{Type: "testsink", Name: "lock", Settings: map[string]string{"sink": t.Name()}}}})
	ctx := context.Background()
	if err := f.layer.CreateBucket(ctx, "locked", object.CreateBucketOptions{ObjectLock: true}); err != nil {
		t.Fatal(err)
	}
	cfg, err := notification.Parse(strings.NewReader(`<NotificationConfiguration><QueueConfiguration><Queue>arn:minio:sqs::lock:testsink</Queue>
<Event>s3:ObjectCreated:*</Event><Event>s3:ObjectRemoved:*</Event><Event>s3:ObjectRetention:Put</Event></QueueConfiguration></NotificationConfiguration>`))
	if err != nil || cfg.Validate() != nil {
		t.Fatal(err)
	}
	doc, _ := cfg.Encode()
	if err := f.layer.SetBucketConfig(ctx, "locked", "notification", doc); err != nil {
		t.Fatal(err)
	}
	if _, err := f.layer.PutObject(ctx, "locked", "a", strings.NewReader("x"), object.PutOptions{Size: 1}); err != nil {
		t.Fatal(err)
	}
	until := time.Now().Add(time.Hour)
	if err := f.layer.PutObjectRetention(ctx, "locked", "a", "", object.Retention{Mode: object.LockGovernance, RetainUntil: until}, false); err != nil {
		t.Fatal(err)
	}
	// A legal hold is s3:ObjectCreated:PutLegalHold, which the wildcard
	// covers, as in MinIO.
	if err := f.layer.PutObjectLegalHold(ctx, "locked", "a", "", true); err != nil {
		t.Fatal(err)
	}
	// A delete in a versioned bucket makes a marker.
	if _, err := f.layer.DeleteObject(ctx, "locked", "a", object.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	id, err := f.layer.CreateMultipartUpload(ctx, "locked", "m", object.UploadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := f.layer.UploadPart(ctx, "locked", "m", id, 1, strings.NewReader("part"), object.PartOptions{Size: 4})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.layer.CompleteMultipartUpload(ctx, "locked", "m", id, []object.CompletePart{{Number: 1, ETag: p.ETag}}, object.CompleteOptions{}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"s3:ObjectCreated:Put a", "s3:ObjectCreated:PutRetention a", "s3:ObjectCreated:PutLegalHold a",
		"s3:ObjectRemoved:DeleteMarkerCreated a", "s3:ObjectCreated:CompleteMultipartUpload m",
	}
	waitFor(t, "five deliveries", func() bool { return len(s.messages()) >= len(want) })
	time.Sleep(50 * time.Millisecond)
	if got := names(s.messages()); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("delivered %q, want %q", got, want)
	}
}

// stingy is a target that takes at most three messages per Send and then
// fails, reporting what it took.
type stingy struct{ sink }

func (s *stingy) Send(ctx context.Context, msgs []Message) error {
	if len(msgs) <= 3 {
		return s.sink.Send(ctx, msgs)
	}
	if err := s.sink.Send(ctx, msgs[:3]); err != nil {
		return err
	}
	return &PartialError{Accepted: 3, Err: errors.New("stingy: no more now")}
}

var stingies = struct {
	sync.Mutex
	m map[string]*stingy
}{m: map[string]*stingy{}}

func stingyNamed(name string) *stingy {
	stingies.Lock()
	defer stingies.Unlock()
	s := stingies.m[name]
	if s == nil {
		s = &stingy{}
		stingies.m[name] = s
	}
	return s
}

func init() {
	Register(Kind{
		Type:     "stingy",
		Settings: []Setting{{Name: "sink", Required: true}},
		Open:     func(c Config) (Target, error) { return stingyNamed(c.Settings["sink"]), nil },
	})
}

// A target that accepts part of each batch gets every event once, in
// order: what it accepted is not sent again.
func TestPartlyAcceptedBatchesAreNotResent(t *testing.T) {
	name := fmt.Sprint(t.Name(), time.Now().UnixNano()) // a new one on every -count
	f := newFixture(t, Options{Env: []Config{{Type: "stingy", Name: "part", Settings: map[string]string{"sink": name}}}})
	s := stingyNamed(name)
	s.setDown(true) // the events queue up into one batch
	f.configure(t, `<NotificationConfiguration><QueueConfiguration><Queue>arn:minio:sqs::part:stingy</Queue>
<Event>s3:ObjectCreated:*</Event></QueueConfiguration></NotificationConfiguration>`)
	var want []string
	for i := range 10 {
		k := fmt.Sprintf("k%02d", i)
		f.put(t, k, "v")
		want = append(want, "s3:ObjectCreated:Put "+k)
	}
	s.setDown(false)
	waitFor(t, "ten deliveries", func() bool { return len(s.messages()) >= len(want) })
	waitFor(t, "an empty queue", func() bool {
		st, _ := f.svc.Status(context.Background(), false)
		return st[0].Pending == 0 && st[0].Delivered == 10
	})
	if got := names(s.messages()); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("delivered %q, want each of %q once", got, want)
	}
}

// TestReadsWantedByListenersElsewhere: two services sharing a store (two
// gateways): a listener for reads on one makes the other record reads,
// for as long as it listens.
func TestReadsWantedByListenersElsewhere(t *testing.T) {
	m, err := pebblestore.Open("meta", &pebblestore.Options{FS: vfs.NewMem()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	var svcs []*Service
	for range 2 {
		svc, err := New(Options{Meta: m, Shared: true, Region: "us-east-1", SealKey: bytes.Repeat([]byte{7}, 32)})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); svc.Run(ctx) }()
		t.Cleanup(func() { cancel(); <-done })
		svcs = append(svcs, svc)
	}
	here, there := svcs[0], svcs[1]
	const get = "s3:ObjectAccessed:Get"
	if there.WantsAccess("bkt", "in/k", get, nil) {
		t.Fatal("reads wanted with no listener anywhere")
	}
	lctx, stop := context.WithCancel(context.Background())
	listening := make(chan struct{})
	go func() {
		defer close(listening)
		_ = here.Listen(lctx, ListenFilter{Bucket: "bkt", Prefix: "in/", Events: []string{"s3:ObjectAccessed:*"}}, "", func([]byte) error { return nil })
	}()
	waitFor(t, "the other service to want reads", func() bool { return there.WantsAccess("bkt", "in/k", get, nil) })
	if there.WantsAccess("bkt", "out/k", get, nil) || there.WantsAccess("other", "in/k", get, nil) {
		t.Error("reads the listener does not want are wanted")
	}
	stop()
	<-listening
	waitFor(t, "the other service to stop wanting reads", func() bool { return !there.WantsAccess("bkt", "in/k", get, nil) })
}

// reusingStore is a store whose iterators hand out every value in one
// buffer, as meta.Iterator allows (a value is valid until the iterator
// moves): Pebble's do for values read from its block cache.
type reusingStore struct{ meta.Store }

func (s reusingStore) View(ctx context.Context, fn func(meta.Reader) error) error {
	return s.Store.View(ctx, func(r meta.Reader) error { return fn(reusingReader{r}) })
}

type reusingReader struct{ meta.Reader }

func (r reusingReader) NewIter(lo, hi []byte) (meta.Iterator, error) {
	it, err := r.Reader.NewIter(lo, hi)
	return &reusingIter{Iterator: it}, err
}

type reusingIter struct {
	meta.Iterator
	buf []byte
}

func (i *reusingIter) Value() ([]byte, error) {
	v, err := i.Iterator.Value()
	i.buf = append(i.buf[:0], v...)
	return i.buf, err
}

// TestListenKeepsEachEventsValue: the history a listener reads keeps
// each event's own record, not what the store's buffer held last.
func TestListenKeepsEachEventsValue(t *testing.T) {
	m, err := pebblestore.Open("meta", &pebblestore.Options{FS: vfs.NewMem()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	svc, err := New(Options{Meta: reusingStore{m}, Region: "us-east-1", SealKey: bytes.Repeat([]byte{7}, 32)})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	err = m.Update(context.Background(), nil, func(tx meta.Txn) error {
		for i := range 3 {
			ev := stored{Name: "s3:ObjectCreated:Put", Bucket: "bkt", Key: fmt.Sprint("k", i)}
			v, err := json.Marshal(ev)
			if err != nil {
				return err
			}
			want = append(want, string(v))
			if err := tx.Set(historyKey(svc.seq.Next(time.Now())), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	_, vals, err := meta.Scan(context.Background(), svc.meta, historyPrefix(), meta.PrefixEnd(historyPrefix()), 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range vals {
		got = append(got, string(v))
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("read back %q, want %q", got, want)
	}
}

func TestTargetNameLimits(t *testing.T) {
	for name, ok := range map[string]bool{
		strings.Repeat("a", 64): true, strings.Repeat("a", 65): false, "": false,
		"Primary_1-x": true, "a:b": false, "a b": false, "a/b": false, "é": false,
	} {
		if ValidName(name) != ok {
			t.Errorf("ValidName(%q) = %v, want %v", name, !ok, ok)
		}
	}
}

// A queue longer than one delivery batch goes out whole, in order.
func TestMoreThanOneBatch(t *testing.T) {
	s := newSink(t)
	f := newFixture(t, Options{Env: []Config{{Type: "testsink", Name: "batch", Settings: map[string]string{"sink": t.Name()}}}})
	s.setDown(true)
	f.configure(t, fmt.Sprintf(allToSink, "batch"))
	n := deliveryBatch + 1
	for i := range n {
		f.put(t, fmt.Sprintf("k%03d", i), "v")
	}
	s.setDown(false)
	waitFor(t, "every event", func() bool { return len(s.messages()) >= n })
	for i, m := range s.messages()[:n] {
		if m.Object != fmt.Sprintf("k%03d", i) {
			t.Fatalf("event %d is %s", i, m.Object)
		}
	}
}
