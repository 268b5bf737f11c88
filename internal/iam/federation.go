package iam

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/kurastore/kura/internal/idp"
	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/policy"
)

// AssumeFederated issues temporary credentials for a login an identity
// provider vouched for. They act with the login's policies that exist
// (names of no policy are dropped; none left is AccessDenied), narrowed
// by an optional session policy, for duration (zero: the default) within
// STS's bounds, and end no later than the login's proof (login.Expires).
// The provider must exist and be enabled.
func (s *Store) AssumeFederated(ctx context.Context, login idp.Login, duration time.Duration, sessionPolicy []byte) (TempCredentials, error) {
	p, err := s.currentProvider(ctx, login.Provider)
	if err != nil {
		return TempCredentials{}, federationError(err)
	}
	if p.Status != StatusEnabled || p.Kind != login.Kind {
		return TempCredentials{}, s3err.ErrAccessDenied.WithMessage("The identity provider %q is disabled.", login.Provider)
	}
	expires, err := s.sessionExpiry(&Identity{}, duration)
	if err != nil {
		return TempCredentials{}, err
	}
	if !login.Expires.IsZero() && login.Expires.Before(expires) {
		expires = login.Expires.UTC().Truncate(time.Second)
	}
	claims, err := s.newSessionClaims(&Identity{}, sessionPolicy)
	if err != nil {
		return TempCredentials{}, err
	}
	names, err := s.existingPolicies(ctx, login.Policies)
	if err != nil {
		return TempCredentials{}, err
	}
	if len(names) == 0 {
		return TempCredentials{}, s3err.ErrAccessDenied.WithMessage("The identity provider maps %q to no existing policy.", login.Subject)
	}
	claims.Fed = &federatedClaims{Kind: string(login.Kind), Provider: p.Name, ProviderID: p.ID, Subject: login.Subject, Username: login.Username, Policies: names}
	return s.issueSession(claims, expires)
}

// federationError says a provider is gone as AccessDenied; a read error
// stays what it is.
func federationError(err error) error {
	if errors.Is(err, ErrNoSuchProvider) {
		return s3err.ErrAccessDenied.WithMessage("The identity provider is not configured.")
	}
	return err
}

// existingPolicies keeps the names that name a policy, each once.
func (s *Store) existingPolicies(ctx context.Context, names []string) ([]string, error) {
	var out []string
	err := s.meta.View(ctx, func(r meta.Reader) error {
		out = out[:0]
		for _, n := range names {
			if slices.Contains(out, n) {
				continue
			}
			err := s.policyExists(r, n)
			if errors.Is(err, ErrNoSuchPolicy) {
				continue
			}
			if err != nil {
				return err
			}
			out = append(out, n)
		}
		return nil
	})
	return out, err
}

// federatedIdentity is the identity of a federated session: its
// provider must still be the one that issued it (same ID) and enabled,
// as seen at most ProviderCacheTTL ago, and its policies are read as
// they are now.
func (s *Store) federatedIdentity(ctx context.Context, access string, c sessionClaims, expires time.Time) (*Identity, error) {
	f := c.Fed
	p, err := s.currentProvider(ctx, f.Provider)
	if errors.Is(err, ErrNoSuchProvider) || err == nil && p.ID != f.ProviderID {
		return nil, s3err.ErrInvalidToken.WithMessage("The identity provider that issued these credentials has been removed.")
	}
	if err != nil {
		return nil, err
	}
	if p.Status != StatusEnabled {
		return nil, s3err.ErrInvalidToken.WithMessage("The identity provider that issued these credentials is disabled.")
	}
	names, err := s.checkSubject(ctx, p, f.Subject, f.Username)
	if err != nil {
		return nil, err
	}
	if names == nil {
		names = f.Policies
	} else if len(names) == 0 {
		return nil, s3err.ErrInvalidToken.WithMessage("The identity provider maps the subject of these credentials to no policy any more.")
	}
	id := &Identity{
		AccessKey: access, Username: f.Subject, CanonicalID: FederatedCanonicalID(idp.Kind(f.Kind), f.Provider, f.Subject),
		secret: s.sessionSecret(access), expires: expires, session: &c,
	}
	if idp.Kind(f.Kind) == idp.KindLDAP {
		id.owner = &Owner{LDAP: &LDAPOwner{Provider: f.Provider, ProviderID: f.ProviderID, DN: f.Subject, Username: f.Username}}
	}
	if id.Policies, err = s.federatedPolicies(ctx, names); err != nil {
		return nil, err
	}
	if len(c.Policy) > 0 {
		sp, err := parseSessionPolicy(c.Policy)
		if err != nil {
			return nil, s3err.ErrInvalidToken
		}
		narrowBy(id, sp)
	}
	return id, nil
}

