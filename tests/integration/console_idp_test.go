package integration

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/kurastore/kura/internal/idp/ldap/ldaptest"
	"github.com/kurastore/kura/internal/idp/oidctest"
)

// consoleReadPolicy is fedReadPolicy with the bucket list the buckets
// page needs.
const consoleReadPolicy = `{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":["s3:ListAllMyBuckets"],"Resource":["arn:aws:s3:::*"]},
  {"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::fed-allowed","arn:aws:s3:::fed-allowed/*"]}]}`

// consoleFedSetup is fedSetup with the policy console-read.
func consoleFedSetup(t *testing.T, s *server) {
	t.Helper()
	fedSetup(t, s)
	doc := filepath.Join(t.TempDir(), "console-read.json")
	if err := os.WriteFile(doc, []byte(consoleReadPolicy), 0o600); err != nil {
		t.Fatal(err)
	}
	kuraAdmin(t, s, "policy", "create", "console-read", doc)
}

// consoleFedChecks reads, on the buckets page a federated user just
// reached, who the header names and the rows of fed-allowed and
// fed-other; then tries to create a bucket (which fed-read does not
// allow) and returns the refusal.
func consoleFedChecks(t *testing.T, ctx context.Context, shots, shot string) (who, allowed, other, refusal string) {
	t.Helper()
	err := chromedp.Run(ctx,
		chromedp.WaitVisible(`table.buckets`),
		chromedp.Text(`header .who`, &who),
		chromedp.Text(`//tr[td/a[@href="/browse/fed-allowed"]]`, &allowed, chromedp.BySearch),
		chromedp.Text(`//tr[td/a[@href="/browse/fed-other"]]`, &other, chromedp.BySearch),
		screenshot(shots, shot),
		chromedp.SendKeys(`form.create-bucket input[name=name]`, "fed-new"),
		chromedp.Submit(`form.create-bucket`),
		chromedp.WaitVisible(`p.error`),
		chromedp.Text(`p.error`, &refusal),
	)
	if err != nil {
		t.Fatalf("the buckets page: %v", err)
	}
	return who, allowed, other, refusal
}

// checkFedBuckets checks what consoleFedChecks read.
func checkFedBuckets(t *testing.T, who, wantWho, allowed, other, refusal string) {
	t.Helper()
	if who != wantWho {
		t.Errorf("the header names %q, want %q", who, wantWho)
	}
	if strings.Contains(allowed, "AccessDenied") || !strings.Contains(allowed, "2") {
		t.Errorf("fed-allowed's row: %q", allowed)
	}
	if !strings.Contains(other, "AccessDenied") {
		t.Errorf("fed-other's row: %q", other)
	}
	if !strings.Contains(refusal, "Creating bucket fed-new: AccessDenied") {
		t.Errorf("creating a bucket: %q", refusal)
	}
}

// noSession checks the browser has no session: the buckets page sends
// it to the login page.
func noSession(t *testing.T, ctx context.Context, home string) {
	t.Helper()
	var where string
	err := chromedp.Run(ctx,
		chromedp.Navigate(home+"/buckets"),
		chromedp.WaitVisible(`form.login`),
		chromedp.Evaluate(`location.pathname`, &where),
	)
	if err != nil || where != "/login" {
		t.Errorf("a refused login left a session: %v, at %q", err, where)
	}
}

// A directory user logs in through the console's LDAP form (kura asks
// slapd), sees the bucket its policy allows and not the other, and is
// refused a bucket creation; a wrong password shows the error and makes
// no session.
func TestConsoleLDAPLoginInABrowser(t *testing.T) {
	if testGateways() > 1 {
		t.Skip("the console is tested on one server")
	}
	dir := ldapDirectory(t)
	ctx, dialogs := startBrowser(t)
	consoleAddr := freeAddr(t)
	s := startServer(t, "--console-address", consoleAddr)
	kuraAdmin(t, s, "idp", "add", "ldap", "corp", "--server-addr", dir.Addr,
		"--lookup-bind-dn", ldaptest.LookupDN, "--lookup-bind-password", ldaptest.LookupPassword,
		"--user-dn-search-base", ldaptest.UsersDN, "--user-dn-search-filter", "(uid=%s)")
	consoleFedSetup(t, s)
	kuraAdmin(t, s, "policy", "attach", "console-read", "--ldap-user", ldaptest.UserDN("alice"))
	shots := screenshotDir(t)
	home := "http://" + consoleAddr

	var refused, source string
	err := chromedp.Run(ctx,
		chromedp.Navigate(home+"/login"),
		chromedp.WaitVisible(`form.login-ldap`),
		screenshot(shots, "console-login-ldap"),
		chromedp.OuterHTML(`html`, &source),
		chromedp.SendKeys(`form.login-ldap input[name=username]`, "alice"),
		chromedp.SendKeys(`form.login-ldap input[name=password]`, "not-alices"),
		chromedp.Submit(`form.login-ldap`),
		chromedp.WaitVisible(`p.error`),
		chromedp.Text(`p.error`, &refused),
	)
	if err != nil {
		t.Fatalf("a wrong directory password: %v", err)
	}
	if !strings.Contains(refused, "directory user name or password is not valid") {
		t.Errorf("a wrong password says %q", refused)
	}
	if strings.Contains(source, ldaptest.LookupPassword) {
		t.Error("the login page shows the lookup password")
	}
	noSession(t, ctx, home)

	err = chromedp.Run(ctx,
		chromedp.Navigate(home+"/login"),
		chromedp.WaitVisible(`form.login-ldap`),
		chromedp.SendKeys(`form.login-ldap input[name=username]`, "alice"),
		chromedp.SendKeys(`form.login-ldap input[name=password]`, "alice-pw"),
		chromedp.Submit(`form.login-ldap`),
	)
	if err != nil {
		t.Fatalf("alice logs in: %v", err)
	}
	who, allowed, other, refusal := consoleFedChecks(t, ctx, shots, "console-buckets-ldap")
	checkFedBuckets(t, who, "alice (directory)", allowed, other, refusal)
	if n := dialogs.Load(); n != 0 {
		t.Errorf("%d JavaScript dialogs opened", n)
	}
}

