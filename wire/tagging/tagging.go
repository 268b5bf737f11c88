package tagging

import (
	"encoding/xml"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/internal/xmldoc"
)

// Limits of a tag set, as AWS S3 sets them. Lengths count Unicode
// characters, not bytes.
const (
	MaxObjectTags  = 10
	MaxBucketTags  = 50
	MaxKeyLength   = 128
	MaxValueLength = 256
	// MaxDocumentSize bounds a Tagging document. 50 tags of the longest
	// keys and values, even in 4-byte UTF-8, need less than 100 KiB.
	MaxDocumentSize = 1 << 20
)

// Tag is one key and its value.
type Tag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

// Tagging is a tag set. Its order is the order the client sent; Encode and
// QueryString sort by key so that stored documents are deterministic.
type Tagging struct {
	TagSet []Tag
}

// taggingDoc is the XML form. TagSet is a pointer so that a document
// without one, which the S3 schema forbids, can be told from an empty set.
type taggingDoc struct {
	XMLName xml.Name    `xml:"Tagging"`
	Xmlns   string      `xml:"xmlns,attr,omitempty"`
	TagSet  *tagSetElem `xml:"TagSet"`
}

type tagSetElem struct {
	Tags []Tag `xml:"Tag"`
}

// Parse reads a Tagging document of at most MaxDocumentSize bytes, with or
// without the S3 namespace. It checks the shape only; call ValidateObject
// or ValidateBucket for the tag rules.
func Parse(r io.Reader) (*Tagging, error) {
	return xmldoc.Parse[Tagging](r, MaxDocumentSize)
}

// UnmarshalXML decodes a <Tagging> element in any namespace.
func (t *Tagging) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	var doc taggingDoc
	if err := d.DecodeElement(&doc, &start); err != nil {
		return err
	}
	if doc.TagSet == nil {
		return s3err.ErrMalformedXML
	}
	t.TagSet = doc.TagSet.Tags
	return nil
}

// MarshalXML encodes the tag set in the S3 namespace, sorted by key.
func (t Tagging) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	return e.Encode(taggingDoc{
		Xmlns:  xmldoc.Namespace,
		TagSet: &tagSetElem{Tags: t.sorted()},
	})
}

// Encode returns the Tagging document, sorted by key, without an XML
// declaration.
func (t *Tagging) Encode() ([]byte, error) {
	return xmldoc.Encode(t)
}

// sorted returns a copy of the tag set ordered by key (then value, so that
// even an invalid set with duplicate keys encodes deterministically).
func (t *Tagging) sorted() []Tag {
	tags := slices.Clone(t.TagSet)
	slices.SortFunc(tags, func(a, b Tag) int {
		if c := strings.Compare(a.Key, b.Key); c != 0 {
			return c
		}
		return strings.Compare(a.Value, b.Value)
	})
	return tags
}

// Map returns the tag set as a map. On duplicate keys the last one wins;
// validate first to refuse them.
func (t *Tagging) Map() map[string]string {
	m := make(map[string]string, len(t.TagSet))
	for _, tag := range t.TagSet {
		m[tag.Key] = tag.Value
	}
	return m
}

// FromMap builds a tag set sorted by key. A nil or empty map gives an
// empty set, which encodes as an empty <TagSet>.
func FromMap(m map[string]string) *Tagging {
	t := &Tagging{TagSet: make([]Tag, 0, len(m))}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		t.TagSet = append(t.TagSet, Tag{Key: k, Value: m[k]})
	}
	return t
}
