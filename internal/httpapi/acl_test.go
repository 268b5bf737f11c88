package httpapi

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kurastore/kura/sigv4"

	"github.com/kurastore/kura/internal/iam"
	"github.com/kurastore/kura/wire/acl"
)

// noS3Policy is a user's policy that grants nothing in S3.
const noS3Policy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}`

// aclBucket creates bucket as root with an Object Ownership setting.
func (s *authzServer) aclBucket(t *testing.T, bucket, ownership string) {
	t.Helper()
	s.asRoot(t, "PUT", "/"+bucket, http.Header{"X-Amz-Object-Ownership": {ownership}}, "")
}

func cannedHeader(canned string) http.Header { return http.Header{"X-Amz-Acl": {canned}} }

// expectCode checks a response's status and, when code is set, its
// error code.
func expectACL(t *testing.T, what string, rec *httptest.ResponseRecorder, status int, code string) {
	t.Helper()
	if rec.Code != status || code != "" && !strings.Contains(rec.Body.String(), "<Code>"+code+"</Code>") {
		t.Errorf("%s: %d %s, want %d %s", what, rec.Code, rec.Body, status, code)
	}
}

func credentialsOf(access, secret string) *sigv4.Credentials {
	return &sigv4.Credentials{AccessKey: access, SecretKey: secret}
}

// TestACLObjectWriterPublicRead follows an app's upload path on a bucket
// with ACLs enabled: objects put, copied, uploaded in parts or by a form
// with public-read are readable anonymously; without it, they are not.
func TestACLObjectWriterPublicRead(t *testing.T) {
	s := newAuthzServer(t)
	s.aclBucket(t, "pub", objectWriter)
	s.asRoot(t, "PUT", "/pub/public", cannedHeader("public-read"), "data")
	s.asRoot(t, "PUT", "/pub/private", nil, "data")
	expectACL(t, "anonymous GET of a public-read object", s.do(nil, "GET", "/pub/public", nil, nil), 200, "")
	expectACL(t, "anonymous HEAD of a public-read object", s.do(nil, "HEAD", "/pub/public", nil, nil), 200, "")
	expectACL(t, "anonymous GET of a private object", s.do(nil, "GET", "/pub/private", nil, nil), 403, "AccessDenied")
	expectACL(t, "anonymous GET of a missing object", s.do(nil, "GET", "/pub/missing", nil, nil), 403, "AccessDenied")
	expectACL(t, "anonymous list", s.do(nil, "GET", "/pub", nil, nil), 403, "AccessDenied")
	expectACL(t, "anonymous PutObjectAcl", s.do(nil, "PUT", "/pub/public?acl", cannedHeader("private"), nil), 403, "AccessDenied")

	// A copy has the ACL it names, never its source's.
	s.asRoot(t, "PUT", "/pub/copy", http.Header{"X-Amz-Copy-Source": {"/pub/public"}}, "")
	expectACL(t, "anonymous GET of a copy without an ACL", s.do(nil, "GET", "/pub/copy", nil, nil), 403, "AccessDenied")
	s.asRoot(t, "PUT", "/pub/copy2", http.Header{"X-Amz-Copy-Source": {"/pub/private"}, "X-Amz-Acl": {"public-read"}}, "")
	expectACL(t, "anonymous GET of a public-read copy", s.do(nil, "GET", "/pub/copy2", nil, nil), 200, "")

	// A multipart upload's ACL applies at completion.
	rec := s.asRoot(t, "POST", "/pub/mp?uploads", cannedHeader("public-read"), "")
	id := between(rec.Body.String(), "<UploadId>", "</UploadId>")
	part := s.asRoot(t, "PUT", "/pub/mp?partNumber=1&uploadId="+id, nil, "part")
	etag := part.Header().Get("ETag")
	s.asRoot(t, "POST", "/pub/mp?uploadId="+id, nil, `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>`+etag+`</ETag></Part></CompleteMultipartUpload>`)
	expectACL(t, "anonymous GET of a public-read multipart object", s.do(nil, "GET", "/pub/mp", nil, nil), 200, "")

	// A form's acl field.
	if rec := s.postForm(&s.root, "pub", map[string]string{"key": "form", "acl": "public-read"}, "x"); rec.Code >= 300 {
		t.Fatalf("form upload: %d %s", rec.Code, rec.Body)
	}
	expectACL(t, "anonymous GET of a public-read form upload", s.do(nil, "GET", "/pub/form", nil, nil), 200, "")

	// GetObjectAcl tells the grants, with the root user named "kura".
	body := s.asRoot(t, "GET", "/pub/public?acl", nil, "").Body.String()
	a, err := acl.ParsePolicy([]byte(body))
	if err != nil || a.Owner != s.api.ownerID || len(a.Grants) != 2 || !a.IsPublic() || !strings.Contains(body, "<DisplayName>kura</DisplayName>") {
		t.Fatalf("GetObjectAcl: %+v %v\n%s", a, err, body)
	}

	// Ownership switched to BucketOwnerEnforced: stored ACLs stop
	// counting, and count again when ACLs are enabled again.
	own := func(o string) {
		s.asRoot(t, "PUT", "/pub?ownershipControls", nil, `<OwnershipControls><Rule><ObjectOwnership>`+o+`</ObjectOwnership></Rule></OwnershipControls>`)
	}
	own(ownerEnforced)
	expectACL(t, "anonymous GET with ACLs disabled", s.do(nil, "GET", "/pub/public", nil, nil), 403, "AccessDenied")
	if body := s.asRoot(t, "GET", "/pub/public?acl", nil, "").Body.String(); strings.Contains(body, "AllUsers") {
		t.Errorf("GetObjectAcl with ACLs disabled: %s", body)
	}
	own(ownerPreferred)
	expectACL(t, "anonymous GET with ACLs enabled again", s.do(nil, "GET", "/pub/public", nil, nil), 200, "")
}

func between(s, from, to string) string {
	_, rest, _ := strings.Cut(s, from)
	v, _, _ := strings.Cut(rest, to)
	return v
}

// TestACLsDisabledRefuseGrants: under BucketOwnerEnforced (the default)
// every ACL beyond the owner's control is refused, on every write.
func TestACLsDisabledRefuseGrants(t *testing.T) {
	s := newAuthzServer(t)
	s.asRoot(t, "PUT", "/enf", nil, "")
	s.asRoot(t, "PUT", "/enf/obj", nil, "data")
	const notSupported = "AccessControlListNotSupported"
	expectACL(t, "PUT public-read", s.do(&s.root, "PUT", "/enf/k", cannedHeader("public-read"), []byte("x")), 400, notSupported)
	expectACL(t, "CreateMultipartUpload public-read", s.do(&s.root, "POST", "/enf/k?uploads", cannedHeader("public-read"), nil), 400, notSupported)
	expectACL(t, "copy public-read", s.do(&s.root, "PUT", "/enf/k", http.Header{"X-Amz-Copy-Source": {"/enf/obj"}, "X-Amz-Acl": {"public-read"}}, nil), 400, notSupported)
	expectACL(t, "PutObjectAcl public-read", s.do(&s.root, "PUT", "/enf/obj?acl", cannedHeader("public-read"), nil), 400, notSupported)
	expectACL(t, "PutBucketAcl public-read", s.do(&s.root, "PUT", "/enf?acl", cannedHeader("public-read"), nil), 400, notSupported)
	if rec := s.postForm(&s.root, "enf", map[string]string{"key": "form", "acl": "public-read"}, "x"); rec.Code != 400 || !strings.Contains(rec.Body.String(), notSupported) {
		t.Errorf("form with public-read: %d %s", rec.Code, rec.Body)
	}
	// Owner-only ACLs are accepted.
	s.asRoot(t, "PUT", "/enf/k", cannedHeader("bucket-owner-full-control"), "x")
	s.asRoot(t, "PUT", "/enf/obj?acl", cannedHeader("private"), "")
	own := fmt.Sprintf(`<AccessControlPolicy><AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>%s</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant></AccessControlList></AccessControlPolicy>`, s.api.ownerID)
	s.asRoot(t, "PUT", "/enf?acl", nil, own)
	expectACL(t, "CreateBucket public-read", s.do(&s.root, "PUT", "/enf2", cannedHeader("public-read"), nil), 400, "InvalidBucketAclWithObjectOwnership")
	body := s.asRoot(t, "GET", "/enf?acl", nil, "").Body.String()
	if a, err := acl.ParsePolicy([]byte(body)); err != nil || !ownerOnly(a, s.api.ownerID) || len(a.Grants) != 1 {
		t.Errorf("GetBucketAcl: %s", body)
	}
}

// TestRecreateBucketWithACL: re-creating an existing bucket with an ACL
// its new-bucket default ownership would refuse answers as any
// re-creation does (200 in us-east-1, else BucketAlreadyOwnedByYou) and
// changes nothing; rclone with acl = public-read creates its bucket so
// before each upload. A new bucket with that ACL is still refused.
func TestRecreateBucketWithACL(t *testing.T) {
	s := newAuthzServer(t) // serving us-east-1, default BucketOwnerEnforced
	s.aclBucket(t, "writer", "ObjectWriter")
	s.asRoot(t, "PUT", "/plain", nil, "")
	for _, bucket := range []string{"writer", "plain"} {
		expectACL(t, "re-create "+bucket+" public-read", s.do(&s.root, "PUT", "/"+bucket, cannedHeader("public-read"), nil), 200, "")
		body := s.asRoot(t, "GET", "/"+bucket+"?acl", nil, "").Body.String()
		if a, err := acl.ParsePolicy([]byte(body)); err != nil || !ownerOnly(a, s.api.ownerID) {
			t.Errorf("the re-creation changed %s's ACL: %s", bucket, body)
		}
	}
	if body := s.asRoot(t, "GET", "/writer?ownershipControls", nil, "").Body.String(); !strings.Contains(body, "<ObjectOwnership>ObjectWriter</ObjectOwnership>") {
		t.Errorf("the re-creation changed the ownership: %s", body)
	}
	expectACL(t, "re-create as eu-west-1 public-read", s.do(&s.root, "PUT", "/writer", cannedHeader("public-read"), createBucketBody("eu-west-1")), 409, "BucketAlreadyOwnedByYou")
	expectACL(t, "create new public-read", s.do(&s.root, "PUT", "/fresh", cannedHeader("public-read"), nil), 400, "InvalidBucketAclWithObjectOwnership")
	expectACL(t, "the refused bucket", s.do(&s.root, "HEAD", "/fresh", nil, nil), 404, "")
}

// TestACLMissingKeyAnswer: an anonymous read of a key with no object in a
// bucket with ACLs enabled is AccessDenied, or NoSuchKey (404) when the
// bucket's ACL lets anybody list it, as when a bucket policy grants the
// read; an explicit Deny still refuses.
func TestACLMissingKeyAnswer(t *testing.T) {
	s := newAuthzServer(t)
	s.aclBucket(t, "closed", objectWriter)
	s.asRoot(t, "PUT", "/listable", http.Header{"X-Amz-Object-Ownership": {objectWriter}, "X-Amz-Acl": {"public-read"}}, "")
	s.asRoot(t, "PUT", "/listable/private", nil, "data")
	expectACL(t, "GET of a missing key, no listing", s.do(nil, "GET", "/closed/missing", nil, nil), 403, "AccessDenied")
	expectACL(t, "HEAD of a missing key, no listing", s.do(nil, "HEAD", "/closed/missing", nil, nil), 403, "")
	expectACL(t, "GET of a missing key, public listing", s.do(nil, "GET", "/listable/missing", nil, nil), 404, "NoSuchKey")
	expectACL(t, "HEAD of a missing key, public listing", s.do(nil, "HEAD", "/listable/missing", nil, nil), 404, "")
	expectACL(t, "GET of a private object, public listing", s.do(nil, "GET", "/listable/private", nil, nil), 403, "AccessDenied")
	deny := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::listable/missing"}]}`
	s.asRoot(t, "PUT", "/listable?policy", nil, deny)
	expectACL(t, "GET of a missing key denied by the policy", s.do(nil, "GET", "/listable/missing", nil, nil), 403, "AccessDenied")
}

