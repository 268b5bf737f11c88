package integration

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/internal/idp/ldap/ldaptest"
)

// ldapDirectory is a slapd with alice and bob in group readers.
func ldapDirectory(t *testing.T) *ldaptest.Server {
	t.Helper()
	return ldaptest.Start(t, ldaptest.Options{
		Users:  []ldaptest.User{{UID: "alice", Password: "alice-pw"}, {UID: "bob", Password: "bob-pw"}},
		Groups: []ldaptest.Group{{CN: "readers", Members: []string{"alice", "bob"}}},
	})
}

// TestLDAPIdentityMinioPy: the CLI configures the directory and maps its
// group to fed-read; minio-py's LdapIdentityProvider logs in.
func TestLDAPIdentityMinioPy(t *testing.T) {
	python, env := minioPy(t)
	dir := ldapDirectory(t)
	s := startServer(t)
	kuraAdmin(t, s, "idp", "add", "ldap", "corp", "--server-addr", dir.Addr,
		"--lookup-bind-dn", ldaptest.LookupDN, "--lookup-bind-password", ldaptest.LookupPassword,
		"--user-dn-search-base", ldaptest.UsersDN, "--user-dn-search-filter", "(uid=%s)",
		"--group-search-base", ldaptest.GroupsDN, "--group-search-filter", "(&(objectClass=groupOfNames)(member=%d))")
	list := kuraAdmin(t, s, "idp", "list")
	if !strings.Contains(list, dir.Addr) || strings.Contains(list, ldaptest.LookupPassword) {
		t.Fatalf("idp list:\n%s", list)
	}
	fedSetup(t, s)
	kuraAdmin(t, s, "policy", "attach", "fed-read", "--ldap-group", strings.ToUpper(ldaptest.GroupDN("readers")))
	if out := kuraAdmin(t, s, "policy", "entities"); !strings.Contains(out, "ldap-group") || !strings.Contains(out, "fed-read") {
		t.Fatalf("policy entities:\n%s", out)
	}
	cmd := exec.Command(python, "testdata/minio_py_ldapidentity.py", s.addr, "alice", "alice-pw")
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "OK") {
		t.Fatalf("minio-py LdapIdentityProvider: %v\n%s", err, out)
	}
}

// TestLDAPIdentityGoSDKFromEnv: a directory configured by environment
// variables at start serves the Go SDK's LDAPIdentity provider, and a
// user locked in the directory loses its session within the check
// interval.
func TestLDAPIdentityGoSDKFromEnv(t *testing.T) {
	dir := ldapDirectory(t)
	s := startServerEnv(t, []string{
		"KURA_IDENTITY_LDAP_SERVER_ADDR=" + dir.Addr,
		"KURA_IDENTITY_LDAP_LOOKUP_BIND_DN=" + ldaptest.LookupDN,
		"KURA_IDENTITY_LDAP_LOOKUP_BIND_PASSWORD=" + ldaptest.LookupPassword,
		"KURA_IDENTITY_LDAP_USER_DN_SEARCH_BASE=" + ldaptest.UsersDN,
		"KURA_IDENTITY_LDAP_USER_DN_SEARCH_FILTER=(uid=%s)",
	})
	fedSetup(t, s)
	kuraAdmin(t, s, "policy", "attach", "fed-read", "--ldap-user", ldaptest.UserDN("bob"))
	c := ctx(t)
	sdk, err := client.New(s.addr, &client.Options{Credentials: &client.LDAPIdentity{Endpoint: s.url(), Username: "bob", Password: "bob-pw"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sdk.StatObject(c, "fed-allowed", "a", client.StatObjectOptions{}); err != nil {
		t.Fatalf("fed-allowed/a: %v", err)
	}
	var e *client.ErrorResponse
	if _, err := sdk.StatObject(c, "fed-other", "a", client.StatObjectOptions{}); !errors.As(err, &e) || e.StatusCode != 403 {
		t.Fatalf("fed-other/a: %v", err)
	}
	m := goldap.NewModifyRequest(ldaptest.UserDN("bob"), nil)
	m.Add("pwdAccountLockedTime", []string{"000001010000Z"})
	if err := dir.Admin(t).Modify(m); err != nil {
		t.Fatal(err)
	}
	// The user is checked again at most a minute after the last pass.
	deadline := time.Now().Add(75 * time.Second)
	for {
		err := getAll(c, sdk, "fed-allowed", "a")
		if errors.As(err, &e) && e.Code == "InvalidToken" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a session of a locked user, after its bound: %v", err)
		}
		time.Sleep(time.Second)
	}
}
