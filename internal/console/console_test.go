package console

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/kuratest"
)

// harness is a console in front of a kuratest server, and a browser-like
// HTTP client with a cookie jar that does not follow redirects.
type harness struct {
	t       *testing.T
	api     *kuratest.Server
	console *Server
	web     *httptest.Server
	browser *http.Client
}

func newHarness(t *testing.T, tune func(*Config)) *harness {
	t.Helper()
	api := kuratest.NewServer(t)
	cfg := Config{NewClient: func(ak, sk, token string) (*client.Client, error) {
		return client.New(api.Endpoint, &client.Options{AccessKey: ak, SecretKey: sk, SessionToken: token, MaxRetries: -1})
	}}
	if tune != nil {
		tune(&cfg)
	}
	h := serveConsole(t, cfg)
	h.api = api
	return h
}

// serveConsole serves a console of cfg on a loopback port, with a
// browser of its own.
func serveConsole(t *testing.T, cfg Config) *harness {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	web := httptest.NewServer(c)
	t.Cleanup(web.Close)
	return &harness{t: t, console: c, web: web, browser: newBrowser()}
}

// newBrowser is a cookie jar that does not follow redirects.
func newBrowser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (h *harness) do(req *http.Request) (*http.Response, string) {
	h.t.Helper()
	resp, err := h.browser.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func (h *harness) get(path string) (*http.Response, string) {
	req, _ := http.NewRequest(http.MethodGet, h.web.URL+path, nil)
	return h.do(req)
}

func (h *harness) post(path string, form url.Values) (*http.Response, string) {
	req, _ := http.NewRequest(http.MethodPost, h.web.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return h.do(req)
}

func (h *harness) loginAs(ak, sk string) *http.Response {
	resp, _ := h.post("/login", url.Values{"accessKey": {ak}, "secretKey": {sk}})
	return resp
}

func (h *harness) loginRoot() {
	h.t.Helper()
	if resp := h.loginAs(h.api.AccessKey, h.api.SecretKey); resp.StatusCode != http.StatusSeeOther {
		h.t.Fatalf("login: status %d, want 303", resp.StatusCode)
	}
}

// csrf is the session's token, as the pages carry it.
func (h *harness) csrf() string {
	h.t.Helper()
	for _, s := range h.console.sessions.sessions {
		return s.csrfToken
	}
	h.t.Fatal("no session")
	return ""
}

func TestEveryAnswerCarriesTheContentSecurityPolicy(t *testing.T) {
	h := newHarness(t, nil)
	for _, path := range []string{"/login", "/static/console.js", "/buckets", "/no-such-page"} {
		resp, _ := h.get(path)
		if got := resp.Header.Get("Content-Security-Policy"); got != contentSecurityPolicy {
			t.Errorf("%s: Content-Security-Policy %q", path, got)
		}
		if got := resp.Header.Get("X-Frame-Options"); got != "DENY" {
			t.Errorf("%s: X-Frame-Options %q", path, got)
		}
	}
	for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'"} {
		if !strings.Contains(contentSecurityPolicy, want) {
			t.Errorf("policy lacks %s", want)
		}
	}
	if strings.Contains(contentSecurityPolicy, "unsafe-inline") {
		t.Error("policy allows inline script or style")
	}
}

func TestPagesHaveNoInlineScriptOrStyle(t *testing.T) {
	h := newHarness(t, nil)
	_, login := h.get("/login")
	h.loginRoot()
	_, buckets := h.get("/buckets")
	for name, body := range map[string]string{"login": login, "buckets": buckets} {
		for _, bad := range []string{"<script>", "<style", " style=", " onclick=", " onsubmit=", "javascript:"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s page contains %q", name, bad)
			}
		}
	}
}

func TestSessionCookieFlags(t *testing.T) {
	for _, secure := range []bool{false, true} {
		t.Run(fmt.Sprint("secure=", secure), func(t *testing.T) {
			h := newHarness(t, func(c *Config) { c.Secure = secure; c.SessionLifetime = time.Hour })
			resp := h.loginAs(h.api.AccessKey, h.api.SecretKey)
			var c *http.Cookie
			for _, ck := range resp.Cookies() {
				if ck.Name == sessionCookie {
					c = ck
				}
			}
			if c == nil {
				t.Fatal("no session cookie")
			}
			if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Secure != secure || c.MaxAge != 3600 || c.Path != "/" {
				t.Errorf("cookie %+v", c)
			}
			if strings.Contains(c.Value, h.api.SecretKey) || strings.Contains(c.Value, h.api.AccessKey) {
				t.Error("the cookie carries the credentials")
			}
		})
	}
}

