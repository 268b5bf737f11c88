package cors

import (
	"bytes"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/kurastore/kura/s3err"
)

const ns = `xmlns="http://s3.amazonaws.com/doc/2006-03-01/"`

func maxAge(n int) *int { return &n }

func rulesOf(n int) []Rule {
	rules := make([]Rule, n)
	for i := range rules {
		rules[i] = Rule{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET"}}
	}
	return rules
}

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
	want := &Configuration{Rules: []Rule{{
		ID:             "uploads",
		AllowedOrigins: []string{"http://www.example.com"},
		AllowedMethods: []string{"PUT", "POST", "DELETE"},
		AllowedHeaders: []string{"*"},
		ExposeHeaders:  []string{"x-amz-server-side-encryption", "x-amz-request-id"},
		MaxAgeSeconds:  maxAge(3000),
	}, {
		AllowedOrigins: []string{"*"},
		AllowedMethods: []string{"GET"},
	}}}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("Parse = %+v, want %+v", c, want)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		err  error
	}{
		{"without namespace", `<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>`, nil},
		{"with namespace", `<CORSConfiguration ` + ns + `><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>`, nil},
		{"max age with spaces", `<CORSConfiguration><CORSRule><MaxAgeSeconds> 10 </MaxAgeSeconds></CORSRule></CORSConfiguration>`, nil},
		{"max age not a number", `<CORSConfiguration><CORSRule><MaxAgeSeconds>ten</MaxAgeSeconds></CORSRule></CORSConfiguration>`, s3err.ErrMalformedXML},
		{"wrong root", `<CORS><CORSRule/></CORS>`, s3err.ErrMalformedXML},
		{"truncated", `<CORSConfiguration><CORSRule>`, s3err.ErrMalformedXML},
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
	doc := `<CORSConfiguration></CORSConfiguration>`
	padded := func(size int) string { return doc + strings.Repeat("\n", size-len(doc)) }
	if _, err := Parse(strings.NewReader(padded(MaxDocumentSize))); err != nil {
		t.Fatalf("document of MaxDocumentSize: %v", err)
	}
	if _, err := Parse(strings.NewReader(padded(MaxDocumentSize + 1))); !errors.Is(err, s3err.ErrRequestBodyTooLarge) {
		t.Fatalf("document of MaxDocumentSize+1: error = %v, want MaxMessageLengthExceeded", err)
	}
}

func TestValidate(t *testing.T) {
	rule := func(edit func(*Rule)) []Rule {
		r := Rule{AllowedOrigins: []string{"https://example.com"}, AllowedMethods: []string{"GET"}}
		edit(&r)
		return []Rule{r}
	}
	tests := []struct {
		name  string
		rules []Rule
		err   error // nil means valid
		msg   string
	}{
		{"one rule", rulesOf(1), nil, ""},
		{"100 rules", rulesOf(100), nil, ""},
		{"101 rules", rulesOf(101), s3err.ErrMalformedXML, ""},
		{"no rules", nil, s3err.ErrMalformedXML, ""},
		{"every method", rule(func(r *Rule) { r.AllowedMethods = []string{"GET", "PUT", "HEAD", "POST", "DELETE"} }), nil, ""},
		{"no origin", rule(func(r *Rule) { r.AllowedOrigins = nil }), s3err.ErrMalformedXML, ""},
		{"empty origin", rule(func(r *Rule) { r.AllowedOrigins = []string{""} }), s3err.ErrMalformedXML, ""},
		{"no method", rule(func(r *Rule) { r.AllowedMethods = nil }), s3err.ErrMalformedXML, ""},
		{"PATCH", rule(func(r *Rule) { r.AllowedMethods = []string{"GET", "PATCH"} }), s3err.ErrInvalidRequest,
			"Found unsupported HTTP method in CORS config. Unsupported method is PATCH"},
		{"lower-case method", rule(func(r *Rule) { r.AllowedMethods = []string{"get"} }), s3err.ErrInvalidRequest,
			"Found unsupported HTTP method in CORS config. Unsupported method is get"},
		{"empty method", rule(func(r *Rule) { r.AllowedMethods = []string{""} }), s3err.ErrInvalidRequest,
			"Found unsupported HTTP method in CORS config. Unsupported method is "},
		{"origin with one wildcard", rule(func(r *Rule) { r.AllowedOrigins = []string{"https://*.example.com"} }), nil, ""},
		{"origin with two wildcards", rule(func(r *Rule) { r.AllowedOrigins = []string{"https://*.*.com"} }), s3err.ErrInvalidRequest,
			`AllowedOrigin "https://*.*.com" can not have more than one wildcard.`},
		{"header with one wildcard", rule(func(r *Rule) { r.AllowedHeaders = []string{"x-amz-*"} }), nil, ""},
		{"header with two wildcards", rule(func(r *Rule) { r.AllowedHeaders = []string{"*-amz-*"} }), s3err.ErrInvalidRequest,
			`AllowedHeader "*-amz-*" can not have more than one wildcard.`},
		{"expose wildcard", rule(func(r *Rule) { r.ExposeHeaders = []string{"*"} }), s3err.ErrInvalidRequest,
			`ExposeHeader "*" contains wildcard. We currently do not support wildcard for ExposeHeader.`},
		{"ID of 255 characters", rule(func(r *Rule) { r.ID = strings.Repeat("é", 255) }), nil, ""},
		{"ID of 256 characters", rule(func(r *Rule) { r.ID = strings.Repeat("é", 256) }), s3err.ErrInvalidArgument, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := (&Configuration{Rules: tt.rules}).Validate()
			if tt.err == nil {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if !errors.Is(err, tt.err) {
				t.Fatalf("Validate error = %v, want %v", err, tt.err)
			}
			if tt.msg != "" && s3err.From(err).Message != tt.msg {
				t.Fatalf("message = %q, want %q", s3err.From(err).Message, tt.msg)
			}
		})
	}
}

