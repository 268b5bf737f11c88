package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/notification"

	"github.com/kurastore/kura/admin"
	"github.com/kurastore/kura/client"
)

// hook is a webhook endpoint that keeps what it is sent.
type hook struct {
	srv  *httptest.Server
	mu   sync.Mutex
	got  []hookEvent
	fail bool
	// delay is how long the endpoint takes to accept an event.
	delay time.Duration
}

type hookEvent struct {
	EventName string
	Key       string
	Records   []hookRecord
}

type hookRecord struct {
	EventName string `json:"eventName"`
	S3        struct {
		ConfigurationID string `json:"configurationId"`
		Object          struct {
			Key       string `json:"key"`
			Size      int64  `json:"size"`
			ETag      string `json:"eTag"`
			VersionID string `json:"versionId"`
			Sequencer string `json:"sequencer"`
		} `json:"object"`
	} `json:"s3"`
}

func newHook(t *testing.T) *hook {
	h := &hook{}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			return // a reachability check
		}
		h.mu.Lock()
		delay := h.delay
		h.mu.Unlock()
		time.Sleep(delay)
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.fail {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		var ev hookEvent
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &ev); err != nil || len(ev.Records) != 1 {
			t.Errorf("webhook body %q: %v", body, err)
			return
		}
		h.got = append(h.got, ev)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hook) events() []hookEvent {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.got)
}

func (h *hook) setDelay(d time.Duration) {
	h.mu.Lock()
	h.delay = d
	h.mu.Unlock()
}

func (h *hook) setFail(fail bool) {
	h.mu.Lock()
	h.fail = fail
	h.mu.Unlock()
}

// waitEvents waits until h has n events, and a moment longer for any
// that should not come.
func (h *hook) waitEvents(t *testing.T, n int) []hookEvent {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for len(h.events()) < n {
		if time.Now().After(deadline) {
			t.Fatalf("webhook got %d events, want %d: %v", len(h.events()), n, summarize(h.events()))
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	return h.events()
}

func summarize(evs []hookEvent) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.EventName+" "+e.Key)
	}
	return out
}

