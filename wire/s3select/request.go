package s3select

import (
	"encoding/xml"
	"io"

	"github.com/kurastore/kura/wire/internal/xmldoc"
)

// The one expression type.
const SQL = "SQL"

// Compression of the object.
const (
	CompressionNone  = "NONE"
	CompressionGZIP  = "GZIP"
	CompressionBZIP2 = "BZIP2"
)

// How the first line of a CSV object is read: as column names to use, as
// a line to skip, or as data.
const (
	FileHeaderUse    = "USE"
	FileHeaderIgnore = "IGNORE"
	FileHeaderNone   = "NONE"
)

// JSON input types: one document, or one document per line.
const (
	JSONDocument = "DOCUMENT"
	JSONLines    = "LINES"
)

// When CSV output quotes fields.
const (
	QuoteAlways   = "ALWAYS"
	QuoteAsNeeded = "ASNEEDED"
)

// Limits of a request, as AWS S3 sets them.
const (
	// MaxExpressionSize is the longest SQL expression, in bytes.
	MaxExpressionSize = 256 << 10
	// MaxDocumentSize bounds the request document: the longest
	// expression, even with every character escaped, and the rest.
	MaxDocumentSize = 2 << 20
)

// Request is a SelectObjectContent request.
type Request struct {
	Expression string
	// ExpressionType is SQL, the only type.
	ExpressionType string
	Input          InputSerialization
	Output         OutputSerialization
	// RequestProgress asks for Progress messages while the object is
	// scanned.
	RequestProgress bool
	// ScanRange limits the scan to part of the object; nil for all of
	// it.
	ScanRange *ScanRange
}

// InputSerialization is how the object is written: exactly one of CSV,
// JSON and Parquet, and its compression.
type InputSerialization struct {
	// CompressionType is NONE, GZIP or BZIP2; "" is NONE.
	CompressionType string        `xml:"CompressionType,omitempty"`
	CSV             *CSVInput     `xml:"CSV"`
	JSON            *JSONInput    `xml:"JSON"`
	Parquet         *ParquetInput `xml:"Parquet"`
}

// CSVInput describes a CSV object. Empty fields take S3's defaults:
// FileHeaderInfo NONE, records ending in "\n", fields separated by ",",
// quoted and escaped with '"', and lines starting with '#' skipped as
// comments.
type CSVInput struct {
	FileHeaderInfo       string `xml:"FileHeaderInfo,omitempty"`
	RecordDelimiter      string `xml:"RecordDelimiter,omitempty"`
	FieldDelimiter       string `xml:"FieldDelimiter,omitempty"`
	QuoteCharacter       string `xml:"QuoteCharacter,omitempty"`
	QuoteEscapeCharacter string `xml:"QuoteEscapeCharacter,omitempty"`
	// Comments is the character that starts a line to skip.
	Comments string `xml:"Comments,omitempty"`
	// AllowQuotedRecordDelimiter lets quoted fields hold the record
	// delimiter, at the cost of splitting the scan.
	AllowQuotedRecordDelimiter bool `xml:"AllowQuotedRecordDelimiter,omitempty"`
}

// JSONInput describes a JSON object: Type DOCUMENT or LINES ("" is
// DOCUMENT).
type JSONInput struct {
	Type string `xml:"Type,omitempty"`
}

// ParquetInput marks a Parquet object; it has no options.
type ParquetInput struct{}

// OutputSerialization is how records are written: exactly one of CSV and
// JSON.
type OutputSerialization struct {
	CSV  *CSVOutput  `xml:"CSV"`
	JSON *JSONOutput `xml:"JSON"`
}

// CSVOutput describes CSV records. Empty fields take S3's defaults:
// QuoteFields ASNEEDED, "\n", ",", '"' and '"'.
type CSVOutput struct {
	QuoteFields          string `xml:"QuoteFields,omitempty"`
	RecordDelimiter      string `xml:"RecordDelimiter,omitempty"`
	FieldDelimiter       string `xml:"FieldDelimiter,omitempty"`
	QuoteCharacter       string `xml:"QuoteCharacter,omitempty"`
	QuoteEscapeCharacter string `xml:"QuoteEscapeCharacter,omitempty"`
}

// JSONOutput describes JSON records: RecordDelimiter ends each ("" is
// "\n").
type JSONOutput struct {
	RecordDelimiter string `xml:"RecordDelimiter,omitempty"`
}

// ScanRange is a byte range of the object: records that start in it are
// scanned. Start alone scans from Start to the end; End alone scans the
// last End bytes.
type ScanRange struct {
	Start *int64 `xml:"Start"`
	End   *int64 `xml:"End"`
}

type requestProgress struct {
	Enabled bool `xml:"Enabled"`
}

type requestDoc struct {
	XMLName         xml.Name            `xml:"SelectObjectContentRequest"`
	Xmlns           string              `xml:"xmlns,attr,omitempty"`
	Expression      string              `xml:"Expression"`
	ExpressionType  string              `xml:"ExpressionType"`
	RequestProgress *requestProgress    `xml:"RequestProgress"`
	Input           InputSerialization  `xml:"InputSerialization"`
	Output          OutputSerialization `xml:"OutputSerialization"`
	ScanRange       *ScanRange          `xml:"ScanRange"`
}

// Parse reads a SelectObjectContentRequest document of at most
// MaxDocumentSize bytes, with or without the S3 namespace. It checks the
// shape only; call Validate for the rules.
func Parse(r io.Reader) (*Request, error) {
	return xmldoc.Parse[Request](r, MaxDocumentSize)
}

// UnmarshalXML decodes a <SelectObjectContentRequest> in any namespace.
func (r *Request) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	var doc requestDoc
	if err := d.DecodeElement(&doc, &start); err != nil {
		return err
	}
	*r = Request{
		Expression: doc.Expression, ExpressionType: doc.ExpressionType,
		Input: doc.Input, Output: doc.Output, ScanRange: doc.ScanRange,
		RequestProgress: doc.RequestProgress != nil && doc.RequestProgress.Enabled,
	}
	return nil
}

// MarshalXML encodes the request in the S3 namespace.
func (r Request) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	doc := requestDoc{
		Xmlns: xmldoc.Namespace, Expression: r.Expression, ExpressionType: r.ExpressionType,
		Input: r.Input, Output: r.Output, ScanRange: r.ScanRange,
	}
	if r.RequestProgress {
		doc.RequestProgress = &requestProgress{Enabled: true}
	}
	return e.Encode(doc)
}

// Encode returns the document without an XML declaration.
func (r *Request) Encode() ([]byte, error) {
	return xmldoc.Encode(r)
}