func TestEncode(t *testing.T) {
	c := &Configuration{Rules: []Rule{{
		ID:             "r1",
		AllowedOrigins: []string{"https://a.example"},
		AllowedMethods: []string{"GET", "PUT"},
		AllowedHeaders: []string{"x-amz-*"},
		ExposeHeaders:  []string{"ETag"},
		MaxAgeSeconds:  maxAge(0),
	}}}
	got, err := c.Encode()
	if err != nil {
		t.Fatal(err)
	}
	want := `<CORSConfiguration ` + ns + `><CORSRule><ID>r1</ID>` +
		`<AllowedOrigin>https://a.example</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod>` +
		`<AllowedHeader>x-amz-*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>0</MaxAgeSeconds></CORSRule></CORSConfiguration>`
	if string(got) != want {
		t.Fatalf("Encode =\n%s\nwant\n%s", got, want)
	}
}

func TestRoundTrip(t *testing.T) {
	for _, c := range []*Configuration{
		{Rules: rulesOf(1)},
		{Rules: rulesOf(MaxRules)},
		{Rules: []Rule{{
			ID:             "every field",
			AllowedOrigins: []string{"https://*.example.com", "http://localhost:8080"},
			AllowedMethods: []string{"GET", "HEAD"},
			AllowedHeaders: []string{"*", "Content-Type"},
			ExposeHeaders:  []string{"ETag", "x-amz-version-id"},
			MaxAgeSeconds:  maxAge(600),
		}}},
	} {
		doc, err := c.Encode()
		if err != nil {
			t.Fatal(err)
		}
		back, err := Parse(bytes.NewReader(doc))
		if err != nil {
			t.Fatalf("Parse(Encode()): %v\n%s", err, doc)
		}
		if !reflect.DeepEqual(back, c) {
			t.Fatalf("round trip changed\n%+v\ninto\n%+v", c, back)
		}
	}
}

