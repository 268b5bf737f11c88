package iam

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/kurastore/kura/internal/auth"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/policy"
)

// Limits of temporary credentials, as AWS STS sets them.
const (
	MinSessionDuration     = 15 * time.Minute
	MaxSessionDuration     = 12 * time.Hour
	DefaultSessionDuration = time.Hour
	// MaxChainedSessionDuration bounds credentials that temporary
	// credentials ask for (role chaining in AWS's words); they also end
	// no later than the credentials that asked.
	MaxChainedSessionDuration = time.Hour
	MaxSessionPolicySize      = 2048
)

// TempCredentials are what AssumeRole hands out.
type TempCredentials struct {
	auth.Credentials
	SessionToken string
	Expiration   time.Time
}

// Temporary credentials are stored nowhere. Their access key has AWS's
// form for temporary keys, ASIA and 16 base32 characters, which tells the
// server to find everything else in the session token: the token is the
// claims below, sealed (AES-256-GCM) under a key derived from the seal key
// and bound to the access key, and the secret is an HMAC of the access key
// under another derived key. Any server with the seal key can check them,
// nothing grows with each AssumeRole, and the parent user is looked up on
// every request, so that disabling or deleting it ends its sessions.
const (
	sessionKeyPrefix  = "ASIA"
	sessionKeyRandom  = 10 // bytes: 16 base32 characters
	sessionSecretSize = 30 // bytes: 40 base64 characters, like AWS secrets
)

var sessionKeyEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// sessionClaims are what a session token carries.
type sessionClaims struct {
	// Parent is the user or service account the session acts for, or the
	// root access key.
	Parent string `json:"p"`
	// Policy is the session policy, which narrows the parent's access.
	Policy json.RawMessage `json:"pol,omitempty"`
	// Expires is the end of the session, in Unix seconds.
	Expires int64 `json:"exp"`
	// Root recognises the root credentials that issued a session of root,
	// which ends when they change.
	Root []byte `json:"rk,omitempty"`
	// Fed is set instead of Parent on the sessions of a federated login.
	Fed *federatedClaims `json:"f,omitempty"`
}

// federatedClaims say whom a federated session acts for: a subject of an
// identity provider, with the policies the provider mapped it to. The
// policies are names, resolved on each request, so that editing a
// policy changes the sessions that use it.
type federatedClaims struct {
	Kind       string   `json:"k"`
	Provider   string   `json:"n"`
	ProviderID string   `json:"id"`
	Subject    string   `json:"s"`
	Username   string   `json:"u,omitempty"`
	Policies   []string `json:"pp,omitempty"`
}

// IsSessionAccessKey reports whether access has the form of the access
// key of temporary credentials; no user may have such a key.
func IsSessionAccessKey(access string) bool {
	rest, ok := strings.CutPrefix(access, sessionKeyPrefix)
	if !ok || len(rest) != sessionKeyEncoding.EncodedLen(sessionKeyRandom) {
		return false
	}
	for _, c := range rest {
		if (c < 'A' || c > 'Z') && (c < '2' || c > '7') {
			return false
		}
	}
	return true
}

func newSessionAccessKey() string {
	b := make([]byte, sessionKeyRandom)
	_, _ = rand.Read(b)
	return sessionKeyPrefix + sessionKeyEncoding.EncodeToString(b)
}

// sessionSecret is the secret of a session's access key.
func (s *Store) sessionSecret(access string) string {
	mac := hmac.New(sha256.New, s.keys.sessionSecret)
	mac.Write([]byte("access key\x00" + access))
	return base64.RawStdEncoding.EncodeToString(mac.Sum(nil)[:sessionSecretSize])
}

// rootFingerprint recognises the current root credentials without
// revealing them.
func (s *Store) rootFingerprint() []byte {
	mac := hmac.New(sha256.New, s.keys.sessionSecret)
	mac.Write([]byte("root\x00" + s.root.AccessKey + "\x00" + s.root.SecretKey))
	return mac.Sum(nil)[:16]
}

func tokenAD(access string) []byte { return []byte("kura sts session\x00" + access) }

func (s *Store) sealToken(access string, c sessionClaims) (string, error) {
	plain, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(sealWith(s.keys.tokens, plain, tokenAD(access))), nil
}

