package ldap

import "errors"

// The sentinel errors callers branch on; the returned errors wrap them with
// detail (never a password) and can be tested with errors.Is.
var (
	// ErrInvalidConfig: the Config fails Validate.
	ErrInvalidConfig = errors.New("ldap: invalid configuration")
	// ErrInvalidDN: a string given as a DN does not parse as one.
	ErrInvalidDN = errors.New("ldap: invalid DN")
	// ErrInvalidCredentials: the directory refused the user's password, or
	// the password was empty (an empty simple bind is an anonymous bind in
	// LDAP and would succeed without proving anything).
	ErrInvalidCredentials = errors.New("ldap: invalid credentials")
	// ErrNoSuchUser: the user search found no entry, or the DN given to
	// LookupUser no longer exists.
	ErrNoSuchUser = errors.New("ldap: no such user")
	// ErrAmbiguousUser: the user search found more than one entry, so the
	// login name does not name one user and the filter needs fixing.
	ErrAmbiguousUser = errors.New("ldap: user search matched more than one entry")
	// ErrUserDisabled: the entry is marked disabled or locked.
	ErrUserDisabled = errors.New("ldap: user is disabled")
	// ErrLookupBind: the lookup account could not bind; a configuration
	// or directory problem, not the user's fault.
	ErrLookupBind = errors.New("ldap: lookup bind failed")
	// ErrUnavailable: the directory could not be reached or did not answer
	// in time. A periodic check must not end sessions on this error alone.
	ErrUnavailable = errors.New("ldap: directory unavailable")
	// ErrDirectory: the directory answered a search with an error.
	ErrDirectory = errors.New("ldap: directory error")
)
