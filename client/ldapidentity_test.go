package client_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kurastore/kura/admin"
	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/internal/idp/ldap/ldaptest"
)

// TestLDAPIdentityKura: a directory user's credentials work within the
// policies attached to its DN, are fetched again shortly before they
// expire, and a wrong password is refused.
func TestLDAPIdentityKura(t *testing.T) {
	dir := ldaptest.Start(t, ldaptest.Options{Users: []ldaptest.User{{UID: "alice", Password: "alice-pw"}}})
	k, _ := startKuraWebIdentity(t)
	ctx := t.Context()
	ac, err := admin.New(k.endpoint, k.accessKey, k.secretKey, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ac.AddLDAPProvider(ctx, "corp-ldap", admin.LDAPProvider{
		ServerAddr: dir.Addr, LookupBindDN: ldaptest.LookupDN, LookupBindPassword: ldaptest.LookupPassword,
		UserDNSearchBase: ldaptest.UsersDN, UserDNSearchFilter: "(uid=%s)",
	}); err != nil {
		t.Fatal(err)
	}
	if err := ac.AttachLDAPPolicy(ctx, "web-read", ldaptest.UserDN("alice"), ""); err != nil {
		t.Fatal(err)
	}
	p := &client.LDAPIdentity{Endpoint: k.url, Username: "alice", Password: "alice-pw"}
	clock := &fakeClock{t: time.Now()}
	client.SetLDAPIdentityClock(p, clock.now)
	c, err := client.New(k.endpoint, &client.Options{Credentials: p})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.StatObject(ctx, "web-allowed", "k", client.StatObjectOptions{}); err != nil {
		t.Fatalf("an object web-read allows: %v", err)
	}
	var e *client.ErrorResponse
	if _, err := c.StatObject(ctx, "web-other", "k", client.StatObjectOptions{}); !errors.As(err, &e) || e.StatusCode != 403 {
		t.Fatalf("an object web-read does not allow: %v", err)
	}
	first, _ := p.Retrieve(ctx)
	clock.set(first.Expires.Add(-2 * time.Minute))
	if again, _ := p.Retrieve(ctx); again.AccessKey != first.AccessKey {
		t.Fatal("credentials replaced two minutes before expiry")
	}
	clock.set(first.Expires.Add(-30 * time.Second))
	if renewed, err := p.Retrieve(ctx); err != nil || renewed.AccessKey == first.AccessKey {
		t.Fatalf("credentials not renewed 30 s before expiry: %v", err)
	}

	wrong := &client.LDAPIdentity{Endpoint: k.url, Username: "alice", Password: "nope"}
	if _, err := wrong.Retrieve(ctx); err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Errorf("wrong password: %v", err)
	}
	if _, err := (&client.LDAPIdentity{Endpoint: k.url, Username: "alice"}).Retrieve(ctx); err == nil {
		t.Error("no password accepted")
	}
}
