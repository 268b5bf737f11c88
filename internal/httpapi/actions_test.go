package httpapi

import "testing"

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
		{"ListObjectsV2", false, "s3:ListBucket"},
		{"UploadPart", false, "s3:PutObject"},
		{"PutObjectRetention", false, "s3:PutObjectRetention"},
		{"GetObjectLockConfiguration", false, "s3:GetBucketObjectLockConfiguration"},
		{"PutBucketPolicy", false, "s3:PutBucketPolicy"},
		{"GetObjectTagging", true, "s3:GetObjectVersionTagging"},
	}
	for _, c := range cases {
		if got := iamAction(c.op, c.version); got != c.want {
			t.Errorf("%s (version %v): %s, want %s", c.op, c.version, got, c.want)
		}
	}
	if got := iamResource("b", "dir/k"); got != "arn:aws:s3:::b/dir/k" {
		t.Errorf("resource: %s", got)
	}
}