func TestNotifyWebhookMinioGo(t *testing.T) {
	h := newHook(t)
	s := startServerEnv(t, []string{"KURA_NOTIFY_WEBHOOK_ENDPOINT_PRIMARY=" + h.srv.URL})
	mc := newMinioClient(t, s)
	c := ctx(t)
	if err := mc.MakeBucket(c, "events", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	// An ARN that names no target is refused, as S3 refuses it.
	bad := notification.Configuration{}
	bad.AddQueue(notification.NewConfig(notification.NewArn("minio", "sqs", "", "nosuch", "webhook")))
	bad.QueueConfigs[0].AddEvents(notification.ObjectCreatedAll)
	err := mc.SetBucketNotification(c, "events", bad)
	if minio.ToErrorResponse(err).Code != "InvalidArgument" {
		t.Fatalf("unknown ARN: %v", err)
	}
	arn := notification.NewArn("minio", "sqs", "us-east-1", "primary", "webhook")
	qc := notification.NewConfig(arn)
	qc.AddEvents(notification.ObjectCreatedAll, notification.ObjectRemovedAll)
	qc.AddFilterPrefix("photos/")
	cfg := notification.Configuration{}
	cfg.AddQueue(qc)
	if err := mc.SetBucketNotification(c, "events", cfg); err != nil {
		t.Fatal(err)
	}
	got, err := mc.GetBucketNotification(c, "events")
	if err != nil || len(got.QueueConfigs) != 1 || got.QueueConfigs[0].Queue != arn.String() {
		t.Fatalf("GetBucketNotification = %+v, %v", got, err)
	}
	info, err := mc.PutObject(c, "events", "photos/a b.jpg", strings.NewReader("hello"), 5, minio.PutObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mc.PutObject(c, "events", "other/x", strings.NewReader("no"), 2, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := mc.CopyObject(c, minio.CopyDestOptions{Bucket: "events", Object: "photos/copy"}, minio.CopySrcOptions{Bucket: "events", Object: "photos/a b.jpg"}); err != nil {
		t.Fatal(err)
	}
	if err := mc.RemoveObject(c, "events", "photos/a b.jpg", minio.RemoveObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	evs := h.waitEvents(t, 3)
	want := []string{"s3:ObjectCreated:Put events/photos/a b.jpg", "s3:ObjectCreated:Copy events/photos/copy", "s3:ObjectRemoved:Delete events/photos/a b.jpg"}
	if fmt.Sprint(summarize(evs)) != fmt.Sprint(want) {
		t.Fatalf("webhook got %q, want %q", summarize(evs), want)
	}
	o := evs[0].Records[0].S3.Object
	if o.Key != "photos/a+b.jpg" || o.Size != 5 || o.ETag != info.ETag || o.Sequencer == "" {
		t.Errorf("record object %+v", o)
	}
	// Removing the configuration stops the events.
	if err := mc.RemoveAllBucketNotification(c, "events"); err != nil {
		t.Fatal(err)
	}
	if _, err := mc.PutObject(c, "events", "photos/after", strings.NewReader("x"), 1, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if evs := h.waitEvents(t, 3); len(evs) != 3 {
		t.Fatalf("events after the configuration was removed: %q", summarize(evs))
	}
}

// kuraAdminOut runs `kura admin ARGS` against s and returns its standard
// output alone.
func kuraAdminOut(t *testing.T, s *server, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(kuraBin, append([]string{"admin", "--server", s.url()}, args...)...)
	cmd.Env = append(os.Environ(), "KURA_ACCESS_KEY="+s.accessKey, "KURA_SECRET_KEY="+s.secretKey)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		err = fmt.Errorf("%w: %s", err, stderr.String())
	}
	return string(out), err
}

func TestNotifyAdminTargetsAndDownTarget(t *testing.T) {
	h := newHook(t)
	s := startServer(t)
	c := ctx(t)
	// A target that cannot be reached is not added.
	if _, err := kuraAdminOut(t, s, "notify", "add", "webhook", "nowhere", "--endpoint", "http://"+freeAddr(t)+"/x"); err == nil {
		t.Fatal("an unreachable webhook was added")
	}
	out, err := kuraAdminOut(t, s, "notify", "add", "webhook", "Ops", "--endpoint", h.srv.URL, "--auth-token", "tok-secret-1")
	if err != nil {
		t.Fatal(err)
	}
	arn := strings.TrimSpace(out)
	if arn != "arn:minio:sqs:us-east-1:ops:webhook" {
		t.Fatalf("add printed %q, want the ARN alone", out)
	}
	list, err := kuraAdminOut(t, s, "notify", "list")
	if err != nil || !strings.Contains(list, arn) || strings.Contains(list, "tok-secret-1") {
		t.Fatalf("list: %v\n%s", err, list)
	}
	kc, err := client.New(s.addr, &client.Options{AccessKey: s.accessKey, SecretKey: s.secretKey})
	if err != nil {
		t.Fatal(err)
	}
	if err := kc.MakeBucket(c, "adm", client.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	mc := newMinioClient(t, s)
	cfg := notification.Configuration{}
	qc := notification.NewConfig(notification.NewArn("minio", "sqs", "", "ops", "webhook"))
	qc.AddEvents(notification.ObjectCreatedPut)
	cfg.AddQueue(qc)
	if err := mc.SetBucketNotification(c, "adm", cfg); err != nil {
		t.Fatal(err)
	}
	// The target goes down: writes still succeed at once, and their
	// events wait, in order, until it is back.
	h.setFail(true)
	for i := range 5 {
		if _, err := mc.PutObject(c, "adm", fmt.Sprintf("k%d", i), strings.NewReader("v"), 1, minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	ac, err := admin.New(s.addr, s.accessKey, s.secretKey, false)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		ts, err := ac.NotifyTargets(c, true)
		if err != nil {
			t.Fatal(err)
		}
		if len(ts) == 1 && ts[0].Pending == 5 && ts[0].Failed > 0 && ts[0].LastError != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("status of a failing target: %+v", ts)
		}
		time.Sleep(50 * time.Millisecond)
	}
	h.setFail(false)
	evs := h.waitEvents(t, 5)
	for i, e := range evs {
		if e.Key != fmt.Sprintf("adm/k%d", i) {
			t.Fatalf("delivered out of order: %q", summarize(evs))
		}
	}
	status, err := kuraAdminOut(t, s, "notify", "status", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var sts []admin.NotifyTargetStatus
	if err := json.Unmarshal([]byte(status), &sts); err != nil || len(sts) != 1 || sts[0].Delivered != 5 || sts[0].Pending != 0 || sts[0].Reachable == nil || !*sts[0].Reachable {
		t.Fatalf("status: %v\n%s", err, status)
	}
	if _, err := kuraAdminOut(t, s, "notify", "remove", "webhook", "ops"); err != nil {
		t.Fatal(err)
	}
	if err := mc.SetBucketNotification(c, "adm", cfg); minio.ToErrorResponse(err).Code != "InvalidArgument" {
		t.Fatalf("configuring a removed target: %v", err)
	}
}

func TestListenBucketNotificationSDKs(t *testing.T) {
	s := startServer(t)
	c := ctx(t)
	mc := newMinioClient(t, s)
	if err := mc.MakeBucket(c, "listen", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	lctx, cancel := context.WithCancel(c)
	defer cancel()
	fromMinio := mc.ListenBucketNotification(lctx, "listen", "in/", "", []string{"s3:ObjectCreated:*", "s3:ObjectRemoved:*", "s3:ObjectAccessed:*"})
	kc, err := client.New(s.addr, &client.Options{AccessKey: s.accessKey, SecretKey: s.secretKey})
	if err != nil {
		t.Fatal(err)
	}
	fromKura := make(chan string, 10)
	go func() {
		for ev, err := range kc.ListenBucketNotification(lctx, "listen", client.ListenOptions{Suffix: ".txt", Events: []string{"s3:ObjectCreated:*"}}) {
			if err != nil {
				return
			}
			fromKura <- ev.EventName + " " + ev.S3.Object.Key
		}
	}()
	time.Sleep(500 * time.Millisecond) // both listeners are connected
	for _, k := range []string{"in/a.txt", "out/b.txt", "in/c.bin"} {
		if _, err := mc.PutObject(c, "listen", k, strings.NewReader("x"), 1, minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := mc.StatObject(c, "listen", "in/a.txt", minio.StatObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := mc.RemoveObject(c, "listen", "in/c.bin", minio.RemoveObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for len(got) < 4 {
		select {
		case n := <-fromMinio:
			if n.Err != nil {
				t.Fatal(n.Err)
			}
			for _, r := range n.Records {
				got = append(got, r.EventName+" "+r.S3.Object.Key)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("minio-go listener got %q", got)
		}
	}
	// A read's event is recorded just after the read, off the request's
	// path: it may come after the DELETE that follows the read.
	if len(got) == 4 && got[2] == "s3:ObjectRemoved:Delete in/c.bin" {
		got[2], got[3] = got[3], got[2]
	}
	want := []string{"s3:ObjectCreated:Put in/a.txt", "s3:ObjectCreated:Put in/c.bin", "s3:ObjectAccessed:Head in/a.txt", "s3:ObjectRemoved:Delete in/c.bin"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("minio-go listener got %q, want %q", got, want)
	}
	var kura []string
	for len(kura) < 2 {
		select {
		case e := <-fromKura:
			kura = append(kura, e)
		case <-time.After(20 * time.Second):
			t.Fatalf("kura SDK listener got %q", kura)
		}
	}
	if want := []string{"s3:ObjectCreated:Put in/a.txt", "s3:ObjectCreated:Put out/b.txt"}; fmt.Sprint(kura) != fmt.Sprint(want) {
		t.Errorf("kura SDK listener got %q, want %q", kura, want)
	}
}

func TestNotifyMinioPy(t *testing.T) {
	python, env := minioPy(t)
	h := newHook(t)
	s := startServerEnv(t, []string{"KURA_NOTIFY_WEBHOOK_ENDPOINT_PY=" + h.srv.URL})
	cmd := exec.Command(python, "testdata/minio_py_notify.py", s.addr, s.accessKey, s.secretKey)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "ok") {
		t.Fatalf("minio-py notifications: %v\n%s", err, out)
	}
	evs := h.waitEvents(t, 3)
	want := []string{"s3:ObjectCreated:Put minio-py-notify/py/a", "s3:ObjectCreated:Put minio-py-notify/py/c d", "s3:ObjectRemoved:Delete minio-py-notify/py/a"}
	if fmt.Sprint(summarize(evs)) != fmt.Sprint(want) {
		t.Fatalf("webhook got %q, want %q", summarize(evs), want)
	}
	if id := evs[0].Records[0].S3.ConfigurationID; id != "py-1" {
		t.Errorf("configurationId %q", id)
	}
}

// TestListenSurvivesKeepAlive: a minio-go listener that has waited
// through the server's keep-alives (sent after 10 s of silence) still
// gets the next event, with no error: minio-go parses every line of the
// stream as JSON and gives up on one that is not.
func TestListenSurvivesKeepAlive(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for a keep-alive")
	}
	s := startServer(t)
	c := ctx(t)
	mc := newMinioClient(t, s)
	if err := mc.MakeBucket(c, "quiet", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	lctx, cancel := context.WithCancel(c)
	defer cancel()
	events := mc.ListenBucketNotification(lctx, "quiet", "", "", []string{"s3:ObjectCreated:*"})
	next := func(what string) string {
		t.Helper()
		select {
		case n := <-events:
			if n.Err != nil {
				t.Fatalf("%s: the listener failed: %v", what, n.Err)
			}
			return n.Records[0].S3.Object.Key
		case <-time.After(20 * time.Second):
			t.Fatalf("%s: no event", what)
		}
		return ""
	}
	// The stream is connected once an event written after it arrives.
	put := func(key string) {
		if _, err := mc.PutObject(c, "quiet", key, strings.NewReader("x"), 1, minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; ; i++ {
		put(fmt.Sprint("warmup", i))
		select {
		case n := <-events:
			if n.Err != nil {
				t.Fatal(n.Err)
			}
		case <-time.After(300 * time.Millisecond):
			continue
		}
		break
	}
	time.Sleep(time.Second) // the rest of the warm-up's events
	for len(events) > 0 {
		<-events
	}
	time.Sleep(12 * time.Second) // past a keep-alive
	put("after-silence")
	if key := next("after a keep-alive"); key != "after-silence" {
		t.Fatalf("got %s, want after-silence", key)
	}
}
