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
	"github.com/kurastore/kura/internal/idp/ldap"
)

// The environment variables that configure an LDAP provider at start,
// as "kura admin idp add ldap" would.
const envLDAPPrefix = "KURA_IDENTITY_LDAP_"

// ldapEnvHelp describes the variables for the server's help.
const ldapEnvHelp = `An LDAP directory can be configured at start the same way (it is not contacted
then): KURA_IDENTITY_LDAP_SERVER_ADDR (HOST:PORT), _TLS or _STARTTLS (true or false),
_TLS_SKIP_VERIFY, _ROOT_CAS (a PEM file), _LOOKUP_BIND_DN, _LOOKUP_BIND_PASSWORD,
_USER_DN_SEARCH_BASE, _USER_DN_SEARCH_FILTER, _GROUP_SEARCH_BASE, _GROUP_SEARCH_FILTER
and _NAME (default "ldap").`

// ldapFromEnv reads the LDAP provider the environment configures; ok is
// false when KURA_IDENTITY_LDAP_SERVER_ADDR is unset. The lookup
// password comes back in cfg.
func ldapFromEnv(getenv func(string) string, readFile func(string) ([]byte, error)) (name string, cfg ldap.Config, ok bool, err error) {
	get := func(k string) string { return strings.TrimSpace(getenv(envLDAPPrefix + k)) }
	cfg.ServerAddr = get("SERVER_ADDR")
	if cfg.ServerAddr == "" {
		return "", cfg, false, nil
	}
	name = get("NAME")
	if name == "" {
		name = string(idp.KindLDAP)
	}
	for k, dst := range map[string]*bool{"TLS": &cfg.TLS, "STARTTLS": &cfg.StartTLS, "TLS_SKIP_VERIFY": &cfg.TLSSkipVerify} {
		if v := get(k); v != "" {
			if *dst, err = strconv.ParseBool(v); err != nil {
				return "", cfg, false, fmt.Errorf("%s%s: %q is not true or false", envLDAPPrefix, k, v)
			}
		}
	}
	if file := get("ROOT_CAS"); file != "" {
		pem, err := readFile(file)
		if err != nil {
			return "", cfg, false, fmt.Errorf("%sROOT_CAS: %w", envLDAPPrefix, err)
		}
		cfg.RootCAs = string(pem)
	}
	cfg.LookupBindDN, cfg.LookupBindPassword = get("LOOKUP_BIND_DN"), getenv(envLDAPPrefix+"LOOKUP_BIND_PASSWORD")
	cfg.UserDNSearchBase, cfg.UserDNSearchFilter = get("USER_DN_SEARCH_BASE"), get("USER_DN_SEARCH_FILTER")
	cfg.GroupSearchBase, cfg.GroupSearchFilter = get("GROUP_SEARCH_BASE"), get("GROUP_SEARCH_FILTER")
	if err := cfg.Validate(); err != nil {
		return "", cfg, false, fmt.Errorf("%s*: %w", envLDAPPrefix, err)
	}
	return name, cfg, true, nil
}

// configureLDAPFromEnv stores the LDAP provider the environment
// configures, if any, replacing the one of the same name (whose sessions
// go on).
func configureLDAPFromEnv(ctx context.Context, identities *iam.Store, log *slog.Logger) error {
	name, cfg, ok, err := ldapFromEnv(os.Getenv, os.ReadFile)
	if err != nil || !ok {
		return err
	}
	secret := cfg.LookupBindPassword
	cfg.LookupBindPassword = ""
	raw, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	p := iam.IdentityProvider{Name: name, Kind: idp.KindLDAP, Settings: raw}
	if err := identities.PutIdentityProvider(ctx, p, secret, true); err != nil {
		return fmt.Errorf("%s*: %w", envLDAPPrefix, err)
	}
	log.Info("LDAP provider configured from the environment", "name", name, "server", cfg.ServerAddr)
	return nil
}
