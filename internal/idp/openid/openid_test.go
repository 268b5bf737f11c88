package openid

import "testing"

func TestSettingsCheck(t *testing.T) {
	st := Settings{ConfigURL: "https://id.example.com/realm/.well-known/openid-configuration", ClientID: "kura"}
	if err := st.Check(); err != nil || st.ClaimName != DefaultClaimName {
		t.Fatalf("%+v %v", st, err)
	}
	if got := st.Issuer(); got != "https://id.example.com/realm" {
		t.Errorf("issuer %q", got)
	}
	if got := (Settings{ConfigURL: "https://id.example.com/"}).Issuer(); got != "https://id.example.com" {
		t.Errorf("issuer of an issuer URL: %q", got)
	}
	redirect := Settings{ConfigURL: "https://id.example.com", ClientID: "kura", RedirectURI: "https://console.example.com/oauth/callback"}
	if err := redirect.Check(); err != nil {
		t.Errorf("a redirect URI: %v", err)
	}
	role := Settings{ConfigURL: "http://127.0.0.1:5556/dex", ClientID: "kura", RolePolicy: "readonly"}
	if err := role.Check(); err != nil || role.ClaimName != "" {
		t.Errorf("a role-policy provider: %+v %v", role, err)
	}
	for _, bad := range []Settings{
		{ConfigURL: "id.example.com", ClientID: "kura"},
		{ConfigURL: "ftp://id.example.com", ClientID: "kura"},
		{ConfigURL: "https://", ClientID: "kura"},
		{ConfigURL: "https://id.example.com"},
		{ConfigURL: "https://id.example.com", ClientID: "kura", ClaimName: "groups", RolePolicy: "readonly"},
		{ConfigURL: "https://id.example.com", ClientID: "kura", RedirectURI: "/oauth/callback"},
		{ConfigURL: "https://id.example.com", ClientID: "kura", RedirectURI: "javascript://x/oauth/callback"},
		{ConfigURL: "https://id.example.com", ClientID: "kura", RedirectURI: "https://console.example.com/oauth/callback#x"},
	} {
		if err := bad.Check(); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}
