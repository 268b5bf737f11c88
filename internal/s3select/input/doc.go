// Package input reads the records of a SelectObjectContent request's
// object: CSV and JSON, uncompressed or compressed with GZIP or BZIP2,
// the whole object or a scan range of it. Records implement sql.Record;
// CSV records implement sql.TextRecord as well.
//
// Readers stream: they hold one record at a time, and a record longer
// than MaxRecordSize (AWS's 1 MB maxCharsPerRecord) is an
// OverMaxRecordSize error. Malformed input gives S3 Select's codes:
// CSVParsingError, CSVEscapingRecordDelimiter, CSVUnescapedQuote,
// JSONParsingError, and TruncatedInput for a stream that does not
// decompress.
//
// Usage, in a handler:
//
//	span, ok := input.ResolveScanRange(req.ScanRange, size) // with a ScanRange
//	src := object read from span.ReadFrom(req.Input), or from 0
//	rd, err := input.NewReader(src, input.Config{Input: req.Input, Span: &span})
//	for {
//		rec, err := rd.Next() // io.EOF at the end
//		ev.EvalEach(rec, func(row []sql.Column) error {
//			// CSV: check rd.(*input.CSVReader).Ambiguous() before writing
//			buf = w.AppendRow(buf, row) // or w.AppendRecord(buf, rec) for a nil row
//		})
//	}
//	Stats: rd.BytesScanned(), rd.BytesProcessed()
//
// # CSV
//
// Records end with RecordDelimiter (one or two characters, such as
// "\r\n") and fields with FieldDelimiter. A field that starts with
// QuoteCharacter runs to the next unescaped QuoteCharacter; inside it
// QuoteEscapeCharacter followed by QuoteCharacter (or by itself) stands
// for that character, and a doubled QuoteCharacter for one. A quoted
// field may hold the record delimiter only with
// AllowQuotedRecordDelimiter; otherwise that is a
// CSVEscapingRecordDelimiter error, as on AWS, which splits records
// before it reads quotes. Text after a closing quote other than a
// delimiter is CSVUnescapedQuote. A quote inside an unquoted field is an
// ordinary character. Lines that begin with the Comments character ("#"
// unless set, as AWS documents) and empty lines are skipped. A UTF-8
// byte order mark at the start of the object is skipped.
//
// With FileHeaderInfo USE the first record names the columns: Column
// finds them ignoring case unless asked otherwise. A name that matches
// more than one column is ambiguous: Column answers MISSING and the
// reader's next call to Next, and Ambiguous, give AmbiguousFieldName.
// IGNORE skips the first record; NONE reads it as data. Missing trailing
// fields are MISSING; extra ones are reached by position only.
//
// # JSON
//
// DOCUMENT objects hold one or more top-level JSON values, separated by
// whitespace or not at all; LINES objects hold one value per line
// (blank lines are skipped). Each value is a record: objects keep their
// members' order (*sql.Object), numbers are int64 when integral and in
// range and float64 otherwise. The package only finds where each
// top-level value ends. Values are parsed by fastjson, and converted to
// Go values only as far as the query reads them, when that reads them
// exactly as encoding/json does; otherwise (\u escapes, invalid UTF-8,
// values nested deeper than fastjson goes, any syntax error)
// encoding/json decodes them and words the errors.
//
// # Scan ranges
//
// A record belongs to a scan range when its first byte is in it; it is
// read to its end even past the range. ResolveScanRange turns a request's
// ScanRange into a Span, and Span.ReadFrom tells where to start reading
// the object: a record delimiter's length before Start, so that the
// reader can tell whether a record begins exactly at Start. Scan ranges
// apply to uncompressed CSV and JSON LINES objects.
//
// # Split scans
//
// Because a record belongs to exactly one span, a scan can be cut into
// consecutive spans that readers scan at once, and their records, taken
// in span order, are the records of one scan. Split does the cutting,
// for the inputs where the record delimiter always ends a record:
// uncompressed JSON LINES, and uncompressed CSV unless it allows quoted
// record delimiters.
package input
