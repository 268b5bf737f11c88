package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
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

	stsSession
}

// Retrieve returns the cached credentials, fetching new ones when they
// are about to expire. When fetching fails while the old ones still
// work, the old ones are returned.
func (w *WebIdentity) Retrieve(ctx context.Context) (Credentials, error) {
	return w.retrieve(ctx, refreshMargin, w.fetch)
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
	return callSTS(w.HTTPClient, req, "AssumeRoleWithWebIdentity")
}
