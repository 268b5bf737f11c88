package s3err

import "net/http"

// Errors of reading a SelectObjectContent request's object: its
// compression, its CSV or JSON records and the scan range, with AWS's
// codes and messages. All are 400 Bad Request.
var (
	ErrOverMaxRecordSize          = def("OverMaxRecordSize", http.StatusBadRequest, "The length of a record in the input or result is greater than the maxCharsPerRecord limit of 1 MB.")
	ErrCSVParsingError            = def("CSVParsingError", http.StatusBadRequest, "An error occurred while parsing the CSV file. Check the file and try again.")
	ErrCSVEscapingRecordDelimiter = def("CSVEscapingRecordDelimiter", http.StatusBadRequest, "A quoted record delimiter was found in the file. To allow quoted record delimiters, set AllowQuotedRecordDelimiter to 'TRUE'.")
	ErrCSVUnescapedQuote          = def("CSVUnescapedQuote", http.StatusBadRequest, "An unescaped quote was found while parsing the CSV file. To allow quoted record delimiters, set AllowQuotedRecordDelimiter to 'TRUE'.")
	ErrJSONParsingError           = def("JSONParsingError", http.StatusBadRequest, "An error occurred while parsing the JSON file. Check the file and try again.")
	ErrAmbiguousFieldName         = def("AmbiguousFieldName", http.StatusBadRequest, "The field name matches to multiple fields in the file. Check the SQL expression and the file, and try again.")
	ErrTruncatedInput             = def("TruncatedInput", http.StatusBadRequest, "Object decompression failed. Check that the object is properly compressed using the format specified in the request.")
	ErrUnsupportedScanRangeInput  = def("UnsupportedScanRangeInput", http.StatusBadRequest, "Scan range queries are not supported on this type of object.")
)
