// Package website is the S3 static website configuration: the
// WebsiteConfiguration XML document of Get/Put/DeleteBucketWebsite, AWS's
// rules for it, and the decisions a website endpoint takes from it: which
// key serves a request, and where a redirect sends it.
//
// It does not read requests or write responses: the HTTP layer passes in
// keys, statuses, the request's scheme and host, and builds its answers
// from what this package returns.
package website
