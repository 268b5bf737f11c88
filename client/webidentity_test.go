package client_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kurastore/kura/admin"
	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/internal/idp/oidctest"
)

const webReadPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::web-allowed","arn:aws:s3:::web-allowed/*"]}]}`

// startKuraWebIdentity is a kura whose OpenID provider "corp" is an
// issuer of the test, with buckets web-allowed and web-other holding k,
// and the policy web-read reading the first.
func startKuraWebIdentity(t *testing.T) (kuraSTS, *oidctest.Issuer) {
	t.Helper()
	k := startKuraSTS(t)
	i := oidctest.New(t)
	ctx := t.Context()
	ac, err := admin.New(k.endpoint, k.accessKey, k.secretKey, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ac.AddOpenIDProvider(ctx, "corp", admin.OpenIDProvider{ConfigURL: i.ConfigURL(), ClientID: "kura"}); err != nil {
		t.Fatal(err)
	}
	if err := ac.PutPolicy(ctx, "web-read", []byte(webReadPolicy)); err != nil {
		t.Fatal(err)
	}
	root, err := client.New(k.endpoint, &client.Options{Credentials: client.Static{AccessKey: k.accessKey, SecretKey: k.secretKey}})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{"web-allowed", "web-other"} {
		if err := root.MakeBucket(ctx, b, client.MakeBucketOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := root.PutObject(ctx, b, "k", strings.NewReader("v"), 1, client.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	return k, i
}

func (k kuraSTS) token(i *oidctest.Issuer, sub string) string {
	c := i.Claims(sub, "kura")
	c["policy"] = "web-read"
	return i.Sign(c)
}

// TestWebIdentityKura: credentials from a token function work within the
// token's policies, and are fetched again, with a fresh token, shortly
// before they expire.
func TestWebIdentityKura(t *testing.T) {
	k, i := startKuraWebIdentity(t)
	var calls atomic.Int32
	p := &client.WebIdentity{Endpoint: k.url, Token: func(context.Context) (string, error) {
		calls.Add(1)
		return k.token(i, "alice"), nil
	}}
	clock := &fakeClock{t: time.Now()}
	client.SetWebIdentityClock(p, clock.now)
	c, err := client.New(k.endpoint, &client.Options{Credentials: p})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if _, err := c.StatObject(ctx, "web-allowed", "k", client.StatObjectOptions{}); err != nil {
		t.Fatalf("an object web-read allows: %v", err)
	}
	var e *client.ErrorResponse
	if _, err := c.StatObject(ctx, "web-other", "k", client.StatObjectOptions{}); !errors.As(err, &e) || e.StatusCode != 403 {
		t.Fatalf("an object web-read does not allow: %v", err)
	}
	first, _ := p.Retrieve(ctx)
	if calls.Load() != 1 || first.SessionToken == "" {
		t.Fatalf("%d token reads, credentials %+v", calls.Load(), first)
	}
	// Just before the refresh margin: kept; within it: fetched again.
	clock.set(first.Expires.Add(-2 * time.Minute))
	if again, _ := p.Retrieve(ctx); again.AccessKey != first.AccessKey || calls.Load() != 1 {
		t.Fatalf("credentials replaced two minutes before expiry")
	}
	clock.set(first.Expires.Add(-30 * time.Second))
	renewed, err := p.Retrieve(ctx)
	if err != nil || renewed.AccessKey == first.AccessKey || calls.Load() != 2 {
		t.Fatalf("credentials not renewed 30 s before expiry: %v, %d token reads", err, calls.Load())
	}
}

func TestWebIdentityTokenFile(t *testing.T) {
	k, i := startKuraWebIdentity(t)
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte(k.token(i, "bob")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := &client.WebIdentity{Endpoint: k.url, TokenFile: file, Duration: 15 * time.Minute}
	creds, err := p.Retrieve(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Until(creds.Expires); d > 15*time.Minute || d < 14*time.Minute {
		t.Errorf("credentials for %s, want 15 minutes", d)
	}
	// A refused token is the server's STS error.
	bad := &client.WebIdentity{Endpoint: k.url, Token: func(context.Context) (string, error) { return i.SignForged(i.Claims("x", "kura")), nil }}
	var e *client.ErrorResponse
	if _, err := bad.Retrieve(t.Context()); !errors.As(err, &e) || e.Code != "InvalidIdentityToken" {
		t.Errorf("a forged token: %v", err)
	}
	for _, d := range []time.Duration{15*time.Minute - time.Second, 12*time.Hour + time.Second} {
		p := &client.WebIdentity{Endpoint: k.url, TokenFile: file, Duration: d}
		if _, err := p.Retrieve(t.Context()); err == nil {
			t.Errorf("duration %s accepted", d)
		}
	}
	if _, err := (&client.WebIdentity{Endpoint: k.url}).Retrieve(t.Context()); err == nil {
		t.Error("no token source accepted")
	}
}
