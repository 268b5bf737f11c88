package integration

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/notification"

	"github.com/kurastore/kura/admin"
)

// The event notifications of gateways sharing one PostgreSQL database:
// one gateway at a time delivers to a target (it holds the target's
// lease), whatever gateway the write went through; when it dies another
// takes over; and a listener on any gateway sees the writes of all.

// hookEnv configures the webhook target "hook" on every gateway.
func hookEnv(h *hook) []string {
	return []string{"KURA_NOTIFY_WEBHOOK_ENDPOINT_HOOK=" + h.srv.URL}
}

// sendToHook makes bucket through g and sends its object creations and
// removals to the webhook target "hook".
func sendToHook(t *testing.T, g *server, bucket string) {
	t.Helper()
	mc := newMinioClient(t, g)
	if err := mc.MakeBucket(ctx(t), bucket, minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	qc := notification.NewConfig(notification.NewArn("minio", "sqs", "", "hook", "webhook"))
	qc.AddEvents(notification.ObjectCreatedAll, notification.ObjectRemovedAll)
	cfg := notification.Configuration{}
	cfg.AddQueue(qc)
	if err := mc.SetBucketNotification(ctx(t), bucket, cfg); err != nil {
		t.Fatal(err)
	}
}

// expectedEvents is, per object, the events its writes owe, in the
// order the writes were acknowledged: "name etag".
type expectedEvents struct {
	mu    sync.Mutex
	byKey map[string][]string
	n     int
}

func (x *expectedEvents) add(key, name, etag string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.byKey == nil {
		x.byKey = map[string][]string{}
	}
	x.byKey[key] = append(x.byKey[key], name+" "+etag)
	x.n++
}

// check compares what the webhook got with what the writes owe: every
// event once (no sequencer twice), and in order per object.
func (x *expectedEvents) check(t *testing.T, bucket string, got []hookEvent) {
	t.Helper()
	x.mu.Lock()
	defer x.mu.Unlock()
	seen := map[string]bool{}
	byKey := map[string][]string{}
	for _, e := range got {
		o := e.Records[0].S3.Object
		if seen[o.Sequencer] {
			t.Errorf("%s %s (sequencer %s) was delivered twice", e.EventName, e.Key, o.Sequencer)
			continue
		}
		seen[o.Sequencer] = true
		key, ok := strings.CutPrefix(e.Key, bucket+"/")
		if !ok {
			t.Errorf("event of another bucket: %s", e.Key)
			continue
		}
		etag := o.ETag
		if e.EventName == "s3:ObjectRemoved:Delete" {
			etag = ""
		}
		byKey[key] = append(byKey[key], e.EventName+" "+etag)
	}
	if len(got) != x.n {
		t.Errorf("the webhook got %d events, want %d", len(got), x.n)
	}
	for key, want := range x.byKey {
		if fmt.Sprint(byKey[key]) != fmt.Sprint(want) {
			t.Errorf("%s: delivered %q, want %q", key, byKey[key], want)
		}
	}
}

// writeThroughGateways writes keys objects, each rounds times and then
// deleted, every write through the next gateway; the objects are written
// at the same time, each one's writes one after the other.
func writeThroughGateways(t *testing.T, gws []*server, bucket, prefix string, keys, rounds int, x *expectedEvents) {
	t.Helper()
	clients := make([]*minio.Client, len(gws))
	for i, g := range gws {
		clients[i] = newMinioClient(t, g)
	}
	c := ctx(t)
	var wg sync.WaitGroup
	for k := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := fmt.Sprintf("%s%02d", prefix, k)
			for r := range rounds {
				data := fmt.Sprintf("%s round %d %s", key, r, randomHex(4))
				info, err := clients[(k+r)%len(clients)].PutObject(c, bucket, key, strings.NewReader(data), int64(len(data)), minio.PutObjectOptions{})
				if err != nil {
					t.Error(err)
					return
				}
				x.add(key, "s3:ObjectCreated:Put", info.ETag)
			}
			if err := clients[(k+rounds)%len(clients)].RemoveObject(c, bucket, key, minio.RemoveObjectOptions{}); err != nil {
				t.Error(err)
				return
			}
			x.add(key, "s3:ObjectRemoved:Delete", "")
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
}

// TestNotifyGatewaysDeliverOnceInOrder: writes through every gateway
// reach the webhook once each, in order per object.
func TestNotifyGatewaysDeliverOnceInOrder(t *testing.T) {
	if testing.Short() {
		t.Skip("scale-out test skipped in -short mode")
	}
	h := newHook(t)
	gws, _ := gatewaysEnv(t, 3, hookEnv(h))
	sendToHook(t, gws[0], "once")
	var x expectedEvents
	writeThroughGateways(t, gws, "once", "k", 12, 5, &x)
	x.check(t, "once", h.waitEvents(t, x.n))
}

// leaseHolder is the one gateway that delivers to the target (holds its
// lease); it fails if more than one says it does.
func leaseHolder(t *testing.T, gws []*server) int {
	t.Helper()
	holder := -1
	deadline := time.Now().Add(30 * time.Second)
	for holder < 0 {
		if time.Now().After(deadline) {
			t.Fatal("no gateway tried to deliver to the webhook")
		}
		time.Sleep(100 * time.Millisecond)
		for i, g := range gws {
			if g == nil {
				continue
			}
			ac, err := admin.New(g.addr, g.accessKey, g.secretKey, false)
			if err != nil {
				t.Fatal(err)
			}
			ts, err := ac.NotifyTargets(ctx(t), false)
			if err != nil || len(ts) != 1 {
				t.Fatalf("gateway %d: targets %+v, %v", i, ts, err)
			}
			if !ts[0].Delivering {
				continue
			}
			if holder >= 0 {
				t.Fatalf("gateways %d and %d both delivered to one target", holder, i)
			}
			holder = i
		}
	}
	return holder
}

// TestNotifyGatewayLeaseTakeover: while the webhook is down, the gateway
// delivering to it is killed; when the webhook is back, another gateway
// delivers every event, the dead one's included, once each.
func TestNotifyGatewayLeaseTakeover(t *testing.T) {
	if testing.Short() {
		t.Skip("scale-out test skipped in -short mode")
	}
	h := newHook(t)
	h.setFail(true)
	gws, _ := gatewaysEnv(t, 3, hookEnv(h))
	sendToHook(t, gws[0], "takeover")
	var x expectedEvents
	writeThroughGateways(t, gws, "takeover", "before", 6, 2, &x)
	dead := leaseHolder(t, gws)
	gws[dead].kill9()
	t.Logf("killed gateway %d, which held the lease", dead)
	var live []*server
	for i, g := range gws {
		if i != dead {
			live = append(live, g)
		}
	}
	writeThroughGateways(t, live, "takeover", "after", 6, 2, &x)
	h.setFail(false)
	// The dead gateway's lease runs out 15 s after it last renewed it.
	x.check(t, "takeover", h.waitEvents(t, x.n))
}

// TestNotifyListenAcrossGateways: a listener connected to one gateway
// sees the writes made through the others, each once and in order.
func TestNotifyListenAcrossGateways(t *testing.T) {
	if testing.Short() {
		t.Skip("scale-out test skipped in -short mode")
	}
	gws, _ := gateways(t, 3)
	c := ctx(t)
	mc := newMinioClient(t, gws[0])
	if err := mc.MakeBucket(c, "listened", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	lctx, cancel := context.WithCancel(c)
	defer cancel()
	events := mc.ListenBucketNotification(lctx, "listened", "", "", []string{"s3:ObjectCreated:*", "s3:ObjectRemoved:*"})
	got := make(chan notification.Event, 1000)
	go func() {
		for n := range events {
			if n.Err != nil {
				if lctx.Err() == nil { // not the test's end
					t.Error(n.Err)
				}
				return
			}
			for _, r := range n.Records {
				got <- r
			}
		}
	}()
	// The listener streams what happens after it connects, which the
	// client does not report: write through another gateway until one
	// event arrives.
	other := newMinioClient(t, gws[1])
	connected := false
	for i := 0; !connected; i++ {
		if i == 100 {
			t.Fatal("the listener saw none of 100 writes through another gateway")
		}
		if _, err := other.PutObject(c, "listened", fmt.Sprintf("warmup/%d", i), strings.NewReader("w"), 1, minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
		select {
		case <-got:
			connected = true
		case <-time.After(200 * time.Millisecond):
		}
	}
	time.Sleep(time.Second) // the warm-up's late events
	for len(got) > 0 {
		<-got
	}
	var x expectedEvents
	writeThroughGateways(t, gws[1:], "listened", "k", 8, 3, &x)
	var recs []hookEvent
	deadline := time.After(30 * time.Second)
	for len(recs) < x.n {
		select {
		case r := <-got:
			var rec hookRecord
			rec.EventName = r.EventName
			rec.S3.Object.ETag, rec.S3.Object.Sequencer = r.S3.Object.ETag, r.S3.Object.Sequencer
			key, err := url.QueryUnescape(r.S3.Object.Key)
			if err != nil {
				t.Fatal(err)
			}
			e := hookEvent{EventName: r.EventName, Key: "listened/" + key, Records: []hookRecord{rec}}
			recs = append(recs, e)
		case <-deadline:
			t.Fatalf("the listener got %d of %d events", len(recs), x.n)
		}
	}
	time.Sleep(500 * time.Millisecond)
	if len(got) > 0 {
		t.Errorf("%d events more than the writes made", len(got))
	}
	x.check(t, "listened", recs)
}

// TestNotifyGatewaySlowWebhookOneDeliverer: a backlog that takes a slow
// webhook longer than a lease term to accept is still delivered by one
// gateway at a time: once each, in order.
func TestNotifyGatewaySlowWebhookOneDeliverer(t *testing.T) {
	if testing.Short() {
		t.Skip("scale-out test skipped in -short mode")
	}
	h := newHook(t)
	h.setFail(true)
	gws, _ := gatewaysEnv(t, 2, hookEnv(h))
	sendToHook(t, gws[0], "slow")
	var x expectedEvents
	writeThroughGateways(t, gws, "slow", "k", 20, 3, &x) // 80 events
	leaseHolder(t, gws)
	// 80 events at a quarter second each: 20 s, past the 15 s lease.
	h.setDelay(250 * time.Millisecond)
	h.setFail(false)
	x.check(t, "slow", h.waitEvents(t, x.n))
}

// TestNotifyListenReadsAcrossGateways: a listener for reads' events on
// one gateway sees the reads made through another. A read records its
// event only when something wants it, so every gateway must know what
// the listeners on the others want.
func TestNotifyListenReadsAcrossGateways(t *testing.T) {
	if testing.Short() {
		t.Skip("scale-out test skipped in -short mode")
	}
	gws, _ := gateways(t, 2)
	c := ctx(t)
	mc, other := newMinioClient(t, gws[0]), newMinioClient(t, gws[1])
	if err := mc.MakeBucket(c, "reads", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := mc.PutObject(c, "reads", "doc", strings.NewReader("x"), 1, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	lctx, cancel := context.WithCancel(c)
	defer cancel()
	events := mc.ListenBucketNotification(lctx, "reads", "", "", []string{"s3:ObjectAccessed:*"})
	// Read through the other gateway until the listener sees a read: the
	// other gateway learns of the listener within a few seconds.
	deadline := time.Now().Add(20 * time.Second)
	for {
		if time.Now().After(deadline) {
			t.Fatal("the listener saw none of the reads through another gateway")
		}
		if _, err := other.StatObject(c, "reads", "doc", minio.StatObjectOptions{}); err != nil {
			t.Fatal(err)
		}
		select {
		case n := <-events:
			if n.Err != nil {
				t.Fatal(n.Err)
			}
			if r := n.Records[0]; r.EventName != "s3:ObjectAccessed:Head" || r.S3.Object.Key != "doc" {
				t.Fatalf("the listener got %s %s", r.EventName, r.S3.Object.Key)
			}
			return
		case <-time.After(500 * time.Millisecond):
		}
	}
}
