package amqp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/kurastore/kura/internal/notify"
)

// kind is filled in by init: Open refers to it for the settings'
// defaults.
var kind notify.Kind

var settingList = []notify.Setting{
	{Name: "url", Required: true, Secret: true,
		Help: "amqp://user:password@host:5672/vhost (or amqps://)"},
	{Name: "exchange", Help: "exchange to publish to, declared if it does not exist; empty for the default exchange"},
	{Name: "exchange-type", Default: "direct", Help: "type of the exchange: direct, fanout, topic, headers, or a plugin's x-... type"},
	{Name: "routing-key", Help: "routing key of every message (with the default exchange: the queue's name)"},
	{Name: "durable", Default: "on", Help: "on: a durable exchange and persistent messages; off: transient ones"},
	{Name: "mandatory", Default: "off", Help: "on: a message no queue takes is an error, and is sent again"},
}

func init() {
	kind = notify.Kind{
		Type:     "amqp",
		Help:     "messages published to an AMQP 0-9-1 exchange (RabbitMQ)",
		Settings: settingList,
		Open:     open,
	}
	notify.Register(kind)
}

// confirmWindow is how many messages Send publishes before it waits for
// the broker's confirms; it is also the room for returned messages, which
// the broker sends before their confirm.
const confirmWindow = 256

type settings struct {
	url, exchange, exchangeType, routingKey string
	durable, mandatory                      bool
}

func onOff(name, v string) (bool, error) {
	switch v {
	case "on":
		return true, nil
	case "off":
		return false, nil
	}
	return false, fmt.Errorf("amqp target: --%s %q: use on or off", name, v)
}

func parse(c notify.Config) (settings, error) {
	s := settings{
		url:          c.Get(kind, "url"),
		exchange:     c.Get(kind, "exchange"),
		exchangeType: c.Get(kind, "exchange-type"),
		routingKey:   c.Get(kind, "routing-key"),
	}
	if _, err := amqp.ParseURI(s.url); err != nil {
		// The parser's message may quote the URL, password and all.
		return s, errors.New("amqp target: --url is not an amqp:// or amqps:// URL")
	}
	if !slices.Contains([]string{"direct", "fanout", "topic", "headers"}, s.exchangeType) &&
		!strings.HasPrefix(s.exchangeType, "x-") {
		return s, fmt.Errorf("amqp target: --exchange-type %q: use direct, fanout, topic, headers or an x-... plugin type", s.exchangeType)
	}
	var err error
	if s.durable, err = onOff("durable", c.Get(kind, "durable")); err != nil {
		return s, err
	}
	if s.mandatory, err = onOff("mandatory", c.Get(kind, "mandatory")); err != nil {
		return s, err
	}
	return s, nil
}

func open(c notify.Config) (notify.Target, error) {
	s, err := parse(c)
	if err != nil {
		return nil, err
	}
	t := &target{s: s, turn: make(chan struct{}, 1)}
	return t, nil
}

// target publishes to one exchange over one connection and channel,
// made on first use and made again after either fails.
type target struct {
	s settings
	// turn is held by whoever uses the connection; unlike a mutex,
	// waiting for it gives up when the context ends.
	turn chan struct{}

	conn    *amqp.Connection
	ch      *amqp.Channel
	returns chan amqp.Return
}

