package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// ACLs set by command-line tools the way their users set them: aws-cli's
// --acl, s3cmd's --acl-public/setacl, rclone's acl remote setting, and a
// static website whose pages are made public by their ACLs alone.

// objectWriterBucket creates bucket with ObjectWriter ownership (ACLs
// enabled), which s3cmd and rclone cannot ask for themselves.
func objectWriterBucket(t *testing.T, s *server, bucket string) {
	t.Helper()
	_, err := newAWSClient(s).CreateBucket(ctx(t), &s3.CreateBucketInput{Bucket: aws.String(bucket), ObjectOwnership: types.ObjectOwnershipObjectWriter})
	if err != nil {
		t.Fatal(err)
	}
}

// tempFile writes data to a new file in a temporary directory.
func tempFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// wantAnonymous checks what an anonymous GET of bucket/key answers.
func wantAnonymous(t *testing.T, s *server, bucket, key string, status int, body string) {
	t.Helper()
	code, got := anonymousGet(t, s.url()+"/"+bucket+"/"+key)
	if code != status || status == 200 && got != body {
		t.Errorf("anonymous GET %s/%s: %d %q, want %d %q", bucket, key, code, got, status, body)
	}
}

// TestACLToolsAwsCli uploads with `aws s3 cp --acl public-read`, in one
// request and in parts, reads the objects anonymously and their ACL with
// `aws s3api get-object-acl`; a bucket with ACLs disabled refuses the
// same upload.
func TestACLToolsAwsCli(t *testing.T) {
	s := startServer(t)
	cli := awsTool(t, s)
	cli.run("s3api", "create-bucket", "--bucket", "writer", "--object-ownership", "ObjectWriter")
	small := tempFile(t, "small.txt", []byte("public words"))
	big := tempFile(t, "big.bin", pattern(9<<20, 21)) // above aws-cli's 8 MiB multipart threshold
	cli.run("s3", "cp", "--only-show-errors", "--acl", "public-read", small, "s3://writer/pub/small.txt")
	cli.run("s3", "cp", "--only-show-errors", "--acl", "public-read", big, "s3://writer/pub/big.bin")
	cli.run("s3", "cp", "--only-show-errors", small, "s3://writer/private.txt")

	wantAnonymous(t, s, "writer", "pub/small.txt", 200, "public words")
	if code, body := anonymousGet(t, s.url()+"/writer/pub/big.bin"); code != 200 || body != string(pattern(9<<20, 21)) {
		t.Errorf("anonymous GET of the multipart upload: %d, %d bytes", code, len(body))
	}
	if etag := etagOf(t, s, "writer", "pub/big.bin"); !strings.HasSuffix(etag, `-2"`) {
		t.Errorf("big.bin has ETag %s, want a 2-part multipart ETag", etag)
	}
	wantAnonymous(t, s, "writer", "private.txt", 403, "")

	const allUsers = "http://acs.amazonaws.com/groups/global/AllUsers"
	for _, key := range []string{"pub/small.txt", "pub/big.bin"} {
		grants := cli.run("s3api", "get-object-acl", "--bucket", "writer", "--key", key,
			"--query", "Grants[].[Grantee.Type, Grantee.URI || Grantee.DisplayName, Permission]", "--output", "text")
		if !strings.Contains(grants, "Group\t"+allUsers+"\tREAD\n") || !strings.Contains(grants, "CanonicalUser\tkura\tFULL_CONTROL\n") {
			t.Errorf("get-object-acl %s:\n%s", key, grants)
		}
	}
	if grants := cli.run("s3api", "get-object-acl", "--bucket", "writer", "--key", "private.txt", "--query", "Grants[].Permission", "--output", "text"); strings.TrimSpace(grants) != "FULL_CONTROL" {
		t.Errorf("get-object-acl private.txt: %q", grants)
	}

	cli.run("s3api", "create-bucket", "--bucket", "enforced", "--object-ownership", "BucketOwnerEnforced")
	if _, stderr, err := cli.try("s3", "cp", "--only-show-errors", "--acl", "public-read", small, "s3://enforced/small.txt"); err == nil || !strings.Contains(stderr, "AccessControlListNotSupported") {
		t.Errorf("cp --acl public-read with ACLs disabled: %v\n%s", err, stderr)
	}
	if _, stderr, err := cli.try("s3", "cp", "--only-show-errors", "--acl", "public-read", big, "s3://enforced/big.bin"); err == nil || !strings.Contains(stderr, "AccessControlListNotSupported") {
		t.Errorf("multipart cp --acl public-read with ACLs disabled: %v\n%s", err, stderr)
	}
	if out := cli.run("s3", "ls", "s3://enforced/"); strings.TrimSpace(out) != "" {
		t.Errorf("refused uploads left objects:\n%s", out)
	}
}

