package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"

	"github.com/kurastore/kura/internal/console"
	"github.com/kurastore/kura/internal/iam"
	"github.com/kurastore/kura/internal/idp"
	"github.com/kurastore/kura/internal/idp/openid"
)

// consoleLogins tells the console which identity providers its login
// page offers, and hands it its client at an OpenID provider. It reads
// the IAM store of this process: the console never sees the store, and
// what it learns here gives it no powers, since its logins still go
// through the STS as anyone's do.
type consoleLogins struct {
	ids *iam.Store
	// callback is the console's own /oauth/callback: the redirect URL
	// of OpenID providers that set none.
	callback string
}

// errNoOpenIDLogin: the provider is not an enabled OpenID provider with
// a client secret (without one it cannot exchange a code).
var errNoOpenIDLogin = errors.New("no enabled OpenID provider with a client secret has this name")

// methods lists the enabled LDAP providers, and the enabled OpenID
// providers that have a client secret, by kind and name only.
func (c consoleLogins) methods(ctx context.Context) ([]console.LoginMethod, error) {
	ps, err := c.ids.ListIdentityProviders(ctx)
	if err != nil {
		return nil, err
	}
	var out []console.LoginMethod
	for _, p := range ps {
		switch {
		case p.Status != iam.StatusEnabled:
		case p.Kind == idp.KindLDAP:
			out = append(out, console.LoginMethod{Kind: console.LoginLDAP, Name: p.Name})
		case p.Kind == idp.KindOpenID && len(p.Sealed) > 0:
			out = append(out, console.LoginMethod{Kind: console.LoginOpenID, Name: p.Name})
		}
	}
	return out, nil
}

// openID is the console's client at the OpenID provider name.
func (c consoleLogins) openID(ctx context.Context, name string) (console.OpenIDClient, error) {
	p, err := c.ids.IdentityProviderWithSecret(ctx, name)
	if err != nil {
		return console.OpenIDClient{}, err
	}
	var st openid.Settings
	if p.Kind != idp.KindOpenID || p.Status != iam.StatusEnabled || p.Secret == "" || json.Unmarshal(p.Settings, &st) != nil {
		return console.OpenIDClient{}, errNoOpenIDLogin
	}
	return console.OpenIDClient{
		Name: name, Issuer: st.Issuer(), ClientID: st.ClientID, ClientSecret: p.Secret, Scopes: st.Scopes,
		RedirectURL: cmp.Or(st.RedirectURI, c.callback), RoleARN: idp.RoleARN(name),
	}, nil
}
