package sse

import (
	"bytes"
	"reflect"
	"testing"
)

// FuzzParse checks that Parse never panics and that a valid configuration
// survives Encode and Parse unchanged.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>`))
	f.Add([]byte(`<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>k</KMSMasterKeyID></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>true</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>`))
	f.Add([]byte(`<ServerSideEncryptionConfiguration/>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(bytes.NewReader(data))
		if err != nil || c.Validate() != nil {
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