// FederatedSubject says, for a federated session's identity, which
// provider and subject it acts for; ok is false for other identities.
func (id *Identity) FederatedSubject() (provider, subject string, ok bool) {
	if id.session == nil || id.session.Fed == nil {
		return "", "", false
	}
	return id.session.Fed.Provider, id.session.Fed.Subject, true
}

// federatedPolicies are the named policies as they are now, from a cache
// that every IAM change clears, so that a session's requests neither
// read nor parse them again.
func (s *Store) federatedPolicies(ctx context.Context, names []string) ([]*policy.Policy, error) {
	key := strings.Join(names, ",") // policy names hold no ','
	s.mu.Lock()
	ps, ok := s.fedPolicies[key]
	gen := s.gen
	s.mu.Unlock()
	if ok {
		return ps, nil
	}
	var id Identity
	if err := s.meta.View(ctx, func(r meta.Reader) error {
		id.Policies = nil
		return s.collectPolicies(r, User{Policies: names}, &id)
	}); err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.gen == gen {
		if s.fedPolicies == nil || len(s.fedPolicies) >= maxSessionPolicies {
			s.fedPolicies = map[string][]*policy.Policy{}
		}
		s.fedPolicies[key] = id.Policies
	}
	s.mu.Unlock()
	return id.Policies, nil
}

// SubjectCheck says whether a provider still vouches for a subject of a
// live session (an LDAP directory: the user still exists and is
// enabled). username is the login name the session started with, for
// kinds that keep one. It returns an error saying why not, or a read
// error; either refuses the session. Otherwise policies, when not nil,
// are the names of the policies the provider maps the subject to now
// (an LDAP user's groups change), which replace those the session
// started with; empty refuses the session.
type SubjectCheck func(ctx context.Context, p IdentityProvider, subject, username string) (policies []string, err error)

// SetSubjectCheck makes every request of a session of kind's providers
// pass check, as seen at most ProviderCacheTTL ago. Call it before the
// server serves.
func (s *Store) SetSubjectCheck(kind idp.Kind, check SubjectCheck) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.subjectChecks == nil {
		s.subjectChecks = map[idp.Kind]SubjectCheck{}
	}
	s.subjectChecks[kind] = check
}

// subjectEntry is when a subject last passed its provider's check, and
// the policies the check mapped it to.
type subjectEntry struct {
	passed   time.Time
	policies []string
}

// checkSubject runs the provider kind's SubjectCheck, if any, remembering
// a pass for ProviderCacheTTL; a failure is never remembered, so the
// next request asks again. It returns the check's policies (nil: keep
// the session's).
func (s *Store) checkSubject(ctx context.Context, p IdentityProvider, subject, username string) ([]string, error) {
	now := s.now()
	key := p.ID + "\x00" + subject + "\x00" + username
	s.mu.Lock()
	check := s.subjectChecks[p.Kind]
	e, ok := s.subjectsPassed[key]
	gen := s.gen
	s.mu.Unlock()
	if check == nil {
		return nil, nil
	}
	if ok && now.Sub(e.passed) < ProviderCacheTTL && !now.Before(e.passed) {
		return e.policies, nil
	}
	policies, err := check(ctx, p, subject, username)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.gen == gen {
		if s.subjectsPassed == nil || len(s.subjectsPassed) >= maxSubjectsPassed {
			s.subjectsPassed = map[string]subjectEntry{}
		}
		s.subjectsPassed[key] = subjectEntry{passed: now, policies: policies}
	}
	s.mu.Unlock()
	return policies, nil
}

// maxSubjectsPassed bounds the subjects remembered; past it they are
// forgotten, which only costs checks.
const maxSubjectsPassed = 10000
