package console

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/kurastore/kura/admin"
	"github.com/kurastore/kura/client"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// contentSecurityPolicy allows scripts, styles and images from the
// console itself only: no inline script can run, so a key or a piece of
// metadata that slipped past escaping still could not execute. Nothing
// may frame the console (clickjacking), and forms post only to it.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// Defaults of Config.
const (
	DefaultSessionLifetime = 8 * time.Hour
	DefaultLoginBurst      = 5
	DefaultLoginInterval   = 10 * time.Second
	DefaultPageSize        = 100
	DefaultMaxSessions     = 10000
)

// maxFormBytes bounds the body of a form posted to the console: the
// largest is a page of keys ticked for deletion, 1000 keys of up to 1024
// bytes, each byte escaped to three characters at most.
const maxFormBytes = 4 << 20

// defaultFormReadTimeout is how long a form's body may take to arrive.
const defaultFormReadTimeout = time.Minute

// ClientFunc returns a client of the API that signs with the given
// credentials (sessionToken is empty but for STS credentials).
type ClientFunc func(accessKey, secretKey, sessionToken string) (*client.Client, error)

// AdminFunc returns a client of the API's admin calls that signs with
// the given credentials, as ClientFunc.
type AdminFunc func(accessKey, secretKey, sessionToken string) (*admin.Client, error)

// Config configures a Server.
type Config struct {
	// NewClient makes the client a session acts through; it must point
	// at the API's listener.
	NewClient ClientFunc
	// NewAdmin makes the admin client of a session, for the identity
	// and health pages; nil leaves those pages saying the admin API is
	// not available.
	NewAdmin AdminFunc
	// Secure marks the session cookie Secure: set it when the console
	// is served over TLS.
	Secure bool
	// SessionLifetime is how long a login lasts. Default 8 hours.
	SessionLifetime time.Duration
	// LoginBurst login attempts are allowed at once from one address,
	// then one every LoginInterval. Defaults 5 and 10 seconds.
	LoginBurst    int
	LoginInterval time.Duration
	// PageSize is how many entries a page of the object browser shows.
	// Default 100.
	PageSize int
	// UploadPartSize is the size of the parts the browser uploads a
	// large file in, and the most one upload request may carry.
	// Default 8 MiB.
	UploadPartSize int64
	// PublicAPIURL is the API's address as browsers and other programs
	// reach it (https://s3.example.com), which shared links name. Empty
	// means the console's own scheme and host name with the port of the
	// API the sessions' clients talk to.
	PublicAPIURL string
	// MaxSessions bounds the sessions open at once, so that a flood of
	// logins cannot exhaust memory; past it a login is refused until a
	// session ends. Default 10000.
	MaxSessions int
	Logger      *slog.Logger
	// Now is the clock of session expiry; nil means time.Now.
	Now func() time.Time
	// STSEndpoint is the URL of the STS that directory and OpenID logins
	// get temporary credentials from: the API's own, as the console
	// reaches it (on the loopback interface). STSClient makes those
	// calls; nil means http.DefaultClient. Without STSEndpoint, only
	// keys log in.
	STSEndpoint string
	STSClient   *http.Client
	// LoginMethods lists the identity providers the login page offers
	// besides keys. It is called for every login page, by browsers not
	// logged in: it returns kinds and names only. nil offers none.
	LoginMethods func(ctx context.Context) ([]LoginMethod, error)
	// OpenIDClient returns the console's client at the OpenID provider
	// name, secret included, to run a login; an error when no enabled
	// provider of that name offers one.
	OpenIDClient func(ctx context.Context, name string) (OpenIDClient, error)
	// IdPClient makes the calls to OpenID providers (discovery, keys,
	// token exchange); nil means a client with a 10-second timeout.
	IdPClient *http.Client
	// MaxPendingLogins bounds the OpenID logins under way (started, not
	// yet back from the provider); past it the oldest is dropped.
	// Default 1000.
	MaxPendingLogins int
	// NewUsage makes what reads the server's usage report for a session,
	// so that the buckets page shows exact figures to identities allowed
	// admin:DataUsageInfo. When it is nil the session's admin client reads
	// it; with neither the page counts by listing.
	NewUsage UsageFunc
}

// Server serves the console.
type Server struct {
	cfg      Config
	sessions *sessionStore
	// pending holds the OpenID logins under way, remotes the providers'
	// discovery documents and keys.
	pending *pendingStore
	remotes oidcRemotes
	logins  *loginLimiter
	pages   map[string]*template.Template
	mux     *http.ServeMux
	// partSlots bounds the upload bodies held in memory at once.
	partSlots chan struct{}
	// partReadTimeout bounds the reading of an upload body.
	partReadTimeout time.Duration
	// formReadTimeout bounds the reading of a posted form.
	formReadTimeout time.Duration
}

