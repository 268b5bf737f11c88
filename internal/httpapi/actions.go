package httpapi

// iamActions maps S3 operations to the IAM action a policy must allow,
// where the names differ. Every other operation's action is "s3:" plus
// its name.
var iamActions = map[string]string{
	"HeadObject":                         "s3:GetObject",
	"HeadBucket":                         "s3:ListBucket",
	"ListObjects":                        "s3:ListBucket",
	"ListObjectsV2":                      "s3:ListBucket",
	"ListObjectVersions":                 "s3:ListBucketVersions",
	"ListBuckets":                        "s3:ListAllMyBuckets",
	"CreateMultipartUpload":              "s3:PutObject",
	"UploadPart":                         "s3:PutObject",
	"CompleteMultipartUpload":            "s3:PutObject",
	"UploadPartCopy":                     "s3:PutObject",
	"CopyObject":                         "s3:PutObject",
	"PostObject":                         "s3:PutObject",
	"ListParts":                          "s3:ListMultipartUploadParts",
	"ListMultipartUploads":               "s3:ListBucketMultipartUploads",
	"DeleteObjects":                      "s3:DeleteObject",
	"GetBucketCors":                      "s3:GetBucketCORS",
	"PutBucketCors":                      "s3:PutBucketCORS",
	"DeleteBucketCors":                   "s3:PutBucketCORS",
	"GetBucketNotificationConfiguration": "s3:GetBucketNotification",
	"PutBucketNotificationConfiguration": "s3:PutBucketNotification",
	"DeleteBucketTagging":                "s3:PutBucketTagging",
	"GetObjectLockConfiguration":         "s3:GetBucketObjectLockConfiguration",
	"PutObjectLockConfiguration":         "s3:PutBucketObjectLockConfiguration",
	"GetPublicAccessBlock":               "s3:GetBucketPublicAccessBlock",
	"PutPublicAccessBlock":               "s3:PutBucketPublicAccessBlock",
	"DeletePublicAccessBlock":            "s3:PutBucketPublicAccessBlock",
	"GetBucketOwnershipControls":         "s3:GetBucketOwnershipControls",
	"PutBucketOwnershipControls":         "s3:PutBucketOwnershipControls",
	"DeleteBucketOwnershipControls":      "s3:PutBucketOwnershipControls",
	"GetBucketEncryption":                "s3:GetEncryptionConfiguration",
	"PutBucketEncryption":                "s3:PutEncryptionConfiguration",
	"DeleteBucketEncryption":             "s3:PutEncryptionConfiguration",
}

// versionedActions are the actions S3 names apart when they address a
// version by id (s3:GetObject → s3:GetObjectVersion).
var versionedActions = map[string]string{
	"s3:GetObject":           "s3:GetObjectVersion",
	"s3:GetObjectAttributes": "s3:GetObjectVersionAttributes",
	"s3:GetObjectAcl":        "s3:GetObjectVersionAcl",
	"s3:PutObjectAcl":        "s3:PutObjectVersionAcl",
	"s3:DeleteObject":        "s3:DeleteObjectVersion",
	"s3:GetObjectTagging":    "s3:GetObjectVersionTagging",
	"s3:PutObjectTagging":    "s3:PutObjectVersionTagging",
	"s3:DeleteObjectTagging": "s3:DeleteObjectVersionTagging",
}

// iamAction is the IAM action of operation name on a request that names
// a version (or not).
func iamAction(name string, withVersion bool) string {
	action, ok := iamActions[name]
	if !ok {
		action = "s3:" + name
	}
	if withVersion {
		if v, ok := versionedActions[action]; ok {
			return v
		}
	}
	return action
}

// iamResource is the ARN a request acts on: the bucket, or the object.
func iamResource(bucket, key string) string {
	switch {
	case bucket == "":
		return "arn:aws:s3:::*"
	case key == "":
		return "arn:aws:s3:::" + bucket
	}
	return "arn:aws:s3:::" + bucket + "/" + key
}