// openToken returns the claims of a session token issued with access.
func (s *Store) openToken(access, token string) (sessionClaims, error) {
	var c sessionClaims
	sealed, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return c, s3err.ErrInvalidToken
	}
	plain, err := openWith(s.keys.tokens, sealed, tokenAD(access))
	if err != nil {
		return c, s3err.ErrInvalidToken
	}
	if err := json.Unmarshal(plain, &c); err != nil || (c.Parent == "") == (c.Fed == nil) {
		return c, s3err.ErrInvalidToken
	}
	return c, nil
}

// AssumeRole issues temporary credentials that act for the caller's user
// (or service account, or root) until they expire, narrowed by an
// optional session policy, which can only take away. Temporary
// credentials asking for more get at most an hour, and no more than they
// have left themselves. Nothing is stored.
func (s *Store) AssumeRole(ctx context.Context, caller *Identity, duration time.Duration, sessionPolicy []byte) (TempCredentials, error) {
	expires, err := s.sessionExpiry(caller, duration)
	if err != nil {
		return TempCredentials{}, err
	}
	claims, err := s.newSessionClaims(caller, sessionPolicy)
	if err != nil {
		return TempCredentials{}, err
	}
	return s.issueSession(claims, expires)
}

// issueSession makes the temporary credentials of claims, which end at
// expires: a fresh access key, its secret, and the sealed claims as the
// session token.
func (s *Store) issueSession(claims sessionClaims, expires time.Time) (TempCredentials, error) {
	claims.Expires = expires.Unix()
	access := newSessionAccessKey()
	token, err := s.sealToken(access, claims)
	if err != nil {
		return TempCredentials{}, err
	}
	return TempCredentials{
		Credentials:  auth.Credentials{AccessKey: access, SecretKey: s.sessionSecret(access)},
		SessionToken: token,
		Expiration:   expires,
	}, nil
}

