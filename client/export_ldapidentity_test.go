package client

import "time"

// SetLDAPIdentityClock replaces l's clock, so that tests can move past an
// expiration without waiting for it.
func SetLDAPIdentityClock(l *LDAPIdentity, now func() time.Time) { l.now = now }
