package iam

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/kurastore/kura/internal/auth"
	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/meta/faultmeta"
	"github.com/kurastore/kura/internal/meta/pebblestore"
	"github.com/kurastore/kura/s3err"
)

var root = auth.Credentials{AccessKey: "ROOTKEY", SecretKey: "rootsecret123"}

func newStore(t *testing.T) (*Store, meta.Store) {
	t.Helper()
	m, err := pebblestore.Open("iam", &pebblestore.Options{FS: vfs.NewMem()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	s, err := NewStore(m, root, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s, m
}

func TestUsersAndSecrets(t *testing.T) {
	s, m := newStore(t)
	ctx := context.Background()
	if err := s.AddUser(ctx, "alice", "alicesecret1"); err != nil {
		t.Fatal(err)
	}
	if err := s.AddUser(ctx, "alice", "other-secret"); !errors.Is(err, ErrUserExists) {
		t.Fatalf("duplicate user: %v", err)
	}
	if err := s.AddUser(ctx, root.AccessKey, "whatever12"); !errors.Is(err, ErrRootReserved) {
		t.Fatalf("root key as a user: %v", err)
	}
	if err := s.AddUser(ctx, "bob", "short"); !errors.Is(err, s3err.ErrInvalidArgument) {
		t.Fatalf("short secret: %v", err)
	}
	if sec, err := s.Secret("alice"); err != nil || sec != "alicesecret1" {
		t.Fatalf("secret: %q %v", sec, err)
	}
	if sec, err := s.Secret(root.AccessKey); err != nil || sec != root.SecretKey {
		t.Fatalf("root secret: %q %v", sec, err)
	}
	// The secret is sealed at rest.
	m.View(ctx, func(r meta.Reader) error {
		raw, err := r.Get(userKey("alice"))
		if err != nil || bytes.Contains(raw, []byte("alicesecret1")) {
			t.Fatalf("stored user record shows its secret: %v", err)
		}
		return nil
	})
	// A store with other root credentials cannot open it.
	other, err := NewStore(m, auth.Credentials{AccessKey: "ROOTKEY", SecretKey: "differentroot"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Secret("alice"); err == nil {
		t.Fatal("secret opened with another root key")
	}
	// Disabling takes effect at once, through the cache.
	if err := s.SetUserStatus(ctx, "alice", StatusDisabled); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Secret("alice"); !errors.Is(err, s3err.ErrInvalidAccessKeyID) {
		t.Fatalf("disabled user: %v", err)
	}
	if err := s.SetUserStatus(ctx, "alice", StatusEnabled); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Secret("nobody"); !errors.Is(err, s3err.ErrInvalidAccessKeyID) {
		t.Fatalf("unknown key: %v", err)
	}
	if err := s.RemoveUser(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Secret("alice"); !errors.Is(err, s3err.ErrInvalidAccessKeyID) {
		t.Fatalf("removed user: %v", err)
	}
}

func TestPoliciesGroupsAndServiceAccounts(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	if err := s.AddUser(ctx, "carol", "carolsecret1"); err != nil {
		t.Fatal(err)
	}
	doc := []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::photos/*"]}]}`)
	if err := s.PutPolicy(ctx, "photos-read", doc); err != nil {
		t.Fatal(err)
	}
	if err := s.PutPolicy(ctx, "broken", []byte(`{"Statement":`)); err == nil {
		t.Fatal("malformed policy stored")
	}
	if err := s.PutPolicy(ctx, "readonly", doc); err == nil {
		t.Fatal("a built-in policy was replaced")
	}
	if err := s.AttachPolicy(ctx, "nope", "carol", ""); !errors.Is(err, ErrNoSuchPolicy) {
		t.Fatalf("attach unknown policy: %v", err)
	}
	if err := s.AttachPolicy(ctx, "photos-read", "carol", ""); err != nil {
		t.Fatal(err)
	}
	if err := s.AddGroupMembers(ctx, "editors", "carol"); err != nil {
		t.Fatal(err)
	}
	if err := s.AttachPolicy(ctx, "readwrite", "", "editors"); err != nil {
		t.Fatal(err)
	}
	id, err := s.Identity(ctx, "carol")
	if err != nil || len(id.Policies) != 2 || id.Root || id.Username != "carol" {
		t.Fatalf("identity: %+v %v", id, err)
	}
	if err := s.DeletePolicy(ctx, "photos-read"); !errors.Is(err, ErrPolicyInUse) {
		t.Fatalf("deleting an attached policy: %v", err)
	}
	svc, err := s.AddServiceAccount(ctx, "carol", doc)
	if err != nil {
		t.Fatal(err)
	}
	sid, err := s.Identity(ctx, svc.AccessKey)
	if err != nil || sid.Username != "carol" || sid.Session == nil || len(sid.Policies) != 2 {
		t.Fatalf("service account identity: %+v %v", sid, err)
	}
	if _, err := s.AddServiceAccount(ctx, svc.AccessKey, nil); err == nil {
		t.Fatal("a service account made a service account")
	}
	// Disabling the parent disables its service accounts.
	if err := s.SetUserStatus(ctx, "carol", StatusDisabled); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Secret(svc.AccessKey); err == nil {
		t.Fatal("service account of a disabled user still works")
	}
	if err := s.RemoveGroupMembers(ctx, "editors", "carol"); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveUser(ctx, "carol"); err != nil {
		t.Fatal(err)
	}
	users, err := s.ListUsers(ctx)
	if err != nil || len(users) != 0 {
		t.Fatalf("users left: %+v %v", users, err)
	}
	names, _ := s.ListPolicies(ctx)
	if len(names) != 5 {
		t.Fatalf("policies: %v", names)
	}
	if err := s.DeletePolicy(ctx, "photos-read"); err != nil {
		t.Fatal(err)
	}
}

func TestAssumeRole(t *testing.T) {
	m, err := pebblestore.Open("iam", &pebblestore.Options{FS: vfs.NewMem()})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s, err := NewStore(m, root, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.AddUser(ctx, "dave", "davesecret12"); err != nil {
		t.Fatal(err)
	}
	if err := s.AttachPolicy(ctx, "readonly", "dave", ""); err != nil {
		t.Fatal(err)
	}
	caller, err := s.Identity(ctx, "dave")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []time.Duration{MinSessionDuration - time.Second, MaxSessionDuration + time.Second} {
		if _, err := s.AssumeRole(ctx, caller, d, nil); !errors.Is(err, s3err.ErrInvalidArgument) {
			t.Errorf("duration %v: %v", d, err)
		}
	}
	narrow := []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::one/*"]}]}`)
	tc, err := s.AssumeRole(ctx, caller, MinSessionDuration, narrow)
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.Identity(ctx, tc.AccessKey)
	if err != nil || id.Username != "dave" || id.Session == nil || len(id.Policies) != 1 || id.Root {
		t.Fatalf("temporary identity: %+v %v", id, err)
	}
	if err := id.CheckSessionToken(tc.SessionToken); err != nil {
		t.Fatalf("right token: %v", err)
	}
	for _, bad := range []string{"", tc.SessionToken + "x"} {
		if err := id.CheckSessionToken(bad); !errors.Is(err, s3err.ErrInvalidToken) {
			t.Errorf("token %q: %v", bad, err)
		}
	}
	if err := caller.CheckSessionToken("unasked"); !errors.Is(err, s3err.ErrInvalidToken) {
		t.Errorf("a token on permanent keys: %v", err)
	}
	now = now.Add(MinSessionDuration)
	if _, err := s.Secret(tc.AccessKey); !errors.Is(err, s3err.ErrExpiredToken) {
		t.Fatalf("after expiry: %v", err)
	}
	// Root's temporary credentials act as root.
	rootID, _ := s.Identity(ctx, root.AccessKey)
	rtc, err := s.AssumeRole(ctx, rootID, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rid, err := s.Identity(ctx, rtc.AccessKey); err != nil || !rid.Root {
		t.Fatalf("root's temporary identity: %+v %v", rid, err)
	}
}

func TestMalformedPolicyNamesTheProblem(t *testing.T) {
	s, _ := newStore(t)
	err := s.PutPolicy(context.Background(), "bad", []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:NoSuchThing!"],"Resource":["arn:aws:s3:::*"]}]}`))
	if !errors.Is(err, s3err.ErrMalformedPolicy) || !strings.Contains(err.Error(), "action") {
		t.Fatalf("unknown action: %v", err)
	}
}

// Through a store that runs every closure twice (as pgstore does on a
// serialization failure), IAM changes and listings come out as with one
// run.
func TestRerunClosures(t *testing.T) {
	ctx := context.Background()
	m, err := pebblestore.Open("iam", &pebblestore.Options{FS: vfs.NewMem()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	s, err := NewStore(faultmeta.New(m, faultmeta.Options{Rerun: 1}), root, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddUser(ctx, "alice", "alicesecret1"); err != nil {
		t.Fatal(err)
	}
	if err := s.PutPolicy(ctx, "mine", []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)); err != nil {
		t.Fatal(err)
	}
	if err := s.AttachPolicy(ctx, "mine", "alice", ""); err != nil {
		t.Fatal(err)
	}
	if err := s.AddGroupMembers(ctx, "team", "alice"); err != nil {
		t.Fatal(err)
	}
	names, err := s.ListPolicies(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := len(canned) + 1; len(names) != want {
		t.Errorf("ListPolicies: %d names %v, want %d", len(names), names, want)
	}
	u, err := s.User(ctx, "alice")
	if err != nil || len(u.Policies) != 1 || len(u.Groups) != 1 {
		t.Errorf("alice: policies %v, groups %v, %v; want one of each", u.Policies, u.Groups, err)
	}
	id, err := s.Identity(ctx, "alice")
	if err != nil || len(id.Policies) != 1 {
		t.Errorf("identity: %d policies, %v; want 1", len(id.Policies), err)
	}
}

// A load that read a user as enabled and is cached only after
// SetUserStatus disabled it and cleared the cache must not be kept: the
// disabled user is refused from the next request on.
func TestIdentityCacheStaleFill(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	if err := s.AddUser(ctx, "alice", "alicesecret1"); err != nil {
		t.Fatal(err)
	}
	loaded, proceed := make(chan struct{}), make(chan struct{})
	s.afterLoad = func() { close(loaded); <-proceed }
	first := make(chan error, 1)
	go func() {
		_, err := s.Identity(ctx, "alice")
		first <- err
	}()
	<-loaded // read alice as enabled, not yet cached
	s.afterLoad = nil
	if err := s.SetUserStatus(ctx, "alice", StatusDisabled); err != nil {
		t.Fatal(err)
	}
	close(proceed)
	if err := <-first; err != nil {
		t.Fatalf("the request that began before the change: %v", err)
	}
	if _, err := s.Identity(ctx, "alice"); !errors.Is(err, s3err.ErrInvalidAccessKeyID) {
		t.Fatalf("disabled user after the change: %v, want InvalidAccessKeyId", err)
	}
}
