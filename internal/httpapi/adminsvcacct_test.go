package httpapi

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	goldap "github.com/go-ldap/ldap/v3"

	"github.com/kurastore/kura/admin"
	"github.com/kurastore/kura/internal/iam"
	"github.com/kurastore/kura/internal/idp/ldap/ldaptest"
)

// adminAs is an admin client of the fixture's server with the given
// keys, and token for temporary credentials.
func (s *fedServer) adminAs(t *testing.T, access, secret, token string) *admin.Client {
	t.Helper()
	var opts []admin.Option
	if token != "" {
		opts = append(opts, admin.WithSessionToken(token))
	}
	c, err := admin.New(strings.TrimPrefix(s.url, "http://"), access, secret, false, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func adminCode(err error) string {
	var e *admin.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// TestLDAPServiceAccountByRoot: root creates service accounts of an LDAP
// user named by DN; they act with the policies of the user's DN and
// groups as the directory has them (narrowed by an inline policy), and
// stop, within iam.ProviderCacheTTL, when the user leaves a group or the
// directory, or at once when the provider goes; while the directory
// cannot answer they are refused, not let through.
func TestLDAPServiceAccountByRoot(t *testing.T) {
	f := newLDAPFixture(t)
	ctx := context.Background()
	rc := f.adminAs(t, f.root.AccessKey, f.root.SecretKey, "")
	bobDN := ldaptest.UserDN("bob")
	plain, err := rc.AddLDAPServiceAccount(ctx, admin.LDAPServiceAccount{LDAPUser: strings.ToUpper(bobDN)})
	if err != nil {
		t.Fatal(err)
	}
	narrowDoc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::beta/b"}]}`
	narrowed, err := rc.AddLDAPServiceAccount(ctx, admin.LDAPServiceAccount{LDAPUser: bobDN, Provider: "corp", Policy: []byte(narrowDoc)})
	if err != nil {
		t.Fatal(err)
	}
	bob := f.s3(plain.AccessKey, plain.SecretKey, "")
	bobNarrow := f.s3(narrowed.AccessKey, narrowed.SecretKey, "")
	expect := func(c *s3.Client, bucket, key, code string) {
		t.Helper()
		if err := f.get(c, bucket, key); apiErrorCode(err) != code || code == "" && err != nil {
			t.Errorf("%s/%s: %v, want %q", bucket, key, err, code)
		}
	}
	expect(bob, "beta", "a", "") // through group devs
	expect(bob, "alpha", "a", "AccessDenied")
	expect(bobNarrow, "beta", "b", "")
	expect(bobNarrow, "beta", "a", "AccessDenied")

	accounts, err := rc.ListServiceAccounts(ctx, admin.ServiceAccountsOf{LDAPUser: bobDN})
	if err != nil || len(accounts) != 2 {
		t.Fatalf("bob's accounts: %+v %v", accounts, err)
	}
	for _, a := range accounts {
		if a.Parent != bobDN || a.LDAPProvider != "corp" {
			t.Errorf("listed as %+v", a)
		}
	}
	if users, _ := rc.ListUsers(ctx); len(users) != 2 {
		t.Errorf("user listing: %+v", users)
	}

	// Bob leaves devs: his account loses devs' policy at the next check.
	m := goldap.NewModifyRequest(ldaptest.GroupDN("devs"), nil)
	m.Add("member", []string{ldaptest.UserDN("alice")})
	m.Delete("member", []string{bobDN})
	if err := f.dir.Admin(t).Modify(m); err != nil {
		t.Fatal(err)
	}
	expect(bob, "beta", "a", "")
	f.clock.advance(iam.ProviderCacheTTL)
	expect(bob, "beta", "a", "AccessDenied")
	// A policy attached to his DN applies at once (an IAM change).
	if err := f.ids.AttachLDAPPolicy(ctx, "read-alpha", iam.LDAPUser, bobDN); err != nil {
		t.Fatal(err)
	}
	expect(bob, "alpha", "a", "")

	// The directory down: refused (503) once a check is due.
	f.addLDAP(t, "corp", closedAddr(t), true)
	f.clock.advance(iam.ProviderCacheTTL)
	expect(bob, "alpha", "a", "ServiceUnavailable")
	f.addLDAP(t, "corp", f.dir.Addr, true)
	expect(bob, "alpha", "a", "")

	// Bob deleted from the directory: refused at the next check.
	if err := f.dir.Admin(t).Del(goldap.NewDelRequest(bobDN, nil)); err != nil {
		t.Fatal(err)
	}
	f.clock.advance(iam.ProviderCacheTTL - time.Second)
	expect(bob, "alpha", "a", "")
	f.clock.advance(time.Second)
	expect(bob, "alpha", "a", "InvalidAccessKeyId")
	expect(bobNarrow, "beta", "b", "InvalidAccessKeyId")
	if _, err := rc.AddLDAPServiceAccount(ctx, admin.LDAPServiceAccount{LDAPUser: bobDN}); adminCode(err) != "InvalidArgument" {
		t.Errorf("an account of a deleted user: %v", err)
	}

	// Removing the provider stops (and removes) its accounts at once.
	dave, err := rc.AddLDAPServiceAccount(ctx, admin.LDAPServiceAccount{LDAPUser: ldaptest.UserDN("dave")})
	if err != nil {
		t.Fatal(err)
	}
	daveS3 := f.s3(dave.AccessKey, dave.SecretKey, "")
	expect(daveS3, "alpha", "a", "")
	if err := f.ids.RemoveIdentityProvider(ctx, "corp"); err != nil {
		t.Fatal(err)
	}
	expect(daveS3, "alpha", "a", "InvalidAccessKeyId")
	if accounts, _ := rc.ListServiceAccounts(ctx, admin.ServiceAccountsOf{}); len(accounts) != 0 {
		t.Errorf("accounts left with their provider gone: %+v", accounts)
	}
}

// TestLDAPServiceAccountRefusals: root cannot create an account for a
// user the directory does not have (or has disabled), for a malformed
// DN, through a provider that is not there, or without the login name a
// group filter needs; and a login name must name the DN's entry.
func TestLDAPServiceAccountRefusals(t *testing.T) {
	f := newLDAPFixture(t)
	ctx := context.Background()
	rc := f.adminAs(t, f.root.AccessKey, f.root.SecretKey, "")
	lockUser(t, f.dir, "carol")
	for name, a := range map[string]admin.LDAPServiceAccount{
		"unknown DN":              {LDAPUser: ldaptest.UserDN("nobody")},
		"locked user":             {LDAPUser: ldaptest.UserDN("carol")},
		"not a DN":                {LDAPUser: "alice"},
		"no DN":                   {},
		"no such provider":        {LDAPUser: ldaptest.UserDN("alice"), Provider: "nope"},
		"another user's name":     {LDAPUser: ldaptest.UserDN("alice"), LDAPUsername: "bob"},
		"malformed inline policy": {LDAPUser: ldaptest.UserDN("alice"), Policy: []byte(`{"Statement":"x"}`)},
	} {
		if _, err := rc.AddLDAPServiceAccount(ctx, a); adminCode(err) != "InvalidArgument" && adminCode(err) != "MalformedPolicy" {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A group filter on the login name needs it.
	cfgFilter := "(&(objectClass=groupOfNames)(|(cn=%s)(member=%d)))"
	f.addLDAPGroups(t, "corp", f.dir.Addr, cfgFilter)
	if _, err := rc.AddLDAPServiceAccount(ctx, admin.LDAPServiceAccount{LDAPUser: ldaptest.UserDN("alice")}); adminCode(err) != "InvalidArgument" || !strings.Contains(err.Error(), "login name") {
		t.Errorf("no login name for a group filter that needs it: %v", err)
	}
	withName, err := rc.AddLDAPServiceAccount(ctx, admin.LDAPServiceAccount{LDAPUser: ldaptest.UserDN("alice"), LDAPUsername: "ALICE"})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.get(f.s3(withName.AccessKey, withName.SecretKey, ""), "alpha", "a"); err != nil {
		t.Errorf("an account made with the login name: %v", err)
	}
	// Directory trouble is 503, not a refusal of the user.
	f.addLDAP(t, "corp", closedAddr(t), true)
	if _, err := rc.AddLDAPServiceAccount(ctx, admin.LDAPServiceAccount{LDAPUser: ldaptest.UserDN("alice")}); adminCode(err) != "ServiceUnavailable" {
		t.Errorf("directory down: %v", err)
	}
}

// TestLDAPServiceAccountSelfService: an LDAP session whose policies allow
// the service account actions creates, lists and removes the accounts of
// its own DN, and no one else's: not another DN's, not root's, not an
// IAM user's (even one named as its DN); narrowed by a session policy it
// creates none. An IAM user lists and removes its own the same way.
func TestLDAPServiceAccountSelfService(t *testing.T) {
	f := newLDAPFixture(t)
	ctx := context.Background()
	self := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["admin:CreateServiceAccount","admin:ListServiceAccounts","admin:RemoveServiceAccount"],"Resource":"*"}]}`
	if err := f.ids.PutPolicy(ctx, "svcacct-self", []byte(self)); err != nil {
		t.Fatal(err)
	}
	aliceDN := ldaptest.UserDN("alice")
	if err := f.ids.AttachLDAPPolicy(ctx, "svcacct-self", iam.LDAPUser, aliceDN); err != nil {
		t.Fatal(err)
	}
	rc := f.adminAs(t, f.root.AccessKey, f.root.SecretKey, "")
	bobsAccount, err := rc.AddLDAPServiceAccount(ctx, admin.LDAPServiceAccount{LDAPUser: ldaptest.UserDN("bob")})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{aliceDN, "alice"} {
		if err := f.ids.AddUser(ctx, u, "iam-user-secret"); err != nil {
			t.Fatal(err)
		}
	}

	a := f.mustLogin(t, "alice", "alice-pw")
	alice := f.adminAs(t, a.creds.AccessKeyID, a.creds.SecretAccessKey, a.creds.SessionToken)
	own, err := alice.AddLDAPServiceAccount(ctx, admin.LDAPServiceAccount{LDAPUser: "UID=Alice, " + ldaptest.UsersDN})
	if err != nil {
		t.Fatal(err)
	}
	ownS3 := f.s3(own.AccessKey, own.SecretKey, "")
	if err := f.get(ownS3, "alpha", "a"); err != nil {
		t.Errorf("alice's account, alpha/a: %v", err)
	}
	if err := f.get(ownS3, "beta", "a"); apiErrorCode(err) != "AccessDenied" {
		t.Errorf("alice's account, beta/a: %v", err)
	}
	for name, try := range map[string]func() error{
		"for bob's DN": func() error {
			_, err := alice.AddLDAPServiceAccount(ctx, admin.LDAPServiceAccount{LDAPUser: ldaptest.UserDN("bob")})
			return err
		},
		"for her DN at another provider": func() error {
			_, err := alice.AddLDAPServiceAccount(ctx, admin.LDAPServiceAccount{LDAPUser: aliceDN, Provider: "other"})
			return err
		},
		"for root": func() error { _, err := alice.AddServiceAccount(ctx, f.root.AccessKey, nil); return err },
		"for the IAM user named as her DN": func() error {
			_, err := alice.AddServiceAccount(ctx, aliceDN, nil)
			return err
		},
		"for the IAM user of her login name": func() error { _, err := alice.AddServiceAccount(ctx, "alice", nil); return err },
		"listing bob's": func() error {
			_, err := alice.ListServiceAccounts(ctx, admin.ServiceAccountsOf{LDAPUser: ldaptest.UserDN("bob")})
			return err
		},
		"listing an IAM user's": func() error {
			_, err := alice.ListServiceAccounts(ctx, admin.ServiceAccountsOf{User: "alice"})
			return err
		},
		"removing bob's":     func() error { return alice.RemoveServiceAccount(ctx, bobsAccount.AccessKey) },
		"removing a user":    func() error { return alice.RemoveServiceAccount(ctx, "alice") },
		"removing a nothing": func() error { return alice.RemoveServiceAccount(ctx, "NOSUCHKEY") },
	} {
		if err := try(); adminCode(err) != "AccessDenied" {
			t.Errorf("alice's session %s: %v", name, err)
		}
	}
	mine, err := alice.ListServiceAccounts(ctx, admin.ServiceAccountsOf{})
	if err != nil || len(mine) != 1 || mine[0].AccessKey != own.AccessKey {
		t.Errorf("alice's listing: %+v %v", mine, err)
	}
	if byDN, err := alice.ListServiceAccounts(ctx, admin.ServiceAccountsOf{LDAPUser: strings.ToUpper(aliceDN)}); err != nil || len(byDN) != 1 {
		t.Errorf("alice's listing by her DN: %+v %v", byDN, err)
	}

	// Her service account acts for her too.
	viaAccount := f.adminAs(t, own.AccessKey, own.SecretKey, "")
	if l, err := viaAccount.ListServiceAccounts(ctx, admin.ServiceAccountsOf{}); err != nil || len(l) != 1 {
		t.Errorf("listing through her account: %+v %v", l, err)
	}

	// Narrowed by a session policy, her session creates nothing.
	n := f.ldapLogin(t, "alice", "alice-pw", "Policy", self)
	narrowed := f.adminAs(t, n.creds.AccessKeyID, n.creds.SecretAccessKey, n.creds.SessionToken)
	if _, err := narrowed.AddLDAPServiceAccount(ctx, admin.LDAPServiceAccount{LDAPUser: aliceDN}); adminCode(err) != "AccessDenied" {
		t.Errorf("a narrowed session created an account: %v", err)
	}
	// Without the admin actions, dave creates nothing.
	d := f.mustLogin(t, "dave", "dave-pw")
	dave := f.adminAs(t, d.creds.AccessKeyID, d.creds.SecretAccessKey, d.creds.SessionToken)
	if _, err := dave.AddLDAPServiceAccount(ctx, admin.LDAPServiceAccount{LDAPUser: ldaptest.UserDN("dave")}); adminCode(err) != "AccessDenied" {
		t.Errorf("dave without admin:CreateServiceAccount: %v", err)
	}

	if err := alice.RemoveServiceAccount(ctx, own.AccessKey); err != nil {
		t.Fatal(err)
	}
	if err := f.get(ownS3, "alpha", "a"); apiErrorCode(err) != "InvalidAccessKeyId" {
		t.Errorf("a removed account: %v", err)
	}

	// An IAM user manages its own accounts alike.
	if err := f.ids.AttachPolicy(ctx, "svcacct-self", "alice", ""); err != nil {
		t.Fatal(err)
	}
	iamAlice := f.adminAs(t, "alice", "iam-user-secret", "")
	svc, err := iamAlice.AddServiceAccount(ctx, "alice", nil)
	if err != nil {
		t.Fatal(err)
	}
	if l, err := iamAlice.ListServiceAccounts(ctx, admin.ServiceAccountsOf{}); err != nil || len(l) != 1 || l[0].Parent != "alice" {
		t.Errorf("the IAM user's listing: %+v %v", l, err)
	}
	if _, err := iamAlice.ListServiceAccounts(ctx, admin.ServiceAccountsOf{LDAPUser: aliceDN}); adminCode(err) != "AccessDenied" {
		t.Errorf("the IAM user listing her LDAP namesake's: %v", err)
	}
	if err := iamAlice.RemoveServiceAccount(ctx, svc.AccessKey); err != nil {
		t.Error(err)
	}
}
