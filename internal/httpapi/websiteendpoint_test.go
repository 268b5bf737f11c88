package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kurastore/kura/internal/auth"
	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/s3err/s3errtest"
	"github.com/kurastore/kura/sigv4"
	"github.com/kurastore/kura/wire/website"
)

const webDomain = "web.test"

// websiteServer is a server with website endpoints at *.web.test and the
// bucket site: anybody may read its objects but those under private/,
// and list it unless listable is false. It holds index.html,
// about/index.html, error.html and private/index.html.
func websiteServer(t *testing.T, listable bool) *fzServer {
	t.Helper()
	s := compatServer(t, "site")
	s.api = New(Config{
		Objects: s.layer, Region: fzRegion, Logger: slog.New(s.log), Now: func() time.Time { return s.now },
		Credentials:   auth.NewStatic(auth.Credentials{AccessKey: s.creds.AccessKey, SecretKey: s.creds.SecretKey}).Secret,
		WebsiteDomain: "." + strings.ToUpper(webDomain),
	})
	list := ""
	if listable {
		list = `{"Effect":"Allow","Principal":"*","Action":"s3:ListBucket","Resource":"arn:aws:s3:::site"},`
	}
	policy := `{"Version":"2012-10-17","Statement":[` + list + `
		{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::site/*"},
		{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::site/private/*"}]}`
	if rec := s.send(t, fzNewRequest(http.MethodPut, "/site?policy", nil, []byte(policy)), false); rec.Code != http.StatusNoContent {
		t.Fatalf("policy: %d %s", rec.Code, rec.Body)
	}
	for key, body := range map[string]string{
		"index.html": "home", "about/index.html": "about", "error.html": "not here", "private/index.html": "secret",
	} {
		putWebObject(t, s, key, body, "")
	}
	putWebsite(t, s, websiteDoc)
	return s
}

func putWebObject(t *testing.T, s *fzServer, key, body, redirect string) {
	t.Helper()
	_, err := s.layer.PutObject(context.Background(), "site", key, strings.NewReader(body),
		object.PutOptions{Size: int64(len(body)), Attrs: object.Attrs{ContentType: "text/html", WebsiteRedirectLocation: redirect}})
	if err != nil {
		t.Fatal(err)
	}
}

func putWebsite(t *testing.T, s *fzServer, doc string) {
	t.Helper()
	if rec := s.send(t, fzNewRequest(http.MethodPut, "/site?website", nil, []byte(doc)), false); rec.Code != http.StatusOK {
		t.Fatalf("website: %d %s", rec.Code, rec.Body)
	}
}

