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

type loginForm struct {
	AccessKey string
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if s.sessionOf(r) != nil {
		http.Redirect(w, r, "/buckets", http.StatusSeeOther)
		return
	}
	s.render(w, http.StatusOK, "login", nil, page{Title: "Log in", Data: loginForm{}})
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

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if !s.logins.allow(remoteHost(r)) {
		w.Header().Set("Retry-After", itoaSeconds(s.cfg.LoginInterval))
		s.render(w, http.StatusTooManyRequests, "login", nil, page{Title: "Log in",
			Error: "Too many login attempts; wait a little and try again.", Data: loginForm{AccessKey: r.PostFormValue("accessKey")}})
		return
	}
	accessKey := strings.TrimSpace(r.PostFormValue("accessKey"))
	secretKey := r.PostFormValue("secretKey")
	token := strings.TrimSpace(r.PostFormValue("sessionToken"))
	refuse := func(status int, msg string) {
		s.render(w, status, "login", nil, page{Title: "Log in", Error: msg, Data: loginForm{AccessKey: accessKey}})
	}
	if accessKey == "" || secretKey == "" {
		refuse(http.StatusUnauthorized, loginFailed)
		return
	}
	c, err := s.cfg.NewClient(accessKey, secretKey, token)
	if err != nil {
		refuse(http.StatusUnauthorized, loginFailed)
		return
	}
	ctx, cancel := requestContext(r)
	defer cancel()
	if _, err := c.ListBuckets(ctx); err != nil {
		code := client.ErrorCode(err)
		if badCredentials[code] {
			refuse(http.StatusUnauthorized, loginFailed)
			return
		}
		if code == "" { // the API did not answer
			s.cfg.Logger.Warn("console: login could not reach the API", "err", err)
			refuse(http.StatusBadGateway, "The server's API did not answer; try again.")
			return
		}
	}
	var ac *admin.Client
	if s.cfg.NewAdmin != nil {
		if ac, err = s.cfg.NewAdmin(accessKey, secretKey, token); err != nil {
			s.cfg.Logger.Warn("console: making the admin client", "err", err)
			refuse(http.StatusInternalServerError, "The console could not reach the admin API.")
			return
		}
	}
	// The browser's previous session, if any, ends: a login always
	// starts a new session with a new ID.
	if old, err := r.Cookie(sessionCookie); err == nil {
		s.sessions.remove(old.Value)
	}
	id, sess, err := s.sessions.create(accessKey, c, ac)
	if err != nil {
		s.cfg.Logger.Warn("console: login refused", "err", err)
		refuse(http.StatusServiceUnavailable, "The console has too many open sessions; try again later.")
		return
	}
	sess.usage = s.newUsageReader(accessKey, secretKey, token, ac) // before the browser has the ID
	sess.credentials = client.Static{AccessKey: accessKey, SecretKey: secretKey, SessionToken: token}
	http.SetCookie(w, &http.Cookie{
		Name:     sessionCookie,
		Value:    id,
		Path:     "/",
		MaxAge:   int(s.cfg.SessionLifetime / time.Second),
		HttpOnly: true,
		Secure:   s.cfg.Secure,
		SameSite: http.SameSiteStrictMode,
	})
	http.Redirect(w, r, "/buckets", http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, _ *session) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.sessions.remove(c.Value)
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.cfg.Secure, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func itoaSeconds(d time.Duration) string {
	return strconv.Itoa(max(1, int(d.Round(time.Second)/time.Second)))
}
