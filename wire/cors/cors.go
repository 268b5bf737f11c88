package cors

import (
	"encoding/xml"
	"io"

	"github.com/kurastore/kura/wire/internal/xmldoc"
)

// Limits of a CORS configuration, as AWS S3 sets them.
const (
	MaxRules        = 100
	MaxIDLength     = 255
	MaxDocumentSize = 64 << 10
)

// Configuration is a bucket's CORS rules, in the order they are matched.
type Configuration struct {
	Rules []Rule
}

// Rule allows cross-origin requests from some origins with some methods
// and request headers.
type Rule struct {
	ID string `xml:"ID,omitempty"`
	// AllowedOrigins are origins such as "https://example.com"; each may
	// hold one '*' wildcard ("https://*.example.com", or "*" for any).
	AllowedOrigins []string `xml:"AllowedOrigin"`
	// AllowedMethods are among GET, PUT, HEAD, POST and DELETE.
	AllowedMethods []string `xml:"AllowedMethod"`
	// AllowedHeaders are the request headers a preflight may ask for,
	// matched without regard to case; each may hold one '*' wildcard.
	AllowedHeaders []string `xml:"AllowedHeader"`
	// ExposeHeaders are response headers the browser may show to scripts.
	ExposeHeaders []string `xml:"ExposeHeader"`
	// MaxAgeSeconds is how long a browser may cache a preflight answer;
	// nil when the rule does not say.
	MaxAgeSeconds *int `xml:"MaxAgeSeconds"`
}

type configurationDoc struct {
	XMLName xml.Name `xml:"CORSConfiguration"`
	Xmlns   string   `xml:"xmlns,attr,omitempty"`
	Rules   []Rule   `xml:"CORSRule"`
}

// Parse reads a CORSConfiguration document of at most MaxDocumentSize
// bytes, with or without the S3 namespace. It checks the shape only; call
// Validate for AWS's rules.
func Parse(r io.Reader) (*Configuration, error) {
	return xmldoc.Parse[Configuration](r, MaxDocumentSize)
}

// UnmarshalXML decodes a <CORSConfiguration> element in any namespace.
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

// Encode returns the CORSConfiguration document, without an XML
// declaration.
func (c *Configuration) Encode() ([]byte, error) {
	return xmldoc.Encode(c)
}
