package console

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kurastore/kura/client"
)

// Tests of what an attacker could try against the console: requests a
// browser marks as cross-site, oversized forms, floods of logins, and
// names that would move a form's action to another route.

func TestPostsABrowserMarksCrossSiteAreRefused(t *testing.T) {
	h := newHarness(t, nil)
	h.loginRoot()
	for _, c := range []struct {
		name, origin, fetchSite string
		want                    int
	}{
		{"Origin null", "null", "", http.StatusForbidden},
		{"cross-site, no Origin", "", "cross-site", http.StatusForbidden},
		// Another port of the same host (the API serving an HTML object)
		// is the same site, but not the same origin.
		{"same-site, no Origin", "", "same-site", http.StatusForbidden},
		{"same-origin", "", "same-origin", http.StatusSeeOther},
		{"no Origin, no Sec-Fetch-Site", "", "", http.StatusSeeOther},
	} {
		bucket := fmt.Sprintf("fetch-site-%d", len(c.name))
		form := url.Values{"name": {bucket}, csrfField: {h.csrf()}}
		req, _ := http.NewRequest(http.MethodPost, h.web.URL+"/buckets", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if c.origin != "" {
			req.Header.Set("Origin", c.origin)
		}
		if c.fetchSite != "" {
			req.Header.Set("Sec-Fetch-Site", c.fetchSite)
		}
		if resp, _ := h.do(req); resp.StatusCode != c.want {
			t.Errorf("%s: status %d, want %d", c.name, resp.StatusCode, c.want)
		}
		exists, _ := h.api.Client.BucketExists(context.Background(), bucket)
		if exists != (c.want == http.StatusSeeOther) {
			t.Errorf("%s: bucket exists %v", c.name, exists)
		}
	}
	// The login form has no session and no token: only these checks
	// stop another site logging the browser in to its own account.
	for _, site := range []string{"cross-site", "same-site"} {
		req, _ := http.NewRequest(http.MethodPost, h.web.URL+"/login",
			strings.NewReader(url.Values{"accessKey": {h.api.AccessKey}, "secretKey": {h.api.SecretKey}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", site)
		if resp, _ := h.do(req); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s login: status %d, want 403", site, resp.StatusCode)
		}
	}
}

// paddedLogin is a login form of exactly size bytes.
func paddedLogin(size int) string {
	form := "accessKey=nobody&secretKey=wrong&pad="
	return form + strings.Repeat("a", size-len(form))
}

func TestFormBodiesAreBounded(t *testing.T) {
	h := newHarness(t, nil)
	for _, c := range []struct {
		size int
		want int
	}{
		{maxFormBytes, http.StatusUnauthorized},
		{maxFormBytes + 1, http.StatusRequestEntityTooLarge},
	} {
		req, _ := http.NewRequest(http.MethodPost, h.web.URL+"/login", strings.NewReader(paddedLogin(c.size)))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if resp, _ := h.do(req); resp.StatusCode != c.want {
			t.Errorf("form of %d bytes: status %d, want %d", c.size, resp.StatusCode, c.want)
		}
	}
	// A multipart form would spill its files to disk: bounded the same.
	for _, c := range []struct {
		size int
		want int
	}{
		{maxFormBytes / 2, http.StatusUnauthorized},
		{maxFormBytes + 1, http.StatusRequestEntityTooLarge},
	} {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		mw.WriteField("accessKey", "nobody")
		mw.WriteField("secretKey", "wrong")
		f, _ := mw.CreateFormFile("file", "big.bin")
		f.Write(bytes.Repeat([]byte{'x'}, c.size))
		mw.Close()
		req, _ := http.NewRequest(http.MethodPost, h.web.URL+"/login", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		if resp, _ := h.do(req); resp.StatusCode != c.want {
			t.Errorf("multipart form with a file of %d bytes: status %d, want %d", c.size, resp.StatusCode, c.want)
		}
	}
	// Logged in, an oversized form is refused before any handler reads
	// it; the largest real form (a full page of the longest keys) fits.
	h.loginRoot()
	if err := h.api.Client.MakeBucket(context.Background(), "bounded", client.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	form := url.Values{csrfField: {h.csrf()}}
	for i := range maxDeleteSelection {
		form.Add("key", fmt.Sprintf("%03d", i)+strings.Repeat("é", 510)) // 1023 bytes, 3 escaped characters each
	}
	if n := len(form.Encode()); n > maxFormBytes {
		t.Fatalf("a page of the longest keys is %d bytes, more than %d", n, maxFormBytes)
	}
	if resp, _ := h.post("/browse/bounded/delete", form); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("deleting a page of long keys: status %d, want 303", resp.StatusCode)
	}
	form.Set("pad", strings.Repeat("a", maxFormBytes))
	if resp, _ := h.post("/browse/bounded/delete", form); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized delete form: status %d, want 413", resp.StatusCode)
	}
}

// newBrowser is another browser (cookie jar) on h's console.
func (h *harness) newBrowser() *harness {
	jar, _ := cookiejar.New(nil)
	other := *h
	other.browser = &http.Client{Jar: jar, CheckRedirect: h.browser.CheckRedirect}
	return &other
}

func TestSessionsAreBounded(t *testing.T) {
	const limit = 3
	h := newHarness(t, func(c *Config) { c.MaxSessions = limit; c.LoginBurst = 100 })
	browsers := make([]*harness, limit+1)
	for i := range browsers {
		browsers[i] = h.newBrowser()
	}
	for i := range limit {
		if resp := browsers[i].loginAs(h.api.AccessKey, h.api.SecretKey); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("login %d: status %d, want 303", i+1, resp.StatusCode)
		}
	}
	resp := browsers[limit].loginAs(h.api.AccessKey, h.api.SecretKey)
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("login %d: status %d, want 503", limit+1, resp.StatusCode)
	}
	if n := len(h.console.sessions.sessions); n != limit {
		t.Errorf("%d sessions, want %d", n, limit)
	}
	// The sessions already open still work; a logout makes room.
	if resp, _ := browsers[0].get("/buckets"); resp.StatusCode != http.StatusOK {
		t.Errorf("first session: status %d", resp.StatusCode)
	}
	var token string
	for _, s := range h.console.sessions.sessions {
		token = s.csrfToken
		break
	}
	for _, b := range browsers[:limit] {
		if resp, _ := b.post("/logout", url.Values{csrfField: {token}}); resp.StatusCode == http.StatusSeeOther {
			break
		}
	}
	if resp := browsers[limit].loginAs(h.api.AccessKey, h.api.SecretKey); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("login after a logout: status %d, want 303", resp.StatusCode)
	}
}

