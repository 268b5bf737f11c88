package httpapi

// resourceKind is what an operation acts on, and so the ARN its IAM
// action is decided on.
type resourceKind int

const (
	// onService: the account's bucket list, resource "*".
	onService resourceKind = iota
	// onBucket: the bucket, arn:aws:s3:::bucket.
	onBucket
	// onObject: the object the request names, arn:aws:s3:::bucket/key.
	onObject
	// onEachObject: objects the request names in its body (DeleteObjects'
	// keys, a POST form's key): the handler decides each on its own ARN,
	// before touching it.
	onEachObject
)

// authz is how S3 authorizes one operation: the IAM action a policy must
// allow, the action when the request addresses a version by id (S3
// names some apart: s3:GetObject, s3:GetObjectVersion), and the kind of
// resource it is decided on.
type authz struct {
	action    string
	versioned string
	on        resourceKind
	// also is a second action S3 requires as well (a read of the
	// object's attributes is a read of the object too), with its name
	// for a version.
	also, alsoVersioned string
}

func bucketAction(action string) authz { return authz{action: action, on: onBucket} }
func objectAction(action string) authz { return authz{action: action, on: onObject} }

// objectVersionAction is an object action that S3 names apart for a
// request addressing a version.
func objectVersionAction(action, versioned string) authz {
	return authz{action: action, versioned: versioned, on: onObject}
}

// operationAuthz is every operation the router serves (route.go), with
// how S3 authorizes it ("Actions, resources, and condition keys for
// Amazon S3"). An operation missing here is refused to everyone but the
// root user. STS calls and CORS preflights are not authorized by policy.
var operationAuthz = map[string]authz{
	"ListBuckets": {action: "s3:ListAllMyBuckets", on: onService},

	"CreateBucket":         bucketAction("s3:CreateBucket"),
	"DeleteBucket":         bucketAction("s3:DeleteBucket"),
	"HeadBucket":           bucketAction("s3:ListBucket"),
	"ListObjects":          bucketAction("s3:ListBucket"),
	"ListObjectsV2":        bucketAction("s3:ListBucket"),
	"ListObjectVersions":   bucketAction("s3:ListBucketVersions"),
	"ListMultipartUploads": bucketAction("s3:ListBucketMultipartUploads"),
	"GetBucketLocation":    bucketAction("s3:GetBucketLocation"),
	"GetBucketAcl":         bucketAction("s3:GetBucketAcl"),
	"PutBucketAcl":         bucketAction("s3:PutBucketAcl"),
	"GetBucketVersioning":  bucketAction("s3:GetBucketVersioning"),
	"PutBucketVersioning":  bucketAction("s3:PutBucketVersioning"),
	"GetBucketTagging":     bucketAction("s3:GetBucketTagging"),
	"PutBucketTagging":     bucketAction("s3:PutBucketTagging"),
	// S3 has no s3:DeleteBucketTagging, s3:DeleteBucketCORS,
	// s3:DeleteEncryptionConfiguration, ...: removing a configuration
	// needs the permission to set it.
	"DeleteBucketTagging":                bucketAction("s3:PutBucketTagging"),
	"GetBucketPolicy":                    bucketAction("s3:GetBucketPolicy"),
	"GetBucketLogging":                   bucketAction("s3:GetBucketLogging"),
	"PutBucketLogging":                   bucketAction("s3:PutBucketLogging"),
	"PutBucketPolicy":                    bucketAction("s3:PutBucketPolicy"),
	"DeleteBucketPolicy":                 bucketAction("s3:DeleteBucketPolicy"),
	"GetBucketPolicyStatus":              bucketAction("s3:GetBucketPolicyStatus"),
	"GetBucketCors":                      bucketAction("s3:GetBucketCORS"),
	"PutBucketCors":                      bucketAction("s3:PutBucketCORS"),
	"DeleteBucketCors":                   bucketAction("s3:PutBucketCORS"),
	"GetBucketLifecycleConfiguration":    bucketAction("s3:GetLifecycleConfiguration"),
	"PutBucketLifecycleConfiguration":    bucketAction("s3:PutLifecycleConfiguration"),
	"DeleteBucketLifecycle":              bucketAction("s3:PutLifecycleConfiguration"),
	"GetBucketEncryption":                bucketAction("s3:GetEncryptionConfiguration"),
	"PutBucketEncryption":                bucketAction("s3:PutEncryptionConfiguration"),
	"DeleteBucketEncryption":             bucketAction("s3:PutEncryptionConfiguration"),
	"GetPublicAccessBlock":               bucketAction("s3:GetBucketPublicAccessBlock"),
	"PutPublicAccessBlock":               bucketAction("s3:PutBucketPublicAccessBlock"),
	"DeletePublicAccessBlock":            bucketAction("s3:PutBucketPublicAccessBlock"),
	"GetBucketOwnershipControls":         bucketAction("s3:GetBucketOwnershipControls"),
	"PutBucketOwnershipControls":         bucketAction("s3:PutBucketOwnershipControls"),
	"DeleteBucketOwnershipControls":      bucketAction("s3:PutBucketOwnershipControls"),
	"GetBucketNotificationConfiguration": bucketAction("s3:GetBucketNotification"),
	// MinIO's listen calls: on one bucket, and on every bucket.
	"ListenBucketNotification":           bucketAction("s3:ListenBucketNotification"),
	"ListenNotification":                 {action: "s3:ListenNotification", on: onService},
	"PutBucketNotificationConfiguration": bucketAction("s3:PutBucketNotification"),
	"GetObjectLockConfiguration":         bucketAction("s3:GetBucketObjectLockConfiguration"),
	"PutObjectLockConfiguration":         bucketAction("s3:PutBucketObjectLockConfiguration"),
	"GetBucketWebsite":                   bucketAction("s3:GetBucketWebsite"),
	"PutBucketWebsite":                   bucketAction("s3:PutBucketWebsite"),
	"DeleteBucketWebsite":                bucketAction("s3:DeleteBucketWebsite"),
	"GetBucketReplication":               bucketAction("s3:GetReplicationConfiguration"),
	"PutBucketReplication":               bucketAction("s3:PutReplicationConfiguration"),
	"DeleteBucketReplication":            bucketAction("s3:PutReplicationConfiguration"),

	"GetObject":  objectVersionAction("s3:GetObject", "s3:GetObjectVersion"),
	"HeadObject": objectVersionAction("s3:GetObject", "s3:GetObjectVersion"),
	"PutObject":  objectAction("s3:PutObject"),
	// CopyObject and UploadPartCopy also read their source, which the
	// handler authorizes as a GetObject of the source (copy.go).
	"CopyObject":              objectAction("s3:PutObject"),
	"DeleteObject":            objectVersionAction("s3:DeleteObject", "s3:DeleteObjectVersion"),
	"CreateMultipartUpload":   objectAction("s3:PutObject"),
	"UploadPart":              objectAction("s3:PutObject"),
	"UploadPartCopy":          objectAction("s3:PutObject"),
	"CompleteMultipartUpload": objectAction("s3:PutObject"),
	"AbortMultipartUpload":    objectAction("s3:AbortMultipartUpload"),
	"ListParts":               objectAction("s3:ListMultipartUploadParts"),
	"GetObjectAttributes": {action: "s3:GetObjectAttributes", versioned: "s3:GetObjectVersionAttributes", on: onObject,
		also: "s3:GetObject", alsoVersioned: "s3:GetObjectVersion"},
	"GetObjectAcl":        objectVersionAction("s3:GetObjectAcl", "s3:GetObjectVersionAcl"),
	"PutObjectAcl":        objectVersionAction("s3:PutObjectAcl", "s3:PutObjectVersionAcl"),
	"GetObjectTagging":    objectVersionAction("s3:GetObjectTagging", "s3:GetObjectVersionTagging"),
	"PutObjectTagging":    objectVersionAction("s3:PutObjectTagging", "s3:PutObjectVersionTagging"),
	"DeleteObjectTagging": objectVersionAction("s3:DeleteObjectTagging", "s3:DeleteObjectVersionTagging"),
	// Retention and legal hold have one action for the object and its
	// versions.
	"GetObjectRetention": objectAction("s3:GetObjectRetention"),
	"PutObjectRetention": objectAction("s3:PutObjectRetention"),
	"GetObjectLegalHold": objectAction("s3:GetObjectLegalHold"),
	"PutObjectLegalHold": objectAction("s3:PutObjectLegalHold"),
	// SelectObjectContent reads the current version only: it has no
	// versionId, and needs s3:GetObject.
	"SelectObjectContent": objectAction("s3:GetObject"),
	// RestoreObject has one action for the object and its versions.
	"RestoreObject": objectAction("s3:RestoreObject"),

	"DeleteObjects": {action: "s3:DeleteObject", versioned: "s3:DeleteObjectVersion", on: onEachObject},
	"PostObject":    {action: "s3:PutObject", on: onEachObject},
}

