package crash

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	miniocreds "github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/notification"
)

// eventKills is how many kills TestKillNineEvents makes: -kills when it
// is given, or a count small enough for every CI run.
func eventKills() int {
	n := 15
	flag.Visit(func(f *flag.Flag) {
		if f.Name == "kills" {
			n = *kills
		}
	})
	return n
}

const (
	eventBucket  = "crashevents"
	eventWorkers = 6
)

// receivedEvent is what the webhook receiver keeps of one event.
type receivedEvent struct {
	name, key, etag, sequencer string
}

// receiver is a webhook endpoint in the test process: it outlives every
// kill of the server. It refuses a few deliveries, so that the server's
// retries are part of what is tested.
type receiver struct {
	srv *httptest.Server
	mu  sync.Mutex
	got []receivedEvent
	bad []string
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodPost {
			return // a reachability check
		}
		body, _ := io.ReadAll(req.Body)
		if randInt(20) == 0 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		var ev struct {
			Records []struct {
				EventName string `json:"eventName"`
				S3        struct {
					Object struct {
						Key       string `json:"key"`
						ETag      string `json:"eTag"`
						Sequencer string `json:"sequencer"`
					} `json:"object"`
				} `json:"s3"`
			}
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if err := json.Unmarshal(body, &ev); err != nil || len(ev.Records) != 1 {
			r.bad = append(r.bad, string(body))
			return
		}
		rec := ev.Records[0]
		key, err := url.QueryUnescape(rec.S3.Object.Key)
		if err != nil {
			r.bad = append(r.bad, string(body))
			return
		}
		r.got = append(r.got, receivedEvent{name: rec.EventName, key: key, etag: rec.S3.Object.ETag, sequencer: rec.S3.Object.Sequencer})
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) events() ([]receivedEvent, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]receivedEvent(nil), r.got...), append([]string(nil), r.bad...)
}

// writeLog is what the writers did: each key is PUT once (its data is
// unique, so its ETag names the PUT) and perhaps DELETEd once after its
// PUT was acknowledged.
type writeLog struct {
	mu        sync.Mutex
	putAcked  map[string]string // key → ETag
	putCut    map[string]bool   // PUTs cut short by a kill
	delIssued map[string]bool   // key → acknowledged
	deletable []string          // acknowledged PUTs not yet deleted
}

func (l *writeLog) pickDeletable() (string, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.deletable) == 0 {
		return "", false
	}
	i := randInt(len(l.deletable))
	k := l.deletable[i]
	l.deletable = append(l.deletable[:i], l.deletable[i+1:]...)
	l.delIssued[k] = false
	return k, true
}

// TestKillNineEvents: writers PUT new keys and DELETE existing ones while
// the server is killed with SIGKILL again and again. After the last
// restart, the event of every acknowledged write reaches the webhook, so
// does that of every write that committed without its acknowledgment
// reaching the client, and no event names a write that did not commit.
// Events may arrive more than once (delivery is at least once); the
// test counts them.
func TestKillNineEvents(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 harness skipped in -short mode")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "kura")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/kurastore/kura/cmd/kura").CombinedOutput(); err != nil {
		t.Fatalf("building kura: %v\n%s", err, out)
	}
	hook := newReceiver(t)
	key := make([]byte, 10)
	rand.Read(key)
	access, secret := "CRASH"+hex.EncodeToString(key[:5]), hex.EncodeToString(key)
	s := &server{bin: bin, dir: filepath.Join(dir, "data"), env: []string{
		"KURA_ROOT_USER=" + access, "KURA_ROOT_PASSWORD=" + secret,
		"KURA_NOTIFY_WEBHOOK_ENDPOINT_HOOK=" + hook.srv.URL + "/events",
	}}
	s.start(t)
	defer s.kill()
	client := func() *minio.Client {
		c, err := minio.New(s.addr, &minio.Options{Creds: miniocreds.NewStaticV4(access, secret, ""), MaxRetries: 1})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	ctx := context.Background()
	if err := client().MakeBucket(ctx, eventBucket, minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	qc := notification.NewConfig(notification.NewArn("minio", "sqs", "", "hook", "webhook"))
	qc.AddEvents(notification.ObjectCreatedAll, notification.ObjectRemovedAll)
	cfg := notification.Configuration{}
	cfg.AddQueue(qc)
	if err := client().SetBucketNotification(ctx, eventBucket, cfg); err != nil {
		t.Fatal(err)
	}

	wl := &writeLog{putAcked: map[string]string{}, putCut: map[string]bool{}, delIssued: map[string]bool{}}
	rounds := eventKills()
	for round := range rounds {
		mc := client()
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := range eventWorkers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := 0; ; n++ {
					select {
					case <-stop:
						return
					default:
					}
					if randInt(3) == 0 {
						if k, ok := wl.pickDeletable(); ok {
							if mc.RemoveObject(ctx, eventBucket, k, minio.RemoveObjectOptions{}) != nil {
								return // the server is gone: the delete may or may not have landed
							}
							wl.mu.Lock()
							wl.delIssued[k] = true
							wl.mu.Unlock()
							continue
						}
					}
					k := fmt.Sprintf("r%d/w%d/%d", round, w, n)
					data := payload(1 + randInt(2000))
					wl.mu.Lock()
					wl.putCut[k] = true
					wl.mu.Unlock()
					info, err := mc.PutObject(ctx, eventBucket, k, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{DisableMultipart: true})
					if err != nil {
						return
					}
					wl.mu.Lock()
					delete(wl.putCut, k)
					wl.putAcked[k] = info.ETag
					wl.deletable = append(wl.deletable, k)
					wl.mu.Unlock()
				}
			}()
		}
		time.Sleep(time.Duration(100+randInt(600)) * time.Millisecond)
		s.kill()
		close(stop)
		wg.Wait()
		s.start(t)
	}
	checkEvents(t, client(), hook, wl, rounds)
}

