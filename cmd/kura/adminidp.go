package main

import (
	"context"
	"fmt"
	"io"
	"os"
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
		Short: "Manage identity providers (OpenID Connect, LDAP) whose users get temporary credentials",
	}
	add := &cobra.Command{
		Use:   "add KIND NAME [flags]",
		Short: "Add an identity provider; one subcommand per kind",
	}
	add.AddCommand(adminIDPAddOpenID(f), adminIDPAddLDAP(f))
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
		if o.RedirectURI != "" {
			mapping += ", redirect " + o.RedirectURI
		}
		return o.ConfigURL + " client " + o.ClientID + ", " + mapping
	}
	if l := p.LDAP; l != nil {
		security := "plain"
		switch {
		case l.TLS:
			security = "tls"
		case l.StartTLS:
			security = "starttls"
		}
		return l.ServerAddr + " " + security + ", users " + l.UserDNSearchFilter + " in " + l.UserDNSearchBase
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
	fl.StringVar(&p.RedirectURI, "redirect-uri", "", "where the provider sends the browser back after a console login "+
		"(default: http(s)://CONSOLE-ADDRESS/oauth/callback)")
	_ = cmd.MarkFlagRequired("config-url")
	_ = cmd.MarkFlagRequired("client-id")
	return cmd
}

func adminIDPAddLDAP(f *adminFlags) *cobra.Command {
	var p admin.LDAPProvider
	var rootCAs string
	cmd := run(f, "ldap NAME", "Add an LDAP directory or Active Directory", cobra.ExactArgs(1), func(cmd *cobra.Command, c *admin.Client, a []string) error {
		if rootCAs != "" {
			pem, err := os.ReadFile(rootCAs)
			if err != nil {
				return err
			}
			p.RootCAs = string(pem)
		}
		if _, err := c.AddLDAPProvider(cmd.Context(), a[0], p); err != nil {
			return err
		}
		return done(cmd, "Added LDAP provider %s.", a[0])
	})
	cmd.Long = "Add an LDAP directory. AssumeRoleWithLDAPIdentity then binds as the user and gives\n" +
		"temporary credentials with the policies attached to the user's DN and its groups' DNs\n" +
		"(kura admin policy attach NAME --ldap-user DN / --ldap-group DN). The server binds with\n" +
		"the lookup account before adding the provider."
	fl := cmd.Flags()
	fl.StringVar(&p.ServerAddr, "server-addr", "", "the directory's HOST:PORT (required)")
	fl.BoolVar(&p.TLS, "tls", false, "connect with TLS from the start (ldaps, usually port 636)")
	fl.BoolVar(&p.StartTLS, "starttls", false, "upgrade a plain connection with StartTLS before any bind")
	fl.BoolVar(&p.TLSSkipVerify, "tls-skip-verify", false, "accept any server certificate (tests only)")
	fl.StringVar(&rootCAs, "root-cas", "", "a PEM file of CA certificates that verify the directory, in place of the system's")
	fl.StringVar(&p.LookupBindDN, "lookup-bind-dn", "", "the DN of the read-only account that searches users and groups (required)")
	fl.StringVar(&p.LookupBindPassword, "lookup-bind-password", "", "its password (sealed at rest, never shown; required)")
	fl.StringVar(&p.UserDNSearchBase, "user-dn-search-base", "", "where users are searched (required)")
	fl.StringVar(&p.UserDNSearchFilter, "user-dn-search-filter", "", "finds a user, %s the login name: (uid=%s) or (sAMAccountName=%s) (required)")
	fl.StringVar(&p.GroupSearchBase, "group-search-base", "", "where groups are searched")
	fl.StringVar(&p.GroupSearchFilter, "group-search-filter", "", "finds the user's groups, %d its DN, %s the login name: (&(objectClass=groupOfNames)(member=%d))")
	cmd.MarkFlagsMutuallyExclusive("tls", "starttls")
	cmd.MarkFlagsRequiredTogether("group-search-base", "group-search-filter")
	for _, name := range []string{"server-addr", "lookup-bind-dn", "lookup-bind-password", "user-dn-search-base", "user-dn-search-filter"} {
		_ = cmd.MarkFlagRequired(name)
	}
	return cmd
}
