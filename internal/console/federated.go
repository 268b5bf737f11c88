package console

import (
	"context"
	"net/http"
	"strings"

	"github.com/kurastore/kura/client"
)

// LoginKind is a kind of login the console offers besides keys.
type LoginKind string

// The kinds of identity provider logins.
const (
	// LoginLDAP: a directory user name and password, which the console
	// turns into temporary credentials with AssumeRoleWithLDAPIdentity.
	LoginLDAP LoginKind = "ldap"
	// LoginOpenID: a browser login at an OpenID Connect provider
	// (authorization code with PKCE), whose ID token the console turns
	// into temporary credentials with AssumeRoleWithWebIdentity.
	LoginOpenID LoginKind = "openid"
)

// LoginMethod is an identity provider the login page offers: its kind
// and name, all a person not logged in learns of it.
type LoginMethod struct {
	Kind LoginKind
	Name string
}

// OpenIDClient is the console's client at an OpenID Connect provider,
// what it needs to run a login there.
type OpenIDClient struct {
	// Name is the provider's, as LoginMethod has it.
	Name string
	// Issuer is the provider's issuer URL, whose discovery document
	// names the authorization and token endpoints.
	Issuer       string
	ClientID     string
	ClientSecret string
	// Scopes are asked for besides openid.
	Scopes []string
	// RedirectURL is the console's /oauth/callback as the provider
	// knows it.
	RedirectURL string
	// RoleARN selects the provider in AssumeRoleWithWebIdentity.
	RoleARN string
}

// stsLogin is the STS call of a directory or OpenID login: it returns
// temporary credentials, or the STS's refusal.
type stsLogin interface {
	Retrieve(ctx context.Context) (client.Credentials, error)
}

// ldapLoginFailed is the one message of every refused directory login:
// as kura's STS, it does not say whether the user exists.
const ldapLoginFailed = "Login failed: the directory user name or password is not valid."

// loginLDAP logs a directory user in: the console asks its own API's
// STS (AssumeRoleWithLDAPIdentity, which binds to the directory as the
// user) for temporary credentials, and the session acts with them.
func (s *Server) loginLDAP(w http.ResponseWriter, r *http.Request) {
	username := strings.TrimSpace(r.PostFormValue("username"))
	form := loginForm{Username: username}
	if !s.allowLogin(w, r, form) {
		return
	}
	password := r.PostFormValue("password")
	if username == "" || password == "" {
		s.refuseLogin(w, r, http.StatusUnauthorized, ldapLoginFailed, form)
		return
	}
	creds, ok := s.assume(w, r, &client.LDAPIdentity{
		Endpoint: s.cfg.STSEndpoint, Username: username, Password: password, HTTPClient: s.cfg.STSClient,
	}, form, map[string]stsRefusal{
		// A name or password too long for the STS is as wrong.
		"AccessDenied":    {http.StatusUnauthorized, ldapLoginFailed},
		"ValidationError": {http.StatusUnauthorized, ldapLoginFailed},
		"ServiceUnavailable": {http.StatusServiceUnavailable,
			"The directory could not be reached; try again later."},
	})
	if ok && s.openSession(w, r, creds, username+" (directory)", form) {
		http.Redirect(w, r, "/buckets", http.StatusSeeOther)
	}
}

// stsRefusal is what the login page says of an STS error code.
type stsRefusal struct {
	status int
	msg    string
}

// assume makes the STS call of a login. On a refusal it renders the
// login page, with the message refusals has for the error's code (or
// a generic one), and reports false.
func (s *Server) assume(w http.ResponseWriter, r *http.Request, call stsLogin, form loginForm, refusals map[string]stsRefusal) (client.Credentials, bool) {
	if s.cfg.STSEndpoint == "" {
		s.refuseLogin(w, r, http.StatusNotFound, "This console offers no identity provider logins.", form)
		return client.Credentials{}, false
	}
	ctx, cancel := requestContext(r)
	defer cancel()
	creds, err := call.Retrieve(ctx)
	if err == nil {
		return creds, true
	}
	code := client.ErrorCode(err)
	if code == "Throttling" {
		// The STS bounds logins per client address, and every console
		// login reaches it from the console's own; and failed directory
		// logins per user name.
		s.refuseLogin(w, r, http.StatusServiceUnavailable, "Too many logins at the moment; wait a little and try again.", form)
		return client.Credentials{}, false
	}
	if ref, ok := refusals[code]; ok {
		s.refuseLogin(w, r, ref.status, ref.msg, form)
		return client.Credentials{}, false
	}
	s.cfg.Logger.Warn("console: an identity provider login failed", "code", code, "err", err)
	if code == "" {
		s.refuseLogin(w, r, http.StatusBadGateway, apiDown, form)
	} else {
		s.refuseLogin(w, r, http.StatusBadGateway, "The login failed: the server answered "+code+".", form)
	}
	return client.Credentials{}, false
}
