package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// CertificateIdentity obtains temporary credentials from kura's STS for a
// TLS client certificate (AssumeRoleWithCertificate, over HTTPS to a
// server started with --tls-client-ca): the certificate's subject common
// name names the policy the credentials get. It keeps them until shortly
// before they expire, when it asks anew. The call is not signed: the
// certificate is the proof. Use it as a pointer; it is safe for
// concurrent use.
type CertificateIdentity struct {
	// Endpoint is the STS URL, https://host:port.
	Endpoint string
	// Certificate is the client certificate with its key, e.g. from
	// tls.LoadX509KeyPair.
	Certificate tls.Certificate
	// RootCAs verify the server; nil means the system roots.
	RootCAs *x509.CertPool
	// Duration is how long the credentials last, 15 min to 12 h; zero
	// leaves it to the server (one hour). kura ends them no later than
	// the certificate.
	Duration time.Duration
	// HTTPClient, when set, makes the call instead of a client built from
	// Certificate and RootCAs; its transport must present the
	// certificate.
	HTTPClient *http.Client

	client *http.Client
	stsSession
}

// Retrieve returns the cached credentials, fetching new ones when they
// are about to expire. When fetching fails while the old ones still
// work, the old ones are returned.
func (c *CertificateIdentity) Retrieve(ctx context.Context) (Credentials, error) {
	return c.retrieve(ctx, refreshMargin, c.fetch)
}

func (c *CertificateIdentity) httpClient() *http.Client {
	if c.HTTPClient != nil {
		return c.HTTPClient
	}
	if c.client == nil {
		c.client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{
			MinVersion: tls.VersionTLS12, RootCAs: c.RootCAs, Certificates: []tls.Certificate{c.Certificate},
		}}}
	}
	return c.client
}

func (c *CertificateIdentity) fetch(ctx context.Context, _ time.Time) (Credentials, error) {
	u, err := url.Parse(c.Endpoint)
	switch {
	case err != nil || u.Host == "" || u.Scheme != "https":
		return Credentials{}, invalidArgument("STS endpoint %q is not an https URL", c.Endpoint)
	case c.HTTPClient == nil && len(c.Certificate.Certificate) == 0:
		return Credentials{}, invalidArgument("CertificateIdentity needs a Certificate or an HTTPClient")
	case c.Duration != 0 && (c.Duration < minAssumeRoleDuration || c.Duration > maxAssumeRoleDuration):
		return Credentials{}, invalidArgument("CertificateIdentity duration %v is not between %v and %v", c.Duration, minAssumeRoleDuration, maxAssumeRoleDuration)
	}
	q := url.Values{"Action": {"AssumeRoleWithCertificate"}, "Version": {"2011-06-15"}}
	if c.Duration != 0 {
		q.Set("DurationSeconds", strconv.FormatInt(int64(c.Duration/time.Second), 10))
	}
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), http.NoBody)
	if err != nil {
		return Credentials{}, err
	}
	return callSTS(c.httpClient(), req, "AssumeRoleWithCertificate")
}
