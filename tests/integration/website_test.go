package integration

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const siteDomain = "site.test"

// webAnswer is what a browser gets from a website: status, the header
// asked for, and the body.
type webAnswer struct {
	status int
	header string
	body   string
}

// webGet GETs target from base with Host host, not following redirects.
func webGet(t *testing.T, base, host, target, header string) webAnswer {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+target, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode >= 400 && !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Errorf("GET %s%s (Host %s): %d as %q, want HTML", base, target, host, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return webAnswer{resp.StatusCode, resp.Header.Get(header), string(body)}
}

// publicSite makes bucket site with aws-cli: anybody may read and list
// it, it holds an index document at the root and in about/, and an error
// document, and `aws s3 website` makes it a website.
func publicSite(t *testing.T, cli tool) {
	t.Helper()
	dir := t.TempDir()
	cli.run("s3", "mb", "s3://site")
	for key, body := range map[string]string{"index.html": "home", "about/index.html": "about", "error.html": "not here"} {
		path := filepath.Join(dir, strings.ReplaceAll(key, "/", "_"))
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		cli.run("s3", "cp", "--only-show-errors", "--content-type", "text/html", path, "s3://site/"+key)
	}
	cli.run("s3api", "put-bucket-policy", "--bucket", "site", "--policy", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::site/*"},
		{"Effect":"Allow","Principal":"*","Action":"s3:ListBucket","Resource":"arn:aws:s3:::site"}]}`)
	cli.run("s3", "website", "s3://site", "--index-document", "index.html", "--error-document", "error.html")
}

// TestWebsiteEndpoint drives a website made with aws-cli through kura's
// API listener with --website-domain: index documents, the error
// document, routing rules, RedirectAllRequestsTo and an object's
// redirect location, while the S3 API keeps answering there.
func TestWebsiteEndpoint(t *testing.T) {
	s := startServer(t, "--website-domain", siteDomain)
	cli := awsTool(t, s)
	publicSite(t, cli)
	host := "site." + siteDomain
	get := func(target, header string) webAnswer { return webGet(t, s.url(), host, target, header) }
	if !settled(func() bool { return get("/", "").body == "home" }) {
		t.Fatalf("GET /: %+v", get("/", ""))
	}
	if got := cli.run("s3api", "get-bucket-website", "--bucket", "site", "--query", "[IndexDocument.Suffix, ErrorDocument.Key]", "--output", "text"); strings.TrimSpace(got) != "index.html\terror.html" {
		t.Errorf("get-bucket-website: %q", got)
	}
	for target, want := range map[string]webAnswer{
		"/":           {200, "text/html", "home"},
		"/about/":     {200, "text/html", "about"},
		"/index.html": {200, "text/html", "home"},
		"/missing":    {404, "text/html", "not here"},
	} {
		if got := get(target, "Content-Type"); got != want {
			t.Errorf("GET %s: %+v, want %+v", target, got, want)
		}
	}
	if got := get("/about", "Location"); got != (webAnswer{302, "/about/", ""}) {
		t.Errorf("GET /about: %+v", got)
	}
	if got := get("/missing", "x-amz-error-code"); got.header != "NoSuchKey" {
		t.Errorf("error code of /missing: %+v", got)
	}

	// An object that redirects, written with aws-cli.
	cli.run("s3api", "put-object", "--bucket", "site", "--key", "old.html", "--website-redirect-location", "/about/")
	if got := get("/old.html", "Location"); got != (webAnswer{301, "/about/", ""}) {
		t.Errorf("GET /old.html: %+v", got)
	}
	if got := cli.run("s3api", "head-object", "--bucket", "site", "--key", "old.html", "--query", "WebsiteRedirectLocation", "--output", "text"); strings.TrimSpace(got) != "/about/" {
		t.Errorf("head-object WebsiteRedirectLocation: %q", got)
	}

	// Routing rules.
	cli.run("s3api", "put-bucket-website", "--bucket", "site", "--website-configuration", `{
		"IndexDocument": {"Suffix": "index.html"}, "ErrorDocument": {"Key": "error.html"},
		"RoutingRules": [
			{"Condition": {"KeyPrefixEquals": "docs/"}, "Redirect": {"ReplaceKeyPrefixWith": "documents/"}},
			{"Condition": {"HttpErrorCodeReturnedEquals": "404"},
			 "Redirect": {"Protocol": "https", "HostName": "example.com", "ReplaceKeyPrefixWith": "lost/", "HttpRedirectCode": "307"}}]}`)
	want := map[string]webAnswer{
		"/docs/a.html": {301, "http://" + host + "/documents/a.html", ""},
		"/gone":        {307, "https://example.com/lost/gone", ""},
		"/":            {200, "", "home"},
	}
	if !settled(func() bool { return get("/gone", "Location") == want["/gone"] }) {
		t.Errorf("routing rules did not apply: %+v", get("/gone", "Location"))
	}
	for target, w := range want {
		if got := get(target, "Location"); got != w {
			t.Errorf("GET %s: %+v, want %+v", target, got, w)
		}
	}

	// Every request elsewhere.
	cli.run("s3api", "put-bucket-website", "--bucket", "site", "--website-configuration",
		`{"RedirectAllRequestsTo": {"HostName": "example.org", "Protocol": "https"}}`)
	all := webAnswer{301, "https://example.org/a/b?c=d", ""}
	if !settled(func() bool { return get("/a/b?c=d", "Location") == all }) {
		t.Errorf("RedirectAllRequestsTo: %+v", get("/a/b?c=d", "Location"))
	}

	// A refused configuration, then none.
	if _, stderr, err := cli.try("s3api", "put-bucket-website", "--bucket", "site", "--website-configuration", `{"IndexDocument": {"Suffix": "a/b"}}`); err == nil || !strings.Contains(stderr, "InvalidArgument") {
		t.Errorf("bad suffix: %v %s", err, stderr)
	}
	cli.run("s3api", "delete-bucket-website", "--bucket", "site")
	if !settled(func() bool {
		got := get("/", "x-amz-error-code")
		return got.status == 404 && got.header == "NoSuchWebsiteConfiguration"
	}) {
		t.Errorf("after delete: %+v", get("/", "x-amz-error-code"))
	}
	// The S3 API on the same listener is unchanged.
	if got := cli.run("s3", "ls", "s3://site/about/"); !strings.Contains(got, "index.html") {
		t.Errorf("s3 ls: %q", got)
	}
}

// TestWebsiteListener serves websites on --website-address: by host name
// of the website domain, or by the bucket's own name as a CNAME would.
func TestWebsiteListener(t *testing.T) {
	webAddr := freeAddr(t)
	s := startServer(t, "--website-domain", siteDomain, "--website-address", webAddr)
	cli := awsTool(t, s)
	publicSite(t, cli)
	base := "http://" + webAddr
	for _, host := range []string{"site." + siteDomain, "site", "site:80"} {
		if got := webGet(t, base, host, "/about/", ""); got != (webAnswer{200, "", "about"}) {
			t.Errorf("Host %s: %+v", host, got)
		}
	}
	if got := webGet(t, base, "nothing", "/", "x-amz-error-code"); got.status != 404 || got.header != "NoSuchBucket" {
		t.Errorf("missing bucket: %+v", got)
	}
	// No S3 API there: a listing is a key that does not exist.
	if got := webGet(t, base, "site", "/?list-type=2", "x-amz-error-code"); got.status != 200 || got.body != "home" {
		t.Errorf("listing on the website listener: %+v", got)
	}
}

// TestWebsiteBoto3 puts, gets and deletes a website configuration
// through boto3.
func TestWebsiteBoto3(t *testing.T) {
	py := pythonWithBoto3(t)
	s := startServer(t)
	runScript(t, py, s, "boto3_website.py", "boto3 website")
}
