package kafka

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/kurastore/kura/internal/notify"
)

// kind is filled in by init: Open refers to it for the settings'
// defaults.
var kind notify.Kind

var settingList = []notify.Setting{
	{Name: "brokers", Required: true, Help: "comma-separated host:port of the brokers to start from"},
	{Name: "topic", Required: true, Help: "the topic events are produced to"},
	{Name: "sasl-username", Help: "SASL user; SASL is off without one"},
	{Name: "sasl-password", Secret: true, Help: "SASL password"},
	{Name: "sasl-mechanism", Default: "plain", Help: "plain, scram-sha-256 or scram-sha-512"},
	{Name: "tls", Default: "off", Help: "on: connect with TLS, trusting the system's CAs"},
}

func init() {
	kind = notify.Kind{
		Type:     "kafka",
		Help:     "records produced to a Kafka topic",
		Settings: settingList,
		Open:     open,
	}
	notify.Register(kind)
}

// maxTopicLen is the longest topic name Kafka accepts.
const maxTopicLen = 249

func checkTopic(topic string) error {
	if topic == "" || len(topic) > maxTopicLen || topic == "." || topic == ".." {
		return fmt.Errorf("kafka target: topic %q: use 1 to %d characters, other than \".\" and \"..\"", topic, maxTopicLen)
	}
	for _, r := range topic {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return fmt.Errorf("kafka target: topic %q: use letters, digits, '.', '_' and '-'", topic)
		}
	}
	return nil
}

func parseBrokers(list string) ([]string, error) {
	var brokers []string
	for b := range strings.SplitSeq(list, ",") {
		b = strings.TrimSpace(b)
		host, port, err := net.SplitHostPort(b)
		if err == nil && host != "" {
			if n, perr := strconv.Atoi(port); perr != nil || n < 1 || n > 65535 {
				err = errors.New("bad port")
			}
		} else if err == nil {
			err = errors.New("no host")
		}
		if err != nil {
			return nil, fmt.Errorf("kafka target: broker %q: use host:port", b)
		}
		brokers = append(brokers, b)
	}
	return brokers, nil
}

func saslMechanism(name, user, pass string) (sasl.Mechanism, error) {
	switch name {
	case "plain":
		return plain.Auth{User: user, Pass: pass}.AsMechanism(), nil
	case "scram-sha-256":
		return scram.Auth{User: user, Pass: pass}.AsSha256Mechanism(), nil
	case "scram-sha-512":
		return scram.Auth{User: user, Pass: pass}.AsSha512Mechanism(), nil
	}
	return nil, fmt.Errorf("kafka target: sasl-mechanism %q: use plain, scram-sha-256 or scram-sha-512", name)
}

// options turns a configuration into the client's options, checking
// every setting.
func options(c notify.Config) (topic string, opts []kgo.Opt, err error) {
	topic = c.Get(kind, "topic")
	if err := checkTopic(topic); err != nil {
		return "", nil, err
	}
	brokers, err := parseBrokers(c.Get(kind, "brokers"))
	if err != nil {
		return "", nil, err
	}
	opts = []kgo.Opt{
		kgo.SeedBrokers(brokers...),
		kgo.DefaultProduceTopic(topic),
		// Every in-sync replica has a record before it counts as
		// delivered; the producer is idempotent (franz-go's default), so
		// retries neither duplicate nor reorder records of a partition.
		kgo.RequiredAcks(kgo.AllISRAcks()),
		// A Send that gives up leaves its records to be failed within
		// this long, rather than retried forever in the background.
		kgo.RecordDeliveryTimeout(time.Minute),
		// As other Kafka producers do, let brokers that create topics on
		// first use create this one.
		kgo.AllowAutoTopicCreation(),
	}
	user, pass := c.Get(kind, "sasl-username"), c.Get(kind, "sasl-password")
	mech, err := saslMechanism(c.Get(kind, "sasl-mechanism"), user, pass)
	if err != nil {
		return "", nil, err
	}
	switch {
	case user != "":
		opts = append(opts, kgo.SASL(mech))
	case pass != "":
		return "", nil, errors.New("kafka target: sasl-password needs sasl-username")
	}
	switch c.Get(kind, "tls") {
	case "on":
		opts = append(opts, kgo.DialTLSConfig(&tls.Config{MinVersion: tls.VersionTLS12}))
	case "off":
	default:
		return "", nil, fmt.Errorf("kafka target: tls %q: use on or off", c.Get(kind, "tls"))
	}
	return topic, opts, nil
}

func open(c notify.Config) (notify.Target, error) {
	topic, opts, err := options(c)
	if err != nil {
		return nil, err
	}
	return openWith(topic, opts...)
}

// openWith makes a target from checked options; tests add their own (a
// TLS config trusting a test CA).
func openWith(topic string, opts ...kgo.Opt) (notify.Target, error) {
	// The client connects on first use and reconnects by itself.
	client, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("kafka target: %w", err)
	}
	return &target{topic: topic, client: client}, nil
}

type target struct {
	topic  string
	client *kgo.Client
}

// Ping asks a broker for the topic's metadata: it connects (and
// authenticates) and checks that the topic exists, or that the broker
// creates it on first use as it would for Send.
func (t *target) Ping(ctx context.Context) error {
	req := kmsg.NewPtrMetadataRequest()
	rt := kmsg.NewMetadataRequestTopic()
	rt.Topic = kmsg.StringPtr(t.topic)
	req.Topics = append(req.Topics, rt)
	req.AllowAutoTopicCreation = true
	resp, err := req.RequestWith(ctx, t.client)
	if err != nil {
		return fmt.Errorf("kafka target: asking for topic %s: %w", t.topic, err)
	}
	for _, rt := range resp.Topics {
		if err := kerr.ErrorForCode(rt.ErrorCode); err != nil {
			return fmt.Errorf("kafka target: topic %s: %w", t.topic, err)
		}
	}
	return nil
}

// Send produces one record per message, keyed by the object's
// "bucket/object" so that an object's events share a partition and keep
// their order, and returns once every record is acknowledged.
func (t *target) Send(ctx context.Context, msgs []notify.Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	records := make([]*kgo.Record, len(msgs))
	for i, m := range msgs {
		// No Timestamp: the client stamps the record when it is
		// produced, as other producers do, and counts the delivery
		// timeout from that stamp; an event's own time may be long past
		// when the outbox retries it. Its time is in the value.
		records[i] = &kgo.Record{Key: []byte(m.Key()), Value: m.Body()}
	}
	// ProduceSync fails records whose context ends only while they are
	// not in flight; a Send returns when its context ends regardless,
	// and the client settles those records in the background.
	done := make(chan error, 1)
	go func() { done <- t.client.ProduceSync(ctx, records...).FirstErr() }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("kafka target: producing to %s: %w", t.topic, err)
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (t *target) Close() error {
	t.client.Close()
	return nil
}
