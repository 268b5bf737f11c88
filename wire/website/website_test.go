package website

import (
	"bytes"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/kurastore/kura/s3err"
)

func str(s string) *string { return &s }

func TestParseExample(t *testing.T) {
	f, err := os.Open("testdata/aws-example.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	want := &Configuration{
		IndexDocument: &IndexDocument{Suffix: "index.html"},
		ErrorDocument: &ErrorDocument{Key: "Error.html"},
		RoutingRules: []RoutingRule{{
			Condition: &Condition{KeyPrefixEquals: str("docs/")},
			Redirect:  &Redirect{ReplaceKeyPrefixWith: str("documents/")},
		}, {
			Condition: &Condition{HttpErrorCodeReturnedEquals: "404"},
			Redirect: &Redirect{Protocol: "https", HostName: str("ec2-11-22-33-44.compute-1.amazonaws.com"),
				ReplaceKeyPrefixWith: str("report-404/"), HttpRedirectCode: "302"},
		}},
	}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("Parse = %+v, want %+v", c, want)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	doc, err := c.Encode()
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse(bytes.NewReader(doc))
	if err != nil || !reflect.DeepEqual(again, c) {
		t.Fatalf("round trip: %v\n%s", err, doc)
	}
	if !strings.HasPrefix(string(doc), `<WebsiteConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><IndexDocument>`) {
		t.Errorf("encoding %s", doc)
	}
}

func TestParseShape(t *testing.T) {
	tests := []struct {
		name, doc string
		err       error
	}{
		{"without namespace", `<WebsiteConfiguration><IndexDocument><Suffix>i</Suffix></IndexDocument></WebsiteConfiguration>`, nil},
		{"other namespace", `<WebsiteConfiguration xmlns="urn:x"><IndexDocument><Suffix>i</Suffix></IndexDocument></WebsiteConfiguration>`, nil},
		{"wrong root", `<Website><IndexDocument><Suffix>i</Suffix></IndexDocument></Website>`, s3err.ErrMalformedXML},
		{"truncated", `<WebsiteConfiguration><IndexDocument>`, s3err.ErrMalformedXML},
		{"two roots", `<WebsiteConfiguration/><WebsiteConfiguration/>`, s3err.ErrMalformedXML},
		{"empty", ``, s3err.ErrMalformedXML},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.doc))
			if !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
				t.Fatalf("Parse error = %v, want %v", err, tt.err)
			}
		})
	}
}

func TestParseSizeLimit(t *testing.T) {
	doc := func(size int) string {
		head, tail := `<WebsiteConfiguration><IndexDocument><Suffix>i</Suffix></IndexDocument>`, `</WebsiteConfiguration>`
		return head + strings.Repeat(" ", size-len(head)-len(tail)) + tail
	}
	if _, err := Parse(strings.NewReader(doc(MaxDocumentSize))); err != nil {
		t.Fatalf("document of the limit: %v", err)
	}
	if _, err := Parse(strings.NewReader(doc(MaxDocumentSize + 1))); !errors.Is(err, s3err.ErrRequestBodyTooLarge) {
		t.Fatalf("document over the limit: %v", err)
	}
}

// rulesDoc is a configuration with n routing rules.
func rulesDoc(n int) string {
	rule := `<RoutingRule><Redirect><HostName>example.com</HostName></Redirect></RoutingRule>`
	return `<WebsiteConfiguration><IndexDocument><Suffix>index.html</Suffix></IndexDocument><RoutingRules>` +
		strings.Repeat(rule, n) + `</RoutingRules></WebsiteConfiguration>`
}

