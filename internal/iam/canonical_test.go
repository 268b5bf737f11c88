package iam

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kurastore/kura/s3err"
)

var canonicalIDForm = regexp.MustCompile(`^[0-9a-f]{64}$`)

func TestCanonicalIDs(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	for _, u := range []string{"alice", "bob"} {
		if err := s.AddUser(ctx, u, u+"secret123"); err != nil {
			t.Fatal(err)
		}
	}
	alice, err := s.Identity(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if !canonicalIDForm.MatchString(alice.CanonicalID) || alice.CanonicalID != CanonicalID("alice") {
		t.Fatalf("alice's canonical ID %q", alice.CanonicalID)
	}
	if CanonicalID("alice") == CanonicalID("bob") {
		t.Fatal("two users share a canonical ID")
	}
	// A service account and a session act as their parent.
	svc, err := s.AddServiceAccount(ctx, "alice", nil)
	if err != nil {
		t.Fatal(err)
	}
	sid, err := s.Identity(ctx, svc.AccessKey)
	if err != nil || sid.CanonicalID != alice.CanonicalID {
		t.Fatalf("service account: %+v %v", sid, err)
	}
	session := authenticate(t, s, assume(t, s, alice, time.Hour, ""))
	if session.CanonicalID != alice.CanonicalID {
		t.Fatalf("session canonical ID %q", session.CanonicalID)
	}
	// Root and what acts for it carry none: the S3 layer names root.
	rid, err := s.Identity(ctx, root.AccessKey)
	if err != nil || rid.CanonicalID != "" {
		t.Fatalf("root: %+v %v", rid, err)
	}
	rsvc, err := s.AddServiceAccount(ctx, root.AccessKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	if id, err := s.Identity(ctx, rsvc.AccessKey); err != nil || id.CanonicalID != "" || !id.Root {
		t.Fatalf("root's service account: %+v %v", id, err)
	}
}

func TestUserEmail(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	for _, u := range []string{"alice", "bob"} {
		if err := s.AddUser(ctx, u, u+"secret123"); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SetUserEmail(ctx, "alice", "alice@example.com"); err != nil {
		t.Fatal(err)
	}
	if u, err := s.User(ctx, "alice"); err != nil || u.Email != "alice@example.com" {
		t.Fatalf("user: %+v %v", u, err)
	}
	if err := s.SetUserEmail(ctx, "bob", "ALICE@example.com"); !errors.Is(err, s3err.ErrInvalidArgument) {
		t.Fatalf("shared address: %v", err)
	}
	if err := s.SetUserEmail(ctx, "nobody", "n@example.com"); !errors.Is(err, ErrNoSuchUser) {
		t.Fatalf("missing user: %v", err)
	}
	for _, bad := range []string{"not an address", "Alice <a@example.com>", "a@" + strings.Repeat("x", maxEmailLength-5) + ".com"} {
		if err := s.SetUserEmail(ctx, "bob", bad); !errors.Is(err, s3err.ErrInvalidArgument) {
			t.Fatalf("%q: %v", bad, err)
		}
	}
	longest := "a@" + strings.Repeat("x", maxEmailLength-6) + ".com"
	if err := s.SetUserEmail(ctx, "bob", longest); err != nil {
		t.Fatalf("address of %d characters: %v", len(longest), err)
	}
	svc, err := s.AddServiceAccount(ctx, "alice", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetUserEmail(ctx, svc.AccessKey, "svc@example.com"); !errors.Is(err, s3err.ErrInvalidArgument) {
		t.Fatalf("service account: %v", err)
	}
	gs, err := s.Grantees(ctx)
	if err != nil || len(gs) != 2 {
		t.Fatalf("grantees: %+v %v", gs, err)
	}
	if gs[0].User != "alice" || gs[0].Email != "alice@example.com" || gs[0].CanonicalID != CanonicalID("alice") {
		t.Fatalf("grantee: %+v", gs[0])
	}
	// Clearing frees the address.
	if err := s.SetUserEmail(ctx, "alice", ""); err != nil {
		t.Fatal(err)
	}
	if err := s.SetUserEmail(ctx, "bob", "alice@example.com"); err != nil {
		t.Fatal(err)
	}
}
