package redis

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/kurastore/kura/internal/notify"
	"github.com/kurastore/kura/internal/notify/targettest"
)

const redisServer = "/usr/bin/redis-server"

// server is a redis-server of the test's own, in a temporary directory,
// on a 127.0.0.1 port.
type server struct{ *targettest.Process }

// startServer starts redis-server with the extra arguments, and stops it
// when the test ends.
func startServer(t *testing.T, args ...string) *server {
	t.Helper()
	return startServerTLS(t, nil, args...)
}

// startServerTLS is startServer with TLS when certs is not nil: the
// server then takes only TLS, and demands a client certificate.
func startServerTLS(t *testing.T, certs *targettest.CertFiles, args ...string) *server {
	t.Helper()
	dir := t.TempDir()
	return &server{targettest.StartProcess(t, redisServer, "redis-server", func(port int) (*exec.Cmd, string, error) {
		all := []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir,
			"--save", "", "--appendonly", "no", "--logfile", "redis.log"}
		if certs != nil {
			all = append(all, "--port", "0", "--tls-port", strconv.Itoa(port), "--tls-cert-file", certs.ServerCert,
				"--tls-key-file", certs.ServerKey, "--tls-ca-cert-file", certs.CA, "--tls-auth-clients", "yes")
		}
		cmd := exec.Command(redisServer, append(all, args...)...)
		cmd.Dir = dir
		return cmd, filepath.Join(dir, "redis.log"), nil
	})}
}

// client is the test's own connection to the server.
func (s *server) client(t *testing.T, user, password string) *goredis.Client {
	c := goredis.NewClient(&goredis.Options{Addr: s.Addr(), Username: user, Password: password, Protocol: 2, DisableIdentity: true})
	t.Cleanup(func() { c.Close() })
	return c
}

func openTarget(t *testing.T, settings map[string]string) notify.Target {
	t.Helper()
	return targettest.Open(t, "redis", settings)
}

var keys atomic.Int64

func freshKey() string { return fmt.Sprintf("events-%d", keys.Add(1)) }

// eventOf returns the event name and "bucket/object" of a record.
func eventOf(t *testing.T, rec json.RawMessage) targettest.Got {
	var r struct {
		EventName string `json:"eventName"`
		S3        struct {
			Bucket struct{ Name string } `json:"bucket"`
			Object struct{ Key string }  `json:"object"`
		} `json:"s3"`
	}
	if err := json.Unmarshal(rec, &r); err != nil {
		t.Fatalf("record %s: %v", rec, err)
	}
	return targettest.Got{EventName: "s3:" + r.EventName, Key: r.S3.Bucket.Name + "/" + r.S3.Object.Key}
}

