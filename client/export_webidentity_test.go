package client

import "time"

// SetWebIdentityClock replaces w's clock, so that tests can move past an
// expiration without waiting for it.
func SetWebIdentityClock(w *WebIdentity, now func() time.Time) { w.now = now }
