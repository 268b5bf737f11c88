package website

import (
	"encoding/xml"
	"io"

	"github.com/kurastore/kura/wire/internal/xmldoc"
)

// Limits of a website configuration, as AWS S3 sets them.
const (
	MaxRoutingRules = 50
	MaxDocumentSize = 64 << 10
)

// Configuration is a bucket's website: either an index document (with an
// optional error document and routing rules), or a redirect of every
// request to another host.
type Configuration struct {
	IndexDocument         *IndexDocument
	ErrorDocument         *ErrorDocument
	RedirectAllRequestsTo *RedirectAllRequestsTo
	RoutingRules          []RoutingRule
}

// IndexDocument names the object served for a request of a "folder": a
// request for "docs/" is answered with "docs/" + Suffix.
type IndexDocument struct {
	Suffix string `xml:"Suffix"`
}

// ErrorDocument is the key of the object served, with the error's
// status, when a request fails with a 4XX error.
type ErrorDocument struct {
	Key string `xml:"Key"`
}

// RedirectAllRequestsTo sends every request to HostName, keeping its
// path and query; Protocol ("http" or "https") defaults to the
// request's.
type RedirectAllRequestsTo struct {
	HostName string `xml:"HostName"`
	Protocol string `xml:"Protocol,omitempty"`
}

// RoutingRule redirects the requests that meet its Condition (all
// requests when it has none).
type RoutingRule struct {
	Condition *Condition `xml:"Condition,omitempty"`
	Redirect  *Redirect  `xml:"Redirect"`
}

// Condition is what a request must meet for its rule to apply: a key
// that starts with KeyPrefixEquals, and a failure with the status
// HttpErrorCodeReturnedEquals. Both must hold when both are set.
type Condition struct {
	KeyPrefixEquals             *string `xml:"KeyPrefixEquals,omitempty"`
	HttpErrorCodeReturnedEquals string  `xml:"HttpErrorCodeReturnedEquals,omitempty"`
}

// Redirect is where a rule sends a request: each part not set is taken
// from the request, and the status is 301 unless HttpRedirectCode says
// otherwise.
type Redirect struct {
	Protocol             string  `xml:"Protocol,omitempty"`
	HostName             *string `xml:"HostName,omitempty"`
	ReplaceKeyPrefixWith *string `xml:"ReplaceKeyPrefixWith,omitempty"`
	ReplaceKeyWith       *string `xml:"ReplaceKeyWith,omitempty"`
	HttpRedirectCode     string  `xml:"HttpRedirectCode,omitempty"`
}

type routingRules struct {
	Rules []RoutingRule `xml:"RoutingRule"`
}

type configurationDoc struct {
	XMLName               xml.Name               `xml:"WebsiteConfiguration"`
	Xmlns                 string                 `xml:"xmlns,attr,omitempty"`
	RedirectAllRequestsTo *RedirectAllRequestsTo `xml:"RedirectAllRequestsTo,omitempty"`
	IndexDocument         *IndexDocument         `xml:"IndexDocument,omitempty"`
	ErrorDocument         *ErrorDocument         `xml:"ErrorDocument,omitempty"`
	RoutingRules          *routingRules          `xml:"RoutingRules,omitempty"`
}

// Parse reads a WebsiteConfiguration document of at most MaxDocumentSize
// bytes, with or without the S3 namespace. It checks the shape only; call
// Validate for AWS's rules.
func Parse(r io.Reader) (*Configuration, error) {
	return xmldoc.Parse[Configuration](r, MaxDocumentSize)
}

// UnmarshalXML decodes a <WebsiteConfiguration> element in any namespace.
func (c *Configuration) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	var doc configurationDoc
	if err := d.DecodeElement(&doc, &start); err != nil {
		return err
	}
	*c = Configuration{
		IndexDocument:         doc.IndexDocument,
		ErrorDocument:         doc.ErrorDocument,
		RedirectAllRequestsTo: doc.RedirectAllRequestsTo,
	}
	if doc.RoutingRules != nil {
		c.RoutingRules = doc.RoutingRules.Rules
	}
	return nil
}

// MarshalXML encodes the configuration in the S3 namespace, in the order
// of AWS's schema.
func (c Configuration) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	doc := configurationDoc{
		Xmlns:                 xmldoc.Namespace,
		RedirectAllRequestsTo: c.RedirectAllRequestsTo,
		IndexDocument:         c.IndexDocument,
		ErrorDocument:         c.ErrorDocument,
	}
	if len(c.RoutingRules) > 0 {
		doc.RoutingRules = &routingRules{Rules: c.RoutingRules}
	}
	return e.Encode(doc)
}

// Encode returns the WebsiteConfiguration document, without an XML
// declaration.
func (c *Configuration) Encode() ([]byte, error) {
	return xmldoc.Encode(c)
}
