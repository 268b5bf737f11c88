package sse

import (
	"encoding/xml"
	"io"

	"github.com/kurastore/kura/wire/internal/xmldoc"
)

// The default encryption algorithms: SSE-S3 (keys the server manages) and
// SSE-KMS (keys of a key management service).
const (
	AES256 = "AES256"
	KMS    = "aws:kms"
)

// Limits of a configuration. AWS takes one rule; the key ID limit is
// kura's, far above any ARN or alias (AWS's longest are about 2 KiB).
const (
	MaxKeyIDLength  = 4096
	MaxDocumentSize = 64 << 10
)

// Configuration is a bucket's default encryption.
type Configuration struct {
	Rules []Rule `xml:"Rule"`
}

// Rule is the default applied to objects uploaded without encryption
// headers.
type Rule struct {
	Default *Default `xml:"ApplyServerSideEncryptionByDefault"`
	// BucketKeyEnabled asks SSE-KMS to use a bucket-level key, which
	// saves KMS calls; servers without bucket keys ignore it.
	BucketKeyEnabled bool `xml:"BucketKeyEnabled,omitempty"`
}

// Default names the algorithm and, for aws:kms, the key.
type Default struct {
	Algorithm string `xml:"SSEAlgorithm"`
	// KMSMasterKeyID is a key ID, alias or ARN; "" with aws:kms means
	// the server's default key.
	KMSMasterKeyID string `xml:"KMSMasterKeyID,omitempty"`
}

type configurationDoc struct {
	XMLName xml.Name `xml:"ServerSideEncryptionConfiguration"`
	Xmlns   string   `xml:"xmlns,attr,omitempty"`
	Rules   []Rule   `xml:"Rule"`
}

// NewAES256 returns the configuration that encrypts new objects with
// server-managed keys (minio-py's Rule.new_sse_s3_rule).
func NewAES256() *Configuration {
	return &Configuration{Rules: []Rule{{Default: &Default{Algorithm: AES256}}}}
}

// NewKMS returns the configuration that encrypts new objects under the
// KMS key keyID, or the server's default key when keyID is ""
// (minio-py's Rule.new_sse_kms_rule).
func NewKMS(keyID string) *Configuration {
	return &Configuration{Rules: []Rule{{Default: &Default{Algorithm: KMS, KMSMasterKeyID: keyID}}}}
}

// Parse reads a ServerSideEncryptionConfiguration document of at most
// MaxDocumentSize bytes, with or without the S3 namespace. It checks the
// shape only; call Validate for the rules.
func Parse(r io.Reader) (*Configuration, error) {
	return xmldoc.Parse[Configuration](r, MaxDocumentSize)
}

// UnmarshalXML decodes a <ServerSideEncryptionConfiguration> in any
// namespace.
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
