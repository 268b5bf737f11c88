package iam

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/kurastore/kura/s3err"
)

// TestLDAPPolicies: policies attach to user and group DNs however the DN
// is spelled, a login collects those of its user and groups, detaching
// the last one removes the mapping, and an attached policy cannot be
// deleted.
func TestLDAPPolicies(t *testing.T) {
	s, _, _ := newClockedStore(t)
	ctx := context.Background()
	for _, p := range []string{"p1", "p2"} {
		if err := s.PutPolicy(ctx, p, []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)); err != nil {
			t.Fatal(err)
		}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.AttachLDAPPolicy(ctx, "p1", LDAPUser, "UID=Alice, OU=Users,DC=kura,DC=test"))
	must(s.AttachLDAPPolicy(ctx, "p2", LDAPGroup, "cn=devs,ou=groups,dc=kura,dc=test"))
	must(s.AttachLDAPPolicy(ctx, "p1", LDAPGroup, "cn=devs,ou=groups,dc=kura,dc=test"))
	if err := s.AttachLDAPPolicy(ctx, "nope", LDAPUser, "uid=alice,ou=users,dc=kura,dc=test"); !errors.Is(err, ErrNoSuchPolicy) {
		t.Fatalf("unknown policy: %v", err)
	}
	if err := s.AttachLDAPPolicy(ctx, "p1", LDAPUser, "not a dn"); !errors.Is(err, s3err.ErrInvalidArgument) {
		t.Fatalf("bad DN: %v", err)
	}
	if err := s.AttachLDAPPolicy(ctx, "p1", "role", "uid=alice"); !errors.Is(err, s3err.ErrInvalidArgument) {
		t.Fatalf("bad kind: %v", err)
	}
	got, err := s.LDAPPolicies(ctx, "uid=alice,ou=users,dc=kura,dc=test", []string{"CN=Devs,OU=Groups,DC=Kura,DC=Test", "cn=other"})
	if err != nil || !reflect.DeepEqual(got, []string{"p1", "p2"}) {
		t.Fatalf("alice in devs: %v, %v", got, err)
	}
	// A user DN does not count as a group DN, nor the other way round.
	if got, _ := s.LDAPPolicies(ctx, "cn=devs,ou=groups,dc=kura,dc=test", []string{"uid=alice,ou=users,dc=kura,dc=test"}); len(got) != 0 {
		t.Fatalf("kinds mixed up: %v", got)
	}
	if err := s.DeletePolicy(ctx, "p2"); !errors.Is(err, ErrPolicyInUse) {
		t.Fatalf("deleting an attached policy: %v", err)
	}
	must(s.DetachLDAPPolicy(ctx, "p2", LDAPGroup, "cn=devs,ou=groups,dc=kura,dc=test"))
	must(s.DetachLDAPPolicy(ctx, "p1", LDAPGroup, "cn=devs,ou=groups,dc=kura,dc=test"))
	ms, err := s.ListLDAPMappings(ctx)
	if err != nil || len(ms) != 1 || ms[0].Kind != LDAPUser || ms[0].DN != "UID=Alice, OU=Users,DC=kura,DC=test" || !reflect.DeepEqual(ms[0].Policies, []string{"p1"}) {
		t.Fatalf("mappings after detaching the group's: %+v, %v", ms, err)
	}
	must(s.DeletePolicy(ctx, "p2"))
}
