package integration

import (
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/kurastore/kura/admin"
)

// anonymousGet fetches a public URL with plain net/http, as a browser
// following an app's link does.
func anonymousGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// TestACLAppUploadAWSSDK follows an app's upload path through
// aws-sdk-go-v2: in a bucket created with ObjectWriter ownership, objects
// put and uploaded in parts with the public-read ACL are readable at
// their URLs by anyone; a bucket with ACLs disabled (the server's
// default) refuses the ACL; a user without policies reads what an ACL
// grants it; IgnorePublicAcls turns public access off.
func TestACLAppUploadAWSSDK(t *testing.T) {
	s := startServer(t)
	c := ctx(t)
	root := newAWSClient(s)
	bucket := "app-uploads"
	if _, err := root.CreateBucket(c, &s3.CreateBucketInput{Bucket: aws.String(bucket), ObjectOwnership: types.ObjectOwnershipObjectWriter}); err != nil {
		t.Fatal(err)
	}
	own, err := root.GetBucketOwnershipControls(c, &s3.GetBucketOwnershipControlsInput{Bucket: aws.String(bucket)})
	if err != nil || len(own.OwnershipControls.Rules) != 1 || own.OwnershipControls.Rules[0].ObjectOwnership != types.ObjectOwnershipObjectWriter {
		t.Fatalf("ownership controls: %+v %v", own, err)
	}
	if _, err := root.PutObject(c, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("avatar.png"), Body: strings.NewReader("picture"), ACL: types.ObjectCannedACLPublicRead}); err != nil {
		t.Fatal(err)
	}
	up, err := root.CreateMultipartUpload(c, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("video.mp4"), ACL: types.ObjectCannedACLPublicRead})
	if err != nil {
		t.Fatal(err)
	}
	part, err := root.UploadPart(c, &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String("video.mp4"), UploadId: up.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader("frames")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := root.CompleteMultipartUpload(c, &s3.CompleteMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("video.mp4"), UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: part.ETag}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.PutObject(c, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("private.txt"), Body: strings.NewReader("secret")}); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{"avatar.png": "picture", "video.mp4": "frames"} {
		if _, err := root.HeadObject(c, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}); err != nil {
			t.Fatalf("HEAD %s: %v", key, err)
		}
		if code, body := anonymousGet(t, s.url()+"/"+bucket+"/"+key); code != 200 || body != want {
			t.Errorf("anonymous GET %s: %d %q", key, code, body)
		}
	}
	if code, _ := anonymousGet(t, s.url()+"/"+bucket+"/private.txt"); code != 403 {
		t.Errorf("anonymous GET of a private object: %d", code)
	}
	acl, err := root.GetObjectAcl(c, &s3.GetObjectAclInput{Bucket: aws.String(bucket), Key: aws.String("video.mp4")})
	if err != nil || len(acl.Grants) != 2 || aws.ToString(acl.Owner.DisplayName) != "kura" {
		t.Fatalf("GetObjectAcl: %+v %v", acl, err)
	}

	// The server's default ownership, BucketOwnerEnforced, disables ACLs.
	if _, err := root.CreateBucket(c, &s3.CreateBucketInput{Bucket: aws.String("enforced")}); err != nil {
		t.Fatal(err)
	}
	_, err = root.PutObject(c, &s3.PutObjectInput{Bucket: aws.String("enforced"), Key: aws.String("a"), Body: strings.NewReader("x"), ACL: types.ObjectCannedACLPublicRead})
	if apiCode(err) != "AccessControlListNotSupported" {
		t.Errorf("public-read PUT with ACLs disabled: %v", err)
	}
	_, err = root.CreateMultipartUpload(c, &s3.CreateMultipartUploadInput{Bucket: aws.String("enforced"), Key: aws.String("a"), ACL: types.ObjectCannedACLPublicRead})
	if apiCode(err) != "AccessControlListNotSupported" {
		t.Errorf("public-read CreateMultipartUpload with ACLs disabled: %v", err)
	}

	// A user without policies reads what an ACL grants it by email.
	kuraAdmin(t, s, "user", "add", "reader", "reader-secret-1", "--email", "reader@example.com")
	ac, err := admin.New(s.addr, s.accessKey, s.secretKey, false)
	if err != nil {
		t.Fatal(err)
	}
	users, err := ac.ListUsers(c)
	if err != nil || len(users) != 1 || users[0].Email != "reader@example.com" || len(users[0].CanonicalID) != 64 {
		t.Fatalf("users: %+v %v", users, err)
	}
	if _, err := root.PutObject(c, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("shared.txt"), Body: strings.NewReader("for reader"),
		GrantRead: aws.String(`emailAddress="reader@example.com"`)}); err != nil {
		t.Fatal(err)
	}
	reader := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.url()), UsePathStyle: true,
		Credentials: awscreds.NewStaticCredentialsProvider("reader", "reader-secret-1", "")})
	got, err := reader.GetObject(c, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("shared.txt")})
	if err != nil {
		t.Fatalf("reader GET of a granted object: %v", err)
	}
	got.Body.Close()
	if _, err := reader.GetObject(c, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("private.txt")}); apiCode(err) != "AccessDenied" {
		t.Errorf("reader GET of an ungranted object: %v", err)
	}
	sharedACL, err := root.GetObjectAcl(c, &s3.GetObjectAclInput{Bucket: aws.String(bucket), Key: aws.String("shared.txt")})
	if err != nil {
		t.Fatal(err)
	}
	var named bool
	for _, g := range sharedACL.Grants {
		named = named || aws.ToString(g.Grantee.ID) == users[0].CanonicalID && aws.ToString(g.Grantee.DisplayName) == "reader"
	}
	if !named {
		t.Errorf("the grant by email does not name the reader: %+v", sharedACL.Grants)
	}

	// IgnorePublicAcls turns the public grants off.
	if _, err := root.PutPublicAccessBlock(c, &s3.PutPublicAccessBlockInput{Bucket: aws.String(bucket),
		PublicAccessBlockConfiguration: &types.PublicAccessBlockConfiguration{IgnorePublicAcls: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	if code, _ := anonymousGet(t, s.url()+"/"+bucket+"/avatar.png"); code != 403 {
		t.Errorf("anonymous GET under IgnorePublicAcls: %d", code)
	}
	got, err = reader.GetObject(c, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("shared.txt")})
	if err != nil {
		t.Fatalf("reader GET under IgnorePublicAcls: %v", err)
	}
	got.Body.Close()
}

// TestACLAppUploadBoto3 follows the same upload path through boto3.
func TestACLAppUploadBoto3(t *testing.T) {
	py := pythonWithBoto3(t)
	s := startServer(t)
	runScript(t, py, s, "boto3_acl.py", "boto3 ACLs")
}

// TestDefaultObjectOwnershipFlag: --default-object-ownership ObjectWriter
// enables ACLs on buckets that set no ownership of their own.
func TestDefaultObjectOwnershipFlag(t *testing.T) {
	s := startServer(t, "--default-object-ownership", "ObjectWriter")
	c := ctx(t)
	root := newAWSClient(s)
	if _, err := root.CreateBucket(c, &s3.CreateBucketInput{Bucket: aws.String("plain")}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.PutObject(c, &s3.PutObjectInput{Bucket: aws.String("plain"), Key: aws.String("k"), Body: strings.NewReader("v"), ACL: types.ObjectCannedACLPublicRead}); err != nil {
		t.Fatal(err)
	}
	if code, _ := anonymousGet(t, s.url()+"/plain/k"); code != 200 {
		t.Errorf("anonymous GET: %d", code)
	}
	cmd := exec.Command(kuraBin, "server", "--default-object-ownership", "Anarchy", t.TempDir())
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "default-object-ownership") {
		t.Errorf("a bad setting: %v %s", err, out)
	}
}