// New returns the console's handler.
func New(cfg Config) (*Server, error) {
	if cfg.NewClient == nil {
		return nil, errors.New("console: Config.NewClient is required")
	}
	if cfg.SessionLifetime <= 0 {
		cfg.SessionLifetime = DefaultSessionLifetime
	}
	if cfg.LoginBurst <= 0 {
		cfg.LoginBurst = DefaultLoginBurst
	}
	if cfg.LoginInterval <= 0 {
		cfg.LoginInterval = DefaultLoginInterval
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = DefaultPageSize
	}
	if cfg.UploadPartSize <= 0 {
		cfg.UploadPartSize = DefaultUploadPartSize
	}
	if err := checkPublicAPIURL(cfg.PublicAPIURL); err != nil {
		return nil, err
	}
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = DefaultMaxSessions
	}
	if cfg.MaxPendingLogins <= 0 {
		cfg.MaxPendingLogins = DefaultMaxPendingLogins
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:      cfg,
		sessions: newSessionStore(cfg.SessionLifetime, cfg.MaxSessions, cfg.Now),
		pending:  newPendingStore(cfg.MaxPendingLogins, pendingLifetime, cfg.Now),
		logins:   newLoginLimiter(cfg.LoginBurst, cfg.LoginInterval),
		pages:    pages,
		mux:      http.NewServeMux(),

		formReadTimeout: defaultFormReadTimeout,
	}
	s.routes()
	return s, nil
}

// parsePages parses every page: each templates/NAME.html but the layout,
// rendered inside templates/layout.html. A page may define a "scripts"
// block naming the extra files under /static it needs.
func parsePages() (map[string]*template.Template, error) {
	files, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, file := range files {
		name := strings.TrimSuffix(path.Base(file), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.New("layout.html").Funcs(templateFuncs).ParseFS(templateFiles, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, err
		}
		pages[name] = t
	}
	return pages, nil
}

// routes registers every page and action. Each group of pages keeps its
// routes beside its handlers.
func (s *Server) routes() {
	s.sessionRoutes()
	s.oauthRoutes()
	s.bucketRoutes()
	s.objectRoutes()
	s.versionRoutes()
	s.settingsRoutes()
	s.iamRoutes()
	s.healthRoutes()
	s.uploadRoutes()
	s.shareRoutes()
}

func (s *Server) sessionRoutes() {
	static, _ := fs.Sub(staticFiles, "static")
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	s.mux.HandleFunc("GET /login", s.loginPage)
	s.mux.HandleFunc("POST /login", s.login)
	s.mux.HandleFunc("POST /logout", s.withSession(s.logout))
	s.mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/buckets", http.StatusSeeOther)
	})
}

func (s *Server) bucketRoutes() {
	s.mux.HandleFunc("GET /buckets", s.withSession(s.bucketsPage))
	s.mux.HandleFunc("POST /buckets", s.withSession(s.createBucket))
	s.mux.HandleFunc("POST /buckets/{bucket}/delete", s.withSession(s.deleteBucket))
}

func (s *Server) objectRoutes() {
	s.mux.HandleFunc("GET /browse/{bucket}", s.withSession(s.objectsPage))
	s.mux.HandleFunc("POST /browse/{bucket}/delete", s.withSession(s.deleteObjects))
	s.mux.HandleFunc("GET /download/{bucket}", s.withSession(s.download))
	s.mux.HandleFunc("GET /object/{bucket}", s.withSession(s.objectPage))
	s.mux.HandleFunc("POST /object/{bucket}/tags", s.withSession(s.setTags))
}

// ServeHTTP sets the security headers of every answer and routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	if s.cfg.Secure {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	if err := crossOrigin.Check(r); err != nil {
		http.Error(w, "cross-origin request refused", http.StatusForbidden)
		return
	}
	if !s.boundForm(w, r) {
		return
	}
	s.mux.ServeHTTP(w, r)
}

// crossOrigin refuses a POST a browser says came from another origin:
// Sec-Fetch-Site other than same-origin (same-site included: the API on
// another port of the same host is the same site, and serves objects'
// HTML), or else an Origin that is not the console's ("null" included).
// The CSRF token is the defence; this also covers the login form, which
// has no session (and so no token) yet. A request without either header
// is not a browser's, and the token decides.
var crossOrigin = http.NewCrossOriginProtection()

// boundForm limits the body of a posted form to maxFormBytes and parses
// it, refusing a larger one with 413 before any handler reads it (a
// multipart form would otherwise spill its files to disk), and one not
// sent within formReadTimeout with 400 (the server has no read timeout
// of its own: uploads take long). Other bodies, and every body posted to
// /upload/ (a file's bytes, which may be typed as anything), are left to
// their handler. It reports whether the request may go on.
func (s *Server) boundForm(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodPost || strings.HasPrefix(r.URL.Path, "/upload/") {
		return true // an upload's body is a file's bytes, whatever its type, bounded by its handler
	}
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mediaType != "application/x-www-form-urlencoded" && mediaType != "multipart/form-data" {
		return true
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Now().Add(s.formReadTimeout)) // not supported by every writer: then the body is only bounded
	var err error
	if mediaType == "multipart/form-data" {
		err = r.ParseMultipartForm(maxFormBytes)
	} else {
		err = r.ParseForm()
	}
	if err == nil {
		rc.SetReadDeadline(time.Time{})
		return true
	}
	// The rest of the body is not waited for: the connection closes
	// after the answer.
	w.Header().Set("Connection", "close")
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		http.Error(w, fmt.Sprintf("a form may have at most %d bytes", maxFormBytes), http.StatusRequestEntityTooLarge)
	} else {
		http.Error(w, "the form could not be read", http.StatusBadRequest)
	}
	return false
}
