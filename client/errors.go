package client

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"strings"
)

// ErrorResponse is an S3 error answer.
type ErrorResponse struct {
	XMLName    xml.Name `xml:"Error"`
	StatusCode int      `xml:"-"`
	Code       string   `xml:"Code"`
	Message    string   `xml:"Message"`
	BucketName string   `xml:"BucketName"`
	Key        string   `xml:"Key"`
	Resource   string   `xml:"Resource"`
	RequestID  string   `xml:"RequestId"`
	HostID     string   `xml:"HostId"`
	Region     string   `xml:"Region"`
}

func (e *ErrorResponse) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("%s (HTTP %d)", e.Code, e.StatusCode)
	}
	return fmt.Sprintf("%s: %s (HTTP %d)", e.Code, e.Message, e.StatusCode)
}

// Is makes errors.Is match an answer against the sentinel of its code
// (ErrNoSuchKey and the others), against ErrInvalidArgument for a
// server's InvalidArgument, and against fs.ErrNotExist when it says a
// bucket, key, version, upload or configuration does not exist: a 404, or
// a NoSuch... code in the body of a 200 answer (CompleteMultipartUpload).
// A HEAD answer has no body; its code comes from the status (see
// ErrorResponse.Code).
func (e *ErrorResponse) Is(target error) bool {
	switch target {
	case fs.ErrNotExist:
		return e.notExist()
	case ErrInvalidArgument:
		return e.Code == "InvalidArgument"
	}
	code, ok := target.(s3Code)
	return ok && string(code) == e.Code
}

// notExist reports whether e says something does not exist.
func (e *ErrorResponse) notExist() bool {
	return e.StatusCode == http.StatusNotFound || strings.HasPrefix(e.Code, "NoSuch") || strings.HasSuffix(e.Code, "NotFoundError")
}

// s3Code is the type of the sentinels that stand for an S3 error code.
type s3Code string

func (c s3Code) Error() string { return "client: S3 error " + string(c) }

// Sentinels for common S3 error codes. An *ErrorResponse matches the one
// of its code with errors.Is:
//
//	if errors.Is(err, client.ErrNoSuchKey) { ... }
//
// Not-found answers also match fs.ErrNotExist. A HEAD answer (StatObject,
// BucketExists) carries no code: a 404 of an object is NoSuchKey (a
// NoSuchVersion when a version was named), of a bucket NoSuchBucket, a
// 403 AccessDenied, a 412 PreconditionFailed and a 304 NotModified.
var (
	ErrNoSuchBucket            error = s3Code("NoSuchBucket")
	ErrNoSuchKey               error = s3Code("NoSuchKey")
	ErrNoSuchVersion           error = s3Code("NoSuchVersion")
	ErrNoSuchUpload            error = s3Code("NoSuchUpload")
	ErrAccessDenied            error = s3Code("AccessDenied")
	ErrPreconditionFailed      error = s3Code("PreconditionFailed")
	ErrNotModified             error = s3Code("NotModified")
	ErrBucketAlreadyExists     error = s3Code("BucketAlreadyExists")
	ErrBucketAlreadyOwnedByYou error = s3Code("BucketAlreadyOwnedByYou")
	ErrBucketNotEmpty          error = s3Code("BucketNotEmpty")
	ErrInvalidRange            error = s3Code("InvalidRange")
	// ErrInvalidRequest is S3's catch-all refusal of a request that
	// cannot apply, such as a retention on a bucket without object lock.
	// An object under retention or legal hold is refused with
	// AccessDenied, as AWS does.
	ErrInvalidRequest error = s3Code("InvalidRequest")
	// ErrMethodNotAllowed is a GET or HEAD of a delete marker, among
	// others.
	ErrMethodNotAllowed error = s3Code("MethodNotAllowed")
	ErrInvalidPart      error = s3Code("InvalidPart")
	ErrEntityTooSmall   error = s3Code("EntityTooSmall")
	ErrEntityTooLarge   error = s3Code("EntityTooLarge")
	ErrSlowDown         error = s3Code("SlowDown")
)

// ErrorCode returns the S3 error code in err's chain, or "".
func ErrorCode(err error) string {
	var e *ErrorResponse
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// IsNotFound reports whether err says a bucket, key, upload or
// configuration does not exist (HTTP 404).
func IsNotFound(err error) bool {
	var e *ErrorResponse
	return errors.As(err, &e) && e.StatusCode == http.StatusNotFound
}

// ErrInvalidArgument is returned, wrapped, for input the client refuses
// before sending a request. A server's InvalidArgument answer matches it
// too.
var ErrInvalidArgument = errors.New("client: invalid argument")

func invalidArgument(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidArgument, fmt.Sprintf(format, args...))
}

// maxErrorBody bounds how much of an error answer is read.
const maxErrorBody = 64 << 10

// readError turns a non-2xx answer into an *ErrorResponse. Answers without
// a body (HEAD) get a code from the status, as S3 clients do.
func readError(resp *http.Response, bucket, key string) error {
	e := &ErrorResponse{StatusCode: resp.StatusCode, BucketName: bucket, Key: key}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	if len(body) > 0 {
		_ = xml.Unmarshal(body, e)
	}
	if e.RequestID == "" {
		e.RequestID = resp.Header.Get("x-amz-request-id")
	}
	if e.Region == "" {
		// A HEAD refused for its region names the right one only here.
		e.Region = resp.Header.Get("x-amz-bucket-region")
	}
	if e.Code == "" {
		e.Code = codeForStatus(resp.StatusCode, bucket, key)
		if e.Code == "NoSuchKey" && resp.Request != nil && resp.Request.URL.Query().Has("versionId") {
			e.Code = "NoSuchVersion"
		}
		if e.Message == "" {
			e.Message = http.StatusText(resp.StatusCode)
		}
	}
	return e
}

func codeForStatus(status int, bucket, key string) string {
	switch status {
	case http.StatusNotFound:
		switch {
		case key != "":
			return "NoSuchKey"
		case bucket != "":
			return "NoSuchBucket"
		}
		return "NotFound"
	case http.StatusForbidden:
		return "AccessDenied"
	case http.StatusConflict:
		return "Conflict"
	case http.StatusPreconditionFailed:
		return "PreconditionFailed"
	case http.StatusNotModified:
		return "NotModified"
	case http.StatusMethodNotAllowed:
		return "MethodNotAllowed"
	case http.StatusRequestedRangeNotSatisfiable:
		return "InvalidRange"
	case http.StatusNotImplemented:
		return "NotImplemented"
	case http.StatusServiceUnavailable:
		return "ServiceUnavailable"
	}
	return http.StatusText(status)
}