// TestACLGrantToUser: a user whose policies grant nothing reads what an
// ACL grants it, by canonical ID or by email address, as do its service
// accounts; an explicit Deny in a policy still wins.
func TestACLGrantToUser(t *testing.T) {
	s := newAuthzServer(t)
	reader := s.user(t, "reader", noS3Policy)
	other := s.user(t, "other", noS3Policy)
	ctx := t.Context()
	if err := s.ids.SetUserEmail(ctx, "reader", "reader@example.com"); err != nil {
		t.Fatal(err)
	}
	s.aclBucket(t, "acl", objectWriter)
	s.asRoot(t, "PUT", "/acl/by-id", http.Header{"X-Amz-Grant-Read": {`id="` + iam.CanonicalID("reader") + `"`}}, "data")
	s.asRoot(t, "PUT", "/acl/by-email", http.Header{"X-Amz-Grant-Read": {`emailAddress="READER@example.com"`}}, "data")
	s.asRoot(t, "PUT", "/acl/none", nil, "data")
	for _, key := range []string{"by-id", "by-email"} {
		expectACL(t, "reader GET "+key, s.do(reader, "GET", "/acl/"+key, nil, nil), 200, "")
		expectACL(t, "other GET "+key, s.do(other, "GET", "/acl/"+key, nil, nil), 403, "AccessDenied")
		expectACL(t, "reader PUT "+key, s.do(reader, "PUT", "/acl/"+key, nil, []byte("x")), 403, "AccessDenied")
		expectACL(t, "reader GetObjectAcl "+key, s.do(reader, "GET", "/acl/"+key+"?acl", nil, nil), 403, "AccessDenied")
	}
	expectACL(t, "reader GET ungranted", s.do(reader, "GET", "/acl/none", nil, nil), 403, "AccessDenied")
	// The stored grant names the user by canonical ID and display name.
	body := s.asRoot(t, "GET", "/acl/by-email?acl", nil, "").Body.String()
	if !strings.Contains(body, "<ID>"+iam.CanonicalID("reader")+"</ID><DisplayName>reader</DisplayName>") {
		t.Errorf("GetObjectAcl of a grant by email: %s", body)
	}
	svc, err := s.ids.AddServiceAccount(ctx, "reader", nil)
	if err != nil {
		t.Fatal(err)
	}
	svcCreds := credentialsOf(svc.AccessKey, svc.SecretKey)
	expectACL(t, "reader's service account GET", s.do(svcCreds, "GET", "/acl/by-id", nil, nil), 200, "")
	// Bad grantees.
	expectACL(t, "grant to an unknown email", s.do(&s.root, "PUT", "/acl/x", http.Header{"X-Amz-Grant-Read": {`emailAddress="nobody@example.com"`}}, []byte("x")), 400, "UnresolvableGrantByEmailAddress")
	expectACL(t, "grant to an unknown id", s.do(&s.root, "PUT", "/acl/x", http.Header{"X-Amz-Grant-Read": {`id="` + strings.Repeat("ab", 32) + `"`}}, []byte("x")), 400, "InvalidArgument")
	expectACL(t, "canned and grants", s.do(&s.root, "PUT", "/acl/x", http.Header{"X-Amz-Acl": {"private"}, "X-Amz-Grant-Read": {`id="` + iam.CanonicalID("reader") + `"`}}, []byte("x")), 400, "InvalidRequest")
	// An explicit Deny in the bucket policy beats the ACL grant.
	deny := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::acl/by-id"}]}`
	s.asRoot(t, "PUT", "/acl?policy", nil, deny)
	expectACL(t, "reader GET under a Deny", s.do(reader, "GET", "/acl/by-id", nil, nil), 403, "AccessDenied")
	expectACL(t, "reader GET beside the Deny", s.do(reader, "GET", "/acl/by-email", nil, nil), 200, "")
}

