package integration

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/internal/idp/ldap/ldaptest"
	"github.com/kurastore/kura/internal/idp/oidctest"
)

// The Go SDK's identity providers against kura: what they send and how
// they report the server's refusals. Their refreshing before expiry is
// tested in the SDK's own package, against moto's STS and a clock of the
// test.

func TestWebIdentityGoSDKTokenFile(t *testing.T) {
	i := oidctest.New(t)
	s := startServer(t)
	fedSetup(t, s)
	addCorp(t, s, i)
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte(fedToken(i, "bob")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := &client.WebIdentity{Endpoint: s.url(), TokenFile: file, Duration: 15 * time.Minute}
	creds, err := p.Retrieve(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Until(creds.Expires); d > 15*time.Minute || d < 14*time.Minute {
		t.Errorf("credentials for %s, want 15 minutes", d)
	}
	sdk, err := client.New(s.addr, &client.Options{Credentials: p})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sdk.StatObject(ctx(t), "fed-allowed", "a", client.StatObjectOptions{}); err != nil {
		t.Fatalf("fed-allowed/a with token-file credentials: %v", err)
	}
	// A refused token is the server's STS error.
	bad := &client.WebIdentity{Endpoint: s.url(), Token: func(context.Context) (string, error) { return i.SignForged(i.Claims("x", "kura")), nil }}
	var e *client.ErrorResponse
	if _, err := bad.Retrieve(ctx(t)); !errors.As(err, &e) || e.Code != "InvalidIdentityToken" {
		t.Errorf("a forged token: %v", err)
	}
	// DurationSeconds is bounded by 15 minutes and 12 hours.
	for _, d := range []time.Duration{15*time.Minute - time.Second, 12*time.Hour + time.Second} {
		p := &client.WebIdentity{Endpoint: s.url(), TokenFile: file, Duration: d}
		if _, err := p.Retrieve(ctx(t)); err == nil {
			t.Errorf("duration %s accepted", d)
		}
	}
	if _, err := (&client.WebIdentity{Endpoint: s.url()}).Retrieve(ctx(t)); err == nil {
		t.Error("no token source accepted")
	}
}

func TestLDAPIdentityGoSDKRefusals(t *testing.T) {
	dir := ldapDirectory(t)
	s := startServer(t)
	kuraAdmin(t, s, "idp", "add", "ldap", "corp-ldap", "--server-addr", dir.Addr,
		"--lookup-bind-dn", ldaptest.LookupDN, "--lookup-bind-password", ldaptest.LookupPassword,
		"--user-dn-search-base", ldaptest.UsersDN, "--user-dn-search-filter", "(uid=%s)")
	wrong := &client.LDAPIdentity{Endpoint: s.url(), Username: "alice", Password: "nope"}
	if _, err := wrong.Retrieve(ctx(t)); err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Errorf("wrong password: %v", err)
	}
	if _, err := (&client.LDAPIdentity{Endpoint: s.url(), Username: "alice"}).Retrieve(ctx(t)); err == nil {
		t.Error("no password accepted")
	}
}
