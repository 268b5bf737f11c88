package xmldoc

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"

	"github.com/kurastore/kura/s3err"
)

// Namespace is the S3 XML namespace that documents are written with. It is
// optional on input: clients send documents with and without it.
const Namespace = "http://s3.amazonaws.com/doc/2006-03-01/"

// Encode returns v's XML element, without an XML declaration.
func Encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	if err := xml.NewEncoder(&buf).Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Parse decodes a document of type T (which unmarshals itself) from at
// most limit bytes of r: the body of every wire package's Parse.
func Parse[T any](r io.Reader, limit int64) (*T, error) {
	var v T
	if err := Decode(r, limit, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// Decode reads at most limit bytes from r and decodes the one XML element
// they hold into v.
//
// A body longer than limit is refused before any parsing, so a client
// cannot make the server buffer or walk an unbounded document. Errors that
// v's own UnmarshalXML returns as *s3err.Error pass through unchanged;
// every other decoding failure is MalformedXML. Read errors are returned
// as they are.
func Decode(r io.Reader, limit int64, v any) error {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return err
	}
	if int64(len(data)) > limit {
		return s3err.ErrRequestBodyTooLarge
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	start, err := rootElement(d)
	if err != nil {
		return err
	}
	if err := d.DecodeElement(v, &start); err != nil {
		return asS3Error(err)
	}
	return expectEnd(d)
}

// rootElement skips the prolog and returns the root's start tag. Text
// before the root is refused: encoding/xml would silently skip it.
func rootElement(d *xml.Decoder) (xml.StartElement, error) {
	for {
		tok, err := d.Token()
		if err != nil {
			return xml.StartElement{}, s3err.ErrMalformedXML
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return t, nil
		case xml.CharData:
			if len(bytes.TrimSpace(t)) != 0 {
				return xml.StartElement{}, s3err.ErrMalformedXML
			}
		}
	}
}

// expectEnd refuses anything but whitespace, comments and processing
// instructions after the root element.
func expectEnd(d *xml.Decoder) error {
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return s3err.ErrMalformedXML
		}
		switch t := tok.(type) {
		case xml.StartElement, xml.EndElement:
			return s3err.ErrMalformedXML
		case xml.CharData:
			if len(bytes.TrimSpace(t)) != 0 {
				return s3err.ErrMalformedXML
			}
		}
	}
}

func asS3Error(err error) error {
	var e *s3err.Error
	if errors.As(err, &e) {
		return e
	}
	return s3err.ErrMalformedXML
}
