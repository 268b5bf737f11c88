package httpapi

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/kurastore/kura/s3err"
)

// operation is what a request resolves to: an S3 operation name (for logs
// and for its IAM action and resource, operationAuthz) and its handler.
type operation struct {
	name    string
	handler func(*Server, *request) (response, error)
	// unsupported is returned when handler is nil.
	unsupported error
	// formAuth: the handler authenticates from the request's form fields
	// (browser POST upload) instead of its headers or query.
	formAuth bool
	// preflight: a CORS preflight, answered without authentication.
	preflight bool
	// sts: a security token service call, signed for service "sts" and
	// open to any authenticated caller.
	sts bool
}

// bucketSubresources are the query parameters that select a bucket
// configuration API instead of the bucket itself. Those without a handler
// yet answer NotImplemented rather than being mistaken for a plain request.
var bucketSubresources = []string{
	"accelerate", "acl", "analytics", "cors", "encryption", "events", "intelligent-tiering",
	"inventory", "lifecycle", "logging", "metrics", "notification", "object-lock",
	"location", "ownershipControls", "policy", "policyStatus", "publicAccessBlock", "replication",
	"requestPayment", "tagging", "uploads", "versioning", "versions", "website",
}

var objectSubresources = []string{
	"acl", "attributes", "legal-hold", "restore", "retention", "select", "tagging",
	"torrent", "uploadId", "uploads",
}