// TestACLOwnerAndPreferred: in an ObjectWriter bucket the writer owns
// what it writes and may read and change its ACL; under
// BucketOwnerPreferred, bucket-owner-full-control makes the bucket owner
// the owner.
func TestACLOwnerAndPreferred(t *testing.T) {
	s := newAuthzServer(t)
	writer := s.user(t, "writer", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]}`)
	s.aclBucket(t, "owned", objectWriter)
	expectACL(t, "writer PUT", s.do(writer, "PUT", "/owned/mine", nil, []byte("x")), 200, "")
	rec := s.do(writer, "GET", "/owned/mine?acl", nil, nil)
	expectACL(t, "writer GetObjectAcl of its object", rec, 200, "")
	if !strings.Contains(rec.Body.String(), "<Owner><ID>"+iam.CanonicalID("writer")+"</ID><DisplayName>writer</DisplayName></Owner>") {
		t.Errorf("owner of the writer's object: %s", rec.Body)
	}
	expectACL(t, "writer PutObjectAcl of its object", s.do(writer, "PUT", "/owned/mine?acl", cannedHeader("public-read"), nil), 200, "")
	expectACL(t, "anonymous GET after the writer's public-read", s.do(nil, "GET", "/owned/mine", nil, nil), 200, "")
	expectACL(t, "writer GET (READ is not the owner's implicitly)", s.do(writer, "GET", "/owned/mine", nil, nil), 200, "")
	s.asRoot(t, "PUT", "/owned/roots", nil, "x")
	expectACL(t, "writer GetObjectAcl of root's object", s.do(writer, "GET", "/owned/roots?acl", nil, nil), 403, "AccessDenied")

	s.aclBucket(t, "pref", ownerPreferred)
	expectACL(t, "writer PUT bucket-owner-full-control", s.do(writer, "PUT", "/pref/given", cannedHeader("bucket-owner-full-control"), []byte("x")), 200, "")
	expectACL(t, "writer PUT", s.do(writer, "PUT", "/pref/kept", nil, []byte("x")), 200, "")
	if body := s.asRoot(t, "GET", "/pref/given?acl", nil, "").Body.String(); !strings.Contains(body, "<Owner><ID>"+s.api.ownerID+"</ID>") {
		t.Errorf("owner under BucketOwnerPreferred with bucket-owner-full-control: %s", body)
	}
	if body := s.asRoot(t, "GET", "/pref/kept?acl", nil, "").Body.String(); !strings.Contains(body, "<Owner><ID>"+iam.CanonicalID("writer")+"</ID>") {
		t.Errorf("owner under BucketOwnerPreferred without it: %s", body)
	}
}

// TestBucketACL: a bucket's ACL grants listing (READ) and writing any key
// (WRITE); authenticated-read is for signed callers only.
func TestBucketACL(t *testing.T) {
	s := newAuthzServer(t)
	user := s.user(t, "someone", noS3Policy)
	s.aclBucket(t, "open", objectWriter)
	s.asRoot(t, "PUT", "/open?acl", cannedHeader("public-read-write"), "")
	expectACL(t, "anonymous list", s.do(nil, "GET", "/open", nil, nil), 200, "")
	expectACL(t, "anonymous PUT", s.do(nil, "PUT", "/open/anon", nil, []byte("x")), 200, "")
	expectACL(t, "anonymous DELETE", s.do(nil, "DELETE", "/open/anon", nil, nil), 204, "")
	expectACL(t, "anonymous GetBucketAcl", s.do(nil, "GET", "/open?acl", nil, nil), 403, "AccessDenied")
	body := s.asRoot(t, "GET", "/open?acl", nil, "").Body.String()
	if !strings.Contains(body, acl.AllUsers) || !strings.Contains(body, "<Permission>WRITE</Permission>") {
		t.Errorf("GetBucketAcl: %s", body)
	}

	s.aclBucket(t, "authn", objectWriter)
	s.asRoot(t, "PUT", "/authn?acl", cannedHeader("authenticated-read"), "")
	expectACL(t, "anonymous list of authenticated-read", s.do(nil, "GET", "/authn", nil, nil), 403, "AccessDenied")
	expectACL(t, "user list of authenticated-read", s.do(user, "GET", "/authn", nil, nil), 200, "")
	expectACL(t, "user PUT in authenticated-read", s.do(user, "PUT", "/authn/k", nil, []byte("x")), 403, "AccessDenied")
	// A body ACL: READ_ACP to the user.
	doc := `<AccessControlPolicy><AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>` + iam.CanonicalID("someone") + `</ID></Grantee><Permission>READ_ACP</Permission></Grant></AccessControlList></AccessControlPolicy>`
	s.asRoot(t, "PUT", "/authn?acl", nil, doc)
	expectACL(t, "user GetBucketAcl with READ_ACP", s.do(user, "GET", "/authn?acl", nil, nil), 200, "")
	expectACL(t, "user list without READ", s.do(user, "GET", "/authn", nil, nil), 403, "AccessDenied")
	expectACL(t, "PutBucketAcl with headers and body", s.do(&s.root, "PUT", "/authn?acl", cannedHeader("private"), []byte(doc)), 400, "InvalidRequest")
	expectACL(t, "PutBucketAcl with neither", s.do(&s.root, "PUT", "/authn?acl", nil, nil), 400, "")
	expectACL(t, "PutBucketAcl malformed", s.do(&s.root, "PUT", "/authn?acl", nil, []byte("<AccessControlPolicy>")), 400, "MalformedACLError")
}

// TestPublicACLBlocks: BlockPublicAcls refuses every write of a public
// ACL; IgnorePublicAcls makes stored public grants count for nothing,
// while grants to users still count.
func TestPublicACLBlocks(t *testing.T) {
	s := newAuthzServer(t)
	reader := s.user(t, "reader", noS3Policy)
	s.aclBucket(t, "blk", objectWriter)
	s.asRoot(t, "PUT", "/blk/public", cannedHeader("public-read"), "data")
	s.asRoot(t, "PUT", "/blk/granted", http.Header{"X-Amz-Grant-Read": {`id="` + iam.CanonicalID("reader") + `",uri="` + acl.AllUsers + `"`}}, "data")
	block := func(acls, ignore bool) {
		s.asRoot(t, "PUT", "/blk?publicAccessBlock", nil, fmt.Sprintf(`<PublicAccessBlockConfiguration><BlockPublicAcls>%v</BlockPublicAcls><IgnorePublicAcls>%v</IgnorePublicAcls></PublicAccessBlockConfiguration>`, acls, ignore))
	}
	block(true, false)
	for what, rec := range map[string]*httptest.ResponseRecorder{
		"PUT public-read":              s.do(&s.root, "PUT", "/blk/k", cannedHeader("public-read"), []byte("x")),
		"PUT authenticated-read":       s.do(&s.root, "PUT", "/blk/k", cannedHeader("authenticated-read"), []byte("x")),
		"PUT grant to AllUsers":        s.do(&s.root, "PUT", "/blk/k", http.Header{"X-Amz-Grant-Read": {`uri="` + acl.AllUsers + `"`}}, []byte("x")),
		"CreateMultipartUpload":        s.do(&s.root, "POST", "/blk/k?uploads", cannedHeader("public-read"), nil),
		"copy public-read":             s.do(&s.root, "PUT", "/blk/k", http.Header{"X-Amz-Copy-Source": {"/blk/public"}, "X-Amz-Acl": {"public-read"}}, nil),
		"PutObjectAcl public-read":     s.do(&s.root, "PUT", "/blk/public?acl", cannedHeader("public-read-write"), nil),
		"PutBucketAcl public-read":     s.do(&s.root, "PUT", "/blk?acl", cannedHeader("public-read"), nil),
		"form upload with public-read": s.postForm(&s.root, "blk", map[string]string{"key": "form", "acl": "public-read"}, "x"),
	} {
		expectACL(t, what, rec, 403, "AccessDenied")
	}
	s.asRoot(t, "PUT", "/blk/k", cannedHeader("private"), "x")
	expectACL(t, "public grants stored before the block still count", s.do(nil, "GET", "/blk/public", nil, nil), 200, "")
	block(false, true)
	expectACL(t, "anonymous GET under IgnorePublicAcls", s.do(nil, "GET", "/blk/public", nil, nil), 403, "AccessDenied")
	expectACL(t, "user grant under IgnorePublicAcls", s.do(reader, "GET", "/blk/granted", nil, nil), 200, "")
	block(false, false)
	expectACL(t, "anonymous GET with nothing blocked", s.do(nil, "GET", "/blk/public", nil, nil), 200, "")
}

// TestObjectACLLimitsAndVersions: an ACL may have 100 grants, not 101;
// PutObjectAcl with versionId changes that version only.
func TestObjectACLLimitsAndVersions(t *testing.T) {
	s := newAuthzServer(t)
	s.aclBucket(t, "ver", objectWriter)
	s.asRoot(t, "PUT", "/ver?versioning", nil, `<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>`)
	v1 := s.asRoot(t, "PUT", "/ver/k", nil, "one").Header().Get("x-amz-version-id")
	s.asRoot(t, "PUT", "/ver/k", nil, "two")
	grants := func(n int) string {
		ids := make([]string, n)
		for i := range ids {
			ids[i] = `id="` + s.api.ownerID + `"`
		}
		return strings.Join(ids, ",")
	}
	expectACL(t, "100 grants", s.do(&s.root, "PUT", "/ver/k?acl&versionId="+v1, http.Header{"X-Amz-Grant-Read": {grants(acl.MaxGrants - 1)}, "X-Amz-Grant-Full-Control": {grants(1)}}, nil), 200, "")
	expectACL(t, "101 grants", s.do(&s.root, "PUT", "/ver/k?acl&versionId="+v1, http.Header{"X-Amz-Grant-Read": {grants(acl.MaxGrants)}, "X-Amz-Grant-Full-Control": {grants(1)}}, nil), 400, "MalformedACLError")
	s.asRoot(t, "PUT", "/ver/k?acl&versionId="+v1, cannedHeader("public-read"), "")
	expectACL(t, "anonymous GET of the public version", s.do(nil, "GET", "/ver/k?versionId="+v1, nil, nil), 200, "")
	expectACL(t, "anonymous GET of the latest", s.do(nil, "GET", "/ver/k", nil, nil), 403, "AccessDenied")
	rec := s.asRoot(t, "GET", "/ver/k?acl&versionId="+v1, nil, "")
	if rec.Header().Get("x-amz-version-id") != v1 || !strings.Contains(rec.Body.String(), acl.AllUsers) {
		t.Errorf("GetObjectAcl of the version: %s %s", rec.Header(), rec.Body)
	}
	expectACL(t, "PutObjectAcl of a missing key", s.do(&s.root, "PUT", "/ver/nokey?acl", cannedHeader("private"), nil), 404, "NoSuchKey")
}

// TestListBucketsOwnerIsCaller: ListBuckets names the caller as the
// owner, so a client learns its canonical ID, as it does on AWS; a
// service account is its parent.
func TestListBucketsOwnerIsCaller(t *testing.T) {
	s := newAuthzServer(t)
	user := s.user(t, "lister", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}`)
	want := "<Owner><ID>" + iam.CanonicalID("lister") + "</ID><DisplayName>lister</DisplayName></Owner>"
	if body := s.do(user, "GET", "/", nil, nil).Body.String(); !strings.Contains(body, want) {
		t.Errorf("user's ListBuckets: %s", body)
	}
	svc, err := s.ids.AddServiceAccount(t.Context(), "lister", nil)
	if err != nil {
		t.Fatal(err)
	}
	if body := s.do(credentialsOf(svc.AccessKey, svc.SecretKey), "GET", "/", nil, nil).Body.String(); !strings.Contains(body, want) {
		t.Errorf("service account's ListBuckets: %s", body)
	}
	if body := s.asRoot(t, "GET", "/", nil, "").Body.String(); !strings.Contains(body, "<Owner><ID>"+s.api.ownerID+"</ID><DisplayName>kura</DisplayName></Owner>") {
		t.Errorf("root's ListBuckets: %s", body)
	}
}

