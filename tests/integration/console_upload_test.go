package integration

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kurastore/kura/client"
)

// consoleWithBucket starts kura with the console, logs the browser in
// as root and makes bucket; it returns the console's address and an SDK
// client with the root credentials.
func consoleWithBucket(t *testing.T, ctx context.Context, bucket string) (*server, string, *client.Client) {
	t.Helper()
	consoleAddr := freeAddr(t)
	s := startServer(t, "--console-address", consoleAddr)
	sdk, err := client.New(s.addr, &client.Options{AccessKey: s.accessKey, SecretKey: s.secretKey})
	if err != nil {
		t.Fatal(err)
	}
	if err := sdk.MakeBucket(context.Background(), bucket, client.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	browserLogin(t, ctx, "http://"+consoleAddr, s.accessKey, s.secretKey)
	return s, "http://" + consoleAddr, sdk
}

func browserLogin(t *testing.T, ctx context.Context, home, accessKey, secretKey string) {
	t.Helper()
	err := chromedp.Run(ctx,
		chromedp.Navigate(home+"/login"),
		chromedp.WaitVisible(`form.login`),
		chromedp.SendKeys(`input[name=accessKey]`, accessKey),
		chromedp.SendKeys(`input[name=secretKey]`, secretKey),
		chromedp.Submit(`form.login`),
		chromedp.WaitVisible(`table.buckets`),
	)
	if err != nil {
		t.Fatalf("log in: %v", err)
	}
}

// uploadRow is the state of the newest upload in the page's list.
type uploadRow struct {
	Value, Max float64
	Status     string
	Rows       int
}

func lastUpload(ctx context.Context) (uploadRow, error) {
	var row uploadRow
	err := chromedp.Run(ctx, chromedp.Evaluate(`(() => {
		const rows = document.querySelectorAll("li.upload-item");
		if (rows.length === 0) { return {Rows: 0}; }
		const r = rows[rows.length - 1];
		const p = r.querySelector("progress.upload-progress");
		return {Value: p.value, Max: p.max, Status: r.querySelector(".upload-status").textContent, Rows: rows.length};
	})()`, &row))
	return row, err
}

// waitUpload polls the newest upload of the page until done says so.
func waitUpload(t *testing.T, ctx context.Context, rows int, what string, done func(uploadRow) bool) uploadRow {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		row, err := lastUpload(ctx)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if row.Rows == rows && done(row) {
			return row
		}
		if row.Rows == rows && strings.HasPrefix(row.Status, "Failed") {
			t.Fatalf("%s: the upload failed: %s", what, row.Status)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still %+v", what, row)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func finished(r uploadRow) bool { return r.Status == "Done" }

// inProgress is a progress bar strictly between empty and full.
func inProgress(r uploadRow) bool { return r.Value > 0 && r.Value < r.Max && r.Status == "Uploading" }

// dropFile drops a file made in the page, holding text, on the object
// list, as a user dragging it from the desktop would.
func dropFile(name, text string) chromedp.Action {
	var ok bool
	return chromedp.Evaluate(fmt.Sprintf(`(() => {
		const data = new DataTransfer();
		data.items.add(new File([%q], %q, {type: "text/plain"}));
		const target = document.querySelector("table.objects");
		target.dispatchEvent(new DragEvent("dragover", {bubbles: true, cancelable: true, dataTransfer: data}));
		return target.dispatchEvent(new DragEvent("drop", {bubbles: true, cancelable: true, dataTransfer: data}));
	})()`, text, name), &ok)
}

func objectOf(t *testing.T, sdk *client.Client, bucket, key string) []byte {
	t.Helper()
	obj, err := sdk.GetObject(context.Background(), bucket, key, client.GetObjectOptions{})
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	defer obj.Close()
	data, err := io.ReadAll(obj)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func randomFile(t *testing.T, name string, size int) (string, []byte) {
	t.Helper()
	data := make([]byte, size)
	rand.Read(data)
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, data
}

func uploadsIn(t *testing.T, sdk *client.Client, bucket string) int {
	t.Helper()
	n := 0
	for _, err := range sdk.ListMultipartUploads(context.Background(), bucket, client.ListMultipartUploadsOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	return n
}

const pickerSel = `section.upload input[type=file]`

// Files dropped on the object browser or chosen with the file picker are
// stored in the folder shown; a 50 MiB file goes as a multipart upload
// whose progress bar moves.
func TestConsoleUploadsFiles(t *testing.T) {
	if testGateways() > 1 {
		t.Skip("the console is tested on one server")
	}
	ctx, dialogs := startBrowser(t)
	_, home, sdk := consoleWithBucket(t, ctx, "uploads")
	shots := screenshotDir(t)
	if _, err := sdk.PutObject(context.Background(), "uploads", "docs/keep.txt", strings.NewReader("k"), 1, client.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Run(ctx, chromedp.Navigate(home+"/browse/uploads?prefix=docs%2F"), chromedp.WaitVisible(`section.upload`)); err != nil {
		t.Fatal(err)
	}

	const dropped = "dropped on the object browser"
	if err := chromedp.Run(ctx, dropFile("dropped.txt", dropped)); err != nil {
		t.Fatalf("drop: %v", err)
	}
	waitUpload(t, ctx, 1, "the dropped file", finished)
	if got := objectOf(t, sdk, "uploads", "docs/dropped.txt"); string(got) != dropped {
		t.Errorf("the dropped file was stored as %q", got)
	}

	small, smallData := randomFile(t, "picked.bin", 100<<10)
	if err := chromedp.Run(ctx, chromedp.SetUploadFiles(pickerSel, []string{small})); err != nil {
		t.Fatalf("pick: %v", err)
	}
	waitUpload(t, ctx, 2, "the picked file", finished)
	if got := objectOf(t, sdk, "uploads", "docs/picked.bin"); !bytes.Equal(got, smallData) {
		t.Errorf("the picked file was stored as %d bytes, not its %d", len(got), len(smallData))
	}

	large, largeData := randomFile(t, "large.bin", 50<<20)
	start := time.Now()
	if err := chromedp.Run(ctx, chromedp.SetUploadFiles(pickerSel, []string{large})); err != nil {
		t.Fatalf("pick: %v", err)
	}
	midway := waitUpload(t, ctx, 3, "the large file under way", inProgress)
	if err := chromedp.Run(ctx, screenshot(shots, "console-upload-progress")); err != nil {
		t.Fatal(err)
	}
	waitUpload(t, ctx, 3, "the large file", finished)
	took := time.Since(start)
	if got := objectOf(t, sdk, "uploads", "docs/large.bin"); !bytes.Equal(got, largeData) {
		t.Errorf("the large file was stored as %d bytes, differing from its %d", len(got), len(largeData))
	}
	info, err := sdk.StatObject(context.Background(), "uploads", "docs/large.bin", client.StatObjectOptions{})
	if err != nil || !strings.HasSuffix(info.ETag, "-7") {
		t.Errorf("the large file is not a multipart object of 7 parts of 8 MiB: %v %v", info.ETag, err)
	}
	sdkStart := time.Now()
	if _, err := sdk.PutObject(context.Background(), "uploads", "docs/large-sdk.bin", bytes.NewReader(largeData), int64(len(largeData)), client.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Logf("50 MiB: %v through the console (progress seen at %.0f of %.0f bytes), %v with the SDK", took, midway.Value, midway.Max, time.Since(sdkStart))
	if n := uploadsIn(t, sdk, "uploads"); n != 0 {
		t.Errorf("%d multipart uploads left", n)
	}
	var listed int
	if err := chromedp.Run(ctx, chromedp.Click(`li.uploads-done a`),
		chromedp.WaitNotPresent(`li.uploads-done`), // the page the link loads, not this one
		chromedp.WaitVisible(`table.objects`),
		chromedp.Evaluate(`document.querySelectorAll("tr.object").length`, &listed),
		screenshot(shots, "console-uploaded")); err != nil {
		t.Fatal(err)
	}
	if listed != 5 { // keep, dropped, picked, large and large-sdk
		t.Errorf("the refreshed folder lists %d objects, want 5", listed)
	}
	if n := dialogs.Load(); n != 0 {
		t.Errorf("%d JavaScript dialogs opened", n)
	}
}

// Cancel stops a large upload and aborts it: no parts are left on the
// server and no object is made.
func TestConsoleCancelsAnUpload(t *testing.T) {
	if testGateways() > 1 {
		t.Skip("the console is tested on one server")
	}
	ctx, _ := startBrowser(t)
	_, home, sdk := consoleWithBucket(t, ctx, "cancels")
	huge, _ := randomFile(t, "huge.bin", 256<<20)
	started := time.Now()
	err := chromedp.Run(ctx,
		chromedp.Navigate(home+"/browse/cancels"),
		chromedp.WaitVisible(`section.upload`),
		chromedp.SetUploadFiles(pickerSel, []string{huge}),
	)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("started in %v", time.Since(started))
	waitUpload(t, ctx, 1, "the upload under way", inProgress)
	t.Logf("under way %v after the start", time.Since(started))
	clicked := time.Now()
	if err := chromedp.Run(ctx, chromedp.Click(`li.upload-item button.cancel`)); err != nil {
		t.Fatal(err)
	}
	waitUpload(t, ctx, 1, "the cancelled upload", func(r uploadRow) bool { return r.Status == "Cancelled" })
	t.Logf("cancelled and aborted %v after the click", time.Since(clicked))
	if n := uploadsIn(t, sdk, "cancels"); n != 0 {
		t.Errorf("%d multipart uploads left after Cancel", n)
	}
	if _, err := sdk.StatObject(context.Background(), "cancels", "huge.bin", client.StatObjectOptions{}); client.ErrorCode(err) != "NoSuchKey" {
		t.Errorf("the cancelled upload made an object: %v", err)
	}
}

// The object page shares a presigned link to the API's address, which
// anyone can fetch without a session.
func TestConsoleSharesALink(t *testing.T) {
	if testGateways() > 1 {
		t.Skip("the console is tested on one server")
	}
	ctx, _ := startBrowser(t)
	s, home, sdk := consoleWithBucket(t, ctx, "shares")
	data := make([]byte, 200<<10)
	rand.Read(data)
	if _, err := sdk.PutObject(context.Background(), "shares", "report.bin", bytes.NewReader(data), int64(len(data)), client.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	var link string
	err := chromedp.Run(ctx,
		chromedp.Navigate(home+"/object/shares?key=report.bin"),
		chromedp.WaitVisible(`form.share`),
		chromedp.SetValue(`form.share select[name=expires]`, "86400"),
		chromedp.Click(`form.share button[type=submit]`),
		chromedp.WaitVisible(`input.share-url`),
		chromedp.Value(`input.share-url`, &link),
		screenshot(screenshotDir(t), "console-share"),
	)
	if err != nil {
		t.Fatalf("share: %v", err)
	}
	u, err := url.Parse(link)
	if err != nil || u.Host != s.addr || u.Query().Get("X-Amz-Expires") != "86400" {
		t.Fatalf("link %q does not name the API at %s for a day", link, s.addr)
	}
	resp, err := http.Get(link) // a plain client: no cookies, no credentials
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got, data) {
		t.Errorf("fetching the link: status %d, %d bytes", resp.StatusCode, len(got))
	}
}

// A user who may list a bucket but not write to it sees S3's refusal in
// the page when an upload is refused.
func TestConsoleShowsARefusedUpload(t *testing.T) {
	if testGateways() > 1 {
		t.Skip("the console is tested on one server")
	}
	ctx, _ := startBrowser(t)
	consoleAddr := freeAddr(t)
	s := startServer(t, "--console-address", consoleAddr)
	c := context.Background()
	sdk, err := client.New(s.addr, &client.Options{AccessKey: s.accessKey, SecretKey: s.secretKey})
	if err != nil {
		t.Fatal(err)
	}
	if err := sdk.MakeBucket(c, "readonly", client.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	const user, secret = "console-lister", "console-lister-secret"
	addUserWithPolicy(t, s, user, secret, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:ListAllMyBuckets","s3:ListBucket"],"Resource":["arn:aws:s3:::*"]}]}`)
	home := "http://" + consoleAddr
	browserLogin(t, ctx, home, user, secret)
	big, _ := randomFile(t, "big.bin", 9<<20)
	if err := chromedp.Run(ctx, chromedp.Navigate(home+"/browse/readonly"), chromedp.WaitVisible(`section.upload`), dropFile("small.txt", "no")); err != nil {
		t.Fatal(err)
	}
	refused := func(r uploadRow) bool { return strings.Contains(r.Status, "AccessDenied") }
	waitUploadRefused(t, ctx, 1, refused)
	if err := chromedp.Run(ctx, chromedp.SetUploadFiles(pickerSel, []string{big})); err != nil {
		t.Fatal(err)
	}
	waitUploadRefused(t, ctx, 2, refused)
	if err := chromedp.Run(ctx, screenshot(screenshotDir(t), "console-upload-refused")); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"small.txt", "big.bin"} {
		if _, err := sdk.StatObject(c, "readonly", key, client.StatObjectOptions{}); client.ErrorCode(err) != "NoSuchKey" {
			t.Errorf("%s was stored for a user who may not write: %v", key, err)
		}
	}
	if n := uploadsIn(t, sdk, "readonly"); n != 0 {
		t.Errorf("%d uploads left", n)
	}
}

// waitUploadRefused waits for the newest upload to fail as want says.
func waitUploadRefused(t *testing.T, ctx context.Context, rows int, want func(uploadRow) bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		row, err := lastUpload(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if row.Rows == rows && strings.HasPrefix(row.Status, "Failed") {
			if !want(row) {
				t.Fatalf("the upload failed with %q", row.Status)
			}
			return
		}
		if row.Rows == rows && row.Status == "Done" {
			t.Fatal("the refused upload was done")
		}
		if time.Now().After(deadline) {
			t.Fatalf("still %+v", row)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// --console-api-url is the address shared links name, for an API that
// clients reach by another name than the console's.
func TestConsoleAPIURLFlagNamesTheSharedLinksHost(t *testing.T) {
	if testGateways() > 1 {
		t.Skip("the console is tested on one server")
	}
	// The API's public face: a proxy that passes requests on with their
	// Host, which the signature covers.
	var apiAddr atomic.Value
	proxy := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(&url.URL{Scheme: "http", Host: apiAddr.Load().(string)})
		r.Out.Host = r.In.Host
	}})
	defer proxy.Close()
	public := proxy.URL
	consoleAddr := freeAddr(t)
	s := startServer(t, "--console-address", consoleAddr, "--console-api-url", public)
	apiAddr.Store(s.addr)
	sdk, err := client.New(s.addr, &client.Options{AccessKey: s.accessKey, SecretKey: s.secretKey})
	if err != nil {
		t.Fatal(err)
	}
	c := context.Background()
	if err := sdk.MakeBucket(c, "flagged", client.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := sdk.PutObject(c, "flagged", "k", strings.NewReader("shared"), 6, client.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	cs := newConsoleSession(t, "http://"+consoleAddr)
	if status, body := cs.send(http.MethodPost, "/login", url.Values{"accessKey": {s.accessKey}, "secretKey": {s.secretKey}}); status != http.StatusSeeOther {
		t.Fatalf("login: status %d\n%s", status, body)
	}
	cs.send(http.MethodGet, "/object/flagged?key=k", nil) // the page carries the CSRF token
	status, body := cs.send(http.MethodPost, "/share/flagged", url.Values{"key": {"k"}, "expires": {"60"}})
	if status != http.StatusOK || !strings.Contains(body, `"url":"`+public+`/flagged/k?`) {
		t.Fatalf("share: status %d\n%s", status, body)
	}
	link := strings.Split(strings.Split(body, `"url":"`)[1], `"`)[0]
	link = strings.ReplaceAll(link, `\u0026`, "&")
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || string(got) != "shared" {
		t.Errorf("fetching %s: status %d %q", link, resp.StatusCode, got)
	}
}
