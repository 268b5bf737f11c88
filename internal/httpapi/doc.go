// Package httpapi is kura's S3 HTTP front end: routing, authentication,
// and one small handler per operation, grouped one file per operation group
// (bucket.go, object.go, list.go, delete.go).
//
// A handler decodes the request, calls the object layer, and returns a
// response value or an error; it never touches storage directly. Errors are
// s3err values and become the S3 XML error document in one place
// (response.go). Every response carries x-amz-request-id.
package httpapi
