package httpapi

import (
	"bytes"
	"context"
	"errors"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/website"
)

// A website endpoint serves a bucket's objects to browsers as S3's
// static website endpoints do: reads only, by anybody the bucket lets
// read anonymously, with index documents for folders, redirects, and
// HTML error pages (or the site's own error document) instead of XML.

// WebsiteHandler serves nothing but website requests: the bucket is the
// one the Host names, as BUCKET.WebsiteDomain or, for a host name
// pointed at the server (a CNAME), as the whole host name.
func (s *Server) WebsiteHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bucket, _ := s.websiteBucket(r.Host)
		if bucket == "" {
			bucket = hostName(r.Host)
		}
		start := time.Now()
		w, obs := s.observe(w, r, start)
		defer s.finishObservation(obs)
		s.serveWebsite(w, r, bucket, start, obs)
	})
}

// websiteBucket returns the bucket a Host of BUCKET.WebsiteDomain names;
// ok is false for any other Host, which is not a website request on the
// S3 API's listener.
func (s *Server) websiteBucket(host string) (bucket string, ok bool) {
	if s.websiteDomain == "" {
		return "", false
	}
	bucket, ok = strings.CutSuffix(hostName(host), "."+s.websiteDomain)
	return bucket, ok && bucket != ""
}

// hostName is a Host header's name, lowercase and without its port.
func hostName(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return strings.ToLower(host)
}

// serveWebsite answers a website request for bucket. It never
// authenticates: a website is read anonymously, whatever the request
// carries.
func (s *Server) serveWebsite(w http.ResponseWriter, r *http.Request, bucket string, start time.Time, obs *observation) {
	w, restoreBody := guardUnreadBody(w, r)
	defer restoreBody()
	h := w.Header()
	rq := &request{http: withoutQuery(r), ctx: r.Context(), id: s.requestID(), bodyLength: -1, out: h, bucket: bucket, obs: obs}
	obs.follow(rq)
	rq.key = strings.TrimPrefix(r.URL.Path, "/")
	h.Set("x-amz-request-id", rq.id)
	h.Set("x-amz-id-2", rq.id)
	h.Set("Server", "kura")
	h.Set("Accept-Ranges", "bytes")
	// Website reads are logged like the REST API's, as WEBSITE.GET.OBJECT.
	w, finishRecord := s.startAccessLog(w, rq, start)
	defer finishRecord()
	rq.setAccessOp(websiteOp)
	if err := checkHeaderCount(r); err != nil {
		s.writeWebsiteError(w, rq, &websiteFailure{err: err})
		return
	}
	release, err := s.admit(r)
	if err != nil {
		s.writeWebsiteError(w, rq, &websiteFailure{err: err})
		return
	}
	rq.release = sync.OnceFunc(release)
	defer rq.release()
	resp, failed := s.websiteResponse(rq, r.URL.RequestURI())
	if failed != nil {
		s.writeWebsiteError(w, rq, failed)
		return
	}
	if err := resp.write(w, rq); err != nil {
		s.log.Warn("response interrupted", "request_id", rq.id, "op", "Website", "err", err)
	}
}

// websiteOp names website requests in access logs (WEBSITE.GET.OBJECT).
const websiteOp = "Website"

// withoutQuery is r without its query. A website takes no query
// parameters, and none may reach authorization: ?versionId would set
// s3:versionid, and choose whose tags s3:ExistingObjectTag tests, for a
// read of the current version.
func withoutQuery(r *http.Request) *http.Request {
	plain := *r
	u := *r.URL
	u.RawQuery, u.ForceQuery = "", false
	plain.URL = &u
	return &plain
}

// websiteFailure is a website request's error and, when the site's error
// document could not be served instead, why (docErr).
type websiteFailure struct {
	err, docErr error
	docKey      string
}

// websiteResponse is the answer to a website request (requestURI is its
// path and query as sent): a redirect, the object or its folder's index
// document, or the site's error document.
func (s *Server) websiteResponse(rq *request, requestURI string) (response, *websiteFailure) {
	r := rq.http
	if r.Method == http.MethodOptions && r.Header.Get("Origin") != "" {
		// Browsers ask before cross-origin reads of a site's pages as of
		// any S3 object: the bucket's CORS rules answer.
		resp, err := s.preflight(rq)
		if err != nil {
			return nil, &websiteFailure{err: err}
		}
		return resp, nil
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return nil, &websiteFailure{err: s3err.ErrMethodNotAllowed}
	}
	s.applyCORS(rq)
	cfg, err := s.websiteConfig(rq.ctx, rq.bucket)
	if err != nil {
		return nil, &websiteFailure{err: err}
	}
	origin := website.Origin{Scheme: "http", Host: r.Host}
	if r.TLS != nil {
		origin.Scheme = "https"
	}
	if all := cfg.RedirectAllRequestsTo; all != nil {
		return redirectResponse(all.Target(requestURI, origin)), nil
	}
	key := rq.key
	if rule := cfg.RuleBefore(key); rule != nil {
		return redirectResponse(rule.Target(key, origin)), nil
	}
	resp, err := s.websiteObject(rq, cfg, key)
	if err != nil {
		return s.websiteError(rq, cfg, origin, key, err)
	}
	return resp, nil
}

