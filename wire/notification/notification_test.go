package notification

import (
	"bytes"
	"errors"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/kurastore/kura/s3err"
)

const ns = `xmlns="http://s3.amazonaws.com/doc/2006-03-01/"`

func readFull(t *testing.T) *Configuration {
	t.Helper()
	f, err := os.Open("testdata/full.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestParseFull(t *testing.T) {
	c := readFull(t)
	want := &Configuration{
		Queues: []QueueConfiguration{{
			ID:     "images",
			ARN:    "arn:minio:sqs::1:webhook",
			Events: []string{"s3:ObjectCreated:*", "s3:ObjectRemoved:Delete"},
			Filter: &Filter{Key: KeyFilter{Rules: []FilterRule{{"prefix", "images/"}, {"Suffix", ".jpg"}}}},
		}},
		Topics: []TopicConfiguration{{
			ID:     "audit",
			ARN:    "arn:aws:sns:us-east-1:123456789012:audit",
			Events: []string{"s3:ObjectAccessed:*"},
		}},
		CloudFunctions: []CloudFunctionConfiguration{{
			ARN:    "arn:aws:lambda:us-west-2:123456789012:function:thumbnail",
			Events: []string{"s3:ObjectCreated:Put"},
		}},
	}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("Parse =\n%+v\nwant\n%+v", c, want)
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
		{"empty with namespace", `<NotificationConfiguration ` + ns + `></NotificationConfiguration>`, nil},
		{"empty without namespace", `<NotificationConfiguration/>`, nil},
		{"unknown element ignored", `<NotificationConfiguration><EventBridgeConfiguration></EventBridgeConfiguration></NotificationConfiguration>`, nil},
		{"wrong root", `<Notification/>`, s3err.ErrMalformedXML},
		{"truncated", `<NotificationConfiguration><QueueConfiguration>`, s3err.ErrMalformedXML},
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
	doc := `<NotificationConfiguration/>`
	padded := func(size int) string { return doc + strings.Repeat(" ", size-len(doc)) }
	if _, err := Parse(strings.NewReader(padded(MaxDocumentSize))); err != nil {
		t.Fatalf("document of MaxDocumentSize: %v", err)
	}
	if _, err := Parse(strings.NewReader(padded(MaxDocumentSize + 1))); !errors.Is(err, s3err.ErrRequestBodyTooLarge) {
		t.Fatalf("document of MaxDocumentSize+1: error = %v, want MaxMessageLengthExceeded", err)
	}
}

func TestEncodeEmpty(t *testing.T) {
	got, err := (&Configuration{}).Encode()
	if err != nil {
		t.Fatal(err)
	}
	if want := `<NotificationConfiguration ` + ns + `></NotificationConfiguration>`; string(got) != want {
		t.Fatalf("Encode = %s, want %s", got, want)
	}
}

func TestEncode(t *testing.T) {
	c := &Configuration{Queues: []QueueConfiguration{{
		ID:     "1",
		ARN:    "arn:minio:sqs::1:webhook",
		Events: []string{"s3:ObjectCreated:Put"},
		Filter: &Filter{Key: KeyFilter{Rules: []FilterRule{{"prefix", "a/"}}}},
	}}}
	got, err := c.Encode()
	if err != nil {
		t.Fatal(err)
	}
	want := `<NotificationConfiguration ` + ns + `><QueueConfiguration><Id>1</Id><Queue>arn:minio:sqs::1:webhook</Queue>` +
		`<Event>s3:ObjectCreated:Put</Event><Filter><S3Key><FilterRule><Name>prefix</Name><Value>a/</Value></FilterRule></S3Key></Filter>` +
		`</QueueConfiguration></NotificationConfiguration>`
	if string(got) != want {
		t.Fatalf("Encode =\n%s\nwant\n%s", got, want)
	}
}

func TestRoundTrip(t *testing.T) {
	for _, c := range []*Configuration{{}, readFull(t)} {
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

func TestValidate(t *testing.T) {
	queue := func(edit func(*QueueConfiguration)) *Configuration {
		q := QueueConfiguration{ID: "q", ARN: "arn:minio:sqs:us-east-1:1:webhook", Events: []string{"s3:ObjectCreated:*"}}
		edit(&q)
		return &Configuration{Queues: []QueueConfiguration{q}}
	}
	filter := func(rules ...FilterRule) *Filter { return &Filter{Key: KeyFilter{Rules: rules}} }
	tests := []struct {
		name string
		c    *Configuration
		err  error // nil means valid
		msg  string
	}{
		{"empty", &Configuration{}, nil, ""},
		{"minio queue", queue(func(*QueueConfiguration) {}), nil, ""},
		{"minio queue without region", queue(func(q *QueueConfiguration) { q.ARN = "arn:minio:sqs::primary:kafka" }), nil, ""},
		{"aws queue", queue(func(q *QueueConfiguration) { q.ARN = "arn:aws:sqs:eu-west-1:123456789012:q" }), nil, ""},
		{"aws-cn queue", queue(func(q *QueueConfiguration) { q.ARN = "arn:aws-cn:sqs:cn-north-1:123456789012:q" }), nil, ""},
		{"every MinIO extra", queue(func(q *QueueConfiguration) {
			q.Events = []string{"s3:ObjectAccessed:*", "s3:ObjectAccessed:Get", "s3:ObjectAccessed:Head", "s3:ObjectRemoved:NoOP"}
		}), nil, ""},
		{"no ID", queue(func(q *QueueConfiguration) { q.ID = "" }), nil, ""},
		{"missing ARN", queue(func(q *QueueConfiguration) { q.ARN = "" }), s3err.ErrMalformedXML, ""},
		{"no events", queue(func(q *QueueConfiguration) { q.Events = nil }), s3err.ErrMalformedXML, ""},
		{"ARN not arn", queue(func(q *QueueConfiguration) { q.ARN = "urn:minio:sqs::1:webhook" }), s3err.ErrInvalidTargetARN, ""},
		{"ARN too short", queue(func(q *QueueConfiguration) { q.ARN = "arn:minio:sqs::1" }), s3err.ErrInvalidTargetARN, ""},
		{"ARN unknown partition", queue(func(q *QueueConfiguration) { q.ARN = "arn:gcp:sqs::1:webhook" }), s3err.ErrInvalidTargetARN, ""},
		{"ARN without service", queue(func(q *QueueConfiguration) { q.ARN = "arn:minio:::1:webhook" }), s3err.ErrInvalidTargetARN, ""},
		{"ARN without ID", queue(func(q *QueueConfiguration) { q.ARN = "arn:minio:sqs:::webhook" }), s3err.ErrInvalidTargetARN, ""},
		{"ARN without type", queue(func(q *QueueConfiguration) { q.ARN = "arn:minio:sqs::1:" }), s3err.ErrInvalidTargetARN, ""},
		{"ARN with space", queue(func(q *QueueConfiguration) { q.ARN = "arn:minio:sqs::1:web hook" }), s3err.ErrInvalidTargetARN, ""},
		{"unknown event", queue(func(q *QueueConfiguration) { q.Events = []string{"s3:ObjectCreated:Patch"} }), s3err.ErrInvalidArgument,
			`The event "s3:ObjectCreated:Patch" is not supported for notifications`},
		{"bare wildcard event", queue(func(q *QueueConfiguration) { q.Events = []string{"s3:*"} }), s3err.ErrInvalidArgument, ""},
		{"prefix and suffix", queue(func(q *QueueConfiguration) {
			q.Filter = filter(FilterRule{"prefix", "a/"}, FilterRule{"suffix", ".png"})
		}), nil, ""},
		{"capitalised names", queue(func(q *QueueConfiguration) {
			q.Filter = filter(FilterRule{"Prefix", "a/"}, FilterRule{"SUFFIX", ".png"})
		}), nil, ""},
		{"empty filter", queue(func(q *QueueConfiguration) { q.Filter = filter() }), nil, ""},
		{"two prefixes", queue(func(q *QueueConfiguration) { q.Filter = filter(FilterRule{"prefix", "a/"}, FilterRule{"prefix", "b/"}) }),
			s3err.ErrInvalidArgument, "Cannot specify more than one prefix rule in a filter."},
		{"two suffixes", queue(func(q *QueueConfiguration) { q.Filter = filter(FilterRule{"suffix", "a"}, FilterRule{"Suffix", "b"}) }),
			s3err.ErrInvalidArgument, "Cannot specify more than one suffix rule in a filter."},
		{"other rule name", queue(func(q *QueueConfiguration) { q.Filter = filter(FilterRule{"regex", ".*"}) }),
			s3err.ErrInvalidArgument, "filter rule name must be either prefix or suffix"},
		{"duplicate IDs across kinds", &Configuration{
			Queues: []QueueConfiguration{{ID: "x", ARN: "arn:minio:sqs::1:webhook", Events: []string{"s3:ObjectCreated:*"}}},
			Topics: []TopicConfiguration{{ID: "x", ARN: "arn:aws:sns:us-east-1:1:t", Events: []string{"s3:ObjectRemoved:*"}}},
		}, s3err.ErrInvalidArgument, `Configurations must have unique IDs; "x" is used twice`},
		{"several without IDs", &Configuration{
			Queues: []QueueConfiguration{
				{ARN: "arn:minio:sqs::1:webhook", Events: []string{"s3:ObjectCreated:*"}},
				{ARN: "arn:minio:sqs::2:webhook", Events: []string{"s3:ObjectCreated:*"}},
			},
		}, nil, ""},
		{"one destination, overlapping prefixes", &Configuration{
			Queues: []QueueConfiguration{
				{ARN: "arn:minio:sqs::1:webhook", Events: []string{"s3:ObjectCreated:*"}, Filter: &Filter{Key: KeyFilter{Rules: []FilterRule{{"prefix", "a/"}}}}},
				{ARN: "arn:minio:sqs::1:webhook", Events: []string{"s3:ObjectCreated:Put"}, Filter: &Filter{Key: KeyFilter{Rules: []FilterRule{{"prefix", "a/b/"}}}}},
			},
		}, s3err.ErrInvalidArgument, "Configurations overlap. Configurations on the same bucket cannot share a common event type."},
		{"one destination, disjoint prefixes", &Configuration{
			Queues: []QueueConfiguration{
				{ARN: "arn:minio:sqs::1:webhook", Events: []string{"s3:ObjectCreated:*"}, Filter: &Filter{Key: KeyFilter{Rules: []FilterRule{{"prefix", "a/"}}}}},
				{ARN: "arn:minio:sqs::1:webhook", Events: []string{"s3:ObjectCreated:Put"}, Filter: &Filter{Key: KeyFilter{Rules: []FilterRule{{"prefix", "b/"}}}}},
			},
		}, nil, ""},
		{"one destination, disjoint suffixes", &Configuration{
			Queues: []QueueConfiguration{
				{ARN: "arn:minio:sqs::1:webhook", Events: []string{"s3:ObjectCreated:*"}, Filter: &Filter{Key: KeyFilter{Rules: []FilterRule{{"suffix", ".jpg"}}}}},
				{ARN: "arn:minio:sqs::1:webhook", Events: []string{"s3:ObjectCreated:*"}, Filter: &Filter{Key: KeyFilter{Rules: []FilterRule{{"suffix", ".png"}}}}},
			},
		}, nil, ""},
		{"one destination, other events", &Configuration{
			Queues: []QueueConfiguration{
				{ARN: "arn:minio:sqs::1:webhook", Events: []string{"s3:ObjectCreated:*"}},
				{ARN: "arn:minio:sqs::1:webhook", Events: []string{"s3:ObjectRemoved:*"}},
			},
		}, nil, ""},
		{"bad function ARN", &Configuration{
			CloudFunctions: []CloudFunctionConfiguration{{ARN: "lambda", Events: []string{"s3:ObjectCreated:*"}}},
		}, s3err.ErrInvalidTargetARN, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.c.Validate()
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

func TestParseARN(t *testing.T) {
	a, err := ParseARN("arn:aws:lambda:us-west-2:123456789012:function:thumbnail")
	if err != nil {
		t.Fatal(err)
	}
	want := ARN{Partition: "aws", Service: "lambda", Region: "us-west-2", AccountID: "123456789012", Resource: "function:thumbnail"}
	if a != want {
		t.Fatalf("ParseARN = %+v, want %+v", a, want)
	}
	if a.String() != "arn:aws:lambda:us-west-2:123456789012:function:thumbnail" {
		t.Fatalf("String = %q", a.String())
	}
	m, err := ParseARN("arn:minio:sqs::1:webhook")
	if err != nil || m.AccountID != "1" || m.Resource != "webhook" || m.Region != "" {
		t.Fatalf("ParseARN(minio) = %+v, %v", m, err)
	}
}

func TestMatch(t *testing.T) {
	c := readFull(t)
	const (
		queue = "arn:minio:sqs::1:webhook"
		topic = "arn:aws:sns:us-east-1:123456789012:audit"
		fn    = "arn:aws:lambda:us-west-2:123456789012:function:thumbnail"
	)
	// A second queue with the same ARN must not deliver twice.
	c.Queues = append(c.Queues, QueueConfiguration{ARN: queue, Events: []string{"s3:ObjectCreated:Put"}})
	tests := []struct {
		event, key string
		want       []string
	}{
		{"s3:ObjectCreated:Put", "images/cat.jpg", []string{queue, fn}},
		{"s3:ObjectCreated:Put", "docs/cat.jpg", []string{queue, fn}},
		{"s3:ObjectCreated:Copy", "images/cat.jpg", []string{queue}},
		{"s3:ObjectCreated:Copy", "images/cat.png", nil},
		{"s3:ObjectCreated:Copy", "cat.jpg", nil},
		{"s3:ObjectRemoved:Delete", "images/a.jpg", []string{queue}},
		{"s3:ObjectRemoved:DeleteMarkerCreated", "images/a.jpg", nil},
		{"s3:ObjectAccessed:Get", "anything", []string{topic}},
		{"s3:ObjectAccessed:Head", "", []string{topic}},
		{"s3:ObjectRestore:Post", "images/a.jpg", nil},
		{"s3:ObjectCreatedX:Put", "images/a.jpg", nil},
	}
	for _, tt := range tests {
		if got := c.Match(tt.event, tt.key); !slices.Equal(got, tt.want) {
			t.Errorf("Match(%q, %q) = %q, want %q", tt.event, tt.key, got, tt.want)
		}
	}
	var none *Configuration
	if got := none.Match("s3:ObjectCreated:Put", "k"); got != nil {
		t.Errorf("nil configuration matched %q", got)
	}
}

func TestEventMatches(t *testing.T) {
	tests := []struct {
		subscribed, event string
		want              bool
	}{
		{"s3:ObjectCreated:Put", "s3:ObjectCreated:Put", true},
		{"s3:ObjectCreated:Put", "s3:ObjectCreated:Post", false},
		{"s3:ObjectCreated:*", "s3:ObjectCreated:CompleteMultipartUpload", true},
		{"s3:ObjectCreated:*", "s3:ObjectRemoved:Delete", false},
		{"s3:ObjectCreated*", "s3:ObjectCreatedX", false},
		{"s3:LifecycleTransition", "s3:LifecycleTransition", true},
		{"s3:LifecycleTransition", "s3:ObjectTransition:Complete", true},
		{"s3:ObjectTransition:*", "s3:ObjectTransition:Complete", true},
		{"s3:ObjectTransition:Complete", "s3:ObjectTransition:Failed", false},
	}
	for _, tt := range tests {
		if got := eventMatches(tt.subscribed, tt.event); got != tt.want {
			t.Errorf("eventMatches(%q, %q) = %v, want %v", tt.subscribed, tt.event, got, tt.want)
		}
	}
}
