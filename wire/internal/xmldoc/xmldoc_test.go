package xmldoc

import (
	"encoding/xml"
	"errors"
	"strings"
	"testing"

	"github.com/kurastore/kura/s3err"
)

type doc struct {
	XMLName xml.Name `xml:"Doc"`
	Value   string   `xml:"Value"`
}

// refusing fails its own decoding with an S3 error, which must pass
// through unchanged.
type refusing struct{}

func (*refusing) UnmarshalXML(d *xml.Decoder, _ xml.StartElement) error {
	d.Skip()
	return s3err.ErrInvalidArgument.WithMessage("no")
}

type failingReader struct{}

var errRead = errors.New("read failed")

func (failingReader) Read([]byte) (int, error) { return 0, errRead }

func TestDecode(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
		err  error
	}{
		{"plain", `<Doc><Value>v</Value></Doc>`, "v", nil},
		{"namespace", `<Doc xmlns="` + Namespace + `"><Value>v</Value></Doc>`, "v", nil},
		{"other namespace", `<Doc xmlns="urn:x"><Value>v</Value></Doc>`, "v", nil},
		{"prolog and epilog", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- hi -->\n<Doc><Value>v</Value></Doc>\n<!-- bye -->\n", "v", nil},
		{"exactly the limit", `<Doc><Value>v</Value></Doc>` + strings.Repeat(" ", 100-27), "v", nil},
		{"over the limit", `<Doc><Value>v</Value></Doc>` + strings.Repeat(" ", 101-27), "", s3err.ErrRequestBodyTooLarge},
		{"empty", ``, "", s3err.ErrMalformedXML},
		{"whitespace only", "  \n", "", s3err.ErrMalformedXML},
		{"text before root", `x<Doc/>`, "", s3err.ErrMalformedXML},
		{"text after root", `<Doc/>x`, "", s3err.ErrMalformedXML},
		{"element after root", `<Doc/><Doc/>`, "", s3err.ErrMalformedXML},
		{"wrong root", `<Other/>`, "", s3err.ErrMalformedXML},
		{"unclosed", `<Doc><Value>`, "", s3err.ErrMalformedXML},
		{"mismatched", `<Doc></Other>`, "", s3err.ErrMalformedXML},
		{"control character", "<Doc><Value>\x01</Value></Doc>", "", s3err.ErrMalformedXML},
		{"other encoding", `<?xml version="1.0" encoding="ISO-8859-1"?><Doc/>`, "", s3err.ErrMalformedXML},
		{"undefined entity", `<Doc><Value>&bogus;</Value></Doc>`, "", s3err.ErrMalformedXML},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d doc
			err := Decode(strings.NewReader(tt.in), 100, &d)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("Decode error = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if d.Value != tt.want {
				t.Fatalf("Value = %q, want %q", d.Value, tt.want)
			}
		})
	}
}

func TestDecodePassesErrorsThrough(t *testing.T) {
	err := Decode(strings.NewReader(`<Doc/>`), 100, &refusing{})
	if e := s3err.From(err); !errors.Is(err, s3err.ErrInvalidArgument) || e.Message != "no" {
		t.Fatalf("Decode error = %v, want the unmarshaler's own", err)
	}
	if err := Decode(failingReader{}, 100, &doc{}); !errors.Is(err, errRead) {
		t.Fatalf("Decode error = %v, want the read error", err)
	}
}