// actionFor is the IAM action of a; withVersion: the request addresses a
// version by id.
func (a authz) actionFor(withVersion bool) string {
	if withVersion && a.versioned != "" {
		return a.versioned
	}
	return a.action
}

// actionsFor are every IAM action a requires.
func (a authz) actionsFor(withVersion bool) []string {
	actions := []string{a.actionFor(withVersion)}
	if a.also != "" {
		actions = append(actions, authz{action: a.also, versioned: a.alsoVersioned}.actionFor(withVersion))
	}
	return actions
}

// iamAction is the IAM action of operation name on a request that names
// a version (or not); "" for an operation the table does not know.
func iamAction(name string, withVersion bool) string {
	return operationAuthz[name].actionFor(withVersion)
}

// iamResource is the ARN of the bucket, or of the object, or with no
// bucket of every resource.
func iamResource(bucket, key string) string {
	switch {
	case bucket == "":
		return "arn:aws:s3:::*"
	case key == "":
		return "arn:aws:s3:::" + bucket
	}
	return "arn:aws:s3:::" + bucket + "/" + key
}

// resourceOf is the ARN an operation of kind on decides its action on.
func resourceOf(on resourceKind, bucket, key string) string {
	switch on {
	case onService:
		return iamResource("", "")
	case onBucket:
		return iamResource(bucket, "")
	}
	return iamResource(bucket, key)
}
