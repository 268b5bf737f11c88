package replication

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

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
	want := &Configuration{
		Role: "arn:aws:iam::123456789012:role/replication",
		Rules: []Rule{
			{
				ID: "tax", Priority: 2, Status: Enabled,
				Filter:                  &Filter{And: &And{Prefix: "TaxDocs", Tags: []tagging.Tag{{Key: "key1", Value: "value1"}, {Key: "key2", Value: "value2"}}}},
				DeleteMarkerReplication: &Status{Disabled},
				Destination: Destination{
					Bucket: "arn:aws:s3:::destination", StorageClass: "STANDARD_IA", Account: "210987654321",
					AccessControlTranslation: &AccessControlTranslation{Owner: "Destination"},
					EncryptionConfiguration:  &EncryptionConfiguration{ReplicaKMSKeyID: "arn:aws:kms:us-east-1:210987654321:key/k"},
					Metrics:                  &Metrics{Status: Enabled, EventThreshold: &Minutes{15}},
					ReplicationTime:          &ReplicationTime{Status: Enabled, Time: &Minutes{15}},
				},
				SourceSelectionCriteria: &SourceSelectionCriteria{SSEKMSEncryptedObjects: &Status{Enabled}, ReplicaModifications: &Status{Disabled}},
			},
			{
				ID: "minio", Priority: 1, Status: Enabled, Filter: &Filter{Prefix: ptr("")},
				DeleteMarkerReplication:   &Status{Enabled},
				DeleteReplication:         &Status{Enabled},
				ExistingObjectReplication: &Status{Enabled},
				Destination:               Destination{Bucket: "arn:minio:replication:us-east-1:c5be6b16-769d-432a-9ef1-4567081f3566:destination"},
			},
			{ID: "legacy", Status: Disabled, Prefix: ptr("old/"), Destination: Destination{Bucket: "arn:aws:s3:::destination"}},
		},
	}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("Parse =\n%+v\nwant\n%+v", c, want)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	doc, err := c.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(doc, []byte(`<ReplicationConfiguration `+ns+`><Role>`)) {
		t.Fatalf("Encode = %s", doc)
	}
	again, err := Parse(bytes.NewReader(doc))
	if err != nil || !reflect.DeepEqual(again, c) {
		t.Fatalf("round trip: %+v, %v", again, err)
	}
}

func doc(rules ...string) string {
	return `<ReplicationConfiguration><Role>arn:aws:iam::1:role/r</Role>` + strings.Join(rules, "") + `</ReplicationConfiguration>`
}

const (
	dest    = `<Destination><Bucket>arn:aws:s3:::d</Bucket></Destination>`
	markers = `<DeleteMarkerReplication><Status>Disabled</Status></DeleteMarkerReplication>`
)

