package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// LDAPIdentity obtains temporary credentials from an STS endpoint for an
// LDAP user name and password (AssumeRoleWithLDAPIdentity; kura serves it
// on its S3 endpoint when an LDAP provider is configured), and keeps them
// until shortly before they expire, when it logs in anew. The call is
// not signed: the password is the proof, so use an https endpoint. Use it
// as a pointer; it is safe for concurrent use.
type LDAPIdentity struct {
	// Endpoint is the STS URL, e.g. kura's https://host:port.
	Endpoint string
	Username string
	Password string
	// Duration is how long the credentials last, 15 min to 12 h; zero
	// leaves it to the server (one hour).
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
func (l *LDAPIdentity) Retrieve(ctx context.Context) (Credentials, error) {
	return l.retrieve(ctx, refreshMargin, l.fetch)
}

func (l *LDAPIdentity) form() url.Values {
	f := url.Values{
		"Action": {"AssumeRoleWithLDAPIdentity"}, "Version": {"2011-06-15"},
		"LDAPUsername": {l.Username}, "LDAPPassword": {l.Password},
	}
	if l.Policy != "" {
		f.Set("Policy", l.Policy)
	}
	if l.Duration != 0 {
		f.Set("DurationSeconds", strconv.FormatInt(int64(l.Duration/time.Second), 10))
	}
	return f
}

func (l *LDAPIdentity) fetch(ctx context.Context, _ time.Time) (Credentials, error) {
	u, err := url.Parse(l.Endpoint)
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https"):
		return Credentials{}, invalidArgument("STS endpoint %q is not an http(s) URL", l.Endpoint)
	case l.Username == "" || l.Password == "":
		return Credentials{}, invalidArgument("LDAPIdentity needs a Username and a Password")
	case l.Duration != 0 && (l.Duration < minAssumeRoleDuration || l.Duration > maxAssumeRoleDuration):
		return Credentials{}, invalidArgument("LDAPIdentity duration %v is not between %v and %v", l.Duration, minAssumeRoleDuration, maxAssumeRoleDuration)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(l.form().Encode()))
	if err != nil {
		return Credentials{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	return callSTS(l.HTTPClient, req, "AssumeRoleWithLDAPIdentity")
}