// visit sends a website request for host and target through handler
// (the API's when nil), checking that nothing was logged and that an
// error is HTML.
func visit(t *testing.T, s *fzServer, handler http.Handler, method, host, target string, h http.Header) *httptest.ResponseRecorder {
	t.Helper()
	if handler == nil {
		handler = s.api
	}
	r := fzNewRequest(method, target, h, nil)
	r.Host = host
	s.log.take()
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, r)
	if logged := s.log.take(); len(logged) > 0 {
		t.Fatalf("%s %s%s: the server logged\n%s", method, host, target, strings.Join(logged, "\n"))
	}
	if rec.Code >= 400 && method != http.MethodHead && rec.Header().Get("Content-Type") != "text/html; charset=utf-8" && rec.Header().Get("Content-Type") != "text/html" {
		t.Fatalf("%s %s%s: %d as %q\n%s", method, host, target, rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	if strings.Contains(rec.Body.String(), "<?xml") {
		t.Fatalf("%s %s%s: XML on a website\n%s", method, host, target, rec.Body)
	}
	return rec
}

type webAnswer struct {
	status int
	header string // the value of the header asked for
	body   string
}

func get(t *testing.T, s *fzServer, target, header string) webAnswer {
	t.Helper()
	rec := visit(t, s, nil, http.MethodGet, "site."+webDomain, target, nil)
	return webAnswer{rec.Code, rec.Header().Get(header), rec.Body.String()}
}

func TestWebsiteServesIndexAndObjects(t *testing.T) {
	s := websiteServer(t, true)
	for _, tt := range []struct {
		target, header string
		want           webAnswer
	}{
		{"/", "Content-Type", webAnswer{200, "text/html", "home"}},
		{"/index.html", "", webAnswer{200, "", "home"}},
		{"/about/", "", webAnswer{200, "", "about"}},
		{"/about/index.html", "", webAnswer{200, "", "about"}},
		// A folder without its slash is sent to it.
		{"/about", "Location", webAnswer{302, "/about/", ""}},
		{"/about?x=1", "Location", webAnswer{302, "/about/", ""}},
	} {
		if got := get(t, s, tt.target, tt.header); got != tt.want {
			t.Errorf("GET %s: %+v, want %+v", tt.target, got, tt.want)
		}
	}
	// The port, and the case of the host name, do not matter.
	for _, host := range []string{"site.web.test:8080", "SITE.Web.Test"} {
		if rec := visit(t, s, nil, http.MethodGet, host, "/", nil); rec.Code != 200 || rec.Body.String() != "home" {
			t.Errorf("host %s: %d %s", host, rec.Code, rec.Body)
		}
	}
	// A read as S3 serves it: ranges and conditions apply.
	rec := visit(t, s, nil, http.MethodGet, "site.web.test", "/", http.Header{"Range": {"bytes=1-2"}})
	if rec.Code != http.StatusPartialContent || rec.Body.String() != "om" || rec.Header().Get("Accept-Ranges") != "bytes" {
		t.Errorf("range: %d %q", rec.Code, rec.Body)
	}
	head := visit(t, s, nil, http.MethodHead, "site.web.test", "/", nil)
	etag := head.Header().Get("ETag")
	if head.Code != http.StatusOK || etag == "" || head.Body.Len() != 0 || head.Header().Get("Content-Length") != "4" {
		t.Fatalf("HEAD: %d %v %q", head.Code, head.Header(), head.Body)
	}
	rec = visit(t, s, nil, http.MethodGet, "site.web.test", "/", http.Header{"If-None-Match": {etag}})
	if rec.Code != http.StatusNotModified || rec.Header().Get("ETag") != etag || rec.Header().Get("x-amz-error-code") != "" || rec.Body.Len() != 0 {
		t.Errorf("If-None-Match: %d %v %q", rec.Code, rec.Header(), rec.Body)
	}
}

func TestWebsiteErrors(t *testing.T) {
	s := websiteServer(t, true)
	code := "x-amz-error-code"
	for _, tt := range []struct {
		target string
		want   webAnswer
	}{
		{"/missing", webAnswer{404, "NoSuchKey", "not here"}},
		{"/private/", webAnswer{403, "AccessDenied", "not here"}},
		{"/private/index.html", webAnswer{403, "AccessDenied", "not here"}},
		// A folder whose index anybody may not read is no folder.
		{"/private", webAnswer{404, "NoSuchKey", "not here"}},
		{"/nothing/", webAnswer{404, "NoSuchKey", "not here"}},
	} {
		if got := get(t, s, tt.target, code); got != tt.want {
			t.Errorf("GET %s: %+v, want %+v", tt.target, got, tt.want)
		}
	}
	head := visit(t, s, nil, http.MethodHead, "site.web.test", "/missing", nil)
	if head.Code != http.StatusNotFound || head.Header().Get(code) != "NoSuchKey" || head.Body.Len() != 0 {
		t.Errorf("HEAD of a missing key: %d %v", head.Code, head.Header())
	}
	// Only reads.
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodOptions, http.MethodPatch} {
		rec := visit(t, s, nil, method, "site.web.test", "/index.html", nil)
		if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get(code) != "MethodNotAllowed" ||
			!strings.Contains(rec.Body.String(), "<li>Method: "+method+"</li>") {
			t.Errorf("%s: %d %v\n%s", method, rec.Code, rec.Header(), rec.Body)
		}
	}
	if _, err := s.layer.HeadObject(context.Background(), "site", "index.html", object.GetOptions{}); err != nil {
		t.Fatalf("a refused DELETE removed the object: %v", err)
	}
	// Without the error document: S3's page, saying why the document
	// could not be served either.
	if _, err := s.layer.DeleteObject(context.Background(), "site", "error.html", object.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	got := get(t, s, "/missing<b>", code)
	if got.status != 404 || got.header != "NoSuchKey" {
		t.Fatalf("without the error document: %+v", got)
	}
	for _, want := range []string{
		"<html>\n<head><title>404 Not Found</title></head>\n<body>\n<h1>404 Not Found</h1>\n<ul>\n<li>Code: NoSuchKey</li>\n<li>Message: The specified key does not exist.</li>\n<li>Key: missing&lt;b&gt;</li>\n",
		"<h3>An Error Occurred While Attempting to Retrieve a Custom Error Document</h3>\n<ul>\n<li>Code: NoSuchKey</li>\n<li>Message: The specified key does not exist.</li>\n<li>Key: error.html</li>\n</ul>",
	} {
		if !strings.Contains(got.body, want) {
			t.Errorf("page lacks %q:\n%s", want, got.body)
		}
	}
	// The error document is read as anybody reads it.
	putWebsite(t, s, `<WebsiteConfiguration><IndexDocument><Suffix>index.html</Suffix></IndexDocument><ErrorDocument><Key>private/index.html</Key></ErrorDocument></WebsiteConfiguration>`)
	got = get(t, s, "/missing", code)
	if got.status != 404 || strings.Contains(got.body, "secret") || !strings.Contains(got.body, "<h3>An Error Occurred While Attempting to Retrieve a Custom Error Document</h3>\n<ul>\n<li>Code: AccessDenied</li>") {
		t.Fatalf("private error document: %+v", got)
	}
	// An index document missing at the root.
	putWebsite(t, s, `<WebsiteConfiguration><IndexDocument><Suffix>default.htm</Suffix></IndexDocument></WebsiteConfiguration>`)
	got = get(t, s, "/", code)
	if got.status != 404 || !strings.Contains(got.body, "<li>Key: default.htm</li>") || strings.Contains(got.body, "<h3>") {
		t.Fatalf("missing index document: %+v", got)
	}
}

// A caller who may not list the bucket cannot tell a missing key from a
// private one, as on the REST API.
func TestWebsiteHidesMissingKeys(t *testing.T) {
	s := websiteServer(t, false)
	if got := get(t, s, "/missing", "x-amz-error-code"); got != (webAnswer{403, "AccessDenied", "not here"}) {
		t.Errorf("missing key: %+v", got)
	}
	if got := get(t, s, "/about", "Location"); got != (webAnswer{302, "/about/", ""}) {
		t.Errorf("folder: %+v", got)
	}
}

func TestWebsiteBucketsThatAreNotWebsites(t *testing.T) {
	s := websiteServer(t, true)
	if err := s.layer.CreateBucket(context.Background(), "plain", object.CreateBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	rec := visit(t, s, nil, http.MethodGet, "plain.web.test", "/", nil)
	if rec.Code != http.StatusNotFound || rec.Header().Get("x-amz-error-code") != "NoSuchWebsiteConfiguration" ||
		!strings.Contains(rec.Body.String(), "<li>BucketName: plain</li>") {
		t.Errorf("bucket without a website: %d %v\n%s", rec.Code, rec.Header(), rec.Body)
	}
	rec = visit(t, s, nil, http.MethodGet, "nothing.web.test", "/", nil)
	if rec.Code != http.StatusNotFound || rec.Header().Get("x-amz-error-code") != "NoSuchBucket" {
		t.Errorf("missing bucket: %d %v", rec.Code, rec.Header())
	}
	// A website whose objects nobody else may read stays private, even to
	// a signed request: a website is read anonymously.
	if rec := s.send(t, fzNewRequest(http.MethodPut, "/plain?website", nil, []byte(websiteDoc)), false); rec.Code != http.StatusOK {
		t.Fatal(rec.Code)
	}
	if _, err := s.layer.PutObject(context.Background(), "plain", "index.html", strings.NewReader("x"), object.PutOptions{Size: 1}); err != nil {
		t.Fatal(err)
	}
	signed := visit(t, s, signingHandler{s}, http.MethodGet, "plain.web.test", "/", nil)
	if signed.Code != http.StatusForbidden || signed.Header().Get("x-amz-error-code") != "AccessDenied" {
		t.Errorf("signed request to a private website: %d %v", signed.Code, signed.Header())
	}
	// Block Public Access's RestrictPublicBuckets shuts a public site.
	pab := `<PublicAccessBlockConfiguration><RestrictPublicBuckets>true</RestrictPublicBuckets></PublicAccessBlockConfiguration>`
	if rec := s.send(t, fzNewRequest(http.MethodPut, "/site?publicAccessBlock", nil, []byte(pab)), false); rec.Code != http.StatusOK {
		t.Fatalf("public access block: %d %s", rec.Code, rec.Body)
	}
	if got := get(t, s, "/", "x-amz-error-code"); got.status != http.StatusForbidden || got.header != "AccessDenied" {
		t.Errorf("restricted public bucket: %+v", got)
	}
}

// signingHandler signs requests as the root user before serving them.
type signingHandler struct{ s *fzServer }

func (h signingHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sum := sha256.Sum256(nil)
	sigv4.SignRequest(r, h.s.creds, fzRegion, "s3", hex.EncodeToString(sum[:]), h.s.now)
	h.s.api.ServeHTTP(w, r)
}

// Requests for other hosts are S3 API requests as before.
func TestWebsiteLeavesTheAPIAlone(t *testing.T) {
	s := websiteServer(t, true)
	for _, host := range []string{"127.0.0.1:9000", "web.test", "site.web.test.example", "siteweb.test"} {
		r := fzNewRequest(http.MethodGet, "/site?website", nil, nil)
		r.Host = host
		rec := s.send(t, r, false)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "<WebsiteConfiguration") {
			t.Errorf("host %s: %d %s", host, rec.Code, rec.Body)
		}
	}
}

func TestWebsiteRedirects(t *testing.T) {
	s := websiteServer(t, true)
	putWebObject(t, s, "old.html", "", "/about/")
	putWebObject(t, s, "away.html", "", "https://example.com/x")
	for target, want := range map[string]webAnswer{
		"/old.html":  {301, "/about/", ""},
		"/away.html": {301, "https://example.com/x", ""},
	} {
		if got := get(t, s, target, "Location"); got != want {
			t.Errorf("GET %s: %+v, want %+v", target, got, want)
		}
	}
	putWebsite(t, s, `<WebsiteConfiguration><IndexDocument><Suffix>index.html</Suffix></IndexDocument>
		<ErrorDocument><Key>error.html</Key></ErrorDocument><RoutingRules>
		<RoutingRule><Condition><KeyPrefixEquals>docs/</KeyPrefixEquals></Condition><Redirect><ReplaceKeyPrefixWith>documents/</ReplaceKeyPrefixWith></Redirect></RoutingRule>
		<RoutingRule><Condition><HttpErrorCodeReturnedEquals>404</HttpErrorCodeReturnedEquals></Condition>
		<Redirect><Protocol>https</Protocol><HostName>example.com</HostName><ReplaceKeyPrefixWith>lost/</ReplaceKeyPrefixWith><HttpRedirectCode>307</HttpRedirectCode></Redirect></RoutingRule>
		<RoutingRule><Condition><KeyPrefixEquals>private/</KeyPrefixEquals><HttpErrorCodeReturnedEquals>403</HttpErrorCodeReturnedEquals></Condition>
		<Redirect><ReplaceKeyWith>login.html</ReplaceKeyWith></Redirect></RoutingRule>
		</RoutingRules></WebsiteConfiguration>`)
	for target, want := range map[string]webAnswer{
		"/docs/a%20b.html": {301, "http://site.web.test/documents/a%20b.html", ""},
		"/gone":            {307, "https://example.com/lost/gone", ""},
		"/private/":        {301, "http://site.web.test/login.html", ""},
		"/":                {200, "", "home"},
		"/about":           {302, "/about/", ""},
		"/old.html":        {301, "/about/", ""},
	} {
		if got := get(t, s, target, "Location"); got != want {
			t.Errorf("GET %s: %+v, want %+v", target, got, want)
		}
	}
	putWebsite(t, s, `<WebsiteConfiguration><RedirectAllRequestsTo><HostName>example.org</HostName><Protocol>https</Protocol></RedirectAllRequestsTo></WebsiteConfiguration>`)
	for target, want := range map[string]webAnswer{
		"/a/b%20c?d=e": {301, "https://example.org/a/b%20c?d=e", ""},
		"/":            {301, "https://example.org/", ""},
	} {
		if got := get(t, s, target, "Location"); got != want {
			t.Errorf("GET %s: %+v, want %+v", target, got, want)
		}
	}
}

// The website listener serves websites only, by host name: the website
// domain's, or the bucket's own name pointed at the server.
func TestWebsiteHandler(t *testing.T) {
	s := websiteServer(t, true)
	h := s.api.WebsiteHandler()
	for _, host := range []string{"site.web.test", "site", "site:8080"} {
		rec := visit(t, s, h, http.MethodGet, host, "/", nil)
		if rec.Code != http.StatusOK || rec.Body.String() != "home" {
			t.Errorf("host %s: %d %s", host, rec.Code, rec.Body)
		}
	}
	// The S3 API is not there: a path-style request is a key.
	rec := visit(t, s, h, http.MethodGet, "127.0.0.1:9000", "/site/index.html", nil)
	if rec.Code != http.StatusNotFound || rec.Header().Get("x-amz-error-code") != "NoSuchBucket" {
		t.Errorf("path style on the website listener: %d %v", rec.Code, rec.Header())
	}
	rec = visit(t, s, h, http.MethodPut, "site", "/x", nil)
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("PUT on the website listener: %d", rec.Code)
	}
}

