// Package s3select is S3 Select: the SelectObjectContentRequest XML
// document of SelectObjectContent (an SQL expression, how the object is
// serialized and compressed, how results are written, progress and scan
// range), AWS's rules for it, and the AWS event-stream binary framing in
// which results travel back (Records, Stats, Progress, Cont, End and
// error messages).
//
// The package is not named "select" because that is a Go keyword.
//
// It owns the request's shape and validation and the event-stream codec:
// an Encoder for the server and a streaming Decoder for the SDK. It does
// not evaluate SQL or read objects.
package s3select
