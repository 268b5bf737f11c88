package mqtt

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/kurastore/kura/internal/notify"
	"github.com/kurastore/kura/internal/notify/targettest"
)

const mosquitto = "/usr/sbin/mosquitto"

// broker is a mosquitto of the test's own, configured in a temporary
// directory, on a 127.0.0.1 port.
type broker struct {
	dir  string
	port int
	conf string // configuration lines after the listener's
	cmd  *exec.Cmd
	done chan struct{} // closed when the running broker has exited
}

// startBroker starts mosquitto with the extra configuration, and stops
// it when the test ends.
func startBroker(t *testing.T, conf ...string) *broker {
	t.Helper()
	if _, err := os.Stat(mosquitto); err != nil {
		t.Skipf("%s is not installed (Debian package mosquitto): %v", mosquitto, err)
	}
	b := &broker{dir: t.TempDir(), conf: strings.Join(conf, "\n")}
	if !strings.Contains(b.conf, "allow_anonymous") {
		b.conf += "\nallow_anonymous true"
	}
	// A port found free can be taken by someone else before the broker
	// binds it; a few tries make that harmless.
	var err error
	for range 3 {
		b.port = freePort(t)
		if err = b.start(); err == nil {
			t.Cleanup(b.stop)
			return b
		}
	}
	t.Fatal(err)
	return nil
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func (b *broker) addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(b.port)) }
func (b *broker) url() string  { return "tcp://" + b.addr() }

func (b *broker) start() error {
	confFile := filepath.Join(b.dir, "mosquitto.conf")
	logFile := filepath.Join(b.dir, "mosquitto.log")
	conf := fmt.Sprintf("listener %d 127.0.0.1\npersistence false\nlog_dest file %s\n%s\n", b.port, logFile, b.conf)
	if os.Geteuid() == 0 {
		// Run as root, mosquitto becomes user "mosquitto", who cannot
		// read the test's private temporary directory.
		conf += "user root\n"
	}
	if err := os.WriteFile(confFile, []byte(conf), 0o600); err != nil {
		return err
	}
	cmd := exec.Command(mosquitto, "-c", confFile)
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		select {
		case <-done:
			log, _ := os.ReadFile(logFile)
			return fmt.Errorf("mosquitto exited: %v\n%s", cmd.ProcessState, log)
		default:
		}
		if c, err := net.Dial("tcp", b.addr()); err == nil {
			c.Close()
			b.cmd, b.done = cmd, done
			return nil
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			<-done
			return fmt.Errorf("mosquitto did not listen on %s", b.addr())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (b *broker) stop() {
	if b.cmd == nil {
		return
	}
	b.cmd.Process.Kill()
	<-b.done
	b.cmd = nil
}

// subscription collects what a topic receives.
type subscription struct {
	mu   sync.Mutex
	msgs [][]byte
}

// subscribe subscribes the test's own client to topic at QoS 2.
func subscribe(t *testing.T, b *broker, topic, user, password string) *subscription {
	t.Helper()
	client := paho.NewClient(paho.NewClientOptions().AddBroker(b.url()).SetClientID(clientID()).
		SetUsername(user).SetPassword(password).SetAutoReconnect(false))
	if tok := client.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("test client connecting: %v", tok.Error())
	}
	t.Cleanup(func() { client.Disconnect(0) })
	sub := &subscription{}
	tok := client.Subscribe(topic, 2, func(_ paho.Client, m paho.Message) {
		sub.mu.Lock()
		sub.msgs = append(sub.msgs, m.Payload())
		sub.mu.Unlock()
	})
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribing: %v", tok.Error())
	}
	return sub
}

func (sub *subscription) received() [][]byte {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	return append([][]byte(nil), sub.msgs...)
}

// waitFor waits until sub has n messages, or 10 s pass.
func (sub *subscription) waitFor(n int) [][]byte {
	deadline := time.Now().Add(10 * time.Second)
	for len(sub.received()) < n && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	return sub.received()
}

func openTarget(t *testing.T, settings map[string]string) notify.Target {
	t.Helper()
	c := notify.Config{Type: "mqtt", Name: "test", Settings: settings}
	k, err := c.Check()
	if err != nil {
		t.Fatal(err)
	}
	tg, err := k.Open(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tg.Close() })
	return tg
}

var topics atomic.Int64

func freshTopic() string { return fmt.Sprintf("kura/events/%d", topics.Add(1)) }