// A site's pages are read across origins as S3 objects are: the
// bucket's CORS rules answer preflights and mark responses.
func TestWebsiteCORS(t *testing.T) {
	s := websiteServer(t, true)
	corsDoc := `<CORSConfiguration><CORSRule><AllowedOrigin>https://app.example</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>`
	if rec := s.send(t, fzNewRequest(http.MethodPut, "/site?cors", nil, []byte(corsDoc)), false); rec.Code != http.StatusOK {
		t.Fatalf("cors: %d %s", rec.Code, rec.Body)
	}
	origin := http.Header{"Origin": {"https://app.example"}}
	rec := visit(t, s, nil, http.MethodGet, "site.web.test", "/", origin)
	if rec.Code != http.StatusOK || rec.Header().Get("Access-Control-Allow-Origin") != "https://app.example" {
		t.Errorf("GET with Origin: %d %v", rec.Code, rec.Header())
	}
	preflight := http.Header{"Origin": {"https://app.example"}, "Access-Control-Request-Method": {"GET"}}
	rec = visit(t, s, nil, http.MethodOptions, "site.web.test", "/index.html", preflight)
	if rec.Code != http.StatusOK || rec.Header().Get("Access-Control-Allow-Origin") != "https://app.example" {
		t.Errorf("preflight: %d %v", rec.Code, rec.Header())
	}
	preflight.Set("Origin", "https://other.example")
	rec = visit(t, s, nil, http.MethodOptions, "site.web.test", "/index.html", preflight)
	if rec.Code != http.StatusForbidden || rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from another origin: %d %v", rec.Code, rec.Header())
	}
}