// TestACLToolsS3cmd makes objects public and private again with s3cmd's
// setacl, and uploads public ones with put --acl-public, in one request
// and in parts.
func TestACLToolsS3cmd(t *testing.T) {
	s := startServer(t)
	s3c := s3cmdTool(t, s, false)
	objectWriterBucket(t, s, "s3cmd-acl")
	small := tempFile(t, "small.txt", []byte("shared by s3cmd"))

	s3c.run("put", small, "s3://s3cmd-acl/doc.txt")
	wantAnonymous(t, s, "s3cmd-acl", "doc.txt", 403, "")
	s3c.run("setacl", "--acl-public", "s3://s3cmd-acl/doc.txt")
	wantAnonymous(t, s, "s3cmd-acl", "doc.txt", 200, "shared by s3cmd")
	if info := s3c.run("info", "s3://s3cmd-acl/doc.txt"); !strings.Contains(info, "*anon*: READ") {
		t.Errorf("s3cmd info after --acl-public:\n%s", info)
	}
	s3c.run("setacl", "--acl-private", "s3://s3cmd-acl/doc.txt")
	wantAnonymous(t, s, "s3cmd-acl", "doc.txt", 403, "")
	if info := s3c.run("info", "s3://s3cmd-acl/doc.txt"); strings.Contains(info, "*anon*") {
		t.Errorf("s3cmd info after --acl-private:\n%s", info)
	}

	big := tempFile(t, "big.bin", pattern(11<<20, 22)) // three parts of 5 MiB
	s3c.run("put", "--acl-public", small, "s3://s3cmd-acl/put-public.txt")
	s3c.run("put", "--acl-public", big, "s3://s3cmd-acl/big.bin")
	wantAnonymous(t, s, "s3cmd-acl", "put-public.txt", 200, "shared by s3cmd")
	if etag := etagOf(t, s, "s3cmd-acl", "big.bin"); !strings.HasSuffix(etag, `-3"`) {
		t.Errorf("big.bin has ETag %s, want a 3-part multipart ETag", etag)
	}
	if code, body := anonymousGet(t, s.url()+"/s3cmd-acl/big.bin"); code != 200 || body != string(pattern(11<<20, 22)) {
		t.Errorf("anonymous GET of the multipart upload: %d, %d bytes", code, len(body))
	}
}

