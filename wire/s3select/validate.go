package s3select

import (
	"unicode/utf8"

	"github.com/kurastore/kura/s3err"
)

// Validate checks the request as AWS does, with Select's own error codes:
// an SQL expression of at most MaxExpressionSize bytes; exactly one input
// and one output format; known compression, header, JSON type and
// quoting values; single-character delimiters (two for record
// delimiters, for "\r\n"); a scan range only where records can be found
// from an offset (uncompressed CSV, JSON lines, Parquet).
func (r *Request) Validate() error {
	switch {
	case r.Expression == "":
		return s3err.ErrMissingRequiredParameter.WithMessage("The SelectRequest entity is missing a required parameter: Expression.")
	case len(r.Expression) > MaxExpressionSize:
		return s3err.ErrExpressionTooLong
	case r.ExpressionType == "":
		return s3err.ErrMissingRequiredParameter.WithMessage("The SelectRequest entity is missing a required parameter: ExpressionType.")
	case r.ExpressionType != SQL:
		return s3err.ErrInvalidExpressionType
	}
	if err := r.Input.validate(); err != nil {
		return err
	}
	if err := r.Output.validate(); err != nil {
		return err
	}
	if r.ScanRange != nil {
		return r.validateScanRange()
	}
	return nil
}

func (in *InputSerialization) validate() error {
	switch count(in.CSV != nil, in.JSON != nil, in.Parquet != nil) {
	case 0:
		return s3err.ErrMissingRequiredParameter.WithMessage("The InputSerialization needs one of CSV, JSON and Parquet.")
	case 1:
	default:
		return s3err.ErrInvalidRequestParameter.WithMessage("The InputSerialization can have only one of CSV, JSON and Parquet.")
	}
	switch in.CompressionType {
	case "", CompressionNone:
	case CompressionGZIP, CompressionBZIP2:
		// Parquet compresses its own pages.
		if in.Parquet != nil {
			return s3err.ErrInvalidRequestParameter.WithMessage("GZIP and BZIP2 compression are only valid for CSV and JSON objects.")
		}
	default:
		return s3err.ErrInvalidCompressionFormat
	}
	if c := in.CSV; c != nil {
		switch c.FileHeaderInfo {
		case "", FileHeaderUse, FileHeaderIgnore, FileHeaderNone:
		default:
			return s3err.ErrInvalidFileHeaderInfo
		}
		if err := delimiters(
			field{"RecordDelimiter", c.RecordDelimiter}, field{"FieldDelimiter", c.FieldDelimiter},
			field{"QuoteCharacter", c.QuoteCharacter}, field{"QuoteEscapeCharacter", c.QuoteEscapeCharacter},
			field{"Comments", c.Comments},
		); err != nil {
			return err
		}
	}
	if j := in.JSON; j != nil {
		switch j.Type {
		case "", JSONDocument, JSONLines:
		default:
			return s3err.ErrInvalidJSONType
		}
	}
	return nil
}

func (out *OutputSerialization) validate() error {
	switch count(out.CSV != nil, out.JSON != nil) {
	case 0:
		return s3err.ErrMissingRequiredParameter.WithMessage("The OutputSerialization needs one of CSV and JSON.")
	case 1:
	default:
		return s3err.ErrInvalidRequestParameter.WithMessage("The OutputSerialization can have only one of CSV and JSON.")
	}
	if c := out.CSV; c != nil {
		switch c.QuoteFields {
		case "", QuoteAlways, QuoteAsNeeded:
		default:
			return s3err.ErrInvalidQuoteFields
		}
		return delimiters(
			field{"RecordDelimiter", c.RecordDelimiter}, field{"FieldDelimiter", c.FieldDelimiter},
			field{"QuoteCharacter", c.QuoteCharacter}, field{"QuoteEscapeCharacter", c.QuoteEscapeCharacter},
		)
	}
	return delimiters(field{"RecordDelimiter", out.JSON.RecordDelimiter})
}

// field is a named delimiter, for messages.
type field struct{ name, value string }

// delimiters checks that each value is at most one character, or two for
// a record delimiter ("\r\n").
func delimiters(fields ...field) error {
	for _, f := range fields {
		limit := 1
		if f.name == "RecordDelimiter" {
			limit = 2
		}
		if utf8.RuneCountInString(f.value) > limit {
			return s3err.ErrInvalidRequestParameter.WithMessage("The %s must be at most %d character(s) long.", f.name, limit)
		}
	}
	return nil
}

func (r *Request) validateScanRange() error {
	s := r.ScanRange
	switch {
	case s.Start == nil && s.End == nil:
		return s3err.ErrMissingRequiredParameter.WithMessage("A ScanRange needs a Start or an End.")
	case s.Start != nil && *s.Start < 0, s.End != nil && *s.End < 0:
		return s3err.ErrInvalidRequestParameter.WithMessage("The ScanRange Start and End must not be negative.")
	case s.Start != nil && s.End != nil && *s.Start > *s.End:
		return s3err.ErrInvalidRequestParameter.WithMessage("The ScanRange Start must not be greater than its End.")
	}
	in := r.Input
	// A scan from an offset must find the next record by itself, which
	// compressed streams and whole JSON documents do not allow: AWS calls
	// them objects that scan ranges do not support.
	compressed := in.CompressionType != "" && in.CompressionType != CompressionNone
	if compressed || (in.JSON != nil && in.JSON.Type != JSONLines) {
		return s3err.ErrUnsupportedScanRangeInput.WithMessage("ScanRange is supported only for uncompressed CSV, JSON LINES and Parquet objects.")
	}
	return nil
}

func count(set ...bool) int {
	n := 0
	for _, s := range set {
		if s {
			n++
		}
	}
	return n
}
