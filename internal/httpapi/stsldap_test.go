package httpapi

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/kurastore/kura/admin"
	"github.com/kurastore/kura/internal/iam"
	"github.com/kurastore/kura/internal/idp"
	"github.com/kurastore/kura/internal/idp/ldap"
	"github.com/kurastore/kura/internal/idp/ldap/ldaptest"
)

// testClock is a settable clock for the IAM store of a test server.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// ldapFixture is a fed server with an LDAP provider "corp" on a slapd
// holding alice and bob (group devs), carol (no policy), dave, and twin1
// and twin2, both with CN twin.
type ldapFixture struct {
	*fedServer
	dir   *ldaptest.Server
	clock *testClock
}

func newLDAPFixture(t *testing.T) *ldapFixture {
	t.Helper()
	return newLDAPFixtureWith(t, FederationLimits{})
}

// newLDAPFixtureWith is newLDAPFixture whose server bounds logins by
// limits. The IAM store and the server both run on the fixture's clock.
func newLDAPFixtureWith(t *testing.T, limits FederationLimits) *ldapFixture {
	t.Helper()
	dir := ldaptest.Start(t, ldaptest.Options{
		Users: []ldaptest.User{
			{UID: "alice", Password: "alice-pw"}, {UID: "bob", Password: "bob-pw"},
			{UID: "carol", Password: "carol-pw"}, {UID: "dave", Password: "dave-pw"},
			{UID: "twin1", CN: "twin", Password: "twin-pw"}, {UID: "twin2", CN: "twin", Password: "twin-pw"},
		},
		Groups: []ldaptest.Group{{CN: "devs", Members: []string{"bob"}}},
	})
	c := &testClock{t: time.Now()}
	o := fedOptions{iamNow: c.now, serverNow: c.now, federation: limits}
	f := &ldapFixture{fedServer: newFedServerWith(t, o), dir: dir, clock: c}
	f.addLDAP(t, "corp", dir.Addr, false)
	ctx := context.Background()
	for _, a := range []struct {
		policy string
		kind   iam.LDAPEntityKind
		dn     string
	}{
		{"read-alpha", iam.LDAPUser, strings.ToUpper(ldaptest.UserDN("alice"))},
		{"read-beta", iam.LDAPGroup, ldaptest.GroupDN("devs")},
		{"read-alpha", iam.LDAPUser, ldaptest.UserDN("dave")},
	} {
		if err := f.ids.AttachLDAPPolicy(ctx, a.policy, a.kind, a.dn); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// addLDAP adds (or with replace, replaces, keeping its ID) the LDAP
// provider name on the directory at addr.
func (f *ldapFixture) addLDAP(t *testing.T, name, addr string, replace bool) {
	t.Helper()
	f.addLDAPFilter(t, name, addr, "(&(objectClass=inetOrgPerson)(uid=%s))", replace)
}

func (f *ldapFixture) addLDAPFilter(t *testing.T, name, addr, userFilter string, replace bool) {
	t.Helper()
	f.putLDAP(t, name, addr, userFilter, "(&(objectClass=groupOfNames)(member=%d))", replace)
}

// addLDAPGroups replaces the provider name, keeping its ID, with one
// whose group filter is groupFilter.
func (f *ldapFixture) addLDAPGroups(t *testing.T, name, addr, groupFilter string) {
	t.Helper()
	f.putLDAP(t, name, addr, "(&(objectClass=inetOrgPerson)(uid=%s))", groupFilter, true)
}

func (f *ldapFixture) putLDAP(t *testing.T, name, addr, userFilter, groupFilter string, replace bool) {
	t.Helper()
	cfg := ldap.Config{
		ServerAddr: addr, LookupBindDN: ldaptest.LookupDN,
		UserDNSearchBase: ldaptest.UsersDN, UserDNSearchFilter: userFilter,
		GroupSearchBase: ldaptest.GroupsDN, GroupSearchFilter: groupFilter,
	}
	raw, _ := json.Marshal(cfg)
	p := iam.IdentityProvider{Name: name, Kind: idp.KindLDAP, Settings: raw}
	if err := f.ids.PutIdentityProvider(context.Background(), p, ldaptest.LookupPassword, replace); err != nil {
		t.Fatal(err)
	}
}

// ldapLogin posts an unsigned AssumeRoleWithLDAPIdentity, as minio-py's
// LdapIdentityProvider does.
func (s *fedServer) ldapLogin(t *testing.T, user, password string, extra ...string) stsAnswer {
	t.Helper()
	form := url.Values{"Action": {"AssumeRoleWithLDAPIdentity"}, "Version": {"2011-06-15"}, "LDAPUsername": {user}, "LDAPPassword": {password}}
	for i := 0; i+1 < len(extra); i += 2 {
		form.Set(extra[i], extra[i+1])
	}
	resp, err := http.Post(s.url+"/", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	return readSTSAnswer(t, resp)
}

func (f *ldapFixture) mustLogin(t *testing.T, user, password string) stsAnswer {
	t.Helper()
	a := f.ldapLogin(t, user, password)
	if a.status != http.StatusOK || a.creds.SessionToken == "" {
		t.Fatalf("%s: %d %s", user, a.status, a.body)
	}
	return a
}

func TestLDAPIdentityPolicies(t *testing.T) {
	f := newLDAPFixture(t)
	// alice: a policy on her DN, attached spelled in capitals.
	a := f.mustLogin(t, "alice", "alice-pw")
	alice := f.s3(a.creds.AccessKeyID, a.creds.SecretAccessKey, a.creds.SessionToken)
	if err := f.get(alice, "alpha", "a"); err != nil {
		t.Errorf("alice alpha/a: %v", err)
	}
	if err := f.get(alice, "beta", "a"); apiErrorCode(err) != "AccessDenied" {
		t.Errorf("alice beta/a: %v", err)
	}
	// bob: a policy on his group only.
	b := f.mustLogin(t, "bob", "bob-pw")
	bob := f.s3(b.creds.AccessKeyID, b.creds.SecretAccessKey, b.creds.SessionToken)
	if err := f.get(bob, "beta", "a"); err != nil {
		t.Errorf("bob beta/a: %v", err)
	}
	if err := f.get(bob, "alpha", "a"); apiErrorCode(err) != "AccessDenied" {
		t.Errorf("bob alpha/a: %v", err)
	}
	// A session policy narrows.
	n := f.ldapLogin(t, "alice", "alice-pw", "Policy", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::alpha/b"}]}`)
	narrowed := f.s3(n.creds.AccessKeyID, n.creds.SecretAccessKey, n.creds.SessionToken)
	if err := f.get(narrowed, "alpha", "a"); apiErrorCode(err) != "AccessDenied" {
		t.Errorf("narrowed alice alpha/a: %v", err)
	}
	if err := f.get(narrowed, "alpha", "b"); err != nil {
		t.Errorf("narrowed alice alpha/b: %v", err)
	}
	// carol has no policy.
	if c := f.ldapLogin(t, "carol", "carol-pw"); c.status != http.StatusForbidden || c.code != "AccessDenied" {
		t.Errorf("carol without policy: %d %s", c.status, c.body)
	}
}

// TestLDAPIdentityRefusals: a wrong password, an unknown name and a
// disabled user get one answer; missing and oversized parameters are
// refused before the directory is asked.
func TestLDAPIdentityRefusals(t *testing.T) {
	f := newLDAPFixture(t)
	lockUser(t, f.dir, "dave")
	// Tried first; its filter by CN is ambiguous for twin.
	f.addLDAPFilter(t, "by-cn", f.dir.Addr, "(cn=%s)", false)
	var first string
	for _, c := range [][2]string{{"alice", "wrong"}, {"nobody", "x"}, {"dave", "dave-pw"}, {"*", "x"}, {"twin", "twin-pw"}} {
		a := f.ldapLogin(t, c[0], c[1])
		if a.status != http.StatusForbidden || a.code != "AccessDenied" {
			t.Errorf("%s/%s: %d %s", c[0], c[1], a.status, a.body)
		}
		msg := messageOf(a.body)
		if first == "" {
			first = msg
		} else if msg != first {
			t.Errorf("%s answers %q, another refusal %q", c[0], msg, first)
		}
	}
	for _, c := range []struct {
		user, password string
		status         int
	}{
		{"", "x", http.StatusBadRequest},
		{"alice", "", http.StatusBadRequest},
		{strings.Repeat("u", maxLDAPUsername), "x", http.StatusForbidden},
		{strings.Repeat("u", maxLDAPUsername+1), "x", http.StatusBadRequest},
		{"alice", strings.Repeat("p", maxLDAPPassword), http.StatusForbidden},
		{"alice", strings.Repeat("p", maxLDAPPassword+1), http.StatusBadRequest},
	} {
		if a := f.ldapLogin(t, c.user, c.password); a.status != c.status {
			t.Errorf("user %d bytes, password %d bytes: %d %s, want %d", len(c.user), len(c.password), a.status, a.body, c.status)
		}
	}
}

func messageOf(body string) string {
	var e stsErrorResponse
	_ = xml.Unmarshal([]byte(body), &e)
	return e.Error.Message
}

func lockUser(t *testing.T, dir *ldaptest.Server, uid string) {
	t.Helper()
	m := goldap.NewModifyRequest(ldaptest.UserDN(uid), nil)
	m.Add("pwdAccountLockedTime", []string{"000001010000Z"})
	if err := dir.Admin(t).Modify(m); err != nil {
		t.Fatal(err)
	}
}

// TestLDAPIdentitySessionChecks: a session's user is checked in the
// directory again once the last pass is iam.ProviderCacheTTL old; a
// disabled or deleted user, or a removed provider, ends the session.
func TestLDAPIdentitySessionChecks(t *testing.T) {
	f := newLDAPFixture(t)
	a := f.mustLogin(t, "dave", "dave-pw")
	dave := f.s3(a.creds.AccessKeyID, a.creds.SecretAccessKey, a.creds.SessionToken)
	if err := f.get(dave, "alpha", "a"); err != nil {
		t.Fatalf("dave alpha/a: %v", err)
	}
	lockUser(t, f.dir, "dave")
	f.clock.advance(iam.ProviderCacheTTL - time.Second)
	if err := f.get(dave, "alpha", "a"); err != nil {
		t.Errorf("within the check interval after the last pass: %v", err)
	}
	f.clock.advance(time.Second)
	if err := f.get(dave, "alpha", "a"); apiErrorCode(err) != "InvalidToken" {
		t.Errorf("dave locked, check due: %v", err)
	}

	// A deleted user.
	b := f.mustLogin(t, "alice", "alice-pw")
	alice := f.s3(b.creds.AccessKeyID, b.creds.SecretAccessKey, b.creds.SessionToken)
	if err := f.dir.Admin(t).Del(goldap.NewDelRequest(ldaptest.UserDN("alice"), nil)); err != nil {
		t.Fatal(err)
	}
	f.clock.advance(iam.ProviderCacheTTL)
	if err := f.get(alice, "alpha", "a"); apiErrorCode(err) != "InvalidToken" {
		t.Errorf("alice deleted: %v", err)
	}

	// A removed provider ends its sessions at once on this server.
	c := f.mustLogin(t, "bob", "bob-pw")
	bob := f.s3(c.creds.AccessKeyID, c.creds.SecretAccessKey, c.creds.SessionToken)
	if err := f.get(bob, "beta", "a"); err != nil {
		t.Fatalf("bob beta/a: %v", err)
	}
	if err := f.ids.RemoveIdentityProvider(context.Background(), "corp"); err != nil {
		t.Fatal(err)
	}
	if err := f.get(bob, "beta", "a"); apiErrorCode(err) != "InvalidToken" {
		t.Errorf("provider removed: %v", err)
	}
}

// TestLDAPIdentityDirectoryDown: while the directory does not answer, a
// session whose check is due is refused (503) rather than let through,
// and goes on once the directory answers again; logins are refused with
// 503 too, not as wrong passwords.
func TestLDAPIdentityDirectoryDown(t *testing.T) {
	f := newLDAPFixture(t)
	a := f.mustLogin(t, "alice", "alice-pw")
	alice := f.s3(a.creds.AccessKeyID, a.creds.SecretAccessKey, a.creds.SessionToken)
	if err := f.get(alice, "alpha", "a"); err != nil {
		t.Fatal(err)
	}
	// Point the provider at a closed port, keeping its ID and sessions.
	f.addLDAP(t, "corp", closedAddr(t), true)
	f.clock.advance(iam.ProviderCacheTTL)
	if err := f.get(alice, "alpha", "a"); apiErrorCode(err) != "ServiceUnavailable" {
		t.Errorf("check due, directory down: %v", err)
	}
	if l := f.ldapLogin(t, "alice", "alice-pw"); l.status != http.StatusServiceUnavailable {
		t.Errorf("login, directory down: %d %s", l.status, l.body)
	}
	f.addLDAP(t, "corp", f.dir.Addr, true)
	if err := f.get(alice, "alpha", "a"); err != nil {
		t.Errorf("directory back: %v", err)
	}
}

// closedAddr is a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// TestAdminLDAP: the admin API adds an LDAP provider only when its lookup
// account binds, never shows the lookup password, and attaches policies
// to LDAP DNs that a login then gets.
func TestAdminLDAP(t *testing.T) {
	dir := ldaptest.Start(t, ldaptest.Options{Users: []ldaptest.User{{UID: "erin", Password: "erin-pw"}}})
	s := newFedServer(t)
	ctx := context.Background()
	ac, err := admin.New(strings.TrimPrefix(s.url, "http://"), s.root.AccessKey, s.root.SecretKey, false)
	if err != nil {
		t.Fatal(err)
	}
	p := admin.LDAPProvider{
		ServerAddr: dir.Addr, LookupBindDN: ldaptest.LookupDN, LookupBindPassword: "wrong",
		UserDNSearchBase: ldaptest.UsersDN, UserDNSearchFilter: "(uid=%s)",
	}
	if _, err := ac.AddLDAPProvider(ctx, "corp", p); err == nil || !strings.Contains(err.Error(), "InvalidArgument") {
		t.Errorf("a wrong lookup password: %v", err)
	}
	bad := p
	bad.UserDNSearchFilter = "(uid=alice)"
	if _, err := ac.AddLDAPProvider(ctx, "corp", bad); err == nil {
		t.Error("a user filter without the login name placeholder")
	}
	p.LookupBindPassword = ldaptest.LookupPassword
	if _, err := ac.AddLDAPProvider(ctx, "corp", p); err != nil {
		t.Fatal(err)
	}
	ps, err := ac.ListIdentityProviders(ctx)
	doc, _ := json.Marshal(ps)
	if err != nil || len(ps) != 1 || ps[0].LDAP == nil || ps[0].LDAP.ServerAddr != dir.Addr || !ps[0].HasSecret || strings.Contains(string(doc), ldaptest.LookupPassword) {
		t.Fatalf("listing: %s %v", doc, err)
	}
	stored, _ := s.ids.ListIdentityProviders(ctx)
	if strings.Contains(string(stored[0].Settings), ldaptest.LookupPassword) || strings.Contains(string(stored[0].Sealed), ldaptest.LookupPassword) {
		t.Error("the lookup password is stored in the clear")
	}

	if a := s.ldapLogin(t, "erin", "erin-pw"); a.code != "AccessDenied" {
		t.Errorf("erin before any attachment: %d %s", a.status, a.body)
	}
	if err := ac.AttachLDAPPolicy(ctx, "read-alpha", "UID=erin,"+ldaptest.UsersDN, ""); err != nil {
		t.Fatal(err)
	}
	if err := ac.AttachLDAPPolicy(ctx, "read-beta", "", ldaptest.GroupDN("x")); err != nil {
		t.Fatal(err)
	}
	if err := ac.AttachLDAPPolicy(ctx, "read-beta", "not a DN", ""); err == nil {
		t.Error("attached to a malformed DN")
	}
	ms, err := ac.ListLDAPPolicies(ctx)
	if err != nil || len(ms) != 2 {
		t.Fatalf("%+v %v", ms, err)
	}
	a := s.ldapLogin(t, "erin", "erin-pw")
	if a.status != http.StatusOK {
		t.Fatalf("erin: %d %s", a.status, a.body)
	}
	if err := s.get(s.s3(a.creds.AccessKeyID, a.creds.SecretAccessKey, a.creds.SessionToken), "alpha", "a"); err != nil {
		t.Error(err)
	}
	if err := ac.DetachLDAPPolicy(ctx, "read-alpha", "uid=erin,"+ldaptest.UsersDN, ""); err != nil {
		t.Fatal(err)
	}
	if a := s.ldapLogin(t, "erin", "erin-pw"); a.code != "AccessDenied" {
		t.Errorf("erin after detaching: %d %s", a.status, a.body)
	}
}

// TestLDAPIdentityPoliciesFollowDirectory: a session's policies are those
// of its user's DN and current groups as of the last check: a policy
// attached later applies, leaving a group takes its policies away, and
// no policy left ends the session.
func TestLDAPIdentityPoliciesFollowDirectory(t *testing.T) {
	f := newLDAPFixture(t)
	ctx := context.Background()
	a := f.mustLogin(t, "bob", "bob-pw")
	bob := f.s3(a.creds.AccessKeyID, a.creds.SecretAccessKey, a.creds.SessionToken)
	if err := f.get(bob, "alpha", "a"); apiErrorCode(err) != "AccessDenied" {
		t.Fatalf("bob alpha/a before any user policy: %v", err)
	}
	// An IAM change drops the checks' cache, so this applies at once.
	if err := f.ids.AttachLDAPPolicy(ctx, "read-alpha", iam.LDAPUser, ldaptest.UserDN("bob")); err != nil {
		t.Fatal(err)
	}
	if err := f.get(bob, "alpha", "a"); err != nil {
		t.Errorf("bob alpha/a after attaching read-alpha to his DN: %v", err)
	}
	m := goldap.NewModifyRequest(ldaptest.GroupDN("devs"), nil)
	m.Add("member", []string{ldaptest.UserDN("alice")})
	m.Delete("member", []string{ldaptest.UserDN("bob")})
	if err := f.dir.Admin(t).Modify(m); err != nil {
		t.Fatal(err)
	}
	if err := f.get(bob, "beta", "a"); err != nil {
		t.Errorf("bob beta/a, left devs but checked less than a minute ago: %v", err)
	}
	f.clock.advance(iam.ProviderCacheTTL)
	if err := f.get(bob, "beta", "a"); apiErrorCode(err) != "AccessDenied" {
		t.Errorf("bob beta/a, out of devs at the check: %v", err)
	}
	if err := f.get(bob, "alpha", "a"); err != nil {
		t.Errorf("bob alpha/a, his own policy: %v", err)
	}
	if err := f.ids.DetachLDAPPolicy(ctx, "read-alpha", iam.LDAPUser, ldaptest.UserDN("bob")); err != nil {
		t.Fatal(err)
	}
	if err := f.get(bob, "alpha", "a"); apiErrorCode(err) != "InvalidToken" {
		t.Errorf("bob with no policy left: %v", err)
	}
}
