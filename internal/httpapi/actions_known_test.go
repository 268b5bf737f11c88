package httpapi

import (
	"testing"

	"github.com/kurastore/kura/wire/policy"
)

// TestOperationsAuthorizeKnownActions: every action kura authorizes is one
// a policy may name; otherwise validation would refuse the only policy
// that could grant it.
func TestOperationsAuthorizeKnownActions(t *testing.T) {
	names := []string{
		"AbortMultipartUpload", "CompleteMultipartUpload", "CopyObject", "CreateBucket",
		"CreateMultipartUpload", "DeleteBucket", "DeleteObject", "DeleteObjects", "GetObject",
		"HeadBucket", "HeadObject", "ListBuckets", "ListObjects", "ListObjectsV2", "ListParts",
		"PostObject", "PutObject", "UploadPart", "UploadPartCopy",
	}
	for _, routes := range []map[string]methods{bucketConfigRoutes, objectConfigRoutes} {
		for _, m := range routes {
			for _, o := range m {
				names = append(names, o.name)
			}
		}
	}
	for _, name := range names {
		for _, withVersion := range []bool{false, true} {
			if a := iamAction(name, withVersion); !policy.KnownAction(a) {
				t.Errorf("%s (version %v) authorizes %s, which no policy may name", name, withVersion, a)
			}
		}
	}
	for name, a := range replicationActions {
		if !policy.KnownAction(a) {
			t.Errorf("a replication request of %s authorizes %s, which no policy may name", name, a)
		}
		if _, ok := operationAuthz[name]; !ok {
			t.Errorf("replication request of %s, an operation kura does not authorize", name)
		}
	}
	if !policy.KnownAction("s3:BypassGovernanceRetention") {
		t.Error("s3:BypassGovernanceRetention is not a known action")
	}
}
