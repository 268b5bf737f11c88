package s3select

import (
	"bytes"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/kurastore/kura/s3err"
)

func TestParseExample(t *testing.T) {
	f, err := os.Open("testdata/csv.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	want := &Request{
		Expression:     "SELECT s.name FROM S3Object s WHERE CAST(s.age AS INT) > 30",
		ExpressionType: SQL,
		Input: InputSerialization{CompressionType: CompressionGZIP, CSV: &CSVInput{
			FileHeaderInfo: FileHeaderUse, RecordDelimiter: "\r\n", FieldDelimiter: ";", QuoteCharacter: "'",
			QuoteEscapeCharacter: `\`, Comments: "#", AllowQuotedRecordDelimiter: true,
		}},
		Output:          OutputSerialization{JSON: &JSONOutput{RecordDelimiter: "\n"}},
		RequestProgress: true,
	}
	if !reflect.DeepEqual(r, want) {
		t.Fatalf("Parse =\n%+v\nwant\n%+v", r, want)
	}
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	enc, err := r.Encode()
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse(bytes.NewReader(enc))
	if err != nil || !reflect.DeepEqual(again, r) {
		t.Fatalf("round trip of %s: %+v, %v", enc, again, err)
	}
}

// valid returns a minimal valid request to change one thing in.
func valid() *Request {
	return &Request{
		Expression: "SELECT * FROM S3Object", ExpressionType: SQL,
		Input:  InputSerialization{CSV: &CSVInput{}},
		Output: OutputSerialization{CSV: &CSVOutput{}},
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Request)
		err    error // nil means valid
	}{
		{"minimal", func(*Request) {}, nil},
		{"json lines to json", func(r *Request) {
			r.Input = InputSerialization{JSON: &JSONInput{Type: JSONLines}, CompressionType: CompressionBZIP2}
			r.Output = OutputSerialization{JSON: &JSONOutput{}}
		}, nil},
		{"parquet", func(r *Request) { r.Input = InputSerialization{Parquet: &ParquetInput{}} }, nil},
		{"scan range", func(r *Request) { r.ScanRange = &ScanRange{Start: ptr(int64(10)), End: ptr(int64(20))} }, nil},
		{"scan of the tail", func(r *Request) { r.ScanRange = &ScanRange{End: ptr(int64(20))} }, nil},
		{"no expression", func(r *Request) { r.Expression = "" }, s3err.ErrMissingRequiredParameter},
		{"no expression type", func(r *Request) { r.ExpressionType = "" }, s3err.ErrMissingRequiredParameter},
		{"other expression type", func(r *Request) { r.ExpressionType = "XPath" }, s3err.ErrInvalidExpressionType},
		{"no input", func(r *Request) { r.Input.CSV = nil }, s3err.ErrMissingRequiredParameter},
		{"two inputs", func(r *Request) { r.Input.JSON = &JSONInput{} }, s3err.ErrInvalidRequestParameter},
		{"no output", func(r *Request) { r.Output.CSV = nil }, s3err.ErrMissingRequiredParameter},
		{"two outputs", func(r *Request) { r.Output.JSON = &JSONOutput{} }, s3err.ErrInvalidRequestParameter},
		{"unknown compression", func(r *Request) { r.Input.CompressionType = "ZSTD" }, s3err.ErrInvalidCompressionFormat},
		{"compressed parquet", func(r *Request) {
			r.Input = InputSerialization{Parquet: &ParquetInput{}, CompressionType: CompressionGZIP}
		}, s3err.ErrInvalidRequestParameter},
		{"bad file header info", func(r *Request) { r.Input.CSV.FileHeaderInfo = "FIRST" }, s3err.ErrInvalidFileHeaderInfo},
		{"bad json type", func(r *Request) { r.Input = InputSerialization{JSON: &JSONInput{Type: "ARRAY"}} }, s3err.ErrInvalidJSONType},
		{"bad quote fields", func(r *Request) { r.Output.CSV.QuoteFields = "NEVER" }, s3err.ErrInvalidQuoteFields},
		{"crlf record delimiter", func(r *Request) { r.Input.CSV.RecordDelimiter = "\r\n" }, nil},
		{"three-character record delimiter", func(r *Request) { r.Input.CSV.RecordDelimiter = "\r\n\n" }, s3err.ErrInvalidRequestParameter},
		{"two-character field delimiter", func(r *Request) { r.Output.CSV.FieldDelimiter = "::" }, s3err.ErrInvalidRequestParameter},
		{"unicode field delimiter", func(r *Request) { r.Input.CSV.FieldDelimiter = "¦" }, nil},
		{"two-character comment", func(r *Request) { r.Input.CSV.Comments = "//" }, s3err.ErrInvalidRequestParameter},
		{"long json delimiter", func(r *Request) {
			r.Output = OutputSerialization{JSON: &JSONOutput{RecordDelimiter: ",\n\n"}}
		}, s3err.ErrInvalidRequestParameter},
		{"empty scan range", func(r *Request) { r.ScanRange = &ScanRange{} }, s3err.ErrMissingRequiredParameter},
		{"negative scan start", func(r *Request) { r.ScanRange = &ScanRange{Start: ptr(int64(-1))} }, s3err.ErrInvalidRequestParameter},
		{"reversed scan range", func(r *Request) { r.ScanRange = &ScanRange{Start: ptr(int64(2)), End: ptr(int64(1))} }, s3err.ErrInvalidRequestParameter},
		{"scan of compressed csv", func(r *Request) {
			r.Input.CompressionType = CompressionGZIP
			r.ScanRange = &ScanRange{Start: ptr(int64(0))}
		}, s3err.ErrUnsupportedScanRangeInput},
		{"scan of a json document", func(r *Request) {
			r.Input = InputSerialization{JSON: &JSONInput{Type: JSONDocument}}
			r.ScanRange = &ScanRange{Start: ptr(int64(0))}
		}, s3err.ErrUnsupportedScanRangeInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := valid()
			tt.change(r)
			err := r.Validate()
			if tt.err == nil {
				if err != nil {
					t.Fatal(err)
				}
				enc, err := r.Encode()
				if err != nil {
					t.Fatal(err)
				}
				again, err := Parse(bytes.NewReader(enc))
				if err != nil || !reflect.DeepEqual(again, r) {
					t.Fatalf("round trip of %s: %+v, %v", enc, again, err)
				}
				return
			}
			if !errors.Is(err, tt.err) {
				t.Fatalf("error = %v, want %v", err, tt.err)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	for _, doc := range []string{
		``,
		`<SelectRequest/>`,
		`<SelectObjectContentRequest><Expression>x</Expression>`,
		`<SelectObjectContentRequest><RequestProgress><Enabled>maybe</Enabled></RequestProgress></SelectObjectContentRequest>`,
		`<SelectObjectContentRequest><ScanRange><Start>x</Start></ScanRange></SelectObjectContentRequest>`,
	} {
		if _, err := Parse(strings.NewReader(doc)); !errors.Is(err, s3err.ErrMalformedXML) {
			t.Errorf("%q: error = %v, want MalformedXML", doc, err)
		}
	}
}

func TestLimits(t *testing.T) {
	for _, tt := range []struct {
		n  int
		ok bool
	}{{MaxExpressionSize, true}, {MaxExpressionSize + 1, false}} {
		r := valid()
		r.Expression = "SELECT * FROM S3Object" + strings.Repeat(" ", tt.n-len(r.Expression))
		err := r.Validate()
		if (err == nil) != tt.ok || (!tt.ok && !errors.Is(err, s3err.ErrExpressionTooLong)) {
			t.Errorf("expression of %d bytes: %v", tt.n, err)
		}
	}
	// The longest expression, every byte escaped, still fits a document.
	r := valid()
	r.Expression = strings.Repeat("<", MaxExpressionSize)
	if enc, err := r.Encode(); err != nil || len(enc) > MaxDocumentSize {
		t.Fatalf("escaped longest expression: %d bytes, %v", len(enc), err)
	}
	enc, _ := valid().Encode()
	padded := func(size int) string { return string(enc) + strings.Repeat(" ", size-len(enc)) }
	if _, err := Parse(strings.NewReader(padded(MaxDocumentSize))); err != nil {
		t.Fatalf("document of MaxDocumentSize: %v", err)
	}
	if _, err := Parse(strings.NewReader(padded(MaxDocumentSize + 1))); !errors.Is(err, s3err.ErrRequestBodyTooLarge) {
		t.Fatalf("document of MaxDocumentSize+1: %v", err)
	}
}

// ptr returns a pointer to v, for the optional fields of a configuration.
func ptr[T any](v T) *T { return &v }
