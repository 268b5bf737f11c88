package ldap_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/kurastore/kura/internal/idp/ldap"
	"github.com/kurastore/kura/internal/idp/ldap/ldaptest"
)

// testDirectory is the content most tests share.
var testDirectory = ldaptest.Options{
	Users: []ldaptest.User{
		{UID: "alice", Password: "alice-pw"},
		{UID: "bob", Password: "bob-pw"},
		{UID: "carol", Password: "carol-pw", CN: "twin"},
		{UID: "dave", Password: "dave-pw", CN: "twin"},
		{UID: "erin", Password: "erin-pw", UserAccountControl: 512},   // NORMAL_ACCOUNT
		{UID: "frank", Password: "frank-pw", UserAccountControl: 514}, // NORMAL_ACCOUNT|ACCOUNTDISABLE
		{UID: "grace", Password: "grace-pw", Locked: true},
		{UID: "jürgen", Password: "jürgen-pw"},
	},
	Groups: []ldaptest.Group{
		{CN: "readers", Members: []string{"alice", "bob", "erin"}},
		{CN: "writers", Members: []string{"alice"}},
		{CN: "admins", Members: []string{"bob", "jürgen"}},
	},
}

func configFor(addr string) ldap.Config {
	return ldap.Config{
		ServerAddr:         addr,
		LookupBindDN:       ldaptest.LookupDN,
		LookupBindPassword: ldaptest.LookupPassword,
		UserDNSearchBase:   ldaptest.UsersDN,
		UserDNSearchFilter: "(&(objectClass=inetOrgPerson)(uid=%s))",
		GroupSearchBase:    ldaptest.GroupsDN,
		GroupSearchFilter:  "(&(objectClass=groupOfNames)(member=%d))",
	}
}

func newDirectory(t *testing.T, cfg ldap.Config) *ldap.Directory {
	t.Helper()
	d, err := ldap.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestAuthenticateResolvesGroups(t *testing.T) {
	srv := ldaptest.Start(t, testDirectory)
	d := newDirectory(t, configFor(srv.Addr))
	got, err := d.Authenticate(t.Context(), "alice", "alice-pw")
	if err != nil {
		t.Fatalf("Authenticate: %v\n%s", err, srv.Log())
	}
	if got.DN != ldaptest.UserDN("alice") {
		t.Errorf("DN = %q, want %q", got.DN, ldaptest.UserDN("alice"))
	}
	want := []string{ldaptest.GroupDN("readers"), ldaptest.GroupDN("writers")}
	if !slices.Equal(got.Groups, want) {
		t.Errorf("groups = %q, want %q", got.Groups, want)
	}
}

// Login names outside ASCII are escaped byte by byte and still match.
func TestAuthenticateUTF8LoginName(t *testing.T) {
	srv := ldaptest.Start(t, testDirectory)
	got, err := newDirectory(t, configFor(srv.Addr)).Authenticate(t.Context(), "jürgen", "jürgen-pw")
	if err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	if !slices.Equal(got.Groups, []string{ldaptest.GroupDN("admins")}) {
		t.Errorf("groups = %q, want admins", got.Groups)
	}
}

func TestAuthenticateGroupFilterByLoginName(t *testing.T) {
	srv := ldaptest.Start(t, testDirectory)
	cfg := configFor(srv.Addr)
	// A filter on the login name, as for posixGroup's memberUid; here
	// matched against the group's cn to use the same test groups.
	cfg.GroupSearchFilter = "(&(objectClass=groupOfNames)(|(cn=%s)(member=%d)))"
	got, err := newDirectory(t, cfg).Authenticate(t.Context(), "bob", "bob-pw")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{ldaptest.GroupDN("admins"), ldaptest.GroupDN("readers")}
	if !slices.Equal(got.Groups, want) {
		t.Errorf("groups = %q, want %q", got.Groups, want)
	}
}

func TestAuthenticateWithoutGroupSearch(t *testing.T) {
	srv := ldaptest.Start(t, testDirectory)
	cfg := configFor(srv.Addr)
	cfg.GroupSearchBase, cfg.GroupSearchFilter = "", ""
	got, err := newDirectory(t, cfg).Authenticate(t.Context(), "alice", "alice-pw")
	if err != nil || len(got.Groups) != 0 {
		t.Fatalf("Authenticate = %+v, %v; want no groups", got, err)
	}
}

func TestAuthenticateRefusals(t *testing.T) {
	srv := ldaptest.Start(t, testDirectory)
	d := newDirectory(t, configFor(srv.Addr))
	ambiguous := configFor(srv.Addr)
	ambiguous.UserDNSearchFilter = "(cn=%s)"
	cases := []struct {
		name, user, password string
		dir                  *ldap.Directory
		want                 error
	}{
		{"wrong password", "alice", "bob-pw", d, ldap.ErrInvalidCredentials},
		{"password of another user's case", "alice", "ALICE-PW", d, ldap.ErrInvalidCredentials},
		{"unknown user", "mallory", "x", d, ldap.ErrNoSuchUser},
		{"empty password", "alice", "", d, ldap.ErrInvalidCredentials},
		{"empty login name", "", "alice-pw", d, ldap.ErrNoSuchUser},
		{"wildcard login name", "*", "alice-pw", d, ldap.ErrNoSuchUser},
		{"filter injection", "alice)(uid=*", "alice-pw", d, ldap.ErrNoSuchUser},
		{"filter injection or", "*)(uid=*", "bob-pw", d, ldap.ErrNoSuchUser},
		{"ambiguous", "twin", "carol-pw", newDirectory(t, ambiguous), ldap.ErrAmbiguousUser},
		{"AD account disabled", "frank", "frank-pw", d, ldap.ErrUserDisabled},
		{"locked by password policy", "grace", "grace-pw", d, ldap.ErrInvalidCredentials},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.dir.Authenticate(t.Context(), c.user, c.password)
			if !errors.Is(err, c.want) {
				t.Fatalf("Authenticate(%q) = %v, want %v", c.user, err, c.want)
			}
			if c.password != "" && strings.Contains(err.Error(), c.password) {
				t.Errorf("error %q shows the password", err)
			}
		})
	}
}

