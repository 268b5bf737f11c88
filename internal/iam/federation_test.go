package iam

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kurastore/kura/internal/idp"
	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/s3err"
)

// failingViews is a metadata store whose reads fail while fail is set.
type failingViews struct {
	meta.Store
	fail atomic.Bool
}

var errRead = errors.New("metadata store unreachable")

func (f *failingViews) View(ctx context.Context, fn func(meta.Reader) error) error {
	if f.fail.Load() {
		return errRead
	}
	return f.Store.View(ctx, fn)
}

func addProvider(t *testing.T, s *Store, name string) {
	t.Helper()
	if err := s.PutIdentityProvider(context.Background(), IdentityProvider{Name: name, Kind: idp.KindOpenID, Settings: []byte(`{}`)}, "client-secret", false); err != nil {
		t.Fatal(err)
	}
}

func federatedLogin(t *testing.T, s *Store) TempCredentials {
	t.Helper()
	tc, err := s.AssumeFederated(context.Background(), idp.Login{Provider: "corp", Kind: idp.KindOpenID, Subject: "alice", Policies: []string{"readonly", "missing"}}, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tc
}

// TestFederatedSessionOnAnotherServer: a server that never saw the login
// verifies the session, and sees its provider removed within
// ProviderCacheTTL, at once when told of the change.
func TestFederatedSessionOnAnotherServer(t *testing.T) {
	s, m, c := newClockedStore(t)
	ctx := context.Background()
	addProvider(t, s, "corp")
	tc := federatedLogin(t, s)
	other, err := NewStore(m, root, testSealKey, c.now)
	if err != nil {
		t.Fatal(err)
	}
	id, err := other.Authenticate(ctx, tc.AccessKey, tc.SessionToken)
	if err != nil {
		t.Fatal(err)
	}
	if id.Username != "alice" || len(id.Policies) != 1 || id.Root {
		t.Fatalf("identity %+v", id)
	}
	if p, sub, ok := id.FederatedSubject(); !ok || p != "corp" || sub != "alice" {
		t.Errorf("FederatedSubject: %q %q %v", p, sub, ok)
	}
	if err := s.RemoveIdentityProvider(ctx, "corp"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, tc.AccessKey, tc.SessionToken); !errors.Is(err, s3err.ErrInvalidToken) {
		t.Errorf("the server that removed the provider: %v", err)
	}
	// The other server's view is at most ProviderCacheTTL old.
	c.t = c.t.Add(ProviderCacheTTL - time.Second)
	if _, err := other.Authenticate(ctx, tc.AccessKey, tc.SessionToken); err != nil {
		t.Errorf("within ProviderCacheTTL of its last read: %v", err)
	}
	c.t = c.t.Add(time.Second)
	if _, err := other.Authenticate(ctx, tc.AccessKey, tc.SessionToken); !errors.Is(err, s3err.ErrInvalidToken) {
		t.Errorf("ProviderCacheTTL after its last read: %v", err)
	}
}

// TestFederatedSessionFailsClosed: a provider that cannot be read
// refuses the session rather than letting it through.
func TestFederatedSessionFailsClosed(t *testing.T) {
	_, m, c := newClockedStore(t)
	f := &failingViews{Store: m}
	s, err := NewStore(f, root, testSealKey, c.now)
	if err != nil {
		t.Fatal(err)
	}
	addProvider(t, s, "corp")
	tc := federatedLogin(t, s)
	s.ForgetCache()
	f.fail.Store(true)
	if _, err := s.Authenticate(context.Background(), tc.AccessKey, tc.SessionToken); !errors.Is(err, errRead) {
		t.Errorf("a session whose provider cannot be read: %v", err)
	}
}

func TestAssumeFederatedRefusals(t *testing.T) {
	s, _, c := newClockedStore(t)
	ctx := context.Background()
	login := idp.Login{Provider: "corp", Kind: idp.KindOpenID, Subject: "alice", Policies: []string{"readonly"}}
	if _, err := s.AssumeFederated(ctx, login, 0, nil); !errors.Is(err, s3err.ErrAccessDenied) {
		t.Errorf("no such provider: %v", err)
	}
	addProvider(t, s, "corp")
	if err := s.SetIdentityProviderStatus(ctx, "corp", StatusDisabled); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AssumeFederated(ctx, login, 0, nil); !errors.Is(err, s3err.ErrAccessDenied) {
		t.Errorf("disabled provider: %v", err)
	}
	if err := s.SetIdentityProviderStatus(ctx, "corp", StatusEnabled); err != nil {
		t.Fatal(err)
	}
	login.Policies = []string{"missing"}
	if _, err := s.AssumeFederated(ctx, login, 0, nil); !errors.Is(err, s3err.ErrAccessDenied) {
		t.Errorf("no existing policy: %v", err)
	}
	// The credentials end with the proof.
	login.Policies = []string{"readonly"}
	login.Expires = c.t.Add(20 * time.Minute)
	tc, err := s.AssumeFederated(ctx, login, 2*time.Hour, nil)
	if err != nil || !tc.Expiration.Equal(login.Expires) {
		t.Errorf("expiration %s, want the token's %s: %v", tc.Expiration, login.Expires, err)
	}
	if err := s.PutIdentityProvider(ctx, IdentityProvider{Name: "corp", Kind: idp.KindOpenID}, "", false); !errors.Is(err, ErrProviderExists) {
		t.Errorf("adding a provider twice: %v", err)
	}
}

func TestIdentityProviderSecretSealed(t *testing.T) {
	s, m, _ := newClockedStore(t)
	ctx := context.Background()
	addProvider(t, s, "corp")
	var raw []byte
	if err := m.View(ctx, func(r meta.Reader) (err error) { raw, err = r.Get(providerKey("corp")); return err }); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("client-secret")) {
		t.Fatalf("the client secret is stored in clear: %s", raw)
	}
	p, err := s.IdentityProviderWithSecret(ctx, "corp")
	if err != nil || p.Secret != "client-secret" {
		t.Fatalf("%q %v", p.Secret, err)
	}
	ps, err := s.ListIdentityProviders(ctx)
	if err != nil || len(ps) != 1 || ps[0].Secret != "" {
		t.Fatalf("%+v %v", ps, err)
	}
}

