package iam

import (
	"context"
	"errors"
	"time"

	"github.com/kurastore/kura/internal/idp"
	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/policy"
)

// Identity is who a request comes from, and the policies that bound it.
type Identity struct {
	AccessKey string
	// Username is the user for ${aws:username}: the access key of a user,
	// or of a service account's parent.
	Username string
	Root     bool
	// CanonicalID is the ACL grantee the caller acts as: its user's
	// (a service account's or session's parent's). It is empty for the
	// root user and whatever acts for it, whose canonical ID is the
	// S3 layer's owner ID.
	CanonicalID string
	// Policies are the identity policies of the user and its groups.
	Policies []*policy.Policy
	// Session narrows Policies when set (service account inline policy,
	// STS session policy): both must allow.
	Session *policy.Policy
	secret  string
	expires time.Time
	// session holds the claims of temporary credentials; nil for others.
	session *sessionClaims
	// owner is whom the identity acts for (serviceaccount.go); nil for
	// sessions of providers other than LDAP.
	owner *Owner
}

// Secret returns the secret of an access key, for signature checks. It
// refuses disabled users at once; temporary credentials are checked by
// Authenticate, which has their session token.
func (s *Store) Secret(access string) (string, error) {
	if access != s.root.AccessKey && IsSessionAccessKey(access) {
		// Whether the credentials are still good is for the session
		// token to say, once the signature has checked out.
		return s.sessionSecret(access), nil
	}
	// The stored record is enough for the secret: an LDAP user's service
	// account is checked with the directory once its signature is good.
	id, err := s.storedIdentity(context.Background(), access)
	if err != nil {
		return "", err
	}
	return id.secret, nil
}

// Identity resolves an access key to its identity: a user's or service
// account's from a cache that every IAM change clears, and for the
// service account of an LDAP user, the user as its provider sees it now
// (serviceaccount.go).
func (s *Store) Identity(ctx context.Context, access string) (*Identity, error) {
	id, err := s.storedIdentity(ctx, access)
	if err != nil || id.owner == nil || id.owner.LDAP == nil {
		return id, err
	}
	return s.ldapServiceIdentity(ctx, id)
}

// storedIdentity is the identity the stored records of access make.
func (s *Store) storedIdentity(ctx context.Context, access string) (*Identity, error) {
	if access == s.root.AccessKey {
		return &Identity{AccessKey: access, Username: access, Root: true, secret: s.root.SecretKey, owner: &Owner{User: access}}, nil
	}
	s.mu.Lock()
	id, ok := s.cache[access]
	gen := s.gen
	s.mu.Unlock()
	if ok && (id.expires.IsZero() || s.now().Before(id.expires)) {
		return id, nil
	}
	id, err := s.loadIdentity(ctx, access)
	if err != nil {
		return nil, err
	}
	if s.afterLoad != nil {
		s.afterLoad()
	}
	s.mu.Lock()
	// A change committed since the load began may have made what it read
	// stale (a user disabled, a policy detached): answer with it this
	// once, but do not keep it.
	if s.gen == gen {
		s.cache[access] = id
	}
	s.mu.Unlock()
	return id, nil
}

func (s *Store) loadIdentity(ctx context.Context, access string) (*Identity, error) {
	var id *Identity
	err := s.meta.View(ctx, func(r meta.Reader) error {
		id = nil
		u, err := getJSON[User](r, userKey(access), ErrNoSuchUser)
		if errors.Is(err, ErrNoSuchUser) {
			return s3err.ErrInvalidAccessKeyID
		}
		if err != nil {
			return err
		}
		if u.Status != StatusEnabled {
			return s3err.ErrInvalidAccessKeyID.WithMessage("The access key is disabled.")
		}
		if !u.Expiration.IsZero() {
			return s3err.ErrInvalidAccessKeyID.WithMessage("Temporary credentials issued before sessions were sealed tokens no longer work.")
		}
		secret, err := s.open(&u)
		if err != nil {
			return err
		}
		id = &Identity{AccessKey: access, Username: access, secret: secret, owner: &Owner{User: access}}
		if u.LDAP != nil {
			return s.storedLDAPServiceAccount(u, id)
		}
		owner := u
		if u.Parent != "" {
			id.owner.User = u.Parent
			if len(u.SessionPolicy) > 0 {
				if id.Session, err = policy.Parse(u.SessionPolicy); err != nil {
					return err
				}
			}
			id.Username = u.Parent
			if u.Parent == s.root.AccessKey {
				id.Root = true
				if id.Session != nil {
					narrowBy(id, id.Session)
				}
				return nil
			}
			if owner, err = getJSON[User](r, userKey(u.Parent), ErrNoSuchUser); err != nil {
				return s3err.ErrInvalidAccessKeyID
			}
			if owner.Status != StatusEnabled {
				return s3err.ErrInvalidAccessKeyID.WithMessage("The access key is disabled.")
			}
		}
		id.CanonicalID = CanonicalID(owner.AccessKey)
		return s.collectPolicies(r, owner, id)
	})
	return id, err
}

// storedLDAPServiceAccount fills in what the stored record of an LDAP
// user's service account says: whom it acts for and its inline policy.
// Its policies are the user's at each request (ldapServiceIdentity).
func (s *Store) storedLDAPServiceAccount(u User, id *Identity) error {
	o := *u.LDAP
	id.owner = &Owner{LDAP: &o}
	id.Username = o.DN
	id.CanonicalID = FederatedCanonicalID(idp.KindLDAP, o.Provider, o.DN)
	if len(u.SessionPolicy) > 0 {
		var err error
		if id.Session, err = policy.Parse(u.SessionPolicy); err != nil {
			return err
		}
	}
	return nil
}

// FederatedCanonicalID is the canonical ID of a provider's subject, as
// ACL grants name its sessions and service accounts.
func FederatedCanonicalID(kind idp.Kind, provider, subject string) string {
	return CanonicalID(string(kind) + ":" + provider + ":" + subject)
}

// collectPolicies gathers the policies of a user and of its enabled groups.
func (s *Store) collectPolicies(r meta.Reader, u User, id *Identity) error {
	names := append([]string(nil), u.Policies...)
	for _, g := range u.Groups {
		grp, err := getJSON[Group](r, groupKey(g), ErrNoSuchGroup)
		if err != nil || grp.Status != StatusEnabled {
			continue
		}
		names = append(names, grp.Policies...)
	}
	for _, n := range names {
		if p, ok := canned[n]; ok {
			id.Policies = append(id.Policies, p)
			continue
		}
		doc, err := r.Get(policyKey(n))
		if errors.Is(err, meta.ErrNotFound) {
			continue // detached concurrently; grants nothing
		}
		if err != nil {
			return err
		}
		p, err := policy.Parse(doc)
		if err != nil {
			return err
		}
		id.Policies = append(id.Policies, p)
	}
	return nil
}