// signedSubresources are the query parameters that choose the operation
// a request is, or change its answer: a Signature Version 2 signature
// must cover each one a request carries (see sigv2.Verifier).
func signedSubresources() []string {
	names := []string{"delete", "partNumber", "uploadId", "versionId"}
	names = append(names, bucketSubresources...)
	names = append(names, objectSubresources...)
	for _, o := range responseOverrides {
		names = append(names, o[0])
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// methods maps an HTTP method to an operation on one sub-resource.
type methods map[string]operation

func op(name string, h func(*Server, *request) (response, error)) operation {
	return operation{name: name, handler: h}
}

// bucketConfigRoutes are the bucket sub-resources that are implemented.
var bucketConfigRoutes = map[string]methods{
	"location": {http.MethodGet: op("GetBucketLocation", (*Server).getBucketLocation)},
	"uploads":  {http.MethodGet: op("ListMultipartUploads", (*Server).listMultipartUploads)},
	"versions": {http.MethodGet: op("ListObjectVersions", (*Server).listObjectVersions)},
	"acl": {
		http.MethodGet: op("GetBucketAcl", (*Server).getBucketACL),
		http.MethodPut: op("PutBucketAcl", (*Server).putACL),
	},
	"object-lock": {
		http.MethodGet: op("GetObjectLockConfiguration", (*Server).getObjectLockConfig),
		http.MethodPut: op("PutObjectLockConfiguration", (*Server).putObjectLockConfig),
	},
	"versioning": {
		http.MethodGet: op("GetBucketVersioning", (*Server).getBucketVersioning),
		http.MethodPut: op("PutBucketVersioning", (*Server).putBucketVersioning),
	},
	"tagging": {
		http.MethodGet:    op("GetBucketTagging", (*Server).getBucketTagging),
		http.MethodPut:    op("PutBucketTagging", (*Server).putBucketTagging),
		http.MethodDelete: op("DeleteBucketTagging", (*Server).deleteBucketTagging),
	},
	"policy": {
		http.MethodGet:    op("GetBucketPolicy", (*Server).getBucketPolicy),
		http.MethodPut:    op("PutBucketPolicy", (*Server).putBucketPolicy),
		http.MethodDelete: op("DeleteBucketPolicy", (*Server).deleteBucketPolicy),
	},
	"cors": {
		http.MethodGet:    op("GetBucketCors", (*Server).getBucketCORS),
		http.MethodPut:    op("PutBucketCors", (*Server).putBucketCORS),
		http.MethodDelete: op("DeleteBucketCors", (*Server).deleteBucketCORS),
	},
	"lifecycle": {
		http.MethodGet:    op("GetBucketLifecycleConfiguration", (*Server).getBucketLifecycle),
		http.MethodPut:    op("PutBucketLifecycleConfiguration", (*Server).putBucketLifecycle),
		http.MethodDelete: op("DeleteBucketLifecycle", (*Server).deleteBucketLifecycle),
	},
	"encryption": {
		http.MethodGet:    op("GetBucketEncryption", (*Server).getBucketEncryption),
		http.MethodPut:    op("PutBucketEncryption", (*Server).putBucketEncryption),
		http.MethodDelete: op("DeleteBucketEncryption", (*Server).deleteBucketEncryption),
	},
	"publicAccessBlock": {
		http.MethodGet:    op("GetPublicAccessBlock", (*Server).getPublicAccessBlock),
		http.MethodPut:    op("PutPublicAccessBlock", (*Server).putPublicAccessBlock),
		http.MethodDelete: op("DeletePublicAccessBlock", (*Server).deletePublicAccessBlock),
	},
	"policyStatus": {http.MethodGet: op("GetBucketPolicyStatus", (*Server).getBucketPolicyStatus)},
	"ownershipControls": {
		http.MethodGet:    op("GetBucketOwnershipControls", (*Server).getBucketOwnershipControls),
		http.MethodPut:    op("PutBucketOwnershipControls", (*Server).putBucketOwnershipControls),
		http.MethodDelete: op("DeleteBucketOwnershipControls", (*Server).deleteBucketOwnershipControls),
	},
	"notification": {
		http.MethodGet: op("GetBucketNotificationConfiguration", (*Server).getBucketNotification),
		http.MethodPut: op("PutBucketNotificationConfiguration", (*Server).putBucketNotification),
	},
	"events": {http.MethodGet: op("ListenBucketNotification", (*Server).listenNotification)},
	"website": {
		http.MethodGet:    op("GetBucketWebsite", (*Server).getBucketWebsite),
		http.MethodPut:    op("PutBucketWebsite", (*Server).putBucketWebsite),
		http.MethodDelete: op("DeleteBucketWebsite", (*Server).deleteBucketWebsite),
	},
	"logging": {
		http.MethodGet: op("GetBucketLogging", (*Server).getBucketLogging),
		http.MethodPut: op("PutBucketLogging", (*Server).putBucketLogging),
	},
	"replication": {
		http.MethodGet:    op("GetBucketReplication", (*Server).getBucketReplication),
		http.MethodPut:    op("PutBucketReplication", (*Server).putBucketReplication),
		http.MethodDelete: op("DeleteBucketReplication", (*Server).deleteBucketReplication),
	},
}

// objectConfigRoutes are the object sub-resources that are implemented.
var objectConfigRoutes = map[string]methods{
	"attributes": {http.MethodGet: op("GetObjectAttributes", (*Server).getObjectAttributes)},
	"acl": {
		http.MethodGet: op("GetObjectAcl", (*Server).getObjectACL),
		http.MethodPut: op("PutObjectAcl", (*Server).putACL),
	},
	"restore": {http.MethodPost: op("RestoreObject", (*Server).restoreObject)},
	"select":  {http.MethodPost: op("SelectObjectContent", (*Server).selectObjectContent)},
	"retention": {
		http.MethodGet: op("GetObjectRetention", (*Server).getObjectRetention),
		http.MethodPut: op("PutObjectRetention", (*Server).putObjectRetention),
	},
	"legal-hold": {
		http.MethodGet: op("GetObjectLegalHold", (*Server).getObjectLegalHold),
		http.MethodPut: op("PutObjectLegalHold", (*Server).putObjectLegalHold),
	},
	"tagging": {
		http.MethodGet:    op("GetObjectTagging", (*Server).getObjectTagging),
		http.MethodPut:    op("PutObjectTagging", (*Server).putObjectTagging),
		http.MethodDelete: op("DeleteObjectTagging", (*Server).deleteObjectTagging),
	},
}

// subresourceRoute finds the operation for the first sub-resource of
// subs present in the query.
func subresourceRoute(r *http.Request, q url.Values, subs []string, routes map[string]methods) (operation, bool) {
	for _, sub := range subs {
		if !q.Has(sub) {
			continue
		}
		m, ok := routes[sub]
		if !ok {
			return notImplemented(r.Method + " ?" + sub), true
		}
		if o, ok := m[r.Method]; ok {
			return o, true
		}
		return methodNotAllowed("?" + sub), true
	}
	return operation{}, false
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
	if r.Method == http.MethodOptions && bucket != "" {
		return operation{name: "PreflightCORS", handler: (*Server).preflight, preflight: true}
	}
	if bucket == "" && (r.Method == http.MethodPost || r.URL.Query().Has("Action")) {
		return operation{name: "STS", handler: (*Server).sts, sts: true}
	}
	if bucket == "" {
		if r.Method == http.MethodGet && q.Has("events") {
			return operation{name: "ListenNotification", handler: (*Server).listenNotification}
		}
		if r.Method == http.MethodGet {
			return operation{name: "ListBuckets", handler: (*Server).listBuckets}
		}
		return methodNotAllowed("Service")
	}
	if key == "" {
		if o, ok := subresourceRoute(r, q, bucketSubresources, bucketConfigRoutes); ok {
			return o
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
			case q.Get("list-type") == "2":
				return operation{name: "ListObjectsV2", handler: (*Server).listObjectsV2}
			}
			return operation{name: "ListObjects", handler: (*Server).listObjectsV1}
		case http.MethodPost:
			if q.Has("delete") {
				return operation{name: "DeleteObjects", handler: (*Server).deleteObjects}
			}
			if isFormUpload(r) {
				return operation{name: "PostObject", handler: (*Server).postObject, formAuth: true}
			}
			return notImplemented("POST bucket")
		}
		return methodNotAllowed("Bucket")
	}
	if op, ok := multipartRoute(r, q); ok {
		return op
	}
	if q.Has("partNumber") && r.Method != http.MethodGet && r.Method != http.MethodHead {
		return methodNotAllowed("object ?partNumber")
	}
	if o, ok := subresourceRoute(r, q, objectSubresources, objectConfigRoutes); ok {
		return o
	}
	switch r.Method {
	case http.MethodPut:
		if r.Header.Get("x-amz-copy-source") != "" {
			return operation{name: "CopyObject", handler: (*Server).copyObject}
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
		return operation{name: "UploadPartCopy", handler: (*Server).uploadPartCopy}, true
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
