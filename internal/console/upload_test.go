package console

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kurastore/kura/client"
)

// postRaw posts body to the console with the session's CSRF token in
// the header (token "" sends none).
func (h *harness) postRaw(path, token string, body io.Reader, contentType string) (*http.Response, string) {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.web.URL+path, body)
	if token != "" {
		req.Header.Set(csrfHeader, token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return h.do(req)
}

// answer decodes a JSON answer of an upload or share endpoint.
func answer(t *testing.T, body string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, body)
	}
	return m
}

func makeBucket(t *testing.T, h *harness, name string) {
	t.Helper()
	if err := h.api.Client.MakeBucket(context.Background(), name, client.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func objectBytes(t *testing.T, h *harness, bucket, key string) ([]byte, client.ObjectInfo) {
	t.Helper()
	obj, err := h.api.Client.GetObject(context.Background(), bucket, key, client.GetObjectOptions{})
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	defer obj.Close()
	data, err := io.ReadAll(obj)
	if err != nil {
		t.Fatal(err)
	}
	return data, obj.Info
}

func uploadsLeft(t *testing.T, h *harness, bucket string) int {
	t.Helper()
	n := 0
	for _, err := range h.api.Client.ListMultipartUploads(context.Background(), bucket, client.ListMultipartUploadsOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	return n
}

func TestUploadEndpointsRequireTheCSRFToken(t *testing.T) {
	h := newHarness(t, nil)
	h.loginRoot()
	makeBucket(t, h, "upl")
	for _, action := range []string{"put", "create", "part", "complete", "abort"} {
		for name, token := range map[string]string{"missing": "", "wrong": "not-the-token"} {
			resp, _ := h.postRaw("/upload/upl/"+action+"?key=k&uploadId=u&partNumber=1", token, strings.NewReader("x"), "application/octet-stream")
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s with the token %s: status %d, want 403", action, name, resp.StatusCode)
			}
		}
	}
	if n := uploadsLeft(t, h, "upl"); n != 0 {
		t.Errorf("%d uploads were created without the token", n)
	}
	if _, err := h.api.Client.StatObject(context.Background(), "upl", "k", client.StatObjectOptions{}); client.ErrorCode(err) != "NoSuchKey" {
		t.Errorf("an object was stored without the token: %v", err)
	}
}

func TestUploadPutStoresTheFileAsTheUser(t *testing.T) {
	h := newHarness(t, nil)
	h.loginRoot()
	makeBucket(t, h, "upl")
	data := randomBytes(1000)
	resp, body := h.postRaw("/upload/upl/put?type=text%2Fplain&key="+url.QueryEscape("docs/a b.txt"), h.csrf(), bytes.NewReader(data), "application/octet-stream")
	if resp.StatusCode != http.StatusOK || answer(t, body)["key"] != "docs/a b.txt" {
		t.Fatalf("put: status %d\n%s", resp.StatusCode, body)
	}
	got, info := objectBytes(t, h, "upl", "docs/a b.txt")
	if !bytes.Equal(got, data) || info.ContentType != "text/plain" {
		t.Errorf("stored %d bytes of type %q", len(got), info.ContentType)
	}
}

// A file whose bytes look like a form (a browser types the body of an
// upload as the file's type) is stored as it is, not read as a form.
func TestUploadOfAFormShapedFileIsStoredWhole(t *testing.T) {
	h := newHarness(t, nil)
	h.loginRoot()
	makeBucket(t, h, "upl")
	data := []byte("a=1&b=2")
	for _, typ := range []string{"application/x-www-form-urlencoded", "multipart/form-data; boundary=x"} {
		resp, body := h.postRaw("/upload/upl/put?key=form&type="+url.QueryEscape(typ), h.csrf(), bytes.NewReader(data), typ)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("put typed %s: status %d\n%s", typ, resp.StatusCode, body)
		}
		if got, _ := objectBytes(t, h, "upl", "form"); !bytes.Equal(got, data) {
			t.Errorf("typed %s: stored %q", typ, got)
		}
	}
}

// A request body may carry one part: the part size exactly is taken,
// a byte more is refused, whether or not the length was announced.
func TestUploadBodiesAreBoundedByThePartSize(t *testing.T) {
	const partSize = 64 << 10
	h := newHarness(t, func(c *Config) { c.UploadPartSize = partSize })
	h.loginRoot()
	makeBucket(t, h, "upl")
	resp, body := h.postRaw("/upload/upl/create?key=big", h.csrf(), nil, "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("create: status %d\n%s", resp.StatusCode, body)
	}
	id := answer(t, body)["uploadId"].(string)
	for _, announced := range []bool{true, false} {
		for _, size := range []int{partSize, partSize + 1} {
			for _, path := range []string{
				"/upload/upl/put?key=whole",
				"/upload/upl/part?key=big&partNumber=1&uploadId=" + url.QueryEscape(id),
			} {
				var r io.Reader = bytes.NewReader(randomBytes(size))
				if !announced {
					r = io.MultiReader(r) // hides the length: sent chunked
				}
				resp, body := h.postRaw(path, h.csrf(), r, "application/octet-stream")
				want := http.StatusOK
				if size > partSize {
					want = http.StatusRequestEntityTooLarge
				}
				if resp.StatusCode != want {
					t.Errorf("%s, %d bytes, length announced %v: status %d, want %d\n%s", path, size, announced, resp.StatusCode, want, body)
				}
				if want != http.StatusOK && answer(t, body)["code"] != "EntityTooLarge" {
					t.Errorf("refusal %s", body)
				}
			}
		}
	}
}

func TestUploadPartNumbersAreOneToTenThousand(t *testing.T) {
	h := newHarness(t, nil)
	h.loginRoot()
	makeBucket(t, h, "upl")
	_, body := h.postRaw("/upload/upl/create?key=k", h.csrf(), nil, "")
	id := answer(t, body)["uploadId"].(string)
	for number, want := range map[string]int{"10000": 200, "1": 200, "10001": 400, "0": 400, "": 400, "x": 400} {
		resp, body := h.postRaw("/upload/upl/part?key=k&uploadId="+url.QueryEscape(id)+"&partNumber="+number, h.csrf(), strings.NewReader("data"), "")
		if resp.StatusCode != want {
			t.Errorf("part number %q: status %d, want %d\n%s", number, resp.StatusCode, want, body)
		}
		if want == 200 && fmt.Sprint(answer(t, body)["partNumber"]) != number {
			t.Errorf("part number %q answered %s", number, body)
		}
	}
}

func TestMultipartUploadThroughTheConsole(t *testing.T) {
	h := newHarness(t, nil)
	h.loginRoot()
	makeBucket(t, h, "upl")
	data := randomBytes(5<<20 + 1234)
	resp, body := h.postRaw("/upload/upl/create?key=big.bin&type=application%2Fx-test", h.csrf(), nil, "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	id := answer(t, body)["uploadId"].(string)
	var parts []uploadedPart
	// Sent out of order, as parallel parts finish.
	for _, p := range []struct {
		n          int
		start, end int
	}{{2, 5 << 20, len(data)}, {1, 0, 5 << 20}} {
		resp, body := h.postRaw(fmt.Sprintf("/upload/upl/part?key=big.bin&uploadId=%s&partNumber=%d", url.QueryEscape(id), p.n),
			h.csrf(), bytes.NewReader(data[p.start:p.end]), "application/octet-stream")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("part %d: %d %s", p.n, resp.StatusCode, body)
		}
		var part uploadedPart
		json.Unmarshal([]byte(body), &part)
		if part.ETag == "" || part.Checksum == "" {
			t.Fatalf("part %d answered %s", p.n, body)
		}
		parts = append([]uploadedPart{part}, parts...)
	}
	doc, _ := json.Marshal(map[string]any{"parts": parts})
	resp, body = h.postRaw("/upload/upl/complete?key=big.bin&uploadId="+url.QueryEscape(id), h.csrf(), bytes.NewReader(doc), "application/json")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("complete: %d %s", resp.StatusCode, body)
	}
	got, info := objectBytes(t, h, "upl", "big.bin")
	if !bytes.Equal(got, data) || info.ContentType != "application/x-test" || !strings.HasSuffix(info.ETag, "-2") {
		t.Errorf("stored %d bytes, type %q, ETag %s", len(got), info.ContentType, info.ETag)
	}
	if n := uploadsLeft(t, h, "upl"); n != 0 {
		t.Errorf("%d uploads left", n)
	}
}

