package httpapi

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"testing"
)

func TestIAMActions(t *testing.T) {
	cases := []struct {
		op      string
		version bool
		want    string
	}{
		{"GetObject", false, "s3:GetObject"},
		{"GetObject", true, "s3:GetObjectVersion"},
		{"HeadObject", true, "s3:GetObjectVersion"},
		{"DeleteObject", true, "s3:DeleteObjectVersion"},
		{"DeleteObjects", true, "s3:DeleteObjectVersion"},
		{"ListObjectsV2", false, "s3:ListBucket"},
		{"ListObjectsV2", true, "s3:ListBucket"},
		{"UploadPart", false, "s3:PutObject"},
		{"AbortMultipartUpload", false, "s3:AbortMultipartUpload"},
		{"ListParts", false, "s3:ListMultipartUploadParts"},
		{"PutObjectRetention", false, "s3:PutObjectRetention"},
		{"PutObjectRetention", true, "s3:PutObjectRetention"},
		{"GetObjectLegalHold", true, "s3:GetObjectLegalHold"},
		{"GetObjectLockConfiguration", false, "s3:GetBucketObjectLockConfiguration"},
		{"PutBucketPolicy", false, "s3:PutBucketPolicy"},
		{"GetObjectTagging", true, "s3:GetObjectVersionTagging"},
		{"RestoreObject", false, "s3:RestoreObject"},
		{"RestoreObject", true, "s3:RestoreObject"},
		{"GetObjectAcl", true, "s3:GetObjectVersionAcl"},
		{"GetObjectAttributes", true, "s3:GetObjectVersionAttributes"},
		{"GetBucketEncryption", false, "s3:GetEncryptionConfiguration"},
		{"DeleteBucketEncryption", false, "s3:PutEncryptionConfiguration"},
		{"GetBucketPolicyStatus", false, "s3:GetBucketPolicyStatus"},
		{"GetBucketLifecycleConfiguration", false, "s3:GetLifecycleConfiguration"},
		{"PutBucketLifecycleConfiguration", false, "s3:PutLifecycleConfiguration"},
		{"DeleteBucketLifecycle", false, "s3:PutLifecycleConfiguration"},
		{"ListBuckets", false, "s3:ListAllMyBuckets"},
		{"GetBucketWebsite", false, "s3:GetBucketWebsite"},
		{"PutBucketWebsite", false, "s3:PutBucketWebsite"},
		{"DeleteBucketWebsite", false, "s3:DeleteBucketWebsite"},
		{"NoSuchOperation", false, ""},
	}
	for _, c := range cases {
		if got := iamAction(c.op, c.version); got != c.want {
			t.Errorf("%s (version %v): %s, want %s", c.op, c.version, got, c.want)
		}
	}
	if got := iamResource("b", "dir/k"); got != "arn:aws:s3:::b/dir/k" {
		t.Errorf("resource: %s", got)
	}
	for _, c := range []struct {
		op, want string
	}{
		{"ListBuckets", "arn:aws:s3:::*"},
		{"GetBucketTagging", "arn:aws:s3:::b"},
		{"GetObjectTagging", "arn:aws:s3:::b/dir/k"},
		{"GetObjectRetention", "arn:aws:s3:::b/dir/k"},
		{"ListParts", "arn:aws:s3:::b/dir/k"},
		{"AbortMultipartUpload", "arn:aws:s3:::b/dir/k"},
		{"RestoreObject", "arn:aws:s3:::b/dir/k"},
	} {
		if got := resourceOf(operationAuthz[c.op].on, "b", "dir/k"); got != c.want {
			t.Errorf("%s resource: %s, want %s", c.op, got, c.want)
		}
	}
}

// routedOperations are the names of every served operation route can
// produce: each method on the service, a bucket and an object, with no
// query and with each sub-resource and operation parameter, with and
// without a copy source or a form body.
func routedOperations() map[string]bool {
	methods := []string{"GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS", "PATCH"}
	queries := []string{"", "list-type=2", "delete", "uploadId=u", "uploads", "partNumber=1", "versionId=v", "Action=AssumeRole", "uploadId=u&partNumber=1"}
	for _, sub := range slices.Concat(bucketSubresources, objectSubresources) {
		queries = append(queries, sub, sub+"&versionId=v")
	}
	headers := []http.Header{
		{},
		{"X-Amz-Copy-Source": {"/b/src"}},
		{"Content-Type": {"multipart/form-data; boundary=x"}},
	}
	names := map[string]bool{}
	for _, m := range methods {
		for _, target := range []struct{ path, bucket, key string }{{"/", "", ""}, {"/b", "b", ""}, {"/b/k", "b", "k"}} {
			for _, q := range queries {
				for _, h := range headers {
					r := httptest.NewRequest(m, target.path+"?"+q, nil)
					hdr := r.Header
					for k, v := range h {
						hdr[k] = v
					}
					o := route(r, target.bucket, target.key)
					if o.handler != nil && !o.preflight && !o.sts {
						names[o.name] = true
					}
				}
			}
		}
	}
	return names
}

// TestEveryOperationIsAuthorized: every operation the router serves has
// its IAM action and resource kind in operationAuthz (one missing would
// be refused to all but root), and the table names no operation the
// router cannot produce.
func TestEveryOperationIsAuthorized(t *testing.T) {
	routed := routedOperations()
	if len(routed) < 50 {
		t.Fatalf("the walk found only %d operations: %v", len(routed), routed)
	}
	var missing, stale []string
	for name := range routed {
		a, ok := operationAuthz[name]
		if !ok {
			missing = append(missing, name)
			continue
		}
		if a.action == "" {
			t.Errorf("%s has no action", name)
		}
	}
	for name := range operationAuthz {
		if !routed[name] {
			stale = append(stale, name)
		}
	}
	sort.Strings(missing)
	sort.Strings(stale)
	if len(missing) > 0 {
		t.Errorf("operations missing from operationAuthz: %v", missing)
	}
	if len(stale) > 0 {
		t.Errorf("operationAuthz names operations route never produces: %v", stale)
	}
}