func (t *target) take(ctx context.Context) error {
	select {
	case t.turn <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (t *target) give() { <-t.turn }

// drop closes the connection, so that the next use makes a new one. A
// broker that does not answer gets a second to say goodbye.
func (t *target) drop() {
	if t.conn != nil {
		t.conn.CloseDeadline(time.Now().Add(time.Second))
	}
	t.conn, t.ch, t.returns = nil, nil, nil
}

// bounded runs f, which may block on the broker, until ctx ends; then it
// cuts conn, which makes f return, and reports ctx's error.
func bounded(ctx context.Context, conn *amqp.Connection, f func() error) error {
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		conn.CloseDeadline(time.Now())
		<-done
		return ctx.Err()
	}
}

// connect makes the connection and channel if there are none, or if the
// ones there are have closed. The caller holds the turn.
func (t *target) connect(ctx context.Context) error {
	if t.conn != nil && !t.conn.IsClosed() && t.ch != nil && !t.ch.IsClosed() {
		return nil
	}
	t.drop()
	conn, err := dial(ctx, t.s.url)
	if err != nil {
		return fmt.Errorf("amqp target: connecting: %w", err)
	}
	t.conn = conn
	var ch *amqp.Channel
	err = bounded(ctx, conn, func() error {
		var err error
		if ch, err = conn.Channel(); err != nil {
			return fmt.Errorf("opening a channel: %w", err)
		}
		if err := ch.Confirm(false); err != nil {
			return fmt.Errorf("turning on publisher confirms: %w", err)
		}
		if t.s.exchange != "" {
			if err := ch.ExchangeDeclare(t.s.exchange, t.s.exchangeType, t.s.durable, false, false, false, nil); err != nil {
				return fmt.Errorf("declaring exchange %s: %w", t.s.exchange, err)
			}
		}
		return nil
	})
	if err != nil {
		t.drop()
		return fmt.Errorf("amqp target: %w", err)
	}
	t.ch = ch
	t.returns = ch.NotifyReturn(make(chan amqp.Return, confirmWindow))
	return nil
}

// dial connects and opens an AMQP connection within ctx.
func dial(ctx context.Context, url string) (*amqp.Connection, error) {
	var stop func() bool
	cfg := amqp.Config{Dial: func(network, addr string) (net.Conn, error) {
		var d net.Dialer
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		// The handshake that follows reads and writes c: a deadline
		// bounds it, and cancelling ctx sets one in the past. The
		// library clears the deadline once the connection is open.
		deadline, ok := ctx.Deadline()
		if !ok {
			deadline = time.Now().Add(30 * time.Second)
		}
		c.SetDeadline(deadline)
		stop = context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })
		return c, nil
	}}
	conn, err := amqp.DialConfig(url, cfg)
	if stop != nil && !stop() && err == nil {
		// ctx ended just as the handshake finished: the deadline set
		// in the past would break the connection later.
		conn.Close()
		return nil, ctx.Err()
	}
	if err != nil && ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return conn, err
}

// Ping connects if need be and opens and closes a second channel: a
// round trip to the broker.
func (t *target) Ping(ctx context.Context) error {
	if err := t.take(ctx); err != nil {
		return err
	}
	defer t.give()
	if err := t.connect(ctx); err != nil {
		return err
	}
	conn := t.conn
	err := bounded(ctx, conn, func() error {
		ch, err := conn.Channel()
		if err != nil {
			return err
		}
		return ch.Close()
	})
	if err != nil {
		t.drop()
		return fmt.Errorf("amqp target: %w", err)
	}
	return nil
}

// Send publishes msgs in order and returns once the broker has confirmed
// every one (and, with --mandatory on, routed it to a queue).
func (t *target) Send(ctx context.Context, msgs []notify.Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := t.take(ctx); err != nil {
		return err
	}
	defer t.give()
	if err := t.connect(ctx); err != nil {
		return err
	}
	for len(msgs) > 0 {
		n := min(len(msgs), confirmWindow)
		if err := t.publish(ctx, msgs[:n]); err != nil {
			t.drop()
			return fmt.Errorf("amqp target: %w", err)
		}
		msgs = msgs[n:]
	}
	return nil
}

// publish publishes at most confirmWindow messages and waits for their
// confirms.
func (t *target) publish(ctx context.Context, msgs []notify.Message) error {
	mode := amqp.Transient
	if t.s.durable {
		mode = amqp.Persistent
	}
	confirms := make([]*amqp.DeferredConfirmation, 0, len(msgs))
	err := bounded(ctx, t.conn, func() error {
		for _, m := range msgs {
			dc, err := t.ch.PublishWithDeferredConfirm(t.s.exchange, t.s.routingKey, t.s.mandatory, false, amqp.Publishing{
				ContentType:  "application/json",
				DeliveryMode: mode,
				Timestamp:    m.Time,
				Body:         m.Body(),
			})
			if err != nil {
				return fmt.Errorf("publishing: %w", err)
			}
			confirms = append(confirms, dc)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, dc := range confirms {
		acked, err := dc.WaitContext(ctx)
		if err != nil {
			return err
		}
		if !acked {
			if t.ch.IsClosed() {
				return errors.New("the channel closed before the broker confirmed a message")
			}
			return errors.New("the broker refused a message (nack)")
		}
	}
	// The broker returns a message no queue took before confirming it, so
	// every return of this window is in the channel by now.
	select {
	case r := <-t.returns:
		return fmt.Errorf("no queue took a message (exchange %q, routing key %q): %s", r.Exchange, r.RoutingKey, r.ReplyText)
	default:
		return nil
	}
}

func (t *target) Close() error {
	t.turn <- struct{}{}
	defer t.give()
	t.drop()
	return nil
}