func TestIdentityProviderNames(t *testing.T) {
	s, _, _ := newClockedStore(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{strings.Repeat("p", MaxNameLength), true},
		{strings.Repeat("q", MaxNameLength+1), false},
		{"", false},
		{"a/b", false},
		{"a,b", false},
		{"a:b", false},
	} {
		err := s.PutIdentityProvider(ctx, IdentityProvider{Name: tc.name, Kind: idp.KindOpenID}, "", false)
		if (err == nil) != tc.ok {
			t.Errorf("provider name %q (%d): %v", tc.name, len(tc.name), err)
		}
	}
	if err := s.PutIdentityProvider(ctx, IdentityProvider{Name: "x", Kind: "saml"}, "", false); err == nil {
		t.Error("kind saml accepted")
	}
}

// TestSubjectCheck: a kind's subject check runs on a session's requests,
// a pass is trusted for ProviderCacheTTL, a failure ends the session at
// once and is not remembered.
func TestSubjectCheck(t *testing.T) {
	s, _, c := newClockedStore(t)
	ctx := context.Background()
	addProvider(t, s, "corp")
	tc := federatedLogin(t, s)
	var calls atomic.Int32
	var gone atomic.Bool
	s.SetSubjectCheck(idp.KindOpenID, func(_ context.Context, p IdentityProvider, subject, _ string) ([]string, error) {
		calls.Add(1)
		if p.Name != "corp" || subject != "alice" {
			t.Errorf("checked %s %s", p.Name, subject)
		}
		if gone.Load() {
			return nil, s3err.ErrInvalidToken.WithMessage("The directory no longer has this user.")
		}
		return nil, nil
	})
	auth := func() error { _, err := s.Authenticate(ctx, tc.AccessKey, tc.SessionToken); return err }
	if err := auth(); err != nil || calls.Load() != 1 {
		t.Fatalf("%v, %d checks", err, calls.Load())
	}
	gone.Store(true)
	c.t = c.t.Add(ProviderCacheTTL - time.Second)
	if err := auth(); err != nil || calls.Load() != 1 {
		t.Fatalf("within ProviderCacheTTL of a pass: %v, %d checks", err, calls.Load())
	}
	c.t = c.t.Add(time.Second)
	if err := auth(); !errors.Is(err, s3err.ErrInvalidToken) || calls.Load() != 2 {
		t.Fatalf("ProviderCacheTTL after the pass, the subject gone: %v, %d checks", err, calls.Load())
	}
	gone.Store(false)
	if err := auth(); err != nil || calls.Load() != 3 {
		t.Fatalf("a failure is not remembered: %v, %d checks", err, calls.Load())
	}
}
