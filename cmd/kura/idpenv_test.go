package main

import (
	"reflect"
	"testing"
)

func TestOpenIDFromEnv(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if _, _, _, ok, err := openIDFromEnv(env(nil)); ok || err != nil {
		t.Errorf("no variables: %v %v", ok, err)
	}
	name, st, secret, ok, err := openIDFromEnv(env(map[string]string{
		"KURA_IDENTITY_OPENID_CONFIG_URL":     "https://id.example.com/.well-known/openid-configuration",
		"KURA_IDENTITY_OPENID_CLIENT_ID":      "kura",
		"KURA_IDENTITY_OPENID_CLIENT_SECRET":  "s",
		"KURA_IDENTITY_OPENID_SCOPES":         "openid,groups",
		"KURA_IDENTITY_OPENID_CLAIM_USERINFO": "true",
		"KURA_IDENTITY_OPENID_REDIRECT_URI":   "https://console.example.com/oauth/callback",
	}))
	if err != nil || !ok || name != "openid" || secret != "s" || st.ClaimName != "policy" || !st.ClaimUserinfo ||
		st.RedirectURI != "https://console.example.com/oauth/callback" || !reflect.DeepEqual(st.Scopes, []string{"openid", "groups"}) {
		t.Errorf("%q %+v %q %v %v", name, st, secret, ok, err)
	}
	for _, bad := range []map[string]string{
		{"KURA_IDENTITY_OPENID_CONFIG_URL": "https://id.example.com"},
		{"KURA_IDENTITY_OPENID_CONFIG_URL": "ftp://id.example.com", "KURA_IDENTITY_OPENID_CLIENT_ID": "kura"},
		{"KURA_IDENTITY_OPENID_CONFIG_URL": "https://id.example.com", "KURA_IDENTITY_OPENID_CLIENT_ID": "kura", "KURA_IDENTITY_OPENID_CLAIM_USERINFO": "maybe"},
		{"KURA_IDENTITY_OPENID_CONFIG_URL": "https://id.example.com", "KURA_IDENTITY_OPENID_CLIENT_ID": "kura", "KURA_IDENTITY_OPENID_CLAIM_NAME": "p", "KURA_IDENTITY_OPENID_ROLE_POLICY": "r"},
		{"KURA_IDENTITY_OPENID_CONFIG_URL": "https://id.example.com", "KURA_IDENTITY_OPENID_CLIENT_ID": "kura", "KURA_IDENTITY_OPENID_REDIRECT_URI": "/oauth/callback"},
	} {
		if _, _, _, _, err := openIDFromEnv(env(bad)); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
