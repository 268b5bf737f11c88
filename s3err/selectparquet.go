package s3err

import "net/http"

// Errors of a SelectObjectContent request over a Parquet object, with
// AWS's codes and messages. Both are 400 Bad Request.
var (
	ErrParquetParsingError                = def("ParquetParsingError", http.StatusBadRequest, "An error occurred while parsing the Parquet file. Check the file and try again.")
	ErrParquetUnsupportedCompressionCodec = def("ParquetUnsupportedCompressionCodec", http.StatusBadRequest, "The specified Parquet compression codec is not supported.")
)
