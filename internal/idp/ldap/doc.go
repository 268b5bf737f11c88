// Package ldap authenticates users against an LDAP directory or Active
// Directory and resolves their groups, for the LDAP identity login of
// kura's STS.
//
// A login follows the usual search-then-bind pattern: kura binds with a
// lookup account, searches the user's entry by login name, binds as that
// entry with the password the user gave, then binds as the lookup account
// again and searches the groups that name the user. The lookup account only
// needs read access to users and groups; kura never writes to the
// directory.
//
// Sessions born from a login outlive it, so LookupUser lets a periodic check
// ask whether the user still exists and is enabled, and what its groups are
// now. A user counts as disabled when its entry carries either
//
//   - Active Directory's userAccountControl with the ACCOUNTDISABLE bit
//     (0x2) set, or
//   - OpenLDAP's password-policy pwdAccountLockedTime (any value: the
//     account is locked, by an administrator or after failed binds).
//
// Every call opens its own connection and closes it before returning: a
// login is rare next to S3 requests, and a fresh connection cannot carry a
// previous user's bind into the next call. Passwords are never logged or
// put into errors.
package ldap