// TestBucketOwnerIsCreator: a bucket is its creator's; under
// BucketOwnerPreferred, an object written with bucket-owner-full-control
// is the creator's, and the bucket's ACL names the creator.
func TestBucketOwnerIsCreator(t *testing.T) {
	s := newAuthzServer(t)
	all := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
	creator := s.user(t, "creator", all)
	writer := s.user(t, "writer", all)
	expectACL(t, "create", s.do(creator, "PUT", "/made", http.Header{"X-Amz-Object-Ownership": {ownerPreferred}}, nil), 200, "")
	ownerElement := "<Owner><ID>" + iam.CanonicalID("creator") + "</ID><DisplayName>creator</DisplayName></Owner>"
	if body := s.do(creator, "GET", "/made?acl", nil, nil).Body.String(); !strings.Contains(body, ownerElement) {
		t.Errorf("GetBucketAcl: %s", body)
	}
	expectACL(t, "writer PUT", s.do(writer, "PUT", "/made/k", cannedHeader("bucket-owner-full-control"), []byte("x")), 200, "")
	if body := s.do(writer, "GET", "/made/k?acl", nil, nil).Body.String(); !strings.Contains(body, ownerElement) {
		t.Errorf("GetObjectAcl: %s", body)
	}
}

// TestDisablingACLsNeedsPrivateBucketACL: BucketOwnerEnforced cannot be
// put while the bucket's ACL grants anyone but its owner; object ACLs do
// not stand in the way.
func TestDisablingACLsNeedsPrivateBucketACL(t *testing.T) {
	s := newAuthzServer(t)
	s.aclBucket(t, "switch", objectWriter)
	s.asRoot(t, "PUT", "/switch/public", cannedHeader("public-read"), "x")
	s.asRoot(t, "PUT", "/switch?acl", cannedHeader("public-read"), "")
	enforce := `<OwnershipControls><Rule><ObjectOwnership>BucketOwnerEnforced</ObjectOwnership></Rule></OwnershipControls>`
	expectACL(t, "enforce with a public bucket ACL", s.do(&s.root, "PUT", "/switch?ownershipControls", nil, []byte(enforce)), 400, "InvalidBucketAclWithObjectOwnership")
	s.asRoot(t, "PUT", "/switch?acl", cannedHeader("private"), "")
	expectACL(t, "enforce with a private bucket ACL", s.do(&s.root, "PUT", "/switch?ownershipControls", nil, []byte(enforce)), 200, "")
}

