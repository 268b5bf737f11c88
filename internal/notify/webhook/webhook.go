package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/kurastore/kura/internal/notify"
	"github.com/kurastore/kura/internal/notify/tlsconf"
)

var kind = notify.Kind{
	Type: "webhook",
	Help: "POST each event as JSON to an HTTP(S) endpoint",
	Settings: slices.Concat([]notify.Setting{
		{Name: "endpoint", Help: "http:// or https:// URL to POST events to", Required: true},
		{Name: "auth-token", Help: `token sent as "Authorization: Bearer <token>" (or as it is when it starts with a scheme word)`, Secret: true},
	}, tlsconf.Settings(""), []notify.Setting{
		{Name: "timeout", Help: "how long one request may take", Default: "10s"},
	}),
}

func init() {
	// Open is set here: open reads kind's defaults, and a reference both
	// ways would be an initialization cycle.
	kind.Open = open
	notify.Register(kind)
}

// maxDrain bounds how much of a response body is read so the connection
// can be reused; a larger body costs a new connection, not memory.
const maxDrain = 64 << 10

type target struct {
	endpoint string
	auth     string // the Authorization header, "" for none
	client   *http.Client
}

func open(c notify.Config) (notify.Target, error) {
	endpoint, err := parseEndpoint(c.Get(kind, "endpoint"))
	if err != nil {
		return nil, err
	}
	timeout, err := time.ParseDuration(c.Get(kind, "timeout"))
	if err != nil || timeout <= 0 {
		return nil, fmt.Errorf("webhook: --timeout %q: want a positive duration such as 10s", c.Get(kind, "timeout"))
	}
	tlsConf, err := tlsconf.Config(tlsconf.FilesOf(c, kind))
	if err != nil {
		return nil, fmt.Errorf("webhook: %w", err)
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.TLSClientConfig = tlsConf
	return &target{
		endpoint: endpoint,
		auth:     authorization(c.Get(kind, "auth-token")),
		client:   &http.Client{Transport: transport, Timeout: timeout},
	}, nil
}

func parseEndpoint(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil {
		// url's errors quote the URL, which may hold a password.
		return "", errors.New("webhook: --endpoint is not a valid URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return "", errors.New("webhook: --endpoint must be an http:// or https:// URL with a host")
	}
	return u.String(), nil
}

// authorization makes the Authorization header of a token: a bare token
// is a bearer token; "Scheme credentials" is used as it is.
func authorization(token string) string {
	token = strings.TrimSpace(token)
	if token == "" || strings.ContainsAny(token, " \t") {
		return token
	}
	return "Bearer " + token
}

// Send POSTs each message in turn and stops at the first one the
// endpoint does not accept: later ones must not overtake it.
func (t *target) Send(ctx context.Context, msgs []notify.Message) error {
	for i, m := range msgs {
		if err := t.post(ctx, m.Body()); err != nil {
			if i > 0 {
				return &notify.PartialError{Accepted: i, Err: err}
			}
			return err
		}
	}
	return nil
}

func (t *target) post(ctx context.Context, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.endpoint, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := t.do(req)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("webhook: endpoint %s answered %s", t.host(), resp.Status)
	}
	return nil
}

// Ping makes a HEAD request: it changes nothing at the endpoint.
func (t *target) Ping(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, t.endpoint, nil)
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	resp, err := t.do(req)
	if err != nil {
		return err
	}
	if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
		return fmt.Errorf("webhook: endpoint %s refused the request: %s", t.host(), resp.Status)
	}
	return nil
}

// do sends req with the token and drains and closes the response body.
// Its errors name only the endpoint's host: the URL's path or user info
// may hold a secret.
func (t *target) do(req *http.Request) (*http.Response, error) {
	if t.auth != "" {
		req.Header.Set("Authorization", t.auth)
	}
	resp, err := t.client.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return nil, fmt.Errorf("webhook: %s %s: %w", req.Method, t.host(), err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain))
	resp.Body.Close()
	return resp, nil
}

func (t *target) host() string {
	u, _ := url.Parse(t.endpoint)
	return u.Host
}

func (t *target) Close() error {
	t.client.CloseIdleConnections()
	return nil
}
