package console

import (
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/kurastore/kura/admin"
	"github.com/kurastore/kura/client"
)

// loginLimiter bounds login attempts per remote address, so a password
// cannot be guessed quickly through the console.
type loginLimiter struct {
	mu       sync.Mutex
	byAddr   map[string]*rate.Limiter
	burst    int
	interval time.Duration
}

// maxTrackedAddrs bounds the memory of the limiter: past it, addresses
// whose bucket is full again (no recent attempts) are forgotten, and if
// none is, a new address is refused.
const maxTrackedAddrs = 10000

func newLoginLimiter(burst int, interval time.Duration) *loginLimiter {
	return &loginLimiter{byAddr: map[string]*rate.Limiter{}, burst: burst, interval: interval}
}

func (l *loginLimiter) allow(addr string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	lim := l.byAddr[addr]
	if lim == nil {
		if len(l.byAddr) >= maxTrackedAddrs {
			l.forgetIdle()
		}
		if len(l.byAddr) >= maxTrackedAddrs {
			// Every tracked address tried recently: a flood from many
			// addresses. New ones wait until some are idle again.
			return false
		}
		lim = rate.NewLimiter(rate.Every(l.interval), l.burst)
		l.byAddr[addr] = lim
	}
	return lim.Allow()
}

// forgetIdle drops the limiters that would allow a full burst anyway.
// The caller holds mu.
func (l *loginLimiter) forgetIdle() {
	for addr, lim := range l.byAddr {
		if lim.Tokens() >= float64(l.burst) {
			delete(l.byAddr, addr)
		}
	}
}

// remoteHost is who a login attempt came from: the connection's IPv4
// address, or the /64 of its IPv6 address (one host commonly holds a
// whole /64, and could otherwise try from as many addresses). The
// console does not trust X-Forwarded-For: behind a proxy, every login
// shares its address's limit.
func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	addr = addr.Unmap()
	if addr.Is6() {
		prefix, _ := addr.Prefix(64)
		return prefix.String()
	}
	return addr.String()
}

// loginForm is what the login page shows: the access key or user name
// typed before a refusal, and the identity providers offered besides
// keys.
type loginForm struct {
	AccessKey string
	// Username is the directory login's.
	Username string
	// Directories names the LDAP providers; with any, the page has a
	// directory login form (kura's STS tries them in name order).
	Directories []string
	// OpenID names the OpenID providers offering a browser login.
	OpenID []string
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if sess, _ := s.sessionOf(r); sess != nil {
		http.Redirect(w, r, "/buckets", http.StatusSeeOther)
		return
	}
	// Why the last session ended, as withSession said: a fixed message,
	// never text from the link.
	p := page{Notice: endMessages[sessionEnd(r.URL.Query().Get("ended"))]}
	s.renderLogin(w, r, http.StatusOK, p, loginForm{})
}

// renderLogin renders the login page with the providers offered now; p
// carries an error or a notice. A provider list that cannot be read
// leaves the key login.
func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, status int, p page, form loginForm) {
	if s.cfg.LoginMethods != nil {
		ctx, cancel := requestContext(r)
		methods, err := s.cfg.LoginMethods(ctx)
		cancel()
		if err != nil {
			s.cfg.Logger.Warn("console: listing the login methods", "err", err)
		}
		for _, m := range methods {
			switch m.Kind {
			case LoginLDAP:
				form.Directories = append(form.Directories, m.Name)
			case LoginOpenID:
				form.OpenID = append(form.OpenID, m.Name)
			}
		}
	}
	p.Title, p.Data = "Log in", form
	s.render(w, status, "login", nil, p)
}

// refuseLogin renders the login page with the error msg.
func (s *Server) refuseLogin(w http.ResponseWriter, r *http.Request, status int, msg string, form loginForm) {
	s.renderLogin(w, r, status, page{Error: msg}, form)
}

// allowLogin counts a login attempt against the client's limit, and
// refuses it with 429 past the limit.
func (s *Server) allowLogin(w http.ResponseWriter, r *http.Request, form loginForm) bool {
	if s.logins.allow(remoteHost(r)) {
		return true
	}
	w.Header().Set("Retry-After", itoaSeconds(s.cfg.LoginInterval))
	s.refuseLogin(w, r, http.StatusTooManyRequests, "Too many login attempts; wait a little and try again.", form)
	return false
}

// badCredentials are the answers that say the keys themselves are wrong.
// Any other answer (AccessDenied for a user who may not list buckets,
// say) proves the signature was good.
var badCredentials = map[string]bool{
	"InvalidAccessKeyId":    true,
	"SignatureDoesNotMatch": true,
	"InvalidToken":          true,
	"ExpiredToken":          true,
	"InvalidClientTokenId":  true,
}