// TestACLGrantOrderAndUploadOwner: GetObjectAcl lists grants to groups
// before grants to users; ListParts names the upload's owner.
func TestACLGrantOrderAndUploadOwner(t *testing.T) {
	s := newAuthzServer(t)
	writer := s.user(t, "writer", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)
	s.aclBucket(t, "ord", objectWriter)
	s.asRoot(t, "PUT", "/ord/k", cannedHeader("public-read-write"), "x")
	a, err := acl.ParsePolicy(s.asRoot(t, "GET", "/ord/k?acl", nil, "").Body.Bytes())
	if err != nil || len(a.Grants) != 3 || a.Grants[0].Permission != acl.Read || a.Grants[1].Permission != acl.Write || a.Grants[2].Grantee.ID != s.api.ownerID {
		t.Errorf("grant order: %+v %v", a, err)
	}
	rec := s.do(writer, "POST", "/ord/mp?uploads", nil, nil)
	id := between(rec.Body.String(), "<UploadId>", "</UploadId>")
	body := s.do(writer, "GET", "/ord/mp?uploadId="+id, nil, nil).Body.String()
	if !strings.Contains(body, "<Owner><ID>"+iam.CanonicalID("writer")+"</ID><DisplayName>writer</DisplayName></Owner>") {
		t.Errorf("ListParts of the writer's upload: %s", body)
	}
	s.aclBucket(t, "ord2", ownerEnforced)
	rec = s.do(writer, "POST", "/ord2/mp?uploads", nil, nil)
	id = between(rec.Body.String(), "<UploadId>", "</UploadId>")
	body = s.do(writer, "GET", "/ord2/mp?uploadId="+id, nil, nil).Body.String()
	if !strings.Contains(body, "<Owner><ID>"+s.api.ownerID+"</ID><DisplayName>kura</DisplayName></Owner>") {
		t.Errorf("ListParts with ACLs disabled: %s", body)
	}
}