func TestFailedLoginDoesNotSayWhichPartWasWrong(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.LoginBurst = 10 })
	attempts := map[string][2]string{
		"wrong secret": {h.api.AccessKey, "not-the-secret"},
		"unknown key":  {"NOSUCHKEY000", h.api.SecretKey},
	}
	var bodies []string
	for name, a := range attempts {
		resp, body := h.post("/login", url.Values{"accessKey": {a[0]}, "secretKey": {a[1]}})
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: status %d", name, resp.StatusCode)
		}
		if !strings.Contains(body, "Login failed") {
			t.Errorf("%s: no failure message", name)
		}
		if len(resp.Cookies()) != 0 {
			t.Errorf("%s: a cookie was set", name)
		}
		bodies = append(bodies, strings.ReplaceAll(body, a[0], ""))
	}
	if bodies[0] != bodies[1] {
		t.Error("the two failures read differently")
	}
}

func TestLoginAttemptsAreRateLimitedPerAddress(t *testing.T) {
	const burst = 3
	h := newHarness(t, func(c *Config) { c.LoginBurst = burst; c.LoginInterval = time.Hour })
	for i := range burst {
		if resp := h.loginAs(h.api.AccessKey, "wrong"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status %d, want 401", i+1, resp.StatusCode)
		}
	}
	// The limit holds for the right secret too: a guesser cannot tell.
	resp := h.loginAs(h.api.AccessKey, h.api.SecretKey)
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("attempt %d: status %d, want 429", burst+1, resp.StatusCode)
	}
	if resp.Header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
}

