package cors

import (
	"bytes"
	"os"
	"reflect"
	"testing"
)

// FuzzParse checks that Parse never panics, that a valid configuration
// survives Encode and Parse unchanged, and that matching never panics.
func FuzzParse(f *testing.F) {
	if example, err := os.ReadFile("testdata/aws-example.xml"); err == nil {
		f.Add(example)
	}
	f.Add([]byte(`<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>`))
	f.Add([]byte(`<CORSConfiguration><CORSRule><ID>x</ID><AllowedOrigin>http://*.a</AllowedOrigin><AllowedMethod>PUT</AllowedMethod><AllowedHeader>x-*</AllowedHeader><MaxAgeSeconds>-1</MaxAgeSeconds></CORSRule></CORSConfiguration>`))
	f.Add([]byte(`<CORSConfiguration/>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(bytes.NewReader(data))
		if err != nil {
			return
		}
		c.Match("http://x.a", "GET", []string{"x-y, z"})
		if c.Validate() != nil {
			return
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
	})
}
