package iam

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/kurastore/kura/internal/auth"
	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/meta/pebblestore"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/policy"
)

// clock is a settable time for stores under test.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newClockedStore(t *testing.T) (*Store, meta.Store, *clock) {
	t.Helper()
	m, err := pebblestore.Open("iam", &pebblestore.Options{FS: vfs.NewMem()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	s, err := NewStore(m, root, testSealKey, c.now)
	if err != nil {
		t.Fatal(err)
	}
	return s, m, c
}

// addUser adds a user with policies and returns its identity.
func addUser(t *testing.T, s *Store, name string, policies ...string) *Identity {
	t.Helper()
	ctx := context.Background()
	if err := s.AddUser(ctx, name, name+"-secret-1"); err != nil {
		t.Fatal(err)
	}
	for _, p := range policies {
		if err := s.AttachPolicy(ctx, p, name, ""); err != nil {
			t.Fatal(err)
		}
	}
	id, err := s.Identity(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func assume(t *testing.T, s *Store, caller *Identity, d time.Duration, doc string) TempCredentials {
	t.Helper()
	tc, err := s.AssumeRole(context.Background(), caller, d, []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return tc
}

func authenticate(t *testing.T, s *Store, tc TempCredentials) *Identity {
	t.Helper()
	id, err := s.Authenticate(context.Background(), tc.AccessKey, tc.SessionToken)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func allows(id *Identity, action, resource string) bool {
	req := policy.Request{Action: action, Resource: resource, Principal: id.Username, Username: id.Username}
	return id.Root || policy.Narrow(policy.EvaluateAll(req, id.Policies, nil), id.Session, req)
}

const oneBucketRead = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::one/*"]}]}`

func TestSessionCredentials(t *testing.T) {
	s, _, _ := newClockedStore(t)
	ctx := context.Background()
	dave := addUser(t, s, "dave", "readonly")
	tc := assume(t, s, dave, 0, oneBucketRead)
	if !IsSessionAccessKey(tc.AccessKey) || tc.SecretKey == "" || tc.SessionToken == "" {
		t.Fatalf("credentials: %+v", tc)
	}
	if sec, err := s.Secret(tc.AccessKey); err != nil || sec != tc.SecretKey {
		t.Fatalf("secret lookup of a session key: %q %v", sec, err)
	}
	id := authenticate(t, s, tc)
	if id.Username != "dave" || id.AccessKey != tc.AccessKey || id.Session == nil || len(id.Policies) != 1 || id.Root {
		t.Fatalf("session identity: %+v", id)
	}
	if !allows(id, "s3:GetObject", "arn:aws:s3:::one/x") || allows(id, "s3:GetObject", "arn:aws:s3:::two/x") {
		t.Fatal("the session policy does not narrow the user's readonly")
	}
	// Another store on the same metadata with the same seal key (another
	// gateway) accepts the token.
	gw2, err := NewStore(s.meta, root, testSealKey, s.now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gw2.Authenticate(ctx, tc.AccessKey, tc.SessionToken); err != nil {
		t.Fatalf("another gateway: %v", err)
	}
	if sec, _ := gw2.Secret(tc.AccessKey); sec != tc.SecretKey {
		t.Fatal("another gateway derives another secret")
	}
}

func TestSessionTokenTampered(t *testing.T) {
	s, _, _ := newClockedStore(t)
	ctx := context.Background()
	dave := addUser(t, s, "dave", "readonly")
	tc := assume(t, s, dave, 0, "")
	other := assume(t, s, dave, 0, "")
	raw, err := base64.RawURLEncoding.DecodeString(tc.SessionToken)
	if err != nil {
		t.Fatal(err)
	}
	flipped := bytes.Clone(raw)
	flipped[len(flipped)/2] ^= 1
	for name, token := range map[string]string{
		"missing":          "",
		"one byte flipped": base64.RawURLEncoding.EncodeToString(flipped),
		"truncated":        tc.SessionToken[:len(tc.SessionToken)-4],
		"not base64":       "%%%",
		"short":            "AAAA",
		"another session":  other.SessionToken,
	} {
		if _, err := s.Authenticate(ctx, tc.AccessKey, token); !errors.Is(err, s3err.ErrInvalidToken) {
			t.Errorf("%s token: %v", name, err)
		}
	}
	// A token on permanent keys, and a session key unknown to Identity.
	if _, err := s.Authenticate(ctx, "dave", tc.SessionToken); !errors.Is(err, s3err.ErrInvalidToken) {
		t.Errorf("a token on a user's keys: %v", err)
	}
	if _, err := s.Authenticate(ctx, root.AccessKey, tc.SessionToken); !errors.Is(err, s3err.ErrInvalidToken) {
		t.Errorf("a token on root's keys: %v", err)
	}
	// A token sealed under another seal key.
	foreign, err := NewStore(s.meta, root, bytes.Repeat([]byte{9}, SealKeySize), s.now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := foreign.Authenticate(ctx, tc.AccessKey, tc.SessionToken); !errors.Is(err, s3err.ErrInvalidToken) {
		t.Errorf("another seal key: %v", err)
	}
}

func TestSessionExpires(t *testing.T) {
	s, _, c := newClockedStore(t)
	ctx := context.Background()
	dave := addUser(t, s, "dave", "readonly")
	tc := assume(t, s, dave, MinSessionDuration, "")
	if want := c.t.Add(MinSessionDuration); !tc.Expiration.Equal(want) {
		t.Fatalf("expiration %v, want %v", tc.Expiration, want)
	}
	c.t = tc.Expiration.Add(-time.Second)
	if _, err := s.Authenticate(ctx, tc.AccessKey, tc.SessionToken); err != nil {
		t.Fatalf("a second before expiry: %v", err)
	}
	c.t = tc.Expiration
	if _, err := s.Authenticate(ctx, tc.AccessKey, tc.SessionToken); !errors.Is(err, s3err.ErrExpiredToken) {
		t.Fatalf("at expiry: %v", err)
	}
}

func TestSessionEndsWithItsParent(t *testing.T) {
	s, _, _ := newClockedStore(t)
	ctx := context.Background()
	dave := addUser(t, s, "dave", "readonly")
	tc := assume(t, s, dave, 0, "")
	svc, err := s.AddServiceAccount(ctx, "dave", nil)
	if err != nil {
		t.Fatal(err)
	}
	svcID, err := s.Identity(ctx, svc.AccessKey)
	if err != nil {
		t.Fatal(err)
	}
	svcSession := assume(t, s, svcID, 0, "")
	if id := authenticate(t, s, svcSession); id.Username != "dave" || !allows(id, "s3:GetObject", "arn:aws:s3:::any/x") {
		t.Fatalf("session of a service account: %+v", id)
	}
	check := func(what string, want error) {
		t.Helper()
		for _, c := range []TempCredentials{tc, svcSession} {
			if _, err := s.Authenticate(ctx, c.AccessKey, c.SessionToken); !errors.Is(err, want) {
				t.Fatalf("%s: %v, want %v", what, err, want)
			}
		}
	}
	check("enabled", nil)
	if err := s.SetUserStatus(ctx, "dave", StatusDisabled); err != nil {
		t.Fatal(err)
	}
	check("parent disabled", s3err.ErrInvalidAccessKeyID)
	if err := s.SetUserStatus(ctx, "dave", StatusEnabled); err != nil {
		t.Fatal(err)
	}
	check("parent enabled again", nil)
	if err := s.RemoveUser(ctx, "dave"); err != nil {
		t.Fatal(err)
	}
	check("parent deleted", s3err.ErrInvalidAccessKeyID)
}

func TestSessionDurationLimits(t *testing.T) {
	s, _, c := newClockedStore(t)
	dave := addUser(t, s, "dave", "readonly")
	for _, d := range []time.Duration{MinSessionDuration - time.Second, MaxSessionDuration + time.Second, -time.Second} {
		if _, err := s.AssumeRole(context.Background(), dave, d, nil); !errors.Is(err, s3err.ErrValidationError) {
			t.Errorf("duration %v: %v", d, err)
		}
	}
	for _, d := range []time.Duration{MinSessionDuration, MaxSessionDuration} {
		if tc := assume(t, s, dave, d, ""); !tc.Expiration.Equal(c.t.Add(d)) {
			t.Errorf("duration %v: expires %v", d, tc.Expiration)
		}
	}
	if tc := assume(t, s, dave, 0, ""); !tc.Expiration.Equal(c.t.Add(DefaultSessionDuration)) {
		t.Errorf("default duration: expires %v", tc.Expiration)
	}
}

func TestChainedSessionIsCapped(t *testing.T) {
	s, _, c := newClockedStore(t)
	ctx := context.Background()
	dave := addUser(t, s, "dave", "readonly")
	first := authenticate(t, s, assume(t, s, dave, MaxSessionDuration, oneBucketRead))
	// An hour is the most a session may ask for; an hour and a second
	// is refused.
	if _, err := s.AssumeRole(ctx, first, MaxChainedSessionDuration+time.Second, nil); !errors.Is(err, s3err.ErrValidationError) {
		t.Fatalf("chained over an hour: %v", err)
	}
	if _, err := s.AssumeRole(ctx, first, MaxSessionDuration, nil); !errors.Is(err, s3err.ErrValidationError) {
		t.Fatalf("chained for 12 hours: %v", err)
	}
	tc := assume(t, s, first, MaxChainedSessionDuration, "")
	if !tc.Expiration.Equal(c.t.Add(MaxChainedSessionDuration)) {
		t.Fatalf("chained for an hour: expires %v", tc.Expiration)
	}
	if tc := assume(t, s, first, 0, ""); !tc.Expiration.Equal(c.t.Add(DefaultSessionDuration)) {
		t.Fatalf("chained, default: expires %v", tc.Expiration)
	}
	// The chained session keeps its parent's user and session policy.
	second := authenticate(t, s, tc)
	if second.Username != "dave" || !allows(second, "s3:GetObject", "arn:aws:s3:::one/x") || allows(second, "s3:GetObject", "arn:aws:s3:::two/x") {
		t.Fatalf("chained identity widened: %+v", second)
	}
	if _, err := s.AssumeRole(ctx, second, 0, []byte(oneBucketRead)); !errors.Is(err, s3err.ErrInvalidArgument) {
		t.Fatalf("a second session policy: %v", err)
	}
	// A session never outlives the one that asked for it, however often
	// it renews itself.
	short := authenticate(t, s, assume(t, s, dave, MinSessionDuration, ""))
	c.t = c.t.Add(10 * time.Minute)
	renewed := assume(t, s, short, MaxChainedSessionDuration, "")
	if !renewed.Expiration.Equal(short.expires) {
		t.Fatalf("chained expires %v, its parent session %v", renewed.Expiration, short.expires)
	}
	again := assume(t, s, authenticate(t, s, renewed), MaxChainedSessionDuration, "")
	if !again.Expiration.Equal(short.expires) {
		t.Fatalf("chained twice expires %v, the first session %v", again.Expiration, short.expires)
	}
	c.t = short.expires
	if _, err := s.Authenticate(ctx, again.AccessKey, again.SessionToken); !errors.Is(err, s3err.ErrExpiredToken) {
		t.Fatalf("chained session after its first session's expiry: %v", err)
	}
}

func TestAssumeRoleStoresNothing(t *testing.T) {
	s, m, _ := newClockedStore(t)
	ctx := context.Background()
	erin := addUser(t, s, "erin")
	snapshot := func() (keys int, generation string) {
		err := m.View(ctx, func(r meta.Reader) error {
			it, err := r.NewIter(nil, nil)
			if err != nil {
				return err
			}
			defer it.Close()
			for ok := it.First(); ok; ok = it.Next() {
				keys++
			}
			g, _ := r.Get(GenerationKey)
			generation = string(g)
			return it.Err()
		})
		if err != nil {
			t.Fatal(err)
		}
		return keys, generation
	}
	keys, gen := snapshot()
	for range 500 {
		assume(t, s, erin, 0, "")
	}
	if k, g := snapshot(); k != keys || g != gen {
		t.Fatalf("500 AssumeRole calls: %d keys before, %d after; generation changed: %v", keys, k, g != gen)
	}
}

func TestSessionPolicyLimit(t *testing.T) {
	s, _, _ := newClockedStore(t)
	dave := addUser(t, s, "dave", "readonly")
	padded := func(n int) []byte { return []byte(oneBucketRead + strings.Repeat(" ", n-len(oneBucketRead))) }
	if _, err := s.AssumeRole(context.Background(), dave, 0, padded(MaxSessionPolicySize)); err != nil {
		t.Fatalf("a policy of %d characters: %v", MaxSessionPolicySize, err)
	}
	if _, err := s.AssumeRole(context.Background(), dave, 0, padded(MaxSessionPolicySize+1)); !errors.Is(err, s3err.ErrValidationError) {
		t.Fatalf("a policy of %d characters: %v", MaxSessionPolicySize+1, err)
	}
	if _, err := s.AssumeRole(context.Background(), dave, 0, []byte(`{"Statement":`)); !errors.Is(err, s3err.ErrMalformedPolicy) {
		t.Fatalf("a malformed policy: %v", err)
	}
}

func TestRootSessions(t *testing.T) {
	s, _, _ := newClockedStore(t)
	ctx := context.Background()
	rootID, err := s.Identity(ctx, root.AccessKey)
	if err != nil {
		t.Fatal(err)
	}
	if id := authenticate(t, s, assume(t, s, rootID, 0, "")); !id.Root {
		t.Fatalf("root's session without a policy: %+v", id)
	}
	narrowed := assume(t, s, rootID, 0, oneBucketRead)
	id := authenticate(t, s, narrowed)
	if id.Root || !allows(id, "s3:GetObject", "arn:aws:s3:::one/x") {
		t.Fatalf("root's session does not get what its policy allows: %+v", id)
	}
	if allows(id, "s3:PutObject", "arn:aws:s3:::one/x") || allows(id, "admin:CreateUser", "arn:aws:s3:::*") {
		t.Fatal("root's session got more than its policy allows")
	}
	// A service account of root with an inline policy is the same.
	svc, err := s.AddServiceAccount(ctx, root.AccessKey, []byte(oneBucketRead))
	if err != nil {
		t.Fatal(err)
	}
	sid, err := s.Identity(ctx, svc.AccessKey)
	if err != nil || sid.Root || !allows(sid, "s3:GetObject", "arn:aws:s3:::one/x") || allows(sid, "s3:PutObject", "arn:aws:s3:::one/x") {
		t.Fatalf("root's service account with a policy: %+v %v", sid, err)
	}
	// New root credentials end root's sessions, not users' sessions.
	dave := addUser(t, s, "dave", "readonly")
	daves := assume(t, s, dave, 0, "")
	rotated, err := NewStore(s.meta, auth.Credentials{AccessKey: root.AccessKey, SecretKey: "another-root-secret"}, testSealKey, s.now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rotated.Authenticate(ctx, narrowed.AccessKey, narrowed.SessionToken); !errors.Is(err, s3err.ErrInvalidToken) {
		t.Fatalf("root's session after a new root password: %v", err)
	}
	if _, err := rotated.Authenticate(ctx, daves.AccessKey, daves.SessionToken); err != nil {
		t.Fatalf("a user's session after a new root password: %v", err)
	}
	// Root's sessions never pass to a user named like root's old access
	// key.
	renamed, err := NewStore(s.meta, auth.Credentials{AccessKey: "NEWROOT", SecretKey: root.SecretKey}, testSealKey, s.now)
	if err != nil {
		t.Fatal(err)
	}
	if err := renamed.AddUser(ctx, root.AccessKey, "a-user-now-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := renamed.Authenticate(ctx, narrowed.AccessKey, narrowed.SessionToken); !errors.Is(err, s3err.ErrInvalidToken) {
		t.Fatalf("root's session after root's access key changed: %v", err)
	}
}

func TestSessionAccessKeysAreReserved(t *testing.T) {
	s, _, _ := newClockedStore(t)
	key := newSessionAccessKey()
	if !IsSessionAccessKey(key) || len(key) != 20 {
		t.Fatalf("session key %q", key)
	}
	for _, k := range []string{"ASIA" + strings.Repeat("A", 15), "ASIA" + strings.Repeat("A", 17), "ASIA" + strings.Repeat("a", 16), "ASIA" + strings.Repeat("1", 16), "AKIA" + strings.Repeat("A", 16)} {
		if IsSessionAccessKey(k) {
			t.Errorf("%q taken for a session key", k)
		}
	}
	if err := s.AddUser(context.Background(), key, "a-user-secret"); !errors.Is(err, s3err.ErrInvalidArgument) {
		t.Fatalf("a user with a session access key: %v", err)
	}
}

// legacyUser stores a user as older versions did: its secret sealed under
// a key derived from the root credentials.
func legacyUser(t *testing.T, m meta.Store, creds auth.Credentials, u User, secret string) {
	t.Helper()
	aead, err := legacySecretsAEAD(creds)
	if err != nil {
		t.Fatal(err)
	}
	u.Sealed = sealWith(aead, []byte(secret), []byte(u.AccessKey))
	data, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	err = m.Update(context.Background(), nil, func(tx meta.Txn) error { return tx.Set(userKey(u.AccessKey), data) })
	if err != nil {
		t.Fatal(err)
	}
}

func TestAdoptSealKeyReseals(t *testing.T) {
	s, m, c := newClockedStore(t)
	ctx := context.Background()
	legacyUser(t, m, root, User{AccessKey: "old-alice", Status: StatusEnabled}, "old-alice-secret")
	legacyUser(t, m, root, User{AccessKey: "OLDSVC", Status: StatusEnabled, Parent: "old-alice"}, "old-svc-secret")
	legacyUser(t, m, root, User{AccessKey: "OLDTEMP", Status: StatusEnabled, Parent: "old-alice", Expiration: c.t.Add(time.Hour)}, "old-temp-secret")
	lost := auth.Credentials{AccessKey: root.AccessKey, SecretKey: "a-root-secret-of-long-ago"}
	legacyUser(t, m, lost, User{AccessKey: "lost", Status: StatusEnabled}, "lost-secret-1")
	if _, err := s.Secret("old-alice"); err == nil {
		t.Fatal("a legacy secret opened before adoption")
	}
	rep, err := s.AdoptSealKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Adopted || rep.Resealed != 2 || rep.Dropped != 1 || len(rep.Unreadable) != 1 || rep.Unreadable[0] != "lost" {
		t.Fatalf("report: %+v", rep)
	}
	// After adoption, a new root password leaves users working.
	rotated, err := NewStore(m, auth.Credentials{AccessKey: root.AccessKey, SecretKey: "the-new-root-secret"}, testSealKey, c.now)
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := rotated.AdoptSealKey(ctx); err != nil || rep.Adopted {
		t.Fatalf("second adoption: %+v %v", rep, err)
	}
	for access, secret := range map[string]string{"old-alice": "old-alice-secret", "OLDSVC": "old-svc-secret"} {
		if got, err := rotated.Secret(access); err != nil || got != secret {
			t.Fatalf("%s after adoption and a new root password: %q %v", access, got, err)
		}
	}
	if _, err := rotated.Secret("OLDTEMP"); !errors.Is(err, s3err.ErrInvalidAccessKeyID) {
		t.Fatalf("stored temporary credentials: %v", err)
	}
	// A server with another seal key refuses to start on this store.
	other, err := NewStore(m, root, bytes.Repeat([]byte{1}, SealKeySize), c.now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.AdoptSealKey(ctx); !errors.Is(err, ErrSealKeyMismatch) {
		t.Fatalf("another seal key: %v", err)
	}
}

func TestAdoptSealKeyOnNewStore(t *testing.T) {
	s, _, _ := newClockedStore(t)
	ctx := context.Background()
	rep, err := s.AdoptSealKey(ctx)
	if err != nil || !rep.Adopted || rep.Resealed != 0 {
		t.Fatalf("new store: %+v %v", rep, err)
	}
	addUser(t, s, "fresh")
	if rep, err := s.AdoptSealKey(ctx); err != nil || rep.Adopted {
		t.Fatalf("restart: %+v %v", rep, err)
	}
	if sec, err := s.Secret("fresh"); err != nil || sec != "fresh-secret-1" {
		t.Fatalf("user after restart: %q %v", sec, err)
	}
}

// BenchmarkAuthenticate compares resolving a user's keys (from the
// identity cache) with opening a session token with a session policy.
func BenchmarkAuthenticate(b *testing.B) {
	m, err := pebblestore.Open("iam", &pebblestore.Options{FS: vfs.NewMem()})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	s, err := NewStore(m, root, testSealKey, nil)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if err := s.AddUser(ctx, "bench", "bench-secret-1"); err != nil {
		b.Fatal(err)
	}
	caller, err := s.Identity(ctx, "bench")
	if err != nil {
		b.Fatal(err)
	}
	tc, err := s.AssumeRole(ctx, caller, 0, []byte(oneBucketRead))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("user", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.Authenticate(ctx, "bench", ""); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("session", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.Authenticate(ctx, tc.AccessKey, tc.SessionToken); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func TestSessionPolicyMemoIsBounded(t *testing.T) {
	doc := func(i int) []byte {
		return []byte(strings.Replace(oneBucketRead, "one/*", "b"+strings.Repeat("x", i%7)+"/"+string(rune('a'+i%26))+"-"+time.Duration(i).String(), 1))
	}
	sessionPolicies.mu.Lock()
	sessionPolicies.byText = nil
	sessionPolicies.mu.Unlock()
	first, err := parseSessionPolicy(doc(0))
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < maxSessionPolicies; i++ {
		if _, err := parseSessionPolicy(doc(i)); err != nil {
			t.Fatal(err)
		}
	}
	if again, _ := parseSessionPolicy(doc(0)); again != first || len(sessionPolicies.byText) != maxSessionPolicies {
		t.Fatalf("at %d policies the first was forgotten (%d kept)", maxSessionPolicies, len(sessionPolicies.byText))
	}
	if _, err := parseSessionPolicy(doc(maxSessionPolicies)); err != nil {
		t.Fatal(err)
	}
	if n := len(sessionPolicies.byText); n != 1 {
		t.Fatalf("after %d policies %d are kept, want 1", maxSessionPolicies+1, n)
	}
	if again, _ := parseSessionPolicy(doc(0)); again == first {
		t.Fatal("a forgotten policy came back as the same value")
	}
}

// TestSessionsConcurrently issues and checks sessions from many
// goroutines at once, while the parent's policies change (run with -race).
func TestSessionsConcurrently(t *testing.T) {
	s, _, _ := newClockedStore(t)
	ctx := context.Background()
	dave := addUser(t, s, "dave", "readonly")
	errs := make(chan error, 8)
	for g := range 8 {
		go func() {
			for i := range 50 {
				doc := ""
				if (g+i)%2 == 0 {
					doc = oneBucketRead
				}
				tc, err := s.AssumeRole(ctx, dave, 0, []byte(doc))
				if err == nil {
					_, err = s.Authenticate(ctx, tc.AccessKey, tc.SessionToken)
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 5 {
		if err := s.AttachPolicy(ctx, "readwrite", "dave", ""); err != nil {
			t.Fatal(err)
		}
		if err := s.DetachPolicy(ctx, "readwrite", "dave", ""); err != nil {
			t.Fatal(err)
		}
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
