package mqtt

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/kurastore/kura/internal/notify"
	"github.com/kurastore/kura/internal/notify/tlsconf"
)

var kind = notify.Kind{
	Type: "mqtt",
	Help: "publish events to an MQTT topic",
	Settings: append([]notify.Setting{
		{Name: "broker", Help: "tcp://host:port, or ssl://host:port for TLS", Required: true},
		{Name: "topic", Help: "the topic to publish to", Required: true},
		{Name: "qos", Help: "quality of service: 0, 1 or 2", Default: "1"},
		{Name: "username", Help: "user name"},
		{Name: "password", Help: "password of --username", Secret: true},
	}, tlsconf.Settings("with ssl://")...),
}

func init() {
	// Open is set here: open reads kind's defaults, and a reference both
	// ways would be an initialization cycle.
	kind.Open = open
	notify.Register(kind)
}

// tlsSchemes are the broker URL schemes that connect with TLS; the
// others the client knows connect in the clear.
var tlsSchemes = map[string]bool{"ssl": true, "tls": true, "mqtts": true, "wss": true}

var plainSchemes = map[string]bool{"tcp": true, "mqtt": true, "ws": true}

type target struct {
	broker   string
	topic    string
	qos      byte
	username string
	password string
	tls      *tls.Config // nil for a broker without TLS

	mu     sync.Mutex
	client paho.Client // nil until a connection succeeds
	closed bool
}

func open(c notify.Config) (notify.Target, error) {
	broker := c.Get(kind, "broker")
	u, err := url.Parse(broker)
	if err != nil {
		// url's errors quote the URL, which may hold a password.
		return nil, errors.New("mqtt: --broker is not a valid URL")
	}
	if !tlsSchemes[u.Scheme] && !plainSchemes[u.Scheme] || u.Hostname() == "" || u.Port() == "" {
		return nil, errors.New("mqtt: --broker: want tcp://host:port or ssl://host:port")
	}
	topic := c.Get(kind, "topic")
	if strings.ContainsAny(topic, "+#\x00") {
		return nil, fmt.Errorf("mqtt: --topic %q: a topic to publish to has no wildcards", topic)
	}
	qos, err := strconv.Atoi(c.Get(kind, "qos"))
	if err != nil || qos < 0 || qos > 2 {
		return nil, fmt.Errorf("mqtt: --qos %q: want 0, 1 or 2", c.Get(kind, "qos"))
	}
	var tlsConf *tls.Config
	files := tlsconf.FilesOf(c, kind)
	if files.Any() && !tlsSchemes[u.Scheme] {
		return nil, errors.New("mqtt: --ca-cert, --client-cert and --client-key need a TLS broker URL (ssl://host:port)")
	}
	if tlsSchemes[u.Scheme] {
		if tlsConf, err = tlsconf.Config(files); err != nil {
			return nil, fmt.Errorf("mqtt: %w", err)
		}
	}
	return &target{
		broker:   broker,
		topic:    topic,
		qos:      byte(qos),
		username: c.Get(kind, "username"),
		password: c.Get(kind, "password"),
		tls:      tlsConf,
	}, nil
}

// clientID is unique to each connection: a broker drops an older
// connection when another one comes with the same ID.
func clientID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return "kura-" + hex.EncodeToString(b)
}

func (t *target) newClient() paho.Client {
	opts := paho.NewClientOptions().
		AddBroker(t.broker).
		SetClientID(clientID()).
		SetUsername(t.username).
		SetPassword(t.password).
		SetCleanSession(true).
		SetConnectTimeout(10 * time.Second).
		SetWriteTimeout(10 * time.Second).
		SetKeepAlive(30 * time.Second).
		// This target reconnects on its next use instead, so that a
		// publish while disconnected fails rather than waits in memory.
		SetAutoReconnect(false).
		SetConnectRetry(false)
	if t.tls != nil {
		opts.SetTLSConfig(t.tls)
	}
	return paho.NewClient(opts)
}

// wait waits for tok or ctx, whichever is done first.
func wait(ctx context.Context, tok paho.Token) error {
	select {
	case <-tok.Done():
		return tok.Error()
	case <-ctx.Done():
		return ctx.Err()
	}
}

// conn returns a connected client, connecting a new one when there is
// none or the last one lost its connection.
func (t *target) conn(ctx context.Context) (paho.Client, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, errors.New("mqtt: target closed")
	}
	if t.client != nil {
		if t.client.IsConnectionOpen() {
			return t.client, nil
		}
		t.client.Disconnect(0)
		t.client = nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	client := t.newClient()
	tok := client.Connect()
	if err := wait(ctx, tok); err != nil {
		// A connection that comes up after ctx ended is closed again.
		go func() {
			<-tok.Done()
			client.Disconnect(0)
		}()
		return nil, fmt.Errorf("mqtt: connecting to the broker: %w", err)
	}
	t.client = client
	return client, nil
}

func (t *target) Send(ctx context.Context, msgs []notify.Message) error {
	client, err := t.conn(ctx)
	if err != nil {
		return err
	}
	for _, m := range msgs {
		if err := ctx.Err(); err != nil {
			return err
		}
		// One at a time: a message that fails leaves none after it
		// delivered ahead of its retry.
		if err := wait(ctx, client.Publish(t.topic, t.qos, false, m.Body())); err != nil {
			return fmt.Errorf("mqtt: publishing to %s: %w", t.topic, err)
		}
	}
	return nil
}

func (t *target) Ping(ctx context.Context) error {
	_, err := t.conn(ctx)
	return err
}

func (t *target) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closed = true
	if t.client != nil {
		t.client.Disconnect(250)
		t.client = nil
	}
	return nil
}
