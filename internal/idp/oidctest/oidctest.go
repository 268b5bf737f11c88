// Package oidctest runs an OpenID Connect issuer for tests: a discovery
// document, a JWKS whose keys can be rotated, a userinfo endpoint, and
// tokens signed with go-jose, well-formed or broken on purpose. For
// browser logins it serves the authorization-code flow with PKCE: an
// authorization endpoint that logs a configured user in at once (or
// answers access_denied) and a token endpoint that checks the client's
// secret and the PKCE verifier and issues an ID token with the nonce.
package oidctest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Issuer is an OpenID Connect issuer on a loopback port.
type Issuer struct {
	// URL is the issuer, as tokens' iss and the discovery document say.
	URL string

	server *httptest.Server
	mu     sync.Mutex
	// keys are published in the JWKS; keys[0] signs.
	keys     []jose.JSONWebKey
	userinfo map[string]any
	seq      int
	// discoveries and keyFetches count the requests of the discovery
	// document and of the JWKS; failDiscovery makes the first answer 500.
	discoveries, keyFetches int
	failDiscovery           bool

	// The authorization-code flow (authcode.go).
	client      Client
	user        User
	deny        bool
	editIDToken func(map[string]any)
	grants      map[string]grant
}

// New starts an issuer with one key; it stops with the test.
func New(t testing.TB) *Issuer {
	t.Helper()
	return NewOnHost(t, "127.0.0.1")
}

// NewOnHost is New, with URLs that name host (localhost, say) rather
// than 127.0.0.1: a browser takes the issuer for another site than a
// server it reaches at 127.0.0.1, as a real provider is.
func NewOnHost(t testing.TB, host string) *Issuer {
	t.Helper()
	i := &Issuer{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", i.discovery)
	mux.HandleFunc("GET /keys", i.jwks)
	mux.HandleFunc("GET /userinfo", i.serveUserinfo)
	mux.HandleFunc("GET /auth", i.authorize)
	mux.HandleFunc("POST /token", i.token)
	// The URL is set before the server starts: its handlers read it.
	i.server = httptest.NewUnstartedServer(mux)
	_, port, _ := net.SplitHostPort(i.server.Listener.Addr().String())
	i.URL = "http://" + net.JoinHostPort(host, port)
	i.Rotate()
	i.server.Start()
	t.Cleanup(i.server.Close)
	return i
}

// ConfigURL is the discovery document's URL.
func (i *Issuer) ConfigURL() string { return i.URL + "/.well-known/openid-configuration" }

func (i *Issuer) discovery(w http.ResponseWriter, _ *http.Request) {
	i.mu.Lock()
	i.discoveries++
	fail := i.failDiscovery
	i.mu.Unlock()
	if fail {
		http.Error(w, "discovery is down", http.StatusInternalServerError)
		return
	}
	writeJSON(w, map[string]any{
		"issuer":                                i.URL,
		"jwks_uri":                              i.URL + "/keys",
		"userinfo_endpoint":                     i.URL + "/userinfo",
		"authorization_endpoint":                i.URL + "/auth",
		"token_endpoint":                        i.URL + "/token",
		"response_types_supported":              []string{"code"},
		"grant_types_supported":                 []string{"authorization_code"},
		"code_challenge_methods_supported":      []string{"S256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"ES256"},
	})
}

func (i *Issuer) jwks(w http.ResponseWriter, _ *http.Request) {
	i.mu.Lock()
	i.keyFetches++
	set := jose.JSONWebKeySet{}
	for _, k := range i.keys {
		set.Keys = append(set.Keys, k.Public())
	}
	i.mu.Unlock()
	writeJSON(w, set)
}

func (i *Issuer) serveUserinfo(w http.ResponseWriter, r *http.Request) {
	i.mu.Lock()
	info := i.userinfo
	i.mu.Unlock()
	if info == nil || !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
		http.Error(w, "no userinfo", http.StatusUnauthorized)
		return
	}
	writeJSON(w, info)
}

// Fetches counts the requests of the discovery document and of the JWKS
// so far.
func (i *Issuer) Fetches() (discoveries, keys int) {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.discoveries, i.keyFetches
}

// FailDiscovery makes the discovery document answer 500 (true) or
// itself again (false).
func (i *Issuer) FailDiscovery(fail bool) {
	i.mu.Lock()
	i.failDiscovery = fail
	i.mu.Unlock()
}

// SetUserinfo sets what the userinfo endpoint answers any bearer token.
func (i *Issuer) SetUserinfo(claims map[string]any) {
	i.mu.Lock()
	i.userinfo = claims
	i.mu.Unlock()
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func (i *Issuer) newKey() jose.JSONWebKey {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err) // the system's random source failed
	}
	i.seq++
	return jose.JSONWebKey{Key: priv, KeyID: fmt.Sprintf("key-%d", i.seq), Algorithm: string(jose.ES256), Use: "sig"}
}

