package versioning

import (
	"encoding/xml"
	"io"

	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/internal/xmldoc"
)

// Versioning states. A bucket that was never versioned has no status.
const (
	Enabled   = "Enabled"
	Suspended = "Suspended"
)

// MaxDocumentSize bounds a VersioningConfiguration document.
const MaxDocumentSize = 64 << 10

// MaxExcludedPrefixes is MinIO's limit on excluded prefixes.
const MaxExcludedPrefixes = 10

// Configuration is a bucket's versioning configuration.
type Configuration struct {
	// Status is Enabled, Suspended, or "" for a bucket never versioned.
	Status string
	// MFADelete is Enabled or Disabled when set; kura does not support
	// MFA delete.
	MFADelete string
	// ExcludedPrefixes and ExcludeFolders are MinIO's extensions: keys
	// under these prefixes (or ending in "/") are not versioned.
	ExcludedPrefixes []string
	ExcludeFolders   bool
}

type prefixElem struct {
	Prefix string `xml:"Prefix"`
}

type configurationDoc struct {
	XMLName          xml.Name     `xml:"VersioningConfiguration"`
	Xmlns            string       `xml:"xmlns,attr,omitempty"`
	Status           string       `xml:"Status,omitempty"`
	MFADelete        string       `xml:"MfaDelete,omitempty"`
	ExcludedPrefixes []prefixElem `xml:"ExcludedPrefixes,omitempty"`
	ExcludeFolders   bool         `xml:"ExcludeFolders,omitempty"`
}

// Parse reads a VersioningConfiguration document, with or without the S3
// namespace. Call Validate for the rules.
func Parse(r io.Reader) (*Configuration, error) {
	return xmldoc.Parse[Configuration](r, MaxDocumentSize)
}

// UnmarshalXML decodes a <VersioningConfiguration> in any namespace.
func (c *Configuration) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	var doc configurationDoc
	if err := d.DecodeElement(&doc, &start); err != nil {
		return err
	}
	*c = Configuration{Status: doc.Status, MFADelete: doc.MFADelete, ExcludeFolders: doc.ExcludeFolders}
	for _, p := range doc.ExcludedPrefixes {
		c.ExcludedPrefixes = append(c.ExcludedPrefixes, p.Prefix)
	}
	return nil
}

// MarshalXML encodes the configuration in the S3 namespace.
func (c Configuration) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	doc := configurationDoc{Xmlns: xmldoc.Namespace, Status: c.Status, MFADelete: c.MFADelete, ExcludeFolders: c.ExcludeFolders}
	for _, p := range c.ExcludedPrefixes {
		doc.ExcludedPrefixes = append(doc.ExcludedPrefixes, prefixElem{Prefix: p})
	}
	return e.Encode(doc)
}

// Encode returns the document without an XML declaration.
func (c *Configuration) Encode() ([]byte, error) {
	return xmldoc.Encode(c)
}

// Validate checks a configuration a client wants to set: the status must
// be Enabled or Suspended (a bucket cannot go back to never versioned).
func (c *Configuration) Validate() error {
	switch c.Status {
	case Enabled, Suspended:
	default:
		return s3err.ErrMalformedXML.WithMessage("Versioning status must be Enabled or Suspended.")
	}
	switch c.MFADelete {
	case "", "Disabled":
	case "Enabled":
		return s3err.ErrNotImplemented.WithMessage("MFA delete is not supported.")
	default:
		return s3err.ErrMalformedXML.WithMessage("MfaDelete must be Enabled or Disabled.")
	}
	if len(c.ExcludedPrefixes) > MaxExcludedPrefixes {
		return s3err.ErrInvalidArgument.WithMessage("At most %d excluded prefixes are allowed.", MaxExcludedPrefixes)
	}
	if c.Status != Enabled && (len(c.ExcludedPrefixes) > 0 || c.ExcludeFolders) {
		return s3err.ErrInvalidArgument.WithMessage("Excluded prefixes and folders apply only to an Enabled configuration.")
	}
	return nil
}
