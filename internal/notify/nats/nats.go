package nats

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	gonats "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/kurastore/kura/internal/notify"
	"github.com/kurastore/kura/internal/notify/tlsconf"
)

var kind = notify.Kind{
	Type: "nats",
	Help: "publish events to a NATS subject, on core NATS or JetStream",
	Settings: append([]notify.Setting{
		{Name: "address", Help: "nats://host:port (a comma-separated list for a cluster)", Required: true},
		{Name: "subject", Help: "the subject to publish to", Required: true},
		{Name: "username", Help: "user name"},
		{Name: "password", Help: "password of --username", Secret: true},
		{Name: "token", Help: "authentication token, instead of a user", Secret: true},
		{Name: "credentials", Help: "path of a .creds file (JWT and NKey seed)"},
		{Name: "jetstream", Help: "on to publish into JetStream, acknowledged by the stream", Default: "off"},
		{Name: "tls", Help: "on to require TLS", Default: "off"},
	}, tlsconf.Settings("with --tls on")...),
}

func init() {
	// Open is set here: open reads kind's defaults, and a reference both
	// ways would be an initialization cycle.
	kind.Open = open
	notify.Register(kind)
}

// requestTimeout bounds a Send or Ping whose context has no deadline:
// the client's round trips need one.
const requestTimeout = 30 * time.Second

type target struct {
	servers   string
	subject   string
	jetstream bool
	opts      []gonats.Option

	mu     sync.Mutex
	nc     *gonats.Conn // nil until the first connection succeeds
	js     jetstream.JetStream
	closed bool
}

func open(c notify.Config) (notify.Target, error) {
	servers, err := parseServers(c.Get(kind, "address"))
	if err != nil {
		return nil, err
	}
	subject := c.Get(kind, "subject")
	if strings.ContainsAny(subject, " \t\r\n*>") {
		return nil, fmt.Errorf("nats: --subject %q: a subject to publish to has no spaces or wildcards", subject)
	}
	useJS, err := parseOnOff("jetstream", c.Get(kind, "jetstream"))
	if err != nil {
		return nil, err
	}
	useTLS, err := parseOnOff("tls", c.Get(kind, "tls"))
	if err != nil {
		return nil, err
	}
	opts := []gonats.Option{
		gonats.Name("kura notifications"),
		gonats.Timeout(10 * time.Second),
		// Reconnect for as long as it takes, and without buffering:
		// a publish while disconnected fails instead of claiming
		// success for a message that could still be lost.
		gonats.MaxReconnects(-1),
		gonats.ReconnectWait(time.Second),
		gonats.ReconnectBufSize(-1),
	}
	user, password, token, creds := c.Get(kind, "username"), c.Get(kind, "password"), c.Get(kind, "token"), c.Get(kind, "credentials")
	switch {
	case token != "" && (user != "" || creds != ""), user != "" && creds != "":
		return nil, errors.New("nats: use one of --username, --token and --credentials")
	case password != "" && user == "":
		return nil, errors.New("nats: --password needs --username")
	case user != "":
		opts = append(opts, gonats.UserInfo(user, password))
	case token != "":
		opts = append(opts, gonats.Token(token))
	case creds != "":
		// The client reads the file at each connection; reading it now
		// reports a wrong path when the target is configured.
		if _, err := os.ReadFile(creds); err != nil {
			return nil, fmt.Errorf("nats: --credentials: %w", err)
		}
		opts = append(opts, gonats.UserCredentials(creds))
	}
	files := tlsconf.FilesOf(c, kind)
	if files.Any() && !useTLS {
		return nil, errors.New("nats: --ca-cert, --client-cert and --client-key need --tls on")
	}
	if useTLS {
		conf, err := tlsconf.Config(files)
		if err != nil {
			return nil, fmt.Errorf("nats: %w", err)
		}
		opts = append(opts, gonats.Secure(conf))
	}
	return &target{servers: servers, subject: subject, jetstream: useJS, opts: opts}, nil
}

