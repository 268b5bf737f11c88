package nats

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	gonats "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/kurastore/kura/internal/notify"
	"github.com/kurastore/kura/internal/notify/targettest"
)

const natsServer = "/usr/sbin/nats-server"

// server is a nats-server of the test's own, with JetStream storing in a
// temporary directory, on a 127.0.0.1 port.
type server struct{ *targettest.Process }

// startServer starts nats-server with the extra arguments, and stops it
// when the test ends.
func startServer(t *testing.T, args ...string) *server {
	t.Helper()
	dir := t.TempDir()
	return &server{targettest.StartProcess(t, natsServer, "nats-server", func(port int) (*exec.Cmd, string, error) {
		logFile := filepath.Join(dir, "nats.log")
		all := []string{"-a", "127.0.0.1", "-p", strconv.Itoa(port), "-js", "-sd", dir, "-l", logFile}
		return exec.Command(natsServer, append(all, args...)...), logFile, nil
	})}
}

// client is the test's own connection to the server.
func (s *server) client(t *testing.T, opts ...gonats.Option) *gonats.Conn {
	t.Helper()
	nc, err := gonats.Connect("nats://"+s.Addr(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// subscribe collects what subject receives.
func subscribe(t *testing.T, nc *gonats.Conn, subject string) *targettest.Inbox {
	t.Helper()
	sub := &targettest.Inbox{}
	_, err := nc.Subscribe(subject, func(m *gonats.Msg) { sub.Add(m.Data) })
	if err != nil {
		t.Fatal(err)
	}
	// The subscription is in place at the server once it answers.
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	return sub
}

func openTarget(t *testing.T, settings map[string]string) notify.Target {
	t.Helper()
	return targettest.Open(t, "nats", settings)
}

var subjects atomic.Int64

func freshSubject() string { return fmt.Sprintf("events.%d", subjects.Add(1)) }

func unreachable(t *testing.T, extra map[string]string) notify.Target {
	settings := map[string]string{"address": targettest.ClosedAddress(t), "subject": "s"}
	for k, v := range extra {
		settings[k] = v
	}
	return openTarget(t, settings)
}

func TestConformanceCore(t *testing.T) {
	s := startServer(t)
	nc := s.client(t)
	var sub *targettest.Inbox
	targettest.Run(t, targettest.Suite{
		Open: func(t *testing.T) notify.Target {
			subject := freshSubject()
			sub = subscribe(t, nc, subject)
			return openTarget(t, map[string]string{"address": s.Addr(), "subject": subject})
		},
		Fetch:       func(t *testing.T) []targettest.Got { return targettest.GotOf(t, sub.Received()) },
		Unreachable: func(t *testing.T) notify.Target { return unreachable(t, nil) },
	})
}

// streamMessages reads every message a JetStream stream holds.
func streamMessages(t *testing.T, stream jetstream.Stream) [][]byte {
	ctx := context.Background()
	info, err := stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var msgs [][]byte
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := stream.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, m.Data)
	}
	return msgs
}

func createStream(t *testing.T, nc *gonats.Conn, subject string) jetstream.Stream {
	t.Helper()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.ReplaceAll(subject, ".", "_")
	stream, err := js.CreateStream(context.Background(), jetstream.StreamConfig{Name: name, Subjects: []string{subject}})
	if err != nil {
		t.Fatal(err)
	}
	return stream
}

func TestConformanceJetStream(t *testing.T) {
	s := startServer(t)
	nc := s.client(t)
	var stream jetstream.Stream
	targettest.Run(t, targettest.Suite{
		Open: func(t *testing.T) notify.Target {
			subject := freshSubject()
			stream = createStream(t, nc, subject)
			return openTarget(t, map[string]string{"address": s.Addr(), "subject": subject, "jetstream": "on"})
		},
		Fetch:       func(t *testing.T) []targettest.Got { return targettest.GotOf(t, streamMessages(t, stream)) },
		Unreachable: func(t *testing.T) notify.Target { return unreachable(t, map[string]string{"jetstream": "on"}) },
	})
}

func TestPayload(t *testing.T) {
	s := startServer(t)
	sub := subscribe(t, s.client(t), "p")
	tg := openTarget(t, map[string]string{"address": "nats://" + s.Addr(), "subject": "p"})
	m := targettest.Message("s3:ObjectCreated:Put", "dir/obj", false)
	if err := targettest.Send(tg, m); err != nil {
		t.Fatal(err)
	}
	got := sub.WaitFor(1)
	if len(got) != 1 || string(got[0]) != string(m.Body()) {
		t.Fatalf("received %q, want %s", got, m.Body())
	}
}

// With JetStream a subject that no stream captures is an error: the
// message would be stored nowhere.
func TestJetStreamWithoutStream(t *testing.T) {
	s := startServer(t)
	tg := openTarget(t, map[string]string{"address": s.Addr(), "subject": "nowhere", "jetstream": "on"})
	if err := tg.Ping(context.Background()); err == nil {
		t.Error("Ping succeeded with no stream for the subject")
	}
	if err := targettest.Send(tg, targettest.Message("s3:ObjectCreated:Put", "k", false)); err == nil {
		t.Error("Send succeeded with no stream for the subject")
	}
}

func TestUserPassword(t *testing.T) {
	s := startServer(t, "--user", "kura", "--pass", "right-pw")
	for name, tc := range map[string]struct {
		settings map[string]string
		ok       bool
	}{
		"right password": {map[string]string{"username": "kura", "password": "right-pw"}, true},
		"wrong password": {map[string]string{"username": "kura", "password": "wrong-pw-s3cret"}, false},
		"no password":    {nil, false},
	} {
		tc.settings = withAddress(s, tc.settings)
		checkAuth(t, name, openTarget(t, tc.settings), tc.ok)
	}
}

func TestToken(t *testing.T) {
	s := startServer(t, "--auth", "right-token")
	for name, tc := range map[string]struct {
		settings map[string]string
		ok       bool
	}{
		"right token": {map[string]string{"token": "right-token"}, true},
		"wrong token": {map[string]string{"token": "wrong-token-s3cret"}, false},
	} {
		checkAuth(t, name, openTarget(t, withAddress(s, tc.settings)), tc.ok)
	}
}

func withAddress(s *server, settings map[string]string) map[string]string {
	all := map[string]string{"address": s.Addr(), "subject": "auth"}
	for k, v := range settings {
		all[k] = v
	}
	return all
}

func checkAuth(t *testing.T, name string, tg notify.Target, ok bool) {
	t.Helper()
	targettest.CheckPingAndSend(t, name, tg, 10*time.Second, ok, "s3cret")
}

// A target opened while the server is down works once it is up, and
// again after the server restarts.
func TestReconnect(t *testing.T) {
	s := startServer(t)
	s.Stop()
	tg := openTarget(t, map[string]string{"address": s.Addr(), "subject": "r"})
	m := targettest.Message("s3:ObjectCreated:Put", "k", false)
	targettest.CheckReconnect(t, s.Process, tg, m, func(i int) {
		sub := subscribe(t, s.client(t), "r")
		// The target notices the restart and reconnects in the
		// background; until then a Send fails and the service would
		// retry it, as this loop does.
		if err := targettest.RetrySend(tg, 20*time.Second, m); err != nil {
			t.Fatalf("Send after start %d: %v", i, err)
		}
		if n := len(sub.WaitFor(1)); n == 0 {
			t.Fatalf("after start %d: the subscriber received nothing", i)
		}
	})
}

func TestTLS(t *testing.T) {
	certs := targettest.Certificates(t)
	s := startServer(t, "--tls", "--tlscert", certs.ServerCert, "--tlskey", certs.ServerKey,
		"--tlscacert", certs.CA, "--tlsverify")
	for name, tc := range map[string]struct {
		settings map[string]string
		ok       bool
	}{
		"client certificate":    {map[string]string{"tls": "on", "ca-cert": certs.CA, "client-cert": certs.ClientCert, "client-key": certs.ClientKey}, true},
		"no client certificate": {map[string]string{"tls": "on", "ca-cert": certs.CA}, false},
		"server not trusted":    {map[string]string{"tls": "on", "client-cert": certs.ClientCert, "client-key": certs.ClientKey}, false},
		"no TLS":                {map[string]string{}, false},
	} {
		checkAuth(t, name, openTarget(t, withAddress(s, tc.settings)), tc.ok)
	}
}

func TestOpenRefusesBadSettings(t *testing.T) {
	certs := targettest.Certificates(t)
	targettest.CheckRefusals(t, "nats", map[string]map[string]string{
		"CA without TLS":          {"address": "127.0.0.1:4222", "subject": "s", "ca-cert": certs.CA},
		"client cert without TLS": {"address": "127.0.0.1:4222", "subject": "s", "client-cert": certs.ClientCert, "client-key": certs.ClientKey},
		"cert without key":        {"address": "127.0.0.1:4222", "subject": "s", "tls": "on", "client-cert": certs.ClientCert},
		"no port":                 {"address": "127.0.0.1", "subject": "s"},
		"bad address in list":     {"address": "127.0.0.1:4222,[::1", "subject": "s"},
		"wildcard subject":        {"address": "127.0.0.1:4222", "subject": "events.>"},
		"subject with a space":    {"address": "127.0.0.1:4222", "subject": "a b"},
		"bad jetstream":           {"address": "127.0.0.1:4222", "subject": "s", "jetstream": "maybe"},
		"bad tls":                 {"address": "127.0.0.1:4222", "subject": "s", "tls": "1"},
		"token and user":          {"address": "127.0.0.1:4222", "subject": "s", "token": "t", "username": "u"},
		"password alone":          {"address": "127.0.0.1:4222", "subject": "s", "password": "p"},
		"missing creds file":      {"address": "127.0.0.1:4222", "subject": "s", "credentials": filepath.Join(t.TempDir(), "none.creds")},
	}, map[string]map[string]string{
		"unknown setting": {"address": "127.0.0.1:4222", "subject": "s", "stream": "x"},
		"no subject":      {"address": "127.0.0.1:4222"},
	})
}
