package s3err

import "net/http"

// Errors of browser POST uploads (form fields and POST policies).
var (
	ErrMalformedPOSTRequest  = def("MalformedPOSTRequest", http.StatusBadRequest, "The body of your POST request is not well-formed multipart/form-data.")
	ErrInvalidPolicyDocument = def("InvalidPolicyDocument", http.StatusBadRequest, "The content of the form does not meet the conditions specified in the policy document.")
)

// Errors of tar archives uploaded for automatic extraction (snowball).
// They reuse AWS codes so that clients need no new ones; the messages say
// what was wrong with the archive.
var (
	ErrMalformedArchive      = def("InvalidRequest", http.StatusBadRequest, "The archive is truncated or is not a valid tar or gzip-compressed tar stream.")
	ErrUnsafeArchiveEntry    = def("InvalidArgument", http.StatusBadRequest, "The archive contains an entry whose name is not a safe object key.")
	ErrArchiveTooManyEntries = def("InvalidRequest", http.StatusBadRequest, "The archive contains too many entries.")
	ErrArchiveTooLarge       = def("EntityTooLarge", http.StatusBadRequest, "The archive's extracted content exceeds the maximum allowed size.")
)
