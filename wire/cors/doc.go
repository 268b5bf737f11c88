// Package cors is the S3 bucket CORS configuration: the CORSConfiguration
// XML document of Get/PutBucketCors, AWS's rules for it, and the matching
// of a browser's cross-origin request against its rules.
//
// It owns the document's shape, its validation, and the decision of which
// rule (if any) allows a request and which Access-Control-* headers that
// rule implies. It does not read requests or write responses: the HTTP
// layer passes in the Origin, method and requested headers, and applies
// the headers this package returns.
package cors
