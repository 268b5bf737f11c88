package s3err

import (
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
)

// Error is an S3 error: a code, its HTTP status and a message.
type Error struct {
	Code       string
	HTTPStatus int
	Message    string
	// Region, when set, is the region the request should have been signed
	// for; the error document carries it as <Region>, which SDKs (boto3,
	// minio-go) read to sign again for the right region.
	Region string
	// base is the table entry this error was derived from, so that
	// errors.Is(err, ErrX) holds for WithMessage copies.
	base *Error
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Is reports whether target is the table entry e derives from.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && e.root() == t.root()
}

func (e *Error) root() *Error {
	if e.base != nil {
		return e.base
	}
	return e
}

// WithMessage returns a copy of e with another message, still matching e
// under errors.Is.
func (e *Error) WithMessage(format string, args ...any) *Error {
	return &Error{Code: e.Code, HTTPStatus: e.HTTPStatus, Message: fmt.Sprintf(format, args...), Region: e.Region, base: e.root()}
}

// WithRegion returns a copy of e that names the region the request should
// have been signed for, still matching e under errors.Is.
func (e *Error) WithRegion(region string) *Error {
	c := *e
	c.base = e.root()
	c.Region = region
	return &c
}

// From returns the *Error in err's chain, or ErrInternalError.
func From(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return ErrInternalError
}

// Response is the S3 XML error document.
type Response struct {
	XMLName xml.Name `xml:"Error"`
	Code    string   `xml:"Code"`
	Message string   `xml:"Message"`
	// Region is the region a request should have been signed for, on a
	// wrong-region error (as AWS's AuthorizationHeaderMalformed has it).
	Region     string `xml:"Region,omitempty"`
	BucketName string `xml:"BucketName,omitempty"`
	Key        string `xml:"Key,omitempty"`
	Resource   string `xml:"Resource,omitempty"`
	RequestID  string `xml:"RequestId"`
	HostID     string `xml:"HostId"`
}

func def(code string, status int, msg string) *Error {
	return &Error{Code: code, HTTPStatus: status, Message: msg}
}

