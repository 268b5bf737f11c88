package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"

	"github.com/kurastore/kura/internal/iam"
	"github.com/kurastore/kura/internal/idp"
	"github.com/kurastore/kura/internal/idp/openid"
)

// The environment variables that configure an OpenID Connect provider
// at start, as "kura admin idp add openid" would.
const envOpenIDPrefix = "KURA_IDENTITY_OPENID_"

// openIDEnvHelp describes the variables for the server's help.
const openIDEnvHelp = `An OpenID Connect provider can be configured at start (and is then kept in
the metadata store, replacing the provider of the same name, whose sessions go on):
KURA_IDENTITY_OPENID_CONFIG_URL (the discovery document's URL), _CLIENT_ID,
_CLIENT_SECRET, _CLAIM_NAME (default "policy"), _ROLE_POLICY, _SCOPES (comma-separated),
_CLAIM_USERINFO (true or false), _REDIRECT_URI (the console's login callback) and
_NAME (default "openid").`

// openIDFromEnv reads the provider the environment configures; ok is
// false when KURA_IDENTITY_OPENID_CONFIG_URL is unset.
func openIDFromEnv(getenv func(string) string) (name string, st openid.Settings, secret string, ok bool, err error) {
	get := func(k string) string { return strings.TrimSpace(getenv(envOpenIDPrefix + k)) }
	st.ConfigURL = get("CONFIG_URL")
	if st.ConfigURL == "" {
		return "", st, "", false, nil
	}
	name = get("NAME")
	if name == "" {
		name = string(idp.KindOpenID)
	}
	st.ClientID, st.ClaimName, st.RolePolicy = get("CLIENT_ID"), get("CLAIM_NAME"), get("ROLE_POLICY")
	st.RedirectURI = get("REDIRECT_URI")
	if s := get("SCOPES"); s != "" {
		st.Scopes = strings.Split(s, ",")
	}
	if v := get("CLAIM_USERINFO"); v != "" {
		if st.ClaimUserinfo, err = strconv.ParseBool(v); err != nil {
			return "", st, "", false, fmt.Errorf("%sCLAIM_USERINFO: %q is not true or false", envOpenIDPrefix, v)
		}
	}
	if err := st.Check(); err != nil {
		return "", st, "", false, fmt.Errorf("%s*: %w", envOpenIDPrefix, err)
	}
	return name, st, get("CLIENT_SECRET"), true, nil
}

// configureOpenIDFromEnv stores the provider the environment
// configures, if any.
func configureOpenIDFromEnv(ctx context.Context, identities *iam.Store, log *slog.Logger) error {
	name, st, secret, ok, err := openIDFromEnv(os.Getenv)
	if err != nil || !ok {
		return err
	}
	raw, err := json.Marshal(st)
	if err != nil {
		return err
	}
	p := iam.IdentityProvider{Name: name, Kind: idp.KindOpenID, Settings: raw}
	if err := identities.PutIdentityProvider(ctx, p, secret, true); err != nil {
		return fmt.Errorf("%s*: %w", envOpenIDPrefix, err)
	}
	log.Info("OpenID provider configured from the environment", "name", name, "config_url", st.ConfigURL, "role_arn", idp.RoleARN(name))
	return nil
}
