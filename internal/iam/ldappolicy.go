package iam

import (
	"context"
	"errors"
	"slices"

	"github.com/kurastore/kura/internal/idp/ldap"
	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/s3err"
)

// LDAPEntityKind says whether an LDAP DN names a user or a group.
type LDAPEntityKind string

// The kinds of LDAP entries policies are attached to.
const (
	LDAPUser  LDAPEntityKind = "user"
	LDAPGroup LDAPEntityKind = "group"
)

// LDAPMapping is the policies attached to one LDAP user or group DN.
type LDAPMapping struct {
	Kind LDAPEntityKind `json:"kind"`
	// DN is the entry as the administrator last spelled it; lookups go by
	// its normalized form (ldap.NormalizeDN).
	DN       string   `json:"dn"`
	Policies []string `json:"policies"`
}

const prefixLDAPMapping = "Il"

func ldapMappingKey(kind LDAPEntityKind, normalizedDN string) []byte {
	return []byte(prefixLDAPMapping + string(kind) + "\x00" + normalizedDN)
}

// AttachLDAPPolicy attaches a policy to an LDAP user or group DN, which
// need not be known to any directory yet: a login through an LDAP
// provider gets the policies of its user DN and of its groups' DNs.
func (s *Store) AttachLDAPPolicy(ctx context.Context, name string, kind LDAPEntityKind, dn string) error {
	return s.setLDAPAttachment(ctx, name, kind, dn, true)
}

// DetachLDAPPolicy undoes AttachLDAPPolicy.
func (s *Store) DetachLDAPPolicy(ctx context.Context, name string, kind LDAPEntityKind, dn string) error {
	return s.setLDAPAttachment(ctx, name, kind, dn, false)
}

func (s *Store) setLDAPAttachment(ctx context.Context, name string, kind LDAPEntityKind, dn string, attach bool) error {
	if kind != LDAPUser && kind != LDAPGroup {
		return s3err.ErrInvalidArgument.WithMessage("An LDAP entity is a user or a group, not %q.", kind)
	}
	norm, err := ldap.NormalizeDN(dn)
	if err != nil {
		return s3err.ErrInvalidArgument.WithMessage("%v", err)
	}
	key := ldapMappingKey(kind, norm)
	return s.update(ctx, func(tx meta.Txn) error {
		if attach {
			if err := s.policyExists(tx, name); err != nil {
				return err
			}
		}
		m, err := getJSON[LDAPMapping](tx, key, errNoLDAPMapping)
		if err != nil && !errors.Is(err, errNoLDAPMapping) {
			return err
		}
		m.Kind, m.DN = kind, dn
		m.Policies = slices.DeleteFunc(m.Policies, func(p string) bool { return p == name })
		if attach {
			m.Policies = append(m.Policies, name)
		}
		if len(m.Policies) == 0 {
			if errors.Is(err, errNoLDAPMapping) {
				return nil
			}
			return tx.Delete(key)
		}
		return setJSON(tx, key, m)
	})
}

var errNoLDAPMapping = errors.New("iam: no policies attached to the LDAP entry")

// LDAPPolicies are the names of the policies attached to the user DN and
// to any of the group DNs, each once, the user's first. DNs that do not
// parse contribute nothing.
func (s *Store) LDAPPolicies(ctx context.Context, userDN string, groupDNs []string) ([]string, error) {
	type entity struct {
		kind LDAPEntityKind
		dn   string
	}
	wanted := []entity{{LDAPUser, userDN}}
	for _, g := range groupDNs {
		wanted = append(wanted, entity{LDAPGroup, g})
	}
	var names []string
	err := s.meta.View(ctx, func(r meta.Reader) error {
		names = names[:0]
		for _, e := range wanted {
			norm, err := ldap.NormalizeDN(e.dn)
			if err != nil {
				continue
			}
			m, err := getJSON[LDAPMapping](r, ldapMappingKey(e.kind, norm), errNoLDAPMapping)
			if errors.Is(err, errNoLDAPMapping) {
				continue
			}
			if err != nil {
				return err
			}
			for _, p := range m.Policies {
				if !slices.Contains(names, p) {
					names = append(names, p)
				}
			}
		}
		return nil
	})
	return names, err
}

// ListLDAPMappings returns every LDAP user and group with policies
// attached.
func (s *Store) ListLDAPMappings(ctx context.Context) ([]LDAPMapping, error) {
	var ms []LDAPMapping
	err := s.meta.View(ctx, func(r meta.Reader) (err error) {
		ms, err = listJSON[LDAPMapping](r, prefixLDAPMapping)
		return err
	})
	return ms, err
}