func TestLoginReplacesTheBrowsersPreviousSession(t *testing.T) {
	h := newHarness(t, nil)
	h.loginRoot()
	u, _ := url.Parse(h.web.URL)
	first := h.browser.Jar.Cookies(u)[0].Value
	h.loginRoot()
	if len(h.console.sessions.sessions) != 1 {
		t.Errorf("%d sessions after two logins in one browser, want 1", len(h.console.sessions.sessions))
	}
	if sess, _ := h.console.sessions.get(first); sess != nil {
		t.Error("the first session still works")
	}
}

func TestLoginLimiterIsBounded(t *testing.T) {
	l := newLoginLimiter(2, 3600e9)
	for i := range maxTrackedAddrs {
		if !l.allow(fmt.Sprint("10.0.", i/256, ".", i%256)) {
			t.Fatalf("address %d refused", i)
		}
	}
	// One past the bound, with no address idle (each used a token): the
	// new address is refused rather than tracked.
	if l.allow("192.0.2.1") {
		t.Error("an address past the bound was allowed")
	}
	if len(l.byAddr) != maxTrackedAddrs {
		t.Fatalf("%d addresses tracked, want %d", len(l.byAddr), maxTrackedAddrs)
	}
}

func TestLoginLimiterKeysIPv6ByItsSlash64(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.LoginBurst = 1; c.LoginInterval = 3600e9 })
	attempt := func(addr string) int {
		req, _ := http.NewRequest(http.MethodPost, h.web.URL+"/login",
			strings.NewReader(url.Values{"accessKey": {"nobody"}, "secretKey": {"wrong"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.RemoteAddr = addr
		rec := httptest.NewRecorder()
		h.console.ServeHTTP(rec, req)
		return rec.Code
	}
	if got := attempt("[2001:db8:1:2::1]:4000"); got != http.StatusUnauthorized {
		t.Fatalf("first attempt: %d", got)
	}
	// Another address of the same /64: the same limit.
	if got := attempt("[2001:db8:1:2:ffff::9]:4001"); got != http.StatusTooManyRequests {
		t.Errorf("same /64: %d, want 429", got)
	}
	// Another /64: its own limit.
	if got := attempt("[2001:db8:1:3::1]:4002"); got != http.StatusUnauthorized {
		t.Errorf("another /64: %d, want 401", got)
	}
	// IPv4 addresses are each their own.
	if got := attempt("192.0.2.1:4000"); got != http.StatusUnauthorized {
		t.Errorf("IPv4: %d", got)
	}
	if got := attempt("192.0.2.2:4000"); got != http.StatusUnauthorized {
		t.Errorf("next IPv4: %d", got)
	}
}

func TestBucketPathValuesMustBeBucketNames(t *testing.T) {
	h := newHarness(t, nil)
	h.loginRoot()
	// %2F keeps the slashes inside one path segment: without a check
	// the page's forms would post to /iam/users/victim/delete.
	const crafted = "a%2F..%2F..%2Fiam%2Fusers%2Fvictim"
	for _, path := range []string{"/browse/" + crafted, "/settings/" + crafted, "/object/" + crafted + "?key=k"} {
		resp, body := h.get(path)
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", path, resp.StatusCode)
		}
		if leaving := leavingTargets(body); len(leaving) > 0 {
			t.Errorf("%s: targets leave their segment: %q", path, leaving)
		}
	}
	resp, _ := h.post("/browse/"+crafted+"/delete", url.Values{csrfField: {h.csrf()}, "key": {"k"}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("post: status %d, want 400", resp.StatusCode)
	}
	// Names S3 allows, legacy ones included, still work.
	for _, name := range []string{"abc", "a.b-c", "Legacy_Name"} {
		if resp, _ := h.get("/browse/" + name); resp.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d, want 200", name, resp.StatusCode)
		}
	}
}

func TestIAMNamesInPathsStayOneSegment(t *testing.T) {
	api := newIAMAPI(t, nil)
	ctx := context.Background()
	const user = "x/../../../buckets/victim"
	if err := api.ids.AddUser(ctx, user, "victim-secret-1"); err != nil {
		t.Fatal(err)
	}
	const group = "g/../../users/x?y#z"
	if err := api.ids.AddGroupMembers(ctx, group, user); err != nil {
		t.Fatal(err)
	}
	h := newIAMHarness(t, api)
	h.loginWith(api.rootKey, api.rootSecret)
	// The policy page of a crafted link: its name comes from the path.
	for _, page := range []string{"/iam/users", "/iam/groups", "/iam/policies/a%2F..%2F..%2Fusers%2Fbob"} {
		_, body := h.get(page)
		if leaving := leavingTargets(body); len(leaving) > 0 {
			t.Errorf("%s: targets leave their segment: %q", page, leaving)
		}
	}
	// The forms' targets reach the console's handler with the whole
	// name. (The admin API itself has no route for names with '/'.)
	status, body := h.postFollow("/iam/users/"+url.PathEscape(user)+"/status", url.Values{"status": {"disabled"}})
	if status != http.StatusOK || !strings.Contains(body, asHTMLText("Setting user "+user+" disabled")) {
		t.Errorf("disabling %q: %d\n%s", user, status, body)
	}
	const odd = "q?x#y%z"
	if err := api.ids.AddUser(ctx, odd, "odd-secret-1"); err != nil {
		t.Fatal(err)
	}
	status, body = h.postFollow("/iam/users/"+url.PathEscape(odd)+"/status", url.Values{"status": {"disabled"}})
	if status != http.StatusOK || !strings.Contains(body, asHTMLText("User "+odd+" is disabled.")) {
		t.Errorf("disabling %q: %d\n%s", odd, status, body)
	}
	if _, body = h.get("/iam/users"); !strings.Contains(body, `action="/iam/users/q%3Fx%23y%25z/delete"`) {
		t.Errorf("the delete form of %q:\n%s", odd, body)
	}
}

// leavingTargets are the href and action values of body that climb out
// of their path segment (/../) or start a query inside it.
func leavingTargets(body string) []string {
	var out []string
	for _, attr := range []string{`action="`, `href="`} {
		for rest := body; ; {
			i := strings.Index(rest, attr)
			if i < 0 {
				break
			}
			rest = rest[i+len(attr):]
			target := rest[:strings.IndexByte(rest, '"')]
			if strings.Contains(target, "/../") || strings.Contains(target, "?y") {
				out = append(out, target)
			}
		}
	}
	return out
}

func TestDownloadNamesEveryKeySafely(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	if err := h.api.Client.MakeBucket(ctx, "names", client.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	h.loginRoot()
	for key, want := range map[string]string{
		`dir/a"b.txt`:           `a"b.txt`,
		"dir/line\r\nX-Evil: 1": "line\r\nX-Evil: 1",
		"dir/résumé; x=1.pdf":   "résumé; x=1.pdf",
		`dir/back\slash`:        `back\slash`,
	} {
		if _, err := h.api.Client.PutObject(ctx, "names", key, strings.NewReader("x"), 1, client.PutObjectOptions{ContentType: "text/html"}); err != nil {
			t.Fatal(err)
		}
		resp, _ := h.get("/download/names?key=" + url.QueryEscape(key))
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%q: status %d", key, resp.StatusCode)
			continue
		}
		if resp.Header.Get("X-Evil") != "" {
			t.Errorf("%q: a header was injected", key)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/octet-stream" {
			t.Errorf("%q: Content-Type %q", key, ct)
		}
		disp, params, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition"))
		if err != nil || disp != "attachment" || params["filename"] != want {
			t.Errorf("%q: Content-Disposition %q (%s %v %v)", key, resp.Header.Get("Content-Disposition"), disp, params, err)
		}
	}
}

func TestLongKeysShowTheAPIsRefusal(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	if err := h.api.Client.MakeBucket(ctx, "long", client.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	h.loginRoot()
	longest := strings.Repeat("k", 1024)
	if _, err := h.api.Client.PutObject(ctx, "long", longest, strings.NewReader("x"), 1, client.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if resp, body := h.get("/object/long?key=" + longest); resp.StatusCode != http.StatusOK || !strings.Contains(body, longest) {
		t.Errorf("1024-byte key: status %d", resp.StatusCode)
	}
	tooLong := longest + "k"
	for _, path := range []string{"/object/long?key=" + tooLong, "/download/long?key=" + tooLong} {
		resp, body := h.get(path)
		if resp.StatusCode < 400 || resp.StatusCode >= 500 || !strings.Contains(body, `class="error"`) {
			t.Errorf("1025-byte key, %s: status %d\n%.300s", path[:14], resp.StatusCode, body)
		}
	}
	resp, _ := h.post("/browse/long/delete", url.Values{csrfField: {h.csrf()}, "key": {tooLong}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete of a 1025-byte key: status %d", resp.StatusCode)
	}
	if _, body := h.get(resp.Header.Get("Location")); !strings.Contains(body, `class="error"`) {
		t.Errorf("delete of a 1025-byte key shows no refusal:\n%s", body)
	}
}

func TestSecretsNeverReachPagesOrLogs(t *testing.T) {
	api := newIAMAPI(t, nil)
	api.userWithPolicy(t, "dora", "dora-secret-77", "")
	h := newIAMHarness(t, api)
	var logs bytes.Buffer
	h.console.cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var pages []string
	keep := func(_ *http.Response, body string) { pages = append(pages, body) }
	keep(h.post("/login", url.Values{"accessKey": {"dora"}, "secretKey": {"dora-secret-78"}}))
	keep(h.post("/login", url.Values{"accessKey": {api.rootKey}, "secretKey": {api.rootSecret}}))
	for _, path := range []string{"/buckets", "/iam/users", "/iam/service-accounts", "/health"} {
		keep(h.get(path))
	}
	// A refused user creation and a good one: the new secret is never
	// echoed either.
	_, body := h.postFollow("/iam/users", url.Values{"accessKey": {"dora"}, "secretKey": {"new-user-secret-1"}})
	keep(nil, body)
	_, body = h.postFollow("/iam/users", url.Values{"accessKey": {"erin"}, "secretKey": {"new-user-secret-2"}})
	keep(nil, body)
	for _, secret := range []string{"dora-secret-77", "dora-secret-78", api.rootSecret, "new-user-secret-1", "new-user-secret-2"} {
		for i, p := range pages {
			if strings.Contains(p, secret) {
				t.Errorf("page %d shows the secret %q", i, secret)
			}
		}
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the log holds the secret %q", secret)
		}
	}
	// The login page never fills the secret back in.
	if _, body := h.get("/login"); strings.Contains(body, `name="secretKey" value=`) {
		t.Error("the login form has a value for the secret")
	}
}

func TestRedirectsKeepTrickyKeysInsideTheQuery(t *testing.T) {
	h := newHarness(t, nil)
	if err := h.api.Client.MakeBucket(context.Background(), "redir", client.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	h.loginRoot()
	for _, key := range []string{"a?b#c", "//evil.example/x", "/../../iam/users", "100%25 %zz", "line\nbreak", `\\evil.example`} {
		resp, _ := h.post("/object/redir/tags", url.Values{csrfField: {h.csrf()}, "key": {key}})
		checkLocation(t, "tags of "+key, resp, "/object/redir", "key", key)
		resp, _ = h.post("/browse/redir/delete", url.Values{csrfField: {h.csrf()}, "prefix": {key}})
		checkLocation(t, "delete in "+key, resp, "/browse/redir", "prefix", key)
	}
}

// checkLocation checks that resp redirects to path on the console
// itself, with field holding want.
func checkLocation(t *testing.T, what string, resp *http.Response, path, field, want string) {
	t.Helper()
	loc := resp.Header.Get("Location")
	u, err := url.Parse(loc)
	if resp.StatusCode != http.StatusSeeOther || err != nil || u.Scheme != "" || u.Host != "" || u.Path != path || u.Fragment != "" {
		t.Errorf("%s: status %d to %q", what, resp.StatusCode, loc)
		return
	}
	if got := u.Query().Get(field); got != want {
		t.Errorf("%s: %s=%q in %q", what, field, got, loc)
	}
}

func TestAStalledFormIsNotWaitedForForever(t *testing.T) {
	h := newHarness(t, nil)
	h.console.formReadTimeout = 100 * time.Millisecond
	conn, err := net.Dial("tcp", h.web.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// 100 bytes announced, 10 sent, and then nothing.
	fmt.Fprint(conn, "POST /login HTTP/1.1\r\nHost: console\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\naccessKey=")
	conn.SetReadDeadline(time.Now().Add(20 * time.Second)) // only so that a failing test ends
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a stalled form: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("status %d, want 400", resp.StatusCode)
	}
}
