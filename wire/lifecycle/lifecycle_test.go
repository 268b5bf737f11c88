package lifecycle

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/tagging"
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
	date := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	want := &Configuration{Rules: []Rule{
		{
			ID: "documents", Status: Enabled, Filter: &Filter{Prefix: ptr("documents/")},
			Transitions: []Transition{{Days: ptr(30), StorageClass: "STANDARD_IA"}, {Days: ptr(365), StorageClass: "GLACIER"}},
			Expiration:  &Expiration{Days: 3650},
		},
		{
			ID: "tagged-large", Status: Disabled,
			Filter: &Filter{And: &And{
				Prefix: "logs/", Tags: []tagging.Tag{{Key: "class", Value: "debug"}, {Key: "team", Value: "core"}},
				ObjectSizeGreaterThan: 1024, ObjectSizeLessThan: 1 << 20,
			}},
			Expiration: &Expiration{Date: &date},
		},
		{
			ID: "versions", Status: Enabled, Filter: &Filter{},
			Expiration:                     &Expiration{ExpiredObjectDeleteMarker: true},
			NoncurrentVersionTransitions:   []NoncurrentVersionTransition{{NoncurrentDays: 0, StorageClass: "WARM-TIER"}},
			NoncurrentVersionExpiration:    &NoncurrentVersionExpiration{NoncurrentDays: 90, NewerNoncurrentVersions: 5},
			AbortIncompleteMultipartUpload: &AbortIncompleteMultipartUpload{DaysAfterInitiation: 7},
		},
		{ID: "legacy", Status: Enabled, Prefix: ptr(""), Expiration: &Expiration{Days: 1}},
	}}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("Parse =\n%+v\nwant\n%+v", c, want)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := c.Rules[1].Filter.Tags(); len(got) != 2 {
		t.Fatalf("Tags of the And filter = %v", got)
	}
}

func TestRoundTrip(t *testing.T) {
	c := readFull(t)
	doc, err := c.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(doc, []byte(`<LifecycleConfiguration `+ns+`>`)) {
		t.Fatalf("Encode = %s", doc)
	}
	again, err := Parse(bytes.NewReader(doc))
	if err != nil {
		t.Fatalf("Parse(Encode()): %v", err)
	}
	if !reflect.DeepEqual(c, again) {
		t.Fatalf("round trip changed\n%+v\ninto\n%+v", c, again)
	}
}

// doc wraps rules in a configuration.
func doc(rules ...string) string {
	return `<LifecycleConfiguration>` + strings.Join(rules, "") + `</LifecycleConfiguration>`
}

// rule is a rule with an ID, a status, and the given filter and actions.
func rule(id, body string) string {
	return `<Rule><ID>` + id + `</ID><Status>Enabled</Status>` + body + `</Rule>`
}

