package ldap

import (
	"crypto/x509"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	goldap "github.com/go-ldap/ldap/v3"
)

// Placeholders in the search filters. The values put in their place are
// escaped with EscapeFilter, so a login name cannot change the filter.
const (
	usernamePlaceholder = "%s"
	userDNPlaceholder   = "%d"
)

// Default timeouts, used when the Config leaves them zero.
const (
	DefaultDialTimeout      = 5 * time.Second
	DefaultOperationTimeout = 10 * time.Second
)

// Config describes one LDAP identity provider, field by field as
// `kura admin idp add ldap` takes it.
type Config struct {
	// ServerAddr is HOST:PORT of the directory.
	ServerAddr string `json:"serverAddr"`
	// TLS connects with TLS from the start (ldaps, usually port 636).
	TLS bool `json:"tls,omitempty"`
	// StartTLS connects in clear and upgrades with the StartTLS operation
	// before any bind (usually port 389).
	StartTLS bool `json:"startTLS,omitempty"`
	// TLSSkipVerify accepts any server certificate; for tests only.
	TLSSkipVerify bool `json:"tlsSkipVerify,omitempty"`
	// RootCAs holds PEM certificates that verify the server in place of
	// the system roots. The CLI reads --root-cas FILE into it, so the
	// stored configuration does not depend on a file on the server.
	RootCAs string `json:"rootCAs,omitempty"`

	LookupBindDN       string `json:"lookupBindDN"`
	LookupBindPassword string `json:"lookupBindPassword"`

	// UserDNSearchFilter finds the user's entry below UserDNSearchBase;
	// %s stands for the login name, e.g. (uid=%s) or
	// (sAMAccountName=%s).
	UserDNSearchBase   string `json:"userDNSearchBase"`
	UserDNSearchFilter string `json:"userDNSearchFilter"`

	// GroupSearchFilter finds the user's groups below GroupSearchBase;
	// %d stands for the user's DN and %s for the login name, e.g.
	// (&(objectClass=groupOfNames)(member=%d)). Both empty: no groups.
	GroupSearchBase   string `json:"groupSearchBase,omitempty"`
	GroupSearchFilter string `json:"groupSearchFilter,omitempty"`

	// DialTimeout bounds connecting (and the TLS handshake);
	// OperationTimeout bounds each bind or search. Zero means the
	// defaults above.
	DialTimeout      time.Duration `json:"dialTimeout,omitempty"`
	OperationTimeout time.Duration `json:"operationTimeout,omitempty"`
}

// String describes the configuration without the lookup password, so a
// Config that ends up in a log line does not leak it.
func (c Config) String() string {
	return fmt.Sprintf("ldap{server=%s tls=%t starttls=%t lookup=%q users=%q %q groups=%q %q}",
		c.ServerAddr, c.TLS, c.StartTLS, c.LookupBindDN,
		c.UserDNSearchBase, c.UserDNSearchFilter, c.GroupSearchBase, c.GroupSearchFilter)
}

// Validate reports the first problem with the configuration, wrapping
// ErrInvalidConfig.
func (c Config) Validate() error {
	for _, check := range []func() error{
		c.validateServer, c.validateTLS, c.validateLookup,
		c.validateUserSearch, c.validateGroupSearch, c.validateTimeouts,
	} {
		if err := check(); err != nil {
			return fmt.Errorf("%w: %v", ErrInvalidConfig, err)
		}
	}
	return nil
}

func (c Config) validateServer() error {
	host, port, err := net.SplitHostPort(c.ServerAddr)
	if err != nil {
		return fmt.Errorf("server address %q is not HOST:PORT", c.ServerAddr)
	}
	if host == "" {
		return fmt.Errorf("server address %q has no host", c.ServerAddr)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("server port %q is not within 1-65535", port)
	}
	return nil
}

func (c Config) validateTLS() error {
	if c.TLS && c.StartTLS {
		return fmt.Errorf("tls and starttls exclude each other")
	}
	secured := c.TLS || c.StartTLS
	if (c.TLSSkipVerify || c.RootCAs != "") && !secured {
		return fmt.Errorf("tls-skip-verify and root-cas need tls or starttls")
	}
	if c.RootCAs != "" && !x509.NewCertPool().AppendCertsFromPEM([]byte(c.RootCAs)) {
		return fmt.Errorf("root-cas holds no PEM certificate")
	}
	return nil
}

func (c Config) validateLookup() error {
	if err := validateDN("lookup bind DN", c.LookupBindDN); err != nil {
		return err
	}
	// An empty password would make the lookup bind anonymous.
	if c.LookupBindPassword == "" {
		return fmt.Errorf("lookup bind password is required")
	}
	return nil
}

func (c Config) validateUserSearch() error {
	if err := validateDN("user DN search base", c.UserDNSearchBase); err != nil {
		return err
	}
	f := c.UserDNSearchFilter
	if !strings.Contains(f, usernamePlaceholder) {
		return fmt.Errorf("user DN search filter %q lacks %s for the login name", f, usernamePlaceholder)
	}
	if strings.Contains(f, userDNPlaceholder) {
		return fmt.Errorf("user DN search filter %q uses %s, which only the group filter knows", f, userDNPlaceholder)
	}
	return validateFilter("user DN search filter", f)
}

func (c Config) validateGroupSearch() error {
	if c.GroupSearchBase == "" && c.GroupSearchFilter == "" {
		return nil
	}
	if err := validateDN("group search base", c.GroupSearchBase); err != nil {
		return err
	}
	f := c.GroupSearchFilter
	if !strings.Contains(f, userDNPlaceholder) && !strings.Contains(f, usernamePlaceholder) {
		return fmt.Errorf("group search filter %q names neither %s (user DN) nor %s (login name)",
			f, userDNPlaceholder, usernamePlaceholder)
	}
	return validateFilter("group search filter", f)
}

func (c Config) validateTimeouts() error {
	if c.DialTimeout < 0 || c.OperationTimeout < 0 {
		return fmt.Errorf("timeouts must not be negative")
	}
	return nil
}

func validateDN(what, dn string) error {
	if dn == "" {
		return fmt.Errorf("%s is required", what)
	}
	if _, err := goldap.ParseDN(dn); err != nil {
		return fmt.Errorf("%s %q is not a DN: %v", what, dn, err)
	}
	return nil
}

// validateFilter compiles the filter with sample values in the
// placeholders, so a typo fails at configuration time and not at the first
// login.
func validateFilter(what, f string) error {
	if _, err := goldap.CompileFilter(fillFilter(f, "user", "cn=user,dc=example")); err != nil {
		return fmt.Errorf("%s %q does not parse: %v", what, f, err)
	}
	return nil
}

// fillFilter puts the escaped login name and user DN into a filter.
func fillFilter(filter, username, userDN string) string {
	return strings.NewReplacer(
		usernamePlaceholder, goldap.EscapeFilter(username),
		userDNPlaceholder, goldap.EscapeFilter(userDN),
	).Replace(filter)
}

func (c Config) dialTimeout() time.Duration {
	if c.DialTimeout > 0 {
		return c.DialTimeout
	}
	return DefaultDialTimeout
}

func (c Config) operationTimeout() time.Duration {
	if c.OperationTimeout > 0 {
		return c.OperationTimeout
	}
	return DefaultOperationTimeout
}
