package httpapi

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kurastore/kura/internal/iam"
	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/object"
)

// putBucketPolicy sets bkt's policy as the root user.
func (s *fzServer) putBucketPolicy(t *testing.T, bucket, doc string) {
	t.Helper()
	if rec := s.send(t, fzNewRequest(http.MethodPut, "/"+bucket+"?policy", nil, []byte(doc)), false); rec.Code != http.StatusNoContent {
		t.Fatalf("policy: %d %s", rec.Code, rec.Body)
	}
}

// putTagged stores bucket/key with tags and returns its version.
func (s *fzServer) putTagged(t *testing.T, bucket, key string, tags map[string]string) string {
	t.Helper()
	info, err := s.layer.PutObject(context.Background(), bucket, key, strings.NewReader("data"), object.PutOptions{Size: 4, Tags: tags})
	if err != nil {
		t.Fatal(err)
	}
	return info.VersionID
}

// anonymousCode sends an anonymous request and returns its status.
func (s *fzServer) anonymousCode(t *testing.T, method, target string, h http.Header, body []byte) int {
	t.Helper()
	return s.send(t, fzNewRequest(method, target, h, body), true).Code
}

// A Deny on s3:ExistingObjectTag/<key> refuses the reads of an object
// carrying the tag and of no other, looking at the version the request
// addresses.
func TestExistingObjectTagCondition(t *testing.T) {
	s := compatServer(t, "bkt")
	ctx := context.Background()
	if err := s.layer.SetBucketVersioning(ctx, "bkt", object.VersioningConfig{Status: "Enabled"}); err != nil {
		t.Fatal(err)
	}
	s.putBucketPolicy(t, "bkt", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":"*","Action":["s3:GetObject","s3:GetObjectVersion","s3:GetObjectTagging","s3:PutObjectTagging"],"Resource":"arn:aws:s3:::bkt/*"},
		{"Effect":"Allow","Principal":"*","Action":"s3:ListBucket","Resource":"arn:aws:s3:::bkt"},
		{"Effect":"Deny","Principal":"*","Action":["s3:GetObject","s3:GetObjectVersion","s3:GetObjectTagging","s3:PutObjectTagging"],"Resource":"arn:aws:s3:::bkt/*",
		 "Condition":{"StringEquals":{"s3:ExistingObjectTag/class":"secret"}}}]}`)
	s.putTagged(t, "bkt", "secret", map[string]string{"class": "secret"})
	s.putTagged(t, "bkt", "plain", nil)
	s.putTagged(t, "bkt", "public", map[string]string{"class": "public"})
	for _, c := range []struct {
		method, target string
		want           int
	}{
		{http.MethodGet, "/bkt/secret", http.StatusForbidden},
		{http.MethodHead, "/bkt/secret", http.StatusForbidden},
		{http.MethodGet, "/bkt/secret?tagging", http.StatusForbidden},
		{http.MethodGet, "/bkt/plain", http.StatusOK},
		{http.MethodGet, "/bkt/public", http.StatusOK},
		{http.MethodGet, "/bkt/public?tagging", http.StatusOK},
		{http.MethodGet, "/bkt/missing", http.StatusNotFound},
	} {
		if got := s.anonymousCode(t, c.method, c.target, nil, nil); got != c.want {
			t.Errorf("%s %s: %d, want %d", c.method, c.target, got, c.want)
		}
	}

	// A version keeps its own tags: the tagged old version is refused,
	// the untagged latest one is not.
	old := s.putTagged(t, "bkt", "doc", map[string]string{"class": "secret"})
	s.putTagged(t, "bkt", "doc", nil)
	if got := s.anonymousCode(t, http.MethodGet, "/bkt/doc?versionId="+url.QueryEscape(old), nil, nil); got != http.StatusForbidden {
		t.Errorf("GET of the tagged version: %d, want 403", got)
	}
	if got := s.anonymousCode(t, http.MethodGet, "/bkt/doc", nil, nil); got != http.StatusOK {
		t.Errorf("GET of the untagged latest version: %d, want 200", got)
	}

	// Retagging a secret object is refused by its current tags, whatever
	// the new ones are.
	body := []byte(`<Tagging><TagSet><Tag><Key>class</Key><Value>public</Value></Tag></TagSet></Tagging>`)
	if got := s.anonymousCode(t, http.MethodPut, "/bkt/secret?tagging", nil, body); got != http.StatusForbidden {
		t.Errorf("PutObjectTagging of the secret object: %d, want 403", got)
	}
	if got := s.anonymousCode(t, http.MethodPut, "/bkt/plain?tagging", nil, body); got != http.StatusOK {
		t.Errorf("PutObjectTagging of the plain object: %d, want 200", got)
	}
}

// A copy reads its source under the source's current tags.
func TestExistingObjectTagOfCopySource(t *testing.T) {
	s := compatServer(t, "bkt")
	s.putBucketPolicy(t, "bkt", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":"*","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::bkt/*"},
		{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*",
		 "Condition":{"StringEquals":{"s3:ExistingObjectTag/class":"secret"}}}]}`)
	s.putTagged(t, "bkt", "secret", map[string]string{"class": "secret"})
	s.putTagged(t, "bkt", "plain", nil)
	copyFrom := func(src string) int {
		return s.anonymousCode(t, http.MethodPut, "/bkt/copy", http.Header{"X-Amz-Copy-Source": {src}}, nil)
	}
	if got := copyFrom("/bkt/secret"); got != http.StatusForbidden {
		t.Errorf("copy of the secret object: %d, want 403", got)
	}
	if got := copyFrom("bkt/plain"); got != http.StatusOK {
		t.Errorf("copy of the plain object: %d, want 200", got)
	}
}

// countingStore counts the reads of requests whose context carries
// failReads, and fails them: it shows which lookups authorization does.
type countingStore struct {
	meta.Store
	reads atomic.Int64
}

type failReadsKey struct{}

var errStoreDown = errors.New("metadata store unavailable")

func (c *countingStore) View(ctx context.Context, fn func(meta.Reader) error) error {
	if ctx.Value(failReadsKey{}) != nil {
		c.reads.Add(1)
		return errStoreDown
	}
	return c.Store.View(ctx, fn)
}

// The object's tags are read only for requests whose policies test
// s3:ExistingObjectTag, and a failed read is the request's answer, never
// a decision made without the tags.
func TestExistingObjectTagReadOnlyWhenNeededAndNeverFailsOpen(t *testing.T) {
	ctx := context.Background()
	m, blobs := memStores(t)
	store := &countingStore{Store: m}
	layer := object.New(store, blobs, object.Options{Region: fzRegion})
	if err := layer.CreateBucket(ctx, "bkt", object.CreateBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := layer.PutObject(ctx, "bkt", "obj", strings.NewReader("data"), object.PutOptions{Size: 4, Tags: map[string]string{"class": "secret"}}); err != nil {
		t.Fatal(err)
	}
	doc := `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":"*","Action":["s3:GetObject","s3:GetObjectAcl"],"Resource":"arn:aws:s3:::bkt/*"},
		{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*",
		 "Condition":{"StringEquals":{"s3:ExistingObjectTag/class":"secret"}}}]}`
	if err := layer.SetBucketConfig(ctx, "bkt", configPolicy, []byte(doc)); err != nil {
		t.Fatal(err)
	}
	api := New(Config{Objects: layer, Region: fzRegion})
	api.bucketPolicy(ctx, "bkt") // read while the store answers
	decide := func(action string, failing bool) (bool, error) {
		t.Helper()
		rctx := ctx
		if failing {
			rctx = context.WithValue(ctx, failReadsKey{}, true)
		}
		// A user, not an anonymous caller, so that the public access
		// block is not read.
		rq := &request{http: httptest.NewRequest(http.MethodGet, "/bkt/obj", nil), ctx: rctx, bucket: "bkt", key: "obj", identity: &iam.Identity{Username: "u", AccessKey: "u"}}
		ok := api.allows(rq, action, iamResource("bkt", "obj"), "bkt")
		return ok, rq.authz.err
	}

	if ok, err := decide("s3:GetObject", false); ok || err != nil {
		t.Fatalf("GetObject of the secret object: allowed %v, err %v", ok, err)
	}
	ok, err := decide("s3:GetObjectAcl", true)
	if !ok || err != nil || store.reads.Load() != 0 {
		t.Fatalf("GetObjectAcl, which no statement tests tags for: allowed %v, err %v, %d reads", ok, err, store.reads.Load())
	}
	ok, err = decide("s3:GetObject", true)
	if ok || !errors.Is(err, errStoreDown) || store.reads.Load() != 1 {
		t.Fatalf("GetObject while the tags cannot be read: allowed %v, err %v, %d reads", ok, err, store.reads.Load())
	}
	rq := &request{authz: authzState{err: err}}
	if got := rq.authz.denial(); !errors.Is(got, errStoreDown) {
		t.Fatalf("answer: %v, want the read's error", got)
	}
}

// s3:RequestObjectTag/<key> and s3:RequestObjectTagKeys hold the tags a
// request sets: in x-amz-tagging for PutObject and CreateMultipartUpload,
// in the body for PutObjectTagging.
func TestRequestObjectTagCondition(t *testing.T) {
	s := compatServer(t, "bkt")
	s.putBucketPolicy(t, "bkt", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":"*","Action":["s3:PutObject","s3:PutObjectTagging"],"Resource":"arn:aws:s3:::bkt/*"},
		{"Effect":"Deny","Principal":"*","Action":["s3:PutObject","s3:PutObjectTagging"],"Resource":"arn:aws:s3:::bkt/*",
		 "Condition":{"StringNotEquals":{"s3:RequestObjectTag/project":"x"}}},
		{"Effect":"Deny","Principal":"*","Action":["s3:PutObject","s3:PutObjectTagging"],"Resource":"arn:aws:s3:::bkt/*",
		 "Condition":{"ForAnyValue:StringNotEquals":{"s3:RequestObjectTagKeys":["project","team"]}}}]}`)
	tagging := func(v string) http.Header { return http.Header{"X-Amz-Tagging": {v}} }
	for _, c := range []struct {
		what string
		h    http.Header
		want int
	}{
		{"no tags", nil, http.StatusForbidden},
		{"project=y", tagging("project=y"), http.StatusForbidden},
		{"project=x", tagging("project=x"), http.StatusOK},
		{"project=x&team=a", tagging("project=x&team=a"), http.StatusOK},
		{"an unlisted key", tagging("project=x&owner=a"), http.StatusForbidden},
	} {
		if got := s.anonymousCode(t, http.MethodPut, "/bkt/obj", c.h, []byte("data")); got != c.want {
			t.Errorf("PutObject, %s: %d, want %d", c.what, got, c.want)
		}
		if got := s.anonymousCode(t, http.MethodPost, "/bkt/mp?uploads", c.h, nil); got != c.want {
			t.Errorf("CreateMultipartUpload, %s: %d, want %d", c.what, got, c.want)
		}
	}

	doc := func(tags string) []byte {
		return []byte(`<Tagging><TagSet>` + tags + `</TagSet></Tagging>`)
	}
	tag := func(k, v string) string { return `<Tag><Key>` + k + `</Key><Value>` + v + `</Value></Tag>` }
	for _, c := range []struct {
		what string
		body []byte
		want int
	}{
		{"project=x", doc(tag("project", "x")), http.StatusOK},
		{"project=x, team=a", doc(tag("project", "x") + tag("team", "a")), http.StatusOK},
		{"project=y", doc(tag("project", "y")), http.StatusForbidden},
		{"an unlisted key", doc(tag("project", "x") + tag("owner", "a")), http.StatusForbidden},
		{"no tags", doc(""), http.StatusForbidden},
		{"a body that is no tag set", []byte("<Nope"), http.StatusForbidden},
	} {
		if got := s.anonymousCode(t, http.MethodPut, "/bkt/obj?tagging", nil, c.body); got != c.want {
			t.Errorf("PutObjectTagging, %s: %d, want %d", c.what, got, c.want)
		}
	}
	tags, _, err := s.layer.GetObjectTags(context.Background(), "bkt", "obj", "")
	if err != nil || len(tags) != 2 || tags["project"] != "x" || tags["team"] != "a" {
		t.Fatalf("tags stored by the allowed PutObjectTagging: %v %v", tags, err)
	}
}

// The tag body read for authorization is bounded by the tagging limit,
// and the handler still sees the whole body: one at the limit is read and
// judged, one over it contributes no keys and is refused by the handler
// as too large.
func TestPutObjectTaggingBodyBound(t *testing.T) {
	for _, c := range []struct {
		size     int
		wantTags bool
	}{{maxTaggingBody, true}, {maxTaggingBody + 1, false}} {
		prefix := `<Tagging><TagSet><Tag><Key>project</Key><Value>x</Value></Tag></TagSet></Tagging>`
		body := []byte(prefix + strings.Repeat(" ", c.size-len(prefix)))
		r := httptest.NewRequest(http.MethodPut, "/bkt/obj?tagging", bytes.NewReader(body))
		rq := &request{http: r, ctx: context.Background(), bucket: "bkt", key: "obj", body: r.Body}
		tags, err := bodyTags(rq)
		if err != nil || (tags["project"] != nil) != c.wantTags {
			t.Errorf("%d bytes: tags %v, err %v", c.size, tags, err)
		}
		_, err = readBounded(rq, maxTaggingBody)
		if over := c.size > maxTaggingBody; over != (err != nil) {
			t.Errorf("%d bytes: the handler's read: %v", c.size, err)
		}
	}
}

// The copy and metadata-directive keys let a policy restrict where a copy
// comes from and whether it keeps the source's metadata. A negated
// operator holds when its key is absent, so a Deny of copies from
// elsewhere also needs Null to leave plain writes alone.
func TestCopyConditionKeys(t *testing.T) {
	s := compatServer(t, "bkt")
	s.putBucketPolicy(t, "bkt", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":"*","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::bkt/*"},
		{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::bkt/*",
		 "Condition":{"Null":{"s3:x-amz-copy-source":"false"},"StringNotLike":{"s3:x-amz-copy-source":"bkt/public/*"}}},
		{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::bkt/*",
		 "Condition":{"StringEquals":{"s3:x-amz-metadata-directive":"REPLACE"}}}]}`)
	s.putTagged(t, "bkt", "public/a", nil)
	s.putTagged(t, "bkt", "private/a", nil)
	for _, c := range []struct {
		what string
		h    http.Header
		want int
	}{
		{"no copy", nil, http.StatusOK},
		{"public source", http.Header{"X-Amz-Copy-Source": {"bkt/public/a"}}, http.StatusOK},
		{"public source, leading slash", http.Header{"X-Amz-Copy-Source": {"/bkt/public/a"}}, http.StatusOK},
		{"public source, encoded", http.Header{"X-Amz-Copy-Source": {"/bkt/public%2Fa"}}, http.StatusOK},
		{"private source", http.Header{"X-Amz-Copy-Source": {"/bkt/private/a"}}, http.StatusForbidden},
		{"metadata replaced", http.Header{"X-Amz-Copy-Source": {"bkt/public/a"}, "X-Amz-Metadata-Directive": {"REPLACE"}}, http.StatusForbidden},
		{"metadata copied", http.Header{"X-Amz-Copy-Source": {"bkt/public/a"}, "X-Amz-Metadata-Directive": {"COPY"}}, http.StatusOK},
	} {
		var body []byte
		if c.h == nil {
			body = []byte("data")
		}
		if got := s.anonymousCode(t, http.MethodPut, "/bkt/dst", c.h, body); got != c.want {
			t.Errorf("%s: %d, want %d", c.what, got, c.want)
		}
	}
	r := fzNewRequest(http.MethodPut, "/bkt/dst", http.Header{"X-Amz-Storage-Class": {"STANDARD_IA"}, "X-Amz-Content-Sha256": {"UNSIGNED-PAYLOAD"}}, nil)
	keys := s.api.conditionKeys(&request{http: r})
	if got := keys["s3:x-amz-storage-class"]; len(got) != 1 || got[0] != "STANDARD_IA" {
		t.Fatalf("storage class condition key: %v", got)
	}
	if got := keys["s3:x-amz-content-sha256"]; len(got) != 1 || got[0] != "UNSIGNED-PAYLOAD" {
		t.Fatalf("content-sha256 condition key: %v", got)
	}
}

// The later calls of a multipart upload are judged with the encryption
// and tags the upload was created with, so the common "Deny PutObject
// without SSE" and "Deny PutObject without the project tag" policies let
// an upload that gave them finish, and refuse the parts of one that did
// not.
func TestMultipartCallsTakeTheUploadsKeys(t *testing.T) {
	s := compatServer(t, "bkt")
	s.putBucketPolicy(t, "bkt", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::bkt/*"},
		{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::bkt/*",
		 "Condition":{"Null":{"s3:x-amz-server-side-encryption":"true"}}},
		{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::bkt/*",
		 "Condition":{"StringNotEquals":{"s3:RequestObjectTag/project":"x"}}}]}`)
	create := func(h http.Header, anonymous bool) (int, string) {
		t.Helper()
		rec := s.send(t, fzNewRequest(http.MethodPost, "/bkt/mp?uploads", h, nil), anonymous)
		var res struct{ UploadId string }
		if rec.Code == http.StatusOK {
			decodeXML(t, rec.Body, &res)
		}
		return rec.Code, res.UploadId
	}
	good := http.Header{"X-Amz-Server-Side-Encryption": {"AES256"}, "X-Amz-Tagging": {"project=x"}}
	if code, _ := create(http.Header{"X-Amz-Tagging": {"project=x"}}, true); code != http.StatusForbidden {
		t.Fatalf("CreateMultipartUpload without SSE: %d, want 403", code)
	}
	code, id := create(good, true)
	if code != http.StatusOK {
		t.Fatalf("CreateMultipartUpload with SSE and the tag: %d", code)
	}
	part := "/bkt/mp?partNumber=1&uploadId=" + url.QueryEscape(id)
	rec := s.send(t, fzNewRequest(http.MethodPut, part, nil, []byte("data")), true)
	if rec.Code != http.StatusOK {
		t.Fatalf("UploadPart of that upload: %d %s", rec.Code, rec.Body)
	}
	complete := `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>` + rec.Header().Get("ETag") + `</ETag></Part></CompleteMultipartUpload>`
	if code := s.anonymousCode(t, http.MethodPost, "/bkt/mp?uploadId="+url.QueryEscape(id), nil, []byte(complete)); code != http.StatusOK {
		t.Fatalf("CompleteMultipartUpload of that upload: %d", code)
	}

	// An upload the owner began without them: its parts are refused.
	code, plain := create(nil, false)
	if code != http.StatusOK {
		t.Fatalf("the owner's CreateMultipartUpload: %d", code)
	}
	if code := s.anonymousCode(t, http.MethodPut, "/bkt/mp?partNumber=1&uploadId="+url.QueryEscape(plain), nil, []byte("data")); code != http.StatusForbidden {
		t.Fatalf("UploadPart of an upload without SSE or the tag: %d, want 403", code)
	}
	// An upload that does not exist has no settings to lend its calls.
	if code := s.anonymousCode(t, http.MethodPut, "/bkt/mp?partNumber=1&uploadId=nosuchupload", nil, []byte("data")); code != http.StatusForbidden {
		t.Fatalf("UploadPart of no upload: %d, want 403", code)
	}
}

// A public bucket policy grants anonymous callers access only once the
// bucket's public access block was read: a failed read is the request's
// answer, never "nothing is blocked".
func TestPublicAccessBlockReadNeverFailsOpen(t *testing.T) {
	ctx := context.Background()
	m, blobs := memStores(t)
	layer := object.New(&countingStore{Store: m}, blobs, object.Options{Region: fzRegion})
	if err := layer.CreateBucket(ctx, "bkt", object.CreateBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*"}]}`
	if err := layer.SetBucketConfig(ctx, "bkt", configPolicy, []byte(doc)); err != nil {
		t.Fatal(err)
	}
	if err := layer.SetBucketConfig(ctx, "bkt", configPublicAccessBlock, []byte(`<PublicAccessBlockConfiguration><RestrictPublicBuckets>true</RestrictPublicBuckets></PublicAccessBlockConfiguration>`)); err != nil {
		t.Fatal(err)
	}
	api := New(Config{Objects: layer, Region: fzRegion})
	api.bucketPolicy(ctx, "bkt") // the policy is read while the store answers
	anonymous := func(rctx context.Context) (bool, error) {
		rq := &request{http: httptest.NewRequest(http.MethodGet, "/bkt/obj", nil), ctx: rctx, bucket: "bkt", key: "obj"}
		ok := api.allows(rq, "s3:GetObject", iamResource("bkt", "obj"), "bkt")
		return ok, rq.authz.err
	}
	if ok, err := anonymous(context.WithValue(ctx, failReadsKey{}, true)); ok || !errors.Is(err, errStoreDown) {
		t.Fatalf("anonymous read while the block cannot be read: allowed %v, err %v", ok, err)
	}
	if ok, err := anonymous(ctx); ok || err != nil {
		t.Fatalf("anonymous read under RestrictPublicBuckets: allowed %v, err %v", ok, err)
	}
}
