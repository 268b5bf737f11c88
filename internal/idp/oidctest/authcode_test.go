package oidctest

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

const callback = "http://127.0.0.1:1/oauth/callback"

// authorize follows the authorization endpoint's answer for the auth URL
// u, and returns the parameters of the redirect back.
func authorize(t *testing.T, u string) url.Values {
	t.Helper()
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || !strings.HasPrefix(loc.String(), callback+"?") {
		t.Fatalf("authorization: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query()
}

func TestAuthorizationCodeFlow(t *testing.T) {
	i := New(t)
	i.SetClient(Client{ID: "kura", Secret: "s3cret", RedirectURL: callback})
	i.SetUser(User{Subject: "alice", Claims: map[string]any{"policy": "readonly"}})
	ctx := context.Background()
	op, err := oidc.NewProvider(ctx, i.URL)
	if err != nil {
		t.Fatal(err)
	}
	cfg := oauth2.Config{ClientID: "kura", ClientSecret: "s3cret", Endpoint: op.Endpoint(), RedirectURL: callback, Scopes: []string{oidc.ScopeOpenID}}
	verifier := oauth2.GenerateVerifier()
	start := func() string {
		q := authorize(t, cfg.AuthCodeURL("st", oidc.Nonce("n-1"), oauth2.S256ChallengeOption(verifier)))
		if q.Get("state") != "st" || q.Get("code") == "" {
			t.Fatalf("redirect back: %v", q)
		}
		return q.Get("code")
	}

	code := start()
	tok, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := tok.Extra("id_token").(string)
	id, err := op.Verifier(&oidc.Config{ClientID: "kura"}).Verify(ctx, raw)
	if err != nil {
		t.Fatal(err)
	}
	var claims struct{ Policy string }
	if id.Nonce != "n-1" || id.Subject != "alice" || id.Claims(&claims) != nil || claims.Policy != "readonly" {
		t.Errorf("ID token: nonce %q, sub %q, policy %q", id.Nonce, id.Subject, claims.Policy)
	}
	if _, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier)); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Errorf("a code exchanged twice: %v", err)
	}
	if _, err := cfg.Exchange(ctx, start(), oauth2.VerifierOption(oauth2.GenerateVerifier())); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Errorf("another PKCE verifier: %v", err)
	}
	if _, err := cfg.Exchange(ctx, start()); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Errorf("no PKCE verifier: %v", err)
	}
	wrong := cfg
	wrong.ClientSecret = "guess"
	if _, err := wrong.Exchange(ctx, start(), oauth2.VerifierOption(verifier)); err == nil || !strings.Contains(err.Error(), "invalid_client") {
		t.Errorf("a wrong client secret: %v", err)
	}

	i.Deny(true)
	q := authorize(t, cfg.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)))
	if q.Get("error") != "access_denied" || q.Get("state") != "st" || q.Get("code") != "" {
		t.Errorf("denied: %v", q)
	}
	i.Deny(false)
	if q := authorize(t, cfg.AuthCodeURL("st")); q.Get("error") != "invalid_request" {
		t.Errorf("without PKCE: %v", q)
	}

	other := cfg
	other.RedirectURL = "http://127.0.0.1:2/steal"
	resp, err := http.Get(other.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("an unregistered redirect_uri: %d", resp.StatusCode)
	}
}
