package idp

import (
	"reflect"
	"testing"
)

func TestSplitPolicyNames(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want []string
	}{
		{"readonly", []string{"readonly"}},
		{" a, b ,,c ", []string{"a", "b", "c"}},
		{[]any{"a", "b,c", 7, nil}, []string{"a", "b", "c"}},
		{[]string{"a", ""}, []string{"a"}},
		{nil, nil},
		{42.0, nil},
		{"", nil},
	} {
		if got := SplitPolicyNames(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%#v: %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestRoleARN(t *testing.T) {
	if name, ok := ProviderOfRoleARN(RoleARN("corp")); !ok || name != "corp" {
		t.Errorf("%q %v", name, ok)
	}
	for _, arn := range []string{"arn:kura:iam:::role/", "arn:aws:iam::123456789012:role/corp", ""} {
		if _, ok := ProviderOfRoleARN(arn); ok {
			t.Errorf("%q selects a provider", arn)
		}
	}
}
