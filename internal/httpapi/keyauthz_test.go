package httpapi

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kurastore/kura/internal/auth"
	"github.com/kurastore/kura/internal/iam"
	"github.com/kurastore/kura/internal/kms/localkms"
	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/sigv4"
)

// authzServer is a kura server with an IAM store, whose users' policies
// the tests set.
type authzServer struct {
	api   *Server
	layer *object.Layer
	ids   *iam.Store
	now   time.Time
	root  sigv4.Credentials
}

func newAuthzServer(t testing.TB) *authzServer { return newAuthzServerWith(t, nil) }

// newAuthzServerWith is newAuthzServer whose object layer replicates
// through r (none when nil).
func newAuthzServerWith(t testing.TB, r object.Replicator) *authzServer {
	t.Helper()
	m, blobs := memStores(t)
	keys, err := localkms.New(m, localkms.NewSecret("authz"))
	if err != nil {
		t.Fatal(err)
	}
	s := &authzServer{
		now:  time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC),
		root: sigv4.Credentials{AccessKey: "authzroot", SecretKey: "authzroot-secret"},
	}
	clock := func() time.Time { return s.now }
	layer := object.New(m, blobs, object.Options{Region: fzRegion, Now: clock, KMS: keys, Replicator: r})
	if s.ids, err = iam.NewStore(m, auth.Credentials{AccessKey: s.root.AccessKey, SecretKey: s.root.SecretKey}, make([]byte, iam.SealKeySize), clock); err != nil {
		t.Fatal(err)
	}
	s.layer = layer
	s.api = New(Config{Objects: layer, Region: fzRegion, Now: clock, KMS: keys, IAM: s.ids, Logger: slog.New(slog.DiscardHandler)})
	return s
}

// user adds a user whose only policy is doc.
func (s *authzServer) user(t testing.TB, name, doc string) *sigv4.Credentials {
	t.Helper()
	ctx := context.Background()
	secret := name + "-secret-key"
	if err := s.ids.AddUser(ctx, name, secret); err != nil {
		t.Fatal(err)
	}
	if err := s.ids.PutPolicy(ctx, name+"-policy", []byte(doc)); err != nil {
		t.Fatal(err)
	}
	if err := s.ids.AttachPolicy(ctx, name+"-policy", name, ""); err != nil {
		t.Fatal(err)
	}
	return &sigv4.Credentials{AccessKey: name, SecretKey: secret}
}

// do serves a request signed by who, anonymous when who is nil.
func (s *authzServer) do(who *sigv4.Credentials, method, target string, h http.Header, body []byte) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, "http://127.0.0.1:9000"+target, bytes.NewReader(body))
	for k, v := range h {
		r.Header[k] = v
	}
	if who != nil {
		sum := sha256.Sum256(body)
		sigv4.SignRequest(r, *who, fzRegion, "s3", hex.EncodeToString(sum[:]), s.now)
	}
	rec := httptest.NewRecorder()
	s.api.ServeHTTP(rec, r)
	return rec
}

// asRoot serves a request signed by the root user, which must succeed.
func (s *authzServer) asRoot(t testing.TB, method, target string, h http.Header, body string) *httptest.ResponseRecorder {
	t.Helper()
	rec := s.do(&s.root, method, target, h, []byte(body))
	if rec.Code >= 300 {
		t.Fatalf("root %s %s: %d %s", method, target, rec.Code, rec.Body)
	}
	return rec
}

// exists reports whether root can read target (a key, or a version).
func (s *authzServer) exists(t *testing.T, target string) bool {
	t.Helper()
	switch rec := s.do(&s.root, "HEAD", target, nil, nil); rec.Code {
	case http.StatusOK:
		return true
	case http.StatusNotFound:
		return false
	default:
		t.Fatalf("HEAD %s: %d", target, rec.Code)
		return false
	}
}

