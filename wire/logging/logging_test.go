package logging

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kurastore/kura/s3err"
)

const awsExample = `<?xml version="1.0" encoding="UTF-8"?>
<BucketLoggingStatus xmlns="http://doc.s3.amazonaws.com/2006-03-01">
  <LoggingEnabled>
    <TargetBucket>logs</TargetBucket>
    <TargetPrefix>src/</TargetPrefix>
    <TargetGrants>
      <Grant>
        <Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="AmazonCustomerByEmail">
          <EmailAddress>user@example.com</EmailAddress>
        </Grantee>
        <Permission>READ</Permission>
      </Grant>
    </TargetGrants>
    <TargetObjectKeyFormat><PartitionedPrefix><PartitionDateSource>EventTime</PartitionDateSource></PartitionedPrefix></TargetObjectKeyFormat>
  </LoggingEnabled>
</BucketLoggingStatus>`

func TestParse(t *testing.T) {
	enabled := func(body string) string {
		return `<BucketLoggingStatus><LoggingEnabled>` + body + `</LoggingEnabled></BucketLoggingStatus>`
	}
	grant := func(typ, inner, perm string) string {
		return enabled(`<TargetBucket>b</TargetBucket><TargetPrefix></TargetPrefix><TargetGrants><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="` +
			typ + `">` + inner + `</Grantee><Permission>` + perm + `</Permission></Grant></TargetGrants>`)
	}
	tests := []struct {
		name string
		doc  string
		want *Status
		err  error
	}{
		{"empty disables", `<BucketLoggingStatus xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>`, &Status{}, nil},
		{"AWS example", awsExample, &Status{Enabled: &Enabled{
			TargetBucket: "logs", TargetPrefix: "src/", Partitioned: true, DateSource: EventTime,
			TargetGrants: []Grant{{Type: GranteeEmail, EmailAddress: "user@example.com", Permission: PermissionRead}},
		}}, nil},
		{"simple", enabled(`<TargetBucket>b</TargetBucket><TargetPrefix>p</TargetPrefix>`),
			&Status{Enabled: &Enabled{TargetBucket: "b", TargetPrefix: "p"}}, nil},
		{"simple named", enabled(`<TargetBucket>b</TargetBucket><TargetPrefix/><TargetObjectKeyFormat><SimplePrefix/></TargetObjectKeyFormat>`),
			&Status{Enabled: &Enabled{TargetBucket: "b"}}, nil},
		{"partitioned default source", enabled(`<TargetBucket>b</TargetBucket><TargetPrefix/><TargetObjectKeyFormat><PartitionedPrefix/></TargetObjectKeyFormat>`),
			&Status{Enabled: &Enabled{TargetBucket: "b", Partitioned: true, DateSource: DeliveryTime}}, nil},
		{"group grant", grant("Group", `<URI>http://acs.amazonaws.com/groups/global/AllUsers</URI>`, "FULL_CONTROL"),
			&Status{Enabled: &Enabled{TargetBucket: "b", TargetGrants: []Grant{{Type: GranteeGroup, URI: "http://acs.amazonaws.com/groups/global/AllUsers", Permission: PermissionFullControl}}}}, nil},
		{"user grant", grant("CanonicalUser", `<ID>abc</ID><DisplayName>d</DisplayName>`, "WRITE"),
			&Status{Enabled: &Enabled{TargetBucket: "b", TargetGrants: []Grant{{Type: GranteeCanonicalUser, ID: "abc", DisplayName: "d", Permission: PermissionWrite}}}}, nil},
		{"no target bucket", enabled(`<TargetPrefix>p</TargetPrefix>`), nil, s3err.ErrMalformedXML},
		{"blank target bucket", enabled(`<TargetBucket> </TargetBucket><TargetPrefix>p</TargetPrefix>`), nil, s3err.ErrMalformedXML},
		{"no target prefix", enabled(`<TargetBucket>b</TargetBucket>`), nil, s3err.ErrMalformedXML},
		{"unknown element", enabled(`<TargetBucket>b</TargetBucket><TargetPrefix/><Colour>red</Colour>`), nil, s3err.ErrMalformedXML},
		{"both formats", enabled(`<TargetBucket>b</TargetBucket><TargetPrefix/><TargetObjectKeyFormat><SimplePrefix/><PartitionedPrefix/></TargetObjectKeyFormat>`), nil, s3err.ErrMalformedXML},
		{"no format", enabled(`<TargetBucket>b</TargetBucket><TargetPrefix/><TargetObjectKeyFormat/>`), nil, s3err.ErrMalformedXML},
		{"bad date source", enabled(`<TargetBucket>b</TargetBucket><TargetPrefix/><TargetObjectKeyFormat><PartitionedPrefix><PartitionDateSource>Now</PartitionDateSource></PartitionedPrefix></TargetObjectKeyFormat>`), nil, s3err.ErrMalformedXML},
		{"bad permission", grant("Group", `<URI>u</URI>`, "READ_ACP"), nil, s3err.ErrMalformedXML},
		{"bad grantee type", grant("Robot", `<ID>x</ID>`, "READ"), nil, s3err.ErrMalformedXML},
		{"grantee without its name", grant("CanonicalUser", `<URI>u</URI>`, "READ"), nil, s3err.ErrMalformedXML},
		{"grant without grantee", enabled(`<TargetBucket>b</TargetBucket><TargetPrefix/><TargetGrants><Grant><Permission>READ</Permission></Grant></TargetGrants>`), nil, s3err.ErrMalformedXML},
		{"not XML", `logging please`, nil, s3err.ErrMalformedXML},
		{"other root", `<LoggingStatus/>`, nil, s3err.ErrMalformedXML},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(strings.NewReader(tt.doc))
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got.Enabled, tt.want.Enabled)
			}
		})
	}
}