// A folder redirect stays on the site, even for a key that starts with
// a slash, and leads back to the same folder.
func TestWebsiteFolderLocation(t *testing.T) {
	s := websiteServer(t, true)
	putWebObject(t, s, "/evil.example/index.html", "slash", "")
	got := get(t, s, "//evil.example", "Location")
	if got != (webAnswer{302, "/%2Fevil.example/", ""}) {
		t.Fatalf("GET //evil.example: %+v", got)
	}
	if got := get(t, s, got.header, ""); got != (webAnswer{200, "", "slash"}) {
		t.Fatalf("following the redirect: %+v", got)
	}
	if got := get(t, s, "/about%20us", "Location"); got.status != 404 {
		t.Errorf("missing folder: %+v", got)
	}
	putWebObject(t, s, "about us/index.html", "spaced", "")
	if got := get(t, s, "/about%20us", "Location"); got != (webAnswer{302, "/about%20us/", ""}) {
		t.Errorf("folder with a space: %+v", got)
	}
}

// FuzzWebsite serves website requests of any method, path and Range to a
// site whose configuration is whatever valid document the fuzzer makes.
// Besides never panicking or logging: no 5xx, errors are HTML pages with
// their code in x-amz-error-code, redirects carry a Location, and a
// private object is never served.
func FuzzWebsite(f *testing.F) {
	s := newFzServer(f)
	ctx := context.Background()
	if err := s.layer.CreateBucket(ctx, "site", object.CreateBucketOptions{}); err != nil {
		f.Fatal(err)
	}
	policy := `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::site/*"},
		{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::site/private/*"}]}`
	if err := s.layer.SetBucketConfig(ctx, "site", configPolicy, []byte(policy)); err != nil {
		f.Fatal(err)
	}
	for key, redirect := range map[string]string{
		"index.html": "", "a/index.html": "", "error.html": "", "private/index.html": "", "old": "/a/", "away": "https://example.com/",
	} {
		body := "public " + key
		if strings.HasPrefix(key, "private/") {
			body = "secret"
		}
		if _, err := s.layer.PutObject(ctx, "site", key, strings.NewReader(body),
			object.PutOptions{Size: int64(len(body)), Attrs: object.Attrs{WebsiteRedirectLocation: redirect}}); err != nil {
			f.Fatal(err)
		}
	}
	s.api = New(Config{Objects: s.layer, Region: fzRegion, Logger: slog.New(s.log), Now: func() time.Time { return s.now }, WebsiteDomain: webDomain})
	f.Add([]byte(websiteDoc), "GET", "/a", "")
	f.Add([]byte(websiteDoc), "HEAD", "/private/", "bytes=0-0")
	f.Add([]byte(`<WebsiteConfiguration><IndexDocument><Suffix>index.html</Suffix></IndexDocument><ErrorDocument><Key>private/index.html</Key></ErrorDocument><RoutingRules><RoutingRule><Condition><KeyPrefixEquals>x</KeyPrefixEquals><HttpErrorCodeReturnedEquals>404</HttpErrorCodeReturnedEquals></Condition><Redirect><ReplaceKeyPrefixWith>/y</ReplaceKeyPrefixWith></Redirect></RoutingRule></RoutingRules></WebsiteConfiguration>`), "GET", "/x%2F..%2Fz?versionId=1", "bytes=5-")
	f.Add([]byte(`<WebsiteConfiguration><RedirectAllRequestsTo><HostName>h</HostName></RedirectAllRequestsTo></WebsiteConfiguration>`), "DELETE", "//old", "")
	f.Fuzz(func(t *testing.T, doc []byte, method, target, rangeHeader string) {
		defer s3errtest.Watchdog()()
		cfg, err := website.Parse(bytes.NewReader(doc))
		if err != nil || cfg.Validate() != nil {
			return
		}
		encoded, err := cfg.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if err := s.layer.SetBucketConfig(ctx, "site", configWebsite, encoded); err != nil {
			t.Fatal(err)
		}
		r, err := http.NewRequest(method, "http://site.web.test"+target, nil)
		if err != nil || r.URL.Host != "site.web.test" || !strings.HasPrefix(r.URL.Path, "/") {
			return
		}
		r.Header.Set("Range", rangeHeader)
		s.log.take()
		rec := httptest.NewRecorder()
		s.api.ServeHTTP(rec, r)
		if logged := s.log.take(); len(logged) > 0 {
			t.Fatalf("%s %s: the server logged\n%s", method, target, strings.Join(logged, "\n"))
		}
		body := rec.Body.String()
		switch {
		case rec.Code >= 500:
			t.Fatalf("%s %s: %d\n%s", method, target, rec.Code, body)
		case strings.Contains(body, "secret"):
			t.Fatalf("%s %s: served a private object", method, target)
		case rec.Code >= 300 && rec.Code < 400 && rec.Code != http.StatusNotModified && rec.Header().Get("Location") == "":
			t.Fatalf("%s %s: %d without a Location", method, target, rec.Code)
		case rec.Code >= 400 && rec.Header().Get("x-amz-error-code") == "":
			t.Fatalf("%s %s: %d without x-amz-error-code", method, target, rec.Code)
		case strings.Contains(body, "<?xml"):
			t.Fatalf("%s %s: XML on a website\n%s", method, target, body)
		}
	})
}

