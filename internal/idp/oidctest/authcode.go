package oidctest

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Client is the one OAuth client the authorization and token endpoints
// serve, as a provider knows a registered application.
type Client struct {
	ID, Secret string
	// RedirectURL is the only redirect_uri accepted.
	RedirectURL string
}

// User is whom the authorization endpoint logs in, approving the
// client at once as a user who already consented would.
type User struct {
	Subject string
	// Claims are added to the user's ID tokens (a policy claim, a
	// preferred_username).
	Claims map[string]any
}

// grant is an authorization code waiting to be exchanged.
type grant struct {
	redirectURL, nonce, challenge string
	user                          User
	expires                       time.Time
}

// Codes live a minute, and at most maxGrants wait at once (the oldest
// goes first), as a provider bounds them.
const (
	codeLifetime = time.Minute
	maxGrants    = 100
)

// SetClient registers the client the endpoints serve.
func (i *Issuer) SetClient(c Client) {
	i.mu.Lock()
	i.client = c
	i.mu.Unlock()
}

// SetUser sets whom the authorization endpoint logs in.
func (i *Issuer) SetUser(u User) {
	i.mu.Lock()
	i.user = u
	i.mu.Unlock()
}

// Deny makes the authorization endpoint answer access_denied (the user
// refused consent) while deny is true.
func (i *Issuer) Deny(deny bool) {
	i.mu.Lock()
	i.deny = deny
	i.mu.Unlock()
}

// EditIDTokens changes the claims of every ID token the token endpoint
// issues before it signs them, to issue broken ones (nil: none).
func (i *Issuer) EditIDTokens(edit func(claims map[string]any)) {
	i.mu.Lock()
	i.editIDToken = edit
	i.mu.Unlock()
}

// authorize is the authorization endpoint of the authorization-code
// flow. PKCE (S256) is required. A request whose client or redirect_uri
// is not the registered one is refused here, never redirected: an
// unchecked redirect_uri would hand the code to anyone.
func (i *Issuer) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	i.mu.Lock()
	c, u, deny := i.client, i.user, i.deny
	i.mu.Unlock()
	if c.ID == "" || q.Get("client_id") != c.ID || q.Get("redirect_uri") != c.RedirectURL {
		http.Error(w, "unknown client or redirect_uri", http.StatusBadRequest)
		return
	}
	back := func(params url.Values) {
		if s := q.Get("state"); s != "" {
			params.Set("state", s)
		}
		http.Redirect(w, r, c.RedirectURL+"?"+params.Encode(), http.StatusFound)
	}
	fail := func(code, desc string) {
		back(url.Values{"error": {code}, "error_description": {desc}})
	}
	switch {
	case q.Get("response_type") != "code":
		fail("unsupported_response_type", "only the authorization-code flow is served")
	case !slices.Contains(strings.Fields(q.Get("scope")), "openid"):
		fail("invalid_scope", "the openid scope is required")
	case q.Get("code_challenge") == "" || q.Get("code_challenge_method") != "S256":
		fail("invalid_request", "PKCE with S256 is required")
	case deny || u.Subject == "":
		fail("access_denied", "the user refused the request")
	default:
		code := randomString()
		i.mu.Lock()
		if i.grants == nil {
			i.grants = map[string]grant{}
		}
		i.dropGrants()
		i.grants[code] = grant{redirectURL: c.RedirectURL, nonce: q.Get("nonce"), challenge: q.Get("code_challenge"),
			user: u, expires: time.Now().Add(codeLifetime)}
		i.mu.Unlock()
		back(url.Values{"code": {code}})
	}
}

// dropGrants forgets expired codes, and the oldest while maxGrants wait.
// The caller holds mu.
func (i *Issuer) dropGrants() {
	now := time.Now()
	for code, g := range i.grants {
		if now.After(g.expires) {
			delete(i.grants, code)
		}
	}
	for len(i.grants) >= maxGrants {
		oldest := ""
		for code, g := range i.grants {
			if oldest == "" || g.expires.Before(i.grants[oldest].expires) {
				oldest = code
			}
		}
		delete(i.grants, oldest)
	}
}

// token is the token endpoint: it exchanges a code once, for the client
// that authenticates with its secret (HTTP Basic or form fields), with
// the redirect_uri the code was issued for and the PKCE verifier whose
// S256 hash is the challenge. The ID token carries the nonce given to
// the authorization endpoint.
func (i *Issuer) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "authorization_code" {
		tokenError(w, http.StatusBadRequest, "unsupported_grant_type")
		return
	}
	id, secret, basic := r.BasicAuth()
	if basic {
		// RFC 6749 2.3.1: both are form-encoded before Basic encoding.
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	i.mu.Lock()
	c, edit := i.client, i.editIDToken
	code := r.PostForm.Get("code")
	g, ok := i.grants[code]
	delete(i.grants, code) // one use, whatever follows
	i.mu.Unlock()
	if c.ID == "" || id != c.ID || subtle.ConstantTimeCompare([]byte(secret), []byte(c.Secret)) != 1 {
		tokenError(w, http.StatusUnauthorized, "invalid_client")
		return
	}
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])
	if !ok || time.Now().After(g.expires) || r.PostForm.Get("redirect_uri") != g.redirectURL ||
		subtle.ConstantTimeCompare([]byte(challenge), []byte(g.challenge)) != 1 {
		tokenError(w, http.StatusBadRequest, "invalid_grant")
		return
	}
	claims := i.Claims(g.user.Subject, c.ID)
	maps.Copy(claims, g.user.Claims)
	if g.nonce != "" {
		claims["nonce"] = g.nonce
	}
	if edit != nil {
		edit(claims)
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, map[string]any{
		"access_token": randomString(), "token_type": "Bearer", "expires_in": 3600, "id_token": i.Sign(claims),
	})
}

func tokenError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`{"error":"` + code + `"}`))
}

func randomString() string {
	b := make([]byte, 24)
	rand.Read(b) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b)
}
