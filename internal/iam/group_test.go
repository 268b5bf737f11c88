package iam

import (
	"context"
	"errors"
	"testing"

	"github.com/kurastore/kura/wire/policy"
)

func TestRemoveGroupTakesItsPoliciesFromItsMembers(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	if err := s.AddUser(ctx, "dave", "davesecret12"); err != nil {
		t.Fatal(err)
	}
	if err := s.AddGroupMembers(ctx, "ops", "dave"); err != nil {
		t.Fatal(err)
	}
	if err := s.AttachPolicy(ctx, "readwrite", "", "ops"); err != nil {
		t.Fatal(err)
	}
	if id, err := s.Identity(ctx, "dave"); err != nil || len(id.Policies) != 1 {
		t.Fatalf("identity in the group: %+v %v", id, err)
	}
	if err := s.RemoveGroup(ctx, "ops"); err != nil {
		t.Fatal(err)
	}
	if groups, err := s.ListGroups(ctx); err != nil || len(groups) != 0 {
		t.Fatalf("groups left: %+v %v", groups, err)
	}
	u, err := s.User(ctx, "dave")
	if err != nil || len(u.Groups) != 0 {
		t.Fatalf("user still in the group: %+v %v", u, err)
	}
	if id, err := s.Identity(ctx, "dave"); err != nil || len(id.Policies) != 0 {
		t.Fatalf("the group's policy still applies: %+v %v", id, err)
	}
	if err := s.RemoveGroup(ctx, "ops"); !errors.Is(err, ErrNoSuchGroup) {
		t.Fatalf("removing a removed group: %v", err)
	}
}

func TestPolicyDocument(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	doc := []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::photos/*"]}]}`)
	if err := s.PutPolicy(ctx, "photos-read", doc); err != nil {
		t.Fatal(err)
	}
	got, err := s.PolicyDocument(ctx, "photos-read")
	if err != nil || string(got) != string(doc) {
		t.Fatalf("stored policy: %s %v", got, err)
	}
	got, err = s.PolicyDocument(ctx, "readonly")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := policy.Parse(got); err != nil {
		t.Fatalf("built-in policy's document %s: %v", got, err)
	}
	if _, err := s.PolicyDocument(ctx, "nope"); !errors.Is(err, ErrNoSuchPolicy) {
		t.Fatalf("unknown policy: %v", err)
	}
}
