package s3err

import "net/http"

// Errors of the bucket configurations that have their own "not found"
// codes (encryption, lifecycle, replication, website). Clients, boto3 and
// minio-py among them, test for these exact codes to tell "nothing set"
// from a failure.
var (
	ErrNoSuchLifecycleConfiguration = def("NoSuchLifecycleConfiguration", http.StatusNotFound, "The lifecycle configuration does not exist")
	ErrNoSuchEncryptionConfig       = def("ServerSideEncryptionConfigurationNotFoundError", http.StatusNotFound, "The server side encryption configuration was not found")
	ErrNoSuchReplicationConfig      = def("ReplicationConfigurationNotFoundError", http.StatusNotFound, "The replication configuration was not found")
	ErrNoSuchWebsiteConfiguration   = def("NoSuchWebsiteConfiguration", http.StatusNotFound, "The specified bucket does not have a website configuration")
)

// Errors of SelectObjectContent requests, with AWS's codes and messages.
// Select has codes of its own where other APIs say InvalidArgument, and
// clients show them to users as they are.
var (
	ErrMissingRequiredParameter = def("MissingRequiredParameter", http.StatusBadRequest, "The SelectRequest entity is missing a required parameter. Check the service documentation and try again.")
	ErrInvalidRequestParameter  = def("InvalidRequestParameter", http.StatusBadRequest, "The value of a parameter in SelectRequest element is invalid. Check the service API documentation and try again.")
	ErrInvalidExpressionType    = def("InvalidExpressionType", http.StatusBadRequest, "The ExpressionType is invalid. Only SQL expressions are supported.")
	ErrExpressionTooLong        = def("ExpressionTooLong", http.StatusBadRequest, "The SQL expression is too long: The maximum byte-length for the SQL expression is 256 KB.")
	ErrInvalidCompressionFormat = def("InvalidCompressionFormat", http.StatusBadRequest, "The file is not in a supported compression format. Only GZIP and BZIP2 are supported.")
	ErrInvalidFileHeaderInfo    = def("InvalidFileHeaderInfo", http.StatusBadRequest, "The FileHeaderInfo is invalid. Only NONE, USE, and IGNORE are supported.")
	ErrInvalidJSONType          = def("InvalidJsonType", http.StatusBadRequest, "The JsonType is invalid. Only DOCUMENT and LINES are supported.")
	ErrInvalidQuoteFields       = def("InvalidQuoteFields", http.StatusBadRequest, "The QuoteFields is invalid. Only ALWAYS and ASNEEDED are supported.")
)
