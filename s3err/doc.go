// Package s3err is the one table of S3 errors: each error's code, HTTP
// status and message, as AWS S3 defines them.
//
// Errors are sentinel values (ErrNoSuchBucket, ...) that every layer may
// return; errors.Is matches them even after WithMessage or wrapping. The
// HTTP layer turns any error into the S3 XML error document with As; an
// error that is not an *Error becomes InternalError.
//
// This package is a leaf: it imports nothing of kura.
package s3err
