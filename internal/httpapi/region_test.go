package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/sigv4"
)

// sendFor serves r signed by the root user for region, with send's
// checks.
func (s *fzServer) sendFor(t *testing.T, r *http.Request, region string) *httptest.ResponseRecorder {
	t.Helper()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	sum := sha256.Sum256(body)
	sigv4.SignRequest(r, s.creds, region, "s3", hex.EncodeToString(sum[:]), s.now)
	return s.send(t, r, true)
}

// presignedFor serves a GET of target presigned for region.
func (s *fzServer) presignedFor(t *testing.T, target, region string) *httptest.ResponseRecorder {
	t.Helper()
	u := sigv4.Presign(fzNewRequest(http.MethodGet, target, nil, nil), s.creds, region, "s3", s.now, time.Hour)
	return s.send(t, fzNewRequest(http.MethodGet, u.RequestURI(), nil, nil), true)
}

func createBucketBody(constraint string) []byte {
	return []byte("<CreateBucketConfiguration><LocationConstraint>" + constraint + "</LocationConstraint></CreateBucketConfiguration>")
}

// wantWrongRegion checks rec is the wrong-region error code, naming
// expected in its message and <Region> and, when the bucket exists, in
// x-amz-bucket-region.
func wantWrongRegion(t *testing.T, what string, rec *httptest.ResponseRecorder, code, expected, bucketRegion string) {
	t.Helper()
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("%s: %d %s, want 400 %s", what, rec.Code, rec.Body, code)
	}
	if got := rec.Header().Get("x-amz-bucket-region"); got != bucketRegion {
		t.Errorf("%s: x-amz-bucket-region %q, want %q", what, got, bucketRegion)
	}
	if rec.Body.Len() == 0 { // HEAD
		return
	}
	var doc s3err.Response
	decodeXML(t, rec.Body, &doc)
	if doc.Code != code || doc.Region != expected || !strings.Contains(doc.Message, "expecting '"+expected+"'") {
		t.Errorf("%s: %+v, want %s naming %s", what, doc, code, expected)
	}
}

func bucketLocation(t *testing.T, s *fzServer, bucket string) string {
	t.Helper()
	rec := s.send(t, fzNewRequest(http.MethodGet, "/"+bucket+"?location", nil, nil), false)
	if rec.Code != http.StatusOK {
		t.Fatalf("GetBucketLocation %s: %d %s", bucket, rec.Code, rec.Body)
	}
	var doc locationConstraint
	decodeXML(t, rec.Body, &doc)
	return doc.Region
}

