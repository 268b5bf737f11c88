package openid

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/kurastore/kura/internal/idp/oidctest"
	"github.com/kurastore/kura/internal/manualclock"
	"github.com/kurastore/kura/s3err"
)

// verifierFor is a verifier on a settable clock (at a whole second) and
// the one provider "corp" of issuer i, for client "kura".
func verifierFor(t *testing.T, i *oidctest.Issuer, skew, refresh time.Duration) (*Verifier, []Provider, *manualclock.Clock) {
	t.Helper()
	c := manualclock.New(time.Now().Truncate(time.Second))
	st := Settings{ConfigURL: i.ConfigURL(), ClientID: "kura"}
	if err := st.Check(); err != nil {
		t.Fatal(err)
	}
	v := &Verifier{Now: c.Now, ClockSkew: skew, KeyRefreshInterval: refresh}
	return v, []Provider{{Name: "corp", ID: "1", Settings: st}}, c
}

func codeOf(err error) string {
	var e *s3err.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// TestClockSkew: a token is good until ClockSkew past its exp and from
// ClockSkew before its nbf, and a second beyond either is refused; the
// login ends with the allowance.
func TestClockSkew(t *testing.T) {
	i := oidctest.New(t)
	const skew = time.Minute
	v, ps, c := verifierFor(t, i, skew, 0)
	ctx := context.Background()
	t0 := c.Now()
	claims := i.ClaimsAt("alice", "kura", t0.Add(-time.Hour))
	claims["exp"] = t0.Unix()
	token := i.Sign(claims)

	c.Set(t0.Add(skew))
	login, err := v.Login(ctx, ps, "", token)
	if err != nil {
		t.Fatalf("exp + skew: %v", err)
	}
	if !login.Expires.Equal(t0.Add(skew)) {
		t.Errorf("the login ends %s, want exp + skew %s", login.Expires, t0.Add(skew))
	}
	c.Set(t0.Add(skew + time.Second))
	if _, err := v.Login(ctx, ps, "", token); codeOf(err) != "ExpiredTokenException" {
		t.Errorf("exp + skew + 1s: %v", err)
	}

	c.Set(t0)
	for _, tc := range []struct {
		nbf  time.Duration // from now
		code string
	}{{skew, ""}, {skew + time.Second, "InvalidIdentityToken"}} {
		claims := i.ClaimsAt("alice", "kura", t0)
		claims["nbf"] = t0.Add(tc.nbf).Unix()
		if _, err := v.Login(ctx, ps, "", i.Sign(claims)); codeOf(err) != tc.code {
			t.Errorf("nbf now + %s: %v, want %q", tc.nbf, err, tc.code)
		}
	}
	noExp := i.ClaimsAt("alice", "kura", t0)
	delete(noExp, "exp")
	if _, err := v.Login(ctx, ps, "", i.Sign(noExp)); codeOf(err) != "InvalidIdentityToken" {
		t.Errorf("no exp: %v", err)
	}
	badNbf := i.ClaimsAt("alice", "kura", t0)
	badNbf["nbf"] = "yesterday"
	if _, err := v.Login(ctx, ps, "", i.Sign(badNbf)); codeOf(err) != "InvalidIdentityToken" {
		t.Errorf("nbf not a number: %v", err)
	}

	// Without an allowance, exp itself is the last good second.
	strict, ps, c := verifierFor(t, i, 0, 0)
	c.Set(t0)
	if _, err := strict.Login(ctx, ps, "", token); err != nil {
		t.Errorf("no skew, at exp: %v", err)
	}
	c.Set(t0.Add(time.Second))
	if _, err := strict.Login(ctx, ps, "", token); codeOf(err) != "ExpiredTokenException" {
		t.Errorf("no skew, exp + 1s: %v", err)
	}
}

// TestKeyRefreshInterval: tokens signed with unknown keys make the
// verifier fetch the JWKS again at most once per interval, however many
// arrive; a rotated key is found once the interval is over.
func TestKeyRefreshInterval(t *testing.T) {
	i := oidctest.New(t)
	const interval = 10 * time.Second
	v, ps, c := verifierFor(t, i, 0, interval)
	ctx := context.Background()
	good := func() string { return i.Sign(i.ClaimsAt("alice", "kura", c.Now())) }
	unknown := func() string { return i.SignUnknownKey(i.ClaimsAt("alice", "kura", c.Now())) }
	keyFetches := func() int { _, n := i.Fetches(); return n }

	if _, err := v.Login(ctx, ps, "", good()); err != nil {
		t.Fatal(err)
	}
	if n := keyFetches(); n != 1 {
		t.Fatalf("%d key fetches for the first token", n)
	}
	if _, err := v.Login(ctx, ps, "", unknown()); codeOf(err) != "InvalidIdentityToken" {
		t.Errorf("unknown key: %v", err)
	}
	c.Advance(interval - time.Second)
	if _, err := v.Login(ctx, ps, "", unknown()); codeOf(err) != "InvalidIdentityToken" {
		t.Errorf("unknown key: %v", err)
	}
	if n := keyFetches(); n != 1 {
		t.Errorf("%d key fetches within the interval after the first, want 1", n)
	}
	c.Advance(time.Second)
	if _, err := v.Login(ctx, ps, "", unknown()); codeOf(err) != "InvalidIdentityToken" {
		t.Errorf("unknown key: %v", err)
	}
	if n := keyFetches(); n != 2 {
		t.Errorf("%d key fetches once the interval is over, want 2", n)
	}
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() { _, _ = v.Login(ctx, ps, "", unknown()) })
	}
	wg.Wait()
	if n := keyFetches(); n != 2 {
		t.Errorf("%d key fetches after 20 more unknown keys at once, want 2", n)
	}

	i.Rotate()
	if _, err := v.Login(ctx, ps, "", good()); codeOf(err) != "InvalidIdentityToken" {
		t.Errorf("a rotated key within the interval: %v", err)
	}
	c.Advance(interval)
	if _, err := v.Login(ctx, ps, "", good()); err != nil {
		t.Errorf("a rotated key after the interval: %v", err)
	}
	if n := keyFetches(); n != 3 {
		t.Errorf("%d key fetches, want 3", n)
	}

	// Without an interval, every unknown key fetches.
	free, ps, _ := verifierFor(t, i, 0, 0)
	for range 3 {
		_, _ = free.Login(ctx, ps, "", unknown())
	}
	if n := keyFetches(); n != 3+3 {
		t.Errorf("%d key fetches without an interval, want 6", n)
	}
}

