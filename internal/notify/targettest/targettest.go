// Package targettest is the conformance suite every kind of notification
// target runs against its real server: messages arrive, in order, with
// the event and key they were sent with; a namespace-format target keeps
// one entry per object and drops it when the object is removed; an
// unreachable target fails Ping and Send within their context instead of
// hanging or claiming success. It also holds what the targets' own tests
// share: running a server binary of the test's own (Process), opening
// and sending, and the checks of passwords, bad settings and restarts.
package targettest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kurastore/kura/internal/notify"
)

// Got is one delivery as the server under test holds it.
type Got struct {
	EventName string
	Key       string // "bucket/object"
}

// Suite describes a kind of target to the conformance suite.
type Suite struct {
	// Open opens a target of the kind under test, pointed at its real
	// server, in a place no other test uses (a fresh key, subject, table).
	Open func(t *testing.T) notify.Target
	// Fetch returns what the server has received so far through the
	// target Open returned last, in arrival order. Nil for a
	// namespace-format target.
	Fetch func(t *testing.T) []Got
	// State returns a namespace-format target's entries: object key
	// ("bucket/object") to the event name of the record kept for it.
	// Nil for a stream target.
	State func(t *testing.T) map[string]string
	// Unreachable opens a target of the kind at an address where nothing
	// listens.
	Unreachable func(t *testing.T) notify.Target
}

// Message makes the i-th test message: an object created in bucket "b"
// with key k, or removed.
func Message(name, key string, removed bool) notify.Message {
	rec, _ := json.Marshal(map[string]any{
		"eventVersion": "2.0", "eventSource": "minio:s3", "eventName": name[len("s3:"):],
		"s3": map[string]any{"bucket": map[string]any{"name": "b"}, "object": map[string]any{"key": key}},
	})
	return notify.Message{EventName: name, Bucket: "b", Object: key, Time: time.Now().UTC(), Removed: removed, Record: rec}
}

// Run runs the suite.
func Run(t *testing.T, s Suite) {
	t.Run("Ping", func(t *testing.T) {
		tg := s.Open(t)
		defer tg.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := tg.Ping(ctx); err != nil {
			t.Fatalf("Ping: %v", err)
		}
	})
	if s.Fetch != nil {
		t.Run("StreamInOrder", func(t *testing.T) { streamInOrder(t, s) })
	}
	if s.State != nil {
		t.Run("Namespace", func(t *testing.T) { namespace(t, s) })
	}
	t.Run("Unreachable", func(t *testing.T) { unreachable(t, s) })
	t.Run("Cancelled", func(t *testing.T) {
		tg := s.Open(t)
		defer tg.Close()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := tg.Send(ctx, []notify.Message{Message("s3:ObjectCreated:Put", "c", false)}); err == nil {
			t.Error("Send with a cancelled context succeeded")
		}
	})
}

// MustSend sends msgs through tg, giving it 20 s, and fails the test
// if that fails.
func MustSend(t testing.TB, tg notify.Target, msgs ...notify.Message) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := tg.Send(ctx, msgs); err != nil {
		t.Fatalf("Send: %v", err)
	}
}