// TestUnreadableACLDenies: an ACL that cannot be read is an error for the
// request, never a grant: a bucket or version whose stored ACL is
// damaged answers 500 to the callers an ACL would have to admit, and
// nothing to the others changes.
func TestUnreadableACLDenies(t *testing.T) {
	s := newAuthzServer(t)
	ctx := t.Context()
	s.aclBucket(t, "dmg", objectWriter)
	s.asRoot(t, "PUT", "/dmg?acl", cannedHeader("public-read"), "")
	s.asRoot(t, "PUT", "/dmg/k", cannedHeader("public-read"), "x")
	expectACL(t, "anonymous list before", s.do(nil, "GET", "/dmg", nil, nil), 200, "")
	expectACL(t, "anonymous GET before", s.do(nil, "GET", "/dmg/k", nil, nil), 200, "")
	if err := s.layer.SetBucketConfig(ctx, "dmg", configACL, []byte("{damaged")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.layer.PutObjectACL(ctx, "dmg", "k", "", []byte("{damaged")); err != nil {
		t.Fatal(err)
	}
	expectACL(t, "anonymous list of a damaged bucket ACL", s.do(nil, "GET", "/dmg", nil, nil), 500, "InternalError")
	expectACL(t, "anonymous GET of a damaged object ACL", s.do(nil, "GET", "/dmg/k", nil, nil), 500, "InternalError")
	s.asRoot(t, "GET", "/dmg/k", nil, "")
}

// TestListingsNameOwners: listings name each version's owner (its ACL's
// owner when ACLs are enabled, else the bucket owner), as do upload
// listings.
func TestListingsNameOwners(t *testing.T) {
	s := newAuthzServer(t)
	writer := s.user(t, "writer", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)
	s.aclBucket(t, "lst", objectWriter)
	expectACL(t, "writer PUT", s.do(writer, "PUT", "/lst/w", nil, []byte("x")), 200, "")
	s.asRoot(t, "PUT", "/lst/r", nil, "x")
	expectACL(t, "writer upload", s.do(writer, "POST", "/lst/up?uploads", nil, nil), 200, "")
	writerOwner := "<Owner><ID>" + iam.CanonicalID("writer") + "</ID><DisplayName>writer</DisplayName></Owner>"
	rootOwner := "<Owner><ID>" + s.api.ownerID + "</ID><DisplayName>kura</DisplayName></Owner>"
	for _, target := range []string{"/lst", "/lst?list-type=2&fetch-owner=true", "/lst?versions"} {
		body := s.asRoot(t, "GET", target, nil, "").Body.String()
		if !strings.Contains(body, "<Key>w</Key>") || strings.Count(body, writerOwner) != 1 || strings.Count(body, rootOwner) != 1 {
			t.Errorf("%s: %s", target, body)
		}
	}
	if body := s.asRoot(t, "GET", "/lst?list-type=2", nil, "").Body.String(); strings.Contains(body, "<Owner>") {
		t.Errorf("ListObjectsV2 without fetch-owner: %s", body)
	}
	writerID := "<ID>" + iam.CanonicalID("writer") + "</ID><DisplayName>writer</DisplayName>"
	if body := s.asRoot(t, "GET", "/lst?uploads", nil, "").Body.String(); !strings.Contains(body, "<Initiator>"+writerID+"</Initiator>") || !strings.Contains(body, writerOwner) {
		t.Errorf("ListMultipartUploads: %s", body)
	}
	// With ACLs disabled every version is the bucket owner's.
	s.asRoot(t, "PUT", "/lst?ownershipControls", nil, `<OwnershipControls><Rule><ObjectOwnership>BucketOwnerEnforced</ObjectOwnership></Rule></OwnershipControls>`)
	if body := s.asRoot(t, "GET", "/lst", nil, "").Body.String(); strings.Contains(body, writerOwner) || strings.Count(body, rootOwner) != 2 {
		t.Errorf("listing with ACLs disabled: %s", body)
	}
}

// TestGrantConditionKeys: a bucket policy can require a grant header
// (s3:x-amz-grant-full-control), as one requiring that the bucket owner
// gets full control of every upload does.
func TestGrantConditionKeys(t *testing.T) {
	s := newAuthzServer(t)
	uploader := s.user(t, "uploader", noS3Policy)
	s.aclBucket(t, "cond", objectWriter)
	grant := "id=" + s.api.ownerID
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::cond/*",` +
		`"Condition":{"StringEquals":{"s3:x-amz-grant-full-control":"` + grant + `"}}}]}`
	s.asRoot(t, "PUT", "/cond?policy", nil, policy)
	expectACL(t, "PUT granting the owner full control", s.do(uploader, "PUT", "/cond/k", http.Header{"X-Amz-Grant-Full-Control": {grant}}, []byte("x")), 200, "")
	expectACL(t, "PUT without the grant", s.do(uploader, "PUT", "/cond/k2", nil, []byte("x")), 403, "AccessDenied")
}

// TestSnowballACL: an auto-extracted archive's ACL applies to each file,
// and is refused like a PUT's when ACLs are disabled.
func TestSnowballACL(t *testing.T) {
	s := newAuthzServer(t)
	s.aclBucket(t, "tarpub", objectWriter)
	s.asRoot(t, "PUT", "/tarenf", nil, "")
	h := http.Header{"X-Amz-Meta-Snowball-Auto-Extract": {"true"}, "X-Amz-Acl": {"public-read"}}
	expectACL(t, "public-read archive", s.do(&s.root, "PUT", "/tarpub/a.tar", h, tarOf(t, "one", "two")), 200, "")
	expectACL(t, "anonymous GET of an extracted file", s.do(nil, "GET", "/tarpub/two", nil, nil), 200, "")
	expectACL(t, "public-read archive with ACLs disabled", s.do(&s.root, "PUT", "/tarenf/a.tar", h, tarOf(t, "one")), 400, "AccessControlListNotSupported")
}

// TestPutObjectACLDocument: an AccessControlPolicy body may name users by
// email address, stored as their canonical IDs; its Owner does not change
// the owner; unknown addresses and IDs are refused.
func TestPutObjectACLDocument(t *testing.T) {
	s := newAuthzServer(t)
	reader := s.user(t, "reader", noS3Policy)
	if err := s.ids.SetUserEmail(t.Context(), "reader", "reader@example.com"); err != nil {
		t.Fatal(err)
	}
	s.aclBucket(t, "doc", objectWriter)
	s.asRoot(t, "PUT", "/doc/k", nil, "x")
	grant := func(grantee string) string {
		return `<AccessControlPolicy><Owner><ID>` + iam.CanonicalID("reader") + `</ID></Owner><AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ` +
			grantee + `</Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>`
	}
	s.asRoot(t, "PUT", "/doc/k?acl", nil, grant(`xsi:type="AmazonCustomerByEmail"><EmailAddress>reader@example.com</EmailAddress>`))
	expectACL(t, "reader GET after an email grant", s.do(reader, "GET", "/doc/k", nil, nil), 200, "")
	body := s.asRoot(t, "GET", "/doc/k?acl", nil, "").Body.String()
	if !strings.Contains(body, "<Owner><ID>"+s.api.ownerID+"</ID>") || !strings.Contains(body, `xsi:type="CanonicalUser"><ID>`+iam.CanonicalID("reader")+`</ID>`) {
		t.Errorf("GetObjectAcl: %s", body)
	}
	expectACL(t, "unknown email", s.do(&s.root, "PUT", "/doc/k?acl", nil, []byte(grant(`xsi:type="AmazonCustomerByEmail"><EmailAddress>x@example.com</EmailAddress>`))), 400, "UnresolvableGrantByEmailAddress")
	expectACL(t, "unknown id", s.do(&s.root, "PUT", "/doc/k?acl", nil, []byte(grant(`xsi:type="CanonicalUser"><ID>`+strings.Repeat("0", 64)+`</ID>`))), 400, "InvalidArgument")
	expectACL(t, "unknown group", s.do(&s.root, "PUT", "/doc/k?acl", nil, []byte(grant(`xsi:type="Group"><URI>http://example.com/all</URI>`))), 400, "MalformedACLError")
	expectACL(t, "reader GET after refused changes", s.do(reader, "GET", "/doc/k", nil, nil), 200, "")
}

// anonymousForm is a browser upload without a signature or a policy:
// what a page posts to a publicly writable bucket.
func (s *authzServer) anonymousForm(bucket string, fields map[string]string, file string) *httptest.ResponseRecorder {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for name, v := range fields {
		w.WriteField(name, v)
	}
	fw, _ := w.CreateFormFile("file", "f.txt")
	fw.Write([]byte(file))
	w.Close()
	return s.do(nil, "POST", "/"+bucket, http.Header{"Content-Type": {w.FormDataContentType()}}, buf.Bytes())
}

// TestACLAnonymousFormUpload: an unsigned form upload is decided as an
// anonymous PUT of its key, so a bucket whose ACL grants everyone WRITE
// takes it, with the form's ACL; a private bucket refuses it.
func TestACLAnonymousFormUpload(t *testing.T) {
	s := newAuthzServer(t)
	s.aclBucket(t, "open", objectWriter)
	s.asRoot(t, "PUT", "/open?acl", cannedHeader("public-read-write"), "")
	s.aclBucket(t, "closed", objectWriter)

	rec := s.anonymousForm("open", map[string]string{"key": "up/${filename}", "acl": "public-read", "Content-Type": "text/plain"}, "bar")
	expectACL(t, "anonymous form to a public-read-write bucket", rec, 204, "")
	if got := s.asRoot(t, "GET", "/open/up/f.txt", nil, ""); got.Body.String() != "bar" || got.Header().Get("Content-Type") != "text/plain" {
		t.Errorf("stored form upload: %q %q", got.Body, got.Header().Get("Content-Type"))
	}
	expectACL(t, "anonymous GET of the form's public-read upload", s.do(nil, "GET", "/open/up/f.txt", nil, nil), 200, "")

	rec = s.anonymousForm("open", map[string]string{"key": "created", "success_action_status": "201"}, "x")
	expectACL(t, "anonymous form with success_action_status 201", rec, 201, "")
	expectACL(t, "anonymous GET of the form's private upload", s.do(nil, "GET", "/open/created", nil, nil), 403, "AccessDenied")

	expectACL(t, "anonymous form to a private bucket", s.anonymousForm("closed", map[string]string{"key": "k"}, "x"), 403, "AccessDenied")
	if s.exists(t, "/closed/k") {
		t.Error("a refused anonymous form was stored")
	}
	// A policy in an unsigned form still bounds what it may store.
	policy := base64.StdEncoding.EncodeToString([]byte(`{"expiration":"2020-01-01T00:00:00Z","conditions":[{"bucket":"open"}]}`))
	expectACL(t, "anonymous form with an expired policy", s.anonymousForm("open", map[string]string{"key": "late", "policy": policy}, "x"), 403, "AccessDenied")
	if s.exists(t, "/open/late") {
		t.Error("a form under an expired policy was stored")
	}
}

// TestACLMissingKeyInListableBucket: a missing key is NoSuchKey to a
// caller whom the bucket's ACL lets list it, as to one whom a policy
// does, and AccessDenied to one who may not list it.
func TestACLMissingKeyInListableBucket(t *testing.T) {
	s := newAuthzServer(t)
	s.aclBucket(t, "listable", objectWriter)
	s.asRoot(t, "PUT", "/listable?acl", cannedHeader("public-read"), "")
	s.asRoot(t, "PUT", "/listable/gone", cannedHeader("public-read"), "data")
	s.asRoot(t, "DELETE", "/listable/gone", nil, "")
	expectACL(t, "anonymous GET of a deleted key", s.do(nil, "GET", "/listable/gone", nil, nil), 404, "NoSuchKey")
	expectACL(t, "anonymous HEAD of a missing key", s.do(nil, "HEAD", "/listable/never", nil, nil), 404, "")
	s.asRoot(t, "PUT", "/listable/private", nil, "data")
	expectACL(t, "anonymous GET of a private object", s.do(nil, "GET", "/listable/private", nil, nil), 403, "AccessDenied")

	s.aclBucket(t, "unlisted", objectWriter)
	s.asRoot(t, "PUT", "/unlisted/pub", cannedHeader("public-read"), "data")
	expectACL(t, "anonymous GET of a public object", s.do(nil, "GET", "/unlisted/pub", nil, nil), 200, "")
	expectACL(t, "anonymous GET of a missing key in an unlistable bucket", s.do(nil, "GET", "/unlisted/never", nil, nil), 403, "AccessDenied")
	// With IgnorePublicAcls the public READ grant lists nothing.
	s.asRoot(t, "PUT", "/listable?publicAccessBlock", nil, `<PublicAccessBlockConfiguration><IgnorePublicAcls>true</IgnorePublicAcls></PublicAccessBlockConfiguration>`)
	expectACL(t, "anonymous GET of a missing key with public ACLs ignored", s.do(nil, "GET", "/listable/gone", nil, nil), 403, "AccessDenied")
}
