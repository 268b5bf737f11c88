package httpapi

import (
	"net/http"
	"strings"
	"testing"
)

const websiteDoc = `<WebsiteConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><IndexDocument><Suffix>index.html</Suffix></IndexDocument><ErrorDocument><Key>error.html</Key></ErrorDocument></WebsiteConfiguration>`

// s3Code is the code of the S3 error document in body.
func s3Code(body string) string {
	code, _, _ := strings.Cut(strings.TrimPrefix(body[strings.Index(body, "<Code>")+1:], "Code>"), "<")
	return code
}

// Put, Get and DeleteBucketWebsite keep the bucket's website document;
// a bucket without one answers NoSuchWebsiteConfiguration.
func TestBucketWebsiteConfiguration(t *testing.T) {
	s := compatServer(t, "bkt")
	do := func(method, body string) (int, string) {
		t.Helper()
		rec := s.send(t, fzNewRequest(method, "/bkt?website", nil, []byte(body)), false)
		return rec.Code, rec.Body.String()
	}
	if code, body := do(http.MethodGet, ""); code != http.StatusNotFound || s3Code(body) != "NoSuchWebsiteConfiguration" {
		t.Fatalf("GET before PUT: %d %s", code, body)
	}
	if code, body := do(http.MethodPut, websiteDoc); code != http.StatusOK {
		t.Fatalf("PUT: %d %s", code, body)
	}
	if code, body := do(http.MethodGet, ""); code != http.StatusOK || !strings.Contains(body, "<Suffix>index.html</Suffix>") || !strings.Contains(body, "<Key>error.html</Key>") {
		t.Fatalf("GET: %d %s", code, body)
	}
	for range 2 {
		if code, body := do(http.MethodDelete, ""); code != http.StatusNoContent {
			t.Fatalf("DELETE: %d %s", code, body)
		}
	}
	if code, body := do(http.MethodGet, ""); code != http.StatusNotFound || s3Code(body) != "NoSuchWebsiteConfiguration" {
		t.Fatalf("GET after DELETE: %d %s", code, body)
	}
	rec := s.send(t, fzNewRequest(http.MethodGet, "/nobkt?website", nil, nil), false)
	if rec.Code != http.StatusNotFound || s3Code(rec.Body.String()) != "NoSuchBucket" {
		t.Fatalf("GET of a missing bucket: %d %s", rec.Code, rec.Body)
	}
}

// A configuration AWS refuses is refused with its error, and leaves the
// stored one as it was.
func TestPutBucketWebsiteRefused(t *testing.T) {
	s := compatServer(t, "bkt")
	put := func(body string) (int, string) {
		t.Helper()
		rec := s.send(t, fzNewRequest(http.MethodPut, "/bkt?website", nil, []byte(body)), false)
		return rec.Code, rec.Body.String()
	}
	if code, body := put(websiteDoc); code != http.StatusOK {
		t.Fatalf("PUT: %d %s", code, body)
	}
	rules := func(n int) string {
		return `<WebsiteConfiguration><IndexDocument><Suffix>i.html</Suffix></IndexDocument><RoutingRules>` +
			strings.Repeat(`<RoutingRule><Redirect><HostName>example.com</HostName></Redirect></RoutingRule>`, n) +
			`</RoutingRules></WebsiteConfiguration>`
	}
	for _, tt := range []struct{ doc, code string }{
		{`<WebsiteConfiguration/>`, "InvalidArgument"},
		{`<WebsiteConfiguration><IndexDocument><Suffix>a/b</Suffix></IndexDocument></WebsiteConfiguration>`, "InvalidArgument"},
		{`<WebsiteConfiguration><IndexDocument>`, "MalformedXML"},
		{``, "MalformedXML"},
		{rules(51), "InvalidRequest"},
	} {
		if code, body := put(tt.doc); code != http.StatusBadRequest || s3Code(body) != tt.code {
			t.Errorf("PUT %.60s: %d %s, want 400 %s", tt.doc, code, body, tt.code)
		}
	}
	rec := s.send(t, fzNewRequest(http.MethodGet, "/bkt?website", nil, nil), false)
	if !strings.Contains(rec.Body.String(), "<Key>error.html</Key>") {
		t.Fatalf("refused PUTs changed the configuration: %s", rec.Body)
	}
	if code, body := put(rules(50)); code != http.StatusOK {
		t.Fatalf("PUT of 50 rules: %d %s", code, body)
	}
}