// parseServers checks a comma-separated list of servers and gives each
// the nats:// scheme it may lack.
func parseServers(s string) (string, error) {
	var servers []string
	for _, srv := range strings.Split(s, ",") {
		srv = strings.TrimSpace(srv)
		if !strings.Contains(srv, "://") {
			srv = "nats://" + srv
		}
		u, err := url.Parse(srv)
		if err != nil || u.Host == "" || u.Port() == "" {
			// url's errors quote the URL, which may hold a password.
			return "", errors.New("nats: --address: want nats://host:port or host:port, comma-separated")
		}
		servers = append(servers, srv)
	}
	return strings.Join(servers, ","), nil
}

func parseOnOff(name, s string) (bool, error) {
	switch s {
	case "on", "true":
		return true, nil
	case "off", "false":
		return false, nil
	}
	return false, fmt.Errorf("nats: --%s %q: want on or off", name, s)
}

// conn returns the connection, connecting first if there is none yet or
// the last one was closed for good. A connection attempt that outlives
// ctx is left to finish in the background and then dropped.
func (t *target) conn(ctx context.Context) (*gonats.Conn, jetstream.JetStream, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, nil, errors.New("nats: target closed")
	}
	if t.nc != nil && !t.nc.IsClosed() {
		return t.nc, t.js, nil
	}
	type result struct {
		nc  *gonats.Conn
		err error
	}
	done := make(chan result, 1)
	go func() {
		nc, err := gonats.Connect(t.servers, t.opts...)
		done <- result{nc, err}
	}()
	var r result
	select {
	case r = <-done:
	case <-ctx.Done():
		go func() {
			if r := <-done; r.nc != nil {
				r.nc.Close()
			}
		}()
		return nil, nil, fmt.Errorf("nats: connecting: %w", ctx.Err())
	}
	if r.err != nil {
		return nil, nil, fmt.Errorf("nats: connecting: %w", r.err)
	}
	js, err := jetstream.New(r.nc)
	if err != nil {
		r.nc.Close()
		return nil, nil, fmt.Errorf("nats: %w", err)
	}
	t.nc, t.js = r.nc, js
	return t.nc, t.js, nil
}

// withDeadline gives ctx a deadline if it has none.
func withDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, requestTimeout)
}

func (t *target) Send(ctx context.Context, msgs []notify.Message) error {
	ctx, cancel := withDeadline(ctx)
	defer cancel()
	if err := ctx.Err(); err != nil {
		return err
	}
	nc, js, err := t.conn(ctx)
	if err != nil {
		return err
	}
	if t.jetstream {
		// One at a time: each waits for the stream's acknowledgement,
		// so a failure leaves no later message stored before it.
		for _, m := range msgs {
			if _, err := js.Publish(ctx, t.subject, m.Body()); err != nil {
				return fmt.Errorf("nats: publishing to JetStream subject %s: %w", t.subject, err)
			}
		}
		return nil
	}
	for _, m := range msgs {
		if err := nc.Publish(t.subject, m.Body()); err != nil {
			return fmt.Errorf("nats: publishing to %s: %w", t.subject, err)
		}
	}
	// The server answers a PING after it has read everything sent
	// before it on the connection.
	if err := nc.FlushWithContext(ctx); err != nil {
		return fmt.Errorf("nats: publishing to %s: %w", t.subject, err)
	}
	return nil
}

func (t *target) Ping(ctx context.Context) error {
	ctx, cancel := withDeadline(ctx)
	defer cancel()
	nc, js, err := t.conn(ctx)
	if err != nil {
		return err
	}
	if t.jetstream {
		if _, err := js.StreamNameBySubject(ctx, t.subject); err != nil {
			return fmt.Errorf("nats: finding the JetStream stream of subject %s: %w", t.subject, err)
		}
		return nil
	}
	if err := nc.FlushWithContext(ctx); err != nil {
		return fmt.Errorf("nats: %w", err)
	}
	return nil
}

func (t *target) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closed = true
	if t.nc != nil {
		t.nc.Close()
	}
	return nil
}
