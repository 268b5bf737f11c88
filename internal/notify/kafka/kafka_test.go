package kafka

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kurastore/kura/internal/notify"
	"github.com/kurastore/kura/internal/notify/targettest"
)

// Kafka has no Debian package: the tests run against franz-go's
// in-process cluster, which speaks the Kafka protocol on real sockets.

func newCluster(t *testing.T, opts ...kfake.Opt) *kfake.Cluster {
	t.Helper()
	opts = append([]kfake.Opt{kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(1)}, opts...)
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

var topicSeq atomic.Int64

func nextTopic() string { return fmt.Sprintf("events-%d", topicSeq.Add(1)) }

func config(settings map[string]string) notify.Config {
	return notify.Config{Type: "kafka", Name: "t1", Settings: settings}
}

func openTarget(t *testing.T, settings map[string]string) notify.Target {
	t.Helper()
	return targettest.Open(t, "kafka", settings)
}

// reader consumes a topic from its start, keeping what it has read.
type reader struct {
	client *kgo.Client
	got    []*kgo.Record
}

func newReader(t *testing.T, brokers []string, topic string, opts ...kgo.Opt) *reader {
	t.Helper()
	opts = append([]kgo.Opt{kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart())}, opts...)
	client, err := kgo.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(client.Close)
	return &reader{client: client}
}

// read polls for new records for a moment and returns all read so far.
func (r *reader) read(t *testing.T) []*kgo.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	fetches := r.client.PollFetches(ctx)
	fetches.EachError(func(topic string, p int32, err error) {
		if err != context.DeadlineExceeded {
			t.Logf("fetching %s/%d: %v", topic, p, err)
		}
	})
	r.got = append(r.got, fetches.Records()...)
	return r.got
}