const (
	expire  = `<Expiration><Days>1</Days></Expiration>`
	all     = `<Filter></Filter>`
	tagOnly = `<Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter>`
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		err  error // nil means valid
	}{
		{"minimal", doc(rule("a", all+expire)), nil},
		{"no id", doc(`<Rule><Status>Enabled</Status>` + all + expire + `</Rule>`), nil},
		{"tag filter", doc(rule("a", tagOnly+expire)), nil},
		{"size filter", doc(rule("a", `<Filter><ObjectSizeGreaterThan>0</ObjectSizeGreaterThan></Filter>`+expire)), nil},
		{"transition at once", doc(rule("a", all+`<Transition><Days>0</Days><StorageClass>GLACIER</StorageClass></Transition>`)), nil},
		{"transition by date", doc(rule("a", all+`<Transition><Date>2030-01-01T00:00:00Z</Date><StorageClass>GLACIER</StorageClass></Transition>`)), nil},
		{"abort uploads", doc(rule("a", `<Filter><Prefix>p/</Prefix></Filter><AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload>`)), nil},
		{"no rules", doc(), s3err.ErrMalformedXML},
		{"bad status", doc(`<Rule><Status>On</Status>` + all + expire + `</Rule>`), s3err.ErrMalformedXML},
		{"no filter nor prefix", doc(rule("a", expire)), s3err.ErrMalformedXML},
		{"filter and prefix", doc(rule("a", all+`<Prefix>p</Prefix>`+expire)), s3err.ErrMalformedXML},
		{"two predicates", doc(rule("a", `<Filter><Prefix>p</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></Filter>`+expire)), s3err.ErrMalformedXML},
		{"empty and", doc(rule("a", `<Filter><And></And></Filter>`+expire)), s3err.ErrMalformedXML},
		{"duplicate and tags", doc(rule("a", `<Filter><And><Tag><Key>k</Key><Value>1</Value></Tag><Tag><Key>k</Key><Value>2</Value></Tag></And></Filter>`+expire)), s3err.ErrInvalidRequest},
		{"bad tag", doc(rule("a", `<Filter><Tag><Key></Key><Value>v</Value></Tag></Filter>`+expire)), s3err.ErrInvalidTag},
		{"sizes reversed", doc(rule("a", `<Filter><And><ObjectSizeGreaterThan>10</ObjectSizeGreaterThan><ObjectSizeLessThan>10</ObjectSizeLessThan></And></Filter>`+expire)), s3err.ErrInvalidRequest},
		{"negative size", doc(rule("a", `<Filter><ObjectSizeLessThan>-1</ObjectSizeLessThan></Filter>`+expire)), s3err.ErrInvalidArgument},
		{"size not a number", doc(rule("a", `<Filter><ObjectSizeLessThan>x</ObjectSizeLessThan></Filter>`+expire)), s3err.ErrMalformedXML},
		{"no action", doc(rule("a", all)), s3err.ErrInvalidRequest},
		{"empty expiration", doc(rule("a", all+`<Expiration></Expiration>`)), s3err.ErrMalformedXML},
		{"negative days", doc(rule("a", all+`<Expiration><Days>-1</Days></Expiration>`)), s3err.ErrInvalidArgument},
		{"expiration of 0 days", doc(rule("a", all+`<Expiration><Days>0</Days></Expiration>`)), s3err.ErrInvalidArgument},
		{"days and date", doc(rule("a", all+`<Expiration><Days>1</Days><Date>2030-01-01T00:00:00Z</Date></Expiration>`)), s3err.ErrMalformedXML},
		{"marker and days", doc(rule("a", all+`<Expiration><Days>1</Days><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>`)), s3err.ErrInvalidArgument},
		{"marker with tags", doc(rule("a", tagOnly+`<Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>`)), s3err.ErrInvalidRequest},
		{"date not at midnight", doc(rule("a", all+`<Expiration><Date>2030-01-01T12:00:00Z</Date></Expiration>`)), s3err.ErrInvalidArgument},
		{"date not ISO 8601", doc(rule("a", all+`<Expiration><Date>2030-01-01</Date></Expiration>`)), s3err.ErrMalformedXML},
		{"transition without class", doc(rule("a", all+`<Transition><Days>1</Days></Transition>`)), s3err.ErrMalformedXML},
		{"transition without time", doc(rule("a", all+`<Transition><StorageClass>GLACIER</StorageClass></Transition>`)), s3err.ErrMalformedXML},
		{"mixed transitions", doc(rule("a", all+`<Transition><Days>1</Days><StorageClass>A</StorageClass></Transition><Transition><Date>2030-01-01T00:00:00Z</Date><StorageClass>B</StorageClass></Transition>`)), s3err.ErrInvalidRequest},
		{"expiration the day of the transition", doc(rule("a", all+`<Expiration><Days>30</Days></Expiration><Transition><Days>30</Days><StorageClass>COLD</StorageClass></Transition>`)), s3err.ErrInvalidArgument},
		{"expiration before a later transition", doc(rule("a", all+`<Expiration><Days>30</Days></Expiration><Transition><Days>1</Days><StorageClass>WARM</StorageClass></Transition><Transition><Days>31</Days><StorageClass>COLD</StorageClass></Transition>`)), s3err.ErrInvalidArgument},
		{"expiration the day after the transition", doc(rule("a", all+`<Expiration><Days>31</Days></Expiration><Transition><Days>30</Days><StorageClass>COLD</StorageClass></Transition>`)), nil},
		{"noncurrent expiration of 0 days", doc(rule("a", all+`<NoncurrentVersionExpiration><NoncurrentDays>0</NoncurrentDays></NoncurrentVersionExpiration>`)), s3err.ErrInvalidArgument},
		{"noncurrent transition without class", doc(rule("a", all+`<NoncurrentVersionTransition><NoncurrentDays>1</NoncurrentDays></NoncurrentVersionTransition>`)), s3err.ErrMalformedXML},
		{"abort of 0 days", doc(rule("a", all+`<AbortIncompleteMultipartUpload><DaysAfterInitiation>0</DaysAfterInitiation></AbortIncompleteMultipartUpload>`)), s3err.ErrInvalidArgument},
		{"abort with tags", doc(rule("a", tagOnly+`<AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload>`)), s3err.ErrInvalidRequest},
		{"duplicate ids", doc(rule("a", all+expire), rule("a", all+expire)), s3err.ErrInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(strings.NewReader(tt.doc))
			if err == nil {
				err = c.Validate()
			}
			if tt.err == nil {
				if err != nil {
					t.Fatalf("%s: %v", tt.doc, err)
				}
				return
			}
			if !errors.Is(err, tt.err) {
				t.Fatalf("%s: error = %v, want %v", tt.doc, err, tt.err)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	rules := func(n int) *Configuration {
		c := &Configuration{}
		for i := range n {
			c.Rules = append(c.Rules, Rule{ID: fmt.Sprint(i), Status: Enabled, Filter: &Filter{}, Expiration: &Expiration{Days: 1}})
		}
		return c
	}
	withID := func(n int) *Configuration {
		c := rules(1)
		c.Rules[0].ID = strings.Repeat("é", n) // characters, not bytes
		return c
	}
	newer := func(n int) *Configuration {
		c := rules(1)
		c.Rules[0].NoncurrentVersionExpiration = &NoncurrentVersionExpiration{NoncurrentDays: 1, NewerNoncurrentVersions: n}
		return c
	}
	tests := []struct {
		name string
		c    *Configuration
		ok   bool
	}{
		{"MaxRules rules", rules(MaxRules), true},
		{"MaxRules+1 rules", rules(MaxRules + 1), false},
		{"ID of MaxIDLength", withID(MaxIDLength), true},
		{"ID of MaxIDLength+1", withID(MaxIDLength + 1), false},
		{"MaxNewerNoncurrentVersions", newer(MaxNewerNoncurrentVersions), true},
		{"MaxNewerNoncurrentVersions+1", newer(MaxNewerNoncurrentVersions + 1), false},
	}
	for _, tt := range tests {
		if err := tt.c.Validate(); (err == nil) != tt.ok {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	// The largest valid configuration still encodes within the bound.
	full := rules(MaxRules)
	for i := range full.Rules {
		full.Rules[i].ID = strings.Repeat("x", MaxIDLength-4) + fmt.Sprintf("%04d", i)
	}
	if enc, err := full.Encode(); err != nil || len(enc) > MaxDocumentSize {
		t.Fatalf("%d rules encode to %d bytes (%v)", MaxRules, len(enc), err)
	}
	d := doc(rule("a", all+expire))
	padded := func(size int) string { return d + strings.Repeat(" ", size-len(d)) }
	if _, err := Parse(strings.NewReader(padded(MaxDocumentSize))); err != nil {
		t.Fatalf("document of MaxDocumentSize: %v", err)
	}
	if _, err := Parse(strings.NewReader(padded(MaxDocumentSize + 1))); !errors.Is(err, s3err.ErrRequestBodyTooLarge) {
		t.Fatalf("document of MaxDocumentSize+1: %v", err)
	}
}

// ptr returns a pointer to v, for the optional fields of a configuration.
func ptr[T any](v T) *T { return &v }