// TestACLToolsRclone uploads with rclone's acl = public-read remote
// setting (as RCLONE_CONFIG_KURA_ACL): single-part and multipart uploads
// and a server-side copy are readable anonymously; the same remote
// without it uploads private objects.
func TestACLToolsRclone(t *testing.T) {
	s := startServer(t)
	objectWriterBucket(t, s, "rclone-acl")
	settings := []string{"RCLONE_S3_UPLOAD_CUTOFF=5M", "RCLONE_S3_CHUNK_SIZE=5M"}
	public := rcloneTool(t, s, append(settings, "RCLONE_CONFIG_KURA_ACL=public-read")...)
	private := rcloneTool(t, s, settings...)
	small := tempFile(t, "small.txt", []byte("shared by rclone"))
	big := tempFile(t, "big.bin", pattern(6<<20, 23))

	public.run("copyto", small, "kura:rclone-acl/small.txt")
	public.run("copyto", big, "kura:rclone-acl/big.bin")
	public.run("copyto", "kura:rclone-acl/small.txt", "kura:rclone-acl/copied.txt")
	private.run("copyto", small, "kura:rclone-acl/private.txt")

	wantAnonymous(t, s, "rclone-acl", "small.txt", 200, "shared by rclone")
	wantAnonymous(t, s, "rclone-acl", "copied.txt", 200, "shared by rclone")
	if etag := etagOf(t, s, "rclone-acl", "big.bin"); !strings.HasSuffix(etag, `-2"`) {
		t.Errorf("big.bin has ETag %s, want a 2-part multipart ETag", etag)
	}
	if code, body := anonymousGet(t, s.url()+"/rclone-acl/big.bin"); code != 200 || body != string(pattern(6<<20, 23)) {
		t.Errorf("anonymous GET of the multipart upload: %d, %d bytes", code, len(body))
	}
	wantAnonymous(t, s, "rclone-acl", "private.txt", 403, "")
}

// TestACLToolsWebsite serves a website from a bucket whose pages are
// public by their ACLs only (aws s3 cp --acl public-read, no bucket
// policy): its index document is served, and a private page or a missing
// key answers 403 with the error document; a missing key is 404 once the
// bucket's ACL lets anybody list it.
func TestACLToolsWebsite(t *testing.T) {
	s := startServer(t, "--website-domain", siteDomain)
	cli := awsTool(t, s)
	cli.run("s3api", "create-bucket", "--bucket", "aclsite", "--object-ownership", "ObjectWriter")
	pages := map[string]string{"index.html": "home", "about/index.html": "about", "error.html": "not for you", "draft.html": "unfinished"}
	for key, body := range pages {
		args := []string{"s3", "cp", "--only-show-errors", "--content-type", "text/html"}
		if key != "draft.html" {
			args = append(args, "--acl", "public-read")
		}
		cli.run(append(args, tempFile(t, "page.html", []byte(body)), "s3://aclsite/"+key)...)
	}
	cli.run("s3", "website", "s3://aclsite", "--index-document", "index.html", "--error-document", "error.html")

	host := "aclsite." + siteDomain
	get := func(target, header string) webAnswer { return webGet(t, s.url(), host, target, header) }
	if !settled(func() bool { return get("/", "").body == "home" }) {
		t.Fatalf("GET /: %+v", get("/", "x-amz-error-code"))
	}
	for target, want := range map[string]webAnswer{
		"/":           {200, "", "home"},
		"/about/":     {200, "", "about"},
		"/draft.html": {403, "AccessDenied", "not for you"},
		"/missing":    {403, "AccessDenied", "not for you"},
	} {
		if got := get(target, "x-amz-error-code"); got != want {
			t.Errorf("GET %s: %+v, want %+v", target, got, want)
		}
	}
	if got := get("/about", "Location"); got != (webAnswer{302, "/about/", ""}) {
		t.Errorf("GET /about: %+v", got)
	}

	// A public-read bucket ACL lets anybody list: a missing key is then
	// 404, on the website and on the REST API; a private page stays 403.
	cli.run("s3api", "put-bucket-acl", "--bucket", "aclsite", "--acl", "public-read")
	if !settled(func() bool { return get("/missing", "x-amz-error-code").status == 404 }) {
		t.Errorf("GET /missing with a public bucket ACL: %+v", get("/missing", "x-amz-error-code"))
	}
	if got := get("/missing", "x-amz-error-code"); got != (webAnswer{404, "NoSuchKey", "not for you"}) {
		t.Errorf("GET /missing with a public bucket ACL: %+v", got)
	}
	if got := get("/draft.html", "x-amz-error-code"); got != (webAnswer{403, "AccessDenied", "not for you"}) {
		t.Errorf("GET /draft.html with a public bucket ACL: %+v", got)
	}
	wantAnonymous(t, s, "aclsite", "missing", 404, "")
	wantAnonymous(t, s, "aclsite", "draft.html", 403, "")
}
