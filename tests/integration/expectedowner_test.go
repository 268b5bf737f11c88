package integration

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// TestExpectedBucketOwnerAWS: aws-sdk-go-v2's ExpectedBucketOwner with
// the account GetCallerIdentity reports passes; another account is
// AccessDenied, and the DeleteObject and DeleteBucket it sent change
// nothing.
func TestExpectedBucketOwnerAWS(t *testing.T) {
	s := startServer(t)
	c := ctx(t)
	cl := newAWSClient(s)
	if _, err := cl.CreateBucket(c, &s3.CreateBucketInput{Bucket: aws.String("owned")}); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.PutObject(c, &s3.PutObjectInput{Bucket: aws.String("owned"), Key: aws.String("k"), Body: strings.NewReader("data")}); err != nil {
		t.Fatal(err)
	}
	id, err := sts.New(sts.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(s.url()), Credentials: cl.Options().Credentials,
	}).GetCallerIdentity(c, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	other := aws.String("111122223333")
	denied := func(what string, err error) {
		t.Helper()
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" {
			t.Errorf("%s with another expected owner: %v, want AccessDenied", what, err)
		}
	}
	_, err = cl.DeleteObject(c, &s3.DeleteObjectInput{Bucket: aws.String("owned"), Key: aws.String("k"), ExpectedBucketOwner: other})
	denied("DeleteObject", err)
	_, err = cl.DeleteBucket(c, &s3.DeleteBucketInput{Bucket: aws.String("owned"), ExpectedBucketOwner: other})
	denied("DeleteBucket", err)
	_, err = cl.CopyObject(c, &s3.CopyObjectInput{Bucket: aws.String("owned"), Key: aws.String("copy"), CopySource: aws.String("owned/k"), ExpectedSourceBucketOwner: other})
	denied("CopyObject", err)
	if _, err := cl.HeadObject(c, &s3.HeadObjectInput{Bucket: aws.String("owned"), Key: aws.String("k"), ExpectedBucketOwner: id.Account}); err != nil {
		t.Fatalf("the object is gone, or the right owner was refused: %v", err)
	}
	if _, err := cl.DeleteObject(c, &s3.DeleteObjectInput{Bucket: aws.String("owned"), Key: aws.String("k"), ExpectedBucketOwner: id.Account}); err != nil {
		t.Errorf("DeleteObject with the right expected owner: %v", err)
	}
}