func TestUploadAbortLeavesNoUpload(t *testing.T) {
	h := newHarness(t, nil)
	h.loginRoot()
	makeBucket(t, h, "upl")
	_, body := h.postRaw("/upload/upl/create?key=k", h.csrf(), nil, "")
	id := answer(t, body)["uploadId"].(string)
	h.postRaw("/upload/upl/part?key=k&partNumber=1&uploadId="+url.QueryEscape(id), h.csrf(), strings.NewReader("data"), "")
	if n := uploadsLeft(t, h, "upl"); n != 1 {
		t.Fatalf("%d uploads before the abort, want 1", n)
	}
	for i := range 2 { // the second finds the upload gone, which is fine
		if resp, body := h.postRaw("/upload/upl/abort?key=k&uploadId="+url.QueryEscape(id), h.csrf(), nil, ""); resp.StatusCode != http.StatusOK {
			t.Fatalf("abort %d: %d %s", i+1, resp.StatusCode, body)
		}
	}
	if n := uploadsLeft(t, h, "upl"); n != 0 {
		t.Errorf("%d uploads after the abort", n)
	}
}

// The API's refusal reaches the page as JSON with S3's code and status.
func TestUploadRefusalsAreJSON(t *testing.T) {
	h := newHarness(t, nil)
	h.loginRoot()
	resp, body := h.postRaw("/upload/no-such-bucket/put?key=k", h.csrf(), strings.NewReader("x"), "")
	if resp.StatusCode != http.StatusNotFound || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if a := answer(t, body); a["code"] != "NoSuchBucket" || !strings.Contains(a["error"].(string), "NoSuchBucket") {
		t.Errorf("answer %s", body)
	}
	if resp, body := h.postRaw("/upload/no-such-bucket/put", h.csrf(), strings.NewReader("x"), ""); resp.StatusCode != http.StatusBadRequest || answer(t, body)["code"] != "InvalidArgument" {
		t.Errorf("no key: status %d %s", resp.StatusCode, body)
	}
	// What the SDK refuses before sending is the user's mistake too.
	if resp, body := h.postRaw("/upload/Not_A_Bucket/put?key=k", h.csrf(), strings.NewReader("x"), ""); resp.StatusCode != http.StatusBadRequest || answer(t, body)["code"] != "InvalidArgument" {
		t.Errorf("invalid bucket name: status %d %s", resp.StatusCode, body)
	}
	makeBucket(t, h, "upl")
	if resp, body := h.postRaw("/upload/upl/complete?key=k&uploadId=nope", h.csrf(), strings.NewReader(`{"parts":[]}`), ""); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("complete without parts: status %d %s", resp.StatusCode, body)
	}
	if resp, body := h.postRaw("/upload/upl/complete?key=k&uploadId=nope", h.csrf(), strings.NewReader(`{"parts":[{"partNumber":1,"etag":"x","checksum":"AAAAAA=="}]}`), ""); resp.StatusCode != http.StatusNotFound || answer(t, body)["code"] != "NoSuchUpload" {
		t.Errorf("complete of no upload: status %d %s", resp.StatusCode, body)
	}
}

