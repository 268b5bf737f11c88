package s3err

import "net/http"

// Errors of the server's protection against hostile or broken clients.
var (
	// ErrRequestTimeout is a request whose body arrives slower than the
	// server's minimum rate.
	ErrRequestTimeout = def("RequestTimeout", http.StatusBadRequest, "Your socket connection to the server was not read from or written to within the timeout period.")
	// ErrRequestHeaderSectionTooLarge is a request with more header
	// lines than the server accepts.
	ErrRequestHeaderSectionTooLarge = def("RequestHeaderSectionTooLarge", http.StatusBadRequest, "Your request header section exceeds the maximum allowed size.")
)
