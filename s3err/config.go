package s3err

import "net/http"

// Errors of the bucket and object configuration documents (tagging, CORS,
// notification, bucket policy). ErrInvalidTag lives in the main table.
var (
	ErrNoSuchTagSet            = def("NoSuchTagSet", http.StatusNotFound, "The TagSet does not exist")
	ErrNoSuchCORSConfiguration = def("NoSuchCORSConfiguration", http.StatusNotFound, "The CORS configuration does not exist")
	ErrNoSuchBucketPolicy      = def("NoSuchBucketPolicy", http.StatusNotFound, "The bucket policy does not exist")
	ErrMalformedPolicy         = def("MalformedPolicy", http.StatusBadRequest, "Policies must be valid JSON and the first byte must be '{'")
	// ErrNoSuchPublicAccessBlock answers GetPublicAccessBlock on a bucket
	// without a configuration.
	ErrNoSuchPublicAccessBlock = def("NoSuchPublicAccessBlockConfiguration", http.StatusNotFound, "The public access block configuration was not found")
	// ErrInvalidTargetARN is AWS's InvalidArgument for a notification
	// destination that is not well formed or not known to the server.
	ErrInvalidTargetARN = def("InvalidArgument", http.StatusBadRequest, "A specified destination ARN does not exist or is not well-formed. Verify the destination ARN.")
)