// shareAs asks the console for a link to bucket/key valid for seconds.
func (h *harness) share(bucket, key, seconds string) (*http.Response, map[string]any) {
	h.t.Helper()
	resp, body := h.post("/share/"+bucket, url.Values{"csrf": {h.csrf()}, "key": {key}, "expires": {seconds}})
	return resp, answer(h.t, body)
}

func TestShareExpiryIsOneSecondToSevenDays(t *testing.T) {
	h := newHarness(t, nil)
	h.loginRoot()
	makeBucket(t, h, "shr")
	h.api.Client.PutObject(context.Background(), "shr", "k", strings.NewReader("x"), 1, client.PutObjectOptions{})
	for seconds, want := range map[string]int{"604800": 200, "1": 200, "604801": 400, "0": 400, "": 400, "x": 400} {
		resp, a := h.share("shr", "k", seconds)
		if resp.StatusCode != want {
			t.Errorf("expiry %q: status %d, want %d: %v", seconds, resp.StatusCode, want, a)
		}
		if want == 200 {
			u, _ := url.Parse(a["url"].(string))
			if u.Query().Get("X-Amz-Expires") != seconds {
				t.Errorf("expiry %q: link %s", seconds, u)
			}
		}
	}
}

// The link names the API's address as the browser reaches the server,
// not the loopback address the console talks to, and works for anyone
// who holds it.
func TestSharedLinkNamesThePublicAPIAndWorksWithoutCookies(t *testing.T) {
	h := newHarness(t, nil)
	h.loginRoot()
	makeBucket(t, h, "shr")
	data := randomBytes(3000)
	h.api.Client.PutObject(context.Background(), "shr", "dir/file.bin", bytes.NewReader(data), int64(len(data)), client.PutObjectOptions{})
	// The browser reached the console as "localhost:port".
	web, _ := url.Parse(h.web.URL)
	req, _ := http.NewRequest(http.MethodPost, "http://localhost:"+web.Port()+"/share/shr",
		strings.NewReader(url.Values{"csrf": {h.csrf()}, "key": {"dir/file.bin"}, "expires": {"3600"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range h.browser.Jar.Cookies(web) {
		req.AddCookie(c)
	}
	resp, body := h.do(req)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("share: %d %s", resp.StatusCode, body)
	}
	link, _ := url.Parse(answer(t, body)["url"].(string))
	api, _ := url.Parse(h.api.URL)
	if link.Scheme != "http" || link.Host != "localhost:"+api.Port() || link.Path != "/shr/dir/file.bin" {
		t.Fatalf("link %s, want http://localhost:%s/shr/dir/file.bin", link, api.Port())
	}
	got, err := http.Get(link.String())
	if err != nil {
		t.Fatal(err)
	}
	defer got.Body.Close()
	fetched, _ := io.ReadAll(got.Body)
	if got.StatusCode != http.StatusOK || !bytes.Equal(fetched, data) {
		t.Errorf("fetching the link: status %d, %d bytes", got.StatusCode, len(fetched))
	}
}

// A configured public address is named as it is. Signing needs no
// request to it: nothing answers there.
func TestSharedLinkNamesTheConfiguredAPIURLAndCarriesTheSessionToken(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.PublicAPIURL = "https://127.0.0.1:1" })
	h.loginRoot()
	makeBucket(t, h, "shr")
	h.api.Client.PutObject(context.Background(), "shr", "k", strings.NewReader("x"), 1, client.PutObjectOptions{})
	for _, s := range h.console.sessions.sessions {
		s.credentials.SessionToken = "sts-session-token"
	}
	resp, a := h.share("shr", "k", "3600")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("share: %d %v", resp.StatusCode, a)
	}
	link, _ := url.Parse(a["url"].(string))
	if link.Scheme != "https" || link.Host != "127.0.0.1:1" || link.Query().Get("X-Amz-Security-Token") != "sts-session-token" {
		t.Errorf("link %s", link)
	}
	if !strings.HasPrefix(link.Query().Get("X-Amz-Credential"), h.api.AccessKey+"/") {
		t.Errorf("link not signed by the user: %s", link)
	}
}

