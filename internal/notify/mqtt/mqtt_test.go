package mqtt

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
type broker struct{ *targettest.Process }

// startBroker starts mosquitto with the extra configuration, and stops
// it when the test ends.
func startBroker(t *testing.T, conf ...string) *broker {
	t.Helper()
	dir := t.TempDir()
	extra := strings.Join(conf, "\n")
	if !strings.Contains(extra, "allow_anonymous") {
		extra += "\nallow_anonymous true"
	}
	return &broker{targettest.StartProcess(t, mosquitto, "mosquitto", func(port int) (*exec.Cmd, string, error) {
		confFile := filepath.Join(dir, "mosquitto.conf")
		logFile := filepath.Join(dir, "mosquitto.log")
		conf := fmt.Sprintf("listener %d 127.0.0.1\npersistence false\nlog_dest file %s\n%s\n", port, logFile, extra)
		if os.Geteuid() == 0 {
			// Run as root, mosquitto becomes user "mosquitto", who cannot
			// read the test's private temporary directory.
			conf += "user root\n"
		}
		if err := os.WriteFile(confFile, []byte(conf), 0o600); err != nil {
			return nil, "", err
		}
		return exec.Command(mosquitto, "-c", confFile), logFile, nil
	})}
}

func (b *broker) url() string { return "tcp://" + b.Addr() }

// subscribe subscribes the test's own client to topic at QoS 2.
func subscribe(t *testing.T, b *broker, topic, user, password string) *targettest.Inbox {
	t.Helper()
	client := paho.NewClient(paho.NewClientOptions().AddBroker(b.url()).SetClientID(clientID()).
		SetUsername(user).SetPassword(password).SetAutoReconnect(false))
	if tok := client.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("test client connecting: %v", tok.Error())
	}
	t.Cleanup(func() { client.Disconnect(0) })
	sub := &targettest.Inbox{}
	tok := client.Subscribe(topic, 2, func(_ paho.Client, m paho.Message) { sub.Add(m.Payload()) })
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribing: %v", tok.Error())
	}
	return sub
}

func openTarget(t *testing.T, settings map[string]string) notify.Target {
	t.Helper()
	return targettest.Open(t, "mqtt", settings)
}

var topics atomic.Int64

func freshTopic() string { return fmt.Sprintf("kura/events/%d", topics.Add(1)) }

func TestConformance(t *testing.T) {
	for _, qos := range []string{"0", "1", "2"} {
		t.Run("QoS"+qos, func(t *testing.T) {
			b := startBroker(t)
			var sub *targettest.Inbox
			targettest.Run(t, targettest.Suite{
				Open: func(t *testing.T) notify.Target {
					topic := freshTopic()
					sub = subscribe(t, b, topic, "", "")
					return openTarget(t, map[string]string{"broker": b.url(), "topic": topic, "qos": qos})
				},
				Fetch: func(t *testing.T) []targettest.Got { return targettest.GotOf(t, sub.Received()) },
				Unreachable: func(t *testing.T) notify.Target {
					return openTarget(t, map[string]string{"broker": "tcp://" + targettest.ClosedAddress(t), "topic": "t", "qos": qos})
				},
			})
		})
	}
}

func TestPayload(t *testing.T) {
	b := startBroker(t)
	sub := subscribe(t, b, "p", "", "")
	tg := openTarget(t, map[string]string{"broker": "mqtt://" + b.Addr(), "topic": "p"})
	m := targettest.Message("s3:ObjectCreated:Put", "dir/obj", false)
	if err := targettest.Send(tg, m); err != nil {
		t.Fatal(err)
	}
	got := sub.WaitFor(1)
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
	for name, tc := range map[string]struct {
		user, password string
		ok             bool
	}{
		"right password": {"kura", "right-pw", true},
		"wrong password": {"kura", "wrong-pw-s3cret", false},
		"anonymous":      {"", "", false},
	} {
		tg := openTarget(t, map[string]string{"broker": b.url(), "topic": "auth", "username": tc.user, "password": tc.password})
		targettest.CheckPingAndSend(t, name, tg, 10*time.Second, tc.ok, "s3cret")
	}
	if got := sub.WaitFor(1); len(got) != 1 {
		t.Errorf("the subscriber received %d messages, want the 1 sent with the right password", len(got))
	}
}

// A target opened while the broker is down works once it is up, fails
// while it is down again, and works after it restarts.
func TestReconnect(t *testing.T) {
	b := startBroker(t)
	b.Stop()
	tg := openTarget(t, map[string]string{"broker": b.url(), "topic": "r"})
	m := targettest.Message("s3:ObjectCreated:Put", "k", false)
	targettest.CheckReconnect(t, b.Process, tg, m, func(i int) {
		sub := subscribe(t, b, "r", "", "")
		// The target may still hold the connection the broker dropped
		// (it learns of the loss when the read fails); the service
		// retries a failed Send, as this loop does.
		if err := targettest.RetrySend(tg, 20*time.Second, m); err != nil {
			t.Fatalf("Send after start %d: %v", i, err)
		}
		if got := sub.WaitFor(1); len(got) == 0 {
			t.Fatalf("after start %d: the subscriber received nothing", i)
		}
	})
}

func TestTLS(t *testing.T) {
	certs := targettest.Certificates(t)
	b := startBroker(t, "cafile "+certs.CA, "certfile "+certs.ServerCert, "keyfile "+certs.ServerKey, "require_certificate true")
	for name, tc := range map[string]struct {
		settings map[string]string
		ok       bool
	}{
		"client certificate":    {map[string]string{"ca-cert": certs.CA, "client-cert": certs.ClientCert, "client-key": certs.ClientKey}, true},
		"no client certificate": {map[string]string{"ca-cert": certs.CA}, false},
		"server not trusted":    {map[string]string{"client-cert": certs.ClientCert, "client-key": certs.ClientKey}, false},
	} {
		tc.settings["broker"], tc.settings["topic"] = "ssl://"+b.Addr(), "t"
		tg := openTarget(t, tc.settings)
		targettest.CheckPingAndSend(t, name, tg, 5*time.Second, tc.ok, "")
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
	targettest.CheckRefusals(t, "mqtt", map[string]map[string]string{
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
	}, map[string]map[string]string{
		"unknown setting": {"broker": "tcp://127.0.0.1:1883", "topic": "t", "retain": "on"},
		"no topic":        {"broker": "tcp://127.0.0.1:1883"},
	})
	for _, qos := range []string{"0", "2"} {
		c := notify.Config{Type: "mqtt", Name: "x", Settings: map[string]string{"broker": "ssl://127.0.0.1:8883", "topic": "t", "qos": qos}}
		if _, err := kind.Open(c); err != nil {
			t.Errorf("QoS %s: %v", qos, err)
		}
	}
}