// accessEntries reads an access-format list.
func accessEntries(t *testing.T, c *goredis.Client, key string) [][]struct {
	Event     []json.RawMessage
	EventTime string
} {
	vals, err := c.LRange(context.Background(), key, 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	var entries [][]struct {
		Event     []json.RawMessage
		EventTime string
	}
	for _, v := range vals {
		var e []struct {
			Event     []json.RawMessage
			EventTime string
		}
		if err := json.Unmarshal([]byte(v), &e); err != nil {
			t.Fatalf("list element %s: %v", v, err)
		}
		entries = append(entries, e)
	}
	return entries
}

func TestConformanceNamespace(t *testing.T) {
	s := startServer(t)
	c := s.client(t, "", "")
	var key string
	targettest.Run(t, targettest.Suite{
		Open: func(t *testing.T) notify.Target {
			key = freshKey()
			return openTarget(t, map[string]string{"address": s.Addr(), "key": key})
		},
		State: func(t *testing.T) map[string]string {
			fields, err := c.HGetAll(context.Background(), key).Result()
			if err != nil {
				t.Fatal(err)
			}
			state := map[string]string{}
			for k, v := range fields {
				var value struct{ Records []json.RawMessage }
				if err := json.Unmarshal([]byte(v), &value); err != nil || len(value.Records) != 1 {
					t.Fatalf("field %s: value %s: %v", k, v, err)
				}
				state[k] = eventOf(t, value.Records[0]).EventName
			}
			return state
		},
		Unreachable: func(t *testing.T) notify.Target {
			return openTarget(t, map[string]string{"address": targettest.ClosedAddress(t), "key": "k"})
		},
	})
}

func TestConformanceAccess(t *testing.T) {
	s := startServer(t)
	c := s.client(t, "", "")
	var key string
	targettest.Run(t, targettest.Suite{
		Open: func(t *testing.T) notify.Target {
			key = freshKey()
			return openTarget(t, map[string]string{"address": s.Addr(), "key": key, "format": "access"})
		},
		Fetch: func(t *testing.T) []targettest.Got {
			var got []targettest.Got
			for _, e := range accessEntries(t, c, key) {
				if len(e) != 1 || len(e[0].Event) != 1 {
					t.Fatalf("list element %v: want one entry of one record", e)
				}
				got = append(got, eventOf(t, e[0].Event[0]))
			}
			return got
		},
		Unreachable: func(t *testing.T) notify.Target {
			return openTarget(t, map[string]string{"address": targettest.ClosedAddress(t), "key": "k", "format": "access"})
		},
	})
}

// The stored values are exactly MinIO's: the namespace value is
// {"Records": [record]}, the access element
// [{"Event": [record], "EventTime": RFC 3339}].
func TestFormats(t *testing.T) {
	s := startServer(t)
	c := s.client(t, "", "")
	ctx := context.Background()
	m := targettest.Message("s3:ObjectCreated:Put", "dir/obj", false)

	ns := openTarget(t, map[string]string{"address": s.Addr(), "key": "ns"})
	if err := targettest.Send(ns, m); err != nil {
		t.Fatal(err)
	}
	if v, err := c.HGet(ctx, "ns", "b/dir/obj").Result(); err != nil || v != string(m.Records()) {
		t.Errorf("namespace value %s (%v), want %s", v, err, m.Records())
	}

	access := openTarget(t, map[string]string{"address": s.Addr(), "key": "log", "format": "access"})
	if err := targettest.Send(access, m, m); err != nil {
		t.Fatal(err)
	}
	entries := accessEntries(t, c, "log")
	if len(entries) != 2 {
		t.Fatalf("%d list elements, want 2: one per event sent", len(entries))
	}
	e := entries[0]
	if len(e) != 1 || len(e[0].Event) != 1 || string(e[0].Event[0]) != string(m.Record) {
		t.Fatalf("access element %v, want the one record", e)
	}
	if when, err := time.Parse(time.RFC3339, e[0].EventTime); err != nil || !when.Equal(m.Time) {
		t.Errorf("EventTime %q (%v), want %v", e[0].EventTime, err, m.Time)
	}
}

func TestPassword(t *testing.T) {
	s := startServer(t, "--requirepass", "server-pw", "--user", "alice", "on", ">alice-pw", "~*", "&*", "+@all")
	for name, tc := range map[string]struct {
		user, password string
		ok             bool
	}{
		"requirepass":    {"", "server-pw", true},
		"ACL user":       {"alice", "alice-pw", true},
		"no password":    {"", "", false},
		"wrong password": {"alice", "wrong-pw-s3cret", false},
	} {
		tg := openTarget(t, map[string]string{"address": s.Addr(), "key": "k", "user": tc.user, "password": tc.password})
		targettest.CheckPingAndSend(t, name, tg, 10*time.Second, tc.ok, "s3cret")
	}
}

func TestPingWrongType(t *testing.T) {
	s := startServer(t)
	c := s.client(t, "", "")
	ctx := context.Background()
	c.Set(ctx, "str", "x", 0)
	c.RPush(ctx, "list", "x")
	c.HSet(ctx, "hash", "f", "x")
	for _, tc := range []struct {
		key, format string
		ok          bool
	}{
		{"str", "namespace", false}, {"str", "access", false},
		{"list", "namespace", false}, {"list", "access", true},
		{"hash", "namespace", true}, {"hash", "access", false},
		{"none", "namespace", true}, {"none", "access", true},
	} {
		tg := openTarget(t, map[string]string{"address": s.Addr(), "key": tc.key, "format": tc.format})
		if err := tg.Ping(ctx); (err == nil) != tc.ok {
			t.Errorf("key %s, format %s: Ping: %v", tc.key, tc.format, err)
		}
	}
}

// A target opened while the server is down works once it is up, and
// again after the server restarts.
func TestReconnect(t *testing.T) {
	s := startServer(t)
	s.Stop()
	tg := openTarget(t, map[string]string{"address": s.Addr(), "key": "k", "format": "access"})
	m := targettest.Message("s3:ObjectCreated:Put", "k", false)
	targettest.CheckReconnect(t, s.Process, tg, m, func(i int) {
		if err := targettest.Send(tg, m); err != nil {
			t.Fatalf("Send after start %d: %v", i, err)
		}
		if n := len(accessEntries(t, s.client(t, "", ""), "k")); n != 1 {
			t.Fatalf("after start %d: %d list elements, want 1", i, n)
		}
	})
}

func TestTLS(t *testing.T) {
	certs := targettest.Certificates(t)
	s := startServerTLS(t, &certs)
	for name, tc := range map[string]struct {
		settings map[string]string
		ok       bool
	}{
		"client certificate":    {map[string]string{"tls": "on", "ca-cert": certs.CA, "client-cert": certs.ClientCert, "client-key": certs.ClientKey}, true},
		"no client certificate": {map[string]string{"tls": "on", "ca-cert": certs.CA}, false},
		"server not trusted":    {map[string]string{"tls": "on", "client-cert": certs.ClientCert, "client-key": certs.ClientKey}, false},
		"no TLS":                {map[string]string{}, false},
	} {
		tc.settings["address"], tc.settings["key"] = s.Addr(), "k"
		tg := openTarget(t, tc.settings)
		targettest.CheckPingAndSend(t, name, tg, 5*time.Second, tc.ok, "")
	}
}

// syncBuffer is a log destination safe for the client's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// The client's complaint about each failed dial goes to slog at debug
// level, not to the standard logger.
func TestClientLogsAtDebug(t *testing.T) {
	var buf syncBuffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	defer slog.SetDefault(old)
	tg := openTarget(t, map[string]string{"address": targettest.ClosedAddress(t), "key": "k"})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := tg.Ping(ctx); err == nil {
		t.Fatal("Ping of a closed port succeeded")
	}
	if got := buf.String(); !strings.Contains(got, "level=DEBUG") || !strings.Contains(got, "redis client: ") {
		t.Errorf("slog received %q, want the client's failed dial at debug level", got)
	}
}

func TestOpenRefusesBadSettings(t *testing.T) {
	certs := targettest.Certificates(t)
	targettest.CheckRefusals(t, "redis", map[string]map[string]string{
		"CA without TLS":          {"address": "127.0.0.1:6379", "key": "k", "ca-cert": certs.CA},
		"client cert without TLS": {"address": "127.0.0.1:6379", "key": "k", "client-cert": certs.ClientCert, "client-key": certs.ClientKey},
		"cert without key":        {"address": "127.0.0.1:6379", "key": "k", "tls": "on", "client-cert": certs.ClientCert},
		"CA file missing":         {"address": "127.0.0.1:6379", "key": "k", "tls": "on", "ca-cert": certs.CA + ".none"},
		"no port":                 {"address": "127.0.0.1", "key": "k"},
		"bad format":              {"address": "127.0.0.1:6379", "key": "k", "format": "hash"},
		"bad tls":                 {"address": "127.0.0.1:6379", "key": "k", "tls": "yes please"},
	}, map[string]map[string]string{
		"unknown setting": {"address": "127.0.0.1:6379", "key": "k", "db": "1"},
		"no key":          {"address": "127.0.0.1:6379"},
		"no address":      {"key": "k"},
	})
}
