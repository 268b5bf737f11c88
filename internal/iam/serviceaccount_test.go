package iam

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/kurastore/kura/internal/idp"
	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/s3err"
)

const aliceDN = "uid=alice,ou=users,dc=kura,dc=test"

// addLDAPProvider adds an LDAP provider and returns it as stored.
func addLDAPProvider(t *testing.T, s *Store, name string) IdentityProvider {
	t.Helper()
	ctx := context.Background()
	if err := s.PutIdentityProvider(ctx, IdentityProvider{Name: name, Kind: idp.KindLDAP, Settings: []byte(`{}`)}, "lookup-secret", false); err != nil {
		t.Fatal(err)
	}
	p, err := s.IdentityProviderWithSecret(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestLDAPServiceAccountRecords: the account is stored for an enabled
// LDAP provider of the given ID only, sealed like any other, listed with
// its owner, removed with its provider, and refused while no subject
// check can vouch for its user.
func TestLDAPServiceAccountRecords(t *testing.T) {
	s, m := newStore(t)
	ctx := context.Background()
	p := addLDAPProvider(t, s, "corp")
	addProvider(t, s, "oidc")
	owner := LDAPOwner{Provider: "corp", ProviderID: p.ID, DN: aliceDN, Username: "alice"}
	for name, bad := range map[string]LDAPOwner{
		"no such provider":   {Provider: "nope", ProviderID: p.ID, DN: aliceDN},
		"another ID":         {Provider: "corp", ProviderID: "0000", DN: aliceDN},
		"an OpenID provider": {Provider: "oidc", DN: aliceDN},
		"not a DN":           {Provider: "corp", ProviderID: p.ID, DN: "alice"},
	} {
		if _, err := s.AddLDAPServiceAccount(ctx, bad, nil); !errors.Is(err, s3err.ErrInvalidArgument) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := s.AddLDAPServiceAccount(ctx, owner, []byte(`{"Statement":[]}`)); err == nil {
		t.Error("a malformed inline policy accepted")
	}
	creds, err := s.AddLDAPServiceAccount(ctx, owner, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sec, err := s.Secret(creds.AccessKey); err != nil || sec != creds.SecretKey {
		t.Errorf("secret: %v", err)
	}
	_ = m.View(ctx, func(r meta.Reader) error {
		raw, _ := r.Get(userKey(creds.AccessKey))
		if strings.Contains(string(raw), creds.SecretKey) {
			t.Error("the secret is stored in the clear")
		}
		return nil
	})
	// Without a subject check nothing vouches for the user.
	if _, err := s.Identity(ctx, creds.AccessKey); !errors.Is(err, s3err.ErrServiceUnavailable) {
		t.Errorf("no subject check: %v", err)
	}
	u, err := s.User(ctx, creds.AccessKey)
	if o, ok := u.Owner(); err != nil || !ok || o.LDAP == nil || o.LDAP.DN != aliceDN || !u.IsServiceAccount() {
		t.Errorf("stored %+v %v", u, err)
	}
	if err := s.SetUserEmail(ctx, creds.AccessKey, "a@example.com"); err == nil {
		t.Error("an LDAP service account took an email address")
	}
	if err := s.SetIdentityProviderStatus(ctx, "corp", StatusDisabled); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddLDAPServiceAccount(ctx, owner, nil); !errors.Is(err, s3err.ErrInvalidArgument) {
		t.Errorf("a disabled provider: %v", err)
	}
	if _, err := s.Identity(ctx, creds.AccessKey); !errors.Is(err, s3err.ErrInvalidAccessKeyID) {
		t.Errorf("the account of a disabled provider: %v", err)
	}
	if err := s.RemoveIdentityProvider(ctx, "corp"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.User(ctx, creds.AccessKey); !errors.Is(err, ErrNoSuchUser) {
		t.Errorf("the account outlived its provider: %v", err)
	}
}

func TestRemoveServiceAccount(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	if err := s.AddUser(ctx, "alice", "alicesecret1"); err != nil {
		t.Fatal(err)
	}
	svc, err := s.AddServiceAccount(ctx, "alice", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveServiceAccount(ctx, "alice"); !errors.Is(err, ErrNotServiceAccount) {
		t.Errorf("a user removed as a service account: %v", err)
	}
	if err := s.RemoveServiceAccount(ctx, svc.AccessKey); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveServiceAccount(ctx, svc.AccessKey); !errors.Is(err, ErrNoSuchUser) {
		t.Errorf("removed twice: %v", err)
	}
	if _, err := s.User(ctx, "alice"); err != nil {
		t.Errorf("the parent: %v", err)
	}
}

// TestActsFor: root acts for anyone; a user, its service accounts and
// sessions for that user; an LDAP session for its DN (however spelled);
// nothing narrowed from root for root; and only identities not narrowed
// by a policy may create service accounts.
func TestActsFor(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	p := addLDAPProvider(t, s, "corp")
	addProvider(t, s, "oidc")
	if err := s.AddUser(ctx, "alice", "alicesecret1"); err != nil {
		t.Fatal(err)
	}
	identity := func(access string) *Identity {
		t.Helper()
		id, err := s.Identity(ctx, access)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	svc, _ := s.AddServiceAccount(ctx, "alice", nil)
	narrow := []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"admin:*","Resource":"*"}]}`)
	narrowSvc, _ := s.AddServiceAccount(ctx, "alice", narrow)
	rootSvc, _ := s.AddServiceAccount(ctx, root.AccessKey, nil)
	narrowRoot, _ := s.AddServiceAccount(ctx, root.AccessKey, narrow)
	ldapLogin := idp.Login{Provider: "corp", Kind: idp.KindLDAP, Subject: aliceDN, Username: "alice", Policies: []string{"readonly"}}
	tc, err := s.AssumeFederated(ctx, ldapLogin, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	ldapSession, err := s.Authenticate(ctx, tc.AccessKey, tc.SessionToken)
	if err != nil {
		t.Fatal(err)
	}
	oidcLogin := idp.Login{Provider: "oidc", Kind: idp.KindOpenID, Subject: "alice", Policies: []string{"readonly"}}
	tc, err = s.AssumeFederated(ctx, oidcLogin, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	oidcSession, err := s.Authenticate(ctx, tc.AccessKey, tc.SessionToken)
	if err != nil {
		t.Fatal(err)
	}
	aliceUser := Owner{User: "alice"}
	aliceLDAP := Owner{LDAP: &LDAPOwner{Provider: "corp", ProviderID: p.ID, DN: "UID=Alice, OU=users,dc=kura,dc=test"}}
	anyProvider := Owner{LDAP: &LDAPOwner{DN: aliceDN}}
	bobLDAP := Owner{LDAP: &LDAPOwner{Provider: "corp", DN: "uid=bob,ou=users,dc=kura,dc=test"}}
	otherProvider := Owner{LDAP: &LDAPOwner{Provider: "other", DN: aliceDN}}
	rootOwner := Owner{User: root.AccessKey}
	for _, c := range []struct {
		name   string
		id     *Identity
		o      Owner
		acts   bool
		create bool
	}{
		{"root for alice", identity(root.AccessKey), aliceUser, true, true},
		{"root for an LDAP user", identity(root.AccessKey), bobLDAP, true, true},
		{"alice for herself", identity("alice"), aliceUser, true, true},
		{"alice's account for her", identity(svc.AccessKey), aliceUser, true, true},
		{"alice's narrowed account for her", identity(narrowSvc.AccessKey), aliceUser, true, false},
		{"alice for root", identity("alice"), rootOwner, false, false},
		{"alice for her LDAP namesake", identity("alice"), aliceLDAP, false, false},
		{"root's account for root", identity(rootSvc.AccessKey), rootOwner, true, true},
		{"root's narrowed account for root", identity(narrowRoot.AccessKey), rootOwner, false, false},
		{"an LDAP session for its DN", ldapSession, aliceLDAP, true, true},
		{"an LDAP session for its DN, any provider", ldapSession, anyProvider, true, true},
		{"an LDAP session for another DN", ldapSession, bobLDAP, false, false},
		{"an LDAP session for its DN at another provider", ldapSession, otherProvider, false, false},
		{"an LDAP session for the IAM user of its login name", ldapSession, aliceUser, false, false},
		{"an LDAP session for root", ldapSession, rootOwner, false, false},
		{"an OpenID session for its subject", oidcSession, aliceUser, false, false},
	} {
		if got := s.ActsFor(c.id, c.o); got != c.acts {
			t.Errorf("%s: ActsFor %v", c.name, got)
		}
		if got := s.MayCreateServiceAccountFor(c.id, c.o); got != c.create {
			t.Errorf("%s: MayCreateServiceAccountFor %v", c.name, got)
		}
	}
}