func TestShareRefusesWhatTheUserCannotRead(t *testing.T) {
	h := newHarness(t, nil)
	h.loginRoot()
	makeBucket(t, h, "shr")
	resp, a := h.share("shr", "missing", "3600")
	if resp.StatusCode != http.StatusNotFound || a["url"] != nil {
		t.Errorf("status %d %v", resp.StatusCode, a)
	}
	if resp, _ := h.postRaw("/share/shr", "", strings.NewReader("key=k&expires=60"), "application/x-www-form-urlencoded"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("without the CSRF token: status %d", resp.StatusCode)
	}
}

func TestPublicAPIURLMustBeAnHTTPAddress(t *testing.T) {
	for raw, ok := range map[string]bool{"": true, "https://s3.example.com": true, "http://h:9000/": true,
		"ftp://h": false, "s3.example.com": false, "https://h/path": false, "https://h?x=1": false} {
		_, err := New(Config{NewClient: func(string, string, string) (*client.Client, error) { return nil, nil }, PublicAPIURL: raw})
		if (err == nil) != ok {
			t.Errorf("%q: %v", raw, err)
		}
	}
}

func TestSortEntriesKeepsFoldersFirst(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	entries := func() []client.ObjectInfo {
		return []client.ObjectInfo{
			{Key: "a", Size: 30, LastModified: t0.Add(2 * time.Hour)},
			{Key: "b/", IsPrefix: true},
			{Key: "c", Size: 10, LastModified: t0},
			{Key: "d/", IsPrefix: true},
			{Key: "e", Size: 20, LastModified: t0.Add(time.Hour)},
			{Key: "f", Size: 20, LastModified: t0.Add(3 * time.Hour)},
		}
	}
	for _, tt := range []struct{ column, order, want string }{
		{"name", "asc", "b/ d/ a c e f"},
		{"name", "desc", "d/ b/ f e c a"},
		{"size", "asc", "b/ d/ c e f a"},
		{"size", "desc", "b/ d/ a f e c"},
		{"modified", "asc", "b/ d/ c e a f"},
		{"modified", "desc", "b/ d/ f a e c"},
	} {
		e := entries()
		sortEntries(e, tt.column, tt.order)
		var keys []string
		for _, o := range e {
			keys = append(keys, o.Key)
		}
		if got := strings.Join(keys, " "); got != tt.want {
			t.Errorf("%s %s: %s, want %s", tt.column, tt.order, got, tt.want)
		}
	}
	for _, q := range [][2]string{{"", ""}, {"bogus", "upl"}, {"size", "sideways"}} {
		c, o := sortOf(q[0], q[1])
		if (q[0] == "size" && c != "size") || (q[0] != "size" && c != "name") || o != "asc" {
			t.Errorf("sortOf(%q, %q) = %s %s", q[0], q[1], c, o)
		}
	}
}

