package main

import (
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/kurastore/kura/internal/httpapi"
)

// TestFederationFlags: the defaults are httpapi's; a variable sets a flag
// left unset, never one given; bad and negative values are refused.
func TestFederationFlags(t *testing.T) {
	parse := func(args []string, env map[string]string) (httpapi.FederationLimits, error) {
		var f federationFlags
		fl := pflag.NewFlagSet("server", pflag.ContinueOnError)
		addFederationFlags(fl, &f)
		if err := fl.Parse(args); err != nil {
			return httpapi.FederationLimits{}, err
		}
		err := f.fromEnv(fl, func(k string) string { return env[k] })
		return f.limits(), err
	}
	got, err := parse(nil, nil)
	if err != nil || got != httpapi.DefaultFederationLimits {
		t.Errorf("defaults: %+v %v, want %+v", got, err, httpapi.DefaultFederationLimits)
	}
	got, err = parse([]string{"--sts-login-rate=2"}, map[string]string{
		"KURA_STS_LOGIN_RATE": "9", "KURA_LDAP_FAILURE_RATE": "3", "KURA_IDP_CLOCK_SKEW": "30s", "KURA_OPENID_KEY_REFRESH": "0",
	})
	want := httpapi.DefaultFederationLimits
	want.LoginRate, want.LDAPFailureRate, want.ClockSkew, want.KeyRefreshInterval = 2, 3.0/60, 30*time.Second, 0
	if err != nil || got != want {
		t.Errorf("flags and variables: %+v %v, want %+v", got, err, want)
	}
	for _, bad := range []struct {
		args []string
		env  map[string]string
	}{
		{nil, map[string]string{"KURA_IDP_CLOCK_SKEW": "a minute"}},
		{nil, map[string]string{"KURA_STS_LOGIN_BURST": "0"}},
		{[]string{"--idp-clock-skew=-1s"}, nil},
		{[]string{"--ldap-failure-rate=-1"}, nil},
	} {
		if _, err := parse(bad.args, bad.env); err == nil {
			t.Errorf("%v %v accepted", bad.args, bad.env)
		}
	}
}
