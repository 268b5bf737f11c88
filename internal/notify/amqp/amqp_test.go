package amqp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/kurastore/kura/internal/notify"
	"github.com/kurastore/kura/internal/notify/targettest"
)

const exchange = "kura-events"

func openTarget(t *testing.T, settings map[string]string) notify.Target {
	t.Helper()
	return targettest.Open(t, "amqp", settings)
}

func unreachableURL(t *testing.T) string { return amqpURL(targettest.FreePort(t), rabbitPassword) }

func TestConformance(t *testing.T) {
	r := sharedRabbitMQ(t)
	c := newConsumer(t, r)
	var queue string
	var got []targettest.Got
	targettest.Run(t, targettest.Suite{
		Open: func(t *testing.T) notify.Target {
			queue, got = c.queue(t, exchange), nil
			return openTarget(t, map[string]string{"url": r.url(rabbitPassword), "exchange": exchange, "routing-key": queue})
		},
		Fetch: func(t *testing.T) []targettest.Got {
			for _, d := range c.drain(t, queue) {
				got = append(got, targettest.GotOf(t, [][]byte{d.Body})...)
			}
			return got
		},
		Unreachable: func(t *testing.T) notify.Target {
			return openTarget(t, map[string]string{"url": unreachableURL(t), "exchange": exchange, "routing-key": "q"})
		},
	})
}

// A message is Message.Body() as JSON, persistent unless --durable off;
// the default exchange routes by queue name.
func TestMessageFormat(t *testing.T) {
	r := sharedRabbitMQ(t)
	c := newConsumer(t, r)
	m := targettest.Message("s3:ObjectCreated:Put", "dir/é x", false)
	m.Time = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	for _, tc := range []struct {
		durable  string
		exchange string
		mode     uint8
	}{
		{"", exchange, amqp.Persistent},
		{"on", "", amqp.Persistent},
		{"off", "kura-transient", amqp.Transient},
	} {
		t.Run("durable="+tc.durable+",exchange="+tc.exchange, func(t *testing.T) {
			queue := c.queue(t, "")
			if tc.exchange != "" {
				// The target declares the exchange; bind after it has.
				settings := map[string]string{"url": r.url(rabbitPassword), "exchange": tc.exchange, "routing-key": queue}
				if tc.durable != "" {
					settings["durable"] = tc.durable
				}
				tg := openTarget(t, settings)
				defer tg.Close()
				if err := tg.Ping(inTime(t)); err != nil {
					t.Fatal(err)
				}
				if err := c.ch.QueueBind(queue, queue, tc.exchange, false, nil); err != nil {
					t.Fatal(err)
				}
				if err := tg.Send(inTime(t), []notify.Message{m}); err != nil {
					t.Fatal(err)
				}
			} else {
				tg := openTarget(t, map[string]string{"url": r.url(rabbitPassword), "routing-key": queue, "durable": tc.durable})
				defer tg.Close()
				if err := tg.Send(inTime(t), []notify.Message{m}); err != nil {
					t.Fatal(err)
				}
			}
			got := c.drain(t, queue)
			if len(got) != 1 {
				t.Fatalf("%d messages, want 1", len(got))
			}
			d := got[0]
			if !bytes.Equal(d.Body, m.Body()) {
				t.Errorf("body %s, want %s", d.Body, m.Body())
			}
			if d.ContentType != "application/json" || d.DeliveryMode != tc.mode || !d.Timestamp.Equal(m.Time) {
				t.Errorf("content type %q, delivery mode %d, timestamp %v; want application/json, %d, %v",
					d.ContentType, d.DeliveryMode, d.Timestamp, tc.mode, m.Time)
			}
		})
	}
}

// With --mandatory on, a message no queue takes fails Send, so that it is
// sent again; with it off the broker drops it and Send succeeds.
func TestMandatory(t *testing.T) {
	r := sharedRabbitMQ(t)
	m := targettest.Message("s3:ObjectCreated:Put", "a", false)
	for _, mandatory := range []string{"on", "off"} {
		tg := openTarget(t, map[string]string{"url": r.url(rabbitPassword), "exchange": exchange,
			"routing-key": "no-queue-has-this-key", "mandatory": mandatory})
		err := tg.Send(inTime(t), []notify.Message{m, m})
		if mandatory == "on" && err == nil {
			t.Error("mandatory on: Send of an unroutable message succeeded")
		}
		if mandatory == "off" && err != nil {
			t.Errorf("mandatory off: Send: %v", err)
		}
		tg.Close()
	}
	// A batch bigger than the confirm window, every message returned.
	tg := openTarget(t, map[string]string{"url": r.url(rabbitPassword), "exchange": exchange,
		"routing-key": "no-queue-has-this-key", "mandatory": "on"})
	defer tg.Close()
	batch := make([]notify.Message, confirmWindow+1)
	for i := range batch {
		batch[i] = m
	}
	if err := tg.Send(inTime(t), batch); err == nil {
		t.Error("Send of unroutable messages succeeded")
	}
	// The target recovers: a routable batch of window+1 goes through.
	c := newConsumer(t, r)
	queue := c.queue(t, exchange)
	tg2 := openTarget(t, map[string]string{"url": r.url(rabbitPassword), "exchange": exchange, "routing-key": queue, "mandatory": "on"})
	defer tg2.Close()
	if err := tg2.Send(inTime(t), batch); err != nil {
		t.Fatal(err)
	}
	if n := len(c.drain(t, queue)); n != confirmWindow+1 {
		t.Errorf("%d messages, want %d", n, confirmWindow+1)
	}
}

