package integration

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/minio/minio-go/v7"
	miniocreds "github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/kurastore/kura/admin"
)

// TestPolicyEnforcement: what bucket and identity policies grant is what
// anonymous callers and users get, no more.
func TestPolicyEnforcement(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	root := newAWSClient(s)
	for _, b := range []string{"public", "private", "homes"} {
		if _, err := root.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"doc.txt", "alice/notes.txt", "bob/notes.txt", "secret/plan.txt"} {
			if _, err := root.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String(k), Body: strings.NewReader("data of " + k)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	anon := func(method, path string) int {
		req, _ := http.NewRequest(method, s.url()+path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	// Anonymous: denied without a policy, allowed GET under public-read.
	if code := anon("GET", "/public/doc.txt"); code != http.StatusForbidden {
		t.Fatalf("anonymous GET without a policy: %d", code)
	}
	publicRead := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["*"]},"Action":["s3:GetObject"],"Resource":["arn:aws:s3:::public/*"]}]}`
	if _, err := root.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("public"), Policy: aws.String(publicRead)}); err != nil {
		t.Fatal(err)
	}
	if code := anon("GET", "/public/doc.txt"); code != http.StatusOK {
		t.Fatalf("anonymous GET under public-read: %d", code)
	}
	for _, c := range []struct{ method, path string }{{"PUT", "/public/new.txt"}, {"DELETE", "/public/doc.txt"}, {"GET", "/public"}, {"GET", "/private/doc.txt"}} {
		if code := anon(c.method, c.path); code != http.StatusForbidden {
			t.Errorf("anonymous %s %s: %d, want 403", c.method, c.path, code)
		}
	}
	// A 304 or 412 must not leak to a caller who may not read.
	req, _ := http.NewRequest("GET", s.url()+"/private/doc.txt", nil)
	req.Header.Set("If-None-Match", "*")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("conditional anonymous GET: %v %v", resp.StatusCode, err)
	}

	// Users: readonly reads and lists, nothing else.
	kuraAdmin(t, s, "user", "add", "reader", "reader-secret")
	kuraAdmin(t, s, "policy", "attach", "readonly", "--user", "reader")
	reader := clientAs(s, "reader", "reader-secret")
	if _, err := reader.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("private"), Key: aws.String("doc.txt")}); err != nil {
		t.Fatalf("readonly GET: %v", err)
	}
	if _, err := reader.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("private")}); err != nil {
		t.Fatalf("readonly LIST: %v", err)
	}
	if _, err := reader.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("private"), Key: aws.String("x"), Body: strings.NewReader("x")}); apiCode(err) != "AccessDenied" {
		t.Fatalf("readonly PUT: %v", err)
	}
	if _, err := reader.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("private"), Key: aws.String("doc.txt")}); apiCode(err) != "AccessDenied" {
		t.Fatalf("readonly DELETE: %v", err)
	}

	// ${aws:username} home prefixes, and a Deny on a prefix beating readwrite.
	writeDoc := func(name, doc string) {
		f := t.TempDir() + "/p.json"
		if err := writeFile(f, doc); err != nil {
			t.Fatal(err)
		}
		kuraAdmin(t, s, "policy", "create", name, f)
	}
	writeDoc("home", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":["arn:aws:s3:::homes/${aws:username}/*"]}]}`)
	writeDoc("no-secrets", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["s3:*"],"Resource":["arn:aws:s3:::*/secret/*"]}]}`)
	kuraAdmin(t, s, "user", "add", "alice", "alice-secret")
	kuraAdmin(t, s, "policy", "attach", "home", "--user", "alice")
	alice := clientAs(s, "alice", "alice-secret")
	if _, err := alice.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("homes"), Key: aws.String("alice/new.txt"), Body: bytes.NewReader([]byte("mine"))}); err != nil {
		t.Fatalf("own home prefix: %v", err)
	}
	if _, err := alice.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("homes"), Key: aws.String("bob/notes.txt")}); apiCode(err) != "AccessDenied" {
		t.Fatalf("someone else's home: %v", err)
	}
	kuraAdmin(t, s, "user", "add", "writer", "writer-secret")
	kuraAdmin(t, s, "policy", "attach", "readwrite", "--user", "writer")
	kuraAdmin(t, s, "policy", "attach", "no-secrets", "--user", "writer")
	writer := clientAs(s, "writer", "writer-secret")
	if _, err := writer.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("private"), Key: aws.String("doc.txt")}); err != nil {
		t.Fatalf("readwrite GET: %v", err)
	}
	if _, err := writer.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("private"), Key: aws.String("secret/plan.txt")}); apiCode(err) != "AccessDenied" {
		t.Fatalf("Deny on a prefix: %v", err)
	}

	// Neither a service account's policy nor a session policy can widen
	// what their user may do.
	wide := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*"],"Resource":["arn:aws:s3:::*"]}]}`
	ac, err := admin.New(s.addr, s.accessKey, s.secretKey, false)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := ac.AddServiceAccount(ctx, "reader", []byte(wide))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := clientAs(s, svc.AccessKey, svc.SecretKey).PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("private"), Key: aws.String("svc"), Body: strings.NewReader("x")}); apiCode(err) != "AccessDenied" {
		t.Fatalf("service account widened its user's access: %v", err)
	}
	stsc := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.url()), Credentials: awscreds.NewStaticCredentialsProvider("reader", "reader-secret", "")})
	out, err := stsc.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::1:role/x"), RoleSessionName: aws.String("s"), Policy: aws.String(wide)})
	if err != nil {
		t.Fatal(err)
	}
	temp := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.url()), UsePathStyle: true,
		Credentials: awscreds.NewStaticCredentialsProvider(aws.ToString(out.Credentials.AccessKeyId), aws.ToString(out.Credentials.SecretAccessKey), aws.ToString(out.Credentials.SessionToken))})
	if _, err := temp.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("private"), Key: aws.String("doc.txt")}); err != nil {
		t.Fatalf("temporary credentials of a readonly user, GET: %v", err)
	}
	if _, err := temp.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("private"), Key: aws.String("sts"), Body: strings.NewReader("x")}); apiCode(err) != "AccessDenied" {
		t.Fatalf("a session policy widened access: %v", err)
	}

	// Bypassing GOVERNANCE retention needs s3:BypassGovernanceRetention.
	if _, err := root.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("worm"), ObjectLockEnabledForBucket: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	locked, err := root.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("worm"), Key: aws.String("k"), Body: strings.NewReader("x"),
		ObjectLockMode: "GOVERNANCE", ObjectLockRetainUntilDate: aws.Time(time.Now().Add(time.Hour))})
	if err != nil {
		t.Fatal(err)
	}
	writeDoc("deleter", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:DeleteObject","s3:DeleteObjectVersion"],"Resource":["arn:aws:s3:::worm/*"]}]}`)
	kuraAdmin(t, s, "user", "add", "deleter", "deleter-secret")
	kuraAdmin(t, s, "policy", "attach", "deleter", "--user", "deleter")
	del := &s3.DeleteObjectInput{Bucket: aws.String("worm"), Key: aws.String("k"), VersionId: locked.VersionId, BypassGovernanceRetention: aws.Bool(true)}
	if _, err := clientAs(s, "deleter", "deleter-secret").DeleteObject(ctx, del); apiCode(err) != "AccessDenied" {
		t.Fatalf("bypass without s3:BypassGovernanceRetention: %v", err)
	}
	if _, err := writer.DeleteObject(ctx, del); err != nil {
		t.Fatalf("bypass with s3:* : %v", err)
	}

	// aws:SourceIp: a policy for another network grants nothing.
	writeDoc("elsewhere", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::*"],"Condition":{"IpAddress":{"aws:SourceIp":"10.9.9.0/24"}}}]}`)
	writeDoc("loopback", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::*"],"Condition":{"IpAddress":{"aws:SourceIp":"127.0.0.0/8"}}}]}`)
	kuraAdmin(t, s, "user", "add", "netuser", "netuser-secret")
	kuraAdmin(t, s, "policy", "attach", "elsewhere", "--user", "netuser")
	netuser := clientAs(s, "netuser", "netuser-secret")
	if _, err := netuser.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("private"), Key: aws.String("doc.txt")}); apiCode(err) != "AccessDenied" {
		t.Fatalf("wrong source network: %v", err)
	}
	kuraAdmin(t, s, "policy", "attach", "loopback", "--user", "netuser")
	if _, err := netuser.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("private"), Key: aws.String("doc.txt")}); err != nil {
		t.Fatalf("loopback source: %v", err)
	}
}

// TestPolicyDecidesEachKey: DeleteObjects and browser POST uploads are
// decided key by key, on each object's ARN, as DeleteObject and PUT are.
func TestPolicyDecidesEachKey(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	root := newAWSClient(s)
	if _, err := root.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("vers")}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("vers"),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	put := func(key string) *string {
		out, err := root.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("vers"), Key: aws.String(key), Body: strings.NewReader("data")})
		if err != nil {
			t.Fatal(err)
		}
		return out.VersionId
	}
	version := put("k")
	put("other")
	f := t.TempDir() + "/p.json"
	if err := writeFile(f, `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["s3:*"],"Resource":["arn:aws:s3:::vers","arn:aws:s3:::vers/*"]},
		{"Effect":"Deny","Action":["s3:DeleteObjectVersion"],"Resource":["arn:aws:s3:::vers/*"]},
		{"Effect":"Deny","Action":["s3:PutObject"],"Resource":["arn:aws:s3:::vers/protected/*"]}]}`); err != nil {
		t.Fatal(err)
	}
	kuraAdmin(t, s, "policy", "create", "no-version-delete", f)
	kuraAdmin(t, s, "user", "add", "pruner", "pruner-secret")
	kuraAdmin(t, s, "policy", "attach", "no-version-delete", "--user", "pruner")
	pruner := clientAs(s, "pruner", "pruner-secret")

	if _, err := pruner.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("vers"), Key: aws.String("k"), VersionId: version}); apiCode(err) != "AccessDenied" {
		t.Fatalf("DeleteObject of a version under the Deny: %v", err)
	}
	out, err := pruner.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("vers"), Delete: &types.Delete{Objects: []types.ObjectIdentifier{
		{Key: aws.String("k"), VersionId: version}, {Key: aws.String("other")},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Errors) != 1 || aws.ToString(out.Errors[0].Key) != "k" || aws.ToString(out.Errors[0].Code) != "AccessDenied" {
		t.Errorf("errors: %+v", out.Errors)
	}
	if len(out.Deleted) != 1 || aws.ToString(out.Deleted[0].Key) != "other" {
		t.Errorf("deleted: %+v", out.Deleted)
	}
	if _, err := root.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("vers"), Key: aws.String("k"), VersionId: version}); err != nil {
		t.Fatalf("the denied version is gone: %v", err)
	}
	// Anonymous, with no grant at all: every key refused, none deleted.
	anon := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.url()), UsePathStyle: true, Credentials: aws.AnonymousCredentials{}})
	out, err = anon.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("vers"), Delete: &types.Delete{Objects: []types.ObjectIdentifier{{Key: aws.String("k")}}}})
	if err != nil || len(out.Errors) != 1 || aws.ToString(out.Errors[0].Code) != "AccessDenied" || len(out.Deleted) != 0 {
		t.Fatalf("anonymous DeleteObjects: %+v %v", out, err)
	}
	if _, err := root.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("vers"), Key: aws.String("k")}); err != nil {
		t.Fatalf("an anonymous DeleteObjects deleted k: %v", err)
	}

	// A POST form is a PUT of its key.
	mc, err := minio.New(s.addr, &minio.Options{Creds: miniocreds.NewStaticV4("pruner", "pruner-secret", ""), Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		key  string
		want int
	}{{"protected/posted", http.StatusForbidden}, {"open/posted", http.StatusNoContent}} {
		p := minio.NewPostPolicy()
		p.SetBucket("vers")
		p.SetKey(c.key)
		p.SetExpires(time.Now().UTC().Add(time.Hour))
		u, fields, err := mc.PresignedPostPolicy(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		fields["key"] = c.key
		expectStatus(t, "POST "+c.key, do(t, formRequest(t, u.String(), fields, "f.txt", []byte("x"))), c.want)
	}
	if _, err := root.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("vers"), Key: aws.String("protected/posted")}); apiCode(err) != "NotFound" {
		t.Fatalf("a denied form was stored: %v", err)
	}
}

func writeFile(path, data string) error { return os.WriteFile(path, []byte(data), 0o600) }
