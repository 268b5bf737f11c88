package lifecycle

import (
	"bytes"
	"os"
	"testing"
)

// FuzzParse checks that Parse never panics and that a valid configuration
// encodes to a document that parses, validates and encodes to the same
// bytes. (Bytes, not values: a date parsed with an offset encodes in UTC
// only after one round.)
func FuzzParse(f *testing.F) {
	if full, err := os.ReadFile("testdata/full.xml"); err == nil {
		f.Add(full)
	}
	f.Add([]byte(doc(rule("a", all+expire))))
	f.Add([]byte(doc(rule("a", `<Filter><ObjectSizeGreaterThan>5</ObjectSizeGreaterThan></Filter><Transition><Date>2030-01-01T01:00:00+01:00</Date><StorageClass>X</StorageClass></Transition>`))))
	f.Add([]byte(`<LifecycleConfiguration><Rule><Prefix/><Status>Disabled</Status><NoncurrentVersionTransition><NoncurrentDays>0</NoncurrentDays><StorageClass>S</StorageClass></NoncurrentVersionTransition></Rule></LifecycleConfiguration>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(bytes.NewReader(data))
		if err != nil {
			return
		}
		if c.Validate() != nil {
			return
		}
		enc, err := c.Encode()
		if err != nil {
			t.Fatalf("Encode of a valid configuration: %v", err)
		}
		again, err := Parse(bytes.NewReader(enc))
		if err != nil {
			t.Fatalf("Parse(Encode()) = %v for %s", err, enc)
		}
		if err := again.Validate(); err != nil {
			t.Fatalf("round trip made a valid configuration invalid: %v\n%s", err, enc)
		}
		enc2, err := again.Encode()
		if err != nil || !bytes.Equal(enc, enc2) {
			t.Fatalf("second round changed\n%s\ninto\n%s (%v)", enc, enc2, err)
		}
	})
}
