package ldap

import (
	"errors"
	"testing"
)

func TestNormalizeDN(t *testing.T) {
	want := "cn=alice,ou=users,dc=kura,dc=test"
	for _, dn := range []string{
		"cn=alice,ou=users,dc=kura,dc=test",
		"CN=Alice, OU=Users, DC=kura, DC=test",
		"cn = alice ,ou=USERS,dc=Kura,dc=TEST",
	} {
		got, err := NormalizeDN(dn)
		if err != nil || got != want {
			t.Errorf("NormalizeDN(%q) = %q, %v; want %q", dn, got, err, want)
		}
	}
	a, _ := NormalizeDN(`cn=Smith\, John,ou=users`)
	b, _ := NormalizeDN(`cn=smith\2C john,ou=users`)
	if a != b || a == "" {
		t.Errorf("escaped comma: %q vs %q", a, b)
	}
	for _, bad := range []string{"", "  ", "alice", "cn=alice,=x"} {
		if _, err := NormalizeDN(bad); !errors.Is(err, ErrInvalidDN) {
			t.Errorf("NormalizeDN(%q): %v, want ErrInvalidDN", bad, err)
		}
	}
}
