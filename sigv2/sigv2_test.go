package sigv2

import (
	"bufio"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kurastore/kura/s3err"
)

var secrets = map[string]string{
	"AKIAIOSFODNN7EXAMPLE": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
	"AKIAKURATEST":         "kura/secret+key==",
	"ASIAKURATEMP":         "temp/secret",
}

func lookup(access string) (string, error) {
	if s, ok := secrets[access]; ok {
		return s, nil
	}
	return "", s3err.ErrInvalidAccessKeyID
}

func verifierAt(t time.Time) *Verifier {
	return &Verifier{Lookup: lookup, Now: func() time.Time { return t }}
}

// newRequest builds a server-side request for target as a client sends
// it: RequestURI is the path and query exactly as written.
func newRequest(method, target string, header map[string]string) *http.Request {
	r := httptest.NewRequest(method, target, nil)
	u, _ := url.Parse(target)
	r.RequestURI = u.RequestURI()
	for k, v := range header {
		r.Header.Set(k, v)
	}
	return r
}

func errCode(err error) string {
	var e *s3err.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// TestAWSDocumentationExample verifies the example of AWS's "Signing and
// authenticating REST requests": a virtual-hosted-style GET.
func TestAWSDocumentationExample(t *testing.T) {
	r := newRequest("GET", "http://awsexamplebucket1.us-west-1.s3.amazonaws.com/photos/puppy.jpg", map[string]string{
		"Date":          "Tue, 27 Mar 2007 19:36:42 +0000",
		"Authorization": "AWS AKIAIOSFODNN7EXAMPLE:qgk2+6Sv9/oM7G3qLEjTH1a1l1g=",
	})
	v := verifierAt(time.Date(2007, 3, 27, 19, 40, 0, 0, time.UTC))
	res, err := v.Verify(r, "awsexamplebucket1")
	if err != nil {
		t.Fatal(err)
	}
	if res.AccessKey != "AKIAIOSFODNN7EXAMPLE" || res.Presigned {
		t.Fatalf("result %+v", res)
	}
	// The same request addressed path-style, or to another bucket, is
	// another resource.
	if _, err := v.Verify(r, ""); errCode(err) != "SignatureDoesNotMatch" {
		t.Fatalf("without the host's bucket: %v", err)
	}
	if _, err := v.Verify(r, "otherbucket"); errCode(err) != "SignatureDoesNotMatch" {
		t.Fatalf("another bucket: %v", err)
	}
}

type vector struct {
	name, method, url string
	header            map[string]string
	now               time.Time
}

// readVectors reads testdata/botocore.txt (see botocore_vectors.py).
func readVectors(t *testing.T) []vector {
	f, err := os.Open("testdata/botocore.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []vector
	var cur *vector
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		field, rest, _ := strings.Cut(sc.Text(), " ")
		switch field {
		case "case":
			out = append(out, vector{name: rest, header: map[string]string{}})
			cur = &out[len(out)-1]
		case "method":
			cur.method = rest
		case "url":
			cur.url = rest
		case "header":
			k, v, _ := strings.Cut(rest, ": ")
			cur.header[k] = v
		case "now":
			sec, _ := strconv.ParseInt(rest, 10, 64)
			cur.now = time.Unix(sec, 0)
		}
	}
	if len(out) == 0 {
		t.Fatal("no vectors")
	}
	return out
}

// TestBotocoreVectors verifies requests signed by botocore, and checks
// that each stops verifying when any signed part changes.
func TestBotocoreVectors(t *testing.T) {
	for _, c := range readVectors(t) {
		t.Run(c.name, func(t *testing.T) {
			hostBucket := ""
			if strings.Contains(c.url, "bucket.s3.kura.test") {
				hostBucket = "bucket"
			}
			v := verifierAt(c.now.Add(time.Minute))
			r := newRequest(c.method, c.url, c.header)
			res, err := v.Verify(r, hostBucket)
			if err != nil {
				t.Fatal(err)
			}
			// A presigned URL's signed metadata and content type are
			// the request's headers.
			if c.name == "presigned-put-metadata" && (r.Header.Get("X-Amz-Meta-A") != "1" || r.Header.Get("Content-Type") != "image/png") {
				t.Fatalf("query not promoted to headers: %v", r.Header)
			}
			if strings.HasPrefix(c.url, "http://127.0.0.1:9000") != (hostBucket == "") || res.Presigned != strings.Contains(c.url, "Signature=") {
				t.Fatalf("result %+v", res)
			}
			if strings.Contains(c.name, "session-token") && res.SessionToken != "session-token-xyz" {
				t.Fatalf("session token %q", res.SessionToken)
			}
			for _, tamper := range tamperings(c) {
				r := newRequest(tamper.method, tamper.url, tamper.header)
				if _, err := v.Verify(r, hostBucket); errCode(err) != "SignatureDoesNotMatch" {
					t.Errorf("%s: %v, want SignatureDoesNotMatch", tamper.name, err)
				}
			}
		})
	}
}

// tamperings returns copies of c with one signed element changed.
func tamperings(c vector) []vector {
	clone := func(name string) vector {
		h := map[string]string{}
		for k, v := range c.header {
			h[k] = v
		}
		return vector{name: name, method: c.method, url: c.url, header: h}
	}
	var out []vector
	m := clone("method")
	m.method = map[bool]string{true: "DELETE", false: "GET"}[c.method != "DELETE"]
	out = append(out, m)
	p := clone("path")
	p.url = strings.Replace(c.url, "/k", "/K", 1)
	if p.url == c.url {
		p.url = strings.Replace(c.url, "puppy", "kitty", 1)
	}
	if p.url == c.url {
		p.url = strings.Replace(c.url, "/bucket", "/bucket2", 1)
	}
	out = append(out, p)
	sub := clone("added subresource")
	sep := "?"
	if strings.Contains(c.url, "?") {
		sep = "&"
	}
	sub.url = c.url + sep + "versionId=v1"
	out = append(out, sub)
	h := clone("added x-amz header")
	h.header["X-Amz-Meta-Injected"] = "1"
	out = append(out, h)
	if _, ok := c.header["Content-Type"]; ok {
		ct := clone("content type")
		ct.header["Content-Type"] = "application/evil"
		out = append(out, ct)
	}
	return out
}

func TestHeaderErrors(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	v := verifierAt(now)
	date := now.Format(http.TimeFormat)
	sign := func(method, resource, date string) string {
		return "AWS AKIAKURATEST:" + Sign(secrets["AKIAKURATEST"], method+"\n\n\n"+date+"\n"+resource)
	}
	cases := []struct {
		name   string
		header map[string]string
		want   string
	}{
		{"valid", map[string]string{"Date": date, "Authorization": sign("GET", "/b/k", date)}, ""},
		{"no colon", map[string]string{"Date": date, "Authorization": "AWS AKIAKURATEST"}, "InvalidArgument"},
		{"empty signature", map[string]string{"Date": date, "Authorization": "AWS AKIAKURATEST:"}, "InvalidArgument"},
		{"no date", map[string]string{"Authorization": sign("GET", "/b/k", "")}, "AccessDenied"},
		{"bad date", map[string]string{"Date": "yesterday", "Authorization": sign("GET", "/b/k", "yesterday")}, "AccessDenied"},
		{"unknown key", map[string]string{"Date": date, "Authorization": "AWS NOSUCHKEY:" + Sign("x", "GET\n\n\n"+date+"\n/b/k")}, "InvalidAccessKeyId"},
		{"wrong secret", map[string]string{"Date": date, "Authorization": "AWS AKIAKURATEST:" + Sign("wrong", "GET\n\n\n"+date+"\n/b/k")}, "SignatureDoesNotMatch"},
	}
	// Skew: 15 minutes is the limit either way.
	for _, d := range []struct {
		off  time.Duration
		want string
	}{{15 * time.Minute, ""}, {15*time.Minute + time.Second, "RequestTimeTooSkewed"}, {-15 * time.Minute, ""}, {-15*time.Minute - time.Second, "RequestTimeTooSkewed"}} {
		ds := now.Add(d.off).Format(http.TimeFormat)
		cases = append(cases, struct {
			name   string
			header map[string]string
			want   string
		}{"skew " + d.off.String(), map[string]string{"Date": ds, "Authorization": sign("GET", "/b/k", ds)}, d.want})
	}
	for _, c := range cases {
		_, err := v.Verify(newRequest("GET", "/b/k", c.header), "")
		if errCode(err) != c.want {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

// TestAmzDate: with x-amz-date the Date line is empty (AWS, s3cmd), and
// a client that sends Date too and signs it is accepted as well.
func TestAmzDate(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	v := verifierAt(now)
	amz := now.Format(http.TimeFormat)
	for _, dateLine := range []string{"", "Thu, 01 Jan 2015 00:00:00 GMT"} {
		toSign := "PUT\n\n\n" + dateLine + "\nx-amz-date:" + amz + "\n/b/k"
		r := newRequest("PUT", "/b/k", map[string]string{
			"X-Amz-Date":    amz,
			"Authorization": "AWS AKIAKURATEST:" + Sign(secrets["AKIAKURATEST"], toSign),
		})
		if dateLine != "" {
			r.Header.Set("Date", dateLine)
		}
		if _, err := v.Verify(r, ""); err != nil {
			t.Errorf("date line %q: %v", dateLine, err)
		}
	}
	// The request's time is x-amz-date's, however old Date is.
	old := now.Add(-time.Hour).Format(http.TimeFormat)
	r := newRequest("PUT", "/b/k", map[string]string{
		"X-Amz-Date":    old,
		"Authorization": "AWS AKIAKURATEST:" + Sign(secrets["AKIAKURATEST"], "PUT\n\n\n\nx-amz-date:"+old+"\n/b/k"),
	})
	if _, err := v.Verify(r, ""); errCode(err) != "RequestTimeTooSkewed" {
		t.Errorf("old x-amz-date: %v", err)
	}
}

func TestQueryErrors(t *testing.T) {
	now := time.Unix(1795000000, 0)
	v := verifierAt(now)
	presign := func(expires int64) string {
		e := strconv.FormatInt(expires, 10)
		sig := Sign(secrets["AKIAKURATEST"], "GET\n\n\n"+e+"\n/b/k")
		return "/b/k?AWSAccessKeyId=AKIAKURATEST&Expires=" + e + "&Signature=" + url.QueryEscape(sig)
	}
	cases := []struct {
		name, target, want string
	}{
		{"valid, expires now", presign(now.Unix()), ""},
		{"expired a second ago", presign(now.Unix() - 1), "AccessDenied"},
		{"far future", presign(now.Unix() + 10*365*86400), ""},
		{"no signature", "/b/k?AWSAccessKeyId=AKIAKURATEST&Expires=1795000100", "AccessDenied"},
		{"no expires", "/b/k?AWSAccessKeyId=AKIAKURATEST&Signature=abc", "AccessDenied"},
		{"expires not a number", "/b/k?AWSAccessKeyId=AKIAKURATEST&Expires=soon&Signature=abc", "AccessDenied"},
		{"negative expires", "/b/k?AWSAccessKeyId=AKIAKURATEST&Expires=-1&Signature=abc", "AccessDenied"},
		{"wrong signature", "/b/k?AWSAccessKeyId=AKIAKURATEST&Expires=1795000100&Signature=abc", "SignatureDoesNotMatch"},
	}
	for _, c := range cases {
		res, err := v.Verify(newRequest("GET", c.target, nil), "")
		if errCode(err) != c.want {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
		if err == nil && !res.Presigned {
			t.Errorf("%s: not marked presigned", c.name)
		}
	}
}

func TestIs(t *testing.T) {
	for target, h := range map[string]string{
		"/b/k":                     "AWS AKIA:sig",
		"/b/k?AWSAccessKeyId=AKIA": "",
	} {
		r := newRequest("GET", target, map[string]string{"Authorization": h})
		if h == "" {
			r.Header.Del("Authorization")
		}
		if !Is(r) {
			t.Errorf("%s %q: not Version 2", target, h)
		}
	}
	for target, h := range map[string]string{
		"/b/k":                                  "AWS4-HMAC-SHA256 Credential=x",
		"/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256": "",
	} {
		r := newRequest("GET", target, map[string]string{"Authorization": h})
		if h == "" {
			r.Header.Del("Authorization")
		}
		if Is(r) {
			t.Errorf("%s %q: taken for Version 2", target, h)
		}
	}
}

func TestVerifyPost(t *testing.T) {
	v := verifierAt(time.Now())
	policy := "eyJleHBpcmF0aW9uIjoiMjAzMC0wMS0wMVQwMDowMDowMFoiLCJjb25kaXRpb25zIjpbXX0="
	good := Sign(secrets["AKIAKURATEST"], policy)
	if err := v.VerifyPost("AKIAKURATEST", policy, good); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string][3]string{
		"other policy": {"AKIAKURATEST", policy + "x", good},
		"other key":    {"ASIAKURATEMP", policy, good},
		"no signature": {"AKIAKURATEST", policy, ""},
		"no policy":    {"AKIAKURATEST", "", good},
		"unknown key":  {"NOPE", policy, good},
	} {
		if err := v.VerifyPost(c[0], c[1], c[2]); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// A signature verifies only with a list of subresources that signs
// every parameter the server acts on: one made over "/b/k" does not
// verify once a parameter that one client's list omits is added, and a
// parameter the server acts on that no client signs is never accepted.
func TestUnsignedSubresourceRefused(t *testing.T) {
	now := time.Unix(1795000000, 0)
	e := strconv.FormatInt(now.Unix()+60, 10)
	presign := func(method, resource, query string) *http.Request {
		sig := Sign(secrets["AKIAKURATEST"], method+"\n\n\n"+e+"\n"+resource)
		target := "/b/k?" + query + "AWSAccessKeyId=AKIAKURATEST&Expires=" + e + "&Signature=" + url.QueryEscape(sig)
		return newRequest(method, target, nil)
	}
	v := verifierAt(now)
	cases := []struct {
		name         string
		method       string
		resource     string
		query        string
		subresources []string
		want         string
	}{
		{"plain", "GET", "/b/k", "", nil, ""},
		{"signed override", "GET", "/b/k?response-content-type=text/html", "response-content-type=text%2Fhtml&", nil, ""},
		{"override added", "GET", "/b/k", "response-content-type=text%2Fhtml&", nil, "SignatureDoesNotMatch"},
		{"tagging added", "PUT", "/b/k", "tagging&", nil, "SignatureDoesNotMatch"},
		{"signed tagging", "PUT", "/b/k?tagging", "tagging&", nil, ""},
		{"encryption added", "PUT", "/b/k", "encryption&", nil, "SignatureDoesNotMatch"},
		{"signed encryption (minio-go)", "PUT", "/b/k?encryption", "encryption&", nil, ""},
		{"unlisted parameter", "GET", "/b/k", "list-type=2&", nil, ""},
		{"parameter no client signs", "GET", "/b/k", "attributes&", []string{"attributes"}, "SignatureDoesNotMatch"},
		{"parameter the server ignores", "GET", "/b/k", "encryption&", []string{"tagging"}, ""},
	}
	for _, c := range cases {
		v.Subresources = c.subresources
		_, err := v.Verify(presign(c.method, c.resource, c.query), "")
		if errCode(err) != c.want {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	// A parameter no client signs is named, with the way out.
	v.Subresources = []string{"attributes"}
	_, err := v.Verify(presign("GET", "/b/k", "attributes&"), "")
	if msg := err.Error(); !strings.Contains(msg, `query parameter "attributes";`) || !strings.Contains(msg, "Signature Version 4") {
		t.Errorf("unsigned parameter: %v", err)
	}
}
