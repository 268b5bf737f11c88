package console

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/kurastore/kura/client"
)

// The pre-login cookie holds the ID of a pending OpenID login, from the
// redirect to the provider until its redirect back. SameSite=Lax, not
// Strict: the provider's redirect back is a navigation from another
// site, which must carry it. It is sent to /oauth/ only.
const (
	loginCookie     = "kura_console_login"
	loginCookiePath = "/oauth/"
	// pendingLifetime is how long a person has to log in at the
	// provider.
	pendingLifetime = 10 * time.Minute
	// DefaultMaxPendingLogins bounds the OpenID logins under way.
	DefaultMaxPendingLogins = 1000
	// idpTimeout bounds each call to an OpenID provider.
	idpTimeout = 10 * time.Second
)

func (s *Server) oauthRoutes() {
	s.mux.HandleFunc("POST /login/ldap", s.loginLDAP)
	s.mux.HandleFunc("GET /oauth/start", s.oauthStart)
	s.mux.HandleFunc("GET /oauth/callback", s.oauthCallback)
}

// oidcRemote is a provider's discovery document and the verifier of
// its ID tokens, kept between logins (the verifier keeps the JWKS, and
// fetches it again for a key it has not seen).
type oidcRemote struct {
	key      string // the issuer and client ID it was made for
	provider *oidc.Provider
	verifier *oidc.IDTokenVerifier
}

// oidcRemotes holds one oidcRemote per provider name. Names come from
// Config.OpenIDClient only, so there are as many as providers.
type oidcRemotes struct {
	mu     sync.Mutex
	byName map[string]*oidcRemote
}

func (s *Server) idpClient() *http.Client {
	if s.cfg.IdPClient != nil {
		return s.cfg.IdPClient
	}
	return &http.Client{Timeout: idpTimeout}
}

// remote discovers oc's provider, or returns what an earlier login
// discovered. A failed discovery is not kept.
func (s *Server) remote(ctx context.Context, oc OpenIDClient) (*oidcRemote, error) {
	key := oc.Issuer + "\x00" + oc.ClientID
	s.remotes.mu.Lock()
	r := s.remotes.byName[oc.Name]
	s.remotes.mu.Unlock()
	if r != nil && r.key == key {
		return r, nil
	}
	hc := s.idpClient()
	op, err := oidc.NewProvider(oidc.ClientContext(ctx, hc), oc.Issuer)
	if err != nil {
		return nil, err
	}
	// The key set outlives this request: its context only carries the
	// HTTP client.
	keysCtx := oidc.ClientContext(context.Background(), hc)
	r = &oidcRemote{key: key, provider: op, verifier: op.VerifierContext(keysCtx, &oidc.Config{ClientID: oc.ClientID, Now: s.cfg.Now})}
	s.remotes.mu.Lock()
	if s.remotes.byName == nil {
		s.remotes.byName = map[string]*oidcRemote{}
	}
	s.remotes.byName[oc.Name] = r
	s.remotes.mu.Unlock()
	return r, nil
}

// oauth2Config is oc's client for the authorization-code flow.
func oauth2Config(oc OpenIDClient, r *oidcRemote) *oauth2.Config {
	scopes := []string{oidc.ScopeOpenID}
	for _, sc := range oc.Scopes {
		if sc != "" && !slices.Contains(scopes, sc) {
			scopes = append(scopes, sc)
		}
	}
	return &oauth2.Config{ClientID: oc.ClientID, ClientSecret: oc.ClientSecret, Endpoint: r.provider.Endpoint(),
		RedirectURL: oc.RedirectURL, Scopes: scopes}
}

// openIDClient is the client of the provider name, when it offers a
// login.
func (s *Server) openIDClient(ctx context.Context, name string) (OpenIDClient, error) {
	if s.cfg.OpenIDClient == nil || s.cfg.STSEndpoint == "" || name == "" {
		return OpenIDClient{}, errors.New("no OpenID logins")
	}
	return s.cfg.OpenIDClient(ctx, name)
}

// oauthStart sends the browser to the provider's authorization
// endpoint. The state, nonce and PKCE verifier stay on the server, in a
// pending login whose ID the pre-login cookie holds: only the browser
// that started the login can finish it, and only once.
func (s *Server) oauthStart(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("provider")
	ctx, cancel := requestContext(r)
	defer cancel()
	oc, err := s.openIDClient(ctx, name)
	if err != nil {
		s.refuseLogin(w, r, http.StatusNotFound, "No OpenID provider of that name offers a login here.", loginForm{})
		return
	}
	// Each start holds memory until the callback: it counts as a login
	// attempt.
	if !s.allowLogin(w, r, loginForm{}) {
		return
	}
	remote, err := s.remote(ctx, oc)
	if err != nil {
		s.cfg.Logger.Warn("console: OpenID discovery failed", "provider", name, "err", err)
		s.refuseLogin(w, r, http.StatusBadGateway, "The identity provider "+name+" could not be reached; try again later.", loginForm{})
		return
	}
	p := &pendingLogin{provider: name, state: randomToken(), nonce: randomToken(),
		verifier: oauth2.GenerateVerifier(), redirectURL: oc.RedirectURL}
	if old, err := r.Cookie(loginCookie); err == nil {
		s.pending.remove(old.Value) // one login under way per browser
	}
	id := s.pending.add(p)
	http.SetCookie(w, &http.Cookie{
		Name: loginCookie, Value: id, Path: loginCookiePath, MaxAge: int(pendingLifetime / time.Second),
		HttpOnly: true, Secure: s.cfg.Secure, SameSite: http.SameSiteLaxMode,
	})
	http.Redirect(w, r, oauth2Config(oc, remote).AuthCodeURL(p.state, oidc.Nonce(p.nonce), oauth2.S256ChallengeOption(p.verifier)), http.StatusSeeOther)
}

