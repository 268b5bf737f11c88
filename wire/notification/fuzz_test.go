package notification

import (
	"bytes"
	"os"
	"reflect"
	"testing"
)

// FuzzParse checks that Parse never panics, that a valid configuration
// survives Encode and Parse unchanged, and that matching never panics.
func FuzzParse(f *testing.F) {
	if full, err := os.ReadFile("testdata/full.xml"); err == nil {
		f.Add(full)
	}
	f.Add([]byte(`<NotificationConfiguration/>`))
	f.Add([]byte(`<NotificationConfiguration><QueueConfiguration><Queue>arn:minio:sqs::1:webhook</Queue><Event>s3:ObjectCreated:*</Event><Filter><S3Key><FilterRule><Name>prefix</Name><Value>a</Value></FilterRule></S3Key></Filter></QueueConfiguration></NotificationConfiguration>`))
	f.Add([]byte(`<NotificationConfiguration><TopicConfiguration><Id>x</Id><Topic>arn:aws:sns:r:1:t</Topic><Event>s3:ObjectRemoved:NoOP</Event></TopicConfiguration></NotificationConfiguration>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(bytes.NewReader(data))
		if err != nil {
			return
		}
		c.Match("s3:ObjectCreated:Put", "a/b.jpg")
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
