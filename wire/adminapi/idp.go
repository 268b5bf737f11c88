package adminapi

import "time"

// IdentityProvider is a configured identity provider as the server
// reports it: its secret is never shown, only whether it has one.
type IdentityProvider struct {
	Name string `json:"name"`
	// Kind is "openid", "ldap" or "certificate" (kept by the server's
	// --tls-client-ca; it has no settings).
	Kind    string    `json:"kind"`
	Status  string    `json:"status"`
	Created time.Time `json:"created"`
	// RoleARN is what STS calls give as RoleArn to select the provider.
	RoleARN   string          `json:"roleArn"`
	HasSecret bool            `json:"hasSecret,omitempty"`
	OpenID    *OpenIDProvider `json:"openid,omitempty"`
	LDAP      *LDAPProvider   `json:"ldap,omitempty"`
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
	// RedirectURI is where the provider sends the browser back after a
	// console login; empty means the console's /oauth/callback on its
	// own address.
	RedirectURI string `json:"redirectUri,omitempty"`
}

// ProviderStatus enables or disables an identity provider.
type ProviderStatus struct {
	Status string `json:"status"`
}

// LDAPProvider configures an LDAP directory or Active Directory: the body
// of the call adding one, and its settings in listings (without
// LookupBindPassword).
type LDAPProvider struct {
	// ServerAddr is HOST:PORT of the directory.
	ServerAddr string `json:"serverAddr"`
	// TLS connects with TLS from the start (ldaps); StartTLS upgrades a
	// plain connection first. Neither: plain LDAP.
	TLS           bool `json:"tls,omitempty"`
	StartTLS      bool `json:"startTLS,omitempty"`
	TLSSkipVerify bool `json:"tlsSkipVerify,omitempty"`
	// RootCAs holds PEM certificates that verify the directory in place
	// of the system roots.
	RootCAs      string `json:"rootCAs,omitempty"`
	LookupBindDN string `json:"lookupBindDN"`
	// LookupBindPassword is sealed at rest and never shown again.
	LookupBindPassword string `json:"lookupBindPassword,omitempty"`
	UserDNSearchBase   string `json:"userDNSearchBase"`
	// UserDNSearchFilter finds a user by login name, %s, e.g. (uid=%s).
	UserDNSearchFilter string `json:"userDNSearchFilter"`
	GroupSearchBase    string `json:"groupSearchBase,omitempty"`
	// GroupSearchFilter finds the user's groups by DN, %d, or login
	// name, %s, e.g. (&(objectClass=groupOfNames)(member=%d)).
	GroupSearchFilter string `json:"groupSearchFilter,omitempty"`
}

// LDAPPolicyMapping is the policies attached to an LDAP user or group DN.
type LDAPPolicyMapping struct {
	// Kind is "user" or "group".
	Kind     string   `json:"kind"`
	DN       string   `json:"dn"`
	Policies []string `json:"policies"`
}
