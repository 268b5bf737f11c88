package ldap

import (
	"fmt"
	"strings"

	goldap "github.com/go-ldap/ldap/v3"
)

// NormalizeDN returns the form of a DN that kura compares: attribute
// types and values lower-cased, spaces around separators dropped,
// multi-valued RDNs sorted and special characters escaped one way. Two
// spellings of one entry (CN=Alice, OU=Users vs cn=alice,ou=users) give
// the same string. Directories match the usual naming attributes (cn,
// uid, ou, dc) without regard to case, which is why values are folded
// too.
func NormalizeDN(dn string) (string, error) {
	if strings.TrimSpace(dn) == "" {
		return "", fmt.Errorf("%w: empty DN", ErrInvalidDN)
	}
	parsed, err := goldap.ParseDN(dn)
	if err != nil {
		return "", fmt.Errorf("%w: %q: %v", ErrInvalidDN, dn, err)
	}
	return strings.ToLower(parsed.String()), nil
}

// SameDN reports whether a and b name one entry: their normalized forms
// are equal. A DN that does not parse names nothing.
func SameDN(a, b string) bool {
	na, errA := NormalizeDN(a)
	nb, errB := NormalizeDN(b)
	return errA == nil && errB == nil && na == nb
}
