package iam

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/kurastore/kura/internal/auth"
	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/meta/faultmeta"
	"github.com/kurastore/kura/internal/meta/pebblestore"
	"github.com/kurastore/kura/s3err"
)

var root = auth.Credentials{AccessKey: "ROOTKEY", SecretKey: "rootsecret123"}

// testSealKey is the seal key of the test stores.
var testSealKey = bytes.Repeat([]byte{7}, SealKeySize)

func newStore(t *testing.T) (*Store, meta.Store) {
	t.Helper()
	m, err := pebblestore.Open("iam", &pebblestore.Options{FS: vfs.NewMem()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	s, err := NewStore(m, root, testSealKey, nil)
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
	// Root credentials play no part in sealing: after a new root
	// password every user still works; another seal key opens nothing.
	rotated, err := NewStore(m, auth.Credentials{AccessKey: "ROOTKEY", SecretKey: "differentroot"}, testSealKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sec, err := rotated.Secret("alice"); err != nil || sec != "alicesecret1" {
		t.Fatalf("secret after a new root password: %q %v", sec, err)
	}
	other, err := NewStore(m, root, bytes.Repeat([]byte{8}, SealKeySize), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Secret("alice"); err == nil {
		t.Fatal("secret opened with another seal key")
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

func TestMalformedPolicyNamesTheProblem(t *testing.T) {
	s, _ := newStore(t)
	err := s.PutPolicy(context.Background(), "bad", []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:NoSuchThing!"],"Resource":["arn:aws:s3:::*"]}]}`))
	if !errors.Is(err, s3err.ErrMalformedPolicy) || !strings.Contains(err.Error(), "action") {
		t.Fatalf("unknown action: %v", err)
	}
}

// TestPolicyNamingNoActionRefused: a well-formed action name that no
// service has, or a wildcard that names none, is refused as AWS refuses
// it; wildcards that name some action are kept.
func TestPolicyNamingNoActionRefused(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	doc := func(action string) []byte {
		return []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["` + action + `"],"Resource":["arn:aws:s3:::*"]}]}`)
	}
	for _, bad := range []string{"s3:NoSuchAction", "s3:Nothing*", "admin:NoSuchAction"} {
		if err := s.PutPolicy(ctx, "bad", doc(bad)); !errors.Is(err, s3err.ErrMalformedPolicy) {
			t.Errorf("%s: %v, want MalformedPolicy", bad, err)
		}
	}
	for _, good := range []string{"s3:Get*", "s3:*", "*", "s3:GetBucketWebsite", "admin:ServerInfo"} {
		if err := s.PutPolicy(ctx, "good", doc(good)); err != nil {
			t.Errorf("%s: %v", good, err)
		}
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
	s, err := NewStore(faultmeta.New(m, faultmeta.Options{Rerun: 1}), root, make([]byte, SealKeySize), nil)
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
