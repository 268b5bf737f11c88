package client

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// WebIdentity obtains temporary credentials from an STS endpoint for an
// OpenID Connect token (AssumeRoleWithWebIdentity; kura serves it on its
// S3 endpoint), and keeps them until shortly before they expire, when it
// reads the token again and asks anew. The call is not signed: the
// token is the proof. Use it as a pointer; it is safe for concurrent use.
type WebIdentity struct {
	// Endpoint is the STS URL, e.g. kura's http://host:port.
	Endpoint string
	// TokenFile is a file holding the token, read at each refresh (as
	// Kubernetes projects service account tokens). Token, when set,
	// is used instead.
	TokenFile string
	Token     func(ctx context.Context) (string, error)
	// RoleARN selects the provider's role (kura: arn:kura:iam:::role/NAME);
	// empty lets a provider mapping by claim be found by the token's
	// issuer.
	RoleARN string
	// SessionName names the session; default "kura-go-<unix time>".
	SessionName string
	// Duration is how long the credentials last, 15 min to 12 h; zero
	// leaves it to the server (one hour). kura ends them no later than
	// the token.
	Duration time.Duration
	// Policy is a session policy (JSON) that narrows the credentials.
	Policy string
	// HTTPClient makes the call; nil means http.DefaultClient.
	HTTPClient *http.Client

	mu     sync.Mutex
	cached Credentials
	// fetched is when cached was fetched.
	fetched time.Time
	// now is the clock for expiry; nil means time.Now.
	now func() time.Time
}

func (w *WebIdentity) clock() time.Time {
	if w.now != nil {
		return w.now()
	}
	return time.Now()
}

// Retrieve returns the cached credentials, fetching new ones when they
// are about to expire. When fetching fails while the old ones still
// work, the old ones are returned.
func (w *WebIdentity) Retrieve(ctx context.Context) (Credentials, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.clock()
	if w.cached.AccessKey != "" && now.Before(w.cached.Expires.Add(-refreshMargin(w.cached.Expires.Sub(w.fetched)))) {
		return w.cached, nil
	}
	creds, err := w.fetch(ctx, now)
	if err != nil {
		if w.cached.AccessKey != "" && now.Before(w.cached.Expires) {
			return w.cached, nil
		}
		return Credentials{}, err
	}
	w.cached, w.fetched = creds, now
	return creds, nil
}

// refreshMargin is assumeRoleRefreshMargin, or a tenth of the lifetime
// of credentials that last less than ten minutes (a token close to its
// end gives short credentials), so that they are still used a while.
func refreshMargin(lifetime time.Duration) time.Duration {
	return min(assumeRoleRefreshMargin, lifetime/10)
}

func (w *WebIdentity) token(ctx context.Context) (string, error) {
	if w.Token != nil {
		return w.Token(ctx)
	}
	if w.TokenFile == "" {
		return "", invalidArgument("WebIdentity needs a Token function or a TokenFile")
	}
	data, err := os.ReadFile(w.TokenFile)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(data)), nil
}

func (w *WebIdentity) form(now time.Time, token string) url.Values {
	f := url.Values{"Action": {"AssumeRoleWithWebIdentity"}, "Version": {"2011-06-15"}, "WebIdentityToken": {token}}
	session := w.SessionName
	if session == "" {
		session = "kura-go-" + strconv.FormatInt(now.Unix(), 10)
	}
	f.Set("RoleSessionName", session)
	if w.RoleARN != "" {
		f.Set("RoleArn", w.RoleARN)
	}
	if w.Policy != "" {
		f.Set("Policy", w.Policy)
	}
	if w.Duration != 0 {
		f.Set("DurationSeconds", strconv.FormatInt(int64(w.Duration/time.Second), 10))
	}
	return f
}

func (w *WebIdentity) fetch(ctx context.Context, now time.Time) (Credentials, error) {
	u, err := url.Parse(w.Endpoint)
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https"):
		return Credentials{}, invalidArgument("STS endpoint %q is not an http(s) URL", w.Endpoint)
	case w.Duration != 0 && (w.Duration < minAssumeRoleDuration || w.Duration > maxAssumeRoleDuration):
		return Credentials{}, invalidArgument("WebIdentity duration %v is not between %v and %v", w.Duration, minAssumeRoleDuration, maxAssumeRoleDuration)
	}
	token, err := w.token(ctx)
	if err != nil {
		return Credentials{}, fmt.Errorf("client: web identity token: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(w.form(now, token).Encode()))
	if err != nil {
		return Credentials{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	hc := w.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return Credentials{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxSTSResponse))
	if err != nil {
		return Credentials{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return Credentials{}, stsError(resp, data)
	}
	return parseWebIdentity(data)
}

func parseWebIdentity(data []byte) (Credentials, error) {
	var doc struct {
		Credentials struct {
			AccessKeyID     string `xml:"AccessKeyId"`
			SecretAccessKey string `xml:"SecretAccessKey"`
			SessionToken    string `xml:"SessionToken"`
			Expiration      string `xml:"Expiration"`
		} `xml:"AssumeRoleWithWebIdentityResult>Credentials"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		return Credentials{}, fmt.Errorf("client: AssumeRoleWithWebIdentity answer: %w", err)
	}
	c := doc.Credentials
	expires, err := time.Parse(time.RFC3339, c.Expiration)
	if err != nil || c.AccessKeyID == "" || c.SecretAccessKey == "" {
		return Credentials{}, fmt.Errorf("client: AssumeRoleWithWebIdentity answer lacks credentials or their expiration")
	}
	return Credentials{AccessKey: c.AccessKeyID, SecretKey: c.SecretAccessKey, SessionToken: c.SessionToken, Expires: expires}, nil
}
