package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kurastore/kura/admin"
	"github.com/kurastore/kura/internal/iam"
)

// adminIDPCommand manages the identity providers whose users get
// temporary credentials from the server's STS.
func adminIDPCommand(f *adminFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "idp",
		Short: "Manage identity providers (OpenID Connect) whose users get temporary credentials",
	}
	add := &cobra.Command{
		Use:   "add KIND NAME [flags]",
		Short: "Add an identity provider; one subcommand per kind",
	}
	add.AddCommand(adminIDPAddOpenID(f))
	setStatus := func(use, short, status string) *cobra.Command {
		return run(f, use, short, cobra.ExactArgs(1), func(cmd *cobra.Command, c *admin.Client, a []string) error {
			kind, err := providerKind(cmd.Context(), c, a[0])
			if err != nil {
				return err
			}
			if err := c.SetIdentityProviderStatus(cmd.Context(), kind, a[0], status); err != nil {
				return err
			}
			return done(cmd, "Identity provider %s is %s.", a[0], status)
		})
	}
	cmd.AddCommand(add,
		run(f, "list", "List the identity providers and their role ARNs (secrets never shown)", cobra.NoArgs, func(cmd *cobra.Command, c *admin.Client, _ []string) error {
			ps, err := c.ListIdentityProviders(cmd.Context())
			if err != nil {
				return err
			}
			return f.emit(cmd.OutOrStdout(), ps, "NAME\tKIND\tSTATUS\tROLE ARN\tSETTINGS", func(tw io.Writer) {
				for _, p := range ps {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.Name, p.Kind, p.Status, p.RoleARN, providerSettings(p))
				}
			})
		}),
		run(f, "remove NAME", "Remove an identity provider; the sessions it issued end", cobra.ExactArgs(1), func(cmd *cobra.Command, c *admin.Client, a []string) error {
			kind, err := providerKind(cmd.Context(), c, a[0])
			if err != nil {
				return err
			}
			if err := c.RemoveIdentityProvider(cmd.Context(), kind, a[0]); err != nil {
				return err
			}
			return done(cmd, "Removed identity provider %s.", a[0])
		}),
		setStatus("enable NAME", "Enable an identity provider", iam.StatusEnabled),
		setStatus("disable NAME", "Disable an identity provider: it issues nothing and its sessions are refused", iam.StatusDisabled),
	)
	return cmd
}

// providerKind finds the kind of the provider name.
func providerKind(ctx context.Context, c *admin.Client, name string) (string, error) {
	ps, err := c.ListIdentityProviders(ctx)
	if err != nil {
		return "", err
	}
	for _, p := range ps {
		if p.Name == name {
			return p.Kind, nil
		}
	}
	return "", fmt.Errorf("no identity provider is named %q", name)
}

// providerSettings sums up a provider's settings in one column.
func providerSettings(p admin.IdentityProvider) string {
	if o := p.OpenID; o != nil {
		mapping := "claim " + o.ClaimName
		if o.RolePolicy != "" {
			mapping = "role policy " + o.RolePolicy
		}
		return o.ConfigURL + " client " + o.ClientID + ", " + mapping
	}
	return ""
}

func adminIDPAddOpenID(f *adminFlags) *cobra.Command {
	var p admin.OpenIDProvider
	var scopes string
	cmd := run(f, "openid NAME", "Add an OpenID Connect provider (Keycloak, Okta, Entra ID, Dex...)", cobra.ExactArgs(1), func(cmd *cobra.Command, c *admin.Client, a []string) error {
		if scopes != "" {
			p.Scopes = strings.Split(scopes, ",")
		}
		out, err := c.AddOpenIDProvider(cmd.Context(), a[0], p)
		if err != nil {
			return err
		}
		return done(cmd, "Added OpenID provider %s; its role ARN is %s.", a[0], out.RoleARN)
	})
	cmd.Long = "Add an OpenID Connect provider. AssumeRoleWithWebIdentity then turns its tokens into\n" +
		"temporary credentials. The policies come either from the claim --claim-name names (default\n" +
		"\"policy\": a comma-separated string or a list of kura policy names), or, with --role-policy,\n" +
		"from the provider's role: callers give the printed role ARN as RoleArn."
	fl := cmd.Flags()
	fl.StringVar(&p.ConfigURL, "config-url", "", "the discovery document's URL, https://ISSUER/.well-known/openid-configuration (required)")
	fl.StringVar(&p.ClientID, "client-id", "", "the client ID tokens must be issued for, as aud or azp (required)")
	fl.StringVar(&p.ClientSecret, "client-secret", "", "the client's secret (sealed at rest, never shown)")
	fl.StringVar(&p.ClaimName, "claim-name", "", "the claim listing the caller's policies (default \"policy\")")
	fl.StringVar(&p.RolePolicy, "role-policy", "", "policies (comma-separated) of every caller giving the provider's role ARN, instead of a claim")
	fl.StringVar(&scopes, "scopes", "", "scopes clients ask the provider for, comma-separated")
	fl.BoolVar(&p.ClaimUserinfo, "claim-userinfo", false, "read the policy claim from the userinfo endpoint, the token as its access token")
	_ = cmd.MarkFlagRequired("config-url")
	_ = cmd.MarkFlagRequired("client-id")
	return cmd
}
