package accesslog

import (
	"strings"
	"testing"
	"time"
)

func TestLineFieldsInOrder(t *testing.T) {
	r := Record{
		BucketOwner: "79a59df900b949e5", Bucket: "awsexamplebucket1",
		Time:     time.Date(2019, 2, 6, 0, 0, 38, 0, time.UTC),
		RemoteIP: "192.0.2.3", Requester: "79a59df900b949e5", RequestID: "3E57427F3EXAMPLE",
		Operation: "REST.GET.VERSIONING", RequestURI: "GET /awsexamplebucket1?versioning HTTP/1.1",
		Status: 200, BytesSent: 113, ObjectSize: -1, TotalTime: 7 * time.Millisecond, TurnAround: -1,
		UserAgent: "S3Console/0.4", HostID: "s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234=",
		SignatureVersion: "SigV4", CipherSuite: "ECDHE-RSA-AES128-GCM-SHA256", AuthType: "AuthHeader",
		HostHeader: "awsexamplebucket1.s3.us-west-1.amazonaws.com", TLSVersion: "TLSV1.2",
		AccessPointARN: "arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP", ACLRequired: true,
	}
	want := `79a59df900b949e5 awsexamplebucket1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 79a59df900b949e5 3E57427F3EXAMPLE REST.GET.VERSIONING - "GET /awsexamplebucket1?versioning HTTP/1.1" 200 - 113 - 7 - "-" "S3Console/0.4" - s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader awsexamplebucket1.s3.us-west-1.amazonaws.com TLSV1.2 arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP Yes`
	if got := r.Line(); got != want {
		t.Fatalf("line\n%s\nwant\n%s", got, want)
	}
}

func TestLineEmptyAndAwkwardFields(t *testing.T) {
	r := Record{Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600)), Key: "dir/a b+c%.txt",
		Status: 404, ErrorCode: "NoSuchKey", ObjectSize: 0, TurnAround: 0,
		RequestURI: `GET /b/x"y HTTP/1.1`, UserAgent: "agent\twith\ttabs", Referer: `a\b`, Requester: "two words"}
	fields := strings.Split(r.Line(), " ")
	// The time is taken in UTC; empty fields are "-"; a zero object size
	// is "-" but a zero time is 0.
	for _, want := range []string{"[02/Jan/2026:02:04:05", "+0000]", "dir/a%20b+c%25.txt", "404", "NoSuchKey", "two_words",
		`"GET`, `/b/x\"y`, `"a\\b"`, `"agent\x09with\x09tabs"`} {
		found := false
		for _, f := range fields {
			found = found || f == want
		}
		if !found {
			t.Errorf("no field %s in %q", want, r.Line())
		}
	}
	if got, want := len(fields), 26+3; got != want { // the time and request line hold spaces
		t.Errorf("%d space-separated parts, want %d: %q", got, want, r.Line())
	}
}