func TestObjectsPageSortsBySizeAndKeepsTheSortAcrossPages(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.PageSize = 3 })
	h.loginRoot()
	makeBucket(t, h, "srt")
	for key, size := range map[string]int{"a": 3, "b": 1, "c": 2, "d": 5, "sub/x": 1} {
		h.api.Client.PutObject(context.Background(), "srt", key, bytes.NewReader(make([]byte, size)), int64(size), client.PutObjectOptions{})
	}
	_, body := h.get("/browse/srt?sort=size&order=desc")
	// The first page holds a, b, c (listing order); sorted by size down.
	ia, ib, ic := strings.Index(body, "key=a\""), strings.Index(body, "key=b\""), strings.Index(body, "key=c\"")
	if ia < 0 || ib < 0 || ic < 0 || !(ia < ic && ic < ib) {
		t.Errorf("order of a, c, b on the page: %d %d %d", ia, ic, ib)
	}
	if !strings.Contains(body, "sort=size&amp;order=desc&amp;after=") {
		t.Error("the next page link loses the sort")
	}
	if !strings.Contains(body, `sort=size&amp;order=asc">Size ▼`) {
		t.Error("the size heading does not offer the other order")
	}
}

// The upload and share controls are wired by upload.js and share.js,
// never by inline script.
func TestUploadAndShareControlsHaveNoInlineScript(t *testing.T) {
	h := newHarness(t, nil)
	h.loginRoot()
	makeBucket(t, h, "inl")
	h.api.Client.PutObject(context.Background(), "inl", "k", strings.NewReader("x"), 1, client.PutObjectOptions{})
	_, objects := h.get("/browse/inl")
	_, object := h.get("/object/inl?key=k")
	for name, body := range map[string]string{"objects": objects, "object": object} {
		for _, bad := range []string{"<script>", "<style", " style=", " onclick=", " ondrop=", " onchange=", " onsubmit=", "javascript:"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s page contains %q", name, bad)
			}
		}
	}
	for _, want := range []string{`<script src="/static/upload.js" defer>`, `data-part-size="8388608"`, `<input type="file"`} {
		if !strings.Contains(objects, want) {
			t.Errorf("objects page lacks %s", want)
		}
	}
	for _, want := range []string{`<script src="/static/share.js" defer>`, `<option value="604800">7 days</option>`, `class="share-url" readonly`} {
		if !strings.Contains(object, want) {
			t.Errorf("object page lacks %s", want)
		}
	}
	for _, js := range []string{"/static/upload.js", "/static/share.js"} {
		if resp, _ := h.get(js); resp.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d", js, resp.StatusCode)
		}
	}
}