// loginFailed is the one message of every refused login: it does not say
// whether the key, the secret or the token was wrong.
const loginFailed = "Login failed: the access key, secret key or session token is not valid."

// apiDown is the message of a login the API did not answer.
const apiDown = "The server's API did not answer; try again."

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	accessKey := strings.TrimSpace(r.PostFormValue("accessKey"))
	form := loginForm{AccessKey: accessKey}
	if !s.allowLogin(w, r, form) {
		return
	}
	secretKey := r.PostFormValue("secretKey")
	token := strings.TrimSpace(r.PostFormValue("sessionToken"))
	if accessKey == "" || secretKey == "" {
		s.refuseLogin(w, r, http.StatusUnauthorized, loginFailed, form)
		return
	}
	c, err := s.cfg.NewClient(accessKey, secretKey, token)
	if err != nil {
		s.refuseLogin(w, r, http.StatusUnauthorized, loginFailed, form)
		return
	}
	ctx, cancel := requestContext(r)
	defer cancel()
	if _, err := c.ListBuckets(ctx); err != nil {
		code := client.ErrorCode(err)
		if badCredentials[code] {
			s.refuseLogin(w, r, http.StatusUnauthorized, loginFailed, form)
			return
		}
		if code == "" { // the API did not answer
			s.cfg.Logger.Warn("console: login could not reach the API", "err", err)
			s.refuseLogin(w, r, http.StatusBadGateway, apiDown, form)
			return
		}
	}
	creds := client.Credentials{AccessKey: accessKey, SecretKey: secretKey, SessionToken: token}
	if s.openSession(w, r, creds, "", form) {
		http.Redirect(w, r, "/buckets", http.StatusSeeOther)
	}
}

// openSession starts the session of credentials a login proved, and
// gives the browser its cookie; who names the user on the pages when
// the access key does not (""). Temporary credentials (Expires set) end
// the session when they expire. It renders the refusal and reports
// false when no session could be made.
func (s *Server) openSession(w http.ResponseWriter, r *http.Request, creds client.Credentials, who string, form loginForm) bool {
	c, err := s.cfg.NewClient(creds.AccessKey, creds.SecretKey, creds.SessionToken)
	if err != nil {
		s.cfg.Logger.Warn("console: making the client", "err", err)
		s.refuseLogin(w, r, http.StatusInternalServerError, "The console could not reach the API.", form)
		return false
	}
	var ac *admin.Client
	if s.cfg.NewAdmin != nil {
		if ac, err = s.cfg.NewAdmin(creds.AccessKey, creds.SecretKey, creds.SessionToken); err != nil {
			s.cfg.Logger.Warn("console: making the admin client", "err", err)
			s.refuseLogin(w, r, http.StatusInternalServerError, "The console could not reach the admin API.", form)
			return false
		}
	}
	// The browser's previous session, if any, ends: a login always
	// starts a new session with a new ID.
	if old, err := r.Cookie(sessionCookie); err == nil {
		s.sessions.remove(old.Value)
	}
	id, sess, err := s.sessions.create(creds.AccessKey, creds.Expires, c, ac)
	if err != nil {
		s.cfg.Logger.Warn("console: login refused", "err", err)
		s.refuseLogin(w, r, http.StatusServiceUnavailable, "The console has too many open sessions; try again later.", form)
		return false
	}
	// Filled in before the browser has the ID.
	sess.who = who
	sess.usage = s.newUsageReader(creds.AccessKey, creds.SecretKey, creds.SessionToken, ac)
	sess.credentials = client.Static{AccessKey: creds.AccessKey, SecretKey: creds.SecretKey, SessionToken: creds.SessionToken}
	// The cookie outlives temporary credentials: a browser whose session
	// ended with them is told so at its next page.
	http.SetCookie(w, &http.Cookie{
		Name:     sessionCookie,
		Value:    id,
		Path:     "/",
		MaxAge:   int(s.cfg.SessionLifetime / time.Second),
		HttpOnly: true,
		Secure:   s.cfg.Secure,
		SameSite: http.SameSiteStrictMode,
	})
	return true
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, _ *session) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.sessions.remove(c.Value)
	}
	s.clearCookie(w, sessionCookie, "/", http.SameSiteStrictMode)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func itoaSeconds(d time.Duration) string {
	return strconv.Itoa(max(1, int(d.Round(time.Second)/time.Second)))
}
