// Package openid verifies OpenID Connect tokens for the security token
// service (AssumeRoleWithWebIdentity, AssumeRoleWithClientGrants) and maps
// them to a kura login (idp.Login). go-oidc reads the provider's discovery
// document and checks the signature's algorithm, the signature (with the
// keys of the provider's JWKS, kept by keySet, which fetches them again
// when no known key verifies a token, so that a provider may rotate its
// keys, but at most once per Verifier.KeyRefreshInterval) and iss. This
// package checks exp and nbf itself, allowing Verifier.ClockSkew either
// way, and that the audience holds the client ID, or the authorized party
// (azp) is it.
package openid

import (
	"cmp"
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"

	"github.com/kurastore/kura/internal/idp"
	"github.com/kurastore/kura/s3err"
)

// DefaultClaimName is the claim that lists policy names when a provider
// names neither a claim nor a role policy.
const DefaultClaimName = "policy"

// WellKnownSuffix ends the URL of a discovery document.
const WellKnownSuffix = "/.well-known/openid-configuration"

// Settings configure one OpenID Connect provider.
type Settings struct {
	// ConfigURL is the discovery document's URL (or the issuer's, to
	// which WellKnownSuffix is added).
	ConfigURL string `json:"configUrl"`
	// ClientID is the audience tokens must be for.
	ClientID string `json:"clientId"`
	// ClaimName names the claim listing the caller's kura policies
	// (a string of comma-separated names, or a list).
	ClaimName string `json:"claimName,omitempty"`
	// RolePolicy, instead of a claim, names the policies (comma-separated)
	// of every caller the provider vouches for, through its role ARN.
	RolePolicy string `json:"rolePolicy,omitempty"`
	// Scopes are those a client asks the provider for; kura lists them.
	Scopes []string `json:"scopes,omitempty"`
	// ClaimUserinfo reads the policy claim from the userinfo endpoint,
	// with the token as its access token, rather than from the token.
	ClaimUserinfo bool `json:"claimUserinfo,omitempty"`
	// RedirectURI is where the provider sends a browser back after a
	// console login (the console's /oauth/callback); empty means the
	// console's own address. The STS does not use it.
	RedirectURI string `json:"redirectUri,omitempty"`
}

// Check refuses settings that cannot work and fills in the default
// claim name.
func (st *Settings) Check() error {
	u, err := url.Parse(st.ConfigURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return s3err.ErrInvalidArgument.WithMessage("The OpenID configuration URL must be an http:// or https:// URL, not %q.", st.ConfigURL)
	}
	if st.ClientID == "" {
		return s3err.ErrInvalidArgument.WithMessage("An OpenID provider needs its client ID.")
	}
	if st.RedirectURI != "" {
		r, err := url.Parse(st.RedirectURI)
		if err != nil || (r.Scheme != "http" && r.Scheme != "https") || r.Host == "" || r.Fragment != "" {
			return s3err.ErrInvalidArgument.WithMessage("The redirect URI must be an http:// or https:// URL without a fragment, not %q.", st.RedirectURI)
		}
	}
	if st.ClaimName != "" && st.RolePolicy != "" {
		return s3err.ErrInvalidArgument.WithMessage("An OpenID provider maps callers by a claim or by a role policy, not both.")
	}
	if st.RolePolicy == "" && st.ClaimName == "" {
		st.ClaimName = DefaultClaimName
	}
	return nil
}

// Issuer is the issuer whose discovery document ConfigURL is.
func (st Settings) Issuer() string {
	return strings.TrimSuffix(strings.TrimSuffix(st.ConfigURL, WellKnownSuffix), "/")
}

// Provider is one configured provider, as the verifier needs it.
type Provider struct {
	Name string
	// ID changes when the provider is removed and added again.
	ID       string
	Settings Settings
}

// Verifier verifies tokens against configured providers, keeping each
// provider's discovery document and keys between calls.
type Verifier struct {
	// HTTPClient fetches discovery documents, keys and userinfo; nil
	// means a client with a 10-second timeout.
	HTTPClient *http.Client
	// Now is the clock tokens are checked against; nil means time.Now.
	Now func() time.Time
	// ClockSkew is how far the clocks of kura and of a provider may
	// differ: a token is taken until ClockSkew past its exp, and from
	// ClockSkew before its nbf. Zero allows none.
	ClockSkew time.Duration
	// KeyRefreshInterval is the least time between two fetches of a
	// provider's keys that tokens signed with unknown keys cause, and
	// how long a failed discovery is remembered before the provider is
	// asked again. Zero: no bound (every such token fetches).
	KeyRefreshInterval time.Duration

	mu        sync.Mutex
	providers map[string]*remote // by Provider.Name
	// failed remembers discoveries that failed, by Provider.Name, for
	// KeyRefreshInterval.
	failed map[string]failedDiscovery
}

// failedDiscovery is a discovery that failed, and when.
type failedDiscovery struct {
	key string
	at  time.Time
	err error
}

// remote is a provider's discovery document and key set.
type remote struct {
	key      string // the settings it was built from
	issuer   string
	provider *oidc.Provider
	verifier *oidc.IDTokenVerifier
}

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