// TestDiscoveryFailureRemembered: a failed discovery is not tried again
// before the interval is over.
func TestDiscoveryFailureRemembered(t *testing.T) {
	i := oidctest.New(t)
	const interval = 10 * time.Second
	v, ps, c := verifierFor(t, i, 0, interval)
	ctx := context.Background()
	token := i.Sign(i.ClaimsAt("alice", "kura", c.Now()))
	discoveries := func() int { n, _ := i.Fetches(); return n }
	i.FailDiscovery(true)
	for range 3 {
		if _, err := v.Login(ctx, ps, "", token); codeOf(err) != "IDPCommunicationError" {
			t.Errorf("discovery down: %v", err)
		}
	}
	if n := discoveries(); n != 1 {
		t.Errorf("%d discoveries, want 1", n)
	}
	i.FailDiscovery(false)
	c.Advance(interval - time.Second)
	if _, err := v.Login(ctx, ps, "", token); codeOf(err) != "IDPCommunicationError" {
		t.Errorf("discovery back, within the interval: %v", err)
	}
	c.Advance(time.Second)
	if _, err := v.Login(ctx, ps, "", token); err != nil {
		t.Errorf("discovery back, after the interval: %v", err)
	}
	if n := discoveries(); n != 2 {
		t.Errorf("%d discoveries, want 2", n)
	}
}
