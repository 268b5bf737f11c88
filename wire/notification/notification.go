package notification

import (
	"encoding/xml"
	"io"

	"github.com/kurastore/kura/wire/internal/xmldoc"
)

// MaxDocumentSize bounds a NotificationConfiguration document.
const MaxDocumentSize = 1 << 20

// Configuration is a bucket's notification destinations. The zero value
// is the configuration every bucket has until one is set: no
// destinations.
type Configuration struct {
	Queues         []QueueConfiguration
	Topics         []TopicConfiguration
	CloudFunctions []CloudFunctionConfiguration
}

// QueueConfiguration sends events to a queue (in kura, any registered
// target: MinIO-style arn:minio:sqs ARNs name them).
type QueueConfiguration struct {
	ID     string   `xml:"Id,omitempty"`
	ARN    string   `xml:"Queue"`
	Events []string `xml:"Event"`
	Filter *Filter  `xml:"Filter,omitempty"`
}

// TopicConfiguration sends events to a topic.
type TopicConfiguration struct {
	ID     string   `xml:"Id,omitempty"`
	ARN    string   `xml:"Topic"`
	Events []string `xml:"Event"`
	Filter *Filter  `xml:"Filter,omitempty"`
}

// CloudFunctionConfiguration sends events to a function.
type CloudFunctionConfiguration struct {
	ID     string   `xml:"Id,omitempty"`
	ARN    string   `xml:"CloudFunction"`
	Events []string `xml:"Event"`
	Filter *Filter  `xml:"Filter,omitempty"`
}

// Filter narrows a destination to object keys.
type Filter struct {
	Key KeyFilter `xml:"S3Key"`
}

// KeyFilter holds at most one prefix and one suffix rule.
type KeyFilter struct {
	Rules []FilterRule `xml:"FilterRule"`
}

// FilterRule is a key prefix or suffix. Name is "prefix" or "suffix", in
// any case, as clients send both.
type FilterRule struct {
	Name  string `xml:"Name"`
	Value string `xml:"Value"`
}

type configurationDoc struct {
	XMLName        xml.Name                     `xml:"NotificationConfiguration"`
	Xmlns          string                       `xml:"xmlns,attr,omitempty"`
	Queues         []QueueConfiguration         `xml:"QueueConfiguration"`
	Topics         []TopicConfiguration         `xml:"TopicConfiguration"`
	CloudFunctions []CloudFunctionConfiguration `xml:"CloudFunctionConfiguration"`
}

// Parse reads a NotificationConfiguration document of at most
// MaxDocumentSize bytes, with or without the S3 namespace. Elements kura
// does not know (EventBridgeConfiguration, ...) are ignored. It checks the
// shape only; call Validate for the rules.
func Parse(r io.Reader) (*Configuration, error) {
	return xmldoc.Parse[Configuration](r, MaxDocumentSize)
}

// UnmarshalXML decodes a <NotificationConfiguration> element in any
// namespace.
func (c *Configuration) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	var doc configurationDoc
	if err := d.DecodeElement(&doc, &start); err != nil {
		return err
	}
	*c = Configuration{Queues: doc.Queues, Topics: doc.Topics, CloudFunctions: doc.CloudFunctions}
	return nil
}

// MarshalXML encodes the configuration in the S3 namespace.
func (c Configuration) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	return e.Encode(configurationDoc{
		Xmlns:          xmldoc.Namespace,
		Queues:         c.Queues,
		Topics:         c.Topics,
		CloudFunctions: c.CloudFunctions,
	})
}

// Encode returns the NotificationConfiguration document, without an XML
// declaration.
func (c *Configuration) Encode() ([]byte, error) {
	return xmldoc.Encode(c)
}

// destination is the part that queue, topic and function configurations
// share, so that validation and matching treat them alike.
type destination struct {
	kind   string // the XML element, for messages
	id     string
	arn    string
	events []string
	filter *Filter
}

func (c *Configuration) destinations() []destination {
	var ds []destination
	for _, q := range c.Queues {
		ds = append(ds, destination{"QueueConfiguration", q.ID, q.ARN, q.Events, q.Filter})
	}
	for _, t := range c.Topics {
		ds = append(ds, destination{"TopicConfiguration", t.ID, t.ARN, t.Events, t.Filter})
	}
	for _, f := range c.CloudFunctions {
		ds = append(ds, destination{"CloudFunctionConfiguration", f.ID, f.ARN, f.Events, f.Filter})
	}
	return ds
}
