package main

import (
	"errors"
	"testing"
)

func TestLDAPFromEnv(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	files := func(name string) ([]byte, error) { return nil, errors.New("no file " + name) }
	if _, _, ok, err := ldapFromEnv(env(nil), files); ok || err != nil {
		t.Errorf("no variables: %v %v", ok, err)
	}
	good := map[string]string{
		"KURA_IDENTITY_LDAP_SERVER_ADDR":           "ldap.example.com:389",
		"KURA_IDENTITY_LDAP_STARTTLS":              "true",
		"KURA_IDENTITY_LDAP_LOOKUP_BIND_DN":        "cn=lookup,dc=example,dc=com",
		"KURA_IDENTITY_LDAP_LOOKUP_BIND_PASSWORD":  "pw",
		"KURA_IDENTITY_LDAP_USER_DN_SEARCH_BASE":   "ou=users,dc=example,dc=com",
		"KURA_IDENTITY_LDAP_USER_DN_SEARCH_FILTER": "(uid=%s)",
	}
	name, cfg, ok, err := ldapFromEnv(env(good), files)
	if err != nil || !ok || name != "ldap" || !cfg.StartTLS || cfg.LookupBindPassword != "pw" || cfg.UserDNSearchFilter != "(uid=%s)" {
		t.Errorf("%q %+v %v %v", name, cfg, ok, err)
	}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range good {
			m[a] = b
		}
		m[k] = v
		return m
	}
	for _, bad := range []map[string]string{
		with("KURA_IDENTITY_LDAP_TLS", "maybe"),
		with("KURA_IDENTITY_LDAP_TLS", "true"), // with STARTTLS
		with("KURA_IDENTITY_LDAP_USER_DN_SEARCH_FILTER", "(uid=x)"),
		with("KURA_IDENTITY_LDAP_LOOKUP_BIND_PASSWORD", ""),
		with("KURA_IDENTITY_LDAP_ROOT_CAS", "/nonexistent.pem"),
	} {
		if _, _, _, err := ldapFromEnv(env(bad), files); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
