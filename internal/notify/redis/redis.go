package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/kurastore/kura/internal/notify"
	"github.com/kurastore/kura/internal/notify/tlsconf"
)

var kind = notify.Kind{
	Type: "redis",
	Help: "keep events in a Redis hash (namespace format) or list (access format)",
	Settings: append([]notify.Setting{
		{Name: "address", Help: "host:port of the Redis server", Required: true},
		{Name: "user", Help: "ACL user name"},
		{Name: "password", Help: "password of --user, or the server's requirepass", Secret: true},
		{Name: "key", Help: "the hash or list events go to", Required: true},
		{Name: "format", Help: "namespace (a hash, one field per object) or access (a list of every event)", Default: formatNamespace},
		{Name: "tls", Help: "on to connect with TLS", Default: "off"},
	}, tlsconf.Settings("with --tls on")...),
}

func init() {
	// Open is set here: open reads kind's defaults, and a reference both
	// ways would be an initialization cycle.
	kind.Open = open
	notify.Register(kind)
	goredis.SetLogger(debugLog{})
}

// debugLog passes the client's log lines, such as each failed dial, to
// slog at debug level: the service reports failed deliveries itself, and
// the client would otherwise print to the standard logger on every
// attempt while a server is down.
type debugLog struct{}

func (debugLog) Printf(ctx context.Context, format string, v ...any) {
	slog.DebugContext(ctx, "redis client: "+fmt.Sprintf(format, v...))
}

const (
	formatNamespace = "namespace"
	formatAccess    = "access"
)

type target struct {
	client *goredis.Client
	key    string
	format string
}

func open(c notify.Config) (notify.Target, error) {
	addr := c.Get(kind, "address")
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, fmt.Errorf("redis: --address %q: want host:port", addr)
	}
	format := c.Get(kind, "format")
	if format != formatNamespace && format != formatAccess {
		return nil, fmt.Errorf("redis: --format %q: want %s or %s", format, formatNamespace, formatAccess)
	}
	useTLS, err := parseOnOff(c.Get(kind, "tls"))
	if err != nil {
		return nil, fmt.Errorf("redis: --tls: %w", err)
	}
	opts := &goredis.Options{
		Addr:     addr,
		Username: c.Get(kind, "user"),
		Password: c.Get(kind, "password"),
		// RESP2 and no CLIENT SETINFO: every Redis version (and Redis-
		// compatible servers) understands the connection's first words.
		Protocol:        2,
		DisableIdentity: true,
		// A request ends at its context's deadline, not at a fixed one.
		ContextTimeoutEnabled: true,
		DialTimeout:           10 * time.Second,
		// One dial per attempt: the service retries a failed Send itself,
		// and a down server should fail Ping at once, not after backoffs.
		DialerRetries: 1,
	}
	files := tlsconf.FilesOf(c, kind)
	if files.Any() && !useTLS {
		return nil, errors.New("redis: --ca-cert, --client-cert and --client-key need --tls on")
	}
	if useTLS {
		conf, err := tlsconf.Config(files)
		if err != nil {
			return nil, fmt.Errorf("redis: %w", err)
		}
		conf.ServerName, _, _ = net.SplitHostPort(addr)
		opts.TLSConfig = conf
	}
	// NewClient does not connect: the pool dials on first use and again
	// after a connection fails.
	return &target{client: goredis.NewClient(opts), key: c.Get(kind, "key"), format: format}, nil
}

func parseOnOff(s string) (bool, error) {
	switch s {
	case "on", "true":
		return true, nil
	case "off", "false":
		return false, nil
	}
	return false, fmt.Errorf("%q: want on or off", s)
}

// Send writes the messages in one pipeline: Redis runs a connection's
// commands in the order they come, and a pipeline that fails part way
// is sent again whole, which the formats allow (a hash field set again
// keeps its value; a list gets the event again).
func (t *target) Send(ctx context.Context, msgs []notify.Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	_, err := t.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for _, m := range msgs {
			switch {
			case t.format == formatAccess:
				entry, err := accessEntry(m)
				if err != nil {
					return err
				}
				p.RPush(ctx, t.key, entry)
			case m.Removed:
				p.HDel(ctx, t.key, m.Key())
			default:
				p.HSet(ctx, t.key, m.Key(), m.Records())
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("redis: writing to %s: %w", t.key, err)
	}
	return nil
}

// accessEntry is one access-format list element.
func accessEntry(m notify.Message) ([]byte, error) {
	b, err := json.Marshal([]struct {
		Event     []json.RawMessage
		EventTime string
	}{{[]json.RawMessage{m.Record}, m.Time.UTC().Format(time.RFC3339Nano)}})
	if err != nil {
		return nil, fmt.Errorf("encoding the event of %s: %w", m.Key(), err)
	}
	return b, nil
}

// Ping asks for the key's type: it needs a working, authenticated
// connection and shows a key that holds something else than the format
// writes, which every Send would fail on.
func (t *target) Ping(ctx context.Context) error {
	typ, err := t.client.Type(ctx, t.key).Result()
	if err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	want := "hash"
	if t.format == formatAccess {
		want = "list"
	}
	if typ != "none" && typ != want {
		return fmt.Errorf("redis: key %s holds a %s; the %s format needs a %s", t.key, typ, t.format, want)
	}
	return nil
}

func (t *target) Close() error { return t.client.Close() }
