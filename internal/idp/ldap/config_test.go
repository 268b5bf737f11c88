package ldap

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"
)

func validConfig() Config {
	return Config{
		ServerAddr:         "ldap.example.com:389",
		LookupBindDN:       "cn=lookup,dc=example,dc=com",
		LookupBindPassword: "secret",
		UserDNSearchBase:   "ou=users,dc=example,dc=com",
		UserDNSearchFilter: "(uid=%s)",
		GroupSearchBase:    "ou=groups,dc=example,dc=com",
		GroupSearchFilter:  "(member=%d)",
	}
}

// testCA is a self-signed certificate in PEM, made once per test binary.
var testCA = func() string {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}()

func TestValidate(t *testing.T) {
	cases := []struct {
		name   string
		change func(*Config)
		ok     bool
	}{
		{"valid", func(*Config) {}, true},
		{"port 1", func(c *Config) { c.ServerAddr = "127.0.0.1:1" }, true},
		{"port 0", func(c *Config) { c.ServerAddr = "127.0.0.1:0" }, false},
		{"port 65535", func(c *Config) { c.ServerAddr = "[::1]:65535" }, true},
		{"port 65536", func(c *Config) { c.ServerAddr = "[::1]:65536" }, false},
		{"no port", func(c *Config) { c.ServerAddr = "ldap.example.com" }, false},
		{"no host", func(c *Config) { c.ServerAddr = ":389" }, false},
		{"tls", func(c *Config) { c.TLS = true }, true},
		{"starttls", func(c *Config) { c.StartTLS = true }, true},
		{"tls and starttls", func(c *Config) { c.TLS, c.StartTLS = true, true }, false},
		{"skip verify without tls", func(c *Config) { c.TLSSkipVerify = true }, false},
		{"skip verify with tls", func(c *Config) { c.TLS, c.TLSSkipVerify = true, true }, true},
		{"root CAs without tls", func(c *Config) { c.RootCAs = testCA }, false},
		{"root CAs with starttls", func(c *Config) { c.StartTLS, c.RootCAs = true, testCA }, true},
		{"root CAs not PEM", func(c *Config) { c.StartTLS, c.RootCAs = true, "not a certificate" }, false},
		{"no lookup DN", func(c *Config) { c.LookupBindDN = "" }, false},
		{"lookup DN not a DN", func(c *Config) { c.LookupBindDN = "lookup" }, false},
		{"no lookup password", func(c *Config) { c.LookupBindPassword = "" }, false},
		{"no user base", func(c *Config) { c.UserDNSearchBase = "" }, false},
		{"no user filter", func(c *Config) { c.UserDNSearchFilter = "" }, false},
		{"user filter without %s", func(c *Config) { c.UserDNSearchFilter = "(uid=alice)" }, false},
		{"user filter with %d", func(c *Config) { c.UserDNSearchFilter = "(|(uid=%s)(member=%d))" }, false},
		{"user filter twice %s", func(c *Config) { c.UserDNSearchFilter = "(|(uid=%s)(mail=%s))" }, true},
		{"user filter unbalanced", func(c *Config) { c.UserDNSearchFilter = "(uid=%s" }, false},
		{"AD user filter", func(c *Config) {
			c.UserDNSearchFilter = "(&(objectCategory=person)(objectClass=user)(sAMAccountName=%s))"
		}, true},
		{"no group search", func(c *Config) { c.GroupSearchBase, c.GroupSearchFilter = "", "" }, true},
		{"group base only", func(c *Config) { c.GroupSearchFilter = "" }, false},
		{"group filter only", func(c *Config) { c.GroupSearchBase = "" }, false},
		{"group filter by name", func(c *Config) { c.GroupSearchFilter = "(memberUid=%s)" }, true},
		{"group filter without placeholder", func(c *Config) { c.GroupSearchFilter = "(cn=x)" }, false},
		{"group filter unbalanced", func(c *Config) { c.GroupSearchFilter = "(member=%d))" }, false},
		{"AD nested groups", func(c *Config) {
			c.GroupSearchFilter = "(&(objectClass=group)(member:1.2.840.113556.1.4.1941:=%d))"
		}, true},
		{"zero timeouts", func(c *Config) { c.DialTimeout, c.OperationTimeout = 0, 0 }, true},
		{"negative dial timeout", func(c *Config) { c.DialTimeout = -time.Nanosecond }, false},
		{"negative operation timeout", func(c *Config) { c.OperationTimeout = -time.Nanosecond }, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := validConfig()
			c.change(&cfg)
			err := cfg.Validate()
			if c.ok && err != nil {
				t.Fatalf("Validate = %v, want nil", err)
			}
			if !c.ok && !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("Validate = %v, want ErrInvalidConfig", err)
			}
		})
	}
}

func TestFillFilterEscapes(t *testing.T) {
	got := fillFilter("(&(uid=%s)(member=%d))", `*)(uid=*`, `cn=a\,b (x),dc=e`)
	want := `(&(uid=\2a\29\28uid=\2a)(member=cn=a\5c,b \28x\29,dc=e))`
	if got != want {
		t.Fatalf("fillFilter = %q, want %q", got, want)
	}
}

func TestConfigStringHidesPassword(t *testing.T) {
	cfg := validConfig()
	cfg.LookupBindPassword = "hunter2-lookup"
	if s := cfg.String(); strings.Contains(s, "hunter2") {
		t.Fatalf("String() = %q shows the lookup password", s)
	}
}
