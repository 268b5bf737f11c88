package adminapi

import "time"

// IdentityProvider is a configured identity provider as the server
// reports it: its secret is never shown, only whether it has one.
type IdentityProvider struct {
	Name string `json:"name"`
	// Kind is "openid" (and, as they come, "ldap", "certificate").
	Kind    string    `json:"kind"`
	Status  string    `json:"status"`
	Created time.Time `json:"created"`
	// RoleARN is what STS calls give as RoleArn to select the provider.
	RoleARN   string          `json:"roleArn"`
	HasSecret bool            `json:"hasSecret,omitempty"`
	OpenID    *OpenIDProvider `json:"openid,omitempty"`
}

// OpenIDProvider configures an OpenID Connect provider: the body of the
// call adding one, and its settings in listings (without ClientSecret).
type OpenIDProvider struct {
	// ConfigURL is the discovery document's URL
	// (https://issuer/.well-known/openid-configuration).
	ConfigURL string `json:"configUrl"`
	ClientID  string `json:"clientId"`
	// ClientSecret is sealed at rest and never shown again.
	ClientSecret string `json:"clientSecret,omitempty"`
	// ClaimName is the claim listing the caller's policies ("policy"
	// when neither it nor RolePolicy is set).
	ClaimName string `json:"claimName,omitempty"`
	// RolePolicy names the policies (comma-separated) every caller
	// selecting the provider's RoleARN gets, instead of a claim.
	RolePolicy    string   `json:"rolePolicy,omitempty"`
	Scopes        []string `json:"scopes,omitempty"`
	ClaimUserinfo bool     `json:"claimUserinfo,omitempty"`
}

// ProviderStatus enables or disables an identity provider.
type ProviderStatus struct {
	Status string `json:"status"`
}