// The messages of refused OpenID logins.
const (
	oauthNotStarted = "This login was not started in this browser, or took longer than 10 minutes: log in again. " +
		"(Open the console at the address of its redirect URI: the login is bound to a cookie of that address.)"
	oauthStateMismatch = "Login refused: the answer does not belong to the login this browser started (its state differs). Log in again."
	oauthTokenInvalid  = "Login refused: the identity provider's ID token is not valid."
)

// oauthCallback finishes an OpenID login: it checks the state against
// the pending login of the pre-login cookie (used once, whatever
// happens), exchanges the code with the PKCE verifier and the client
// secret, verifies the ID token and its nonce, and has its own API's
// STS (AssumeRoleWithWebIdentity) turn the token into temporary
// credentials. Every refusal renders the login page; none makes a
// session.
func (s *Server) oauthCallback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var p *pendingLogin
	if c, err := r.Cookie(loginCookie); err == nil {
		p = s.pending.take(c.Value)
	}
	s.clearCookie(w, loginCookie, loginCookiePath, http.SameSiteLaxMode)
	refuse := func(status int, msg string) { s.refuseLogin(w, r, status, msg, loginForm{}) }
	switch {
	case p == nil:
		refuse(http.StatusBadRequest, oauthNotStarted)
		return
	case subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(p.state)) != 1:
		refuse(http.StatusBadRequest, oauthStateMismatch)
		return
	case q.Get("error") != "":
		refuse(http.StatusUnauthorized, "The identity provider did not log you in ("+errorCodeText(q.Get("error"))+").")
		return
	case q.Get("code") == "":
		refuse(http.StatusBadRequest, "The identity provider sent no authorization code.")
		return
	}
	ctx, cancel := requestContext(r)
	defer cancel()
	oc, err := s.openIDClient(ctx, p.provider)
	if err != nil {
		refuse(http.StatusNotFound, "The identity provider "+p.provider+" no longer offers a login here.")
		return
	}
	remote, err := s.remote(ctx, oc)
	if err != nil {
		s.cfg.Logger.Warn("console: OpenID discovery failed", "provider", p.provider, "err", err)
		refuse(http.StatusBadGateway, "The identity provider "+p.provider+" could not be reached; try again later.")
		return
	}
	cfg := oauth2Config(oc, remote)
	cfg.RedirectURL = p.redirectURL // the one the code was issued for
	tok, err := cfg.Exchange(context.WithValue(ctx, oauth2.HTTPClient, s.idpClient()), q.Get("code"), oauth2.VerifierOption(p.verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			refuse(http.StatusUnauthorized, "The identity provider refused the authorization code ("+errorCodeText(re.ErrorCode)+").")
			return
		}
		s.cfg.Logger.Warn("console: OpenID token exchange failed", "provider", p.provider, "err", err)
		refuse(http.StatusBadGateway, "The identity provider "+p.provider+" could not be reached; try again later.")
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := remote.verifier.Verify(oidc.ClientContext(ctx, s.idpClient()), raw)
	if err != nil {
		s.cfg.Logger.Info("console: an ID token was refused", "provider", p.provider, "err", err)
		refuse(http.StatusUnauthorized, oauthTokenInvalid)
		return
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(p.nonce)) != 1 {
		s.cfg.Logger.Info("console: an ID token's nonce is not its login's", "provider", p.provider)
		refuse(http.StatusUnauthorized, oauthTokenInvalid)
		return
	}
	creds, ok := s.assume(w, r, &client.WebIdentity{
		Endpoint: s.cfg.STSEndpoint, Token: func(context.Context) (string, error) { return raw, nil },
		RoleARN: oc.RoleARN, SessionName: "kura-console", HTTPClient: s.cfg.STSClient,
	}, loginForm{}, map[string]stsRefusal{
		"AccessDenied": {http.StatusForbidden,
			"Login refused: kura maps no policy to you (or the identity provider is disabled)."},
		"InvalidIdentityToken":  {http.StatusUnauthorized, oauthTokenInvalid},
		"ExpiredTokenException": {http.StatusUnauthorized, oauthTokenInvalid},
		"IDPCommunicationError": {http.StatusBadGateway, "The server could not reach the identity provider; try again later."},
	})
	if !ok || !s.openSession(w, r, creds, displayName(idt)+" ("+p.provider+")", loginForm{}) {
		return
	}
	// A page rather than a redirect: the provider's redirect here was a
	// navigation from another site, and a browser does not send the
	// SameSite=Strict session cookie along a redirect chain another
	// site started. The page's own navigation to /buckets carries it.
	s.render(w, http.StatusOK, "continue", nil, page{Title: "Logged in"})
}

// displayName is who an ID token names, for the pages.
func displayName(idt *oidc.IDToken) string {
	var c struct {
		PreferredUsername string `json:"preferred_username"`
		Email             string `json:"email"`
	}
	_ = idt.Claims(&c)
	for _, n := range []string{c.PreferredUsername, c.Email, idt.Subject} {
		if n != "" && len(n) <= 256 {
			return n
		}
	}
	return "?"
}

// errorCodeText is an OAuth error code as the page shows it: the code's
// characters (RFC 6749 allows printable ASCII but '"' and '\'), up to
// 64 of them; anything else is "an error".
func errorCodeText(code string) string {
	if code == "" || len(code) > 64 {
		return "an error"
	}
	for _, c := range []byte(code) {
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return "an error"
		}
	}
	return code
}
