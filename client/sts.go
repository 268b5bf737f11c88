package client

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// stsSession keeps the temporary credentials an STS call returned and
// asks for new ones shortly before they expire. The STS providers
// (AssumeRole, WebIdentity, LDAPIdentity, CertificateIdentity) embed it.
type stsSession struct {
	mu      sync.Mutex
	cached  Credentials
	fetched time.Time
	// now is the clock for signing and expiry; nil means time.Now.
	now func() time.Time
}

func (s *stsSession) clock() time.Time {
	if s.now != nil {
		return s.now()
	}
	return time.Now()
}

// retrieve returns the cached credentials, fetching new ones when they
// are about to expire: margin before, given how long they last. When
// fetching fails while the old ones still work, the old ones are
// returned: a brief STS outage must not fail requests that could still
// be signed.
func (s *stsSession) retrieve(ctx context.Context, margin func(lifetime time.Duration) time.Duration, fetch func(ctx context.Context, now time.Time) (Credentials, error)) (Credentials, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	if s.cached.AccessKey != "" && now.Before(s.cached.Expires.Add(-margin(s.cached.Expires.Sub(s.fetched)))) {
		return s.cached, nil
	}
	creds, err := fetch(ctx, now)
	if err != nil {
		if s.cached.AccessKey != "" && now.Before(s.cached.Expires) {
			return s.cached, nil
		}
		return Credentials{}, err
	}
	s.cached, s.fetched = creds, now
	return creds, nil
}

// refreshMargin is how long before they expire credentials that last
// lifetime are renewed: a minute, or a tenth of a short lifetime.
func refreshMargin(lifetime time.Duration) time.Duration {
	return min(assumeRoleRefreshMargin, lifetime/10)
}

// fixedMargin renews credentials a minute before they expire, however
// long they last (AssumeRole's credentials last 15 minutes or more).
func fixedMargin(time.Duration) time.Duration { return assumeRoleRefreshMargin }

// maxSTSResponse bounds an STS answer (a few KiB in practice).
const maxSTSResponse = 1 << 20

// callSTS sends an STS call (hc nil: http.DefaultClient) and returns the
// credentials of its answer, the Credentials of the action's Result
// element, or the STS error.
func callSTS(hc *http.Client, req *http.Request, action string) (Credentials, error) {
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
	return parseSTSCredentials(data, action)
}

// parseSTSCredentials reads the credentials of an STS answer to action:
// <ActionResponse><ActionResult><Credentials>.
func parseSTSCredentials(data []byte, action string) (Credentials, error) {
	var doc struct {
		Results []struct {
			XMLName     xml.Name
			Credentials struct {
				AccessKeyID     string `xml:"AccessKeyId"`
				SecretAccessKey string `xml:"SecretAccessKey"`
				SessionToken    string `xml:"SessionToken"`
				Expiration      string `xml:"Expiration"`
			} `xml:"Credentials"`
		} `xml:",any"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		return Credentials{}, fmt.Errorf("client: %s answer: %w", action, err)
	}
	for _, r := range doc.Results {
		if r.XMLName.Local != action+"Result" {
			continue
		}
		c := r.Credentials
		expires, err := time.Parse(time.RFC3339, c.Expiration)
		if err != nil || c.AccessKeyID == "" || c.SecretAccessKey == "" {
			break
		}
		return Credentials{AccessKey: c.AccessKeyID, SecretKey: c.SecretAccessKey, SessionToken: c.SessionToken, Expires: expires}, nil
	}
	return Credentials{}, fmt.Errorf("client: %s answer lacks credentials or their expiration", action)
}