func TestConformance(t *testing.T) {
	for _, qos := range []string{"0", "1", "2"} {
		t.Run("QoS"+qos, func(t *testing.T) {
			b := startBroker(t)
			var sub *subscription
			targettest.Run(t, targettest.Suite{
				Open: func(t *testing.T) notify.Target {
					topic := freshTopic()
					sub = subscribe(t, b, topic, "", "")
					return openTarget(t, map[string]string{"broker": b.url(), "topic": topic, "qos": qos})
				},
				Fetch: func(t *testing.T) []targettest.Got {
					var got []targettest.Got
					for _, p := range sub.received() {
						var entry struct{ EventName, Key string }
						if err := json.Unmarshal(p, &entry); err != nil {
							t.Fatalf("payload %q: %v", p, err)
						}
						got = append(got, targettest.Got{EventName: entry.EventName, Key: entry.Key})
					}
					return got
				},
				Unreachable: func(t *testing.T) notify.Target {
					return openTarget(t, map[string]string{"broker": fmt.Sprintf("tcp://127.0.0.1:%d", freePort(t)), "topic": "t", "qos": qos})
				},
			})
		})
	}
}

func send(t *testing.T, tg notify.Target, msgs ...notify.Message) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return tg.Send(ctx, msgs)
}

func TestPayload(t *testing.T) {
	b := startBroker(t)
	sub := subscribe(t, b, "p", "", "")
	tg := openTarget(t, map[string]string{"broker": "mqtt://" + b.addr(), "topic": "p"})
	m := targettest.Message("s3:ObjectCreated:Put", "dir/obj", false)
	if err := send(t, tg, m); err != nil {
		t.Fatal(err)
	}
	got := sub.waitFor(1)
	if len(got) != 1 || string(got[0]) != string(m.Body()) {
		t.Fatalf("received %q, want %s", got, m.Body())
	}
}

func TestPassword(t *testing.T) {
	passwd, err := exec.LookPath("mosquitto_passwd")
	if err != nil {
		t.Skipf("mosquitto_passwd is not installed (Debian package mosquitto): %v", err)
	}
	pwFile := filepath.Join(t.TempDir(), "passwords")
	if out, err := exec.Command(passwd, "-c", "-b", pwFile, "kura", "right-pw").CombinedOutput(); err != nil {
		t.Fatalf("mosquitto_passwd: %v\n%s", err, out)
	}
	b := startBroker(t, "allow_anonymous false", "password_file "+pwFile)
	sub := subscribe(t, b, "auth", "kura", "right-pw")
	m := targettest.Message("s3:ObjectCreated:Put", "k", false)
	for name, tc := range map[string]struct {
		user, password string
		ok             bool
	}{
		"right password": {"kura", "right-pw", true},
		"wrong password": {"kura", "wrong-pw-s3cret", false},
		"anonymous":      {"", "", false},
	} {
		tg := openTarget(t, map[string]string{"broker": b.url(), "topic": "auth", "username": tc.user, "password": tc.password})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		for op, err := range map[string]error{"Ping": tg.Ping(ctx), "Send": send(t, tg, m)} {
			if (err == nil) != tc.ok {
				t.Errorf("%s: %s: %v", name, op, err)
			}
			if err != nil && strings.Contains(err.Error(), "s3cret") {
				t.Errorf("%s: %s: the error shows the password: %v", name, op, err)
			}
		}
		cancel()
	}
	if got := sub.waitFor(1); len(got) != 1 {
		t.Errorf("the subscriber received %d messages, want the 1 sent with the right password", len(got))
	}
}

