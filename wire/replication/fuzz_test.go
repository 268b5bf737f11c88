package replication

import (
	"bytes"
	"os"
	"reflect"
	"testing"
)

// FuzzParse checks that Parse never panics and that a valid configuration
// survives Encode and Parse unchanged.
func FuzzParse(f *testing.F) {
	if full, err := os.ReadFile("testdata/full.xml"); err == nil {
		f.Add(full)
	}
	f.Add([]byte(doc(rule(1, `<Filter/>`+markers+dest))))
	f.Add([]byte(`<ReplicationConfiguration><Rule><Status>Enabled</Status><Prefix/><Destination><Bucket>arn:minio:replication::x:b</Bucket></Destination></Rule></ReplicationConfiguration>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(bytes.NewReader(data))
		if err != nil || c.Validate() != nil {
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
		if !reflect.DeepEqual(c, again) {
			t.Fatalf("round trip changed\n%+v\ninto\n%+v", c, again)
		}
	})
}