// rule is a current-schema rule with the given priority, filter and the
// rest.
func rule(priority int, body string) string {
	return fmt.Sprintf(`<Rule><Priority>%d</Priority><Status>Enabled</Status>%s</Rule>`, priority, body)
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		err  error
	}{
		{"minimal", doc(rule(1, `<Filter/>`+markers+dest)), nil},
		{"legacy", doc(`<Rule><Status>Enabled</Status><Prefix>p</Prefix>` + dest + `</Rule>`), nil},
		{"no role", `<ReplicationConfiguration>` + rule(1, `<Filter/>`+markers+dest) + `</ReplicationConfiguration>`, nil},
		{"two rules", doc(rule(1, `<Filter/>`+markers+dest), rule(2, `<Filter/>`+markers+dest)), nil},
		{"no rules", doc(), s3err.ErrMalformedXML},
		{"bad status", doc(`<Rule><Status>On</Status><Filter/>` + markers + dest + `</Rule>`), s3err.ErrMalformedXML},
		{"filter and prefix", doc(rule(1, `<Filter/><Prefix>p</Prefix>`+markers+dest)), s3err.ErrMalformedXML},
		{"neither filter nor prefix", doc(rule(1, markers+dest)), s3err.ErrMalformedXML},
		{"two predicates", doc(rule(1, `<Filter><Prefix>a</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></Filter>`+markers+dest)), s3err.ErrMalformedXML},
		{"duplicate tag keys", doc(rule(1, `<Filter><And><Tag><Key>k</Key><Value>1</Value></Tag><Tag><Key>k</Key><Value>2</Value></Tag></And></Filter>`+markers+dest)), s3err.ErrInvalidRequest},
		{"invalid tag", doc(rule(1, `<Filter><Tag><Key>a*</Key><Value>v</Value></Tag></Filter>`+markers+dest)), s3err.ErrInvalidTag},
		{"no delete marker replication", doc(rule(1, `<Filter/>`+dest)), s3err.ErrInvalidRequest},
		{"delete markers with tags", doc(rule(1, `<Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter><DeleteMarkerReplication><Status>Enabled</Status></DeleteMarkerReplication>`+dest)), s3err.ErrInvalidRequest},
		{"bad delete replication", doc(rule(1, `<Filter/>`+markers+`<DeleteReplication><Status>Yes</Status></DeleteReplication>`+dest)), s3err.ErrMalformedXML},
		{"bad selection criteria", doc(rule(1, `<Filter/>`+markers+dest+`<SourceSelectionCriteria><ReplicaModifications><Status>On</Status></ReplicaModifications></SourceSelectionCriteria>`)), s3err.ErrMalformedXML},
		{"duplicate priority", doc(rule(1, `<Filter/>`+markers+dest), rule(1, `<Filter/>`+markers+dest)), s3err.ErrInvalidRequest},
		{"negative priority", doc(rule(-1, `<Filter/>`+markers+dest)), s3err.ErrInvalidArgument},
		{"duplicate ids", doc(`<Rule><ID>a</ID><Priority>1</Priority><Status>Enabled</Status><Filter/>`+markers+dest+`</Rule>`, `<Rule><ID>a</ID><Priority>2</Priority><Status>Enabled</Status><Filter/>`+markers+dest+`</Rule>`), s3err.ErrInvalidArgument},
		{"no destination", doc(rule(1, `<Filter/>`+markers)), s3err.ErrMalformedXML},
		{"destination not an ARN", doc(rule(1, `<Filter/>`+markers+`<Destination><Bucket>d</Bucket></Destination>`)), s3err.ErrInvalidArgument},
		{"bad owner", doc(rule(1, `<Filter/>`+markers+`<Destination><Bucket>arn:aws:s3:::d</Bucket><AccessControlTranslation><Owner>Me</Owner></AccessControlTranslation></Destination>`)), s3err.ErrMalformedXML},
		{"bad metrics status", doc(rule(1, `<Filter/>`+markers+`<Destination><Bucket>arn:aws:s3:::d</Bucket><Metrics><Status>x</Status></Metrics></Destination>`)), s3err.ErrMalformedXML},
		{"priority not a number", doc(`<Rule><Priority>one</Priority><Status>Enabled</Status><Filter/>` + markers + dest + `</Rule>`), s3err.ErrMalformedXML},
		{"wrong root", `<Replication/>`, s3err.ErrMalformedXML},
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
			c.Rules = append(c.Rules, Rule{Priority: i, Status: Enabled, Filter: &Filter{}, DeleteMarkerReplication: &Status{Disabled}, Destination: Destination{Bucket: "arn:aws:s3:::d"}})
		}
		return c
	}
	withID := func(n int) *Configuration {
		c := rules(1)
		c.Rules[0].ID = strings.Repeat("é", n)
		return c
	}
	for _, tt := range []struct {
		name string
		c    *Configuration
		ok   bool
	}{
		{"MaxRules rules", rules(MaxRules), true},
		{"MaxRules+1 rules", rules(MaxRules + 1), false},
		{"ID of MaxIDLength", withID(MaxIDLength), true},
		{"ID of MaxIDLength+1", withID(MaxIDLength + 1), false},
	} {
		if err := tt.c.Validate(); (err == nil) != tt.ok {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	d := doc(rule(1, `<Filter/>`+markers+dest))
	padded := func(size int) string { return d + strings.Repeat(" ", size-len(d)) }
	if _, err := Parse(strings.NewReader(padded(MaxDocumentSize))); err != nil {
		t.Fatalf("document of MaxDocumentSize: %v", err)
	}
	if _, err := Parse(strings.NewReader(padded(MaxDocumentSize + 1))); !errors.Is(err, s3err.ErrRequestBodyTooLarge) {
		t.Fatalf("document of MaxDocumentSize+1: %v", err)
	}
}

// MinIO's Go client sends every element of a rule, empty when unset, and
// minio-py's documented example sends a placeholder role: both are read
// as a rule without those settings.
func TestParseReadsEmptyElementsAsAbsent(t *testing.T) {
	doc := `<ReplicationConfiguration><Rule><ID>all</ID><Status>Enabled</Status><Priority>1</Priority>` +
		`<DeleteMarkerReplication><Status>Enabled</Status></DeleteMarkerReplication><DeleteReplication><Status></Status></DeleteReplication>` +
		`<Destination><Bucket>arn:minio:replication:us-east-1:abc:dst</Bucket></Destination><Filter><Prefix></Prefix><And></And><Tag></Tag></Filter>` +
		`<SourceSelectionCriteria><ReplicaModifications><Status></Status></ReplicaModifications></SourceSelectionCriteria>` +
		`<ExistingObjectReplication><Status></Status></ExistingObjectReplication></Rule><Role>REPLACE-WITH-ACTUAL-ROLE</Role></ReplicationConfiguration>`
	c, err := Parse(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	want := Rule{
		ID: "all", Priority: 1, Status: Enabled, Filter: &Filter{Prefix: ptr("")},
		DeleteMarkerReplication: &Status{Enabled},
		Destination:             Destination{Bucket: "arn:minio:replication:us-east-1:abc:dst"},
	}
	if !reflect.DeepEqual(c.Rules[0], want) || c.Role != "REPLACE-WITH-ACTUAL-ROLE" {
		t.Fatalf("parsed %+v (role %q), want %+v", c.Rules[0], c.Role, want)
	}
	// A tag with a key is a tag, even with an empty value.
	c, err = Parse(strings.NewReader(strings.Replace(doc, "<Tag></Tag>", "<Tag><Key>k</Key><Value></Value></Tag>", 1)))
	if err != nil || c.Rules[0].Filter.Tag == nil || c.Rules[0].Filter.Prefix != nil {
		t.Fatalf("tag filter: %+v %v", c.Rules[0].Filter, err)
	}
}

// ptr returns a pointer to v, for the optional fields of a configuration.
func ptr[T any](v T) *T { return &v }
