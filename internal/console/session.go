package console

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"sync"
	"time"

	"github.com/kurastore/kura/admin"
	"github.com/kurastore/kura/client"
)

// session is one logged-in browser. The credentials stay on the server;
// the browser only holds the session's ID.
type session struct {
	accessKey string
	// who names the user on the pages when it is not the access key
	// (the user of a directory or OpenID login, whose key is temporary).
	who       string
	csrfToken string
	expires   time.Time
	// credentialsEnd is set when the session ends because its
	// temporary credentials expire (a directory or OpenID login).
	credentialsEnd bool
	// client signs requests with the user's credentials, and admin
	// signs admin API calls with them (nil when Config.NewAdmin is).
	client *client.Client
	admin  *admin.Client
	// metrics is what the health page scraped, and the token it
	// scrapes with; made when the page is first viewed.
	metrics *metricsView
	// credentials sign the links the user shares, for the API's public
	// address (client talks to its loopback one).
	credentials client.Static

	mu sync.Mutex
	// uploadSlots bounds the upload bodies the session has in memory
	// at once (made on first use).
	uploadSlots chan struct{}
	// flash is shown once by the next page, after a redirect: a notice
	// of what was done, or an error.
	flash   string
	flashed flashKind

	// usage reads the usage report with the user's credentials; nil
	// when there is neither Config.NewUsage nor an admin client.
	usage UsageReader
}

type flashKind int

const (
	flashNotice flashKind = iota
	flashError
)

func (s *session) setNotice(msg string) { s.setFlash(flashNotice, msg) }
func (s *session) setError(msg string)  { s.setFlash(flashError, msg) }

func (s *session) setFlash(kind flashKind, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flash, s.flashed = msg, kind
}

// takeFlash puts the flash on p, and clears it.
func (s *session) takeFlash(p *page) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.flashed == flashError {
		p.Error = s.flash
	} else {
		p.Notice = s.flash
	}
	s.flash = ""
}

// validCSRF reports whether token is the session's, in constant time.
func (s *session) validCSRF(token string) bool {
	return token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(s.csrfToken)) == 1
}

// sessionStore holds the sessions in memory: a restart logs everyone
// out, and the secrets never reach a disk.
type sessionStore struct {
	mu       sync.Mutex
	sessions map[string]*session
	lifetime time.Duration
	// limit bounds the live sessions: each holds clients, and a flood
	// of logins must not exhaust memory.
	limit int
	now   func() time.Time
}

func newSessionStore(lifetime time.Duration, limit int, now func() time.Time) *sessionStore {
	return &sessionStore{sessions: map[string]*session{}, lifetime: lifetime, limit: limit, now: now}
}

// errTooManySessions refuses a login while the store is full. Open
// sessions are kept rather than dropped: a flood of logins must not log
// everyone else out.
var errTooManySessions = errors.New("too many sessions are open")

// randomToken is 32 random bytes, URL-safe: unguessable as a session ID
// or a CSRF token.
func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b)
}

// create starts a session acting through c and ac, and returns its ID;
// errTooManySessions when limit sessions are live. The session lasts the
// store's lifetime, or until credentialsExpire when that is sooner: a
// session never outlives its temporary credentials.
func (st *sessionStore) create(accessKey string, credentialsExpire time.Time, c *client.Client, ac *admin.Client) (string, *session, error) {
	id := randomToken()
	s := &session{accessKey: accessKey, csrfToken: randomToken(), expires: st.now().Add(st.lifetime), client: c, admin: ac}
	if !credentialsExpire.IsZero() && credentialsExpire.Before(s.expires) {
		s.expires, s.credentialsEnd = credentialsExpire, true
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.dropExpired()
	if len(st.sessions) >= st.limit {
		return "", nil, errTooManySessions
	}
	st.sessions[id] = s
	return id, s, nil
}

// sessionEnd says why a browser's session is gone, for the login page
// to tell (the ended parameter of /login).
type sessionEnd string

const (
	// endUnknown: no such session (the console restarted, or the
	// session expired and was forgotten).
	endUnknown sessionEnd = "unknown"
	// endExpired: the session's lifetime was up.
	endExpired sessionEnd = "expired"
	// endCredentials: its temporary credentials expired.
	endCredentials sessionEnd = "credentials"
)

// endMessages are what the login page says of each end.
var endMessages = map[sessionEnd]string{
	endUnknown:     "Your session has ended; log in again.",
	endExpired:     "Your session expired; log in again.",
	endCredentials: "Your session ended: its temporary credentials expired. Log in again.",
}

// get returns the live session of id, or nil and why there is none.
func (st *sessionStore) get(id string) (*session, sessionEnd) {
	st.mu.Lock()
	defer st.mu.Unlock()
	s := st.sessions[id]
	if s == nil {
		return nil, endUnknown
	}
	if !st.now().Before(s.expires) {
		// Kept until the next login drops it (dropExpired), so that
		// every page the browser asks for until then says why.
		if s.credentialsEnd {
			return nil, endCredentials
		}
		return nil, endExpired
	}
	return s, ""
}

func (st *sessionStore) remove(id string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	delete(st.sessions, id)
}

// dropExpired forgets expired sessions, so abandoned logins do not pile
// up. The caller holds mu.
func (st *sessionStore) dropExpired() {
	now := st.now()
	for id, s := range st.sessions {
		if !now.Before(s.expires) {
			delete(st.sessions, id)
		}
	}
}