// A target opened while the broker is down works once it is up, fails
// while it is down again, and works after it restarts.
func TestReconnect(t *testing.T) {
	b := startBroker(t)
	b.stop()
	tg := openTarget(t, map[string]string{"broker": b.url(), "topic": "r"})
	m := targettest.Message("s3:ObjectCreated:Put", "k", false)
	down := func(when string) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := tg.Send(ctx, []notify.Message{m}); err == nil {
			t.Fatalf("Send %s succeeded", when)
		}
	}
	down("before the broker started")
	for i := range 2 {
		if err := b.start(); err != nil {
			t.Fatal(err)
		}
		sub := subscribe(t, b, "r", "", "")
		// The target may still hold the connection the broker dropped
		// (it learns of the loss when the read fails); the service
		// retries a failed Send, as this loop does.
		deadline := time.Now().Add(20 * time.Second)
		for {
			err := send(t, tg, m)
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("Send after start %d: %v", i, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
		if got := sub.waitFor(1); len(got) == 0 {
			t.Fatalf("after start %d: the subscriber received nothing", i)
		}
		b.stop()
		down(fmt.Sprintf("after stop %d", i))
	}
}

func TestTLS(t *testing.T) {
	certs := targettest.Certificates(t)
	b := startBroker(t, "cafile "+certs.CA, "certfile "+certs.ServerCert, "keyfile "+certs.ServerKey, "require_certificate true")
	m := targettest.Message("s3:ObjectCreated:Put", "k", false)
	for name, tc := range map[string]struct {
		settings map[string]string
		ok       bool
	}{
		"client certificate":    {map[string]string{"ca-cert": certs.CA, "client-cert": certs.ClientCert, "client-key": certs.ClientKey}, true},
		"no client certificate": {map[string]string{"ca-cert": certs.CA}, false},
		"server not trusted":    {map[string]string{"client-cert": certs.ClientCert, "client-key": certs.ClientKey}, false},
	} {
		tc.settings["broker"], tc.settings["topic"] = "ssl://"+b.addr(), "t"
		tg := openTarget(t, tc.settings)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		for op, err := range map[string]error{"Ping": tg.Ping(ctx), "Send": tg.Send(ctx, []notify.Message{m})} {
			if (err == nil) != tc.ok {
				t.Errorf("%s: %s: %v", name, op, err)
			}
		}
		cancel()
	}
	plain := openTarget(t, map[string]string{"broker": b.url(), "topic": "t"})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := plain.Ping(ctx); err == nil {
		t.Error("Ping without TLS of a TLS broker succeeded")
	}
}

func TestOpenRefusesBadSettings(t *testing.T) {
	certs := targettest.Certificates(t)
	for name, settings := range map[string]map[string]string{
		"CA without TLS":          {"broker": "tcp://127.0.0.1:1883", "topic": "t", "ca-cert": certs.CA},
		"client cert without TLS": {"broker": "tcp://127.0.0.1:1883", "topic": "t", "client-cert": certs.ClientCert, "client-key": certs.ClientKey},
		"cert without key":        {"broker": "ssl://127.0.0.1:8883", "topic": "t", "client-cert": certs.ClientCert},
		"CA file missing":         {"broker": "ssl://127.0.0.1:8883", "topic": "t", "ca-cert": certs.CA + ".none"},
		"no scheme":               {"broker": "127.0.0.1:1883", "topic": "t"},
		"http scheme":             {"broker": "http://127.0.0.1:1883", "topic": "t"},
		"no port":                 {"broker": "tcp://127.0.0.1", "topic": "t"},
		"bad URL":                 {"broker": "tcp://[::1", "topic": "t"},
		"wildcard topic":          {"broker": "tcp://127.0.0.1:1883", "topic": "a/#"},
		"single wildcard":         {"broker": "tcp://127.0.0.1:1883", "topic": "a/+/b"},
		"QoS 3":                   {"broker": "tcp://127.0.0.1:1883", "topic": "t", "qos": "3"},
		"QoS -1":                  {"broker": "tcp://127.0.0.1:1883", "topic": "t", "qos": "-1"},
		"QoS word":                {"broker": "tcp://127.0.0.1:1883", "topic": "t", "qos": "one"},
	} {
		c := notify.Config{Type: "mqtt", Name: "x", Settings: settings}
		if _, err := c.Check(); err != nil {
			t.Errorf("%s: Check: %v", name, err)
			continue
		}
		if _, err := kind.Open(c); err == nil {
			t.Errorf("%s: Open accepted %v", name, settings)
		}
	}
	for name, settings := range map[string]map[string]string{
		"unknown setting": {"broker": "tcp://127.0.0.1:1883", "topic": "t", "retain": "on"},
		"no topic":        {"broker": "tcp://127.0.0.1:1883"},
	} {
		if _, err := (notify.Config{Type: "mqtt", Name: "x", Settings: settings}).Check(); err == nil {
			t.Errorf("%s: Check accepted %v", name, settings)
		}
	}
	for _, qos := range []string{"0", "2"} {
		c := notify.Config{Type: "mqtt", Name: "x", Settings: map[string]string{"broker": "ssl://127.0.0.1:8883", "topic": "t", "qos": qos}}
		if _, err := kind.Open(c); err != nil {
			t.Errorf("QoS %s: %v", qos, err)
		}
	}
}