// sessionExpiry checks DurationSeconds (zero: not given) as AWS STS does
// and returns when the new credentials end.
func (s *Store) sessionExpiry(caller *Identity, duration time.Duration) (time.Time, error) {
	chained := caller.session != nil
	seconds := int64(duration / time.Second)
	switch {
	case duration == 0:
		duration = DefaultSessionDuration
	case duration < MinSessionDuration:
		return time.Time{}, s3err.ErrValidationError.WithMessage("1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to %d", seconds, int64(MinSessionDuration/time.Second))
	case duration > MaxSessionDuration:
		return time.Time{}, s3err.ErrValidationError.WithMessage("1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to %d", seconds, int64(MaxSessionDuration/time.Second))
	case chained && duration > MaxChainedSessionDuration:
		return time.Time{}, s3err.ErrValidationError.WithMessage("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	}
	expires := s.now().Add(duration).UTC().Truncate(time.Second)
	if chained && caller.expires.Before(expires) {
		expires = caller.expires
	}
	return expires, nil
}

// newSessionClaims says whom new credentials act for and what narrows
// them. A session asking for more passes on its own parent and policy.
// Credentials already narrowed by a policy (a session policy, a service
// account's inline policy) cannot take another: one policy narrows.
func (s *Store) newSessionClaims(caller *Identity, sessionPolicy []byte) (sessionClaims, error) {
	if len(sessionPolicy) > MaxSessionPolicySize {
		return sessionClaims{}, s3err.ErrValidationError.WithMessage("1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must have length less than or equal to %d", MaxSessionPolicySize)
	}
	var compact bytes.Buffer
	if len(sessionPolicy) > 0 {
		if err := validIdentityPolicy(sessionPolicy); err != nil {
			return sessionClaims{}, err
		}
		if caller.Session != nil {
			return sessionClaims{}, s3err.ErrInvalidArgument.WithMessage("Credentials that are already narrowed by a policy cannot take another session policy.")
		}
		if err := json.Compact(&compact, sessionPolicy); err != nil {
			return sessionClaims{}, s3err.ErrMalformedPolicy
		}
	}
	c := sessionClaims{Parent: caller.AccessKey, Policy: compact.Bytes()}
	switch {
	case caller.session != nil:
		c.Parent, c.Root, c.Fed = caller.session.Parent, caller.session.Root, caller.session.Fed
		if len(c.Policy) == 0 {
			c.Policy = caller.session.Policy
		}
	case caller.AccessKey == s.root.AccessKey:
		c.Root = s.rootFingerprint()
	}
	return c, nil
}

// Authenticate resolves the access key and session token ("" for none)
// of a request whose signature checked out. Temporary credentials need
// their token; other keys must come without one.
func (s *Store) Authenticate(ctx context.Context, access, token string) (*Identity, error) {
	if access != s.root.AccessKey && IsSessionAccessKey(access) {
		return s.sessionIdentity(ctx, access, token)
	}
	if token != "" {
		return nil, s3err.ErrInvalidToken
	}
	return s.Identity(ctx, access)
}

// sessionIdentity opens a session token: a token that was not issued with
// this access key is InvalidToken, an expired one ExpiredToken, and the
// parent must still be enabled.
func (s *Store) sessionIdentity(ctx context.Context, access, token string) (*Identity, error) {
	if token == "" {
		return nil, s3err.ErrInvalidToken.WithMessage("Temporary credentials need their session token.")
	}
	c, err := s.openToken(access, token)
	if err != nil {
		return nil, err
	}
	expires := time.Unix(c.Expires, 0).UTC()
	if !s.now().Before(expires) {
		return nil, s3err.ErrExpiredToken
	}
	if c.Fed != nil {
		return s.federatedIdentity(ctx, access, c, expires)
	}
	parent, err := s.sessionParent(ctx, c)
	if err != nil {
		return nil, err
	}
	id := &Identity{
		AccessKey: access, Username: parent.Username, Root: parent.Root, CanonicalID: parent.CanonicalID, Policies: parent.Policies, Session: parent.Session,
		secret: s.sessionSecret(access), expires: expires, session: &c, owner: parent.owner,
	}
	if len(c.Policy) > 0 {
		p, err := parseSessionPolicy(c.Policy)
		if err != nil || id.Session != nil {
			return nil, s3err.ErrInvalidToken
		}
		narrowBy(id, p)
	}
	return id, nil
}

// sessionParent is the identity a session acts for, as it is now.
func (s *Store) sessionParent(ctx context.Context, c sessionClaims) (*Identity, error) {
	isRoot := c.Parent == s.root.AccessKey
	if isRoot != (c.Root != nil) || isRoot && !hmac.Equal(c.Root, s.rootFingerprint()) {
		return nil, s3err.ErrInvalidToken.WithMessage("The root credentials that issued this token have changed.")
	}
	id, err := s.Identity(ctx, c.Parent)
	if errors.Is(err, s3err.ErrInvalidAccessKeyID) {
		return nil, s3err.ErrInvalidAccessKeyID.WithMessage("The user these temporary credentials act for is disabled or deleted.")
	}
	return id, err
}

// allowEverything stands for root's access where a policy must narrow it.
var allowEverything = &policy.Policy{Version: policy.Version2012, Statement: []policy.Statement{{
	Effect: policy.Allow, Action: policy.Values{"*"}, Resource: policy.Values{"*"},
}}}

// narrowBy makes p bound id: both id's policies and p must allow. Root
// may do anything, so root narrowed by p may do what p allows.
func narrowBy(id *Identity, p *policy.Policy) {
	if id.Root {
		id.Root = false
		id.Policies = []*policy.Policy{allowEverything}
	}
	id.Session = p
}

// sessionPolicies remembers parsed session policies by their text, so
// that a session's requests neither parse the policy again nor hand the
// policy package a new *Policy to compile each time. It is cleared when
// full: parsing again is the only cost.
var sessionPolicies struct {
	mu     sync.Mutex
	byText map[string]*policy.Policy
}

const maxSessionPolicies = 1024

func parseSessionPolicy(doc []byte) (*policy.Policy, error) {
	sessionPolicies.mu.Lock()
	p, ok := sessionPolicies.byText[string(doc)]
	sessionPolicies.mu.Unlock()
	if ok {
		return p, nil
	}
	p, err := policy.Parse(doc)
	if err != nil {
		return nil, err
	}
	sessionPolicies.mu.Lock()
	if sessionPolicies.byText == nil || len(sessionPolicies.byText) >= maxSessionPolicies {
		sessionPolicies.byText = map[string]*policy.Policy{}
	}
	sessionPolicies.byText[string(doc)] = p
	sessionPolicies.mu.Unlock()
	return p, nil
}
