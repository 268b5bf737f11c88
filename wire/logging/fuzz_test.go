package logging

import (
	"bytes"
	"reflect"
	"testing"
)

// FuzzParse checks that Parse never panics and that whatever it accepts
// survives Encode and Parse unchanged.
func FuzzParse(f *testing.F) {
	f.Add([]byte(awsExample))
	f.Add([]byte(`<BucketLoggingStatus/>`))
	f.Add([]byte(`<BucketLoggingStatus><LoggingEnabled><TargetBucket>b</TargetBucket><TargetPrefix>p</TargetPrefix><TargetObjectKeyFormat><SimplePrefix/></TargetObjectKeyFormat></LoggingEnabled></BucketLoggingStatus>`))
	f.Add([]byte(`<BucketLoggingStatus><LoggingEnabled><TargetBucket>b</TargetBucket><TargetPrefix/><TargetGrants><Grant><Grantee xsi:type="Group"><URI>u</URI></Grantee><Permission>WRITE</Permission></Grant></TargetGrants></LoggingEnabled></BucketLoggingStatus>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse(bytes.NewReader(data))
		if err != nil {
			return
		}
		doc, err := s.Encode()
		if err != nil {
			t.Fatalf("Encode of a parsed status: %v", err)
		}
		again, err := Parse(bytes.NewReader(doc))
		if err != nil {
			t.Fatalf("Parse(Encode()) = %v for %s", err, doc)
		}
		if !reflect.DeepEqual(s, again) {
			t.Fatalf("round trip changed\n%+v\ninto\n%+v", s.Enabled, again.Enabled)
		}
	})
}
