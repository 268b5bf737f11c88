package integration

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/minio/minio-go/v7"
	miniocreds "github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/signer"
)

// The tests of this file drive kura with clients signing with AWS
// Signature Version 2: minio-go, boto3 (signature_version "s3") and
// s3cmd (signature_v2). See package sigv2.

func minioV2(t *testing.T, s *server, access, secret, token string) *minio.Client {
	t.Helper()
	c, err := minio.New(s.addr, &minio.Options{Creds: miniocreds.NewStaticV2(access, secret, token), Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestMinioGoSignatureV2(t *testing.T) {
	s := startServer(t)
	c := minioV2(t, s, s.accessKey, s.secretKey, "")
	ctx := ctx(t)
	if err := c.MakeBucket(ctx, "sigv2", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	small := []byte("signed with version 2")
	if _, err := c.PutObject(ctx, "sigv2", "dir/a b+c", bytes.NewReader(small), int64(len(small)), minio.PutObjectOptions{
		ContentType: "text/plain", UserMetadata: map[string]string{"Color": "blue"}, SendContentMd5: true,
	}); err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), (11<<20)/16)
	if _, err := c.PutObject(ctx, "sigv2", "big", bytes.NewReader(big), int64(len(big)), minio.PutObjectOptions{PartSize: 5 << 20}); err != nil {
		t.Fatalf("multipart PUT: %v", err)
	}
	for key, want := range map[string][]byte{"dir/a b+c": small, "big": big} {
		obj, err := c.GetObject(ctx, "sigv2", key, minio.GetObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(obj)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("GET %s: %d bytes, %v", key, len(got), err)
		}
	}
	st, err := c.StatObject(ctx, "sigv2", "dir/a b+c", minio.StatObjectOptions{})
	if err != nil || st.UserMetadata["Color"] != "blue" || st.ContentType != "text/plain" {
		t.Fatalf("StatObject: %+v %v", st, err)
	}
	if !strings.HasSuffix(strings.Trim(etagOf(t, s, "sigv2", "big"), `"`), "-3") {
		t.Errorf("big was not uploaded in three parts")
	}
	if _, err := c.CopyObject(ctx, minio.CopyDestOptions{Bucket: "sigv2", Object: "copy"}, minio.CopySrcOptions{Bucket: "sigv2", Object: "dir/a b+c"}); err != nil {
		t.Fatalf("CopyObject: %v", err)
	}
	var keys []string
	for o := range c.ListObjects(ctx, "sigv2", minio.ListObjectsOptions{Recursive: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		keys = append(keys, o.Key)
	}
	if strings.Join(keys, ",") != "big,copy,dir/a b+c" {
		t.Fatalf("listing: %v", keys)
	}

	// Presigned URLs, used without credentials.
	u, err := c.PresignedGetObject(ctx, "sigv2", "dir/a b+c", 5*time.Minute, url.Values{"response-content-type": {"x/y"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(u.RawQuery, "AWSAccessKeyId=") {
		t.Fatalf("not a Version 2 URL: %s", u)
	}
	res, err := http.Get(u.String())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !bytes.Equal(body, small) || res.Header.Get("Content-Type") != "x/y" {
		t.Fatalf("presigned GET: %d %s %v", res.StatusCode, body, res.Header)
	}
	u, err = c.PresignedPutObject(ctx, "sigv2", "by-url", 5*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPut, u.String(), strings.NewReader("put by URL"))
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("presigned PUT: %v %v", res, err)
	}

	// A browser POST upload whose policy minio-go signs with Version 2.
	p := minio.NewPostPolicy()
	p.SetBucket("sigv2")
	p.SetKey("posted")
	p.SetExpires(time.Now().Add(time.Hour))
	postURL, fields, err := c.PresignedPostPolicy(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := fields["signature"]; !ok {
		t.Fatalf("not a Version 2 form: %v", fields)
	}
	if code, body := postForm(t, postURL.String(), fields, "posted with v2"); code != http.StatusNoContent {
		t.Fatalf("POST: %d %s", code, body)
	}

	if err := c.RemoveObject(ctx, "sigv2", "posted", minio.RemoveObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	// A wrong secret is refused.
	_, err = minioV2(t, s, s.accessKey, s.secretKey+"x", "").ListBuckets(ctx)
	if minio.ToErrorResponse(err).Code != "SignatureDoesNotMatch" {
		t.Fatalf("wrong secret: %v", err)
	}
}

// postForm sends a multipart/form-data POST of fields and a file.
func postForm(t *testing.T, target string, fields map[string]string, file string) (int, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	fw, _ := w.CreateFormFile("file", "f")
	fw.Write([]byte(file))
	w.Close()
	res, err := http.Post(target, w.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// TestBoto3SignatureV2 runs testdata/boto3_sigv2.py with a botocore whose
// Version 2 signer signs operations like ListObjectsV2 correctly (older
// ones sign their URI template's query twice, which AWS refuses too).
func TestBoto3SignatureV2(t *testing.T) {
	var py string
	var why []string
	for _, p := range []string{"python3", "/usr/bin/python3"} {
		path, err := exec.LookPath(p)
		if err != nil {
			continue
		}
		out, err := exec.Command(path, "testdata/boto3_sigv2.py", "--check").CombinedOutput()
		if err == nil && strings.TrimSpace(string(out)) == "fixed" {
			py = path
			break
		}
		why = append(why, path+": "+strings.TrimSpace(string(out)))
	}
	if py == "" {
		t.Skipf("skipping: no python3 with boto3 and a current botocore (%s)", strings.Join(why, "; "))
	}
	s := startServer(t)
	runScript(t, py, s, "boto3_sigv2.py", "boto3 with Signature Version 2")
}

// TestS3cmdSignatureV2 runs s3cmd with signature_v2 = True: bucket,
// small and multipart objects, listing, deletion.
func TestS3cmdSignatureV2(t *testing.T) {
	s := startServer(t)
	s3c := s3cmdTool(t, s, true)
	dir := t.TempDir()
	small := filepath.Join(dir, "small.txt")
	os.WriteFile(small, []byte("hello from s3cmd v2\n"), 0o600)
	big := filepath.Join(dir, "big.bin")
	bigSum := writeBig(t, big, 11<<20, 3)

	s3c.run("mb", "s3://s3cmd-v2")
	s3c.run("put", small, "s3://s3cmd-v2/dir/small.txt")
	s3c.run("put", big, "s3://s3cmd-v2/big.bin")
	if etag := etagOf(t, s, "s3cmd-v2", "big.bin"); !strings.HasSuffix(etag, `-3"`) {
		t.Errorf("big.bin has ETag %s, want a 3-part multipart ETag", etag)
	}
	if out := s3c.run("ls", "--recursive", "s3://s3cmd-v2"); !strings.Contains(out, "s3://s3cmd-v2/dir/small.txt") || !strings.Contains(out, "s3://s3cmd-v2/big.bin") {
		t.Errorf("ls:\n%s", out)
	}
	s3c.run("get", "s3://s3cmd-v2/big.bin", filepath.Join(dir, "back.bin"))
	if got := fileSHA256(t, filepath.Join(dir, "back.bin")); got != bigSum {
		t.Errorf("big.bin came back with sha256 %s, want %s", got, bigSum)
	}
	s3c.run("del", "s3://s3cmd-v2/dir/small.txt", "s3://s3cmd-v2/big.bin")
	s3c.run("rb", "s3://s3cmd-v2")
}

// TestSignatureV2Policy: a bucket policy can deny Version 2 with the
// s3:signatureversion condition key, and --signature-v2=false refuses
// it on the whole server.
func TestSignatureV2Policy(t *testing.T) {
	s := startServer(t)
	ctx := ctx(t)
	root := minioV2(t, s, s.accessKey, s.secretKey, "")
	if err := root.MakeBucket(ctx, "v4only", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.PutObject(ctx, "v4only", "k", strings.NewReader("x"), 1, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	doc := filepath.Join(t.TempDir(), "p.json")
	os.WriteFile(doc, []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*"],"Resource":["arn:aws:s3:::*"]}]}`), 0o600)
	kuraAdmin(t, s, "policy", "create", "all", doc)
	kuraAdmin(t, s, "user", "add", "alice", "alice-secret-1")
	kuraAdmin(t, s, "policy", "attach", "all", "--user", "alice")
	deny := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::v4only","arn:aws:s3:::v4only/*"],` +
		`"Condition":{"StringEquals":{"s3:signatureversion":"AWS"}}}]}`
	if err := root.SetBucketPolicy(ctx, "v4only", deny); err != nil {
		t.Fatal(err)
	}
	_, err := minioV2(t, s, "alice", "alice-secret-1", "").StatObject(ctx, "v4only", "k", minio.StatObjectOptions{})
	if minio.ToErrorResponse(err).Code != "AccessDenied" {
		t.Fatalf("Version 2 request under a policy denying it: %v", err)
	}
	// A browser form signed with Version 2 is denied by the same policy
	// (it was not: a POST set no s3:signatureversion).
	policy := base64.StdEncoding.EncodeToString([]byte(`{"expiration":"` + time.Now().Add(time.Hour).UTC().Format("2006-01-02T15:04:05Z") +
		`","conditions":[{"bucket":"v4only"},{"key":"posted"}]}`))
	form := map[string]string{"key": "posted", "AWSAccessKeyId": "alice", "policy": policy, "signature": signer.PostPresignSignatureV2(policy, "alice-secret-1")}
	if code, body := postForm(t, s.url()+"/v4only", form, "x"); code != http.StatusForbidden || !strings.Contains(body, "AccessDenied") {
		t.Fatalf("Version 2 form under a policy denying it: %d %s", code, body)
	}
	alice4, _ := minio.New(s.addr, &minio.Options{Creds: miniocreds.NewStaticV4("alice", "alice-secret-1", ""), Region: "us-east-1"})
	if _, err := alice4.StatObject(ctx, "v4only", "k", minio.StatObjectOptions{}); err != nil {
		t.Fatalf("Version 4 request: %v", err)
	}

	refusing := startServer(t, "--signature-v2=false")
	_, err = minioV2(t, refusing, refusing.accessKey, refusing.secretKey, "").ListBuckets(ctx)
	if !strings.Contains(fmt.Sprint(err), "Signature Version 2 is not supported") {
		t.Fatalf("--signature-v2=false: %v", err)
	}
}

// TestPostObjectSessionToken: a browser POST upload signed with
// temporary credentials needs their session token, as every other
// request does (it was not checked before Signature Version 2 came).
func TestPostObjectSessionToken(t *testing.T) {
	s := startServer(t)
	ctx := ctx(t)
	root := newMinioClient(t, s)
	if err := root.MakeBucket(ctx, "forms", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	stsc := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.url()), Credentials: awscreds.NewStaticCredentialsProvider(s.accessKey, s.secretKey, "")})
	out, err := stsc.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::1:role/x"), RoleSessionName: aws.String("forms")})
	if err != nil {
		t.Fatal(err)
	}
	ak, sk, token := aws.ToString(out.Credentials.AccessKeyId), aws.ToString(out.Credentials.SecretAccessKey), aws.ToString(out.Credentials.SessionToken)
	// Version 4: minio-go builds the form, token included.
	c, err := minio.New(s.addr, &minio.Options{Creds: miniocreds.NewStaticV4(ak, sk, token), Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	p := minio.NewPostPolicy()
	p.SetBucket("forms")
	p.SetKey("posted")
	p.SetExpires(time.Now().Add(time.Hour))
	postURL, v4, err := c.PresignedPostPolicy(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	// Version 2: minio-go leaves the token out of its form, so the form
	// is built here, its policy signed by minio-go's signer.
	policy := base64.StdEncoding.EncodeToString([]byte(`{"expiration":"` + time.Now().Add(time.Hour).UTC().Format("2006-01-02T15:04:05Z") +
		`","conditions":[{"bucket":"forms"},{"key":"posted"},{"x-amz-security-token":"` + token + `"}]}`))
	v2 := map[string]string{"key": "posted", "AWSAccessKeyId": ak, "policy": policy,
		"signature": signer.PostPresignSignatureV2(policy, sk), "x-amz-security-token": token}
	for name, fields := range map[string]map[string]string{"v4": v4, "v2": v2} {
		if code, body := postForm(t, postURL.String(), fields, "with token"); code != http.StatusNoContent {
			t.Fatalf("%s: POST with the token: %d %s", name, code, body)
		}
		delete(fields, "x-amz-security-token")
		if code, body := postForm(t, postURL.String(), fields, "without"); code != http.StatusBadRequest || !strings.Contains(body, "InvalidToken") {
			t.Fatalf("%s: POST without the token: %d %s", name, code, body)
		}
	}
}
