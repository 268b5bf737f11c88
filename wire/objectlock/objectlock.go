package objectlock

import (
	"encoding/xml"
	"io"
	"time"

	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/internal/xmldoc"
)

// Retention modes: GOVERNANCE can be lifted by users allowed to bypass
// it, COMPLIANCE by no one until it ends.
const (
	Governance = "GOVERNANCE"
	Compliance = "COMPLIANCE"
)

// Legal hold states.
const (
	On  = "ON"
	Off = "OFF"
)

// Enabled is the only value of ObjectLockEnabled.
const Enabled = "Enabled"

// Limits, as AWS S3 sets them: a default retention of at most 100 years.
const (
	MaxDays  = 36500
	MaxYears = 100
	// MaxDocumentSize bounds each of the three documents.
	MaxDocumentSize = 64 << 10
)

// Configuration is a bucket's object lock configuration.
type Configuration struct {
	// ObjectLockEnabled is Enabled; buckets get object lock at creation.
	ObjectLockEnabled string
	// Rule is the default retention of new object versions; nil for
	// none.
	Rule *Rule
}

// Rule holds the default retention.
type Rule struct {
	DefaultRetention DefaultRetention `xml:"DefaultRetention"`
}

// DefaultRetention is a mode and a period of Days or Years (exactly
// one).
type DefaultRetention struct {
	Mode  string `xml:"Mode"`
	Days  int    `xml:"Days,omitempty"`
	Years int    `xml:"Years,omitempty"`
}

// UnmarshalXML decodes a <DefaultRetention>. A period the document names
// must be positive: an explicit <Days>0</Days> would otherwise read as no
// Days at all, and AWS refuses it as it refuses a negative one.
func (r *DefaultRetention) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	var doc struct {
		Mode  string `xml:"Mode"`
		Days  *int   `xml:"Days"`
		Years *int   `xml:"Years"`
	}
	if err := d.DecodeElement(&doc, &start); err != nil {
		return err
	}
	*r = DefaultRetention{Mode: doc.Mode}
	switch {
	case doc.Days != nil && doc.Years != nil:
		return errBothPeriods
	case doc.Days != nil:
		r.Days = *doc.Days
	case doc.Years != nil:
		r.Years = *doc.Years
	}
	if (doc.Days != nil && r.Days <= 0) || (doc.Years != nil && r.Years <= 0) {
		return errPeriodNotPositive
	}
	return nil
}

var (
	errBothPeriods       = s3err.ErrMalformedXML.WithMessage("A default retention has Days or Years, not both.")
	errPeriodNotPositive = s3err.ErrInvalidArgument.WithMessage("Default retention period must be a positive integer value.")
)

type configurationDoc struct {
	XMLName           xml.Name `xml:"ObjectLockConfiguration"`
	Xmlns             string   `xml:"xmlns,attr,omitempty"`
	ObjectLockEnabled string   `xml:"ObjectLockEnabled,omitempty"`
	Rule              *Rule    `xml:"Rule"`
}

// ParseConfiguration reads an ObjectLockConfiguration document of at most
// MaxDocumentSize bytes, with or without the S3 namespace. It checks the
// shape only; call Validate for the rules.
func ParseConfiguration(r io.Reader) (*Configuration, error) {
	return xmldoc.Parse[Configuration](r, MaxDocumentSize)
}

// UnmarshalXML decodes an <ObjectLockConfiguration> in any namespace.
func (c *Configuration) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	var doc configurationDoc
	if err := d.DecodeElement(&doc, &start); err != nil {
		return err
	}
	*c = Configuration{ObjectLockEnabled: doc.ObjectLockEnabled, Rule: doc.Rule}
	return nil
}

// MarshalXML encodes the configuration in the S3 namespace.
func (c Configuration) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	return e.Encode(configurationDoc{Xmlns: xmldoc.Namespace, ObjectLockEnabled: c.ObjectLockEnabled, Rule: c.Rule})
}

// Encode returns the document without an XML declaration.
func (c *Configuration) Encode() ([]byte, error) {
	return xmldoc.Encode(c)
}

// Retention is an object version's retention. The zero value (no mode,
// no date) is what removes a governance-mode retention, with bypass.
type Retention struct {
	Mode            string
	RetainUntilDate time.Time
}

type retentionDoc struct {
	XMLName         xml.Name `xml:"Retention"`
	Xmlns           string   `xml:"xmlns,attr,omitempty"`
	Mode            string   `xml:"Mode,omitempty"`
	RetainUntilDate string   `xml:"RetainUntilDate,omitempty"`
}

// dateFormat is how S3 writes RetainUntilDate: UTC with milliseconds.
// Any RFC 3339 date is read.
const dateFormat = "2006-01-02T15:04:05.000Z"

// ParseRetention reads a Retention document of at most MaxDocumentSize
// bytes. A RetainUntilDate that is not ISO 8601 is MalformedXML.
func ParseRetention(r io.Reader) (*Retention, error) {
	return xmldoc.Parse[Retention](r, MaxDocumentSize)
}

// UnmarshalXML decodes a <Retention> in any namespace.
func (r *Retention) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	var doc retentionDoc
	if err := d.DecodeElement(&doc, &start); err != nil {
		return err
	}
	*r = Retention{Mode: doc.Mode}
	if doc.RetainUntilDate != "" {
		t, err := time.Parse(time.RFC3339, doc.RetainUntilDate)
		// An offset can carry a four-digit year out of range in UTC,
		// where the date is written back.
		if err != nil || !writableYear(t.UTC()) {
			return s3err.ErrMalformedXML.WithMessage("RetainUntilDate must be an ISO 8601 date.")
		}
		r.RetainUntilDate = t.UTC()
	}
	return nil
}

// writableYear reports whether t's year has the four digits of
// dateFormat.
func writableYear(t time.Time) bool { return t.Year() >= 1 && t.Year() <= 9999 }

// MarshalXML encodes the retention in the S3 namespace, the date in UTC
// with milliseconds (finer precision is cut, as S3 keeps none).
func (r Retention) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	doc := retentionDoc{Xmlns: xmldoc.Namespace, Mode: r.Mode}
	if !r.RetainUntilDate.IsZero() {
		doc.RetainUntilDate = r.RetainUntilDate.UTC().Format(dateFormat)
	}
	return e.Encode(doc)
}

// Encode returns the document without an XML declaration.
func (r *Retention) Encode() ([]byte, error) {
	return xmldoc.Encode(r)
}

// LegalHold is an object version's legal hold.
type LegalHold struct {
	Status string
}

type legalHoldDoc struct {
	XMLName xml.Name `xml:"LegalHold"`
	Xmlns   string   `xml:"xmlns,attr,omitempty"`
	Status  string   `xml:"Status"`
}

// ParseLegalHold reads a LegalHold document of at most MaxDocumentSize
// bytes.
func ParseLegalHold(r io.Reader) (*LegalHold, error) {
	return xmldoc.Parse[LegalHold](r, MaxDocumentSize)
}

// UnmarshalXML decodes a <LegalHold> in any namespace.
func (h *LegalHold) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	var doc legalHoldDoc
	if err := d.DecodeElement(&doc, &start); err != nil {
		return err
	}
	h.Status = doc.Status
	return nil
}

// MarshalXML encodes the legal hold in the S3 namespace.
func (h LegalHold) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	return e.Encode(legalHoldDoc{Xmlns: xmldoc.Namespace, Status: h.Status})
}

// Encode returns the document without an XML declaration.
func (h *LegalHold) Encode() ([]byte, error) {
	return xmldoc.Encode(h)
}