func TestPostsWithoutTheSessionsCSRFTokenAreRefused(t *testing.T) {
	h := newHarness(t, nil)
	h.loginRoot()
	for name, token := range map[string]string{"missing": "", "wrong": "x" + h.csrf()[1:]} {
		form := url.Values{"name": {"csrf-" + name}}
		if token != "" {
			form.Set(csrfField, token)
		}
		if resp, _ := h.post("/buckets", form); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s token: status %d, want 403", name, resp.StatusCode)
		}
		if ok, _ := h.api.Client.BucketExists(context.Background(), "csrf-"+name); ok {
			t.Errorf("%s token: the bucket was created", name)
		}
	}
	resp, _ := h.post("/buckets", url.Values{"name": {"csrf-right"}, csrfField: {h.csrf()}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("right token: status %d, want 303", resp.StatusCode)
	}
	if ok, _ := h.api.Client.BucketExists(context.Background(), "csrf-right"); !ok {
		t.Error("right token: no bucket")
	}
	req, _ := http.NewRequest(http.MethodPost, h.web.URL+"/buckets", strings.NewReader(url.Values{"name": {"csrf-header"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(csrfHeader, h.csrf())
	if resp, _ := h.do(req); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("token in the header: status %d, want 303", resp.StatusCode)
	}
}

func TestCrossOriginPostsAreRefused(t *testing.T) {
	h := newHarness(t, nil)
	h.loginRoot()
	form := url.Values{"name": {"cross-origin"}, csrfField: {h.csrf()}}
	req, _ := http.NewRequest(http.MethodPost, h.web.URL+"/buckets", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	if resp, _ := h.do(req); resp.StatusCode != http.StatusForbidden {
		t.Errorf("status %d, want 403", resp.StatusCode)
	}
	req, _ = http.NewRequest(http.MethodPost, h.web.URL+"/login", strings.NewReader(url.Values{"accessKey": {h.api.AccessKey}, "secretKey": {h.api.SecretKey}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	if resp, _ := h.do(req); resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-origin login: status %d, want 403", resp.StatusCode)
	}
}

func TestPagesNeedALiveSession(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	h := newHarness(t, func(c *Config) { c.SessionLifetime = time.Hour; c.Now = clock })
	if resp, _ := h.get("/buckets"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Fatalf("logged out: status %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	h.loginRoot()
	mu.Lock()
	now = now.Add(time.Hour - time.Second)
	mu.Unlock()
	if resp, _ := h.get("/buckets"); resp.StatusCode != http.StatusOK {
		t.Fatalf("a second before expiry: status %d", resp.StatusCode)
	}
	mu.Lock()
	now = now.Add(time.Second)
	mu.Unlock()
	if resp, _ := h.get("/buckets"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("at expiry: status %d, want a redirect to the login", resp.StatusCode)
	}
}

func TestLogoutEndsTheSession(t *testing.T) {
	h := newHarness(t, nil)
	h.loginRoot()
	if resp, _ := h.post("/logout", url.Values{csrfField: {h.csrf()}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: status %d", resp.StatusCode)
	}
	if len(h.console.sessions.sessions) != 0 {
		t.Error("the session is still held")
	}
	if resp, _ := h.get("/buckets"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("after logout: status %d, want a redirect", resp.StatusCode)
	}
}

const xssKey = `<img src=x onerror=alert(1)>`

func TestKeysAreEscaped(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	if err := h.api.Client.MakeBucket(ctx, "escape", client.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{xssKey, `"><b onmouseover=alert(2)>/inner`} {
		if _, err := h.api.Client.PutObject(ctx, "escape", key, strings.NewReader("x"), 1, client.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	h.loginRoot()
	_, body := h.get("/browse/escape")
	if strings.Contains(body, "<img src=x") || strings.Contains(body, "<b onmouseover") {
		t.Fatalf("a key is in the page unescaped:\n%s", body)
	}
	if !strings.Contains(body, "&lt;img src=x onerror=alert(1)&gt;") {
		t.Errorf("the key is not shown as text:\n%s", body)
	}
	// The folder's link carries its prefix percent-encoded.
	if !strings.Contains(body, `?prefix=%22%3e%3cb%20onmouseover%3dalert%282%29%3e%2f"`) {
		t.Errorf("the folder link is not encoded:\n%s", body)
	}
}

func TestObjectBrowserPages(t *testing.T) {
	const pageSize = 3
	h := newHarness(t, func(c *Config) { c.PageSize = pageSize })
	ctx := context.Background()
	if err := h.api.Client.MakeBucket(ctx, "pages", client.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	put := func(key string) {
		if _, err := h.api.Client.PutObject(ctx, "pages", key, strings.NewReader("x"), 1, client.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// A folder of many keys, then plain keys: exactly a page's worth
	// at the top level.
	for i := range 5 {
		put(fmt.Sprintf("a/%d", i))
	}
	put("b")
	put("c")
	h.loginRoot()
	_, body := h.get("/browse/pages")
	if strings.Contains(body, "Next page") {
		t.Errorf("a level of exactly %d entries has a next page", pageSize)
	}
	put("d") // one more than a page
	_, body = h.get("/browse/pages")
	if !strings.Contains(body, "Next page") || strings.Contains(body, ">d<") {
		t.Fatalf("a level of %d entries, first page:\n%s", pageSize+1, body)
	}
	next := between(body, `class="next" href="`, `"`)
	_, body = h.get(strings.ReplaceAll(next, "&amp;", "&"))
	if !strings.Contains(body, ">d<") || strings.Contains(body, ">a/<") || strings.Contains(body, "Next page") {
		t.Errorf("second page:\n%s", body)
	}
	_, body = h.get("/browse/pages?prefix=a/")
	for i := range 3 {
		if !strings.Contains(body, fmt.Sprintf(">%d<", i)) {
			t.Errorf("folder a/ lacks %d", i)
		}
	}
	_, body = h.get("/browse/pages?prefix=a/&search=4")
	if !strings.Contains(body, ">4<") || strings.Contains(body, ">3<") {
		t.Errorf("search for 4 in a/:\n%s", body)
	}
}

func between(s, start, end string) string {
	_, after, _ := strings.Cut(s, start)
	v, _, _ := strings.Cut(after, end)
	return v
}

func TestCreateAndDeleteBucketAsTheUser(t *testing.T) {
	h := newHarness(t, nil)
	h.loginRoot()
	resp, _ := h.post("/buckets", url.Values{"name": {"locked"}, "objectLock": {"on"}, csrfField: {h.csrf()}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: status %d", resp.StatusCode)
	}
	ctx := context.Background()
	v, err := h.api.Client.GetBucketVersioning(ctx, "locked")
	if err != nil || v.Status != "Enabled" {
		t.Fatalf("object lock bucket versioning %+v, %v", v, err)
	}
	h.post("/buckets", url.Values{"name": {"versioned"}, "versioning": {"on"}, csrfField: {h.csrf()}})
	if v, err := h.api.Client.GetBucketVersioning(ctx, "versioned"); err != nil || v.Status != "Enabled" {
		t.Fatalf("versioned bucket %+v, %v", v, err)
	}
	_, body := h.get("/buckets")
	if !strings.Contains(body, "Created bucket versioned.") || !strings.Contains(body, `href="/browse/locked"`) {
		t.Errorf("buckets page:\n%s", body)
	}
	resp, body = h.post("/buckets", url.Values{"name": {"Not_A_Bucket"}, csrfField: {h.csrf()}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Creating bucket Not_A_Bucket: ") {
		t.Errorf("creating a bucket of a bad name: status %d\n%s", resp.StatusCode, body)
	}
	if resp, _ := h.post("/buckets/versioned/delete", url.Values{csrfField: {h.csrf()}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: status %d", resp.StatusCode)
	}
	if ok, _ := h.api.Client.BucketExists(ctx, "versioned"); ok {
		t.Error("the bucket is still there")
	}
}

func TestBucketUsageIsBounded(t *testing.T) {
	rows := []struct {
		objects, want int
		more          bool
	}{{usageCountLimit, usageCountLimit, false}, {usageCountLimit + 1, usageCountLimit, true}}
	h := newHarness(t, nil)
	ctx := context.Background()
	for i, r := range rows {
		name := fmt.Sprint("usage-", i)
		if err := h.api.Client.MakeBucket(ctx, name, client.MakeBucketOptions{}); err != nil {
			t.Fatal(err)
		}
		for k := range r.objects {
			if _, err := h.api.Client.PutObject(ctx, name, fmt.Sprint(k), strings.NewReader("xy"), 2, client.PutObjectOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		row := bucketRow{BucketInfo: client.BucketInfo{Name: name}}
		countUsage(ctx, h.api.Client, &row)
		if row.Objects != r.want || row.More != r.more || row.Bytes != int64(2*r.want) {
			t.Errorf("%d objects: counted %+v", r.objects, row)
		}
	}
}

func TestDownloadIsAnAttachmentNeverRendered(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	if err := h.api.Client.MakeBucket(ctx, "dld", client.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	const html = `<script>alert(1)</script>`
	if _, err := h.api.Client.PutObject(ctx, "dld", "dir/page.html", strings.NewReader(html), int64(len(html)),
		client.PutObjectOptions{ContentType: "text/html"}); err != nil {
		t.Fatal(err)
	}
	h.loginRoot()
	resp, body := h.get("/download/dld?key=" + url.QueryEscape("dir/page.html"))
	if resp.StatusCode != http.StatusOK || body != html {
		t.Fatalf("status %d, body %q", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/octet-stream" {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename=page.html` {
		t.Errorf("Content-Disposition %q", cd)
	}
	if resp.Header.Get("Content-Security-Policy") == "" {
		t.Error("no Content-Security-Policy")
	}
	if resp, _ := h.get("/download/dld?key=nope"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("missing key: status %d", resp.StatusCode)
	}
}

func TestDeleteSelectedObjects(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	if err := h.api.Client.MakeBucket(ctx, "sel", client.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"f/a", "f/b", "f/c"} {
		if _, err := h.api.Client.PutObject(ctx, "sel", k, strings.NewReader("x"), 1, client.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	h.loginRoot()
	resp, _ := h.post("/browse/sel/delete", url.Values{"key": {"f/a", "f/c"}, "prefix": {"f/"}, csrfField: {h.csrf()}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/browse/sel?prefix=f%2F" {
		t.Fatalf("status %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	var left []string
	for o, err := range h.api.Client.ListObjects(ctx, "sel", client.ListObjectsOptions{Recursive: true}) {
		if err != nil {
			t.Fatal(err)
		}
		left = append(left, o.Key)
	}
	if fmt.Sprint(left) != "[f/b]" {
		t.Errorf("left %v", left)
	}
	if _, body := h.get("/browse/sel?prefix=f%2F"); !strings.Contains(body, "Deleted 2 objects.") {
		t.Errorf("no notice:\n%s", body)
	}
	form := url.Values{csrfField: {h.csrf()}}
	for i := range maxDeleteSelection + 1 {
		form.Add("key", fmt.Sprint("k", i))
	}
	if resp, _ := h.post("/browse/sel/delete", form); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("%d keys: status %d, want 400", maxDeleteSelection+1, resp.StatusCode)
	}
	form.Del("key")
	for i := range maxDeleteSelection {
		form.Add("key", fmt.Sprint("k", i))
	}
	if resp, _ := h.post("/browse/sel/delete", form); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("%d keys: status %d, want 303", maxDeleteSelection, resp.StatusCode)
	}
}

func TestObjectPageShowsMetadataEscapedAndEditsTags(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	if err := h.api.Client.MakeBucket(ctx, "details", client.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.api.Client.PutObject(ctx, "details", "d/"+xssKey, strings.NewReader("x"), 1, client.PutObjectOptions{
		Metadata: map[string]string{"note": `<svg onload=alert(3)>`},
	}); err != nil {
		t.Fatal(err)
	}
	h.loginRoot()
	q := "?key=" + url.QueryEscape("d/"+xssKey)
	resp, body := h.get("/object/details" + q)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if strings.Contains(body, "<svg") || strings.Contains(body, "<img src") {
		t.Fatalf("markup from the object in the page:\n%s", body)
	}
	if !strings.Contains(body, "&lt;svg onload=alert(3)&gt;") {
		t.Errorf("the metadata is not shown:\n%s", body)
	}
	resp, _ = h.post("/object/details/tags", url.Values{"key": {"d/" + xssKey}, csrfField: {h.csrf()},
		"tagKey": {"team", "", "env"}, "tagValue": {"storage", "ignored", "prod eu"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("set tags: status %d", resp.StatusCode)
	}
	tags, err := h.api.Client.GetObjectTags(ctx, "details", "d/"+xssKey, client.ObjectTagsOptions{})
	if err != nil || fmt.Sprint(tags) != "map[env:prod eu team:storage]" {
		t.Fatalf("tags %v, %v", tags, err)
	}
	if _, body := h.get("/object/details" + q); !strings.Contains(body, `value="prod eu"`) || !strings.Contains(body, "Saved the tags.") {
		t.Errorf("the tags are not shown:\n%s", body)
	}
	// S3 refuses '<' in a tag: the page says so and the tags stay.
	h.post("/object/details/tags", url.Values{"key": {"d/" + xssKey}, csrfField: {h.csrf()}, "tagKey": {"bad"}, "tagValue": {"<x>"}})
	if _, body := h.get("/object/details" + q); !strings.Contains(body, `class="error" role="alert">The tags were not saved: `) || !strings.Contains(body, "InvalidTag") {
		t.Errorf("a refused tag is not reported:\n%s", body)
	}
	h.post("/object/details/tags", url.Values{"key": {"d/" + xssKey}, csrfField: {h.csrf()}, "tagKey": {""}, "tagValue": {""}})
	if tags, err := h.api.Client.GetObjectTags(ctx, "details", "d/"+xssKey, client.ObjectTagsOptions{}); err != nil || len(tags) != 0 {
		t.Errorf("after clearing: %v, %v", tags, err)
	}
	if resp, _ := h.get("/object/details?key=nope"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("missing object: status %d", resp.StatusCode)
	}
}

func TestStrictTransportSecurityOnlyUnderTLS(t *testing.T) {
	for _, secure := range []bool{false, true} {
		h := newHarness(t, func(c *Config) { c.Secure = secure })
		resp, _ := h.get("/login")
		if got := resp.Header.Get("Strict-Transport-Security") != ""; got != secure {
			t.Errorf("secure=%v: Strict-Transport-Security %q", secure, resp.Header.Get("Strict-Transport-Security"))
		}
	}
}
