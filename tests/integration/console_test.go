package integration

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/kurastore/kura/admin"
	"github.com/kurastore/kura/client"
)

// chromiumPath finds a Chromium or Chrome to drive, or "" when the
// machine has none.
func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// screenshotDir is where the browser tests leave their screenshots, for
// a person to look at (git-ignored): KURA_SCREENSHOTS, or
// tests/integration/screenshots.
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("KURA_SCREENSHOTS")
	if dir == "" {
		dir = "screenshots"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// startBrowser starts headless Chromium for t; dialogs counts the JavaScript
// dialogs (alert, confirm) the pages open, each dismissed at once.
func startBrowser(t *testing.T) (ctx context.Context, dialogs *atomic.Int32) {
	t.Helper()
	exe := chromiumPath()
	if exe == "" {
		t.Skip("no chromium on PATH: the browser tests need Debian's chromium (apt-get install chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox, // the tests may run as root in a container
		chromedp.DisableGPU,
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelBrowser := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() {
		chromedp.Cancel(ctx) // closes the browser and waits for it
		cancelTimeout()
		cancelBrowser()
		cancelAlloc()
	})
	dialogs = new(atomic.Int32)
	chromedp.ListenTarget(ctx, func(ev any) {
		if _, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			dialogs.Add(1)
			go chromedp.Run(ctx, page.HandleJavaScriptDialog(false))
		}
	})
	if err := chromedp.Run(ctx); err != nil { // starts the browser
		t.Fatalf("starting %s: %v", exe, err)
	}
	return ctx, dialogs
}

func screenshot(dir, name string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		var png []byte
		// Quality 100 asks for PNG; below it Chromium answers JPEG.
		if err := chromedp.FullScreenshot(&png, 100).Do(ctx); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
	})
}

