package httpapi

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/kurastore/kura/admin"
	"github.com/kurastore/kura/internal/idp/oidctest"
)

func TestAdminIdentityProviders(t *testing.T) {
	s := newFedServer(t)
	i := oidctest.New(t)
	ctx := context.Background()
	host := strings.TrimPrefix(s.url, "http://")
	ac, err := admin.New(host, s.root.AccessKey, s.root.SecretKey, false)
	if err != nil {
		t.Fatal(err)
	}
	p := admin.OpenIDProvider{ConfigURL: i.ConfigURL(), ClientID: "kura", ClientSecret: "shh-secret", RolePolicy: "read-alpha",
		RedirectURI: "https://console.example.com/oauth/callback"}
	out, err := ac.AddOpenIDProvider(ctx, "corp", p)
	if err != nil || out.RoleARN != "arn:kura:iam:::role/corp" {
		t.Fatalf("%+v %v", out, err)
	}
	if _, err := ac.AddOpenIDProvider(ctx, "corp", p); err == nil {
		t.Error("a provider added twice")
	}
	bad := p
	bad.ConfigURL = "http://127.0.0.1:1/.well-known/openid-configuration"
	if _, err := ac.AddOpenIDProvider(ctx, "down", bad); err == nil || !strings.Contains(err.Error(), "IDPCommunicationError") {
		t.Errorf("a provider whose discovery document cannot be read: %v", err)
	}
	bad.ConfigURL, bad.ClaimName = i.ConfigURL(), "groups"
	if _, err := ac.AddOpenIDProvider(ctx, "both", bad); err == nil {
		t.Error("a provider with both a claim and a role policy")
	}
	ps, err := ac.ListIdentityProviders(ctx)
	if err != nil || len(ps) != 1 {
		t.Fatalf("%+v %v", ps, err)
	}
	doc, _ := json.Marshal(ps)
	if strings.Contains(string(doc), "shh-secret") || !ps[0].HasSecret || ps[0].OpenID.RolePolicy != "read-alpha" || ps[0].Status != "enabled" ||
		ps[0].OpenID.RedirectURI != p.RedirectURI {
		t.Errorf("listing: %s", doc)
	}
	if err := ac.SetIdentityProviderStatus(ctx, "openid", "corp", "disabled"); err != nil {
		t.Fatal(err)
	}
	if ps, _ := ac.ListIdentityProviders(ctx); ps[0].Status != "disabled" {
		t.Errorf("status after disable: %s", ps[0].Status)
	}
	if err := ac.RemoveIdentityProvider(ctx, "ldap", "corp"); err == nil {
		t.Error("removed an OpenID provider as an LDAP one")
	}
	if err := ac.RemoveIdentityProvider(ctx, "openid", "corp"); err != nil {
		t.Fatal(err)
	}
	if err := ac.RemoveIdentityProvider(ctx, "openid", "corp"); err == nil || !strings.Contains(err.Error(), "NoSuchKey") {
		t.Errorf("removing a provider twice: %v", err)
	}

	// A user without admin:ConfigUpdate may not.
	if err := s.ids.AddUser(ctx, "bob", "bob-secret-key"); err != nil {
		t.Fatal(err)
	}
	if err := s.ids.AttachPolicy(ctx, "readwrite", "bob", ""); err != nil {
		t.Fatal(err)
	}
	bob, _ := admin.New(host, "bob", "bob-secret-key", false)
	if _, err := bob.AddOpenIDProvider(ctx, "corp", p); err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Errorf("bob adding a provider: %v", err)
	}
	if _, err := bob.ListIdentityProviders(ctx); err == nil {
		t.Error("bob listing providers")
	}
	// An unsigned admin call is refused too.
	if a := s.call(t, url.Values{"Action": {"GetCallerIdentity"}}); a.code != "AccessDenied" {
		t.Errorf("unsigned: %s", a.body)
	}
}
