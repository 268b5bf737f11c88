package iam

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"

	"github.com/kurastore/kura/internal/idp"
	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/s3err"
)

// Errors of identity provider configuration.
var (
	ErrNoSuchProvider = errors.New("iam: no such identity provider")
	ErrProviderExists = errors.New("iam: identity provider exists")
)

// ProviderCacheTTL bounds how stale a server's view of an identity
// provider's configuration may be: a provider removed or disabled ends
// its sessions on every server within this time (at once on the server
// that made the change, and on the others as soon as they see the IAM
// generation change).
const ProviderCacheTTL = time.Minute

// IdentityProvider is a configured identity provider as stored.
type IdentityProvider struct {
	Name string   `json:"name"`
	Kind idp.Kind `json:"kind"`
	// ID is drawn anew each time a provider is added, so that the
	// sessions of a removed provider do not come back with another
	// provider of the same name.
	ID      string    `json:"id"`
	Status  string    `json:"status"`
	Created time.Time `json:"created"`
	// Settings are the kind's settings, as its package reads them.
	Settings json.RawMessage `json:"settings"`
	// Sealed is the provider's secret (an OpenID client secret, an LDAP
	// bind password) sealed at rest; empty when it has none.
	Sealed []byte `json:"secret,omitempty"`
	// Secret is Sealed opened, set by IdentityProviderWithSecret only.
	Secret string `json:"-"`
}

const prefixProvider = "Ii"

func providerKey(name string) []byte { return []byte(prefixProvider + name) }

func providerSecretAD(name string) string { return "identity provider\x00" + name }

// PutIdentityProvider stores a provider's configuration, sealing its
// secret ("" for none). A new provider is enabled; replacing one (only
// when replace is set, else ErrProviderExists) keeps its ID and status,
// so that its sessions go on.
func (s *Store) PutIdentityProvider(ctx context.Context, p IdentityProvider, secret string, replace bool) error {
	if err := checkName("identity provider name", p.Name, "/,:"); err != nil {
		return err
	}
	if !p.Kind.Valid() {
		return s3err.ErrInvalidArgument.WithMessage("The identity provider kind %q is not one of openid, ldap or certificate.", p.Kind)
	}
	p.Sealed, p.Secret = nil, ""
	if secret != "" {
		p.Sealed = sealWith(s.keys.secrets, []byte(secret), []byte(providerSecretAD(p.Name)))
	}
	return s.update(ctx, func(tx meta.Txn) error {
		old, err := getJSON[IdentityProvider](tx, providerKey(p.Name), ErrNoSuchProvider)
		switch {
		case err == nil && !replace:
			return ErrProviderExists
		case err == nil && old.Kind == p.Kind:
			p.ID, p.Status, p.Created = old.ID, old.Status, old.Created
		case err != nil && !errors.Is(err, ErrNoSuchProvider):
			return err
		default:
			p.ID, p.Status, p.Created = newProviderID(), StatusEnabled, s.now().UTC()
		}
		return setJSON(tx, providerKey(p.Name), p)
	})
}

func newProviderID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// RemoveIdentityProvider deletes a provider and the service accounts of
// its LDAP users; its sessions end.
func (s *Store) RemoveIdentityProvider(ctx context.Context, name string) error {
	return s.update(ctx, func(tx meta.Txn) error {
		if _, err := tx.Get(providerKey(name)); errors.Is(err, meta.ErrNotFound) {
			return ErrNoSuchProvider
		} else if err != nil {
			return err
		}
		users, err := listJSON[User](tx, prefixUser)
		if err != nil {
			return err
		}
		for _, u := range users {
			if u.LDAP != nil && u.LDAP.Provider == name {
				if err := tx.Delete(userKey(u.AccessKey)); err != nil {
					return err
				}
			}
		}
		return tx.Delete(providerKey(name))
	})
}

// SetIdentityProviderStatus enables or disables a provider; a disabled
// provider issues no credentials and its sessions are refused.
func (s *Store) SetIdentityProviderStatus(ctx context.Context, name, status string) error {
	if status != StatusEnabled && status != StatusDisabled {
		return s3err.ErrInvalidArgument.WithMessage("The status must be %q or %q, not %q.", StatusEnabled, StatusDisabled, status)
	}
	return s.update(ctx, func(tx meta.Txn) error {
		p, err := getJSON[IdentityProvider](tx, providerKey(name), ErrNoSuchProvider)
		if err != nil {
			return err
		}
		p.Status = status
		return setJSON(tx, providerKey(name), p)
	})
}

// ListIdentityProviders returns every provider, without secrets.
func (s *Store) ListIdentityProviders(ctx context.Context) ([]IdentityProvider, error) {
	var ps []IdentityProvider
	err := s.meta.View(ctx, func(r meta.Reader) (err error) {
		ps, err = listJSON[IdentityProvider](r, prefixProvider)
		return err
	})
	return ps, err
}

// IdentityProviderWithSecret returns a provider with its secret opened,
// for the package that talks to it.
func (s *Store) IdentityProviderWithSecret(ctx context.Context, name string) (IdentityProvider, error) {
	p, err := s.identityProvider(ctx, name)
	if err != nil || len(p.Sealed) == 0 {
		return p, err
	}
	plain, err := openWith(s.keys.secrets, p.Sealed, []byte(providerSecretAD(p.Name)))
	if err != nil {
		return p, err
	}
	p.Secret = string(plain)
	return p, nil
}

func (s *Store) identityProvider(ctx context.Context, name string) (IdentityProvider, error) {
	var p IdentityProvider
	err := s.meta.View(ctx, func(r meta.Reader) (err error) {
		p, err = getJSON[IdentityProvider](r, providerKey(name), ErrNoSuchProvider)
		return err
	})
	return p, err
}

// providerEntry is a provider as a server last read it.
type providerEntry struct {
	p      IdentityProvider
	err    error // ErrNoSuchProvider, never a read error
	loaded time.Time
}

// currentProvider is the provider name as it is now, give or take
// ProviderCacheTTL. A read error is returned, never taken for absence.
func (s *Store) currentProvider(ctx context.Context, name string) (IdentityProvider, error) {
	now := s.now()
	s.mu.Lock()
	e, ok := s.providers[name]
	gen := s.gen
	s.mu.Unlock()
	if ok && now.Sub(e.loaded) < ProviderCacheTTL && !now.Before(e.loaded) {
		return e.p, e.err
	}
	p, err := s.identityProvider(ctx, name)
	if err != nil && !errors.Is(err, ErrNoSuchProvider) {
		return p, err
	}
	s.mu.Lock()
	if s.gen == gen {
		if s.providers == nil {
			s.providers = map[string]providerEntry{}
		}
		s.providers[name] = providerEntry{p: p, err: err, loaded: now}
	}
	s.mu.Unlock()
	return p, err
}
