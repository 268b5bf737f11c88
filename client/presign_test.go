package client_test

import (
	"bytes"
	"errors"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/client/internal/kuraproc"
	"github.com/kurastore/kura/sigv4"
)

// presignServer starts kura with one bucket.
func presignServer(t *testing.T) (*kuraproc.Server, string) {
	t.Helper()
	s := kuraproc.Start(t, kuraproc.Options{})
	const bucket = "presign-bucket"
	if err := s.Client.MakeBucket(t.Context(), bucket, client.MakeBucketOptions{}); err != nil {
		t.Fatalf("MakeBucket: %v", err)
	}
	return s, bucket
}

// send calls u with plain net/http, as a holder of the URL would, and
// returns the status, headers and body.
func send(t *testing.T, method string, u *url.URL, body []byte) (int, http.Header, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, u.String(), r)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, data
}

func presign(t *testing.T, c *client.Client, method, bucket, key string, opts client.PresignOptions) *url.URL {
	t.Helper()
	u, err := c.GetPresignedURL(t.Context(), method, bucket, key, time.Hour, opts)
	if err != nil {
		t.Fatalf("GetPresignedURL(%s): %v", method, err)
	}
	return u
}

func TestPresignedMethods(t *testing.T) {
	s, bucket := presignServer(t)
	const key = "dir/hello world+ü.txt"
	content := []byte("hello, presigned world")
	steps := []struct {
		method     string
		body       []byte
		wantStatus int
		wantBody   []byte
	}{
		{http.MethodPut, content, http.StatusOK, nil},
		{http.MethodHead, nil, http.StatusOK, nil},
		{http.MethodGet, nil, http.StatusOK, content},
		{http.MethodDelete, nil, http.StatusNoContent, nil},
		{http.MethodHead, nil, http.StatusNotFound, nil},
	}
	for i, st := range steps {
		status, _, body := send(t, st.method, presign(t, s.Client, st.method, bucket, key, client.PresignOptions{}), st.body)
		if status != st.wantStatus {
			t.Fatalf("step %d %s: status %d, want %d: %s", i, st.method, status, st.wantStatus, body)
		}
		if st.wantBody != nil && !bytes.Equal(body, st.wantBody) {
			t.Fatalf("step %d %s: body %q, want %q", i, st.method, body, st.wantBody)
		}
	}
	// The wrappers sign the same way.
	put, err := s.Client.PresignedPutObject(t.Context(), bucket, key, time.Minute, client.PresignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if status, _, body := send(t, http.MethodPut, put, content); status != http.StatusOK {
		t.Fatalf("PresignedPutObject: status %d: %s", status, body)
	}
	get, err := s.Client.PresignedGetObject(t.Context(), bucket, key, time.Minute, client.PresignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if status, _, body := send(t, http.MethodGet, get, nil); status != http.StatusOK || !bytes.Equal(body, content) {
		t.Fatalf("PresignedGetObject: status %d, body %q", status, body)
	}
}

func TestPresignedResponseHeaders(t *testing.T) {
	s, bucket := presignServer(t)
	send(t, http.MethodPut, presign(t, s.Client, http.MethodPut, bucket, "doc", client.PresignOptions{}), []byte(`{}`))
	overrides := url.Values{
		"response-content-type":        {"application/json"},
		"response-content-disposition": {`attachment; filename="a b.json"`},
		"response-cache-control":       {"no-cache"},
	}
	status, h, body := send(t, http.MethodGet, presign(t, s.Client, http.MethodGet, bucket, "doc", client.PresignOptions{ResponseHeaders: overrides}), nil)
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	for param, want := range map[string]string{
		"Content-Type":        "application/json",
		"Content-Disposition": `attachment; filename="a b.json"`,
		"Cache-Control":       "no-cache",
	} {
		if got := h.Get(param); got != want {
			t.Errorf("%s = %q, want %q", param, got, want)
		}
	}
}

func TestPresignExpiry(t *testing.T) {
	s, bucket := presignServer(t)
	send(t, http.MethodPut, presign(t, s.Client, http.MethodPut, bucket, "k", client.PresignOptions{}), []byte("x"))
	tests := []struct {
		expires time.Duration
		ok      bool
	}{
		{-time.Second, false},
		{0, false},
		{999 * time.Millisecond, false},
		{time.Second, true},
		{7 * 24 * time.Hour, true},
		{7*24*time.Hour + time.Second, false},
	}
	for _, tt := range tests {
		u, err := s.Client.PresignedGetObject(t.Context(), bucket, "k", tt.expires, client.PresignOptions{})
		if !tt.ok {
			if !errors.Is(err, client.ErrInvalidArgument) {
				t.Errorf("expires %v: err %v, want ErrInvalidArgument", tt.expires, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("expires %v: %v", tt.expires, err)
		}
		if status, _, body := send(t, http.MethodGet, u, nil); status != http.StatusOK {
			t.Errorf("expires %v: status %d: %s", tt.expires, status, body)
		}
	}
}

func TestPresignExpiredURL(t *testing.T) {
	s, bucket := presignServer(t)
	send(t, http.MethodPut, presign(t, s.Client, http.MethodPut, bucket, "k", client.PresignOptions{}), []byte("x"))
	u, err := s.Client.PresignedGetObject(t.Context(), bucket, "k", time.Hour, client.PresignOptions{RequestDate: time.Now().Add(-2 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	status, _, body := send(t, http.MethodGet, u, nil)
	if status != http.StatusForbidden || !strings.Contains(string(body), "AccessDenied") {
		t.Fatalf("status %d, body %s; want 403 AccessDenied", status, body)
	}
}

func TestPresignRefusesBadInput(t *testing.T) {
	c, err := client.New("127.0.0.1:1", &client.Options{AccessKey: "AK", SecretKey: "SK"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name                string
		method, bucket, key string
		opts                client.PresignOptions
	}{
		{"invalid bucket", http.MethodGet, "Bad_Bucket", "k", client.PresignOptions{}},
		{"empty key", http.MethodGet, "bucket", "", client.PresignOptions{}},
		{"empty method", "", "bucket", "k", client.PresignOptions{}},
		{"not a response header", http.MethodGet, "bucket", "k", client.PresignOptions{ResponseHeaders: url.Values{"Content-Type": {"a/b"}}}},
		{"reserved query", http.MethodGet, "bucket", "k", client.PresignOptions{ExtraQuery: url.Values{"x-amz-signature": {"0"}}}},
	}
	for _, tt := range tests {
		_, err := c.GetPresignedURL(t.Context(), tt.method, tt.bucket, tt.key, time.Hour, tt.opts)
		if !errors.Is(err, client.ErrInvalidArgument) {
			t.Errorf("%s: err %v, want ErrInvalidArgument", tt.name, err)
		}
	}
}

func TestPresignedURLQuery(t *testing.T) {
	date := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name   string
		creds  client.Provider
		opts   client.PresignOptions
		want   url.Values // parameters that must have exactly these values
		absent []string   // parameters that must be missing
	}{
		{
			name:  "session token, version and extras",
			creds: client.Static{AccessKey: "AK", SecretKey: "SK", SessionToken: "TOKEN"},
			opts: client.PresignOptions{
				VersionID: "v1", RequestDate: date,
				ResponseHeaders: url.Values{"response-content-type": {"text/plain"}},
				ExtraQuery:      url.Values{"x-custom": {"a b"}},
			},
			want: url.Values{
				"versionId": {"v1"}, "response-content-type": {"text/plain"}, "x-custom": {"a b"},
				"X-Amz-Security-Token": {"TOKEN"}, "X-Amz-Date": {"20300102T030405Z"},
				"X-Amz-Expires": {"3600"}, "X-Amz-Credential": {"AK/20300102/us-east-1/s3/aws4_request"},
				"X-Amz-SignedHeaders": {"host"}, "X-Amz-Algorithm": {"AWS4-HMAC-SHA256"},
			},
		},
		{
			name:   "anonymous is unsigned",
			creds:  client.Anonymous{},
			want:   url.Values{},
			absent: []string{"X-Amz-Signature", "X-Amz-Credential"},
		},
	}
	for _, tt := range tests {
		c, err := client.New("127.0.0.1:1", &client.Options{Credentials: tt.creds})
		if err != nil {
			t.Fatal(err)
		}
		u, err := c.PresignedGetObject(t.Context(), "bucket", "a/b c", time.Hour, tt.opts)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if u.EscapedPath() != "/bucket/a/b%20c" {
			t.Errorf("%s: path %q", tt.name, u.EscapedPath())
		}
		q := u.Query()
		for k, v := range tt.want {
			if !slices.Equal(q[k], v) {
				t.Errorf("%s: %s = %q, want %q", tt.name, k, q[k], v)
			}
		}
		for _, k := range tt.absent {
			if q.Has(k) {
				t.Errorf("%s: %s present", tt.name, k)
			}
		}
	}
}

// postForm uploads content with the policy's fields plus extra, file
// last, and returns the status and body.
func postForm(t *testing.T, u *url.URL, fields map[string]string, extra map[string]string, content []byte) (int, []byte) {
	t.Helper()
	all := maps.Clone(fields)
	maps.Copy(all, extra)
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, name := range slices.Sorted(maps.Keys(all)) {
		if err := w.WriteField(name, all[name]); err != nil {
			t.Fatal(err)
		}
	}
	fw, err := w.CreateFormFile("file", "upload.bin")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(content)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, u.String(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

func TestPresignedPostPolicy(t *testing.T) {
	s, bucket := presignServer(t)
	const maxLen = 16
	tests := []struct {
		name       string
		setup      func(p *client.PostPolicy) error
		key        string // "" keeps the form's preset key
		size       int
		wantStatus int
		wantStored string // key that must exist afterwards; "" for none
		notStored  string // key that must not exist afterwards
		wantHeader map[string]string
	}{
		{
			name:       "prefix and size at max",
			setup:      func(p *client.PostPolicy) error { return p.SetKeyStartsWith("uploads/") },
			key:        "uploads/a.bin",
			size:       maxLen,
			wantStatus: http.StatusNoContent,
			wantStored: "uploads/a.bin",
		},
		{
			name:       "filename substitution",
			setup:      func(p *client.PostPolicy) error { return p.SetKeyStartsWith("uploads/") },
			key:        "uploads/${filename}",
			size:       1,
			wantStatus: http.StatusNoContent,
			wantStored: "uploads/upload.bin",
		},
		{
			name:       "key outside prefix",
			setup:      func(p *client.PostPolicy) error { return p.SetKeyStartsWith("uploads/") },
			key:        "elsewhere/a.bin",
			size:       1,
			wantStatus: http.StatusForbidden,
			notStored:  "elsewhere/a.bin",
		},
		{
			name:       "size max+1",
			setup:      func(p *client.PostPolicy) error { return p.SetKeyStartsWith("uploads/") },
			key:        "uploads/big.bin",
			size:       maxLen + 1,
			wantStatus: http.StatusBadRequest,
			notStored:  "uploads/big.bin",
		},
		{
			name: "exact key, type, metadata, 201",
			setup: func(p *client.PostPolicy) error {
				return errors.Join(p.SetKey("exact.json"), p.SetContentType("application/json"),
					p.SetUserMetadata("color", "blue"), p.SetSuccessActionStatus(201))
			},
			size:       2,
			wantStatus: http.StatusCreated,
			wantStored: "exact.json",
			wantHeader: map[string]string{"Content-Type": "application/json", "X-Amz-Meta-Color": "blue"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := client.NewPostPolicy(bucket, time.Now().Add(time.Hour))
			if err := errors.Join(tt.setup(p), p.AddContentLengthRangeCondition(0, maxLen)); err != nil {
				t.Fatal(err)
			}
			u, fields, err := s.Client.PresignedPostPolicy(t.Context(), p)
			if err != nil {
				t.Fatal(err)
			}
			extra := map[string]string{}
			if tt.key != "" {
				extra["key"] = tt.key
			}
			status, body := postForm(t, u, fields, extra, bytes.Repeat([]byte("z"), tt.size))
			if status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", status, tt.wantStatus, body)
			}
			if tt.wantStored != "" {
				status, h, body := send(t, http.MethodGet, presign(t, s.Client, http.MethodGet, bucket, tt.wantStored, client.PresignOptions{}), nil)
				if status != http.StatusOK || len(body) != tt.size {
					t.Fatalf("GET %s: status %d, %d bytes", tt.wantStored, status, len(body))
				}
				for k, v := range tt.wantHeader {
					if h.Get(k) != v {
						t.Errorf("%s = %q, want %q", k, h.Get(k), v)
					}
				}
			}
			if tt.notStored != "" {
				if status, _, _ := send(t, http.MethodHead, presign(t, s.Client, http.MethodHead, bucket, tt.notStored, client.PresignOptions{}), nil); status != http.StatusNotFound {
					t.Fatalf("HEAD %s: status %d, want 404", tt.notStored, status)
				}
			}
		})
	}
}

func TestPostPolicyDocument(t *testing.T) {
	c, err := client.New("127.0.0.1:1", &client.Options{AccessKey: "AK", SecretKey: "SK", SessionToken: "TOKEN", Region: "eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	exp := time.Now().Add(time.Hour).UTC().Truncate(time.Millisecond)
	p := client.NewPostPolicy("bucket", exp)
	if err := errors.Join(p.SetKeyStartsWith("in/"), p.AddEqualsCondition("$Content-Type", "text/plain"), p.AddContentLengthRangeCondition(1, 10)); err != nil {
		t.Fatal(err)
	}
	u, fields, err := c.PresignedPostPolicy(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	if u.String() != "http://127.0.0.1:1/bucket" {
		t.Errorf("url %s", u)
	}
	doc, err := sigv4.ParsePostPolicy(fields["policy"])
	if err != nil {
		t.Fatal(err)
	}
	if !doc.Expiration.Equal(exp) {
		t.Errorf("expiration %v, want %v", doc.Expiration, exp)
	}
	got := map[string]string{}
	for _, cond := range doc.Conditions {
		got[cond.Op+" "+cond.Field] = cond.Value
		if cond.Op == sigv4.PostOpContentLengthRange && (cond.Min != 1 || cond.Max != 10) {
			t.Errorf("range %d..%d", cond.Min, cond.Max)
		}
	}
	for cond, want := range map[string]string{
		"eq bucket":               "bucket",
		"starts-with key":         "in/",
		"eq content-type":         "text/plain",
		"eq x-amz-security-token": "TOKEN",
		"eq x-amz-algorithm":      "AWS4-HMAC-SHA256",
		"eq x-amz-credential":     fields["x-amz-credential"],
		"eq x-amz-date":           fields["x-amz-date"],
		"content-length-range ":   "",
	} {
		if v, ok := got[cond]; !ok || v != want {
			t.Errorf("condition %q = %q (present %v), want %q", cond, v, ok, want)
		}
	}
	for name, want := range map[string]string{"key": "in/", "content-type": "text/plain", "x-amz-security-token": "TOKEN"} {
		if fields[name] != want {
			t.Errorf("field %s = %q, want %q", name, fields[name], want)
		}
	}
	if !strings.Contains(fields["x-amz-credential"], "/eu-west-1/s3/aws4_request") || len(fields["x-amz-signature"]) != 64 {
		t.Errorf("credential %q, signature %q", fields["x-amz-credential"], fields["x-amz-signature"])
	}
}

func TestPostPolicyRefusals(t *testing.T) {
	signed, err := client.New("127.0.0.1:1", &client.Options{AccessKey: "AK", SecretKey: "SK"})
	if err != nil {
		t.Fatal(err)
	}
	anonymous, err := client.New("127.0.0.1:1", nil)
	if err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Hour)
	withKey := func(bucket string, exp time.Time) *client.PostPolicy {
		p := client.NewPostPolicy(bucket, exp)
		if err := p.SetKey("k"); err != nil {
			t.Fatal(err)
		}
		return p
	}
	presignTests := []struct {
		name string
		c    *client.Client
		p    *client.PostPolicy
	}{
		{"nil policy", signed, nil},
		{"no key condition", signed, client.NewPostPolicy("bucket", later)},
		{"no expiration", signed, withKey("bucket", time.Time{})},
		{"expired", signed, withKey("bucket", time.Now().Add(-time.Minute))},
		{"invalid bucket", signed, withKey("Bad_Bucket", later)},
		{"anonymous", anonymous, withKey("bucket", later)},
	}
	for _, tt := range presignTests {
		if _, _, err := tt.c.PresignedPostPolicy(t.Context(), tt.p); !errors.Is(err, client.ErrInvalidArgument) {
			t.Errorf("%s: err %v, want ErrInvalidArgument", tt.name, err)
		}
	}
	p := client.NewPostPolicy("bucket", later)
	conditionTests := []struct {
		name string
		err  error
	}{
		{"empty element", p.AddEqualsCondition("", "v")},
		{"reserved bucket", p.AddEqualsCondition("bucket", "other")},
		{"reserved signature", p.AddStartsWithCondition("$X-Amz-Signature", "")},
		{"range as equals", p.AddEqualsCondition("content-length-range", "1")},
		{"status starts-with", p.AddStartsWithCondition("success_action_status", "2")},
		{"bad status", p.SetSuccessActionStatus(302)},
		{"negative range", p.AddContentLengthRangeCondition(-1, 5)},
		{"inverted range", p.AddContentLengthRangeCondition(6, 5)},
		{"empty key", p.SetKey("")},
		{"empty metadata name", p.SetUserMetadata("", "v")},
	}
	for _, tt := range conditionTests {
		if !errors.Is(tt.err, client.ErrInvalidArgument) {
			t.Errorf("%s: err %v, want ErrInvalidArgument", tt.name, tt.err)
		}
	}
}

func TestPostPolicyRemove(t *testing.T) {
	c, err := client.New("127.0.0.1:1", &client.Options{AccessKey: "AK", SecretKey: "SK"})
	if err != nil {
		t.Fatal(err)
	}
	p := client.NewPostPolicy("bucket", time.Now().Add(time.Hour))
	if err := errors.Join(p.SetKey("k"), p.AddStartsWithCondition("Content-Type", "image/"), p.AddContentLengthRangeCondition(0, 1)); err != nil {
		t.Fatal(err)
	}
	p.RemoveEqualsCondition("KEY")
	p.RemoveStartsWithCondition("$content-type")
	p.RemoveContentLengthRangeCondition()
	if _, _, err := c.PresignedPostPolicy(t.Context(), p); !errors.Is(err, client.ErrInvalidArgument) {
		t.Fatalf("without key condition: err %v", err)
	}
	if err := p.SetKeyStartsWith(""); err != nil {
		t.Fatal(err)
	}
	_, fields, err := c.PresignedPostPolicy(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := sigv4.ParsePostPolicy(fields["policy"])
	if err != nil {
		t.Fatal(err)
	}
	for _, cond := range doc.Conditions {
		if cond.Field == "content-type" || cond.Op == sigv4.PostOpContentLengthRange || (cond.Op == sigv4.PostOpEq && cond.Field == "key") {
			t.Errorf("removed condition still present: %s", cond)
		}
	}
}