// A server of us-east-1 creates a bucket in eu-central-1 for a request
// signed for eu-central-1, reports its region, and serves requests signed
// for it, as AWS's global endpoint does (minio-go's testMakeBucketRegions).
func TestBucketInOtherRegion(t *testing.T) {
	s := compatServer(t, "home")
	const eu = "eu-central-1"
	rec := s.sendFor(t, fzNewRequest(http.MethodPut, "/eu-bkt", nil, createBucketBody(eu)), eu)
	if rec.Code != http.StatusOK {
		t.Fatalf("CreateBucket in %s: %d %s", eu, rec.Code, rec.Body)
	}
	if got := bucketLocation(t, s, "eu-bkt"); got != eu {
		t.Fatalf("GetBucketLocation: %q, want %s", got, eu)
	}
	if got := bucketLocation(t, s, "home"); got != "" {
		t.Fatalf("GetBucketLocation of a us-east-1 bucket: %q, want empty", got)
	}
	rec = s.send(t, fzNewRequest(http.MethodHead, "/eu-bkt", nil, nil), false)
	if rec.Code != http.StatusOK || rec.Header().Get("x-amz-bucket-region") != eu {
		t.Fatalf("HeadBucket: %d, x-amz-bucket-region %q", rec.Code, rec.Header().Get("x-amz-bucket-region"))
	}
	rec = s.send(t, fzNewRequest(http.MethodGet, "/", nil, nil), false)
	var list listAllMyBucketsResult
	decodeXML(t, rec.Body, &list)
	regions := map[string]string{}
	for _, b := range list.Buckets {
		regions[b.Name] = b.BucketRegion
	}
	if regions["eu-bkt"] != eu || regions["home"] != "us-east-1" {
		t.Fatalf("ListBuckets regions: %v", regions)
	}
	rec = s.send(t, fzNewRequest(http.MethodGet, "/?bucket-region="+eu, nil, nil), false)
	list = listAllMyBucketsResult{}
	decodeXML(t, rec.Body, &list)
	if len(list.Buckets) != 1 || list.Buckets[0].Name != "eu-bkt" {
		t.Fatalf("ListBuckets bucket-region=%s: %+v", eu, list.Buckets)
	}

	// Requests signed for the bucket's region, and for the server's.
	for _, region := range []string{eu, "us-east-1"} {
		if rec := s.sendFor(t, fzNewRequest(http.MethodPut, "/eu-bkt/obj", nil, []byte("data "+region)), region); rec.Code != http.StatusOK {
			t.Fatalf("PUT signed for %s: %d %s", region, rec.Code, rec.Body)
		}
		rec := s.sendFor(t, fzNewRequest(http.MethodGet, "/eu-bkt/obj", nil, nil), region)
		if rec.Code != http.StatusOK || rec.Body.String() != "data "+region {
			t.Fatalf("GET signed for %s: %d %s", region, rec.Code, rec.Body)
		}
	}
	if rec := s.presignedFor(t, "/eu-bkt/obj", eu); rec.Code != http.StatusOK {
		t.Fatalf("presigned GET for %s: %d %s", eu, rec.Code, rec.Body)
	}

	// Any other region is refused, naming the one expected.
	wantWrongRegion(t, "PUT to a us-east-1 bucket signed for eu-central-1",
		s.sendFor(t, fzNewRequest(http.MethodPut, "/home/obj", nil, []byte("x")), eu), "AuthorizationHeaderMalformed", "us-east-1", "us-east-1")
	wantWrongRegion(t, "PUT to an eu-central-1 bucket signed for us-west-2",
		s.sendFor(t, fzNewRequest(http.MethodPut, "/eu-bkt/obj", nil, []byte("x")), "us-west-2"), "AuthorizationHeaderMalformed", eu, eu)
	wantWrongRegion(t, "HEAD signed for us-west-2",
		s.sendFor(t, fzNewRequest(http.MethodHead, "/eu-bkt", nil, nil), "us-west-2"), "", eu, eu)
	wantWrongRegion(t, "presigned GET of a us-east-1 bucket for eu-central-1",
		s.presignedFor(t, "/home/obj", eu), "AuthorizationQueryParametersError", "us-east-1", "us-east-1")
	wantWrongRegion(t, "missing bucket signed for eu-central-1",
		s.sendFor(t, fzNewRequest(http.MethodGet, "/nosuch/obj", nil, nil), eu), "AuthorizationHeaderMalformed", "us-east-1", "")
	wantWrongRegion(t, "ListBuckets signed for eu-central-1",
		s.sendFor(t, fzNewRequest(http.MethodGet, "/", nil, nil), eu), "AuthorizationHeaderMalformed", "us-east-1", "")
	wantWrongRegion(t, "a region name no region has",
		s.sendFor(t, fzNewRequest(http.MethodGet, "/eu-bkt/obj", nil, nil), "Mars"), "AuthorizationHeaderMalformed", "us-east-1", "")
	if rec := s.send(t, fzNewRequest(http.MethodGet, "/eu-bkt/obj", nil, nil), false); rec.Body.String() != "data us-east-1" {
		t.Fatalf("a refused PUT changed the object: %s", rec.Body)
	}

	// Deleting with the bucket's region.
	if rec := s.sendFor(t, fzNewRequest(http.MethodDelete, "/eu-bkt/obj", nil, nil), eu); rec.Code != http.StatusNoContent {
		t.Fatalf("DELETE object: %d %s", rec.Code, rec.Body)
	}
	if rec := s.sendFor(t, fzNewRequest(http.MethodDelete, "/eu-bkt", nil, nil), eu); rec.Code != http.StatusNoContent {
		t.Fatalf("DeleteBucket: %d %s", rec.Code, rec.Body)
	}
}