func inTime(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestConformance(t *testing.T) {
	c := newCluster(t)
	brokers := c.ListenAddrs()
	var r *reader
	targettest.Run(t, targettest.Suite{
		Open: func(t *testing.T) notify.Target {
			topic := nextTopic()
			r = newReader(t, brokers, topic)
			return openTarget(t, map[string]string{"brokers": strings.Join(brokers, ","), "topic": topic})
		},
		Fetch: func(t *testing.T) []targettest.Got {
			var values [][]byte
			for _, rec := range r.read(t) {
				values = append(values, rec.Value)
			}
			return targettest.GotOf(t, values)
		},
		Unreachable: func(t *testing.T) notify.Target {
			return openTarget(t, map[string]string{"brokers": targettest.ClosedAddress(t), "topic": "events"})
		},
	})
}

// A record is keyed by "bucket/object" and holds Message.Body(), however
// long ago the event happened (the outbox may retry it much later).
func TestRecordFormat(t *testing.T) {
	c := newCluster(t)
	topic := nextTopic()
	tg := openTarget(t, map[string]string{"brokers": strings.Join(c.ListenAddrs(), ","), "topic": topic})
	defer tg.Close()
	m := targettest.Message("s3:ObjectCreated:Put", "dir/é x", false)
	m.Time = time.Date(2026, 3, 4, 5, 6, 7, 891000000, time.UTC)
	if err := tg.Send(inTime(t), []notify.Message{m}); err != nil {
		t.Fatal(err)
	}
	r := newReader(t, c.ListenAddrs(), topic)
	var got []*kgo.Record
	for deadline := time.Now().Add(15 * time.Second); len(got) == 0 && time.Now().Before(deadline); {
		got = r.read(t)
	}
	if len(got) != 1 {
		t.Fatalf("%d records, want 1", len(got))
	}
	rec := got[0]
	if string(rec.Key) != "b/dir/é x" || !bytes.Equal(rec.Value, m.Body()) {
		t.Errorf("record key %q, value %s; want b/dir/é x, %s", rec.Key, rec.Value, m.Body())
	}
}

// With many partitions, each object's events land in one partition, in
// the order they were sent.
func TestObjectOrderAcrossPartitions(t *testing.T) {
	topic := nextTopic()
	c := newCluster(t, kfake.SeedTopics(4, topic))
	tg := openTarget(t, map[string]string{"brokers": strings.Join(c.ListenAddrs(), ","), "topic": topic})
	defer tg.Close()
	var msgs []notify.Message
	const perKey = 10
	keys := []string{"k0", "k1", "k2", "k3", "k4", "k5"}
	for i := range perKey {
		for _, k := range keys {
			msgs = append(msgs, targettest.Message(fmt.Sprintf("s3:ObjectCreated:Put%d", i), k, false))
		}
	}
	if err := tg.Send(inTime(t), msgs); err != nil {
		t.Fatal(err)
	}
	r := newReader(t, c.ListenAddrs(), topic)
	var got []*kgo.Record
	for deadline := time.Now().Add(15 * time.Second); len(got) < len(msgs) && time.Now().Before(deadline); {
		got = r.read(t)
	}
	if len(got) != len(msgs) {
		t.Fatalf("%d records, want %d", len(got), len(msgs))
	}
	partition := map[string]int32{}
	next := map[string]int{}
	used := map[int32]bool{}
	for _, rec := range got {
		k := string(rec.Key)
		if p, ok := partition[k]; ok && p != rec.Partition {
			t.Errorf("key %s in partitions %d and %d", k, p, rec.Partition)
		}
		partition[k] = rec.Partition
		used[rec.Partition] = true
		var body struct{ EventName string }
		json.Unmarshal(rec.Value, &body)
		if want := fmt.Sprintf("s3:ObjectCreated:Put%d", next[k]); body.EventName != want {
			t.Errorf("key %s: event %s, want %s", k, body.EventName, want)
		}
		next[k]++
	}
	if len(used) < 2 {
		t.Errorf("%d keys all went to one partition of 4", len(keys))
	}
}

func TestSASL(t *testing.T) {
	const user, pass = "kura", "kafka-S3cret"
	for _, mech := range []struct{ setting, kfake string }{
		{"plain", "PLAIN"}, {"scram-sha-256", "SCRAM-SHA-256"}, {"scram-sha-512", "SCRAM-SHA-512"},
	} {
		t.Run(mech.setting, func(t *testing.T) {
			c := newCluster(t, kfake.EnableSASL(), kfake.Superuser(mech.kfake, user, pass))
			brokers := strings.Join(c.ListenAddrs(), ",")
			good := openTarget(t, map[string]string{"brokers": brokers, "topic": nextTopic(),
				"sasl-username": user, "sasl-password": pass, "sasl-mechanism": mech.setting})
			defer good.Close()
			if err := good.Ping(inTime(t)); err != nil {
				t.Fatalf("Ping: %v", err)
			}
			if err := good.Send(inTime(t), []notify.Message{targettest.Message("s3:ObjectCreated:Put", "a", false)}); err != nil {
				t.Fatalf("Send: %v", err)
			}
			for name, settings := range map[string]map[string]string{
				"wrong password": {"sasl-username": user, "sasl-password": "Wrong-Pa55", "sasl-mechanism": mech.setting},
				"no SASL":        {},
			} {
				settings["brokers"], settings["topic"] = brokers, nextTopic()
				tg := openTarget(t, settings)
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				err := tg.Ping(ctx)
				cancel()
				tg.Close()
				if err == nil {
					t.Errorf("%s: Ping succeeded", name)
				} else if strings.Contains(err.Error(), "Wrong-Pa55") {
					t.Errorf("%s: error %q shows the password", name, err)
				}
			}
		})
	}
}

// serverCert loads a test CA's certificate for 127.0.0.1, and a pool
// that trusts the CA.
func serverCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	certs := targettest.Certificates(t)
	cert, err := tls.LoadX509KeyPair(certs.ServerCert, certs.ServerKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := os.ReadFile(certs.CA)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		t.Fatalf("no certificate in %s", certs.CA)
	}
	return cert, pool
}

// --tls on speaks TLS and verifies the broker's certificate against the
// system's CAs: a test CA's certificate is refused until trusted.
func TestTLS(t *testing.T) {
	cert, pool := serverCert(t)
	c := newCluster(t, kfake.TLS(&tls.Config{Certificates: []tls.Certificate{cert}}))
	settings := map[string]string{"brokers": strings.Join(c.ListenAddrs(), ","), "topic": nextTopic(), "tls": "on"}
	untrusted := openTarget(t, settings)
	defer untrusted.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := untrusted.Ping(ctx); err == nil {
		t.Error("Ping trusted a certificate no system CA signed")
	}

	topic, opts, err := options(config(settings))
	if err != nil {
		t.Fatal(err)
	}
	trusted, err := openWith(topic, append(opts, kgo.DialTLSConfig(&tls.Config{RootCAs: pool}))...)
	if err != nil {
		t.Fatal(err)
	}
	defer trusted.Close()
	if err := trusted.Ping(inTime(t)); err != nil {
		t.Fatalf("Ping over TLS: %v", err)
	}
	if err := trusted.Send(inTime(t), []notify.Message{targettest.Message("s3:ObjectCreated:Put", "a", false)}); err != nil {
		t.Fatalf("Send over TLS: %v", err)
	}

	settings["tls"] = "off"
	plain := openTarget(t, settings)
	defer plain.Close()
	ctx2, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel2()
	if err := plain.Ping(ctx2); err == nil {
		t.Error("Ping without TLS to a TLS broker succeeded")
	}
}