func TestTargetGrantsLimit(t *testing.T) {
	doc := func(n int) string {
		g := strings.Repeat(`<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>i</ID></Grantee><Permission>READ</Permission></Grant>`, n)
		return `<BucketLoggingStatus><LoggingEnabled><TargetBucket>b</TargetBucket><TargetPrefix/><TargetGrants>` + g + `</TargetGrants></LoggingEnabled></BucketLoggingStatus>`
	}
	if s, err := Parse(strings.NewReader(doc(MaxTargetGrants))); err != nil || len(s.Enabled.TargetGrants) != MaxTargetGrants {
		t.Fatalf("%d grants: %v", MaxTargetGrants, err)
	}
	if _, err := Parse(strings.NewReader(doc(MaxTargetGrants + 1))); !errors.Is(err, s3err.ErrMalformedXML) {
		t.Fatalf("%d grants: err = %v", MaxTargetGrants+1, err)
	}
}

func TestDocumentSizeLimit(t *testing.T) {
	head := `<BucketLoggingStatus><LoggingEnabled><TargetBucket>b</TargetBucket><TargetPrefix>`
	tail := `</TargetPrefix></LoggingEnabled></BucketLoggingStatus>`
	pad := MaxDocumentSize - len(head) - len(tail)
	if _, err := Parse(strings.NewReader(head + strings.Repeat("a", pad) + tail)); err != nil {
		t.Fatalf("document of the limit: %v", err)
	}
	if _, err := Parse(strings.NewReader(head + strings.Repeat("a", pad+1) + tail)); !errors.Is(err, s3err.ErrRequestBodyTooLarge) {
		t.Fatalf("document over the limit: err = %v", err)
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	s, err := Parse(strings.NewReader(awsExample))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := s.Encode()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`xmlns="http://s3.amazonaws.com/doc/2006-03-01/"`, `xsi:type="AmazonCustomerByEmail"`,
		`xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"`, `<PartitionDateSource>EventTime</PartitionDateSource>`} {
		if !strings.Contains(string(doc), want) {
			t.Errorf("encoded document lacks %s:\n%s", want, doc)
		}
	}
	again, err := Parse(strings.NewReader(string(doc)))
	if err != nil {
		t.Fatalf("Parse(Encode()): %v\n%s", err, doc)
	}
	if !reflect.DeepEqual(s, again) {
		t.Fatalf("round trip changed %+v into %+v", s.Enabled, again.Enabled)
	}
	off, _ := (&Status{}).Encode()
	if string(off) != `<BucketLoggingStatus xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></BucketLoggingStatus>` {
		t.Fatalf("disabled status encodes as %s", off)
	}
}

func TestObjectKey(t *testing.T) {
	delivered := time.Date(2026, 12, 5, 6, 7, 8, 900, time.UTC)
	event := time.Date(2026, 12, 4, 23, 59, 59, 0, time.UTC)
	p := KeyParts{SourceAccount: "123456789012", SourceRegion: "us-east-1", SourceBucket: "src", Delivered: delivered, Event: event, Unique: "ABCDEF"}
	tests := []struct {
		e    Enabled
		want string
	}{
		{Enabled{TargetPrefix: "logs/"}, "logs/2026-12-05-06-07-08-ABCDEF"},
		{Enabled{}, "2026-12-05-06-07-08-ABCDEF"},
		{Enabled{TargetPrefix: "l/", Partitioned: true, DateSource: DeliveryTime}, "l/123456789012/us-east-1/src/2026/12/05/2026-12-05-06-07-08-ABCDEF"},
		{Enabled{TargetPrefix: "l/", Partitioned: true, DateSource: EventTime}, "l/123456789012/us-east-1/src/2026/12/04/2026-12-05-06-07-08-ABCDEF"},
	}
	for _, tt := range tests {
		if got := tt.e.ObjectKey(p); got != tt.want {
			t.Errorf("ObjectKey(%+v) = %s, want %s", tt.e, got, tt.want)
		}
	}
}