// stall sends an upload request that announces 10 bytes and sends none,
// with the cookies of jar and the CSRF token.
func stall(t *testing.T, h *harness, jar http.CookieJar, token string) net.Conn {
	t.Helper()
	web, _ := url.Parse(h.web.URL)
	var cookies []string
	for _, c := range jar.Cookies(web) {
		cookies = append(cookies, c.Name+"="+c.Value)
	}
	conn, err := net.Dial("tcp", web.Host)
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(20 * time.Second)) // a hang fails, rather than blocks the test
	fmt.Fprintf(conn, "POST /upload/stl/put?key=stalled HTTP/1.1\r\nHost: %s\r\nCookie: %s\r\n%s: %s\r\nContent-Length: 10\r\n\r\n",
		web.Host, strings.Join(cookies, "; "), csrfHeader, token)
	return conn
}

// A browser that stops sending a part gives its slot back when the read
// times out: more stalled uploads than there are slots do not stop the
// next one.
func TestStalledUploadsGiveTheirSlotBack(t *testing.T) {
	h := newHarness(t, nil)
	h.console.partReadTimeout = 50 * time.Millisecond
	h.loginRoot()
	makeBucket(t, h, "stl")
	for i := range maxBufferedParts + 1 {
		conn := stall(t, h, h.browser.Jar, h.csrf())
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("stalled upload %d: %v", i+1, err)
		}
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("stalled upload %d: status %d, want 400", i+1, resp.StatusCode)
		}
		conn.Close()
	}
	if resp, body := h.postRaw("/upload/stl/put?key=after", h.csrf(), strings.NewReader("x"), ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("after the stalled uploads: status %d %s", resp.StatusCode, body)
	}
}

// One session holds at most partsPerSession of the console's slots: a
// user whose uploads stall (or who sends many at once) leaves room for
// the others.
func TestOneSessionCannotTakeEveryUploadSlot(t *testing.T) {
	h := newHarness(t, nil)
	h.loginRoot()
	makeBucket(t, h, "stl")
	tokenA := h.csrf()
	var stalled []net.Conn
	for range maxBufferedParts {
		stalled = append(stalled, stall(t, h, h.browser.Jar, tokenA))
	}
	defer func() {
		for _, c := range stalled {
			c.Close()
		}
	}()
	for len(h.console.partSlots) < partsPerSession {
		time.Sleep(time.Millisecond)
	}
	// Another user logs in and uploads.
	jar, _ := cookiejar.New(nil)
	other := &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: h.browser.CheckRedirect}
	resp, err := other.PostForm(h.web.URL+"/login", url.Values{"accessKey": {h.api.AccessKey}, "secretKey": {h.api.SecretKey}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var tokenB string
	h.console.sessions.mu.Lock()
	for _, s := range h.console.sessions.sessions {
		if s.csrfToken != tokenA {
			tokenB = s.csrfToken
		}
	}
	h.console.sessions.mu.Unlock()
	req, _ := http.NewRequest(http.MethodPost, h.web.URL+"/upload/stl/put?key=other", strings.NewReader("x"))
	req.Header.Set(csrfHeader, tokenB)
	resp, err = other.Do(req)
	if err != nil {
		t.Fatalf("the other user's upload waited for the stalled ones: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("the other user's upload: status %d", resp.StatusCode)
	}
	if n := len(h.console.partSlots); n != partsPerSession {
		t.Errorf("%d slots held after the other upload, want the stalled session's %d", n, partsPerSession)
	}
}

func TestCompleteBodyIsBounded(t *testing.T) {
	h := newHarness(t, nil)
	h.loginRoot()
	makeBucket(t, h, "cpl")
	const doc = `{"parts":[{"partNumber":1,"etag":"x","checksum":"AAAAAA==","size":1}]}`
	for size, want := range map[int]int{maxCompleteBody: http.StatusNotFound, maxCompleteBody + 1: http.StatusRequestEntityTooLarge} {
		// Leading blanks, which the decoder must read, make up the size.
		body := strings.Repeat(" ", size-len(doc)) + doc
		resp, answerBody := h.postRaw("/upload/cpl/complete?key=k&uploadId=none", h.csrf(), strings.NewReader(body), "application/json")
		if resp.StatusCode != want {
			t.Errorf("%d bytes: status %d, want %d: %s", size, resp.StatusCode, want, answerBody)
		}
	}
}