func (v *Verifier) client() *http.Client {
	if v.HTTPClient != nil {
		return v.HTTPClient
	}
	return &http.Client{Timeout: 10 * time.Second}
}

// remoteFor discovers p, or returns what an earlier call discovered for
// the same settings. A failed discovery is remembered for
// KeyRefreshInterval, so that tokens, which anyone may send, cannot make
// kura ask a failing provider more often; after that the next call tries
// again.
func (v *Verifier) remoteFor(ctx context.Context, p Provider) (*remote, error) {
	key := p.ID + "\x00" + p.Settings.ConfigURL + "\x00" + p.Settings.ClientID
	now := v.now()
	v.mu.Lock()
	r, ok := v.providers[p.Name]
	f, failed := v.failed[p.Name]
	v.mu.Unlock()
	if ok && r.key == key {
		return r, nil
	}
	if failed && f.key == key && now.Sub(f.at) < v.KeyRefreshInterval && !now.Before(f.at) {
		return nil, f.err
	}
	r, err := v.discover(ctx, p, key)
	v.mu.Lock()
	defer v.mu.Unlock()
	if err != nil {
		if v.failed == nil {
			v.failed = map[string]failedDiscovery{}
		}
		v.failed[p.Name] = failedDiscovery{key: key, at: now, err: err}
		return nil, err
	}
	delete(v.failed, p.Name)
	if v.providers == nil {
		v.providers = map[string]*remote{}
	}
	v.providers[p.Name] = r
	return r, nil
}

// discover reads p's discovery document and makes the verifier of its
// tokens.
func (v *Verifier) discover(ctx context.Context, p Provider, key string) (*remote, error) {
	client := v.client()
	op, err := oidc.NewProvider(oidc.ClientContext(ctx, client), p.Settings.Issuer())
	if err != nil {
		return nil, s3err.ErrIDPCommunicationError.WithMessage("The discovery document of identity provider %q could not be read: %v", p.Name, err)
	}
	var doc struct {
		Issuer  string   `json:"issuer"`
		JWKSURL string   `json:"jwks_uri"`
		Algs    []string `json:"id_token_signing_alg_values_supported"`
	}
	if err := op.Claims(&doc); err != nil {
		return nil, s3err.ErrIDPCommunicationError.WithMessage("The discovery document of identity provider %q is malformed: %v", p.Name, err)
	}
	var algs []string
	for _, a := range doc.Algs {
		if slices.Contains(supportedAlgorithms, jose.SignatureAlgorithm(a)) {
			algs = append(algs, a)
		}
	}
	keys := &keySet{url: doc.JWKSURL, client: client, now: v.now, interval: v.KeyRefreshInterval}
	return &remote{
		key: key, issuer: doc.Issuer, provider: op,
		// The audience is checked in verify, where azp counts too, and
		// exp and nbf, with the allowed clock skew.
		verifier: oidc.NewVerifier(doc.Issuer, keys, &oidc.Config{
			SkipClientIDCheck: true, SkipExpiryCheck: true, SupportedSigningAlgs: algs,
		}),
	}, nil
}

// Login verifies a raw token and maps it to a login. With a role ARN
// the provider is the one the ARN names; without one it is the provider
// mapping by claim whose issuer issued the token.
func (v *Verifier) Login(ctx context.Context, providers []Provider, roleARN, raw string) (idp.Login, error) {
	if raw == "" {
		return idp.Login{}, s3err.ErrMissingParameter.WithMessage("The request must contain the web identity token.")
	}
	if roleARN != "" {
		name, ok := idp.ProviderOfRoleARN(roleARN)
		i := slices.IndexFunc(providers, func(p Provider) bool { return p.Name == name })
		if !ok || i < 0 {
			return idp.Login{}, s3err.ErrInvalidParameterValue.WithMessage("The RoleArn %q names no enabled OpenID provider; role ARNs have the form %sNAME.", roleARN, idp.RoleARNPrefix)
		}
		return v.verify(ctx, providers[i], raw)
	}
	iss := unverifiedIssuer(raw)
	var unreachable error
	for _, p := range providers {
		if p.Settings.RolePolicy != "" {
			continue
		}
		r, err := v.remoteFor(ctx, p)
		if err != nil {
			// Another provider may be the token's: an unreachable one
			// is reported only if none is.
			unreachable = cmp.Or(unreachable, err)
			continue
		}
		if r.issuer == iss {
			return v.verify(ctx, p, raw)
		}
	}
	if unreachable != nil {
		return idp.Login{}, unreachable
	}
	return idp.Login{}, s3err.ErrInvalidIdentityToken.WithMessage("No OpenID provider mapping by claim issues tokens of issuer %q; a provider with a role policy needs its RoleArn.", iss)
}

// unverifiedIssuer reads a token's iss without verifying it, only to
// choose the provider that verifies it.
func unverifiedIssuer(raw string) string {
	sig, err := jose.ParseSignedCompact(raw, supportedAlgorithms)
	if err != nil {
		return ""
	}
	var c struct {
		Issuer string `json:"iss"`
	}
	if json.Unmarshal(sig.UnsafePayloadWithoutVerification(), &c) != nil {
		return ""
	}
	return c.Issuer
}