type eventID struct{ name, key string }

// checkEvents waits for the events every committed write owes and checks
// that none names a write that did not commit.
func checkEvents(t *testing.T, mc *minio.Client, hook *receiver, wl *writeLog, rounds int) {
	t.Helper()
	ctx := context.Background()
	present := map[string]string{} // key → ETag, at the end
	for o := range mc.ListObjects(ctx, eventBucket, minio.ListObjectsOptions{Recursive: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		present[o.Key] = o.ETag
	}
	wl.mu.Lock()
	defer wl.mu.Unlock()
	// What must arrive: acknowledged writes, and writes cut short whose
	// effect is visible now.
	owed := map[eventID]bool{}
	acked, committedUnacked := 0, 0
	for k := range wl.putAcked {
		owed[eventID{"s3:ObjectCreated:Put", k}] = true
		acked++
	}
	for k := range wl.putCut {
		if _, ok := present[k]; ok {
			owed[eventID{"s3:ObjectCreated:Put", k}] = true
			committedUnacked++
		}
	}
	for k, ok := range wl.delIssued {
		_, there := present[k]
		switch {
		case ok:
			owed[eventID{"s3:ObjectRemoved:Delete", k}] = true
			acked++
		case !there:
			owed[eventID{"s3:ObjectRemoved:Delete", k}] = true
			committedUnacked++
		}
	}
	var got []receivedEvent
	deadline := time.Now().Add(60 * time.Second)
	for {
		var bad []string
		got, bad = hook.events()
		if len(bad) > 0 {
			t.Fatalf("the webhook was sent %d bodies that are not one event, the first: %s", len(bad), bad[0])
		}
		missing := map[eventID]bool{}
		for id := range owed {
			missing[id] = true
		}
		for _, e := range got {
			delete(missing, eventID{e.name, e.key})
		}
		if len(missing) == 0 {
			break
		}
		if time.Now().After(deadline) {
			var some []eventID
			for id := range missing {
				if some = append(some, id); len(some) == 5 {
					break
				}
			}
			t.Fatalf("%d of %d owed events never arrived, among them %v", len(missing), len(owed), some)
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(time.Second) // any event that should not exist has time to arrive too
	got, _ = hook.events()

	seqs := map[string]receivedEvent{}
	byID := map[eventID]string{}
	duplicates := 0
	putArrived := map[string]bool{}
	for _, e := range got {
		if prev, dup := seqs[e.sequencer]; dup {
			if prev != e {
				t.Errorf("sequencer %s names two events: %+v and %+v", e.sequencer, prev, e)
			}
			duplicates++
			continue
		}
		seqs[e.sequencer] = e
		id := eventID{e.name, e.key}
		if other, ok := byID[id]; ok {
			t.Errorf("%s %s was recorded twice, as %s and %s: each write is one event", e.name, e.key, other, e.sequencer)
		}
		byID[id] = e.sequencer
		switch e.name {
		case "s3:ObjectCreated:Put":
			putArrived[e.key] = true
			etag, there := present[e.key]
			_, deleted := wl.delIssued[e.key]
			switch {
			case there && etag == e.etag:
			case deleted && !there && wl.putAcked[e.key] == e.etag:
			default:
				t.Errorf("event %s of %s (ETag %s), a PUT that did not commit: present %v (ETag %s), delete issued %v", e.name, e.key, e.etag, there, etag, deleted)
			}
		case "s3:ObjectRemoved:Delete":
			// In order: a key's PUT arrived first (redeliveries aside).
			if !putArrived[e.key] {
				t.Errorf("the DELETE of %s arrived before its PUT", e.key)
			}
			_, there := present[e.key]
			if _, issued := wl.delIssued[e.key]; !issued || there {
				t.Errorf("event %s of %s, a DELETE that did not commit: issued %v, key present %v", e.name, e.key, issued, there)
			}
		default:
			t.Errorf("unexpected event %s of %s", e.name, e.key)
		}
	}
	t.Logf("%d kills: %d acknowledged writes, %d unacknowledged but committed, %d events delivered (%d distinct), %d duplicates",
		rounds, acked, committedUnacked, len(got), len(seqs), duplicates)
}
