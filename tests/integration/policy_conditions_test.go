package integration

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/kurastore/kura/admin"
)

// TestPolicyObjectTagConditions: a user's policies decide on the tags an
// object has and the tags a request sets, through a real SDK client; and
// a policy naming an action S3 does not have is refused.
func TestPolicyObjectTagConditions(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	root := newAWSClient(s)
	if _, err := root.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("tagged")}); err != nil {
		t.Fatal(err)
	}
	for key, tagging := range map[string]string{"secret.txt": "class=secret", "open.txt": "class=open", "plain.txt": ""} {
		in := &s3.PutObjectInput{Bucket: aws.String("tagged"), Key: aws.String(key), Body: strings.NewReader("data")}
		if tagging != "" {
			in.Tagging = aws.String(tagging)
		}
		if _, err := root.PutObject(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	ac, err := admin.New(s.addr, s.accessKey, s.secretKey, false)
	if err != nil {
		t.Fatal(err)
	}
	doc := `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:PutObjectTagging","s3:GetObjectTagging"],"Resource":"arn:aws:s3:::tagged/*"},
		{"Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::tagged/*","Condition":{"StringEquals":{"s3:ExistingObjectTag/class":"secret"}}},
		{"Effect":"Deny","Action":["s3:PutObject","s3:PutObjectTagging"],"Resource":"arn:aws:s3:::tagged/*","Condition":{"StringNotEquals":{"s3:RequestObjectTag/project":"x"}}}]}`
	if err := ac.PutPolicy(ctx, "tag-rules", []byte(doc)); err != nil {
		t.Fatal(err)
	}
	if err := ac.AddUser(ctx, "tagger", "tagger-secret"); err != nil {
		t.Fatal(err)
	}
	if err := ac.AttachPolicy(ctx, "tag-rules", "tagger", ""); err != nil {
		t.Fatal(err)
	}
	user := clientAs(s, "tagger", "tagger-secret")

	get := func(key string) error {
		_, err := user.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("tagged"), Key: aws.String(key)})
		return err
	}
	if err := get("secret.txt"); apiCode(err) != "AccessDenied" {
		t.Errorf("GET of the secret-tagged object: %v, want AccessDenied", err)
	}
	for _, key := range []string{"open.txt", "plain.txt"} {
		if err := get(key); err != nil {
			t.Errorf("GET of %s: %v", key, err)
		}
	}

	put := func(tagging string) error {
		in := &s3.PutObjectInput{Bucket: aws.String("tagged"), Key: aws.String("new.txt"), Body: strings.NewReader("new")}
		if tagging != "" {
			in.Tagging = aws.String(tagging)
		}
		_, err := user.PutObject(ctx, in)
		return err
	}
	if err := put(""); apiCode(err) != "AccessDenied" {
		t.Errorf("PUT without the project tag: %v, want AccessDenied", err)
	}
	if err := put("project=y"); apiCode(err) != "AccessDenied" {
		t.Errorf("PUT with project=y: %v, want AccessDenied", err)
	}
	if err := put("project=x"); err != nil {
		t.Errorf("PUT with project=x: %v", err)
	}
	putTags := func(value string) error {
		_, err := user.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String("tagged"), Key: aws.String("plain.txt"),
			Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("project"), Value: aws.String(value)}}}})
		return err
	}
	if err := putTags("y"); apiCode(err) != "AccessDenied" {
		t.Errorf("PutObjectTagging project=y: %v, want AccessDenied", err)
	}
	if err := putTags("x"); err != nil {
		t.Errorf("PutObjectTagging project=x: %v", err)
	}

	// A multipart upload created with the tag finishes; its parts do not
	// repeat the tag.
	mp, err := user.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("tagged"), Key: aws.String("big.bin"), Tagging: aws.String("project=x")})
	if err != nil {
		t.Fatalf("CreateMultipartUpload with the tag: %v", err)
	}
	part, err := user.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("tagged"), Key: aws.String("big.bin"), UploadId: mp.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader("part")})
	if err != nil {
		t.Fatalf("UploadPart: %v", err)
	}
	if _, err := user.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("tagged"), Key: aws.String("big.bin"), UploadId: mp.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{ETag: part.ETag, PartNumber: aws.Int32(1)}}}}); err != nil {
		t.Fatalf("CompleteMultipartUpload: %v", err)
	}

	// Unknown actions are refused in bucket and identity policies alike.
	bad := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:NoSuchAction","Resource":"arn:aws:s3:::tagged/*"}]}`
	if _, err := root.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("tagged"), Policy: aws.String(bad)}); apiCode(err) != "MalformedPolicy" {
		t.Errorf("bucket policy with s3:NoSuchAction: %v, want MalformedPolicy", err)
	}
	if err := ac.PutPolicy(ctx, "bad", []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Nothing*","Resource":"*"}]}`)); err == nil {
		t.Error("identity policy with s3:Nothing* accepted")
	}
}