func TestOpenRefuses(t *testing.T) {
	ok := func(s map[string]string) map[string]string {
		out := map[string]string{"brokers": "127.0.0.1:9092", "topic": "events"}
		for k, v := range s {
			out[k] = v
		}
		return out
	}
	long := strings.Repeat("t", maxTopicLen)
	for _, s := range []map[string]string{
		ok(nil),
		ok(map[string]string{"brokers": "k1:9092, k2:9093,[::1]:1"}),
		ok(map[string]string{"topic": long}),
		ok(map[string]string{"topic": "a.b_c-D9"}),
		ok(map[string]string{"sasl-username": "u", "sasl-password": "p", "sasl-mechanism": "scram-sha-512", "tls": "on"}),
	} {
		tg, err := open(config(s))
		if err != nil {
			t.Errorf("settings %v refused: %v", s, err)
			continue
		}
		tg.Close()
	}
	for _, s := range []map[string]string{
		ok(map[string]string{"brokers": "k1"}),
		ok(map[string]string{"brokers": ":9092"}),
		ok(map[string]string{"brokers": "k1:0"}),
		ok(map[string]string{"brokers": "k1:65536"}),
		ok(map[string]string{"brokers": "k1:http"}),
		ok(map[string]string{"brokers": "k1:9092,,k2:9092"}),
		ok(map[string]string{"topic": long + "t"}),
		ok(map[string]string{"topic": "."}),
		ok(map[string]string{"topic": ".."}),
		ok(map[string]string{"topic": "a/b"}),
		ok(map[string]string{"topic": "événements"}),
		ok(map[string]string{"sasl-username": "u", "sasl-password": "p", "sasl-mechanism": "gssapi"}),
		ok(map[string]string{"sasl-password": "p-S3cret"}),
		ok(map[string]string{"tls": "yes"}),
	} {
		tg, err := open(config(s))
		if err == nil {
			tg.Close()
			t.Errorf("settings %v accepted", s)
			continue
		}
		if strings.Contains(err.Error(), "S3cret") {
			t.Errorf("error %q shows the password", err)
		}
	}
	if _, err := config(ok(map[string]string{"exchange": "x"})).Check(); err == nil {
		t.Error("an unknown setting was accepted")
	}
	if _, err := config(map[string]string{"brokers": "k:1"}).Check(); err == nil {
		t.Error("a config without --topic was accepted")
	}
}

// A target opened while the cluster is down works once it is up, and
// again after it restarts.
func TestRestart(t *testing.T) {
	dir := t.TempDir()
	port := targettest.FreePort(t)
	topic := nextTopic()
	var c *kfake.Cluster
	start := func() {
		var err error
		c, err = kfake.NewCluster(kfake.NumBrokers(1), kfake.Ports(port), kfake.DataDir(dir), kfake.SeedTopics(1, topic))
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		if c != nil {
			c.Close()
		}
	})
	tg := openTarget(t, map[string]string{"brokers": fmt.Sprintf("127.0.0.1:%d", port), "topic": topic})
	targettest.CheckRestart(t, tg, func() { c.Close() }, start, 30*time.Second)
	r := newReader(t, c.ListenAddrs(), topic)
	var keys []string
	for deadline := time.Now().Add(15 * time.Second); len(keys) < 2 && time.Now().Before(deadline); {
		keys = keys[:0]
		for _, rec := range r.read(t) {
			keys = append(keys, string(rec.Key))
		}
	}
	if fmt.Sprint(keys) != "[b/one b/two]" {
		t.Errorf("topic holds %v, want [b/one b/two]", keys)
	}
}