// CreateBucket may be signed for the server's region or for the region it
// creates the bucket in, not for a third; re-creating answers
// BucketAlreadyOwnedByYou (minio-go's testMakeBucketError).
func TestCreateBucketSignedRegion(t *testing.T) {
	s := compatServer(t)
	const eu = "eu-central-1"
	wantWrongRegion(t, "constraint eu-central-1 signed for us-west-2",
		s.sendFor(t, fzNewRequest(http.MethodPut, "/bk1", nil, createBucketBody(eu)), "us-west-2"), "AuthorizationHeaderMalformed", eu, "")
	wantWrongRegion(t, "no constraint signed for eu-central-1",
		s.sendFor(t, fzNewRequest(http.MethodPut, "/bk1", nil, nil), eu), "AuthorizationHeaderMalformed", "us-east-1", "")
	if _, err := s.layer.Bucket(context.Background(), "bk1"); err == nil {
		t.Fatal("a refused CreateBucket made the bucket")
	}
	if rec := s.send(t, fzNewRequest(http.MethodPut, "/bk1", nil, createBucketBody(eu)), false); rec.Code != http.StatusOK {
		t.Fatalf("constraint %s signed for the server's region: %d %s", eu, rec.Code, rec.Body)
	}
	if got := bucketLocation(t, s, "bk1"); got != eu {
		t.Fatalf("location %q", got)
	}
	if rec := s.sendFor(t, fzNewRequest(http.MethodPut, "/bk2", nil, createBucketBody(eu)), eu); rec.Code != http.StatusOK {
		t.Fatalf("constraint %s signed for it: %d %s", eu, rec.Code, rec.Body)
	}
	rec := s.sendFor(t, fzNewRequest(http.MethodPut, "/bk2", nil, createBucketBody(eu)), eu)
	if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "<Code>BucketAlreadyOwnedByYou</Code>") {
		t.Fatalf("re-create: %d %s", rec.Code, rec.Body)
	}
	// The legacy EU is eu-west-1, and a request signed for eu-west-1 may
	// create it.
	if rec := s.sendFor(t, fzNewRequest(http.MethodPut, "/bk3", nil, createBucketBody("EU")), "eu-west-1"); rec.Code != http.StatusOK {
		t.Fatalf("constraint EU signed for eu-west-1: %d %s", rec.Code, rec.Body)
	}
	if got := bucketLocation(t, s, "bk3"); got != "eu-west-1" {
		t.Fatalf("EU bucket's location %q, want eu-west-1", got)
	}
}

// A LocationConstraint is a region name (s3name.ValidRegion), the legacy
// EU, or the server's own region; anything else is
// InvalidLocationConstraint and makes nothing.
func TestCreateBucketLocationConstraint(t *testing.T) {
	s := compatServer(t)
	word12, word13 := strings.Repeat("w", 12), strings.Repeat("w", 13)
	cases := []struct {
		constraint, region string // region "" means refused
	}{
		{"us-east-1", "us-east-1"}, {"eu-central-1", "eu-central-1"}, {"EU", "eu-west-1"},
		{"us-gov-west-1", "us-gov-west-1"}, {"xx-" + word12 + "-1", "xx-" + word12 + "-1"}, {"eu-west-99", "eu-west-99"},
		{"xx-" + word13 + "-1", ""}, {"eu-west-100", ""}, {"eu-central", ""}, {"EU-WEST-1", ""}, {"eu", ""},
		{"eu-west-1 ", ""}, {"moon-base-1", ""},
	}
	for i, c := range cases {
		bucket := "loc-" + string(rune('a'+i))
		rec := s.send(t, fzNewRequest(http.MethodPut, "/"+bucket, nil, createBucketBody(c.constraint)), false)
		switch {
		case c.region == "" && (rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "<Code>InvalidLocationConstraint</Code>")):
			t.Errorf("%q: %d %s, want InvalidLocationConstraint", c.constraint, rec.Code, rec.Body)
		case c.region == "":
			if _, err := s.layer.Bucket(context.Background(), bucket); err == nil {
				t.Errorf("%q: refused but created", c.constraint)
			}
		case rec.Code != http.StatusOK:
			t.Errorf("%q: %d %s", c.constraint, rec.Code, rec.Body)
		default:
			info, err := s.layer.Bucket(context.Background(), bucket)
			if err != nil || info.Region != c.region {
				t.Errorf("%q: bucket region %q %v, want %s", c.constraint, info.Region, err, c.region)
			}
		}
	}
}

