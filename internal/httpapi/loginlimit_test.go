package httpapi

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/kurastore/kura/internal/idp/oidctest"
	"github.com/kurastore/kura/internal/idp/openid"
)

// TestUnsignedLoginRate: a client address gets its burst of unsigned
// logins, of every kind together, then Throttling (400) without the
// provider being asked, then one more per refill; signed STS calls are
// not counted.
func TestUnsignedLoginRate(t *testing.T) {
	c := &testClock{t: time.Now()}
	const burst = 3
	s := newFedServerWith(t, fedOptions{serverNow: c.now, federation: FederationLimits{LoginRate: 1, LoginBurst: burst}})
	i := oidctest.New(t)
	s.addOpenID(t, "corp", i, openid.Settings{})
	token := i.SignUnknownKey(i.Claims("alice", "kura"))
	for n := 1; n <= burst; n++ {
		if a := s.call(t, webIdentity(token)); a.code != "InvalidIdentityToken" {
			t.Fatalf("login %d of a burst of %d: %d %s", n, burst, a.status, a.body)
		}
	}
	_, keysBefore := i.Fetches()
	for _, form := range []url.Values{
		webIdentity(token),
		{"Action": {"AssumeRoleWithClientGrants"}, "Token": {token}},
		{"Action": {"AssumeRoleWithLDAPIdentity"}, "LDAPUsername": {"alice"}, "LDAPPassword": {"x"}},
	} {
		if a := s.call(t, form); a.status != http.StatusBadRequest || a.code != "Throttling" {
			t.Errorf("%s over the burst: %d %s", form.Get("Action"), a.status, a.body)
		}
	}
	if _, keys := i.Fetches(); keys != keysBefore {
		t.Errorf("throttled logins fetched the provider's keys %d times", keys-keysBefore)
	}
	cl := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.url),
		Credentials: awscreds.NewStaticCredentialsProvider(s.root.AccessKey, s.root.SecretKey, "")})
	if _, err := cl.AssumeRole(context.Background(), &sts.AssumeRoleInput{RoleArn: aws.String("arn:kura:iam:::role/any"), RoleSessionName: aws.String("s")}); err != nil {
		t.Errorf("a signed AssumeRole with the unsigned logins' bucket empty: %v", err)
	}
	c.advance(time.Second)
	if a := s.call(t, webIdentity(token)); a.code != "InvalidIdentityToken" {
		t.Errorf("a second later: %d %s", a.status, a.body)
	}
	if a := s.call(t, webIdentity(token)); a.code != "Throttling" {
		t.Errorf("the refilled token spent: %d %s", a.status, a.body)
	}
}

// TestKeyedLimiterBounded: the limiter keeps the buckets of the keys used
// last, no more; a forgotten key starts with a full bucket.
func TestKeyedLimiterBounded(t *testing.T) {
	l := newKeyedLimiter(1, 1, 3)
	now := time.Now()
	for _, k := range []string{"a", "b", "c", "d", "e"} {
		if !l.allow(k, now) {
			t.Errorf("%s's first call refused", k)
		}
	}
	if n := l.size(); n != 3 {
		t.Errorf("%d buckets kept, want 3", n)
	}
	if l.allow("e", now) {
		t.Error("e's second call at once allowed")
	}
	if !l.allow("a", now) {
		t.Error("a, forgotten, refused")
	}
	if newKeyedLimiter(0, 10, 3) != nil || !(*keyedLimiter)(nil).allow("x", now) {
		t.Error("a limiter of rate 0 bounds")
	}
}

func TestClientKey(t *testing.T) {
	for _, tc := range []struct{ a, b string }{
		{"[2001:db8:1:2::1]:1000", "[2001:db8:1:2:ffff::9]:2000"},
		{"192.0.2.1:1000", "192.0.2.1:2000"},
	} {
		if clientKey(tc.a) != clientKey(tc.b) {
			t.Errorf("%s and %s have keys %s and %s", tc.a, tc.b, clientKey(tc.a), clientKey(tc.b))
		}
	}
	for _, tc := range []struct{ a, b string }{
		{"[2001:db8:1:2::1]:1000", "[2001:db8:1:3::1]:1000"},
		{"192.0.2.1:1000", "192.0.2.2:1000"},
	} {
		if clientKey(tc.a) == clientKey(tc.b) {
			t.Errorf("%s and %s share key %s", tc.a, tc.b, clientKey(tc.a))
		}
	}
	if loginNameKey("  Alice   Smith ") != loginNameKey("alice smith") {
		t.Error("login names differing in case and spaces have different keys")
	}
}

// TestLDAPFailureRate: a login name gets its burst of failed logins,
// then Throttling even with the right password, until a token refills;
// successful logins do not count, and other names are not touched.
func TestLDAPFailureRate(t *testing.T) {
	const burst = 3
	f := newLDAPFixtureWith(t, FederationLimits{LDAPFailureRate: 0.1, LDAPFailureBurst: burst})
	for range burst + 2 {
		f.mustLogin(t, "alice", "alice-pw")
	}
	for n := 1; n <= burst; n++ {
		if a := f.ldapLogin(t, "alice", "wrong"); a.code != "AccessDenied" {
			t.Fatalf("failure %d of a burst of %d: %d %s", n, burst, a.status, a.body)
		}
	}
	for _, name := range []string{"alice", " ALICE"} {
		if a := f.ldapLogin(t, name, "alice-pw"); a.status != http.StatusBadRequest || a.code != "Throttling" {
			t.Errorf("%q after %d failures: %d %s", name, burst, a.status, a.body)
		}
	}
	f.mustLogin(t, "bob", "bob-pw")
	f.clock.advance(10*time.Second - time.Millisecond)
	if a := f.ldapLogin(t, "alice", "alice-pw"); a.code != "Throttling" {
		t.Errorf("alice just before a token refills: %d %s", a.status, a.body)
	}
	f.clock.advance(time.Millisecond)
	f.mustLogin(t, "alice", "alice-pw")
	if a := f.ldapLogin(t, "alice", "wrong"); a.code != "AccessDenied" {
		t.Errorf("a wrong password with the token a success gave back: %d %s", a.status, a.body)
	}
	if a := f.ldapLogin(t, "alice", "alice-pw"); a.code != "Throttling" {
		t.Errorf("alice once that token is spent: %d %s", a.status, a.body)
	}
	if !strings.Contains(messageOf(f.ldapLogin(t, "alice", "alice-pw").body), "failed logins") {
		t.Error("the refusal does not say why")
	}
}

// TestWebIdentityClockSkew: the server's FederationLimits.ClockSkew
// reaches the verifier: a token is taken up to the skew past its exp,
// not a second more.
func TestWebIdentityClockSkew(t *testing.T) {
	c := &testClock{t: time.Now().Truncate(time.Second)}
	s := newFedServerWith(t, fedOptions{serverNow: c.now, federation: FederationLimits{ClockSkew: time.Minute}})
	i := oidctest.New(t)
	s.addOpenID(t, "corp", i, openid.Settings{})
	claims := i.Claims("alice", "kura")
	claims["policy"] = "read-alpha"
	claims["exp"] = c.now().Unix()
	token := i.Sign(claims)
	c.advance(time.Minute)
	if a := s.call(t, webIdentity(token)); a.status != http.StatusOK {
		t.Errorf("exp + skew: %d %s", a.status, a.body)
	}
	c.advance(time.Second)
	if a := s.call(t, webIdentity(token)); a.code != "ExpiredTokenException" {
		t.Errorf("exp + skew + 1s: %d %s", a.status, a.body)
	}
}