func TestMatch(t *testing.T) {
	// The rules of the s3-tests CORS origin cases, plus header rules.
	c := &Configuration{Rules: []Rule{
		{ID: "suffix", AllowedOrigins: []string{"*suffix"}, AllowedMethods: []string{"GET"}},
		{ID: "start-end", AllowedOrigins: []string{"start*end"}, AllowedMethods: []string{"GET"}},
		{ID: "prefix", AllowedOrigins: []string{"prefix*"}, AllowedMethods: []string{"GET", "PUT"}},
		{ID: "put", AllowedOrigins: []string{"*.put"}, AllowedMethods: []string{"PUT"}},
		{ID: "subdomain", AllowedOrigins: []string{"https://*.example.com"}, AllowedMethods: []string{"GET", "PUT"},
			AllowedHeaders: []string{"Content-Type", "x-amz-meta-*"}},
		{ID: "exact", AllowedOrigins: []string{"https://app.test"}, AllowedMethods: []string{"DELETE"}},
	}}
	tests := []struct {
		origin, method string
		headers        []string
		want           string // rule ID, "" for no match
	}{
		{"foo.suffix", "GET", nil, "suffix"},
		{"foo.bar", "GET", nil, ""},
		{"foo.suffix.get", "GET", nil, ""},
		{"startend", "GET", nil, "start-end"},
		{"start1end", "GET", nil, "start-end"},
		{"start12end", "GET", nil, "start-end"},
		{"0start12end", "GET", nil, ""},
		{"prefix", "GET", nil, "prefix"},
		{"prefix.suffix", "GET", nil, "suffix"},
		{"bla.prefix", "GET", nil, ""},
		{"foo.put", "GET", nil, ""},
		{"foo.put", "PUT", nil, "put"},
		{"prefix", "PUT", nil, "prefix"},
		{"prefix", "DELETE", nil, ""},
		{"https://img.example.com", "PUT", []string{"content-type"}, "subdomain"},
		{"https://img.example.com", "PUT", []string{"Content-Type, X-Amz-Meta-Owner"}, "subdomain"},
		{"https://img.example.com", "PUT", []string{"content-type", "x-amz-date"}, ""},
		{"https://example.com", "GET", nil, ""},
		{"https://IMG.example.com", "GET", nil, "subdomain"},
		{"HTTPS://img.example.com", "GET", nil, ""},
		{"https://app.test", "DELETE", nil, "exact"},
		{"https://app.test", "DELETE", []string{"authorization"}, ""},
		{"https://app.test", "delete", nil, ""},
		{"", "GET", nil, ""},
	}
	for _, tt := range tests {
		r, ok := c.Match(tt.origin, tt.method, tt.headers)
		got := ""
		if ok {
			got = r.ID
		}
		if got != tt.want {
			t.Errorf("Match(%q, %q, %q) = %q, want %q", tt.origin, tt.method, tt.headers, got, tt.want)
		}
	}
	var none *Configuration
	if _, ok := none.Match("https://a", "GET", nil); ok {
		t.Error("nil configuration matched")
	}
}

func TestResponseHeaders(t *testing.T) {
	wildcard := &Rule{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET", "HEAD"}}
	h := wildcard.ResponseHeaders("https://a.test", nil, false)
	if h.Get("Access-Control-Allow-Origin") != "*" || h.Get("Access-Control-Allow-Credentials") != "" {
		t.Fatalf("wildcard origin: %v", h)
	}
	if h.Get("Access-Control-Allow-Methods") != "GET, HEAD" || h.Get("Access-Control-Max-Age") != "" {
		t.Fatalf("wildcard origin: %v", h)
	}

	r := &Rule{
		AllowedOrigins: []string{"https://*.test"},
		AllowedMethods: []string{"PUT"},
		AllowedHeaders: []string{"*"},
		ExposeHeaders:  []string{"ETag", "x-amz-request-id"},
		MaxAgeSeconds:  maxAge(300),
	}
	h = r.ResponseHeaders("https://a.test", []string{"Content-Type, X-Amz-Date"}, true)
	want := map[string]string{
		"Access-Control-Allow-Origin":      "https://a.test",
		"Access-Control-Allow-Credentials": "true",
		"Access-Control-Allow-Methods":     "PUT",
		"Access-Control-Allow-Headers":     "content-type, x-amz-date",
		"Access-Control-Expose-Headers":    "ETag, x-amz-request-id",
		"Access-Control-Max-Age":           "300",
		"Vary":                             "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
	}
	for k, v := range want {
		if h.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, h.Get(k), v)
		}
	}
	if len(h) != len(want) {
		t.Errorf("headers = %v, want exactly %v", h, want)
	}
	if h := r.ResponseHeaders("https://a.test", []string{"x"}, false); h.Get("Access-Control-Allow-Headers") != "" {
		t.Errorf("non-preflight answer has Access-Control-Allow-Headers: %v", h)
	}
}

func TestWildcardMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true},
		{"*", "anything", true},
		{"abc", "abc", true},
		{"abc", "abcd", false},
		{"a*", "a", true},
		{"*a", "ba", true},
		{"a*a", "a", false},
		{"a*a", "aa", true},
		{"a*b*c", "abc", true},
		{"a*b*c", "axxbyyc", true},
		{"a*b*c", "acb", false},
		{"a*b*b", "abb", true},
		{"**", "x", true},
	}
	for _, tt := range tests {
		if got := wildcardMatch(tt.pattern, tt.s); got != tt.want {
			t.Errorf("wildcardMatch(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}
