package console

import (
	"sync"
	"time"
)

// pendingLogin is an OpenID login between the redirect to the provider
// and the provider's redirect back: what the callback must find again.
// It stays on the server; the browser holds only its random ID, in the
// pre-login cookie.
type pendingLogin struct {
	provider string
	// state is sent to the provider and must come back unchanged; nonce
	// must be in the ID token; verifier is the PKCE secret whose hash
	// the provider got, sent with the code.
	state, nonce, verifier string
	redirectURL            string
	expires                time.Time
}

// pendingStore holds the pending logins. Anyone may start a login, so
// it is bounded: past limit it drops expired logins, then the oldest, so
// that a flood of starts costs no memory and does not keep everyone from
// logging in (it can only cut short logins that take longer than the
// flood needs to fill the store).
type pendingStore struct {
	mu       sync.Mutex
	byID     map[string]*pendingLogin
	limit    int
	lifetime time.Duration
	now      func() time.Time
}

func newPendingStore(limit int, lifetime time.Duration, now func() time.Time) *pendingStore {
	return &pendingStore{byID: map[string]*pendingLogin{}, limit: limit, lifetime: lifetime, now: now}
}

// add keeps p, which expires after the store's lifetime, and returns its
// ID.
func (ps *pendingStore) add(p *pendingLogin) string {
	id := randomToken()
	ps.mu.Lock()
	defer ps.mu.Unlock()
	now := ps.now()
	p.expires = now.Add(ps.lifetime)
	if len(ps.byID) >= ps.limit {
		for k, q := range ps.byID {
			if !now.Before(q.expires) {
				delete(ps.byID, k)
			}
		}
	}
	for len(ps.byID) >= ps.limit {
		var oldest string
		for k, q := range ps.byID {
			if oldest == "" || q.expires.Before(ps.byID[oldest].expires) {
				oldest = k
			}
		}
		delete(ps.byID, oldest)
	}
	ps.byID[id] = p
	return id
}

// take removes and returns the live login of id: a login is used once,
// whether its callback succeeds or not. nil when there is none.
func (ps *pendingStore) take(id string) *pendingLogin {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	p := ps.byID[id]
	delete(ps.byID, id)
	if p == nil || !ps.now().Before(p.expires) {
		return nil
	}
	return p
}

// remove forgets the login of id, if any (a browser starting another).
func (ps *pendingStore) remove(id string) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	delete(ps.byID, id)
}

func (ps *pendingStore) len() int {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return len(ps.byID)
}
