package logging

import (
	"encoding/xml"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/internal/xmldoc"
)

// MaxDocumentSize bounds a BucketLoggingStatus document. AWS sets no
// figure; a status with the most grants a bucket ACL may hold (100)
// stays far below it.
const MaxDocumentSize = 64 << 10

// MaxTargetGrants is the most grants TargetGrants may hold: as many as
// an access control list.
const MaxTargetGrants = 100

// The partition date sources of the partitioned key format.
const (
	EventTime    = "EventTime"
	DeliveryTime = "DeliveryTime"
)

// The permissions a target grant may give, on the log objects only.
const (
	PermissionFullControl = "FULL_CONTROL"
	PermissionRead        = "READ"
	PermissionWrite       = "WRITE"
)

// The grantee types of a target grant (its xsi:type).
const (
	GranteeCanonicalUser = "CanonicalUser"
	GranteeEmail         = "AmazonCustomerByEmail"
	GranteeGroup         = "Group"
)

const xsiNamespace = "http://www.w3.org/2001/XMLSchema-instance"

// Status is a bucket's logging status: Enabled is nil when logging is
// off, which an empty <BucketLoggingStatus/> asks for.
type Status struct {
	Enabled *Enabled
}

// Enabled is where and how a bucket's access log is delivered.
type Enabled struct {
	// TargetBucket receives the log objects.
	TargetBucket string
	// TargetPrefix starts the name of every log object; may be empty.
	TargetPrefix string
	// TargetGrants are extra grants on the delivered log objects.
	TargetGrants []Grant
	// Partitioned selects the partitioned key format; false is the
	// simple one.
	Partitioned bool
	// DateSource is the partitioned format's date source: EventTime or
	// DeliveryTime ("" is DeliveryTime when Partitioned).
	DateSource string
}

// Grant gives one grantee a permission on the log objects.
type Grant struct {
	// Type is the grantee's xsi:type.
	Type         string
	ID           string
	DisplayName  string
	EmailAddress string
	URI          string
	Permission   string
}

// The document's shape, as AWS writes it.
type statusDoc struct {
	XMLName xml.Name    `xml:"BucketLoggingStatus"`
	Xmlns   string      `xml:"xmlns,attr,omitempty"`
	Enabled *enabledDoc `xml:"LoggingEnabled"`
}

type enabledDoc struct {
	TargetBucket    *string       `xml:"TargetBucket"`
	TargetGrants    *grantsDoc    `xml:"TargetGrants"`
	TargetKeyFormat *keyFormatDoc `xml:"TargetObjectKeyFormat"`
	TargetPrefix    *string       `xml:"TargetPrefix"`
	Unknown         []unknownDoc  `xml:",any"`
}

// unknownDoc is an element LoggingEnabled does not define.
type unknownDoc struct {
	XMLName xml.Name
}

type grantsDoc struct {
	Grants []grantDoc `xml:"Grant"`
}

type grantDoc struct {
	Grantee    *granteeDoc `xml:"Grantee"`
	Permission string      `xml:"Permission"`
}

type granteeDoc struct {
	XmlnsXsi     string `xml:"xmlns:xsi,attr,omitempty"`
	Type         string `xml:"xsi:type,attr,omitempty"`
	ID           string `xml:"ID,omitempty"`
	DisplayName  string `xml:"DisplayName,omitempty"`
	EmailAddress string `xml:"EmailAddress,omitempty"`
	URI          string `xml:"URI,omitempty"`
}

// UnmarshalXML reads a Grantee: its xsi:type, whether or not the
// document declares the xsi prefix, and its names.
func (g *granteeDoc) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	var names struct {
		ID           string `xml:"ID"`
		DisplayName  string `xml:"DisplayName"`
		EmailAddress string `xml:"EmailAddress"`
		URI          string `xml:"URI"`
	}
	if err := d.DecodeElement(&names, &start); err != nil {
		return err
	}
	*g = granteeDoc{ID: names.ID, DisplayName: names.DisplayName, EmailAddress: names.EmailAddress, URI: names.URI}
	for _, a := range start.Attr {
		if a.Name.Local == "type" && (a.Name.Space == xsiNamespace || a.Name.Space == "xsi") {
			g.Type = a.Value
		}
	}
	return nil
}

type keyFormatDoc struct {
	Simple      *struct{}       `xml:"SimplePrefix"`
	Partitioned *partitionedDoc `xml:"PartitionedPrefix"`
}

type partitionedDoc struct {
	DateSource string `xml:"PartitionDateSource,omitempty"`
}

// Parse reads a BucketLoggingStatus document of at most MaxDocumentSize
// bytes, with or without the S3 namespace, and checks it as AWS does:
// any fault of shape or value is MalformedXML. Whether the target
// bucket can take the log is the server's to decide.
func Parse(r io.Reader) (*Status, error) {
	return xmldoc.Parse[Status](r, MaxDocumentSize)
}

// UnmarshalXML decodes a <BucketLoggingStatus> element in any namespace.
func (s *Status) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	var doc statusDoc
	if err := d.DecodeElement(&doc, &start); err != nil {
		return err
	}
	if doc.Enabled == nil {
		*s = Status{}
		return nil
	}
	e, err := doc.Enabled.enabled()
	if err != nil {
		return err
	}
	*s = Status{Enabled: e}
	return nil
}

func malformed(format string, args ...any) error {
	return s3err.ErrMalformedXML.WithMessage(format, args...)
}