// websiteError answers a request for key that failed with err: by the
// first routing rule for its status, else by the error document for a
// 4XX error, else with the error itself.
func (s *Server) websiteError(rq *request, cfg *website.Configuration, origin website.Origin, key string, err error) (response, *websiteFailure) {
	err = s.hideMissingWebsiteKey(rq, err)
	status := s3err.From(err).HTTPStatus
	if status == http.StatusNotModified {
		return nil, &websiteFailure{err: err}
	}
	if rule := cfg.RuleAfterError(key, status); rule != nil {
		return redirectResponse(rule.Target(key, origin)), nil
	}
	if cfg.ErrorDocument == nil || status < 400 || status > 499 {
		return nil, &websiteFailure{err: err}
	}
	failedKey := rq.key
	doc, docErr := s.websiteRead(rq, cfg.ErrorDocument.Key, object.GetOptions{})
	if docErr != nil {
		docErr = s.hideMissingWebsiteKey(rq, docErr)
		rq.key = failedKey
		return nil, &websiteFailure{err: err, docErr: docErr, docKey: cfg.ErrorDocument.Key}
	}
	o, ok := doc.(objectResponse)
	if !ok {
		// The error document is itself a redirect.
		return doc, nil
	}
	// The error document is the body of the error: it keeps the error's
	// status and says what the error was.
	e := s3err.From(err)
	o.headers = append(o.headers, [2]string{"x-amz-error-code", e.Code}, [2]string{"x-amz-error-message", e.Message})
	return errorDocumentResponse{obj: o.obj, headers: o.headers, status: status}, nil
}

// errorDocumentResponse is the site's error document, served with the
// status of the error it stands for.
type errorDocumentResponse struct {
	obj     *object.Object
	headers headers
	status  int
}

func (e errorDocumentResponse) write(w http.ResponseWriter, _ *request) error {
	e.headers.apply(w)
	w.Header().Set("Content-Length", strconv.FormatInt(e.obj.Length, 10))
	w.WriteHeader(e.status)
	if e.obj.Body == nil {
		return nil
	}
	defer e.obj.Body.Close()
	_, err := io.Copy(w, e.obj.Body)
	return err
}

// websiteConfig is the bucket's website configuration: NoSuchBucket or
// NoSuchWebsiteConfiguration when there is none.
func (s *Server) websiteConfig(ctx context.Context, bucket string) (*website.Configuration, error) {
	doc, err := s.objects.BucketConfig(ctx, bucket, configWebsite)
	if errors.Is(err, object.ErrNoConfig) {
		return nil, s3err.ErrNoSuchWebsiteConfiguration
	}
	if err != nil {
		return nil, err
	}
	return website.Parse(bytes.NewReader(doc))
}

// websiteObject reads the object a request for key names, or its
// folder's index document. A key that has no object but is a folder
// whose index document exists sends the client to the folder (302).
func (s *Server) websiteObject(rq *request, cfg *website.Configuration, key string) (response, error) {
	h := rq.http.Header
	opts := object.GetOptions{Cond: readConditions(h), Range: parseRange(h.Get("Range"))}
	resp, err := s.websiteRead(rq, cfg.IndexKey(key), opts)
	if !errors.Is(err, s3err.ErrNoSuchKey) {
		return resp, err
	}
	index, ok := cfg.FolderIndex(key)
	if !ok {
		return nil, err
	}
	if _, indexErr := s.websiteLookup(rq, index); indexErr != nil {
		rq.key = key
		return nil, err
	}
	rq.key = key
	return emptyResponse{status: http.StatusFound, headers: headers{{"Location", folderLocation(key)}}}, nil
}

// folderLocation is the path of folder key+"/" on the site. A key that
// starts with "/" has it escaped: "//host/" would send browsers to
// another host.
func folderLocation(key string) string {
	location := (&url.URL{Path: "/" + key + "/"}).EscapedPath()
	if rest, ok := strings.CutPrefix(location, "//"); ok {
		location = "/%2F" + rest
	}
	return location
}