// deleteObjects sends DeleteObjects for objects, each "key" or
// "key?versionId", and returns its answer.
func (s *authzServer) deleteObjects(t *testing.T, who *sigv4.Credentials, bucket string, h http.Header, objects ...string) deleteResult {
	t.Helper()
	var doc strings.Builder
	doc.WriteString("<Delete>")
	for _, o := range objects {
		key, version, _ := strings.Cut(o, "?")
		doc.WriteString("<Object><Key>" + key + "</Key>")
		if version != "" {
			doc.WriteString("<VersionId>" + version + "</VersionId>")
		}
		doc.WriteString("</Object>")
	}
	doc.WriteString("</Delete>")
	body := []byte(doc.String())
	sum := md5.Sum(body)
	if h == nil {
		h = http.Header{}
	}
	h.Set("Content-MD5", base64.StdEncoding.EncodeToString(sum[:]))
	rec := s.do(who, "POST", "/"+bucket+"?delete", h, body)
	if rec.Code != http.StatusOK {
		t.Fatalf("DeleteObjects: %d %s", rec.Code, rec.Body)
	}
	var res deleteResult
	if err := xml.Unmarshal(rec.Body.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	return res
}

// outcome is what a DeleteResult says of key: "deleted" or its error code.
func (r deleteResult) outcome(key string) string {
	for _, d := range r.Deleted {
		if d.Key == key {
			return "deleted"
		}
	}
	for _, e := range r.Errors {
		if e.Key == key {
			return e.Code
		}
	}
	return "absent"
}

func allowDeny(allow, deny string) string {
	doc := `{"Version":"2012-10-17","Statement":[` + allow
	if deny != "" {
		doc += "," + deny
	}
	return doc + "]}"
}

func statement(effect, actions, resources string) string {
	return `{"Effect":"` + effect + `","Action":[` + actions + `],"Resource":[` + resources + `]}`
}

const versioningOn = `<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>`

// TestDeleteObjectsDecidesEachKey: DeleteObjects decides every key as
// DeleteObject would, on the object's ARN, and deletes only the keys the
// caller may delete.
func TestDeleteObjectsDecidesEachKey(t *testing.T) {
	s := newAuthzServer(t)
	s.asRoot(t, "PUT", "/vbk", nil, "")
	s.asRoot(t, "PUT", "/vbk?versioning", nil, versioningOn)
	version := s.asRoot(t, "PUT", "/vbk/k", nil, "data").Header().Get("x-amz-version-id")
	s.asRoot(t, "PUT", "/vbk/other", nil, "data")
	s.asRoot(t, "PUT", "/pbk", nil, "")
	for _, k := range []string{"mine/a", "theirs/b", "doc"} {
		s.asRoot(t, "PUT", "/pbk/"+k, nil, "data")
	}

	t.Run("Deny s3:DeleteObjectVersion", func(t *testing.T) {
		alice := s.user(t, "alice", allowDeny(
			statement("Allow", `"s3:*"`, `"arn:aws:s3:::vbk","arn:aws:s3:::vbk/*"`),
			statement("Deny", `"s3:DeleteObjectVersion"`, `"arn:aws:s3:::vbk/*"`)))
		if rec := s.do(alice, "DELETE", "/vbk/k?versionId="+version, nil, nil); rec.Code != http.StatusForbidden {
			t.Fatalf("DeleteObject of the version: %d", rec.Code)
		}
		res := s.deleteObjects(t, alice, "vbk", nil, "k?"+version, "other")
		if got := res.outcome("k"); got != "AccessDenied" {
			t.Errorf("k's version: %s, want AccessDenied", got)
		}
		if got := res.outcome("other"); got != "deleted" {
			t.Errorf("other, no version: %s, want deleted (a delete marker)", got)
		}
		if !s.exists(t, "/vbk/k?versionId="+version) {
			t.Error("the denied version was deleted")
		}
	})

	t.Run("allowed on a prefix only", func(t *testing.T) {
		bob := s.user(t, "bob", allowDeny(statement("Allow", `"s3:DeleteObject"`, `"arn:aws:s3:::pbk/mine/*"`), ""))
		res := s.deleteObjects(t, bob, "pbk", nil, "mine/a", "theirs/b")
		if got := res.outcome("mine/a"); got != "deleted" {
			t.Errorf("mine/a: %s, want deleted", got)
		}
		if got := res.outcome("theirs/b"); got != "AccessDenied" {
			t.Errorf("theirs/b: %s, want AccessDenied", got)
		}
		if s.exists(t, "/pbk/mine/a") || !s.exists(t, "/pbk/theirs/b") {
			t.Error("deleted the wrong keys")
		}
	})

	t.Run("anonymous", func(t *testing.T) {
		// A grant on the bucket's ARN is no grant on its objects.
		s.asRoot(t, "PUT", "/pbk?policy", nil, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":["s3:DeleteObject"],"Resource":["arn:aws:s3:::pbk"]}]}`)
		res := s.deleteObjects(t, nil, "pbk", nil, "doc", "theirs/b")
		if got := res.outcome("doc"); got != "AccessDenied" {
			t.Errorf("doc: %s, want AccessDenied", got)
		}
		// No grant at all.
		res = s.deleteObjects(t, nil, "vbk", nil, "k?"+version, "k")
		if len(res.Deleted) != 0 || len(res.Errors) != 2 || res.Errors[0].Code != "AccessDenied" || res.Errors[1].Code != "AccessDenied" {
			t.Errorf("anonymous, no grant: %+v", res)
		}
		if !s.exists(t, "/pbk/doc") || !s.exists(t, "/pbk/theirs/b") || !s.exists(t, "/vbk/k") {
			t.Error("an anonymous caller deleted keys")
		}
	})

	t.Run("BypassGovernanceRetention per key", func(t *testing.T) {
		s.asRoot(t, "PUT", "/worm", http.Header{"X-Amz-Bucket-Object-Lock-Enabled": {"true"}}, "")
		lock := http.Header{"X-Amz-Object-Lock-Mode": {"GOVERNANCE"}, "X-Amz-Object-Lock-Retain-Until-Date": {s.now.Add(time.Hour).Format(time.RFC3339)}}
		free := s.asRoot(t, "PUT", "/worm/free/k", lock, "x").Header().Get("x-amz-version-id")
		held := s.asRoot(t, "PUT", "/worm/held/k", lock, "x").Header().Get("x-amz-version-id")
		carol := s.user(t, "carol", allowDeny(
			statement("Allow", `"s3:DeleteObjectVersion"`, `"arn:aws:s3:::worm/*"`),
			statement("Allow", `"s3:BypassGovernanceRetention"`, `"arn:aws:s3:::worm/free/*"`)))
		res := s.deleteObjects(t, carol, "worm", http.Header{"X-Amz-Bypass-Governance-Retention": {"true"}}, "free/k?"+free, "held/k?"+held)
		if got := res.outcome("free/k"); got != "deleted" {
			t.Errorf("free/k: %s, want deleted", got)
		}
		if got := res.outcome("held/k"); got != "AccessDenied" {
			t.Errorf("held/k: %s, want AccessDenied", got)
		}
		if s.exists(t, "/worm/free/k?versionId="+free) || !s.exists(t, "/worm/held/k?versionId="+held) {
			t.Error("bypassed retention on the wrong key")
		}
	})
}

// postForm is a browser upload to bucket signed by who, with fields
// (key among them) and a policy allowing any value of them.
func (s *authzServer) postForm(who *sigv4.Credentials, bucket string, fields map[string]string, file string) *httptest.ResponseRecorder {
	conds := `{"bucket":"` + bucket + `"}`
	for name := range fields {
		conds += `,["starts-with","$` + name + `",""]`
	}
	for _, name := range []string{"x-amz-algorithm", "x-amz-credential", "x-amz-date"} {
		conds += `,["starts-with","$` + name + `",""]`
	}
	policyJSON := `{"expiration":"2026-12-01T00:00:00Z","conditions":[` + conds + `]}`
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for name, v := range fields {
		w.WriteField(name, v)
	}
	date := s.now.Format("20060102")
	encoded := base64.StdEncoding.EncodeToString([]byte(policyJSON))
	m := hmac.New(sha256.New, sigv4.SigningKey(who.SecretKey, date, fzRegion, "s3"))
	m.Write([]byte(encoded))
	w.WriteField("policy", encoded)
	w.WriteField("x-amz-algorithm", "AWS4-HMAC-SHA256")
	w.WriteField("x-amz-credential", who.AccessKey+"/"+date+"/"+fzRegion+"/s3/aws4_request")
	w.WriteField("x-amz-date", s.now.Format("20060102T150405Z"))
	w.WriteField("x-amz-signature", hex.EncodeToString(m.Sum(nil)))
	fw, _ := w.CreateFormFile("file", "f.txt")
	fw.Write([]byte(file))
	w.Close()
	return s.do(nil, "POST", "/"+bucket, http.Header{"Content-Type": {w.FormDataContentType()}}, buf.Bytes())
}

// TestPostObjectDecidesFormKey: a form upload is decided as a PUT of its
// key: s3:PutObject on the object's ARN, with the form's fields as the
// condition keys a PUT's headers would be.
func TestPostObjectDecidesFormKey(t *testing.T) {
	s := newAuthzServer(t)
	s.asRoot(t, "PUT", "/forms", nil, "")
	dave := s.user(t, "dave", allowDeny(
		statement("Allow", `"s3:PutObject"`, `"arn:aws:s3:::forms","arn:aws:s3:::forms/*"`),
		statement("Deny", `"s3:PutObject"`, `"arn:aws:s3:::forms/protected/*"`)))
	if rec := s.do(dave, "PUT", "/forms/protected/new", nil, []byte("x")); rec.Code != http.StatusForbidden {
		t.Fatalf("PUT under the Deny: %d", rec.Code)
	}
	if rec := s.postForm(dave, "forms", map[string]string{"key": "protected/${filename}"}, "x"); rec.Code != http.StatusForbidden {
		t.Errorf("POST under the Deny: %d %s", rec.Code, rec.Body)
	}
	if s.exists(t, "/forms/protected/f.txt") {
		t.Error("a denied form was stored")
	}
	if rec := s.postForm(dave, "forms", map[string]string{"key": "open/${filename}"}, "x"); rec.Code != http.StatusNoContent {
		t.Errorf("POST outside the Deny: %d %s", rec.Code, rec.Body)
	}
	if !s.exists(t, "/forms/open/f.txt") {
		t.Error("an allowed form was not stored")
	}

	// Allowed on a prefix only, and only with SSE-S3 asked for.
	erin := s.user(t, "erin", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:PutObject"],"Resource":["arn:aws:s3:::forms/uploads/*"],"Condition":{"StringEquals":{"s3:x-amz-server-side-encryption":"AES256"}}}]}`)
	if rec := s.postForm(erin, "forms", map[string]string{"key": "uploads/a", "x-amz-server-side-encryption": "AES256"}, "x"); rec.Code != http.StatusNoContent {
		t.Errorf("POST on the allowed prefix with SSE: %d %s", rec.Code, rec.Body)
	}
	if rec := s.postForm(erin, "forms", map[string]string{"key": "uploads/b"}, "x"); rec.Code != http.StatusForbidden {
		t.Errorf("POST on the allowed prefix without SSE: %d %s", rec.Code, rec.Body)
	}
	if rec := s.postForm(erin, "forms", map[string]string{"key": "elsewhere/c", "x-amz-server-side-encryption": "AES256"}, "x"); rec.Code != http.StatusForbidden {
		t.Errorf("POST outside the allowed prefix: %d %s", rec.Code, rec.Body)
	}
	if !s.exists(t, "/forms/uploads/a") || s.exists(t, "/forms/uploads/b") || s.exists(t, "/forms/elsewhere/c") {
		t.Error("stored the wrong forms")
	}
}

func tarOf(t *testing.T, names ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := tar.NewWriter(&buf)
	for _, n := range names {
		if err := w.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: 1, Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		w.Write([]byte("x"))
	}
	w.Close()
	return buf.Bytes()
}

// TestSnowballDecidesEachEntry: every file of a snowball archive is a
// PutObject of its key; one the caller may not put stores nothing.
func TestSnowballDecidesEachEntry(t *testing.T) {
	s := newAuthzServer(t)
	s.asRoot(t, "PUT", "/tars", nil, "")
	gina := s.user(t, "gina", allowDeny(
		statement("Allow", `"s3:PutObject"`, `"arn:aws:s3:::tars/*"`),
		statement("Deny", `"s3:PutObject"`, `"arn:aws:s3:::tars/protected/*"`)))
	extract := http.Header{"X-Amz-Meta-Snowball-Auto-Extract": {"true"}}
	if rec := s.do(gina, "PUT", "/tars/upload.tar", extract, tarOf(t, "ok.txt", "protected/evil")); rec.Code != http.StatusForbidden {
		t.Errorf("archive with a denied key: %d %s", rec.Code, rec.Body)
	}
	if s.exists(t, "/tars/ok.txt") || s.exists(t, "/tars/protected/evil") {
		t.Error("a refused archive stored files")
	}
	if rec := s.do(gina, "PUT", "/tars/upload.tar", extract, tarOf(t, "ok.txt", "open/fine")); rec.Code != http.StatusOK {
		t.Errorf("archive of allowed keys: %d %s", rec.Code, rec.Body)
	}
	if !s.exists(t, "/tars/ok.txt") || !s.exists(t, "/tars/open/fine") {
		t.Error("an allowed archive was not stored")
	}
}

// TestListMetadataNeedsGetObject: a listing with metadata=true shows the
// user metadata of the keys the caller may read, not of the others,
// which HeadObject refuses it.
func TestListMetadataNeedsGetObject(t *testing.T) {
	s := newAuthzServer(t)
	s.asRoot(t, "PUT", "/meta", nil, "")
	s.asRoot(t, "PUT", "/meta/public/a", http.Header{"X-Amz-Meta-Color": {"red-public"}}, "x")
	s.asRoot(t, "PUT", "/meta/secret/b", http.Header{"X-Amz-Meta-Color": {"blue-secret"}}, "x")
	hank := s.user(t, "hank", allowDeny(
		statement("Allow", `"s3:ListBucket"`, `"arn:aws:s3:::meta"`),
		statement("Allow", `"s3:GetObject"`, `"arn:aws:s3:::meta/public/*"`)))
	if rec := s.do(hank, "HEAD", "/meta/secret/b", nil, nil); rec.Code != http.StatusForbidden {
		t.Fatalf("HEAD of the unreadable key: %d", rec.Code)
	}
	rec := s.do(hank, "GET", "/meta?list-type=2&metadata=true", nil, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("list: %d %s", rec.Code, rec.Body)
	}
	body := rec.Body.String()
	if !strings.Contains(body, "<Key>secret/b</Key>") || !strings.Contains(body, "red-public") {
		t.Errorf("the listing lost what the caller may see:\n%s", body)
	}
	if strings.Contains(body, "blue-secret") {
		t.Errorf("the listing shows metadata the caller may not read:\n%s", body)
	}
	if body := s.asRoot(t, "GET", "/meta?list-type=2&metadata=true", nil, "").Body.String(); !strings.Contains(body, "blue-secret") || !strings.Contains(body, "red-public") {
		t.Errorf("root's listing:\n%s", body)
	}
}

// TestBucketEncryptionAction: S3 decides the bucket encryption
// configuration with s3:GetEncryptionConfiguration and
// s3:PutEncryptionConfiguration.
func TestBucketEncryptionAction(t *testing.T) {
	s := newAuthzServer(t)
	s.asRoot(t, "PUT", "/enc", nil, "")
	s.asRoot(t, "PUT", "/enc?encryption", nil, `<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>`)
	ivan := s.user(t, "ivan", allowDeny(statement("Allow", `"s3:GetEncryptionConfiguration"`, `"arn:aws:s3:::enc"`), ""))
	if rec := s.do(ivan, "GET", "/enc?encryption", nil, nil); rec.Code != http.StatusOK {
		t.Errorf("GetBucketEncryption with s3:GetEncryptionConfiguration: %d %s", rec.Code, rec.Body)
	}
	if rec := s.do(ivan, "DELETE", "/enc?encryption", nil, nil); rec.Code != http.StatusForbidden {
		t.Errorf("DeleteBucketEncryption without s3:PutEncryptionConfiguration: %d", rec.Code)
	}
}

// TestObjectAttributesNeedsGetObject: S3 requires s3:GetObject (or
// s3:GetObjectVersion) as well as s3:GetObjectAttributes (or
// s3:GetObjectVersionAttributes) for GetObjectAttributes, on the object.
func TestObjectAttributesNeedsGetObject(t *testing.T) {
	s := newAuthzServer(t)
	s.asRoot(t, "PUT", "/attr", nil, "")
	s.asRoot(t, "PUT", "/attr?versioning", nil, versioningOn)
	version := s.asRoot(t, "PUT", "/attr/k", nil, "data").Header().Get("x-amz-version-id")
	attrsOnly := s.user(t, "attrs", allowDeny(statement("Allow", `"s3:GetObjectAttributes","s3:GetObjectVersionAttributes"`, `"arn:aws:s3:::attr/*"`), ""))
	both := s.user(t, "both", allowDeny(statement("Allow", `"s3:GetObjectAttributes","s3:GetObject"`, `"arn:aws:s3:::attr/*"`), ""))
	h := http.Header{"X-Amz-Object-Attributes": {"ETag"}}
	for _, c := range []struct {
		who    *sigv4.Credentials
		target string
		want   int
	}{
		{attrsOnly, "/attr/k?attributes", http.StatusForbidden},
		{both, "/attr/k?attributes", http.StatusOK},
		// A version needs the version actions.
		{both, "/attr/k?attributes&versionId=" + version, http.StatusForbidden},
		{attrsOnly, "/attr/k?attributes&versionId=" + version, http.StatusForbidden},
	} {
		if rec := s.do(c.who, "GET", c.target, h, nil); rec.Code != c.want {
			t.Errorf("%s GET %s: %d, want %d", c.who.AccessKey, c.target, rec.Code, c.want)
		}
	}
}

// BenchmarkKeyAuthorizer is what deciding one more key costs a request
// that decides many (DeleteObjects, a metadata listing): a user with a
// prefix grant and a Deny, against a bucket with a policy.
func BenchmarkKeyAuthorizer(b *testing.B) {
	s := newAuthzServer(b)
	s.asRoot(b, "PUT", "/bench", nil, "")
	s.asRoot(b, "PUT", "/bench?policy", nil, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::bench/public/*"]}]}`)
	who := s.user(b, "bencher", allowDeny(
		statement("Allow", `"s3:GetObject","s3:DeleteObject"`, `"arn:aws:s3:::bench/home/*"`),
		statement("Deny", `"s3:DeleteObject"`, `"arn:aws:s3:::bench/home/keep/*"`)))
	r := httptest.NewRequest("GET", "/bench?list-type=2&metadata=true", nil)
	for _, c := range []struct {
		name string
		who  *sigv4.Credentials
	}{{"root", &s.root}, {"user", who}, {"anonymous", nil}} {
		b.Run(c.name, func(b *testing.B) {
			rq := &request{http: r, ctx: context.Background(), bucket: "bench"}
			if c.who != nil {
				if err := s.api.identify(rq, c.who.AccessKey, ""); err != nil {
					b.Fatal(err)
				}
			}
			auth := s.api.keyAuthorizer(rq)
			for i := range b.N {
				auth.allows("s3:GetObject", [...]string{"home/a", "public/b", "other/c"}[i%3], "")
			}
		})
	}
}
