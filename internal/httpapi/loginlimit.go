package httpapi

import (
	"net"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"

	"github.com/kurastore/kura/s3err"
)

// FederationLimits bound what the unsigned STS logins
// (AssumeRoleWithWebIdentity, AssumeRoleWithClientGrants,
// AssumeRoleWithLDAPIdentity) can make the server do: anyone can send
// them, and each may make kura fetch an OpenID provider's keys or bind to
// an LDAP directory. The zero value bounds nothing;
// DefaultFederationLimits are the server command's defaults.
type FederationLimits struct {
	// LoginRate (calls a second) and LoginBurst are the token bucket of
	// each client address (an IPv6 address's /64): a login finding it
	// empty is refused with Throttling before any other work. Zero
	// LoginRate: no bound.
	LoginRate  float64
	LoginBurst int
	// LDAPFailureRate (a second) and LDAPFailureBurst are the token
	// bucket of failed LDAP logins of each login name (compared without
	// regard to case): every login takes a token, given back unless the
	// directory refused the name or password; a login finding the
	// bucket empty is refused with Throttling without asking the
	// directory, which slows password guessing against one name to the
	// rate. Zero LDAPFailureRate: no bound.
	LDAPFailureRate  float64
	LDAPFailureBurst int
	// KeyRefreshInterval is the least time between two fetches of an
	// OpenID provider's keys caused by tokens with unknown keys, and how
	// long a failed discovery is remembered (openid.Verifier).
	KeyRefreshInterval time.Duration
	// ClockSkew is how far past a token's exp (and before its nbf) it is
	// still taken (openid.Verifier).
	ClockSkew time.Duration
}

// DefaultFederationLimits: 5 logins a second per client address in bursts
// of 20, far above what clients renewing credentials send, even many
// behind one NAT; 5 wrong passwords in a row per LDAP login name, then
// one every 10 seconds; an OpenID provider's keys fetched again at most
// every 10 seconds; and a minute of clock skew.
var DefaultFederationLimits = FederationLimits{
	LoginRate: 5, LoginBurst: 20,
	LDAPFailureRate: 0.1, LDAPFailureBurst: 5,
	KeyRefreshInterval: 10 * time.Second,
	ClockSkew:          time.Minute,
}

// maxLimitedKeys bounds the buckets kept by each keyedLimiter. A bucket
// forgotten starts full again, which only matters to a caller that
// cycles through more keys than this.
const maxLimitedKeys = 10000

// keyedLimiter is a token bucket per key (a client address, a login
// name), keeping the buckets of the maxKeys keys used last, so that its
// memory is bounded whatever keys callers make up. A nil keyedLimiter
// allows everything.
//
// The buckets are its own rather than x/time/rate's Limiter because a
// token must be given back after the fact (a login that succeeded), and
// a Reservation cancelled after its time restores nothing.
type keyedLimiter struct {
	perSecond float64
	burst     float64
	mu        sync.Mutex
	buckets   *simplelru.LRU[string, *bucket]
}

// bucket is one key's tokens, as of at.
type bucket struct {
	tokens float64
	at     time.Time
}

// newKeyedLimiter returns a limiter of perSecond tokens a second in
// buckets of burst (at least 1), or nil when perSecond is not positive.
func newKeyedLimiter(perSecond float64, burst, maxKeys int) *keyedLimiter {
	if perSecond <= 0 {
		return nil
	}
	buckets, err := simplelru.NewLRU[string, *bucket](maxKeys, nil)
	if err != nil {
		panic(err) // maxKeys is a positive constant
	}
	return &keyedLimiter{perSecond: perSecond, burst: float64(max(burst, 1)), buckets: buckets}
}

// bucket returns key's bucket filled up to now, making a full one for a
// key not seen (or forgotten). The caller holds mu.
func (l *keyedLimiter) bucket(key string, now time.Time) *bucket {
	b, ok := l.buckets.Get(key)
	if !ok {
		b = &bucket{tokens: l.burst, at: now}
		l.buckets.Add(key, b)
	}
	if now.After(b.at) {
		b.tokens = min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.perSecond)
		b.at = now
	}
	return b
}

// allow takes a token of key's bucket at now, if there is one.
func (l *keyedLimiter) allow(key string, now time.Time) bool {
	_, ok := l.take(key, now)
	return ok
}

// take takes a token of key's bucket at now, if there is one; giveBack
// returns it.
func (l *keyedLimiter) take(key string, now time.Time) (giveBack func(), ok bool) {
	if l == nil {
		return func() {}, true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucket(key, now)
	if b.tokens < 1 {
		return nil, false
	}
	b.tokens--
	return func() {
		l.mu.Lock()
		b.tokens = min(l.burst, b.tokens+1)
		l.mu.Unlock()
	}, true
}

// size is how many buckets are kept.
func (l *keyedLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buckets.Len()
}

// clientKey is the bucket key of a client address: the IP address, or an
// IPv6 address's /64, which one subscriber usually holds whole.
func clientKey(remoteAddr string) string {
	ip := net.ParseIP(remoteIP(remoteAddr))
	if ip == nil {
		return remoteAddr
	}
	if ip.To4() == nil {
		return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
	}
	return ip.String()
}

// loginNameKey is the bucket key of an LDAP login name: directories
// match names without regard to case or to surrounding and repeated
// spaces.
func loginNameKey(name string) string {
	return strings.Join(strings.Fields(strings.ToLower(name)), " ")
}

// errLoginRate refuses a client address over its rate of unsigned logins.
var errLoginRate = s3err.ErrThrottling.WithMessage("Rate exceeded: too many unsigned STS logins from this address; retry later.")

// errLDAPFailureRate refuses a login name with too many failed logins.
var errLDAPFailureRate = s3err.ErrThrottling.WithMessage("Rate exceeded: too many failed logins with this LDAP user name; retry later.")