func (doc *enabledDoc) enabled() (*Enabled, error) {
	if len(doc.Unknown) > 0 {
		return nil, malformed("LoggingEnabled does not take %s.", doc.Unknown[0].XMLName.Local)
	}
	if doc.TargetBucket == nil || strings.TrimSpace(*doc.TargetBucket) == "" {
		return nil, malformed("LoggingEnabled needs a TargetBucket.")
	}
	if doc.TargetPrefix == nil {
		return nil, malformed("LoggingEnabled needs a TargetPrefix (which may be empty).")
	}
	e := &Enabled{TargetBucket: *doc.TargetBucket, TargetPrefix: *doc.TargetPrefix}
	if !utf8.ValidString(e.TargetPrefix) {
		return nil, malformed("TargetPrefix must be UTF-8.")
	}
	if f := doc.TargetKeyFormat; f != nil {
		switch {
		case (f.Simple == nil) == (f.Partitioned == nil):
			return nil, malformed("TargetObjectKeyFormat takes exactly one of SimplePrefix and PartitionedPrefix.")
		case f.Partitioned != nil:
			src := f.Partitioned.DateSource
			if src != "" && src != EventTime && src != DeliveryTime {
				return nil, malformed("PartitionDateSource must be EventTime or DeliveryTime.")
			}
			if src == "" {
				src = DeliveryTime
			}
			e.Partitioned, e.DateSource = true, src
		}
	}
	if doc.TargetGrants != nil {
		grants, err := doc.TargetGrants.grants()
		if err != nil {
			return nil, err
		}
		e.TargetGrants = grants
	}
	return e, nil
}

func (doc *grantsDoc) grants() ([]Grant, error) {
	if len(doc.Grants) > MaxTargetGrants {
		return nil, malformed("TargetGrants may hold at most %d grants.", MaxTargetGrants)
	}
	var out []Grant
	for _, g := range doc.Grants {
		if g.Grantee == nil {
			return nil, malformed("A Grant needs a Grantee.")
		}
		switch g.Permission {
		case PermissionFullControl, PermissionRead, PermissionWrite:
		default:
			return nil, malformed("A target grant's Permission is FULL_CONTROL, READ or WRITE.")
		}
		gr := Grant{Type: g.Grantee.Type, ID: g.Grantee.ID, DisplayName: g.Grantee.DisplayName,
			EmailAddress: g.Grantee.EmailAddress, URI: g.Grantee.URI, Permission: g.Permission}
		if err := gr.check(); err != nil {
			return nil, err
		}
		out = append(out, gr)
	}
	return out, nil
}

// check requires the field that names a grantee of its type.
func (g Grant) check() error {
	var name string
	switch g.Type {
	case GranteeCanonicalUser:
		name = g.ID
	case GranteeEmail:
		name = g.EmailAddress
	case GranteeGroup:
		name = g.URI
	default:
		return malformed("A Grantee's xsi:type is CanonicalUser, AmazonCustomerByEmail or Group.")
	}
	if strings.TrimSpace(name) == "" {
		return malformed("A %s grantee needs its %s.", g.Type, map[string]string{
			GranteeCanonicalUser: "ID", GranteeEmail: "EmailAddress", GranteeGroup: "URI"}[g.Type])
	}
	return nil
}

// MarshalXML encodes the status in the S3 namespace, as GetBucketLogging
// answers it.
func (s Status) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	doc := statusDoc{Xmlns: xmldoc.Namespace}
	if en := s.Enabled; en != nil {
		bucket, prefix := en.TargetBucket, en.TargetPrefix
		ed := &enabledDoc{TargetBucket: &bucket, TargetPrefix: &prefix}
		if len(en.TargetGrants) > 0 {
			ed.TargetGrants = &grantsDoc{}
			for _, g := range en.TargetGrants {
				ed.TargetGrants.Grants = append(ed.TargetGrants.Grants, grantDoc{
					Grantee: &granteeDoc{XmlnsXsi: xsiNamespace, Type: g.Type, ID: g.ID,
						DisplayName: g.DisplayName, EmailAddress: g.EmailAddress, URI: g.URI},
					Permission: g.Permission,
				})
			}
		}
		if en.Partitioned {
			ed.TargetKeyFormat = &keyFormatDoc{Partitioned: &partitionedDoc{DateSource: en.DateSource}}
		}
		doc.Enabled = ed
	}
	return e.Encode(doc)
}

// Encode returns the BucketLoggingStatus document, without an XML
// declaration.
func (s *Status) Encode() ([]byte, error) {
	return xmldoc.Encode(s)
}

// KeyParts are what a log object's name is made of beside the target
// prefix.
type KeyParts struct {
	// SourceAccount, SourceRegion and SourceBucket name the logged
	// bucket, in the partitioned format.
	SourceAccount string
	SourceRegion  string
	SourceBucket  string
	// Delivered is when the object is delivered: the time in its name.
	Delivered time.Time
	// Event is the time of the records it holds, the partition date of
	// the EventTime date source.
	Event time.Time
	// Unique tells apart the objects delivered in one second.
	Unique string
}

// ObjectKey is the name of a log object delivered under e.
func (e *Enabled) ObjectKey(p KeyParts) string {
	stamp := p.Delivered.UTC().Format("2006-01-02-15-04-05") + "-" + p.Unique
	if !e.Partitioned {
		return e.TargetPrefix + stamp
	}
	date := p.Delivered
	if e.DateSource == EventTime {
		date = p.Event
	}
	return e.TargetPrefix + p.SourceAccount + "/" + p.SourceRegion + "/" + p.SourceBucket + "/" +
		date.UTC().Format("2006/01/02") + "/" + stamp
}
