package ldap_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/kurastore/kura/internal/idp/ldap"
	"github.com/kurastore/kura/internal/idp/ldap/ldaptest"
)

func TestTLSAndStartTLS(t *testing.T) {
	opts := testDirectory
	opts.TLS = true
	srv := ldaptest.Start(t, opts)
	cases := []struct {
		name string
		cfg  func() ldap.Config
		want error
	}{
		{"ldaps with root CA", func() ldap.Config {
			c := configFor(srv.TLSAddr)
			c.TLS, c.RootCAs = true, srv.CACertPEM
			return c
		}, nil},
		{"starttls with root CA", func() ldap.Config {
			c := configFor(srv.Addr)
			c.StartTLS, c.RootCAs = true, srv.CACertPEM
			return c
		}, nil},
		{"ldaps skipping verification", func() ldap.Config {
			c := configFor(srv.TLSAddr)
			c.TLS, c.TLSSkipVerify = true, true
			return c
		}, nil},
		{"ldaps with an unknown CA", func() ldap.Config {
			c := configFor(srv.TLSAddr)
			c.TLS = true
			return c
		}, ldap.ErrUnavailable},
		{"starttls with an unknown CA", func() ldap.Config {
			c := configFor(srv.Addr)
			c.StartTLS = true
			return c
		}, ldap.ErrUnavailable},
		{"ldaps port spoken in clear", func() ldap.Config {
			c := configFor(srv.Addr)
			c.TLS, c.RootCAs = true, srv.CACertPEM
			return c
		}, ldap.ErrUnavailable},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := newDirectory(t, c.cfg()).Authenticate(t.Context(), "alice", "alice-pw")
			if !errors.Is(err, c.want) {
				t.Fatalf("Authenticate = %v, want %v\n%s", err, c.want, srv.Log())
			}
			if c.want == nil && !slices.Contains(got.Groups, ldaptest.GroupDN("writers")) {
				t.Errorf("groups = %q, want writers among them", got.Groups)
			}
		})
	}
}