var supportedAlgorithms = []jose.SignatureAlgorithm{
	jose.RS256, jose.RS384, jose.RS512, jose.ES256, jose.ES384, jose.ES512, jose.PS256, jose.PS384, jose.PS512, jose.EdDSA,
}

// verify checks raw against p and maps its claims.
func (v *Verifier) verify(ctx context.Context, p Provider, raw string) (idp.Login, error) {
	r, err := v.remoteFor(ctx, p)
	if err != nil {
		return idp.Login{}, err
	}
	tok, err := r.verifier.Verify(ctx, raw)
	if err != nil {
		return idp.Login{}, s3err.ErrInvalidIdentityToken.WithMessage("The web identity token could not be validated: %v", err)
	}
	var claims map[string]any
	if err := tok.Claims(&claims); err != nil {
		return idp.Login{}, s3err.ErrInvalidIdentityToken.WithMessage("The web identity token's claims are malformed.")
	}
	if err := v.checkTimes(tok.Expiry, claims["nbf"]); err != nil {
		return idp.Login{}, err
	}
	if !slices.Contains(tok.Audience, p.Settings.ClientID) && claims["azp"] != p.Settings.ClientID {
		return idp.Login{}, s3err.ErrInvalidIdentityToken.WithMessage("The web identity token is for audience %q, not for client %q.", tok.Audience, p.Settings.ClientID)
	}
	if tok.Subject == "" {
		return idp.Login{}, s3err.ErrInvalidIdentityToken.WithMessage("The web identity token has no subject (sub).")
	}
	login := idp.Login{
		// The token is good until ClockSkew past its exp, and so are the
		// credentials it gets.
		Provider: p.Name, Kind: idp.KindOpenID, Subject: tok.Subject, Expires: tok.Expiry.Add(v.ClockSkew),
		Audience: p.Settings.ClientID, Issuer: tok.Issuer,
	}
	if p.Settings.RolePolicy != "" {
		login.Policies = idp.SplitPolicyNames(p.Settings.RolePolicy)
		return login, nil
	}
	if p.Settings.ClaimUserinfo {
		if claims, err = v.userinfo(ctx, r, raw); err != nil {
			return idp.Login{}, err
		}
	}
	login.Policies = idp.SplitPolicyNames(claims[p.Settings.ClaimName])
	return login, nil
}

// checkTimes refuses a token past its exp, or before its nbf, by more
// than the allowed clock skew: at exp+ClockSkew it is still good, a
// second later it has expired. A token without exp is refused: it would
// be good for ever.
func (v *Verifier) checkTimes(exp time.Time, nbf any) error {
	now := v.now()
	if exp.IsZero() {
		return s3err.ErrInvalidIdentityToken.WithMessage("The web identity token has no expiry (exp).")
	}
	if now.After(exp.Add(v.ClockSkew)) {
		return s3err.ErrExpiredTokenException.WithMessage("The web identity token expired at %s (clock skew allowed: %s).", exp.UTC().Format(time.RFC3339), v.ClockSkew)
	}
	if nbf == nil {
		return nil
	}
	n, ok := nbf.(float64)
	if !ok {
		return s3err.ErrInvalidIdentityToken.WithMessage("The web identity token's nbf is not a number.")
	}
	sec, frac := math.Modf(n)
	notBefore := time.Unix(int64(sec), int64(frac*1e9))
	if now.Add(v.ClockSkew).Before(notBefore) {
		return s3err.ErrInvalidIdentityToken.WithMessage("The web identity token is not valid before %s (clock skew allowed: %s).", notBefore.UTC().Format(time.RFC3339), v.ClockSkew)
	}
	return nil
}

// userinfo reads the claims of the userinfo endpoint, the token being
// its access token.
func (v *Verifier) userinfo(ctx context.Context, r *remote, raw string) (map[string]any, error) {
	ui, err := r.provider.UserInfo(oidc.ClientContext(ctx, v.client()), oauth2.StaticTokenSource(&oauth2.Token{AccessToken: raw}))
	if err != nil {
		return nil, s3err.ErrIDPCommunicationError.WithMessage("The identity provider's userinfo endpoint refused the token: %v", err)
	}
	var claims map[string]any
	if err := ui.Claims(&claims); err != nil {
		return nil, s3err.ErrIDPCommunicationError.WithMessage("The identity provider's userinfo is malformed.")
	}
	return claims, nil
}

// Discover reads the discovery document of st, to refuse a provider
// whose document cannot be read before it is stored.
func (v *Verifier) Discover(ctx context.Context, st Settings) error {
	_, err := oidc.NewProvider(oidc.ClientContext(ctx, v.client()), st.Issuer())
	if err != nil {
		return s3err.ErrIDPCommunicationError.WithMessage("The OpenID discovery document at %q could not be read: %v", st.ConfigURL, err)
	}
	return nil
}
