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
