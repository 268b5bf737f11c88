package console

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/kurastore/kura/client"
)

// shareExpiries are the validities the object page offers for a shared
// link, up to the seven days a SigV4 presigned URL may last.
var shareExpiries = []struct {
	Seconds int
	Label   string
}{
	{3600, "1 hour"},
	{24 * 3600, "1 day"},
	{7 * 24 * 3600, "7 days"},
}

func (s *Server) shareRoutes() {
	s.mux.HandleFunc("POST /share/{bucket}", s.withSession(s.share))
}

// checkPublicAPIURL refuses a Config.PublicAPIURL that is not an http(s)
// address without a path; empty is fine (derived per request).
func checkPublicAPIURL(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return fmt.Errorf("console: the public API URL %q is not an http(s) address without a path", raw)
	}
	return nil
}

// publicAPI is the address of the API the link is for: the configured
// one, else the host name the browser reached the console by, with the
// console's scheme and the port of the API the session's client uses.
func (s *Server) publicAPI(r *http.Request, sess *session) string {
	if s.cfg.PublicAPIURL != "" {
		return s.cfg.PublicAPIURL
	}
	scheme := "http"
	if s.cfg.Secure || r.TLS != nil {
		scheme = "https"
	}
	name := (&url.URL{Host: r.Host}).Hostname()
	port := sess.client.Endpoint().Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[sess.client.Endpoint().Scheme]
	}
	return scheme + "://" + net.JoinHostPort(name, port)
}

// shareExpiry is the form's validity in seconds: 1 to 7 days' worth.
func shareExpiry(form string) (time.Duration, error) {
	n, err := strconv.Atoi(form)
	d := time.Duration(n) * time.Second
	if err != nil || d < client.MinPresignExpiry || d > client.MaxPresignExpiry {
		return 0, errors.New("the expiry must be between 1 second and 7 days")
	}
	return d, nil
}

// share answers a presigned GET URL of the object, signed with the
// session's credentials (and session token, for STS logins) for the
// API's public address. Signing makes no request; the object is looked
// at first, so that a user who may not read it gets the refusal now
// rather than a dead link.
func (s *Server) share(w http.ResponseWriter, r *http.Request, sess *session) {
	bucket, key := r.PathValue("bucket"), r.PostFormValue("key")
	expires, err := shareExpiry(r.PostFormValue("expires"))
	if err != nil {
		refuseJSON(w, http.StatusBadRequest, "InvalidArgument", err.Error())
		return
	}
	if key == "" {
		refuseJSON(w, http.StatusBadRequest, "InvalidArgument", "the object key is empty")
		return
	}
	ctx, cancel := requestContext(r)
	defer cancel()
	if _, err := sess.client.StatObject(ctx, bucket, key, client.StatObjectOptions{}); err != nil {
		refuseS3(w, err)
		return
	}
	public, err := client.New(s.publicAPI(r, sess), &client.Options{Credentials: sess.credentials, Region: sess.client.Region()})
	if err != nil {
		refuseJSON(w, http.StatusInternalServerError, "InternalError", err.Error())
		return
	}
	now := s.cfg.Now()
	u, err := public.PresignedGetObject(ctx, bucket, key, expires, client.PresignOptions{RequestDate: now})
	if err != nil {
		refuseS3(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"url": u.String(), "expires": now.Add(expires).UTC().Format(time.RFC3339)})
}

// ShareExpiries are the choices of the object page's share form.
func (d *detailsData) ShareExpiries() []struct {
	Seconds int
	Label   string
} {
	return shareExpiries
}