// A user of an OpenID provider logs in through the provider's redirects
// (authorization code with PKCE; the provider on another site than the
// console, as in life), with the same checks; consent denied and a
// forged callback show their error and make no session.
func TestConsoleOIDCLoginInABrowser(t *testing.T) {
	if testGateways() > 1 {
		t.Skip("the console is tested on one server")
	}
	// localhost and 127.0.0.1 are different sites to the browser: the
	// provider's redirect back is a cross-site navigation.
	i := oidctest.NewOnHost(t, "localhost")
	ctx, dialogs := startBrowser(t)
	consoleAddr := freeAddr(t)
	s := startServer(t, "--console-address", consoleAddr)
	home := "http://" + consoleAddr
	// No --redirect-uri: the console's own address is the default.
	kuraAdmin(t, s, "idp", "add", "openid", "corp", "--config-url", i.ConfigURL(), "--client-id", "kura", "--client-secret", "console-secret")
	i.SetClient(oidctest.Client{ID: "kura", Secret: "console-secret", RedirectURL: home + "/oauth/callback"})
	i.SetUser(oidctest.User{Subject: "u-dave", Claims: map[string]any{"policy": "console-read", "preferred_username": "dave"}})
	consoleFedSetup(t, s)
	shots := screenshotDir(t)

	var source string
	err := chromedp.Run(ctx,
		chromedp.Navigate(home+"/login"),
		chromedp.WaitVisible(`a[href="/oauth/start?provider=corp"]`),
		screenshot(shots, "console-login-openid"),
		chromedp.OuterHTML(`html`, &source),
		chromedp.Click(`a[href="/oauth/start?provider=corp"]`),
	)
	if err != nil {
		t.Fatalf("dave logs in: %v", err)
	}
	if strings.Contains(source, "console-secret") || !strings.Contains(source, "Log in with corp") {
		t.Errorf("the login page:\n%s", source)
	}
	who, allowed, other, refusal := consoleFedChecks(t, ctx, shots, "console-buckets-openid")
	checkFedBuckets(t, who, "dave (corp)", allowed, other, refusal)
	err = chromedp.Run(ctx,
		chromedp.Submit(`form.logout`),
		chromedp.WaitVisible(`form.login`),
	)
	if err != nil {
		t.Fatalf("logging out: %v", err)
	}

	// The user refuses consent at the provider.
	i.Deny(true)
	var denied string
	err = chromedp.Run(ctx,
		chromedp.Click(`a[href="/oauth/start?provider=corp"]`),
		chromedp.WaitVisible(`p.error`),
		chromedp.Text(`p.error`, &denied),
		screenshot(shots, "console-login-openid-denied"),
	)
	if err != nil {
		t.Fatalf("consent denied: %v", err)
	}
	if !strings.Contains(denied, "did not log you in (access_denied)") {
		t.Errorf("consent denied says %q", denied)
	}
	noSession(t, ctx, home)
	i.Deny(false)

	// A login is started, but the browser never reaches the provider
	// (down now; the console had its discovery document already); then a
	// link crafted elsewhere brings the browser to the callback with
	// someone else's code and state.
	i.Close()
	nctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	_ = chromedp.Run(nctx, chromedp.Navigate(home+"/oauth/start?provider=corp")) // the provider does not answer
	cancel()
	var preLogin bool
	err = chromedp.Run(ctx, chromedp.ActionFunc(func(c context.Context) error {
		cookies, err := network.GetCookies().WithURLs([]string{home + "/oauth/callback"}).Do(c)
		for _, ck := range cookies {
			preLogin = preLogin || (ck.Name == "kura_console_login" && ck.HTTPOnly && ck.SameSite == network.CookieSameSiteLax)
		}
		return err
	}))
	if err != nil || !preLogin {
		t.Fatalf("no HttpOnly, SameSite=Lax pre-login cookie after the start: %v", err)
	}
	var forged string
	err = chromedp.Run(ctx,
		chromedp.Navigate(home+"/oauth/callback?code=someone-elses&state=someone-elses"),
		chromedp.WaitVisible(`p.error`),
		chromedp.Text(`p.error`, &forged),
	)
	if err != nil {
		t.Fatalf("a forged callback: %v", err)
	}
	if !strings.Contains(forged, "its state differs") {
		t.Errorf("a forged callback says %q", forged)
	}
	noSession(t, ctx, home)
	if n := dialogs.Load(); n != 0 {
		t.Errorf("%d JavaScript dialogs opened", n)
	}
}