// A website serves current versions and takes no query parameters: none
// may satisfy a policy condition (s3:versionid here) that the read it
// makes would not.
func TestWebsiteQueryDoesNotAuthorize(t *testing.T) {
	s := websiteServer(t, true)
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject",
		"Resource":"arn:aws:s3:::site/*","Condition":{"StringEquals":{"s3:versionid":"v1"}}}]}`
	if rec := s.send(t, fzNewRequest(http.MethodPut, "/site?policy", nil, []byte(policy)), false); rec.Code != http.StatusNoContent {
		t.Fatalf("policy: %d %s", rec.Code, rec.Body)
	}
	for _, target := range []string{"/index.html", "/index.html?versionId=v1", "/?versionId=v1"} {
		if got := get(t, s, target, "x-amz-error-code"); got.status != http.StatusForbidden || got.header != "AccessDenied" {
			t.Errorf("GET %s: %+v, want 403 AccessDenied", target, got)
		}
	}
}

// aclWebsiteServer is a website at site.web.test whose bucket has ACLs
// enabled (ObjectWriter) and no bucket policy: index.html,
// about/index.html and error.html are public by their public-read ACLs,
// draft.html is private. With publicBucket the bucket's own ACL is
// public-read too, so anybody may list it.
func aclWebsiteServer(t *testing.T, publicBucket bool) *fzServer {
	t.Helper()
	s := compatServer(t)
	s.api = New(Config{
		Objects: s.layer, Region: fzRegion, Logger: slog.New(s.log), Now: func() time.Time { return s.now },
		Credentials:   auth.NewStatic(auth.Credentials{AccessKey: s.creds.AccessKey, SecretKey: s.creds.SecretKey}).Secret,
		WebsiteDomain: webDomain,
	})
	create := http.Header{"X-Amz-Object-Ownership": {"ObjectWriter"}}
	if publicBucket {
		create.Set("X-Amz-Acl", "public-read")
	}
	if rec := s.send(t, fzNewRequest(http.MethodPut, "/site", create, nil), false); rec.Code != http.StatusOK {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	for key, body := range map[string]string{"index.html": "home", "about/index.html": "about", "error.html": "not here", "draft.html": "draft"} {
		h := http.Header{"Content-Type": {"text/html"}}
		if key != "draft.html" {
			h.Set("X-Amz-Acl", "public-read")
		}
		if rec := s.send(t, fzNewRequest(http.MethodPut, "/site/"+key, h, []byte(body)), false); rec.Code != http.StatusOK {
			t.Fatalf("PUT %s: %d %s", key, rec.Code, rec.Body)
		}
	}
	putWebsite(t, s, websiteDoc)
	return s
}

// TestWebsiteOverACLs: a site whose pages are public by their ACLs alone
// is served like one made public by a bucket policy. A key with no object
// is a folder when its index document may be read (302); otherwise it is
// 403, or 404 when anybody may list the bucket; a private page is 403.
func TestWebsiteOverACLs(t *testing.T) {
	for _, publicBucket := range []bool{false, true} {
		s := aclWebsiteServer(t, publicBucket)
		missing := webAnswer{403, "AccessDenied", "not here"}
		if publicBucket {
			missing = webAnswer{404, "NoSuchKey", "not here"}
		}
		for _, tt := range []struct {
			target, header string
			want           webAnswer
		}{
			{"/", "", webAnswer{200, "", "home"}},
			{"/about/", "", webAnswer{200, "", "about"}},
			{"/about", "Location", webAnswer{302, "/about/", ""}},
			{"/draft.html", "x-amz-error-code", webAnswer{403, "AccessDenied", "not here"}},
			{"/missing", "x-amz-error-code", missing},
			{"/nothing/", "x-amz-error-code", missing},
		} {
			if got := get(t, s, tt.target, tt.header); got != tt.want {
				t.Errorf("public bucket ACL %v: GET %s: %+v, want %+v", publicBucket, tt.target, got, tt.want)
			}
		}
	}
}
