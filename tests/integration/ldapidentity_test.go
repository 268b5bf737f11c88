package integration

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	goldap "github.com/go-ldap/ldap/v3"

	"github.com/kurastore/kura/admin"
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

// TestLDAPServiceAccountCLI: root creates a service account of an LDAP
// user with the CLI; the user, with the session of its login, creates,
// lists and removes its own with the CLI too, and is refused another
// user's.
func TestLDAPServiceAccountCLI(t *testing.T) {
	dir := ldapDirectory(t)
	s := startServer(t)
	c := ctx(t)
	kuraAdmin(t, s, "idp", "add", "ldap", "corp", "--server-addr", dir.Addr,
		"--lookup-bind-dn", ldaptest.LookupDN, "--lookup-bind-password", ldaptest.LookupPassword,
		"--user-dn-search-base", ldaptest.UsersDN, "--user-dn-search-filter", "(uid=%s)",
		"--group-search-base", ldaptest.GroupsDN, "--group-search-filter", "(&(objectClass=groupOfNames)(member=%d))")
	fedSetup(t, s)
	kuraAdmin(t, s, "policy", "attach", "fed-read", "--ldap-group", ldaptest.GroupDN("readers"))
	self := filepath.Join(t.TempDir(), "self.json")
	if err := os.WriteFile(self, []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["admin:CreateServiceAccount","admin:ListServiceAccounts","admin:RemoveServiceAccount"],"Resource":"*"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	kuraAdmin(t, s, "policy", "create", "svcacct-self", self)
	aliceDN, bobDN := ldaptest.UserDN("alice"), ldaptest.UserDN("bob")
	kuraAdmin(t, s, "policy", "attach", "svcacct-self", "--ldap-user", aliceDN)

	var bobs admin.Credentials
	if err := json.Unmarshal([]byte(kuraAdmin(t, s, "svcacct", "add", "--ldap-user", bobDN, "--json")), &bobs); err != nil {
		t.Fatal(err)
	}
	bob := clientAs(s, bobs.AccessKey, bobs.SecretKey)
	if _, err := bob.GetObject(c, &s3.GetObjectInput{Bucket: aws.String("fed-allowed"), Key: aws.String("a")}); err != nil {
		t.Errorf("bob's account, fed-allowed/a: %v", err)
	}
	if _, err := bob.GetObject(c, &s3.GetObjectInput{Bucket: aws.String("fed-other"), Key: aws.String("a")}); apiCode(err) != "AccessDenied" {
		t.Errorf("bob's account, fed-other/a: %v", err)
	}
	if out := kuraAdmin(t, s, "svcacct", "list", "--ldap-user", bobDN); !strings.Contains(out, bobs.AccessKey) || !strings.Contains(out, bobDN) || !strings.Contains(out, "corp") {
		t.Errorf("svcacct list --ldap-user:\n%s", out)
	}

	session := ldapLogin(t, s, "alice", "alice-pw")
	asAlice := func(args ...string) (string, error) {
		cmd := exec.Command(kuraBin, append([]string{"admin"}, args...)...)
		cmd.Env = append(os.Environ(), "KURA_ENDPOINT="+s.url(), "KURA_ACCESS_KEY="+session.AccessKeyID,
			"KURA_SECRET_KEY="+session.SecretAccessKey, "KURA_SESSION_TOKEN="+session.SessionToken)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := asAlice("svcacct", "add", "--ldap-user", aliceDN, "--json")
	if err != nil {
		t.Fatalf("alice's svcacct add: %v\n%s", err, out)
	}
	var own admin.Credentials
	if err := json.Unmarshal([]byte(out), &own); err != nil {
		t.Fatal(err)
	}
	mine := clientAs(s, own.AccessKey, own.SecretKey)
	if _, err := mine.GetObject(c, &s3.GetObjectInput{Bucket: aws.String("fed-allowed"), Key: aws.String("b")}); err != nil {
		t.Errorf("alice's account, fed-allowed/b: %v", err)
	}
	if out, err := asAlice("svcacct", "add", "--ldap-user", bobDN); err == nil || !strings.Contains(out, "AccessDenied") {
		t.Errorf("alice made bob an account: %v\n%s", err, out)
	}
	if out, err := asAlice("svcacct", "list"); err != nil || !strings.Contains(out, own.AccessKey) || strings.Contains(out, bobs.AccessKey) {
		t.Errorf("alice's svcacct list: %v\n%s", err, out)
	}
	if out, err := asAlice("svcacct", "remove", bobs.AccessKey); err == nil || !strings.Contains(out, "AccessDenied") {
		t.Errorf("alice removed bob's account: %v\n%s", err, out)
	}
	if out, err := asAlice("svcacct", "remove", own.AccessKey); err != nil {
		t.Fatalf("alice's svcacct remove: %v\n%s", err, out)
	}
	if !settled(func() bool {
		_, err := mine.GetObject(c, &s3.GetObjectInput{Bucket: aws.String("fed-allowed"), Key: aws.String("b")})
		return apiCode(err) == "InvalidAccessKeyId"
	}) {
		t.Error("alice's removed account still works")
	}
	kuraAdmin(t, s, "svcacct", "remove", bobs.AccessKey)
	if out := kuraAdmin(t, s, "svcacct", "list"); strings.Contains(out, bobs.AccessKey) {
		t.Errorf("svcacct list after removals:\n%s", out)
	}
}

// stsCredentials are the credentials of an STS answer.
type stsCredentials struct {
	AccessKeyID     string `xml:"AccessKeyId"`
	SecretAccessKey string `xml:"SecretAccessKey"`
	SessionToken    string `xml:"SessionToken"`
}

// ldapLogin posts an unsigned AssumeRoleWithLDAPIdentity.
func ldapLogin(t *testing.T, s *server, user, password string) stsCredentials {
	t.Helper()
	form := url.Values{"Action": {"AssumeRoleWithLDAPIdentity"}, "Version": {"2011-06-15"}, "LDAPUsername": {user}, "LDAPPassword": {password}}
	resp, err := http.PostForm(s.url()+"/", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Credentials stsCredentials `xml:"AssumeRoleWithLDAPIdentityResult>Credentials"`
	}
	if err := xml.NewDecoder(resp.Body).Decode(&doc); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("LDAP login of %s: %d %v", user, resp.StatusCode, err)
	}
	return doc.Credentials
}