// The broker checks the password; a wrong one fails Ping, and no error
// shows it.
func TestPassword(t *testing.T) {
	r := sharedRabbitMQ(t)
	tg := openTarget(t, map[string]string{"url": r.url("Wrong-Pa55"), "exchange": exchange})
	defer tg.Close()
	err := tg.Ping(inTime(t))
	if err == nil {
		t.Fatal("Ping with a wrong password succeeded")
	}
	if strings.Contains(err.Error(), "Wrong-Pa55") {
		t.Errorf("error %q shows the password", err)
	}
	good := openTarget(t, map[string]string{"url": r.url(rabbitPassword), "exchange": exchange})
	defer good.Close()
	if err := good.Ping(inTime(t)); err != nil {
		t.Fatalf("Ping with the right password: %v", err)
	}
}

func TestUnreachableErrorsHideThePassword(t *testing.T) {
	tg := openTarget(t, map[string]string{"url": unreachableURL(t)})
	targettest.CheckPingAndSend(t, "unreachable", tg, 5*time.Second, false, rabbitPassword)
}

func TestOpenRefuses(t *testing.T) {
	good := "amqp://kura:" + rabbitPassword + "@127.0.0.1:5672/"
	for _, s := range []map[string]string{
		{"url": good},
		{"url": "amqps://kura:pw@broker.example/vhost"},
		{"url": good, "exchange-type": "fanout", "durable": "off", "mandatory": "on"},
		{"url": good, "exchange-type": "x-delayed-message"},
	} {
		tg, err := open(notify.Config{Type: "amqp", Name: "t", Settings: s})
		if err != nil {
			t.Errorf("settings %v refused: %v", s, err)
			continue
		}
		tg.Close()
	}
	for _, s := range []map[string]string{
		{"url": "http://kura:" + rabbitPassword + "@127.0.0.1:5672/"},
		{"url": "amqp://kura:" + rabbitPassword + "@127.0.0.1:port/"},
		{"url": "amqp://kura:" + rabbitPassword + "@[::1/"},
		{"url": good, "exchange-type": "bogus"},
		{"url": good, "durable": "yes"},
		{"url": good, "mandatory": "true"},
	} {
		tg, err := open(notify.Config{Type: "amqp", Name: "t", Settings: s})
		if err == nil {
			tg.Close()
			t.Errorf("settings %v accepted", s)
			continue
		}
		if strings.Contains(err.Error(), rabbitPassword) {
			t.Errorf("error %q shows the password", err)
		}
	}
	cfg := notify.Config{Type: "amqp", Name: "t", Settings: map[string]string{"url": good, "topic": "x"}}
	if _, err := cfg.Check(); err == nil {
		t.Error("an unknown setting was accepted")
	}
	cfg = notify.Config{Type: "amqp", Name: "t", Settings: map[string]string{"exchange": "x"}}
	if _, err := cfg.Check(); err == nil {
		t.Error("a config without --url was accepted")
	}
}

// A target opened while the broker is down works once it is up, and again
// after it restarts.
func TestRestart(t *testing.T) {
	r := newRabbitMQ(t)
	c := newConsumer(t, r)
	queue := c.queue(t, exchange)
	r.Stop()
	tg := openTarget(t, map[string]string{"url": r.url(rabbitPassword), "exchange": exchange, "routing-key": queue})
	targettest.CheckRestart(t, tg, r.Stop, func() {
		if err := r.Start(); err != nil {
			t.Fatal(err)
		}
	}, 20*time.Second)
	c = newConsumer(t, r)
	var keys []string
	for _, d := range c.drain(t, queue) {
		var body struct{ Key string }
		json.Unmarshal(d.Body, &body)
		keys = append(keys, body.Key)
	}
	// Both were persistent messages in a durable queue: the restart kept
	// the first.
	if fmt.Sprint(keys) != "[b/one b/two]" {
		t.Errorf("queue holds %v, want [b/one b/two]", keys)
	}
}
