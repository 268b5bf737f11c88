package console

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/internal/httpapi"
	"github.com/kurastore/kura/internal/iam"
	"github.com/kurastore/kura/internal/idp"
	"github.com/kurastore/kura/internal/idp/ldap"
	"github.com/kurastore/kura/internal/idp/ldap/ldaptest"
	"github.com/kurastore/kura/internal/idp/oidctest"
	"github.com/kurastore/kura/internal/idp/openid"
)

// readAlpha lets its holder list the buckets and read bucket alpha.
const readAlpha = `{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":["s3:ListAllMyBuckets"],"Resource":["arn:aws:s3:::*"]},
  {"Effect":"Allow","Action":["s3:ListBucket","s3:GetObject"],"Resource":["arn:aws:s3:::alpha","arn:aws:s3:::alpha/*"]}]}`

// fedAPI is kura's API with buckets alpha and beta, each with one
// object, and the policy read-alpha.
func fedAPI(t *testing.T) *iamAPI {
	t.Helper()
	return fedAPIWith(t, httpapi.Config{})
}

// fedAPIWith is fedAPI with the settings of cfg.
func fedAPIWith(t *testing.T, cfg httpapi.Config) *iamAPI {
	t.Helper()
	api := newIAMAPIWith(t, cfg)
	root, err := client.New(api.endpoint, &client.Options{AccessKey: api.rootKey, SecretKey: api.rootSecret})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, b := range []string{"alpha", "beta"} {
		if err := root.MakeBucket(ctx, b, client.MakeBucketOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := root.PutObject(ctx, b, "note.txt", bytes.NewReader([]byte("hi")), 2, client.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := api.ids.PutPolicy(ctx, "read-alpha", []byte(readAlpha)); err != nil {
		t.Fatal(err)
	}
	return api
}

// newFedHarness is a console acting through api, offering the logins
// methods lists, whose STS is api's.
func newFedHarness(t *testing.T, api *iamAPI, methods []LoginMethod, tune func(*Config)) *harness {
	t.Helper()
	cfg := api.consoleConfig()
	cfg.STSEndpoint = "http://" + api.endpoint
	cfg.LoginMethods = func(context.Context) ([]LoginMethod, error) { return methods, nil }
	cfg.LoginBurst = 100
	if tune != nil {
		tune(&cfg)
	}
	return serveConsole(t, cfg)
}

func (h *harness) sessionCount() int {
	h.console.sessions.mu.Lock()
	defer h.console.sessions.mu.Unlock()
	return len(h.console.sessions.sessions)
}

// oidcFixture is a console whose API trusts the test issuer as provider
// corp, mapping users by their policy claim.
type oidcFixture struct {
	*harness
	issuer *oidctest.Issuer
	clock  *clock
}

func newOIDCFixture(t *testing.T, tune func(*Config)) *oidcFixture {
	t.Helper()
	api := fedAPI(t)
	i := oidctest.New(t)
	st := openid.Settings{ConfigURL: i.ConfigURL(), ClientID: "kura"}
	if err := st.Check(); err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(st)
	if err := api.ids.PutIdentityProvider(context.Background(), iam.IdentityProvider{Name: "corp", Kind: idp.KindOpenID, Settings: raw}, "client-secret", false); err != nil {
		t.Fatal(err)
	}
	clk := &clock{now: time.Now()}
	f := &oidcFixture{issuer: i, clock: clk}
	f.harness = newFedHarness(t, api, []LoginMethod{{Kind: LoginOpenID, Name: "corp"}}, func(cfg *Config) {
		cfg.Now = clk.Now
		cfg.OpenIDClient = func(_ context.Context, name string) (OpenIDClient, error) {
			if name != "corp" {
				return OpenIDClient{}, iam.ErrNoSuchProvider
			}
			return OpenIDClient{Name: "corp", Issuer: i.URL, ClientID: "kura", ClientSecret: "client-secret",
				RedirectURL: f.web.URL + "/oauth/callback", RoleARN: idp.RoleARN("corp")}, nil
		}
		if tune != nil {
			tune(cfg)
		}
	})
	i.SetClient(oidctest.Client{ID: "kura", Secret: "client-secret", RedirectURL: f.web.URL + "/oauth/callback"})
	i.SetUser(oidctest.User{Subject: "u-1", Claims: map[string]any{"policy": "read-alpha", "preferred_username": "alice"}})
	return f
}

// start starts a login in browser b and returns the authorization URL
// the console sent it to.
func (f *oidcFixture) start(b *http.Client) *url.URL {
	f.t.Helper()
	resp, err := b.Get(f.web.URL + "/oauth/start?provider=corp")
	if err != nil {
		f.t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || err != nil || !strings.HasPrefix(loc.String(), f.issuer.URL+"/auth?") {
		f.t.Fatalf("start: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc
}

// atProvider follows the authorization URL at the issuer and returns the
// callback URL it sends the browser back to.
func (f *oidcFixture) atProvider(auth *url.URL) string {
	f.t.Helper()
	resp, err := newBrowser().Get(auth.String())
	if err != nil {
		f.t.Fatal(err)
	}
	resp.Body.Close()
	back := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(back, f.web.URL+"/oauth/callback?") {
		f.t.Fatalf("at the provider: %d to %q", resp.StatusCode, back)
	}
	return back
}

// callback brings browser b back to the console at u.
func (f *oidcFixture) callback(b *http.Client, u string) (*http.Response, string) {
	f.t.Helper()
	resp, err := b.Get(u)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func TestOIDCLogin(t *testing.T) {
	f := newOIDCFixture(t, nil)
	_, login := f.get("/login")
	if !strings.Contains(login, `href="/oauth/start?provider=corp"`) || !strings.Contains(login, "Log in with corp") ||
		strings.Contains(login, "client-secret") || strings.Contains(login, "login-ldap") {
		t.Fatalf("login page:\n%s", login)
	}
	auth := f.start(f.browser)
	q := auth.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("nonce") == "" ||
		q.Get("state") == "" || q.Get("redirect_uri") != f.web.URL+"/oauth/callback" || q.Get("scope") != "openid" {
		t.Errorf("authorization request: %v", q)
	}
	var pre *http.Cookie
	for _, c := range f.browser.Jar.Cookies(mustURL(t, f.web.URL+"/oauth/callback")) {
		if c.Name == loginCookie {
			pre = c
		}
	}
	if pre == nil || f.console.pending.len() != 1 {
		t.Fatalf("no pre-login cookie, %d pending", f.console.pending.len())
	}
	// The jar hides the attributes: the start's answer shows them.
	resp, err := newBrowser().Get(f.web.URL + "/oauth/start?provider=corp")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	set := resp.Header.Get("Set-Cookie")
	for _, want := range []string{"Path=/oauth/", "HttpOnly", "SameSite=Lax", "Max-Age=600"} {
		if !strings.Contains(set, want) {
			t.Errorf("pre-login cookie %q lacks %s", set, want)
		}
	}
	if strings.Contains(set, q.Get("state")) || strings.Contains(set, q.Get("nonce")) {
		t.Errorf("the pre-login cookie holds the state or nonce: %q", set)
	}

	back := f.atProvider(auth)
	resp, body := f.callback(f.browser, back)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `http-equiv="refresh" content="0;url=/buckets"`) {
		t.Fatalf("callback: %d\n%s", resp.StatusCode, body)
	}
	if f.sessionCount() != 1 || f.console.pending.len() != 1 { // the second start's login is still pending
		t.Errorf("%d sessions, %d pending logins", f.sessionCount(), f.console.pending.len())
	}
	_, buckets := f.get("/buckets")
	if !strings.Contains(buckets, "alice (corp)") || !strings.Contains(buckets, `href="/browse/alpha"`) {
		t.Fatalf("buckets page:\n%s", buckets)
	}
	if rowOf(buckets, "/browse/beta", "AccessDenied") == "" || rowOf(buckets, "/browse/alpha", "AccessDenied") != "" {
		t.Errorf("alpha should be readable and beta refused:\n%s", buckets)
	}
	// A denied action: the policy does not allow creating buckets.
	status, page := f.harness.postFollow("/buckets", url.Values{"name": {"gamma"}, csrfField: {f.csrf()}})
	if status != http.StatusBadRequest || !strings.Contains(page, "Creating bucket gamma: AccessDenied") {
		t.Errorf("creating a bucket: %d\n%s", status, page)
	}

	// The callback once more (a replay, or the back button): refused.
	resp, body = f.callback(f.browser, back)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, asHTMLText(oauthNotStarted)) {
		t.Errorf("replayed callback: %d\n%s", resp.StatusCode, body)
	}

	// The session ends with its temporary credentials (an hour, as the
	// ID token): the next page says so.
	f.clock.add(time.Hour + time.Minute)
	resp, _ = f.get("/buckets")
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/login?ended=credentials" {
		t.Fatalf("after the credentials expired: %d to %q", resp.StatusCode, loc)
	}
	_, login = f.get("/login?ended=credentials")
	if !strings.Contains(login, asHTMLText(endMessages[endCredentials])) {
		t.Errorf("login page after expiry:\n%s", login)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// rowOf is the table row of page holding href and want, or "".
func rowOf(page, href, want string) string {
	for _, row := range strings.Split(page, "<tr") {
		if strings.Contains(row, `href="`+href+`"`) && strings.Contains(row, want) {
			return row
		}
	}
	return ""
}

// Every refused callback renders the login page with its reason and
// makes no session.
func TestOIDCCallbackRefusals(t *testing.T) {
	f := newOIDCFixture(t, nil)
	tamper := func(u *url.URL, param, value string) *url.URL {
		q := u.Query()
		q.Set(param, value)
		v := *u
		v.RawQuery = q.Encode()
		return &v
	}
	for _, tc := range []struct {
		name string
		// run returns the callback URL the browser comes back to,
		// given its authorization URL.
		run    func(auth *url.URL) string
		setup  func()
		status int
		want   string
	}{
		{name: "state mismatch", status: http.StatusBadRequest, want: oauthStateMismatch,
			run: func(auth *url.URL) string {
				back := mustURL(t, f.atProvider(auth))
				return tamper(back, "state", "forged").String()
			}},
		{name: "no state", status: http.StatusBadRequest, want: oauthStateMismatch,
			run: func(auth *url.URL) string {
				back := mustURL(t, f.atProvider(auth))
				q := back.Query()
				q.Del("state")
				back.RawQuery = q.Encode()
				return back.String()
			}},
		{name: "consent denied", status: http.StatusUnauthorized, want: "The identity provider did not log you in (access_denied).",
			setup: func() { f.issuer.Deny(true) }},
		{name: "wrong nonce", status: http.StatusUnauthorized, want: oauthTokenInvalid,
			setup: func() { f.issuer.EditIDTokens(func(c map[string]any) { c["nonce"] = "another" }) }},
		{name: "no nonce", status: http.StatusUnauthorized, want: oauthTokenInvalid,
			setup: func() { f.issuer.EditIDTokens(func(c map[string]any) { delete(c, "nonce") }) }},
		{name: "another audience", status: http.StatusUnauthorized, want: oauthTokenInvalid,
			setup: func() { f.issuer.EditIDTokens(func(c map[string]any) { c["aud"] = "someone-else" }) }},
		{name: "PKCE challenge changed", status: http.StatusUnauthorized, want: "The identity provider refused the authorization code (invalid_grant).",
			run: func(auth *url.URL) string {
				return f.atProvider(tamper(auth, "code_challenge", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"))
			}},
		{name: "no policy mapped", status: http.StatusForbidden, want: "Login refused: kura maps no policy to you",
			setup: func() {
				f.issuer.SetUser(oidctest.User{Subject: "u-3", Claims: map[string]any{"policy": "no-such-policy"}})
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.issuer.Deny(false)
			f.issuer.EditIDTokens(nil)
			f.issuer.SetUser(oidctest.User{Subject: "u-1", Claims: map[string]any{"policy": "read-alpha"}})
			if tc.setup != nil {
				tc.setup()
			}
			before := f.sessionCount()
			b := newBrowser()
			auth := f.start(b)
			run := tc.run
			if run == nil {
				run = f.atProvider
			}
			resp, body := f.callback(b, run(auth))
			if resp.StatusCode != tc.status || !strings.Contains(body, asHTMLText(tc.want)) {
				t.Errorf("status %d, want %d, and %q in\n%s", resp.StatusCode, tc.status, tc.want, body)
			}
			if !strings.Contains(body, `class="login"`) || f.sessionCount() != before {
				t.Errorf("not the login page, or %d sessions (%d before)", f.sessionCount(), before)
			}
			for _, c := range resp.Cookies() {
				if c.Name == sessionCookie {
					t.Errorf("a refused login set the session cookie")
				}
			}
		})
	}

	// A callback in a browser that started no login (a link crafted by
	// someone else, with their code and state): refused.
	auth := f.start(newBrowser())
	back := f.atProvider(auth)
	resp, body := f.callback(newBrowser(), back)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, asHTMLText(oauthNotStarted)) || f.sessionCount() != 0 {
		t.Errorf("callback in another browser: %d, %d sessions\n%s", resp.StatusCode, f.sessionCount(), body)
	}
	// An unknown provider starts nothing.
	resp, _ = f.get("/oauth/start?provider=other")
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown provider: %d", resp.StatusCode)
	}
}

// Pending logins are bounded: at the limit, a new start drops the
// oldest, whose callback is then refused.
func TestOIDCPendingLoginsBounded(t *testing.T) {
	f := newOIDCFixture(t, func(cfg *Config) { cfg.MaxPendingLogins = 2 })
	first, second := newBrowser(), newBrowser()
	firstAuth := f.start(first)
	f.clock.add(time.Second) // the first is the oldest
	secondAuth := f.start(second)
	if n := f.console.pending.len(); n != 2 {
		t.Fatalf("%d pending at the limit, want 2", n)
	}
	f.clock.add(time.Second)
	f.start(newBrowser())
	if n := f.console.pending.len(); n != 2 {
		t.Fatalf("%d pending past the limit, want 2", n)
	}
	resp, _ := f.callback(first, f.atProvider(firstAuth))
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("the dropped login's callback: %d", resp.StatusCode)
	}
	resp, _ = f.callback(second, f.atProvider(secondAuth))
	if resp.StatusCode != http.StatusOK {
		t.Errorf("a kept login's callback: %d", resp.StatusCode)
	}
	// Expired logins go first, and their callbacks are refused.
	third := newBrowser()
	thirdAuth := f.start(third)
	f.clock.add(pendingLifetime)
	resp, _ = f.callback(third, f.atProvider(thirdAuth))
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("an expired login's callback: %d", resp.StatusCode)
	}
}

// ldapFixture is a console whose API has the directory as provider corp,
// alice's DN mapped to read-alpha.
func newLDAPConsole(t *testing.T, cfg httpapi.Config) *harness {
	t.Helper()
	dir := ldaptest.Start(t, ldaptest.Options{
		Users: []ldaptest.User{{UID: "alice", Password: "alice-pw"}, {UID: "carol", Password: "carol-pw"}},
	})
	api := fedAPIWith(t, cfg)
	ctx := context.Background()
	raw, _ := json.Marshal(ldap.Config{
		ServerAddr: dir.Addr, LookupBindDN: ldaptest.LookupDN,
		UserDNSearchBase: ldaptest.UsersDN, UserDNSearchFilter: "(uid=%s)",
	})
	if err := api.ids.PutIdentityProvider(ctx, iam.IdentityProvider{Name: "corp", Kind: idp.KindLDAP, Settings: raw}, ldaptest.LookupPassword, false); err != nil {
		t.Fatal(err)
	}
	if err := api.ids.AttachLDAPPolicy(ctx, "read-alpha", iam.LDAPUser, ldaptest.UserDN("alice")); err != nil {
		t.Fatal(err)
	}
	return newFedHarness(t, api, []LoginMethod{{Kind: LoginLDAP, Name: "corp"}}, nil)
}

func TestLDAPLogin(t *testing.T) {
	h := newLDAPConsole(t, httpapi.Config{})
	_, login := h.get("/login")
	if !strings.Contains(login, `action="/login/ldap"`) || strings.Contains(login, "/oauth/start") {
		t.Fatalf("login page:\n%s", login)
	}
	for _, bad := range []url.Values{
		{"username": {"alice"}, "password": {"wrong"}},
		{"username": {"nobody"}, "password": {"alice-pw"}},
		{"username": {"alice"}, "password": {""}},
		{"username": {"alice"}, "password": {strings.Repeat("p", 1025)}},
	} {
		resp, body := h.post("/login/ldap", bad)
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, asHTMLText(ldapLoginFailed)) || h.sessionCount() != 0 {
			t.Errorf("%v: %d, %d sessions\n%s", bad["username"], resp.StatusCode, h.sessionCount(), body)
		}
	}
	// carol is in the directory, but no policy is attached to her.
	resp, body := h.post("/login/ldap", url.Values{"username": {"carol"}, "password": {"carol-pw"}})
	if resp.StatusCode != http.StatusUnauthorized || h.sessionCount() != 0 {
		t.Errorf("carol: %d\n%s", resp.StatusCode, body)
	}

	resp, _ = h.post("/login/ldap", url.Values{"username": {"alice"}, "password": {"alice-pw"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/buckets" {
		t.Fatalf("alice: %d", resp.StatusCode)
	}
	_, buckets := h.get("/buckets")
	if !strings.Contains(buckets, "alice (directory)") || rowOf(buckets, "/browse/beta", "AccessDenied") == "" ||
		rowOf(buckets, "/browse/alpha", "AccessDenied") != "" {
		t.Errorf("alice's buckets:\n%s", buckets)
	}
	var sess *session
	for _, s := range h.console.sessions.sessions {
		sess = s
	}
	if !sess.credentialsEnd || sess.credentials.SessionToken == "" || !strings.HasPrefix(sess.accessKey, "ASIA") {
		t.Errorf("alice's session: ends with credentials %v, token %v, key %q", sess.credentialsEnd, sess.credentials.SessionToken != "", sess.accessKey)
	}
}

// The STS's bound on failed logins of one user name shows as such, not
// as a wrong password: limit failures are refused as wrong, the next as
// too many.
func TestLDAPLoginThrottled(t *testing.T) {
	h := newLDAPConsole(t, httpapi.Config{Federation: httpapi.FederationLimits{LDAPFailureRate: 0.001, LDAPFailureBurst: 3}})
	for n := 1; n <= 4; n++ {
		resp, body := h.post("/login/ldap", url.Values{"username": {"alice"}, "password": {"wrong"}})
		want, msg := http.StatusUnauthorized, ldapLoginFailed
		if n == 4 {
			want, msg = http.StatusServiceUnavailable, "Too many logins at the moment"
		}
		if resp.StatusCode != want || !strings.Contains(body, msg) {
			t.Errorf("wrong password %d: %d, want %d and %q\n%s", n, resp.StatusCode, want, msg, body)
		}
	}
	if h.sessionCount() != 0 {
		t.Errorf("%d sessions", h.sessionCount())
	}
}

// Without an STS endpoint the console offers keys only.
func TestFederatedLoginsNeedAnSTS(t *testing.T) {
	h := newHarness(t, nil)
	resp, _ := h.post("/login/ldap", url.Values{"username": {"alice"}, "password": {"pw"}})
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("directory login: %d", resp.StatusCode)
	}
	resp, _ = h.get("/oauth/start?provider=corp")
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("OpenID start: %d", resp.StatusCode)
	}
}

func TestErrorCodeText(t *testing.T) {
	for in, want := range map[string]string{
		"access_denied":         "access_denied",
		"":                      "an error",
		"<b>x</b>":              "<b>x</b>", // escaped by the template
		"a\nb":                  "an error",
		strings.Repeat("e", 64): strings.Repeat("e", 64),
		strings.Repeat("e", 65): "an error",
		`quote"d`:               "an error",
		"caf\u00e9":             "an error",
	} {
		if got := errorCodeText(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}