// A browser POST upload may be signed for the bucket's region.
func TestPostObjectSignedRegion(t *testing.T) {
	s := compatServer(t, "home")
	const eu = "eu-central-1"
	if err := s.layer.CreateBucket(context.Background(), "eu-bkt", object.CreateBucketOptions{Region: eu}); err != nil {
		t.Fatal(err)
	}
	post := func(bucket, region string) *httptest.ResponseRecorder {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		w.WriteField("key", "k")
		s.postSignFor(w, `{"expiration":"2030-01-01T00:00:00Z","conditions":[{"bucket":"`+bucket+`"},["eq","$key","k"],["starts-with","$x-amz-algorithm",""],["starts-with","$x-amz-credential",""],["starts-with","$x-amz-date",""]]}`, region)
		fw, _ := w.CreateFormFile("file", "f")
		fw.Write([]byte("posted"))
		w.Close()
		return s.send(t, fzNewRequest(http.MethodPost, "/"+bucket, http.Header{"Content-Type": {w.FormDataContentType()}}, buf.Bytes()), true)
	}
	if rec := post("eu-bkt", eu); rec.Code != http.StatusNoContent {
		t.Fatalf("POST to an %s bucket signed for it: %d %s", eu, rec.Code, rec.Body)
	}
	wantWrongRegion(t, "POST to a us-east-1 bucket signed for eu-central-1", post("home", eu), "AuthorizationQueryParametersError", "us-east-1", "us-east-1")
	wantWrongRegion(t, "POST to an eu-central-1 bucket signed for us-west-2", post("eu-bkt", "us-west-2"), "AuthorizationQueryParametersError", eu, eu)
}

// Re-creating one's own bucket in us-east-1 is S3's legacy no-op, 200,
// which keeps the bucket's objects; in any other region, or as a bucket
// of another region, it is BucketAlreadyOwnedByYou.
func TestRecreateBucketUSEast1(t *testing.T) {
	s := compatServer(t) // serving us-east-1 (fzRegion)
	if rec := s.send(t, fzNewRequest(http.MethodPut, "/old", nil, nil), false); rec.Code != http.StatusOK {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	if rec := s.send(t, fzNewRequest(http.MethodPut, "/old/k", nil, []byte("kept")), false); rec.Code != http.StatusOK {
		t.Fatalf("PUT: %d %s", rec.Code, rec.Body)
	}
	lock := http.Header{"X-Amz-Bucket-Object-Lock-Enabled": {"true"}}
	if rec := s.send(t, fzNewRequest(http.MethodPut, "/old", lock, nil), false); rec.Code != http.StatusOK {
		t.Fatalf("re-create in us-east-1: %d %s", rec.Code, rec.Body)
	}
	if rec := s.send(t, fzNewRequest(http.MethodGet, "/old/k", nil, nil), false); rec.Body.String() != "kept" {
		t.Fatalf("the re-creation changed the bucket: GET %d %s", rec.Code, rec.Body)
	}
	if rec := s.send(t, fzNewRequest(http.MethodGet, "/old?object-lock", nil, nil), false); rec.Code == http.StatusOK {
		t.Fatalf("the re-creation enabled object lock: %s", rec.Body)
	}
	if rec := s.send(t, fzNewRequest(http.MethodPut, "/old", nil, createBucketBody("eu-west-1")), false); rec.Code != http.StatusConflict {
		t.Fatalf("re-create as eu-west-1: %d %s", rec.Code, rec.Body)
	}
}