// eventually polls check until it returns "" or 15 s pass.
func eventually(t *testing.T, check func() string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		msg := check()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(msg)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func streamInOrder(t *testing.T, s Suite) {
	tg := s.Open(t)
	defer tg.Close()
	var want []Got
	var batch []notify.Message
	for i := range 7 {
		name := "s3:ObjectCreated:Put"
		if i%3 == 2 {
			name = "s3:ObjectRemoved:Delete"
		}
		key := fmt.Sprintf("dir/key %d+é", i)
		batch = append(batch, Message(name, key, i%3 == 2))
		want = append(want, Got{name, "b/" + key})
	}
	MustSend(t, tg, batch[:5]...)
	MustSend(t, tg, batch[5:]...)
	eventually(t, func() string {
		got := s.Fetch(t)
		if len(got) < len(want) {
			return fmt.Sprintf("received %d of %d messages: %v", len(got), len(want), got)
		}
		if len(got) > len(want) {
			return fmt.Sprintf("received %d messages, sent %d: %v", len(got), len(want), got)
		}
		for i := range want {
			if got[i] != want[i] {
				return fmt.Sprintf("message %d is %v, want %v (all: %v)", i, got[i], want[i], got)
			}
		}
		return ""
	})
}

func namespace(t *testing.T, s Suite) {
	tg := s.Open(t)
	defer tg.Close()
	MustSend(t, tg,
		Message("s3:ObjectCreated:Put", "a", false),
		Message("s3:ObjectCreated:Put", "dir/b c", false),
		Message("s3:ObjectCreated:Copy", "a", false),
	)
	want := map[string]string{"b/a": "s3:ObjectCreated:Copy", "b/dir/b c": "s3:ObjectCreated:Put"}
	check := func() string {
		got := s.State(t)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			return fmt.Sprintf("entries %v, want %v", got, want)
		}
		return ""
	}
	eventually(t, check)
	// Delivery is at least once: a message sent again changes nothing.
	MustSend(t, tg, Message("s3:ObjectCreated:Copy", "a", false))
	eventually(t, check)
	MustSend(t, tg, Message("s3:ObjectRemoved:Delete", "dir/b c", true))
	delete(want, "b/dir/b c")
	eventually(t, check)
	// Removing what is not there is not an error: a redelivery does it.
	MustSend(t, tg, Message("s3:ObjectRemoved:Delete", "dir/b c", true))
	eventually(t, check)
}

func unreachable(t *testing.T, s Suite) {
	tg := s.Unreachable(t)
	defer tg.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := tg.Ping(ctx); err == nil {
		t.Error("Ping of an unreachable target succeeded")
	}
	if err := tg.Send(ctx, []notify.Message{Message("s3:ObjectCreated:Put", "a", false)}); err == nil {
		t.Error("Send to an unreachable target succeeded")
	}
}

// Open opens a target of kind typ with settings, and closes it when the
// test ends.
func Open(t testing.TB, typ string, settings map[string]string) notify.Target {
	t.Helper()
	c := notify.Config{Type: typ, Name: "test", Settings: settings}
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

// Send sends msgs through tg, giving it 10 s.
func Send(tg notify.Target, msgs ...notify.Message) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return tg.Send(ctx, msgs)
}

// RetrySend sends msgs again after each failure, as the service retries
// a delivery, until tg takes them or within has passed; then it returns
// the last error.
func RetrySend(tg notify.Target, within time.Duration, msgs ...notify.Message) error {
	deadline := time.Now().Add(within)
	for {
		err := Send(tg, msgs...)
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// CheckPingAndSend checks that a Ping of tg and a Send through it, both
// within timeout, succeed when ok and fail when not, and that no error
// shows secret (unless it is "").
func CheckPingAndSend(t testing.TB, name string, tg notify.Target, timeout time.Duration, ok bool, secret string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for op, err := range map[string]error{
		"Ping": tg.Ping(ctx),
		"Send": tg.Send(ctx, []notify.Message{Message("s3:ObjectCreated:Put", "k", false)}),
	} {
		if (err == nil) != ok {
			t.Errorf("%s: %s: %v", name, op, err)
		}
		if err != nil && secret != "" && strings.Contains(err.Error(), secret) {
			t.Errorf("%s: %s: the error shows the secret: %v", name, op, err)
		}
	}
}

// CheckRefusals checks that Check accepts each of openFails, settings of
// a kind typ by case name, and Open refuses it; and that Check refuses
// each of checkFails.
func CheckRefusals(t testing.TB, typ string, openFails, checkFails map[string]map[string]string) {
	t.Helper()
	for name, settings := range openFails {
		c := notify.Config{Type: typ, Name: "x", Settings: settings}
		k, err := c.Check()
		if err != nil {
			t.Errorf("%s: Check: %v", name, err)
			continue
		}
		if tg, err := k.Open(c); err == nil {
			tg.Close()
			t.Errorf("%s: Open accepted %v", name, settings)
		}
	}
	for name, settings := range checkFails {
		if _, err := (notify.Config{Type: typ, Name: "x", Settings: settings}).Check(); err == nil {
			t.Errorf("%s: Check accepted %v", name, settings)
		}
	}
}
