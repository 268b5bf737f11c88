package client

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
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
// before sending a request.
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
	if e.Code == "" {
		e.Code = codeForStatus(resp.StatusCode, bucket, key)
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