func TestAuthenticateADEnabledAccount(t *testing.T) {
	srv := ldaptest.Start(t, testDirectory)
	got, err := newDirectory(t, configFor(srv.Addr)).Authenticate(t.Context(), "erin", "erin-pw")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Groups, []string{ldaptest.GroupDN("readers")}) {
		t.Errorf("groups = %q", got.Groups)
	}
}

// An empty password is refused without contacting the directory: here
// there is none, and the answer is still about the credentials.
func TestEmptyPasswordRefusedBeforeConnecting(t *testing.T) {
	d := newDirectory(t, configFor(closedAddr(t)))
	_, err := d.Authenticate(t.Context(), "alice", "")
	if !errors.Is(err, ldap.ErrInvalidCredentials) {
		t.Fatalf("err = %v, want ErrInvalidCredentials", err)
	}
}

func TestLookupBindFailure(t *testing.T) {
	srv := ldaptest.Start(t, testDirectory)
	cfg := configFor(srv.Addr)
	cfg.LookupBindPassword = "not-the-lookup-password"
	d := newDirectory(t, cfg)
	if _, err := d.Authenticate(t.Context(), "alice", "alice-pw"); !errors.Is(err, ldap.ErrLookupBind) {
		t.Fatalf("Authenticate err = %v, want ErrLookupBind", err)
	}
	if _, err := d.LookupUser(t.Context(), "alice", ldaptest.UserDN("alice")); !errors.Is(err, ldap.ErrLookupBind) {
		t.Fatalf("LookupUser err = %v, want ErrLookupBind", err)
	}
}

// closedAddr is a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestDirectoryDown(t *testing.T) {
	srv := ldaptest.Start(t, testDirectory)
	d := newDirectory(t, configFor(srv.Addr))
	srv.Stop()
	if _, err := d.Authenticate(t.Context(), "alice", "alice-pw"); !errors.Is(err, ldap.ErrUnavailable) {
		t.Fatalf("Authenticate err = %v, want ErrUnavailable", err)
	}
	if _, err := d.LookupUser(t.Context(), "alice", ldaptest.UserDN("alice")); !errors.Is(err, ldap.ErrUnavailable) {
		t.Fatalf("LookupUser err = %v, want ErrUnavailable", err)
	}
}