// Rotate makes a new key the signing key; the older keys stay published
// until Retire.
func (i *Issuer) Rotate() {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.keys = append([]jose.JSONWebKey{i.newKey()}, i.keys...)
}

// Retire stops publishing every key but the signing key: tokens signed
// with the others no longer verify.
func (i *Issuer) Retire() {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.keys = i.keys[:1]
}

// Claims are a token's claims: sub, aud and an hour of validity from
// now, to change at will.
func (i *Issuer) Claims(sub, aud string) map[string]any {
	return i.ClaimsAt(sub, aud, time.Now())
}

// ClaimsAt are Claims issued at now rather than at the current time.
func (i *Issuer) ClaimsAt(sub, aud string, now time.Time) map[string]any {
	return map[string]any{
		"iss": i.URL, "sub": sub, "aud": aud,
		"iat": now.Unix(), "nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix(),
	}
}

// Sign signs claims with the signing key.
func (i *Issuer) Sign(claims map[string]any) string {
	i.mu.Lock()
	k := i.keys[0]
	i.mu.Unlock()
	return sign(k, claims)
}

// SignWithOldest signs claims with the oldest published key (the
// signing key before rotations).
func (i *Issuer) SignWithOldest(claims map[string]any) string {
	i.mu.Lock()
	k := i.keys[len(i.keys)-1]
	i.mu.Unlock()
	return sign(k, claims)
}

// SignForged signs claims with a key the issuer never published, under
// the signing key's ID: its signature does not verify.
func (i *Issuer) SignForged(claims map[string]any) string {
	i.mu.Lock()
	forged := i.newKey()
	forged.KeyID = i.keys[0].KeyID
	i.mu.Unlock()
	return sign(forged, claims)
}

// SignUnknownKey signs claims with a key of an ID the JWKS never had.
func (i *Issuer) SignUnknownKey(claims map[string]any) string {
	i.mu.Lock()
	k := i.newKey()
	i.mu.Unlock()
	return sign(k, claims)
}

// Unsigned is claims as a token of algorithm "none".
func Unsigned(claims map[string]any) string {
	header, _ := json.Marshal(map[string]string{"alg": "none", "typ": "JWT"})
	payload, _ := json.Marshal(claims)
	enc := base64.RawURLEncoding.EncodeToString
	return enc(header) + "." + enc(payload) + "."
}

func sign(k jose.JSONWebKey, claims map[string]any) string {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: k},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", k.KeyID))
	if err != nil {
		panic(err) // a P-256 key always signs ES256
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		panic(err) // claims of JSON values
	}
	obj, err := signer.Sign(payload)
	if err != nil {
		panic(err)
	}
	out, err := obj.CompactSerialize()
	if err != nil {
		panic(err)
	}
	return out
}

// Close stops the issuer before the test ends, as a provider that went
// down.
func (i *Issuer) Close() { i.server.Close() }
