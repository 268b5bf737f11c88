package iam

import (
	"context"
	"errors"

	"github.com/kurastore/kura/internal/auth"
	"github.com/kurastore/kura/internal/idp"
	"github.com/kurastore/kura/internal/idp/ldap"
	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/s3err"
)

// ErrNotServiceAccount refuses to remove a user as a service account.
var ErrNotServiceAccount = errors.New("iam: not a service account")

// Owner is whom a service account acts for: a user (or root) by access
// key, or an LDAP user. It is also whom an identity acts for, when it
// comes to managing service accounts.
type Owner struct {
	// User is the access key of a user, or root's.
	User string
	// LDAP is set instead of User for an LDAP user.
	LDAP *LDAPOwner
}

// LDAPOwner is an LDAP user as its service accounts and its sessions name
// it.
type LDAPOwner struct {
	// Provider and ProviderID name the LDAP provider that vouches for the
	// user. Its service accounts stop when the provider is disabled, and
	// for good when it is removed (a provider added again under the name
	// has another ID).
	Provider   string `json:"provider"`
	ProviderID string `json:"providerId"`
	// DN is the user's entry as the directory spells it.
	DN string `json:"dn"`
	// Username is the name the user logs in with, for group filters that
	// use it; empty when an administrator named the user by DN alone.
	Username string `json:"username,omitempty"`
}

// Matches reports whether o is the owner filter names: the same access
// key, or the same DN (spelled either way) of the same provider, where
// filter's empty provider stands for any.
func (o Owner) Matches(filter Owner) bool {
	if (o.LDAP == nil) != (filter.LDAP == nil) {
		return false
	}
	if o.LDAP == nil {
		return o.User == filter.User
	}
	f := filter.LDAP
	return (f.Provider == "" || f.Provider == o.LDAP.Provider) && ldap.SameDN(o.LDAP.DN, f.DN)
}

// IsServiceAccount reports whether u is a service account rather than a
// user.
func (u User) IsServiceAccount() bool { return u.Parent != "" || u.LDAP != nil }

// Owner is whom the service account u acts for; false for a user.
func (u User) Owner() (Owner, bool) {
	switch {
	case u.LDAP != nil:
		o := *u.LDAP
		return Owner{LDAP: &o}, true
	case u.Parent != "":
		return Owner{User: u.Parent}, true
	}
	return Owner{}, false
}

// Owner is whom id acts for: its user (a user's, a service account's or
// a session's), root, or the LDAP user of an LDAP login or service
// account; false for the sessions of other identity providers, which
// cannot own service accounts.
func (id *Identity) Owner() (Owner, bool) {
	if id.owner == nil {
		return Owner{}, false
	}
	return *id.owner, true
}

// ActsFor reports whether id may manage the service accounts of o (in
// which an empty LDAP provider stands for id's) as its own. Root may for
// anyone. Another identity may only for whom it acts for, and never for
// root: an identity acting for root but narrowed by a policy would make
// service accounts that escape the narrowing.
func (s *Store) ActsFor(id *Identity, o Owner) bool {
	if id.Root {
		return true
	}
	if id.owner == nil || id.owner.LDAP == nil && id.owner.User == s.root.AccessKey {
		return false
	}
	return id.owner.Matches(o)
}

// MayCreateServiceAccountFor reports whether id may create a service
// account of o: it must act for o (ActsFor) and, unless it is root, not
// be narrowed by a policy (a session policy, a service account's inline
// policy), which the new keys would escape.
func (s *Store) MayCreateServiceAccountFor(id *Identity, o Owner) bool {
	return s.ActsFor(id, o) && (id.Root || id.Session == nil)
}

// AddLDAPServiceAccount creates access keys that act for an LDAP user of
// the enabled LDAP provider owner.Provider (still of ID
// owner.ProviderID). At each request they get the policies attached to
// the user's DN and groups as the directory has them then (checked as
// the user's sessions are), narrowed by an optional inline policy. The
// caller has found the user in the directory.
func (s *Store) AddLDAPServiceAccount(ctx context.Context, owner LDAPOwner, inline []byte) (auth.Credentials, error) {
	if _, err := ldap.NormalizeDN(owner.DN); err != nil {
		return auth.Credentials{}, s3err.ErrInvalidArgument.WithMessage("%v", err)
	}
	return s.addServiceAccount(ctx, User{LDAP: &owner, SessionPolicy: inline}, func(tx meta.Txn) error {
		p, err := getJSON[IdentityProvider](tx, providerKey(owner.Provider), ErrNoSuchProvider)
		switch {
		case errors.Is(err, ErrNoSuchProvider):
			return s3err.ErrInvalidArgument.WithMessage("There is no identity provider %q.", owner.Provider)
		case err != nil:
			return err
		case p.Kind != idp.KindLDAP || p.ID != owner.ProviderID:
			return s3err.ErrInvalidArgument.WithMessage("The identity provider %q has changed; try again.", owner.Provider)
		case p.Status != StatusEnabled:
			return s3err.ErrInvalidArgument.WithMessage("The LDAP provider %q is disabled.", owner.Provider)
		}
		return nil
	})
}

// RemoveServiceAccount deletes a service account (never a user).
func (s *Store) RemoveServiceAccount(ctx context.Context, access string) error {
	return s.update(ctx, func(tx meta.Txn) error {
		u, err := getJSON[User](tx, userKey(access), ErrNoSuchUser)
		if err != nil {
			return err
		}
		if !u.IsServiceAccount() {
			return ErrNotServiceAccount
		}
		return tx.Delete(userKey(access))
	})
}

// ldapServiceIdentity completes the stored identity of an LDAP user's
// service account: its provider must still be the one that vouched for
// the user (same ID) and enabled, and the user must pass the provider's
// subject check, as the user's sessions must, which also names the
// policies the user's DN and groups have now. Either is as seen at most
// ProviderCacheTTL ago; a directory that cannot say refuses the request.
func (s *Store) ldapServiceIdentity(ctx context.Context, stored *Identity) (*Identity, error) {
	o := stored.owner.LDAP
	p, err := s.currentProvider(ctx, o.Provider)
	if errors.Is(err, ErrNoSuchProvider) || err == nil && p.ID != o.ProviderID {
		return nil, s3err.ErrInvalidAccessKeyID.WithMessage("The LDAP provider of this service account has been removed.")
	}
	if err != nil {
		return nil, err
	}
	if p.Status != StatusEnabled {
		return nil, s3err.ErrInvalidAccessKeyID.WithMessage("The LDAP provider of this service account is disabled.")
	}
	names, err := s.checkSubject(ctx, p, o.DN, o.Username)
	if errors.Is(err, s3err.ErrInvalidToken) {
		return nil, s3err.ErrInvalidAccessKeyID.WithMessage("The LDAP user of this service account is disabled or no longer exists.")
	}
	if err != nil {
		return nil, err
	}
	if names == nil {
		// No check is registered: nothing says the user is still good.
		return nil, s3err.ErrServiceUnavailable.WithMessage("This server cannot check the LDAP users of service accounts.")
	}
	id := *stored
	if id.Policies, err = s.federatedPolicies(ctx, names); err != nil {
		return nil, err
	}
	return &id, nil
}
