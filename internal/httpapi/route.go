package httpapi

import (
	"net/http"
	"net/url"

	"github.com/kurastore/kura/s3err"
)

// operation is what a request resolves to: an S3 operation name (for logs
// and, later, IAM action mapping) and its handler.
type operation struct {
	name    string
	handler func(*Server, *request) (response, error)
	// unsupported is returned when handler is nil.
	unsupported error
}

// bucketSubresources are the query parameters that select a bucket
// configuration API instead of the bucket itself. Those without a handler
// yet answer NotImplemented rather than being mistaken for a plain request.
var bucketSubresources = []string{
	"accelerate", "acl", "analytics", "cors", "encryption", "events", "intelligent-tiering",
	"inventory", "lifecycle", "logging", "metrics", "notification", "object-lock",
	"ownershipControls", "policy", "policyStatus", "publicAccessBlock", "replication",
	"requestPayment", "tagging", "uploads", "versioning", "versions", "website",
}

var objectSubresources = []string{
	"acl", "attributes", "legal-hold", "restore", "retention", "select", "tagging",
	"torrent", "uploadId", "uploads",
}

func notImplemented(name string) operation {
	return operation{name: name, unsupported: s3err.ErrNotImplemented.WithMessage("%s is not implemented yet.", name)}
}

func methodNotAllowed(name string) operation {
	return operation{name: name, unsupported: s3err.ErrMethodNotAllowed}
}

// route maps method, bucket, key and query to an operation.
func route(r *http.Request, bucket, key string) operation {
	q := r.URL.Query()
	if bucket == "" {
		if r.Method == http.MethodGet {
			return operation{name: "ListBuckets", handler: (*Server).listBuckets}
		}
		return methodNotAllowed("Service")
	}
	if key == "" {
		if r.Method == http.MethodGet && q.Has("uploads") {
			return operation{name: "ListMultipartUploads", handler: (*Server).listMultipartUploads}
		}
		for _, sub := range bucketSubresources {
			if q.Has(sub) {
				return notImplemented(r.Method + " bucket ?" + sub)
			}
		}
		switch r.Method {
		case http.MethodPut:
			return operation{name: "CreateBucket", handler: (*Server).createBucket}
		case http.MethodHead:
			return operation{name: "HeadBucket", handler: (*Server).headBucket}
		case http.MethodDelete:
			return operation{name: "DeleteBucket", handler: (*Server).deleteBucket}
		case http.MethodGet:
			switch {
			case q.Has("location"):
				return operation{name: "GetBucketLocation", handler: (*Server).getBucketLocation}
			case q.Get("list-type") == "2":
				return operation{name: "ListObjectsV2", handler: (*Server).listObjectsV2}
			}
			return operation{name: "ListObjects", handler: (*Server).listObjectsV1}
		case http.MethodPost:
			if q.Has("delete") {
				return operation{name: "DeleteObjects", handler: (*Server).deleteObjects}
			}
			return notImplemented("POST bucket")
		}
		return methodNotAllowed("Bucket")
	}
	if op, ok := multipartRoute(r, q); ok {
		return op
	}
	if q.Has("partNumber") {
		return notImplemented(r.Method + " object ?partNumber")
	}
	for _, sub := range objectSubresources {
		if q.Has(sub) {
			return notImplemented(r.Method + " object ?" + sub)
		}
	}
	switch r.Method {
	case http.MethodPut:
		if r.Header.Get("x-amz-copy-source") != "" {
			return notImplemented("CopyObject")
		}
		return operation{name: "PutObject", handler: (*Server).putObject}
	case http.MethodGet:
		return operation{name: "GetObject", handler: (*Server).getObject}
	case http.MethodHead:
		return operation{name: "HeadObject", handler: (*Server).headObject}
	case http.MethodDelete:
		return operation{name: "DeleteObject", handler: (*Server).deleteObject}
	}
	return methodNotAllowed("Object")
}

// multipartRoute maps the multipart upload operations on an object.
func multipartRoute(r *http.Request, q url.Values) (operation, bool) {
	switch {
	case r.Method == http.MethodPost && q.Has("uploads"):
		return operation{name: "CreateMultipartUpload", handler: (*Server).createMultipartUpload}, true
	case !q.Has("uploadId"):
		return operation{}, false
	case r.Method == http.MethodPut && r.Header.Get("x-amz-copy-source") != "":
		return notImplemented("UploadPartCopy"), true
	case r.Method == http.MethodPut:
		return operation{name: "UploadPart", handler: (*Server).uploadPart}, true
	case r.Method == http.MethodPost:
		return operation{name: "CompleteMultipartUpload", handler: (*Server).completeMultipartUpload}, true
	case r.Method == http.MethodDelete:
		return operation{name: "AbortMultipartUpload", handler: (*Server).abortMultipartUpload}, true
	case r.Method == http.MethodGet:
		return operation{name: "ListParts", handler: (*Server).listParts}, true
	}
	return methodNotAllowed("multipart upload"), true
}