func TestConsoleInABrowser(t *testing.T) {
	if testGateways() > 1 {
		t.Skip("the console is tested on one server")
	}
	ctx, dialogs := startBrowser(t)
	consoleAddr := freeAddr(t)
	s := startServer(t, "--console-address", consoleAddr)
	shots := screenshotDir(t)
	home := "http://" + consoleAddr

	// Log in, and create a bucket through the form.
	err := chromedp.Run(ctx,
		chromedp.Navigate(home+"/"),
		chromedp.WaitVisible(`form.login`),
		screenshot(shots, "console-login"),
		chromedp.SendKeys(`input[name=accessKey]`, s.accessKey),
		chromedp.SendKeys(`input[name=secretKey]`, s.secretKey),
		chromedp.Submit(`form.login`),
		chromedp.WaitVisible(`table.buckets`),
		chromedp.SendKeys(`form.create-bucket input[name=name]`, "console-bucket"),
		chromedp.Click(`form.create-bucket input[name=versioning]`),
		chromedp.Submit(`form.create-bucket`),
		chromedp.WaitVisible(`a[href="/browse/console-bucket"]`),
		screenshot(shots, "console-buckets"),
	)
	if err != nil {
		t.Fatalf("log in and create a bucket: %v", err)
	}
	checkPageWeight(t, ctx, "the buckets page")
	sdk, err := client.New(s.addr, &client.Options{AccessKey: s.accessKey, SecretKey: s.secretKey})
	if err != nil {
		t.Fatal(err)
	}
	c := context.Background()
	if ok, err := sdk.BucketExists(c, "console-bucket"); !ok || err != nil {
		t.Fatalf("the bucket the console created: %v, %v", ok, err)
	}
	const xssKey = `<img src=x onerror=alert(1)>`
	readme := make([]byte, 256<<10)
	rand.Read(readme)
	for key, data := range map[string][]byte{"docs/readme.txt": readme, xssKey: []byte("hello")} {
		if _, err := sdk.PutObject(c, "console-bucket", key, bytes.NewReader(data), int64(len(data)), client.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	// Browse: the top level shows the folder and the hostile key as
	// text, the folder shows its object.
	var keyText string
	var images int
	err = chromedp.Run(ctx,
		chromedp.Click(`a[href="/browse/console-bucket"]`),
		chromedp.WaitVisible(`table.objects`),
		chromedp.Text(`tr.object td.key`, &keyText),
		chromedp.Evaluate(`document.querySelectorAll("main img").length`, &images),
		screenshot(shots, "console-objects"),
	)
	if err != nil {
		t.Fatalf("browse the bucket: %v", err)
	}
	checkPageWeight(t, ctx, "the object browser")
	if keyText != xssKey {
		t.Errorf("the key reads %q, want %q", keyText, xssKey)
	}
	if images != 0 {
		t.Errorf("the page has %d img elements: a key became markup", images)
	}
	var inFolder string
	err = chromedp.Run(ctx,
		chromedp.Click(`tr.folder a`),
		chromedp.WaitVisible(`nav.crumbs a[href="/browse/console-bucket?prefix=docs%2f"]`),
		chromedp.Text(`tr.object td.key`, &inFolder),
		screenshot(shots, "console-folder"),
	)
	if err != nil {
		t.Fatalf("open the folder: %v", err)
	}
	if inFolder != "readme.txt" {
		t.Errorf("the folder shows %q, want readme.txt", inFolder)
	}
	if got := downloadThrough(t, ctx, `a.download`); !bytes.Equal(got, readme) {
		t.Errorf("downloaded %d bytes, not the %d of the object", len(got), len(readme))
	}
	if n := dialogs.Load(); n != 0 {
		t.Errorf("%d JavaScript dialogs opened", n)
	}
}

// consoleSession is a browser-like HTTP client of a console: a cookie
// jar, no redirects followed.
type consoleSession struct {
	t    *testing.T
	home string
	http *http.Client
	csrf string
}

func newConsoleSession(t *testing.T, home string) *consoleSession {
	jar, _ := cookiejar.New(nil)
	return &consoleSession{t: t, home: home, http: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (cs *consoleSession) send(method, path string, form url.Values) (int, string) {
	cs.t.Helper()
	var body io.Reader
	if form != nil {
		if cs.csrf != "" {
			form.Set("csrf", cs.csrf)
		}
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, cs.home+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := cs.http.Do(req)
	if err != nil {
		cs.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if _, after, ok := strings.Cut(string(b), `name="csrf" value="`); ok {
		cs.csrf, _, _ = strings.Cut(after, `"`)
	}
	return resp.StatusCode, string(b)
}

// An IAM user who may only list buckets sees the server's refusals: the
// console acts with the user's credentials, never with powers of its own.
func TestConsoleCanDoNoMoreThanTheUser(t *testing.T) {
	if testGateways() > 1 {
		t.Skip("the console is tested on one server")
	}
	consoleAddr := freeAddr(t)
	s := startServer(t, "--console-address", consoleAddr)
	c := context.Background()
	sdk, err := client.New(s.addr, &client.Options{AccessKey: s.accessKey, SecretKey: s.secretKey})
	if err != nil {
		t.Fatal(err)
	}
	if err := sdk.MakeBucket(c, "private", client.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	const user, secret = "console-reader", "console-reader-secret"
	addUserWithPolicy(t, s, user, secret, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:ListAllMyBuckets"],"Resource":["arn:aws:s3:::*"]}]}`)
	cs := newConsoleSession(t, "http://"+consoleAddr)
	if status, body := cs.send(http.MethodPost, "/login", url.Values{"accessKey": {user}, "secretKey": {secret}}); status != http.StatusSeeOther {
		t.Fatalf("login: status %d\n%s", status, body)
	}
	_, body := cs.send(http.MethodGet, "/buckets", nil)
	if !strings.Contains(body, `href="/browse/private"`) || !strings.Contains(body, "AccessDenied") {
		t.Errorf("the buckets page does not show the bucket with its listing refused:\n%s", body)
	}
	status, body := cs.send(http.MethodPost, "/buckets", url.Values{"name": {"not-allowed"}})
	if status != http.StatusBadRequest || !strings.Contains(body, "AccessDenied") {
		t.Errorf("create: status %d\n%s", status, body)
	}
	if ok, _ := sdk.BucketExists(c, "not-allowed"); ok {
		t.Error("the console created a bucket the user may not")
	}
	if status, _ := cs.send(http.MethodPost, "/buckets/private/delete", url.Values{}); status != http.StatusBadRequest {
		t.Errorf("delete: status %d", status)
	}
	if ok, _ := sdk.BucketExists(c, "private"); !ok {
		t.Error("the console deleted a bucket the user may not")
	}
	if _, body := cs.send(http.MethodGet, "/browse/private", nil); !strings.Contains(body, "AccessDenied") {
		t.Errorf("browsing a bucket the user may not list:\n%s", body)
	}
}

// downloadThrough clicks the link sel in the browser and returns the
// bytes the browser saved.
func downloadThrough(t *testing.T, ctx context.Context, sel string) []byte {
	t.Helper()
	dir := t.TempDir()
	done := make(chan string, 1)
	// Download events arrive on the page's session, which enabled them.
	chromedp.ListenTarget(ctx, func(ev any) {
		if p, ok := ev.(*browser.EventDownloadProgress); ok && p.State == browser.DownloadProgressStateCompleted {
			select {
			case done <- p.GUID:
			default:
			}
		}
	})
	err := chromedp.Run(ctx,
		browser.SetDownloadBehavior(browser.SetDownloadBehaviorBehaviorAllowAndName).WithDownloadPath(dir).WithEventsEnabled(true),
		chromedp.Click(sel),
	)
	if err != nil {
		t.Fatalf("download: %v", err)
	}
	select {
	case guid := <-done:
		data, err := os.ReadFile(filepath.Join(dir, guid))
		if err != nil {
			t.Fatal(err)
		}
		return data
	case <-time.After(30 * time.Second):
		t.Fatal("the download did not complete")
	}
	return nil
}

// addUserWithPolicy adds an IAM user to s whose one policy (named after
// the user) is policy.
func addUserWithPolicy(t *testing.T, s *server, user, secret, policy string) {
	t.Helper()
	ac, err := admin.New(s.addr, s.accessKey, s.secretKey, false)
	if err != nil {
		t.Fatal(err)
	}
	c := context.Background()
	if err := ac.AddUser(c, user, secret); err != nil {
		t.Fatal(err)
	}
	if err := ac.PutPolicy(c, user+"-policy", []byte(policy)); err != nil {
		t.Fatal(err)
	}
	if err := ac.AttachPolicy(c, user+"-policy", user, ""); err != nil {
		t.Fatal(err)
	}
}
