package iam

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"testing"
	"time"

	"github.com/kurastore/kura/internal/auth"
	"github.com/kurastore/kura/s3err"
)

func issueMetricsToken(t *testing.T, s *Store, caller *Identity, d time.Duration) string {
	t.Helper()
	token, _, err := s.IssueMetricsToken(caller, d)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

func TestMetricsTokenNamesItsIssuer(t *testing.T) {
	s, _, _ := newClockedStore(t)
	ctx := context.Background()
	dave := addUser(t, s, "dave", "diagnostics")
	token, expires, err := s.IssueMetricsToken(dave, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if want := s.now().Add(time.Hour); !expires.Equal(want) {
		t.Errorf("expires %v, want %v", expires, want)
	}
	id, err := s.MetricsIdentity(ctx, token)
	if err != nil || id.AccessKey != "dave" || id.Root {
		t.Fatalf("identity %+v, %v", id, err)
	}
	// Any store with the same seal key checks it (another gateway).
	other, err := NewStore(s.meta, root, testSealKey, s.now)
	if err != nil {
		t.Fatal(err)
	}
	if id, err := other.MetricsIdentity(ctx, token); err != nil || id.AccessKey != "dave" {
		t.Fatalf("another gateway: %+v, %v", id, err)
	}
	rootID, err := s.Identity(ctx, root.AccessKey)
	if err != nil {
		t.Fatal(err)
	}
	if id, err := s.MetricsIdentity(ctx, issueMetricsToken(t, s, rootID, time.Hour)); err != nil || !id.Root {
		t.Fatalf("root's token: %+v, %v", id, err)
	}
}

func TestMetricsTokenExpires(t *testing.T) {
	s, _, c := newClockedStore(t)
	dave := addUser(t, s, "dave", "diagnostics")
	token := issueMetricsToken(t, s, dave, time.Hour)
	start := c.t
	c.t = start.Add(time.Hour - time.Second)
	if _, err := s.MetricsIdentity(context.Background(), token); err != nil {
		t.Fatalf("a second before expiry: %v", err)
	}
	c.t = start.Add(time.Hour)
	if _, err := s.MetricsIdentity(context.Background(), token); !errors.Is(err, s3err.ErrExpiredToken) {
		t.Fatalf("at expiry: %v", err)
	}
}

func TestMetricsTokenTampered(t *testing.T) {
	s, _, _ := newClockedStore(t)
	ctx := context.Background()
	dave := addUser(t, s, "dave", "diagnostics")
	token := issueMetricsToken(t, s, dave, time.Hour)
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		t.Fatal(err)
	}
	flipped := bytes.Clone(raw)
	flipped[len(flipped)/2] ^= 1
	session := assume(t, s, dave, 0, "")
	for name, tok := range map[string]string{
		"empty":            "",
		"one byte flipped": base64.RawURLEncoding.EncodeToString(flipped),
		"truncated":        token[:len(token)-4],
		"not base64":       "%%%",
		"short":            "AAAA",
		"a session token":  session.SessionToken,
	} {
		if _, err := s.MetricsIdentity(ctx, tok); !errors.Is(err, s3err.ErrInvalidToken) {
			t.Errorf("%s: %v", name, err)
		}
	}
	foreign, err := NewStore(s.meta, root, bytes.Repeat([]byte{9}, SealKeySize), s.now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := foreign.MetricsIdentity(ctx, token); !errors.Is(err, s3err.ErrInvalidToken) {
		t.Errorf("another seal key: %v", err)
	}
}

func TestMetricsTokenEndsWithItsIdentity(t *testing.T) {
	s, _, _ := newClockedStore(t)
	ctx := context.Background()
	dave := addUser(t, s, "dave", "diagnostics")
	erin := addUser(t, s, "erin", "diagnostics")
	daves, erins := issueMetricsToken(t, s, dave, time.Hour), issueMetricsToken(t, s, erin, time.Hour)
	if err := s.SetUserStatus(ctx, "dave", "disabled"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.MetricsIdentity(ctx, daves); !errors.Is(err, s3err.ErrInvalidAccessKeyID) {
		t.Errorf("disabled user: %v", err)
	}
	if err := s.RemoveUser(ctx, "erin"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.MetricsIdentity(ctx, erins); !errors.Is(err, s3err.ErrInvalidAccessKeyID) {
		t.Errorf("deleted user: %v", err)
	}
	// New root credentials end root's tokens.
	rootID, err := s.Identity(ctx, root.AccessKey)
	if err != nil {
		t.Fatal(err)
	}
	roots := issueMetricsToken(t, s, rootID, time.Hour)
	rotated, err := NewStore(s.meta, auth.Credentials{AccessKey: root.AccessKey, SecretKey: "another-root-secret"}, testSealKey, s.now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rotated.MetricsIdentity(ctx, roots); !errors.Is(err, s3err.ErrInvalidToken) {
		t.Errorf("root's token after new root credentials: %v", err)
	}
}

func TestMetricsTokenExpiryLimits(t *testing.T) {
	s, _, _ := newClockedStore(t)
	dave := addUser(t, s, "dave", "diagnostics")
	for d, ok := range map[time.Duration]bool{
		MinMetricsTokenExpiry - time.Second: false,
		MinMetricsTokenExpiry:               true,
		MaxMetricsTokenExpiry:               true,
		MaxMetricsTokenExpiry + time.Second: false,
	} {
		_, _, err := s.IssueMetricsToken(dave, d)
		if (err == nil) != ok {
			t.Errorf("expiry %v: %v", d, err)
		}
	}
	// Temporary credentials cannot issue one.
	session := authenticate(t, s, assume(t, s, dave, 0, ""))
	if _, _, err := s.IssueMetricsToken(session, time.Hour); !errors.Is(err, s3err.ErrAccessDenied) {
		t.Errorf("temporary credentials: %v", err)
	}
}
