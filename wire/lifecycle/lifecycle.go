package lifecycle

import (
	"encoding/xml"
	"io"
	"time"

	"github.com/kurastore/kura/wire/internal/xmldoc"
	"github.com/kurastore/kura/wire/tagging"
)

// Rule states.
const (
	Enabled  = "Enabled"
	Disabled = "Disabled"
)

// Limits of a lifecycle configuration, as AWS S3 sets them.
const (
	MaxRules    = 1000
	MaxIDLength = 255
	// MaxNewerNoncurrentVersions bounds NewerNoncurrentVersions.
	MaxNewerNoncurrentVersions = 100
	// MaxDocumentSize bounds a document. A thousand rules with an And
	// filter of a few tags each fit.
	MaxDocumentSize = 2 << 20
)

// Configuration is a bucket's lifecycle rules.
type Configuration struct {
	Rules []Rule
}

// Rule is one set of actions on the objects its filter selects.
type Rule struct {
	ID     string `xml:"ID,omitempty"`
	Status string `xml:"Status"`
	// Filter selects the objects; nil when the rule uses the legacy
	// top-level Prefix instead. An empty Filter selects every object.
	Filter *Filter `xml:"Filter"`
	// Prefix is the legacy (pre-2016) way of selecting objects; nil when
	// absent, which is not the same as an empty prefix.
	Prefix                         *string                         `xml:"Prefix"`
	Expiration                     *Expiration                     `xml:"Expiration"`
	Transitions                    []Transition                    `xml:"Transition"`
	NoncurrentVersionExpiration    *NoncurrentVersionExpiration    `xml:"NoncurrentVersionExpiration"`
	NoncurrentVersionTransitions   []NoncurrentVersionTransition   `xml:"NoncurrentVersionTransition"`
	AbortIncompleteMultipartUpload *AbortIncompleteMultipartUpload `xml:"AbortIncompleteMultipartUpload"`
}

// Filter selects objects by exactly one predicate, or every object when
// empty. Pointers tell a predicate that is absent from one that is zero
// (an empty prefix, objects larger than 0 bytes).
type Filter struct {
	Prefix                *string      `xml:"Prefix"`
	Tag                   *tagging.Tag `xml:"Tag"`
	ObjectSizeGreaterThan *int64       `xml:"ObjectSizeGreaterThan"`
	ObjectSizeLessThan    *int64       `xml:"ObjectSizeLessThan"`
	And                   *And         `xml:"And"`
}

// And combines predicates: all must hold.
type And struct {
	Prefix                string        `xml:"Prefix,omitempty"`
	Tags                  []tagging.Tag `xml:"Tag"`
	ObjectSizeGreaterThan int64         `xml:"ObjectSizeGreaterThan,omitempty"`
	ObjectSizeLessThan    int64         `xml:"ObjectSizeLessThan,omitempty"`
}

// Expiration expires current versions after Days, on Date, or (with
// ExpiredObjectDeleteMarker) removes delete markers left without
// versions. Exactly one is set.
type Expiration struct {
	Days int `xml:"Days,omitempty"`
	// Date is midnight UTC of the day objects expire.
	Date                      *time.Time `xml:"Date"`
	ExpiredObjectDeleteMarker bool       `xml:"ExpiredObjectDeleteMarker,omitempty"`
}

// UnmarshalXML decodes an Expiration. Days of 0 would read as no Days at
// all, and the rule as one missing its action; S3 refuses it as a bad
// value, so it is refused here, where the element is still seen.
func (e *Expiration) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	var doc struct {
		Days                      *int       `xml:"Days"`
		Date                      *time.Time `xml:"Date"`
		ExpiredObjectDeleteMarker bool       `xml:"ExpiredObjectDeleteMarker"`
	}
	if err := d.DecodeElement(&doc, &start); err != nil {
		return err
	}
	if doc.Days != nil && *doc.Days <= 0 {
		return errExpirationDays
	}
	*e = Expiration{Date: doc.Date, ExpiredObjectDeleteMarker: doc.ExpiredObjectDeleteMarker}
	if doc.Days != nil {
		e.Days = *doc.Days
	}
	return nil
}

// Transition moves current versions to StorageClass after Days or on
// Date. Days is a pointer because 0 (transition at once) is valid.
type Transition struct {
	Days         *int       `xml:"Days"`
	Date         *time.Time `xml:"Date"`
	StorageClass string     `xml:"StorageClass"`
}

// NoncurrentVersionExpiration removes versions NoncurrentDays after they
// became noncurrent, keeping the NewerNoncurrentVersions newest ones.
type NoncurrentVersionExpiration struct {
	NoncurrentDays          int `xml:"NoncurrentDays,omitempty"`
	NewerNoncurrentVersions int `xml:"NewerNoncurrentVersions,omitempty"`
}

// NoncurrentVersionTransition moves versions NoncurrentDays after they
// became noncurrent, keeping the NewerNoncurrentVersions newest ones
// where they are. NoncurrentDays is always written: 0 is valid.
type NoncurrentVersionTransition struct {
	NoncurrentDays          int    `xml:"NoncurrentDays"`
	StorageClass            string `xml:"StorageClass"`
	NewerNoncurrentVersions int    `xml:"NewerNoncurrentVersions,omitempty"`
}

// AbortIncompleteMultipartUpload aborts uploads DaysAfterInitiation days
// after they began.
type AbortIncompleteMultipartUpload struct {
	DaysAfterInitiation int `xml:"DaysAfterInitiation"`
}

type configurationDoc struct {
	XMLName xml.Name `xml:"LifecycleConfiguration"`
	Xmlns   string   `xml:"xmlns,attr,omitempty"`
	Rules   []Rule   `xml:"Rule"`
}

// Parse reads a LifecycleConfiguration document of at most
// MaxDocumentSize bytes, with or without the S3 namespace. It checks the
// shape only (a date that is not ISO 8601 is MalformedXML), and an
// Expiration's Days that are not positive (InvalidArgument); call Validate
// for the rules.
func Parse(r io.Reader) (*Configuration, error) {
	return xmldoc.Parse[Configuration](r, MaxDocumentSize)
}

// UnmarshalXML decodes a <LifecycleConfiguration> in any namespace.
func (c *Configuration) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	var doc configurationDoc
	if err := d.DecodeElement(&doc, &start); err != nil {
		return err
	}
	c.Rules = doc.Rules
	return nil
}

// MarshalXML encodes the configuration in the S3 namespace.
func (c Configuration) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	return e.Encode(configurationDoc{Xmlns: xmldoc.Namespace, Rules: c.Rules})
}

// Encode returns the document without an XML declaration.
func (c *Configuration) Encode() ([]byte, error) {
	return xmldoc.Encode(c)
}