// The table. Codes, statuses and messages follow AWS S3.
var (
	ErrAccessDenied                 = def("AccessDenied", http.StatusForbidden, "Access Denied.")
	ErrAuthorizationHeaderMalformed = def("AuthorizationHeaderMalformed", http.StatusBadRequest, "The authorization header is malformed.")
	ErrAuthorizationQueryMalformed  = def("AuthorizationQueryParametersError", http.StatusBadRequest, "Error parsing the X-Amz-Credential parameter.")
	ErrBadDigest                    = def("BadDigest", http.StatusBadRequest, "The Content-MD5 you specified did not match what we received.")
	ErrBucketAlreadyExists          = def("BucketAlreadyExists", http.StatusConflict, "The requested bucket name is not available.")
	ErrBucketAlreadyOwnedByYou      = def("BucketAlreadyOwnedByYou", http.StatusConflict, "Your previous request to create the named bucket succeeded and you already own it.")
	ErrBucketNotEmpty               = def("BucketNotEmpty", http.StatusConflict, "The bucket you tried to delete is not empty.")
	ErrEntityTooLarge               = def("EntityTooLarge", http.StatusBadRequest, "Your proposed upload exceeds the maximum allowed object size.")
	ErrEntityTooSmall               = def("EntityTooSmall", http.StatusBadRequest, "Your proposed upload is smaller than the minimum allowed object size.")
	ErrExpiredToken                 = def("ExpiredToken", http.StatusBadRequest, "The provided token has expired.")
	ErrIncompleteBody               = def("IncompleteBody", http.StatusBadRequest, "You did not provide the number of bytes specified by the Content-Length HTTP header.")
	ErrInternalError                = def("InternalError", http.StatusInternalServerError, "We encountered an internal error. Please try again.")
	ErrInvalidAccessKeyID           = def("InvalidAccessKeyId", http.StatusForbidden, "The AWS Access Key Id you provided does not exist in our records.")
	ErrInvalidArgument              = def("InvalidArgument", http.StatusBadRequest, "Invalid Argument.")
	ErrInvalidBucketName            = def("InvalidBucketName", http.StatusBadRequest, "The specified bucket is not valid.")
	ErrInvalidDigest                = def("InvalidDigest", http.StatusBadRequest, "The Content-MD5 you specified is not valid.")
	ErrInvalidLocationConstraint    = def("InvalidLocationConstraint", http.StatusBadRequest, "The specified location constraint is not valid.")
	ErrInvalidObjectName            = def("InvalidObjectName", http.StatusBadRequest, "Object name contains unsupported characters.")
	ErrInvalidPart                  = def("InvalidPart", http.StatusBadRequest, "One or more of the specified parts could not be found.")
	ErrInvalidPartOrder             = def("InvalidPartOrder", http.StatusBadRequest, "The list of parts was not in ascending order. Parts must be ordered by part number.")
	ErrInvalidRange                 = def("InvalidRange", http.StatusRequestedRangeNotSatisfiable, "The requested range is not satisfiable.")
	ErrInvalidRequest               = def("InvalidRequest", http.StatusBadRequest, "Invalid Request.")
	ErrInvalidRedirectLocation      = def("InvalidRedirectLocation", http.StatusBadRequest, "The website redirect location must have a prefix of 'http://' or 'https://' or '/'.")
	ErrInvalidStorageClass          = def("InvalidStorageClass", http.StatusBadRequest, "The storage class you specified is not valid.")
	ErrKeyTooLong                   = def("KeyTooLongError", http.StatusBadRequest, "Your key is too long.")
	ErrMalformedXML                 = def("MalformedXML", http.StatusBadRequest, "The XML you provided was not well-formed or did not validate against our published schema.")
	ErrMetadataTooLarge             = def("MetadataTooLarge", http.StatusBadRequest, "Your metadata headers exceed the maximum allowed metadata size.")
	ErrMethodNotAllowed             = def("MethodNotAllowed", http.StatusMethodNotAllowed, "The specified method is not allowed against this resource.")
	ErrMissingContentLength         = def("MissingContentLength", http.StatusLengthRequired, "You must provide the Content-Length HTTP header.")
	ErrMissingSecurityHeader        = def("MissingSecurityHeader", http.StatusBadRequest, "Your request was missing a required header.")
	ErrNoSuchBucket                 = def("NoSuchBucket", http.StatusNotFound, "The specified bucket does not exist")
	ErrNoSuchKey                    = def("NoSuchKey", http.StatusNotFound, "The specified key does not exist.")
	ErrNoSuchUpload                 = def("NoSuchUpload", http.StatusNotFound, "The specified multipart upload does not exist.")
	ErrNotImplemented               = def("NotImplemented", http.StatusNotImplemented, "A header you provided implies functionality that is not implemented.")
	ErrNotModified                  = def("NotModified", http.StatusNotModified, "Not Modified.")
	ErrPreconditionFailed           = def("PreconditionFailed", http.StatusPreconditionFailed, "At least one of the pre-conditions you specified did not hold.")
	ErrRequestTimeTooSkewed         = def("RequestTimeTooSkewed", http.StatusForbidden, "The difference between the request time and the server's time is too large.")
	ErrSignatureDoesNotMatch        = def("SignatureDoesNotMatch", http.StatusForbidden, "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
	ErrServiceUnavailable           = def("ServiceUnavailable", http.StatusServiceUnavailable, "Please reduce your request rate.")
	ErrSlowDown                     = def("SlowDown", http.StatusServiceUnavailable, "Please reduce your request rate.")
	ErrInsufficientStorage          = def("XMinioStorageFull", http.StatusInsufficientStorage, "Storage backend has reached its minimum free drive threshold. Please delete a few objects to proceed.")
	ErrContentChecksumMismatch      = def("XAmzContentChecksumMismatch", http.StatusBadRequest, "The provided 'x-amz-checksum' header does not match what was computed.")
	ErrXAmzContentSHA256Mismatch    = def("XAmzContentSHA256Mismatch", http.StatusBadRequest, "The provided 'x-amz-content-sha256' header does not match what was computed.")
	ErrInvalidEncodingType          = def("InvalidArgument", http.StatusBadRequest, "Invalid Encoding Method specified in Request")
	ErrMaxKeysInvalid               = def("InvalidArgument", http.StatusBadRequest, "Argument maxKeys must be an integer between 0 and 2147483647")
	ErrMalformedDate                = def("AccessDenied", http.StatusForbidden, "AWS authentication requires a valid Date or x-amz-date header")
	ErrRequestExpired               = def("AccessDenied", http.StatusForbidden, "Request has expired")
	ErrRequestNotReadyYet           = def("AccessDenied", http.StatusForbidden, "Request is not valid yet")
	ErrMalformedPresignedDate       = def("AuthorizationQueryParametersError", http.StatusBadRequest, "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
	ErrMalformedExpires             = def("AuthorizationQueryParametersError", http.StatusBadRequest, "X-Amz-Expires should be a number")
	ErrNegativeExpires              = def("AuthorizationQueryParametersError", http.StatusBadRequest, "X-Amz-Expires must be non-negative")
	ErrMaximumExpires               = def("AuthorizationQueryParametersError", http.StatusBadRequest, "X-Amz-Expires must be less than a week (in seconds) that is 604800")
	ErrUnsignedHeaders              = def("AccessDenied", http.StatusForbidden, "There were headers present in the request which were not signed")
	ErrContentSHA256Missing         = def("InvalidRequest", http.StatusBadRequest, "Missing required header for this request: x-amz-content-sha256")
	ErrInvalidContentSHA256         = def("InvalidArgument", http.StatusBadRequest, "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value.")
	ErrMalformedTrailer             = def("MalformedTrailerError", http.StatusBadRequest, "The request contained trailing data that was not well-formed or did not conform to our published schema.")
	ErrChecksumMismatch             = def("BadDigest", http.StatusBadRequest, "The checksum you specified did not match the calculated checksum.")
	ErrInvalidChecksum              = def("InvalidRequest", http.StatusBadRequest, "Value for x-amz-checksum header is invalid.")
	ErrMultipleChecksums            = def("InvalidRequest", http.StatusBadRequest, "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
	ErrRequestBodyTooLarge          = def("MaxMessageLengthExceeded", http.StatusBadRequest, "Your request was too big.")
	ErrTooManyKeys                  = def("MalformedXML", http.StatusBadRequest, "The request must contain no more than 1000 keys.")
	ErrMissingRequestBody           = def("MissingRequestBodyError", http.StatusBadRequest, "Request Body is empty.")
)

// Errors of the object API beyond the core.
var (
	ErrInvalidTag             = def("InvalidTag", http.StatusBadRequest, "The tag provided was not a valid tag.")
	ErrInvalidPartNumber      = def("InvalidPartNumber", http.StatusRequestedRangeNotSatisfiable, "The requested partnumber is not satisfiable")
	ErrInvalidCopySource      = def("InvalidArgument", http.StatusBadRequest, "Copy Source must mention the source bucket and key: sourcebucket/sourcekey")
	ErrInvalidBucketState     = def("InvalidBucketState", http.StatusConflict, "The request is not valid with the current state of the bucket.")
	ErrNoSuchLockConfig       = def("ObjectLockConfigurationNotFoundError", http.StatusNotFound, "Object Lock configuration does not exist for this bucket")
	ErrNoSuchObjectLock       = def("NoSuchObjectLockConfiguration", http.StatusNotFound, "The specified object does not have a ObjectLock configuration")
	ErrInvalidRetentionPeriod = def("InvalidRetentionPeriod", http.StatusBadRequest, "The retention period is not valid.")
	ErrMissingContentMD5      = def("InvalidRequest", http.StatusBadRequest, "Missing required header for this request: Content-Md5.")
	ErrACLNotSupported        = def("AccessControlListNotSupported", http.StatusBadRequest, "The bucket does not allow ACLs; grant access with bucket policies.")
	// ErrInvalidBucketACLWithObjectOwnership refuses a CreateBucket that
	// asks for ACLs beyond the owner's, which no bucket allows.
	ErrInvalidBucketACLWithObjectOwnership = def("InvalidBucketAclWithObjectOwnership", http.StatusBadRequest, "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting")
	ErrInvalidToken                        = def("InvalidToken", http.StatusBadRequest, "The provided token is malformed or otherwise invalid.")
	// ErrValidationError is STS's answer to a parameter out of its range
	// (DurationSeconds, Policy length).
	ErrValidationError = def("ValidationError", http.StatusBadRequest, "A parameter is out of its allowed range.")
	ErrNoSuchVersion   = def("NoSuchVersion", http.StatusNotFound, "The specified version does not exist.")
	ErrCORSForbidden   = def("AccessForbidden", http.StatusForbidden, "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.")
	ErrInvalidCopyDest = def("InvalidRequest", http.StatusBadRequest, "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")
)

// Errors of server access logging (PutBucketLogging).
var (
	ErrInvalidTargetBucketForLogging = def("InvalidTargetBucketForLogging", http.StatusBadRequest, "The target bucket for logging does not exist, is not owned by you, or does not have the appropriate grants for the log-delivery group.")
	ErrCrossLocationLogging          = def("CrossLocationLoggingProhibitted", http.StatusForbidden, "Cross S3 location logging not allowed.")
)

// Errors of the security token service's federated logins
// (AssumeRoleWithWebIdentity and its kin), as AWS STS names them.
var (
	// ErrInvalidIdentityToken refuses a token that does not verify: bad
	// signature, another issuer or audience, not yet valid.
	ErrInvalidIdentityToken = def("InvalidIdentityToken", http.StatusBadRequest, "The web identity token that was passed could not be validated.")
	// ErrExpiredTokenException refuses an identity token past its exp.
	ErrExpiredTokenException = def("ExpiredTokenException", http.StatusBadRequest, "The web identity token that was passed is expired or is not valid.")
	// ErrIDPCommunicationError says the identity provider's discovery
	// document or keys could not be fetched; retrying may succeed.
	ErrIDPCommunicationError = def("IDPCommunicationError", http.StatusBadRequest, "The request could not be fulfilled because the identity provider could not be reached.")
	// ErrInvalidParameterValue refuses a parameter STS cannot use, such
	// as a RoleArn that names no role.
	ErrInvalidParameterValue = def("InvalidParameterValue", http.StatusBadRequest, "An invalid or out-of-range value was supplied for the input parameter.")
	// ErrMissingParameter refuses an STS call without a required
	// parameter.
	ErrMissingParameter = def("MissingParameter", http.StatusBadRequest, "A required parameter for the specified action is not supplied.")
	// ErrThrottling is STS's answer to a caller over its rate; SDKs
	// retry it after a backoff.
	ErrThrottling = def("Throttling", http.StatusBadRequest, "Rate exceeded")
)
