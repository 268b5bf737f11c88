package replication

import (
	"encoding/xml"
	"io"

	"github.com/kurastore/kura/wire/internal/xmldoc"
	"github.com/kurastore/kura/wire/tagging"
)

// Rule and sub-element states.
const (
	Enabled  = "Enabled"
	Disabled = "Disabled"
)

// Limits of a replication configuration, as AWS S3 sets them.
const (
	MaxRules        = 1000
	MaxIDLength     = 255
	MaxDocumentSize = 2 << 20
)

// Configuration is a bucket's replication rules.
type Configuration struct {
	// Role is the IAM role ARN the replicating service assumes. MinIO
	// does not need one: its destination ARNs name a configured target.
	Role  string
	Rules []Rule
}

// Rule replicates the objects its filter selects to one destination.
type Rule struct {
	ID string `xml:"ID,omitempty"`
	// Priority decides between rules that select the same object: the
	// highest wins. Rules with a Filter must have distinct priorities.
	Priority int    `xml:"Priority,omitempty"`
	Status   string `xml:"Status"`
	// Filter selects objects (the current schema); nil when the rule uses
	// the legacy top-level Prefix instead. An empty Filter selects every
	// object.
	Filter *Filter `xml:"Filter"`
	// Prefix is the legacy (V1) way of selecting objects; nil when
	// absent.
	Prefix *string `xml:"Prefix"`
	// DeleteMarkerReplication says whether delete markers are replicated;
	// the current schema requires it.
	DeleteMarkerReplication *Status `xml:"DeleteMarkerReplication"`
	// DeleteReplication is MinIO's: whether deletes of versions are
	// replicated.
	DeleteReplication         *Status                  `xml:"DeleteReplication"`
	ExistingObjectReplication *Status                  `xml:"ExistingObjectReplication"`
	SourceSelectionCriteria   *SourceSelectionCriteria `xml:"SourceSelectionCriteria"`
	Destination               Destination              `xml:"Destination"`
}

// Status is an element holding only Enabled or Disabled.
type Status struct {
	Status string `xml:"Status"`
}

// Filter selects objects by one of a prefix, a tag or an And of both.
type Filter struct {
	Prefix *string      `xml:"Prefix"`
	Tag    *tagging.Tag `xml:"Tag"`
	And    *And         `xml:"And"`
}

// And combines a prefix and tags: all must hold.
type And struct {
	Prefix string        `xml:"Prefix,omitempty"`
	Tags   []tagging.Tag `xml:"Tag"`
}

// Destination is where objects go.
type Destination struct {
	// Bucket is the destination bucket's ARN: arn:aws:s3:::NAME, or
	// MinIO's arn:minio:replication:REGION:ID:NAME.
	Bucket string `xml:"Bucket"`
	// StorageClass is the replicas' storage class; "" keeps the
	// source's.
	StorageClass             string                    `xml:"StorageClass,omitempty"`
	Account                  string                    `xml:"Account,omitempty"`
	AccessControlTranslation *AccessControlTranslation `xml:"AccessControlTranslation"`
	EncryptionConfiguration  *EncryptionConfiguration  `xml:"EncryptionConfiguration"`
	Metrics                  *Metrics                  `xml:"Metrics"`
	ReplicationTime          *ReplicationTime          `xml:"ReplicationTime"`
}

// AccessControlTranslation makes the destination account own replicas.
type AccessControlTranslation struct {
	Owner string `xml:"Owner"`
}

// EncryptionConfiguration names the KMS key replicas are encrypted with.
type EncryptionConfiguration struct {
	ReplicaKMSKeyID string `xml:"ReplicaKmsKeyID,omitempty"`
}

// Metrics turns replication metrics on, with the threshold past which an
// object counts as late.
type Metrics struct {
	Status         string   `xml:"Status"`
	EventThreshold *Minutes `xml:"EventThreshold"`
}

// ReplicationTime turns S3 Replication Time Control on.
type ReplicationTime struct {
	Status string   `xml:"Status"`
	Time   *Minutes `xml:"Time"`
}

// Minutes is a duration in whole minutes.
type Minutes struct {
	Minutes int `xml:"Minutes"`
}

// SourceSelectionCriteria replicates objects that selection by filter
// alone would skip.
type SourceSelectionCriteria struct {
	// SSEKMSEncryptedObjects includes objects encrypted with SSE-KMS.
	SSEKMSEncryptedObjects *Status `xml:"SseKmsEncryptedObjects"`
	// ReplicaModifications replicates metadata changes made on replicas
	// (two-way replication).
	ReplicaModifications *Status `xml:"ReplicaModifications"`
}

type configurationDoc struct {
	XMLName xml.Name `xml:"ReplicationConfiguration"`
	Xmlns   string   `xml:"xmlns,attr,omitempty"`
	Role    string   `xml:"Role,omitempty"`
	Rules   []Rule   `xml:"Rule"`
}

// Parse reads a ReplicationConfiguration document of at most
// MaxDocumentSize bytes, with or without the S3 namespace. It checks the
// shape only; call Validate for the rules.
func Parse(r io.Reader) (*Configuration, error) {
	return xmldoc.Parse[Configuration](r, MaxDocumentSize)
}

// UnmarshalXML decodes a <ReplicationConfiguration> in any namespace.
func (c *Configuration) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	var doc configurationDoc
	if err := d.DecodeElement(&doc, &start); err != nil {
		return err
	}
	*c = Configuration{Role: doc.Role, Rules: doc.Rules}
	for i := range c.Rules {
		c.Rules[i].dropEmptyElements()
	}
	return nil
}

// dropEmptyElements reads elements sent empty as absent. MinIO's Go
// client sends every element of a rule, with empty values for those its
// caller did not set (<Filter><Prefix></Prefix><And></And><Tag></Tag>
// </Filter>, <DeleteReplication><Status></Status>...); MinIO reads them
// as not set, and so does kura.
func (r *Rule) dropEmptyElements() {
	if f := r.Filter; f != nil {
		if f.And != nil && f.And.Prefix == "" && len(f.And.Tags) == 0 {
			f.And = nil
		}
		if f.Tag != nil && f.Tag.Key == "" && f.Tag.Value == "" {
			f.Tag = nil
		}
		if f.Prefix != nil && *f.Prefix == "" && (f.And != nil || f.Tag != nil) {
			f.Prefix = nil
		}
	}
	for _, s := range []**Status{&r.DeleteMarkerReplication, &r.DeleteReplication, &r.ExistingObjectReplication} {
		if *s != nil && (*s).Status == "" {
			*s = nil
		}
	}
	if c := r.SourceSelectionCriteria; c != nil {
		for _, s := range []**Status{&c.SSEKMSEncryptedObjects, &c.ReplicaModifications} {
			if *s != nil && (*s).Status == "" {
				*s = nil
			}
		}
		if c.SSEKMSEncryptedObjects == nil && c.ReplicaModifications == nil {
			r.SourceSelectionCriteria = nil
		}
	}
}

// MarshalXML encodes the configuration in the S3 namespace.
func (c Configuration) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	return e.Encode(configurationDoc{Xmlns: xmldoc.Namespace, Role: c.Role, Rules: c.Rules})
}

// Encode returns the document without an XML declaration.
func (c *Configuration) Encode() ([]byte, error) {
	return xmldoc.Encode(c)
}