func TestValidate(t *testing.T) {
	const index = `<IndexDocument><Suffix>index.html</Suffix></IndexDocument>`
	site := func(body string) string { return `<WebsiteConfiguration>` + body + `</WebsiteConfiguration>` }
	rule := func(body string) string {
		return site(index + `<RoutingRules><RoutingRule>` + body + `</RoutingRule></RoutingRules>`)
	}
	tests := []struct {
		name, doc string
		code, msg string // "" for valid
	}{
		{"index only", site(index), "", ""},
		{"index and error", site(index + `<ErrorDocument><Key>e.html</Key></ErrorDocument>`), "", ""},
		{"redirect all", site(`<RedirectAllRequestsTo><HostName>example.com</HostName></RedirectAllRequestsTo>`), "", ""},
		{"redirect all https", site(`<RedirectAllRequestsTo><HostName>example.com</HostName><Protocol>https</Protocol></RedirectAllRequestsTo>`), "", ""},
		{"50 rules", rulesDoc(50), "", ""},
		{"51 rules", rulesDoc(51), "InvalidRequest", "51 routing rules provided, the number of routing rules in a website configuration is limited to 50."},
		{"nothing", site(``), "InvalidArgument", "A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty"},
		{"error document alone", site(`<ErrorDocument><Key>e.html</Key></ErrorDocument>`), "InvalidArgument", "A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty"},
		{"empty suffix", site(`<IndexDocument><Suffix></Suffix></IndexDocument>`), "InvalidArgument", "The IndexDocument Suffix is not well formed"},
		{"suffix with slash", site(`<IndexDocument><Suffix>a/index.html</Suffix></IndexDocument>`), "InvalidArgument", "The IndexDocument Suffix is not well formed"},
		{"empty error key", site(index + `<ErrorDocument><Key></Key></ErrorDocument>`), "InvalidArgument", "The ErrorDocument Key is not well formed"},
		{"redirect all and index", site(index + `<RedirectAllRequestsTo><HostName>h</HostName></RedirectAllRequestsTo>`), "MalformedXML", ""},
		{"redirect all and rules", site(`<RedirectAllRequestsTo><HostName>h</HostName></RedirectAllRequestsTo><RoutingRules><RoutingRule><Redirect><HostName>h</HostName></Redirect></RoutingRule></RoutingRules>`), "MalformedXML", ""},
		{"redirect all without host", site(`<RedirectAllRequestsTo><Protocol>http</Protocol></RedirectAllRequestsTo>`), "MalformedXML", ""},
		{"redirect all bad protocol", site(`<RedirectAllRequestsTo><HostName>h</HostName><Protocol>ftp</Protocol></RedirectAllRequestsTo>`), "InvalidRequest", "Invalid protocol, protocol can be http or https. If not defined the protocol will be selected automatically."},
		{"rule without redirect", rule(`<Condition><KeyPrefixEquals>a</KeyPrefixEquals></Condition>`), "MalformedXML", ""},
		{"empty condition", rule(`<Condition></Condition><Redirect><HostName>h</HostName></Redirect>`), "InvalidRequest", "Condition cannot be empty. To redirect all requests without a condition, the condition element shouldn't be present."},
		{"empty prefix is a condition", rule(`<Condition><KeyPrefixEquals></KeyPrefixEquals></Condition><Redirect><HostName>h</HostName></Redirect>`), "", ""},
		{"error code 404", rule(`<Condition><HttpErrorCodeReturnedEquals>404</HttpErrorCodeReturnedEquals></Condition><Redirect><HostName>h</HostName></Redirect>`), "", ""},
		{"error code 599", rule(`<Condition><HttpErrorCodeReturnedEquals>599</HttpErrorCodeReturnedEquals></Condition><Redirect><HostName>h</HostName></Redirect>`), "", ""},
		{"error code 399", rule(`<Condition><HttpErrorCodeReturnedEquals>399</HttpErrorCodeReturnedEquals></Condition><Redirect><HostName>h</HostName></Redirect>`), "InvalidRequest", "The provided HTTP error code (399) is not valid. Valid codes are 4XX or 5XX."},
		{"error code 600", rule(`<Condition><HttpErrorCodeReturnedEquals>600</HttpErrorCodeReturnedEquals></Condition><Redirect><HostName>h</HostName></Redirect>`), "InvalidRequest", "The provided HTTP error code (600) is not valid. Valid codes are 4XX or 5XX."},
		{"error code not a number", rule(`<Condition><HttpErrorCodeReturnedEquals>four</HttpErrorCodeReturnedEquals></Condition><Redirect><HostName>h</HostName></Redirect>`), "MalformedXML", ""},
		{"empty redirect", rule(`<Redirect></Redirect>`), "InvalidRequest", "Redirect must contain at least one of the following: Protocol, HostName, ReplaceKeyPrefixWith, ReplaceKeyWith or HttpRedirectCode."},
		{"redirect bad protocol", rule(`<Redirect><Protocol>HTTP</Protocol></Redirect>`), "InvalidRequest", "Invalid protocol, protocol can be http or https. If not defined the protocol will be selected automatically."},
		{"blank host", rule(`<Redirect><HostName></HostName></Redirect>`), "InvalidArgument", "The HostName cannot be blank. To redirect within the same domain, the element should not be present."},
		{"both replacements", rule(`<Redirect><ReplaceKeyWith>a</ReplaceKeyWith><ReplaceKeyPrefixWith>b/</ReplaceKeyPrefixWith></Redirect>`), "InvalidRequest", "You can only define ReplaceKeyPrefix or ReplaceKey but not both."},
		{"empty replacement", rule(`<Redirect><ReplaceKeyPrefixWith></ReplaceKeyPrefixWith></Redirect>`), "", ""},
		{"redirect code 301", rule(`<Redirect><HttpRedirectCode>301</HttpRedirectCode></Redirect>`), "", ""},
		{"redirect code 399", rule(`<Redirect><HttpRedirectCode>399</HttpRedirectCode></Redirect>`), "", ""},
		{"redirect code 300", rule(`<Redirect><HttpRedirectCode>300</HttpRedirectCode></Redirect>`), "InvalidRequest", "The provided HTTP redirect code (300) is not valid. Valid codes are 3XX except 300."},
		{"redirect code 400", rule(`<Redirect><HttpRedirectCode>400</HttpRedirectCode></Redirect>`), "InvalidRequest", "The provided HTTP redirect code (400) is not valid. Valid codes are 3XX except 300."},
		{"redirect code not a number", rule(`<Redirect><HttpRedirectCode>x</HttpRedirectCode></Redirect>`), "MalformedXML", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(strings.NewReader(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			err = c.Validate()
			if tt.code == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			e := s3err.From(err)
			if e.Code != tt.code || (tt.msg != "" && e.Message != tt.msg) || e.HTTPStatus != 400 {
				t.Fatalf("Validate = %d %s %q, want 400 %s %q", e.HTTPStatus, e.Code, e.Message, tt.code, tt.msg)
			}
		})
	}
}

func TestIndexKeys(t *testing.T) {
	c := &Configuration{IndexDocument: &IndexDocument{Suffix: "index.html"}}
	for key, want := range map[string]string{"": "index.html", "a/": "a/index.html", "a/b/": "a/b/index.html", "a": "a", "a/b.html": "a/b.html"} {
		if got := c.IndexKey(key); got != want {
			t.Errorf("IndexKey(%q) = %q, want %q", key, got, want)
		}
	}
	for key, want := range map[string]string{"a": "a/index.html", "a/b": "a/b/index.html", "": "", "a/": ""} {
		got, ok := c.FolderIndex(key)
		if got != want || ok != (want != "") {
			t.Errorf("FolderIndex(%q) = %q, %v; want %q", key, got, ok, want)
		}
	}
	redirecting := &Configuration{RedirectAllRequestsTo: &RedirectAllRequestsTo{HostName: "h"}}
	if got := redirecting.IndexKey(""); got != "" {
		t.Errorf("IndexKey without index document = %q", got)
	}
	if _, ok := redirecting.FolderIndex("a"); ok {
		t.Error("FolderIndex without index document")
	}
}

func TestRules(t *testing.T) {
	c := &Configuration{IndexDocument: &IndexDocument{Suffix: "index.html"}, RoutingRules: []RoutingRule{
		{Condition: &Condition{KeyPrefixEquals: str("docs/")}, Redirect: &Redirect{ReplaceKeyPrefixWith: str("documents/")}},
		{Condition: &Condition{HttpErrorCodeReturnedEquals: "404", KeyPrefixEquals: str("img/")}, Redirect: &Redirect{HostName: str("img.example"), HttpRedirectCode: "302"}},
		{Condition: &Condition{HttpErrorCodeReturnedEquals: "404"}, Redirect: &Redirect{Protocol: "https", HostName: str("example.com"), ReplaceKeyWith: str("lost.html"), HttpRedirectCode: "307"}},
		{Condition: &Condition{KeyPrefixEquals: str("docs/old")}, Redirect: &Redirect{HostName: str("never.example")}},
	}}
	o := Origin{Scheme: "http", Host: "site.web.test:8080"}
	tests := []struct {
		key    string
		status int // 0: before reading
		want   Target
	}{
		{"docs/a b.html", 0, Target{301, "http://site.web.test:8080/documents/a%20b.html"}},
		{"docs/old/x", 0, Target{301, "http://site.web.test:8080/documents/old/x"}}, // the first rule wins
		{"img/cat.png", 404, Target{302, "http://img.example/img/cat.png"}},
		{"other", 404, Target{307, "https://example.com/lost.html"}},
	}
	for _, tt := range tests {
		var r *RoutingRule
		if tt.status == 0 {
			r = c.RuleBefore(tt.key)
		} else {
			r = c.RuleAfterError(tt.key, tt.status)
		}
		if r == nil {
			t.Errorf("%q %d: no rule", tt.key, tt.status)
			continue
		}
		if got := r.Target(tt.key, o); got != tt.want {
			t.Errorf("%q %d: %+v, want %+v", tt.key, tt.status, got, tt.want)
		}
	}
	for _, key := range []string{"", "index.html", "img/cat.png", "doc"} {
		if r := c.RuleBefore(key); r != nil {
			t.Errorf("RuleBefore(%q) = %+v, want none", key, r)
		}
	}
	if r := c.RuleAfterError("other", 403); r != nil {
		t.Errorf("RuleAfterError(403) = %+v, want none", r)
	}
	// A rule without a condition applies to every request; a prefix
	// replacement without a prefix condition is prepended.
	all := RoutingRule{Redirect: &Redirect{ReplaceKeyPrefixWith: str("v2/")}}
	c = &Configuration{RoutingRules: []RoutingRule{all}}
	if r := c.RuleBefore("a/b"); r == nil || r.Target("a/b", o) != (Target{301, "http://site.web.test:8080/v2/a/b"}) {
		t.Errorf("unconditional rule: %+v", r)
	}
}

func TestRedirectAll(t *testing.T) {
	o := Origin{Scheme: "https", Host: "site.web.test"}
	r := &RedirectAllRequestsTo{HostName: "example.org"}
	if got := r.Target("/a/b%20c?x=y", o); got != (Target{301, "https://example.org/a/b%20c?x=y"}) {
		t.Errorf("Target = %+v", got)
	}
	r.Protocol = "http"
	if got := r.Target("", o); got != (Target{301, "http://example.org/"}) {
		t.Errorf("Target = %+v", got)
	}
}
