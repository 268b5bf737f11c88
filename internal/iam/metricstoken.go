package iam

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"time"

	"github.com/kurastore/kura/s3err"
)

// Bounds of a metrics token's lifetime. A scraper's token lives in its
// configuration for long, hence the generous default; a token can be
// revoked before it expires by deleting or disabling the identity it
// names (or, for root, by changing the root credentials).
const (
	MinMetricsTokenExpiry     = time.Minute
	MaxMetricsTokenExpiry     = 100 * 365 * 24 * time.Hour
	DefaultMetricsTokenExpiry = 365 * 24 * time.Hour
)

// A metrics token is the bearer token a Prometheus server scrapes the
// metrics with. Like session tokens it is stored nowhere: it is the
// claims of a session (the access key that asked for it, its expiry and,
// for root, the root fingerprint) sealed under a key of its own derived
// from the seal key, so any gateway sharing the store checks it, and the
// identity it names is looked up on every scrape.

// metricsTokenAD binds the sealed claims to their use.
var metricsTokenAD = []byte("kura metrics token")

// IssueMetricsToken returns a token naming caller that is good for
// validFor. Temporary credentials cannot issue one: a token outliving
// them would name an access key that no longer exists.
func (s *Store) IssueMetricsToken(caller *Identity, validFor time.Duration) (string, time.Time, error) {
	if validFor < MinMetricsTokenExpiry || validFor > MaxMetricsTokenExpiry {
		return "", time.Time{}, s3err.ErrInvalidArgument.WithMessage("A metrics token's expiry must be between %v and %v.", MinMetricsTokenExpiry, MaxMetricsTokenExpiry)
	}
	if caller.session != nil {
		return "", time.Time{}, s3err.ErrAccessDenied.WithMessage("Temporary credentials cannot issue a metrics token.")
	}
	expires := s.now().Add(validFor).Truncate(time.Second).UTC()
	c := sessionClaims{Parent: caller.AccessKey, Expires: expires.Unix()}
	if caller.Root {
		c.Root = s.rootFingerprint()
	}
	plain, err := json.Marshal(c)
	if err != nil {
		return "", time.Time{}, err
	}
	return base64.RawURLEncoding.EncodeToString(sealWith(s.keys.metrics, plain, metricsTokenAD)), expires, nil
}

// MetricsIdentity checks a metrics token and returns the identity it
// names as that identity is now: InvalidToken for a token this store's
// seal key did not seal, ExpiredToken once it expired, and
// InvalidAccessKeyId when the identity was deleted or disabled. Whether
// the identity may read the metrics is for the caller to decide.
func (s *Store) MetricsIdentity(ctx context.Context, token string) (*Identity, error) {
	sealed, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return nil, s3err.ErrInvalidToken
	}
	plain, err := openWith(s.keys.metrics, sealed, metricsTokenAD)
	if err != nil {
		return nil, s3err.ErrInvalidToken
	}
	var c sessionClaims
	if err := json.Unmarshal(plain, &c); err != nil || c.Parent == "" {
		return nil, s3err.ErrInvalidToken
	}
	if !s.now().Before(time.Unix(c.Expires, 0)) {
		return nil, s3err.ErrExpiredToken
	}
	return s.sessionParent(ctx, c)
}