// silentServer accepts connections and never answers, like a hung
// directory.
func silentServer(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { close(done); l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { <-done; c.Close() }()
		}
	}()
	return l.Addr().String()
}

func TestHungDirectoryTimesOut(t *testing.T) {
	cfg := configFor(silentServer(t))
	cfg.OperationTimeout = 100 * time.Millisecond
	_, err := newDirectory(t, cfg).Authenticate(t.Context(), "alice", "alice-pw")
	if !errors.Is(err, ldap.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
}

func TestHungDirectoryStopsWithContext(t *testing.T) {
	cfg := configFor(silentServer(t))
	cfg.OperationTimeout = time.Hour // only the context can end the call
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	d := newDirectory(t, cfg)
	go func() {
		_, err := d.LookupUser(ctx, "alice", ldaptest.UserDN("alice"))
		errc <- err
	}()
	cancel()
	err := <-errc
	if !errors.Is(err, ldap.ErrUnavailable) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want ErrUnavailable and context.Canceled", err)
	}
}

func TestLookupUser(t *testing.T) {
	srv := ldaptest.Start(t, testDirectory)
	d := newDirectory(t, configFor(srv.Addr))
	got, err := d.LookupUser(t.Context(), "bob", ldaptest.UserDN("bob"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{ldaptest.GroupDN("admins"), ldaptest.GroupDN("readers")}
	if got.DN != ldaptest.UserDN("bob") || !slices.Equal(got.Groups, want) {
		t.Errorf("LookupUser = %+v, want groups %q", got, want)
	}
	for _, c := range []struct {
		uid  string
		want error
	}{
		{"frank", ldap.ErrUserDisabled},
		{"grace", ldap.ErrUserDisabled},
		{"nobody", ldap.ErrNoSuchUser},
	} {
		if _, err := d.LookupUser(t.Context(), c.uid, ldaptest.UserDN(c.uid)); !errors.Is(err, c.want) {
			t.Errorf("LookupUser(%s) = %v, want %v", c.uid, err, c.want)
		}
	}
}

// The periodic re-check sees changes made in the directory after login.
func TestLookupUserSeesDirectoryChanges(t *testing.T) {
	srv := ldaptest.Start(t, testDirectory)
	d := newDirectory(t, configFor(srv.Addr))
	admin := srv.Admin(t)
	ctx := t.Context()
	if _, err := d.Authenticate(ctx, "erin", "erin-pw"); err != nil {
		t.Fatal(err)
	}

	modify(t, admin, ldaptest.GroupDN("readers"), func(m *goldap.ModifyRequest) {
		m.Delete("member", []string{ldaptest.UserDN("erin")})
	})
	got, err := d.LookupUser(ctx, "erin", ldaptest.UserDN("erin"))
	if err != nil || len(got.Groups) != 0 {
		t.Fatalf("after leaving the group: %+v, %v; want no groups", got, err)
	}

	modify(t, admin, ldaptest.UserDN("erin"), func(m *goldap.ModifyRequest) {
		m.Replace("userAccountControl", []string{"514"})
	})
	if _, err := d.LookupUser(ctx, "erin", ldaptest.UserDN("erin")); !errors.Is(err, ldap.ErrUserDisabled) {
		t.Fatalf("after disabling: %v, want ErrUserDisabled", err)
	}

	modify(t, admin, ldaptest.UserDN("bob"), func(m *goldap.ModifyRequest) {
		m.Add("pwdAccountLockedTime", []string{"000001010000Z"})
	})
	if _, err := d.LookupUser(ctx, "bob", ldaptest.UserDN("bob")); !errors.Is(err, ldap.ErrUserDisabled) {
		t.Fatalf("after locking: %v, want ErrUserDisabled", err)
	}
	if _, err := d.Authenticate(ctx, "bob", "bob-pw"); !errors.Is(err, ldap.ErrInvalidCredentials) {
		t.Fatalf("login after locking: %v, want ErrInvalidCredentials", err)
	}

	if err := admin.Del(goldap.NewDelRequest(ldaptest.UserDN("alice"), nil)); err != nil {
		t.Fatal(err)
	}
	if _, err := d.LookupUser(ctx, "alice", ldaptest.UserDN("alice")); !errors.Is(err, ldap.ErrNoSuchUser) {
		t.Fatalf("after deleting: %v, want ErrNoSuchUser", err)
	}
}

func modify(t *testing.T, c *goldap.Conn, dn string, change func(*goldap.ModifyRequest)) {
	t.Helper()
	m := goldap.NewModifyRequest(dn, nil)
	change(m)
	if err := c.Modify(m); err != nil {
		t.Fatalf("modify %s: %v", dn, err)
	}
}

// One Directory serves concurrent logins; each has its own connection, so
// one user's bind never leaks into another's search.
func TestConcurrentLogins(t *testing.T) {
	srv := ldaptest.Start(t, testDirectory)
	d := newDirectory(t, configFor(srv.Addr))
	type login struct{ user, password, group string }
	logins := []login{{"alice", "alice-pw", "writers"}, {"bob", "bob-pw", "admins"}}
	errc := make(chan error, 20)
	for i := range cap(errc) {
		l := logins[i%len(logins)]
		go func() {
			got, err := d.Authenticate(t.Context(), l.user, l.password)
			if err == nil && (got.DN != ldaptest.UserDN(l.user) || !slices.Contains(got.Groups, ldaptest.GroupDN(l.group))) {
				err = errors.New(l.user + " got " + got.DN + " " + strings.Join(got.Groups, ";"))
			}
			errc <- err
		}()
	}
	for range cap(errc) {
		if err := <-errc; err != nil {
			t.Error(err)
		}
	}
}

// Group searches come in pages of 500: a member of exactly one page of
// groups and one of a page and one more both get all of theirs.
func TestManyGroupsArePaged(t *testing.T) {
	opts := ldaptest.Options{Users: []ldaptest.User{
		{UID: "page", Password: "page-pw"},
		{UID: "pageplusone", Password: "pageplusone-pw"},
	}}
	for i := range 501 {
		members := []string{"pageplusone"}
		if i < 500 {
			members = append(members, "page")
		}
		opts.Groups = append(opts.Groups, ldaptest.Group{CN: fmt.Sprintf("g%03d", i), Members: members})
	}
	srv := ldaptest.Start(t, opts)
	d := newDirectory(t, configFor(srv.Addr))
	for user, want := range map[string]int{"page": 500, "pageplusone": 501} {
		got, err := d.Authenticate(t.Context(), user, user+"-pw")
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Groups) != want {
			t.Errorf("%s: %d groups, want %d", user, len(got.Groups), want)
		}
	}
}

// LookupLogin finds a user by login name without a password, as the
// service account of a user named by an administrator needs: one
// enabled entry, with its groups (through a filter on the login name
// too).
func TestLookupLogin(t *testing.T) {
	srv := ldaptest.Start(t, testDirectory)
	cfg := configFor(srv.Addr)
	d := newDirectory(t, cfg)
	if d.GroupsNeedLoginName() {
		t.Error("a group filter on the user DN alone needs the login name")
	}
	got, err := d.LookupLogin(t.Context(), "BOB")
	want := []string{ldaptest.GroupDN("admins"), ldaptest.GroupDN("readers")}
	if err != nil || got.DN != ldaptest.UserDN("bob") || !slices.Equal(got.Groups, want) {
		t.Errorf("LookupLogin(BOB) = %+v, %v", got, err)
	}
	for _, c := range []struct {
		name string
		want error
	}{
		{"frank", ldap.ErrUserDisabled},
		{"nobody", ldap.ErrNoSuchUser},
		{"", ldap.ErrNoSuchUser},
		{"*", ldap.ErrNoSuchUser},
	} {
		if _, err := d.LookupLogin(t.Context(), c.name); !errors.Is(err, c.want) {
			t.Errorf("LookupLogin(%q) = %v, want %v", c.name, err, c.want)
		}
	}
	cfg.UserDNSearchFilter = "(cn=%s)"
	if _, err := newDirectory(t, cfg).LookupLogin(t.Context(), "twin"); !errors.Is(err, ldap.ErrAmbiguousUser) {
		t.Errorf("LookupLogin(twin) by cn = %v, want ErrAmbiguousUser", err)
	}
	cfg.GroupSearchFilter = "(&(objectClass=groupOfNames)(|(cn=%s)(member=%d)))"
	if !newDirectory(t, cfg).GroupsNeedLoginName() {
		t.Error("a group filter on the login name does not need it")
	}
}
