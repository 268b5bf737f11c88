package website

import (
	"bytes"
	"os"
	"reflect"
	"testing"
)

// FuzzParse checks that Parse and Validate never panic, that a valid
// configuration survives Encode and Parse unchanged, and that routing
// decisions on it never panic.
func FuzzParse(f *testing.F) {
	if example, err := os.ReadFile("testdata/aws-example.xml"); err == nil {
		f.Add(example, "docs/a", 404)
	}
	f.Add([]byte(`<WebsiteConfiguration><RedirectAllRequestsTo><HostName>h</HostName><Protocol>https</Protocol></RedirectAllRequestsTo></WebsiteConfiguration>`), "", 403)
	f.Add([]byte(`<WebsiteConfiguration><IndexDocument><Suffix>i</Suffix></IndexDocument><RoutingRules><RoutingRule><Condition><KeyPrefixEquals></KeyPrefixEquals></Condition><Redirect><ReplaceKeyWith></ReplaceKeyWith><HttpRedirectCode>+399</HttpRedirectCode></Redirect></RoutingRule></RoutingRules></WebsiteConfiguration>`), "a/", 500)
	f.Add([]byte(rulesDoc(51)), "x", 404)
	f.Fuzz(func(t *testing.T, data []byte, key string, status int) {
		c, err := Parse(bytes.NewReader(data))
		if err != nil {
			return
		}
		if c.Validate() != nil {
			return
		}
		o := Origin{Scheme: "http", Host: "h"}
		c.IndexKey(key)
		c.FolderIndex(key)
		if r := c.RuleBefore(key); r != nil {
			r.Target(key, o)
		}
		if r := c.RuleAfterError(key, status); r != nil {
			r.Target(key, o)
		}
		if c.RedirectAllRequestsTo != nil {
			c.RedirectAllRequestsTo.Target(key, o)
		}
		doc, err := c.Encode()
		if err != nil {
			t.Fatalf("Encode of a valid configuration: %v", err)
		}
		again, err := Parse(bytes.NewReader(doc))
		if err != nil {
			t.Fatalf("Parse(Encode()) = %v for %s", err, doc)
		}
		if !reflect.DeepEqual(c, again) {
			t.Fatalf("round trip changed\n%+v\ninto\n%+v", c, again)
		}
		if err := again.Validate(); err != nil {
			t.Fatalf("re-parsed configuration invalid: %v", err)
		}
	})
}
