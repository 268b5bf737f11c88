package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/kurastore/kura/internal/httpapi"
)

// federationFlags bound the unsigned STS logins (httpapi.FederationLimits).
// Each flag left unset takes its environment variable, if set.
type federationFlags struct {
	loginRate  float64
	loginBurst int
	// ldapFailureRate is a minute's, as people think of password tries.
	ldapFailureRate    float64
	ldapFailureBurst   int
	keyRefreshInterval time.Duration
	clockSkew          time.Duration
}

// federationEnv names the variable of each flag.
var federationEnv = []struct{ flag, env string }{
	{"sts-login-rate", "KURA_STS_LOGIN_RATE"},
	{"sts-login-burst", "KURA_STS_LOGIN_BURST"},
	{"ldap-failure-rate", "KURA_LDAP_FAILURE_RATE"},
	{"ldap-failure-burst", "KURA_LDAP_FAILURE_BURST"},
	{"openid-key-refresh", "KURA_OPENID_KEY_REFRESH"},
	{"idp-clock-skew", "KURA_IDP_CLOCK_SKEW"},
}

func addFederationFlags(fl *pflag.FlagSet, f *federationFlags) {
	d := httpapi.DefaultFederationLimits
	fl.Float64Var(&f.loginRate, "sts-login-rate", d.LoginRate, "unsigned STS logins (web identity, client grants, LDAP) a second per client address (IPv6: per /64), past the burst; over it, Throttling; 0: no bound (KURA_STS_LOGIN_RATE)")
	fl.IntVar(&f.loginBurst, "sts-login-burst", d.LoginBurst, "unsigned STS logins a client address may make at once (KURA_STS_LOGIN_BURST)")
	fl.Float64Var(&f.ldapFailureRate, "ldap-failure-rate", d.LDAPFailureRate*60, "failed LDAP logins a minute per login name, past the burst; over it, logins of the name get Throttling without the directory being asked; 0: no bound (KURA_LDAP_FAILURE_RATE)")
	fl.IntVar(&f.ldapFailureBurst, "ldap-failure-burst", d.LDAPFailureBurst, "failed LDAP logins in a row a login name may have (KURA_LDAP_FAILURE_BURST)")
	fl.DurationVar(&f.keyRefreshInterval, "openid-key-refresh", d.KeyRefreshInterval, "least time between two fetches of an OpenID provider's keys that tokens with unknown keys cause, and between two discoveries of a failing provider (KURA_OPENID_KEY_REFRESH)")
	fl.DurationVar(&f.clockSkew, "idp-clock-skew", d.ClockSkew, "how far past its exp, and before its nbf, an OpenID token is still taken, for the clocks of kura and the provider that differ (KURA_IDP_CLOCK_SKEW)")
}

// fromEnv sets each flag not given on the command line from its
// environment variable, then checks the values.
func (f *federationFlags) fromEnv(fl *pflag.FlagSet, getenv func(string) string) error {
	for _, e := range federationEnv {
		v := getenv(e.env)
		if v == "" || fl.Changed(e.flag) {
			continue
		}
		if err := fl.Set(e.flag, v); err != nil {
			return fmt.Errorf("%s: %w", e.env, err)
		}
	}
	return f.check()
}

func (f *federationFlags) check() error {
	for _, c := range []struct {
		name string
		bad  bool
	}{
		{"sts-login-rate", f.loginRate < 0},
		{"sts-login-burst", f.loginBurst < 1},
		{"ldap-failure-rate", f.ldapFailureRate < 0},
		{"ldap-failure-burst", f.ldapFailureBurst < 1},
		{"openid-key-refresh", f.keyRefreshInterval < 0},
		{"idp-clock-skew", f.clockSkew < 0},
	} {
		if c.bad {
			return fmt.Errorf("--%s must not be negative (bursts: at least 1)", c.name)
		}
	}
	return nil
}

// limits are the flags as the server takes them.
func (f *federationFlags) limits() httpapi.FederationLimits {
	return httpapi.FederationLimits{
		LoginRate: f.loginRate, LoginBurst: f.loginBurst,
		LDAPFailureRate: f.ldapFailureRate / 60, LDAPFailureBurst: f.ldapFailureBurst,
		KeyRefreshInterval: f.keyRefreshInterval, ClockSkew: f.clockSkew,
	}
}

// federationHelp describes the bounds for the server's help.
func federationHelp() string {
	envs := make([]string, len(federationEnv))
	for i, e := range federationEnv {
		envs[i] = e.env
	}
	return `Unsigned STS logins are bounded per client address (--sts-login-rate,
--sts-login-burst) and failed LDAP logins per login name (--ldap-failure-rate, a
minute's, --ldap-failure-burst); OpenID tokens are taken up to --idp-clock-skew
past their exp, and an OpenID provider's keys are fetched again at most every
--openid-key-refresh. Each of these flags left unset takes its variable:
` + strings.Join(envs, ", ") + "."
}