// websiteRead reads key as an anonymous GetObject (HeadObject for HEAD)
// with opts: allowed exactly when S3 would allow it to anybody. An
// object with a website redirect location is answered with a redirect
// there.
func (s *Server) websiteRead(rq *request, key string, opts object.GetOptions) (response, error) {
	rq.key = key
	if err := s.authorizeKeyRead(rq, "s3:GetObject", key); err != nil {
		return nil, err
	}
	withBody := rq.http.Method == http.MethodGet
	var obj *object.Object
	var err error
	if withBody {
		obj, err = s.objects.GetObject(rq.ctx, rq.bucket, key, opts)
	} else {
		obj, err = s.objects.HeadObject(rq.ctx, rq.bucket, key, opts)
	}
	if err != nil {
		if obj != nil && s3err.From(err).HTTPStatus == http.StatusNotModified {
			rq.out.Set("ETag", quoteETag(obj.Info.ETag))
			rq.out.Set("Last-Modified", formatHTTPTime(obj.Info.LastModified))
		}
		return nil, err
	}
	if loc := obj.Info.WebsiteRedirectLocation; loc != "" {
		if obj.Body != nil {
			obj.Body.Close()
		}
		return emptyResponse{status: http.StatusMovedPermanently, headers: headers{{"Location", loc}}}, nil
	}
	name := object.EventAccessedHead
	if withBody {
		name = object.EventAccessedGet
	}
	s.accessed(rq, name, obj.Info)
	return objectResponse{obj: obj, headers: objectHeaders(obj.Info)}, nil
}

// websiteLookup checks that key exists and may be read anonymously.
func (s *Server) websiteLookup(rq *request, key string) (*object.Object, error) {
	rq.key = key
	if err := s.authorizeKeyRead(rq, "s3:GetObject", key); err != nil {
		return nil, err
	}
	return s.objects.HeadObject(rq.ctx, rq.bucket, key, object.GetOptions{})
}

// hideMissingWebsiteKey turns NoSuchKey into AccessDenied unless anybody
// may list the bucket, as for an anonymous GetObject on the REST API: a
// caller who may not list must not learn which keys exist.
func (s *Server) hideMissingWebsiteKey(rq *request, err error) error {
	if !errors.Is(err, s3err.ErrNoSuchKey) || s.allows(rq, "s3:ListBucket", iamResource(rq.bucket, ""), rq.bucket) {
		return err
	}
	return s3err.ErrAccessDenied
}

func redirectResponse(t website.Target) response {
	return emptyResponse{status: t.Status, headers: headers{{"Location", t.Location}}}
}

// writeWebsiteError answers err as S3's website endpoints do: an HTML
// page, with the code and message in x-amz-error-code and
// x-amz-error-message too, and why the site's error document could not
// be served instead when it could not.
func (s *Server) writeWebsiteError(w http.ResponseWriter, rq *request, f *websiteFailure) {
	e := s.websiteErrorOf(rq, f.err)
	h := w.Header()
	h.Del("Content-Length")
	h.Del("Content-Range")
	if e.HTTPStatus == http.StatusNotModified {
		// Not an error: the client's copy is current.
		w.WriteHeader(e.HTTPStatus)
		return
	}
	h.Set("x-amz-error-code", e.Code)
	h.Set("x-amz-error-message", e.Message)
	if rq.http.Method == http.MethodHead {
		w.WriteHeader(e.HTTPStatus)
		return
	}
	page := websiteErrorPage(rq, e, f)
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(page)))
	w.WriteHeader(e.HTTPStatus)
	_, _ = w.Write(page)
}

// websiteErrorOf is err as an S3 error, logging those that are not.
func (s *Server) websiteErrorOf(rq *request, err error) *s3err.Error {
	var s3e *s3err.Error
	if !errors.As(err, &s3e) && !(rq.ctx.Err() != nil && errors.Is(err, context.Canceled)) {
		s.log.Error("internal error", "request_id", rq.id, "method", rq.http.Method, "host", rq.http.Host, "path", rq.http.URL.Path, "err", err)
	}
	return s3err.From(err)
}

// websiteErrorPage is S3's HTML error page: the error, and what kept the
// site's error document from being served when that failed too. The
// key is the one the failed read was of (a folder's index document, for
// a folder).
func websiteErrorPage(rq *request, e *s3err.Error, f *websiteFailure) []byte {
	var b bytes.Buffer
	title := strconv.Itoa(e.HTTPStatus) + " " + http.StatusText(e.HTTPStatus)
	b.WriteString("<html>\n<head><title>" + title + "</title></head>\n<body>\n<h1>" + title + "</h1>\n<ul>\n")
	item := func(name, value string) {
		b.WriteString("<li>" + name + ": " + html.EscapeString(value) + "</li>\n")
	}
	item("Code", e.Code)
	item("Message", e.Message)
	switch e.Code {
	case "NoSuchBucket", "NoSuchWebsiteConfiguration":
		item("BucketName", rq.bucket)
	case "MethodNotAllowed":
		item("Method", rq.http.Method)
		item("ResourceType", "OBJECT")
	case "NoSuchKey":
		item("Key", rq.key)
	}
	item("RequestId", rq.id)
	item("HostId", rq.id)
	b.WriteString("</ul>\n")
	if f.docErr != nil {
		d := s3err.From(f.docErr)
		b.WriteString("<h3>An Error Occurred While Attempting to Retrieve a Custom Error Document</h3>\n<ul>\n")
		item("Code", d.Code)
		item("Message", d.Message)
		if d.Code == "NoSuchKey" {
			item("Key", f.docKey)
		}
		b.WriteString("</ul>\n")
	}
	b.WriteString("<hr/>\n</body>\n</html>\n")
	return b.Bytes()
}
