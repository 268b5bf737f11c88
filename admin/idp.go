package admin

import (
	"context"
	"net/http"

	"github.com/kurastore/kura/wire/adminapi"
)

// IdentityProvider is a configured identity provider (its secret never
// shown).
type IdentityProvider = adminapi.IdentityProvider

// OpenIDProvider configures an OpenID Connect provider.
type OpenIDProvider = adminapi.OpenIDProvider

// AddOpenIDProvider adds the OpenID Connect provider name. The server
// reads its discovery document first and refuses it if it cannot; the
// client secret is sealed at rest. The answer names the provider's role
// ARN, which AssumeRoleWithWebIdentity calls give as RoleArn.
func (c *Client) AddOpenIDProvider(ctx context.Context, name string, p OpenIDProvider) (IdentityProvider, error) {
	var out IdentityProvider
	return out, c.call(ctx, http.MethodPut, "idp/openid/"+seg(name), p, &out)
}

// ListIdentityProviders lists the identity providers.
func (c *Client) ListIdentityProviders(ctx context.Context) ([]IdentityProvider, error) {
	var out []IdentityProvider
	return out, c.call(ctx, http.MethodGet, "idp", nil, &out)
}

// RemoveIdentityProvider removes the provider name of kind ("openid");
// the sessions it issued end.
func (c *Client) RemoveIdentityProvider(ctx context.Context, kind, name string) error {
	return c.call(ctx, http.MethodDelete, "idp/"+seg(kind)+"/"+seg(name), nil, nil)
}

// SetIdentityProviderStatus enables ("enabled") or disables
// ("disabled") a provider; a disabled provider's sessions are refused.
func (c *Client) SetIdentityProviderStatus(ctx context.Context, kind, name, status string) error {
	return c.call(ctx, http.MethodPut, "idp/"+seg(kind)+"/"+seg(name)+"/status", adminapi.ProviderStatus{Status: status}, nil)
}

// LDAPProvider configures an LDAP directory or Active Directory.
type LDAPProvider = adminapi.LDAPProvider

// LDAPPolicyMapping is the policies attached to an LDAP user or group DN.
type LDAPPolicyMapping = adminapi.LDAPPolicyMapping

// AddLDAPProvider adds the LDAP provider name. The server checks the
// settings (and that the lookup account can bind) and seals the lookup
// bind password at rest.
func (c *Client) AddLDAPProvider(ctx context.Context, name string, p LDAPProvider) (IdentityProvider, error) {
	var out IdentityProvider
	return out, c.call(ctx, http.MethodPut, "idp/ldap/"+seg(name), p, &out)
}

// AttachLDAPPolicy attaches a policy to an LDAP user DN or (userDN "") an
// LDAP group DN; AssumeRoleWithLDAPIdentity grants a login the policies
// of its DN and of its groups' DNs.
func (c *Client) AttachLDAPPolicy(ctx context.Context, name, userDN, groupDN string) error {
	return c.call(ctx, http.MethodPost, "policies/"+seg(name)+"/attach", adminapi.Attachment{LDAPUser: userDN, LDAPGroup: groupDN}, nil)
}

// DetachLDAPPolicy undoes AttachLDAPPolicy.
func (c *Client) DetachLDAPPolicy(ctx context.Context, name, userDN, groupDN string) error {
	return c.call(ctx, http.MethodPost, "policies/"+seg(name)+"/detach", adminapi.Attachment{LDAPUser: userDN, LDAPGroup: groupDN}, nil)
}

// ListLDAPPolicies lists the LDAP user and group DNs with policies
// attached.
func (c *Client) ListLDAPPolicies(ctx context.Context) ([]LDAPPolicyMapping, error) {
	var out []LDAPPolicyMapping
	return out, c.call(ctx, http.MethodGet, "ldap/policies", nil, &out)
}
