package s3err

import "net/http"

// Errors of server-side encryption (SSE-C, SSE-S3, SSE-KMS), with AWS's
// codes and messages.
var (
	ErrSSECInsecure          = def("InvalidRequest", http.StatusBadRequest, "Requests specifying Server Side Encryption with Customer provided keys must be made over a secure connection.")
	ErrSSECKeyRequired       = def("InvalidRequest", http.StatusBadRequest, "The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.")
	ErrSSECKeyMismatch       = def("AccessDenied", http.StatusForbidden, "The provided encryption key does not match the key the object was stored with.")
	ErrSSECInvalidKey        = def("InvalidArgument", http.StatusBadRequest, "The secret key was invalid for the specified algorithm.")
	ErrSSECKeyMD5Mismatch    = def("InvalidArgument", http.StatusBadRequest, "The calculated MD5 hash of the key did not match the hash that was provided.")
	ErrSSECIncomplete        = def("InvalidArgument", http.StatusBadRequest, "Requests specifying Server Side Encryption with Customer provided keys must provide the algorithm, the key and its MD5.")
	ErrSSECAlgorithm         = def("InvalidEncryptionAlgorithmError", http.StatusBadRequest, "The encryption request you specified is not valid. The valid value is AES256.")
	ErrSSEAlgorithm          = def("InvalidArgument", http.StatusBadRequest, "The server-side encryption algorithm is not valid. The valid values are AES256 and aws:kms.")
	ErrSSEConflict           = def("InvalidArgument", http.StatusBadRequest, "Server Side Encryption with Customer provided keys cannot be combined with x-amz-server-side-encryption.")
	ErrSSEKMSKeyWithoutKMS   = def("InvalidArgument", http.StatusBadRequest, "Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms")
	ErrSSEInvalidContext     = def("InvalidArgument", http.StatusBadRequest, "The encryption context must be base64 of a JSON object of string values.")
	ErrSSENotApplicable      = def("InvalidRequest", http.StatusBadRequest, "The encryption parameters are not applicable to this object.")
	ErrSSEHeaderOnRead       = def("InvalidArgument", http.StatusBadRequest, "x-amz-server-side-encryption header is not supported for this operation.")
	ErrKMSNotFound           = def("KMS.NotFoundException", http.StatusBadRequest, "Invalid keyId.")
	ErrKMSNotConfigured      = def("NotImplemented", http.StatusNotImplemented, "Server side encryption with server managed keys requires a KMS, and none is configured.")
	ErrDataCorrupt           = def("InternalError", http.StatusInternalServerError, "The object's stored data is damaged (it fails its checksum) and cannot be returned.")
	ErrObjectDataUnreadable  = def("InternalError", http.StatusInternalServerError, "The object's data failed authentication: it is damaged and cannot be returned.")
	ErrCopySourceSSETooLarge = def("InvalidRequest", http.StatusBadRequest, "The specified copy source is larger than the maximum allowable size for a copy source: 5368709120")
)
