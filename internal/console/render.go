package console

import (
	"bytes"
	"cmp"
	"context"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
)

// sessionCookie names the cookie that holds the session ID.
const sessionCookie = "kura_console"

// csrfField is the form field, and csrfHeader the header, that carry the
// session's CSRF token on a POST.
const (
	csrfField  = "csrf"
	csrfHeader = "X-CSRF-Token"
)

var templateFuncs = template.FuncMap{
	"bytes": func(n int64) string { return humanize.IBytes(uint64(max(n, 0))) },
	"time": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	},
	// seg is one segment of a URL's path: a name with '/', '?', '#' or
	// '%' (an IAM user or group may have them) must stay inside its
	// segment, not move a link or a form's action to another route.
	"seg": url.PathEscape,
	// base is the last part of a key or prefix below the folder shown.
	"base": func(key, folder string) string { return strings.TrimPrefix(key, folder) },
}

// page is what every template gets: the page's own data, and what the
// layout needs.
type page struct {
	Title     string
	AccessKey string // who is logged in (the access key, or a federated user's name); empty when logged out
	CSRF      string
	Error     string
	Notice    string
	Data      any
}

// render writes the page name; a template error becomes a 500 (nothing
// was written yet, since the page renders into a buffer first).
func (s *Server) render(w http.ResponseWriter, status int, name string, sess *session, p page) {
	if sess != nil {
		p.AccessKey, p.CSRF = cmp.Or(sess.who, sess.accessKey), sess.csrfToken
	}
	var buf bytes.Buffer
	if err := s.pages[name].Execute(&buf, p); err != nil {
		s.cfg.Logger.Error("console: rendering a page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

type sessionHandler func(w http.ResponseWriter, r *http.Request, sess *session)

// withSession runs h for a logged-in browser, after checking the CSRF
// token of a POST; a browser without a session goes to the login page.
func (s *Server) withSession(h sessionHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sess, end := s.sessionOf(r)
		if sess == nil {
			// When the cookie names a session that is gone, the login
			// page says why.
			if r.Method == http.MethodGet {
				target := "/login"
				if end != "" {
					target += "?ended=" + string(end)
				}
				http.Redirect(w, r, target, http.StatusSeeOther)
				return
			}
			http.Error(w, "not logged in: "+cmp.Or(endMessages[end], "log in first."), http.StatusUnauthorized)
			return
		}
		if r.Method == http.MethodPost {
			token := r.Header.Get(csrfHeader)
			if token == "" && !strings.HasPrefix(r.URL.Path, "/upload/") { // an upload's body is never a form
				token = r.PostFormValue(csrfField)
			}
			if !sess.validCSRF(token) {
				http.Error(w, "invalid or missing CSRF token", http.StatusForbidden)
				return
			}
		}
		if bucket := r.PathValue("bucket"); bucket != "" && !bucketNameShape(bucket) {
			s.render(w, http.StatusBadRequest, "error", sess, page{Title: "Bucket", Error: "InvalidBucketName: " + bucket + " is not a bucket name."})
			return
		}
		h(w, r, sess)
	}
}

// bucketNameShape reports whether name could be a bucket's: letters,
// digits, '.', '_' and '-' (legacy names included), starting with a
// letter or a digit. A {bucket} decoded from %2F, '?' or '#' would
// otherwise move the page's links and forms to other routes: a crafted
// link to /browse/a%2F..%2F..%2Fiam%2Fusers%2Fbob would render a "delete
// selected" form posting to /iam/users/bob/delete.
func bucketNameShape(name string) bool {
	if len(name) > 255 {
		return false
	}
	for i, c := range []byte(name) {
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		if !alnum && (i == 0 || c != '.' && c != '_' && c != '-') {
			return false
		}
	}
	return true
}

// sessionOf is the browser's live session; without one, why the session
// its cookie names is gone ("" when it has no cookie).
func (s *Server) sessionOf(r *http.Request) (*session, sessionEnd) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, ""
	}
	return s.sessions.get(c.Value)
}

// clearCookie tells the browser to drop the cookie name.
func (s *Server) clearCookie(w http.ResponseWriter, name, path string, sameSite http.SameSite) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: path, MaxAge: -1,
		HttpOnly: true, Secure: s.cfg.Secure, SameSite: sameSite})
}

// requestContext bounds the S3 requests of one page.
func requestContext(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), time.Minute)
}
