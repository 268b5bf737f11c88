package client

import "time"

// SetAssumeRoleClock replaces a's clock, so that tests can move past an
// expiration without waiting for it.
func SetAssumeRoleClock(a *AssumeRole, now func() time.Time) { a.now = now }
