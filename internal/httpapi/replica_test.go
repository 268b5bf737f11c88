package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/xml"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/object"
)

// countingReplicator counts the changes the layer hands it.
type countingReplicator struct {
	mu      sync.Mutex
	changes []object.Change
}

func (c *countingReplicator) Replicate(_ context.Context, _ meta.Txn, ch object.Change, _ []byte) (map[string]object.ReplicationStatus, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.changes = append(c.changes, ch)
	return map[string]object.ReplicationStatus{"arn:test": object.ReplicationPending}, nil
}

func (c *countingReplicator) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.changes)
}

// sourceVersionID is a version id as a kura source makes it: the
// inverted time, then random bytes.
func sourceVersionID(t time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], ^uint64(t.UnixNano()))
	_, _ = rand.Read(b[8:])
	return hex.EncodeToString(b[:])
}

// replicaHeaders mark a request as a replication request carrying the
// source version's time (none when mtime is "").
func replicaHeaders(mtime string) http.Header {
	h := http.Header{}
	h.Set("X-Minio-Source-Replication-Request", "true")
	h.Set("X-Amz-Replication-Status", "REPLICA")
	if mtime != "" {
		h.Set("X-Minio-Source-Mtime", mtime)
	}
	return h
}

// replicaServer is an authzServer with a versioned bucket "dst" that has a
// replication configuration of its own, so that a change the layer
// replicates shows in the replicator.
func replicaServer(t *testing.T) (*authzServer, *countingReplicator) {
	t.Helper()
	r := &countingReplicator{}
	s := newAuthzServerWith(t, r)
	s.asRoot(t, "PUT", "/dst", nil, "")
	s.asRoot(t, "PUT", "/dst?versioning", nil, versioningOn)
	if err := s.layer.SetBucketConfig(context.Background(), "dst", "replication", []byte("<ReplicationConfiguration/>")); err != nil {
		t.Fatal(err)
	}
	return s, r
}

func wantCode(t *testing.T, what string, rec interface {
	Result() *http.Response
}, status int, code string) {
	t.Helper()
	res := rec.Result()
	defer res.Body.Close()
	var doc struct{ Code string }
	_ = xml.NewDecoder(res.Body).Decode(&doc)
	if res.StatusCode != status || doc.Code != code {
		t.Fatalf("%s: %d %s, want %d %s", what, res.StatusCode, doc.Code, status, code)
	}
}

// A replication request is authorized as s3:ReplicateObject,
// s3:ReplicateDelete or s3:ReplicateTags on the object, not as the
// operation it is: s3:PutObject alone does not let anyone store a
// version under an id of their choosing, marked REPLICA.
func TestReplicationRequestAuthorization(t *testing.T) {
	s, _ := replicaServer(t)
	obj := `"arn:aws:s3:::dst/*"`
	writer := s.user(t, "writer", allowDeny(statement("Allow", `"s3:PutObject","s3:DeleteObject","s3:DeleteObjectVersion","s3:PutObjectTagging","s3:PutObjectVersionTagging"`, obj), ""))
	replicator := s.user(t, "replicator", allowDeny(statement("Allow", `"s3:ReplicateObject","s3:ReplicateDelete","s3:ReplicateTags"`, obj), ""))
	at := s.now.Add(-time.Hour)
	mtime := at.Format(time.RFC3339Nano)

	vid := sourceVersionID(at)
	wantCode(t, "writer's replica PUT", s.do(writer, "PUT", "/dst/k?versionId="+vid, replicaHeaders(mtime), []byte("data")), http.StatusForbidden, "AccessDenied")
	if rec := s.do(writer, "PUT", "/dst/k", nil, []byte("data")); rec.Code != http.StatusOK {
		t.Fatalf("writer's plain PUT: %d %s", rec.Code, rec.Body)
	}
	if rec := s.do(replicator, "PUT", "/dst/k?versionId="+vid, replicaHeaders(mtime), []byte("data")); rec.Code != http.StatusOK || rec.Header().Get("x-amz-version-id") != vid {
		t.Fatalf("replicator's replica PUT: %d %v %s", rec.Code, rec.Header(), rec.Body)
	}
	// Without the header, s3:ReplicateObject is not s3:PutObject.
	wantCode(t, "replicator's plain PUT", s.do(replicator, "PUT", "/dst/k", nil, []byte("data")), http.StatusForbidden, "AccessDenied")

	wantCode(t, "writer's replica tagging", s.do(writer, "PUT", "/dst/k?tagging&versionId="+vid, replicaHeaders(""), []byte(tagDoc)), http.StatusForbidden, "AccessDenied")
	if rec := s.do(replicator, "PUT", "/dst/k?tagging&versionId="+vid, replicaHeaders(""), []byte(tagDoc)); rec.Code != http.StatusOK {
		t.Fatalf("replicator's replica tagging: %d %s", rec.Code, rec.Body)
	}

	marker := sourceVersionID(at.Add(time.Minute))
	dm := replicaHeaders(at.Add(time.Minute).Format(time.RFC3339Nano))
	dm.Set("X-Minio-Source-DeleteMarker", "true")
	wantCode(t, "writer's replica delete marker", s.do(writer, "DELETE", "/dst/k?versionId="+marker, dm, nil), http.StatusForbidden, "AccessDenied")
	wantCode(t, "writer's replica version delete", s.do(writer, "DELETE", "/dst/k?versionId="+vid, replicaHeaders(""), nil), http.StatusForbidden, "AccessDenied")
	if rec := s.do(replicator, "DELETE", "/dst/k?versionId="+vid, replicaHeaders(""), nil); rec.Code != http.StatusNoContent {
		t.Fatalf("replicator's replica version delete: %d %s", rec.Code, rec.Body)
	}
	if s.exists(t, "/dst/k?versionId="+vid) {
		t.Fatal("the replica version delete left the version")
	}

	// A replicator may abort the uploads it makes, as replication
	// requests.
	upVid := sourceVersionID(at.Add(2 * time.Minute))
	rec := s.do(replicator, "POST", "/dst/mp?uploads&versionId="+upVid, replicaHeaders(mtime), nil)
	var initiated struct{ UploadId string }
	if err := xml.Unmarshal(rec.Body.Bytes(), &initiated); rec.Code != http.StatusOK || err != nil {
		t.Fatalf("replicator's replica upload: %d %s", rec.Code, rec.Body)
	}
	wantCode(t, "writer's replica upload", s.do(writer, "POST", "/dst/mp?uploads&versionId="+upVid, replicaHeaders(mtime), nil), http.StatusForbidden, "AccessDenied")
	wantCode(t, "replicator's plain abort", s.do(replicator, "DELETE", "/dst/mp?uploadId="+initiated.UploadId, nil, nil), http.StatusForbidden, "AccessDenied")
	if rec := s.do(replicator, "DELETE", "/dst/mp?uploadId="+initiated.UploadId, replicaHeaders(""), nil); rec.Code != http.StatusNoContent {
		t.Fatalf("replicator's abort: %d %s", rec.Code, rec.Body)
	}
}

const tagDoc = `<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>`

// A replica keeps the source's version id and time and reads back as
// REPLICA; the bucket's own writes read back with their replication
// state, and an object nobody replicates has no x-amz-replication-status.
func TestReplicaReadsBackAsReplica(t *testing.T) {
	s, r := replicaServer(t)
	at := time.Date(2026, 11, 20, 10, 11, 12, 123456789, time.UTC)
	vid := sourceVersionID(at)
	s.asRoot(t, "PUT", "/dst/k?versionId="+vid, replicaHeaders(at.Format(time.RFC3339Nano)), "replicated")
	for _, method := range []string{"HEAD", "GET"} {
		rec := s.asRoot(t, method, "/dst/k", nil, "")
		h := rec.Header()
		if h.Get("x-amz-replication-status") != "REPLICA" || h.Get("x-amz-version-id") != vid || h.Get("Last-Modified") != "Fri, 20 Nov 2026 10:11:12 GMT" {
			t.Errorf("%s of the replica: %v", method, h)
		}
		if method == "GET" && rec.Body.String() != "replicated" {
			t.Errorf("GET of the replica: %q", rec.Body)
		}
	}
	if n := r.count(); n != 0 {
		t.Fatalf("the replica was handed to the replicator %d times", n)
	}
	// Tags put by a replication request are not replicated again; the
	// same put by a user is.
	s.asRoot(t, "PUT", "/dst/k?tagging&versionId="+vid, replicaHeaders(""), tagDoc)
	if n := r.count(); n != 0 {
		t.Fatalf("a replicated tagging was handed to the replicator %d times", n)
	}
	s.asRoot(t, "PUT", "/dst/k?tagging&versionId="+vid, nil, tagDoc)
	if n := r.count(); n != 1 {
		t.Fatalf("a user's tagging was handed to the replicator %d times, want 1", n)
	}

	s.asRoot(t, "PUT", "/dst/own", nil, "own")
	if st := s.asRoot(t, "HEAD", "/dst/own", nil, "").Header().Get("x-amz-replication-status"); st != "PENDING" {
		t.Errorf("the bucket's own write: status %q, want PENDING", st)
	}
	s.asRoot(t, "PUT", "/plain", nil, "")
	s.asRoot(t, "PUT", "/plain/k", nil, "x")
	if h := s.asRoot(t, "GET", "/plain/k", nil, "").Header(); h.Values("x-amz-replication-status") != nil {
		t.Errorf("an object nobody replicates: %v", h)
	}
}

// A replica PUT or delete marker needs the source's time and version id;
// without them, or with a malformed time, it is InvalidArgument. A PUT
// with a versionId but no replication header is a plain PUT, which
// makes a version of its own.
func TestReplicaRequestArguments(t *testing.T) {
	s, _ := replicaServer(t)
	at := s.now.Add(-time.Hour)
	vid := sourceVersionID(at)
	for _, tc := range []struct {
		name, method, target, mtime string
		marker                      bool
	}{
		{"PUT without a time", "PUT", "/dst/k?versionId=" + vid, "", false},
		{"PUT with a malformed time", "PUT", "/dst/k?versionId=" + vid, "yesterday", false},
		{"PUT with an HTTP date", "PUT", "/dst/k?versionId=" + vid, at.Format(http.TimeFormat), false},
		{"PUT without a version", "PUT", "/dst/k", at.Format(time.RFC3339Nano), false},
		{"PUT with an unplaceable version", "PUT", "/dst/k?versionId=" + vid[:31], at.Format(time.RFC3339Nano), false},
		{"upload with a malformed time", "POST", "/dst/k?uploads&versionId=" + vid, "yesterday", false},
		{"marker without a time", "DELETE", "/dst/k?versionId=" + vid, "", true},
		{"marker with a malformed time", "DELETE", "/dst/k?versionId=" + vid, "2026-13-01T00:00:00Z", true},
	} {
		h := replicaHeaders(tc.mtime)
		if tc.marker {
			h.Set("X-Minio-Source-DeleteMarker", "true")
		}
		wantCode(t, tc.name, s.do(&s.root, tc.method, tc.target, h, []byte("x")), http.StatusBadRequest, "InvalidArgument")
	}
	if s.exists(t, "/dst/k") {
		t.Fatal("a refused replica was stored")
	}
	// An RFC 3339 time without a fraction is a time.
	s.asRoot(t, "PUT", "/dst/k?versionId="+vid, replicaHeaders(at.Truncate(time.Second).Format(time.RFC3339)), "x")

	other := sourceVersionID(at.Add(-time.Hour))
	rec := s.asRoot(t, "PUT", "/dst/plain?versionId="+other, nil, "x")
	if got := rec.Header().Get("x-amz-version-id"); got == "" || got == other {
		t.Fatalf("a plain PUT with a versionId made version %q", got)
	}
	if h := s.asRoot(t, "HEAD", "/dst/plain", nil, "").Header(); h.Get("x-amz-replication-status") == "REPLICA" {
		t.Fatalf("a plain PUT reads back as a replica: %v", h)
	}
}

// A replica delete marker takes the source's id and time; a replica
// multipart upload completes as the source's version.
func TestReplicaDeleteMarkerAndUpload(t *testing.T) {
	s, r := replicaServer(t)
	at := s.now.Add(-time.Hour)
	v1 := sourceVersionID(at)
	s.asRoot(t, "PUT", "/dst/k?versionId="+v1, replicaHeaders(at.Format(time.RFC3339Nano)), "one")
	dmAt := at.Add(time.Minute)
	marker := sourceVersionID(dmAt)
	h := replicaHeaders(dmAt.Format(time.RFC3339Nano))
	h.Set("X-Minio-Source-DeleteMarker", "true")
	rec := s.do(&s.root, "DELETE", "/dst/k?versionId="+marker, h, nil)
	if rec.Code != http.StatusNoContent || rec.Header().Get("x-amz-version-id") != marker || rec.Header().Get("x-amz-delete-marker") != "true" {
		t.Fatalf("replica delete marker: %d %v %s", rec.Code, rec.Header(), rec.Body)
	}
	rec = s.do(&s.root, "GET", "/dst/k", nil, nil)
	if rec.Code != http.StatusNotFound || rec.Header().Get("x-amz-version-id") != marker || rec.Header().Get("x-amz-delete-marker") != "true" {
		t.Fatalf("GET behind the replica marker: %d %v", rec.Code, rec.Header())
	}
	if !s.exists(t, "/dst/k?versionId="+v1) {
		t.Fatal("the version under the marker is gone")
	}

	upAt := at.Add(2 * time.Minute)
	up := sourceVersionID(upAt)
	rec = s.asRoot(t, "POST", "/dst/mp?uploads&versionId="+up, replicaHeaders(upAt.Format(time.RFC3339Nano)), "")
	var initiated struct{ UploadId string }
	if err := xml.Unmarshal(rec.Body.Bytes(), &initiated); err != nil || initiated.UploadId == "" {
		t.Fatalf("initiate: %v %s", err, rec.Body)
	}
	part := s.asRoot(t, "PUT", "/dst/mp?partNumber=1&uploadId="+initiated.UploadId, replicaHeaders(""), "part one")
	complete := "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" + part.Header().Get("ETag") + "</ETag></Part></CompleteMultipartUpload>"
	rec = s.asRoot(t, "POST", "/dst/mp?uploadId="+initiated.UploadId, replicaHeaders(""), complete)
	if got := rec.Header().Get("x-amz-version-id"); got != up {
		t.Fatalf("completed replica upload is version %q, want %q", got, up)
	}
	head := s.asRoot(t, "HEAD", "/dst/mp", nil, "").Header()
	if head.Get("x-amz-replication-status") != "REPLICA" || head.Get("x-amz-version-id") != up || head.Get("Last-Modified") != upAt.Format(http.TimeFormat) {
		t.Fatalf("HEAD of the replica upload: %v", head)
	}
	if n := r.count(); n != 0 {
		t.Fatalf("replica writes were handed to the replicator %d times", n)
	}
}

// A replica multipart upload created without the source's time, as
// MinIO creates one, takes the time its completion carries; completed
// with no time at all it is refused and stays open.
func TestReplicaUploadTimedAtCompletion(t *testing.T) {
	s, _ := replicaServer(t)
	at := s.now.Add(-time.Hour)
	vid := sourceVersionID(at)
	rec := s.asRoot(t, "POST", "/dst/mp?uploads&versionId="+vid, replicaHeaders(""), "")
	var initiated struct{ UploadId string }
	if err := xml.Unmarshal(rec.Body.Bytes(), &initiated); err != nil || initiated.UploadId == "" {
		t.Fatalf("initiate: %v %s", err, rec.Body)
	}
	part := s.asRoot(t, "PUT", "/dst/mp?partNumber=1&uploadId="+initiated.UploadId, replicaHeaders(""), "part one")
	complete := "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" + part.Header().Get("ETag") + "</ETag></Part></CompleteMultipartUpload>"
	wantCode(t, "completion without a time", s.do(&s.root, "POST", "/dst/mp?uploadId="+initiated.UploadId, replicaHeaders(""), []byte(complete)), http.StatusBadRequest, "InvalidArgument")
	wantCode(t, "completion with a malformed time", s.do(&s.root, "POST", "/dst/mp?uploadId="+initiated.UploadId, replicaHeaders("noon"), []byte(complete)), http.StatusBadRequest, "InvalidArgument")
	rec = s.asRoot(t, "POST", "/dst/mp?uploadId="+initiated.UploadId, replicaHeaders(at.Format(time.RFC3339Nano)), complete)
	if got := rec.Header().Get("x-amz-version-id"); got != vid {
		t.Fatalf("completed replica upload is version %q, want %q", got, vid)
	}
	head := s.asRoot(t, "HEAD", "/dst/mp", nil, "").Header()
	if head.Get("x-amz-replication-status") != "REPLICA" || head.Get("x-amz-version-id") != vid || head.Get("Last-Modified") != at.Format(http.TimeFormat) {
		t.Fatalf("HEAD of the replica upload: %v", head)
	}
}

// Retention and legal hold sent as replication requests are authorized
// as s3:ReplicateObject, and are not replicated again.
func TestReplicaLockRequests(t *testing.T) {
	s, r := replicaServer(t)
	if err := s.layer.CreateBucket(context.Background(), "lck", object.CreateBucketOptions{ObjectLock: true}); err != nil {
		t.Fatal(err)
	}
	if err := s.layer.SetBucketConfig(context.Background(), "lck", "replication", []byte("<ReplicationConfiguration/>")); err != nil {
		t.Fatal(err)
	}
	obj := `"arn:aws:s3:::lck/*"`
	locker := s.user(t, "locker", allowDeny(statement("Allow", `"s3:PutObjectLegalHold","s3:PutObjectRetention"`, obj), ""))
	replicator := s.user(t, "replicator", allowDeny(statement("Allow", `"s3:ReplicateObject"`, obj), ""))
	at := s.now.Add(-time.Hour)
	vid := sourceVersionID(at)
	if rec := s.do(replicator, "PUT", "/lck/k?versionId="+vid, replicaHeaders(at.Format(time.RFC3339Nano)), []byte("worm")); rec.Code != http.StatusOK {
		t.Fatalf("replica PUT: %d %s", rec.Code, rec.Body)
	}
	hold := []byte("<LegalHold><Status>ON</Status></LegalHold>")
	until := s.now.Add(24 * time.Hour).Format(time.RFC3339)
	retention := []byte("<Retention><Mode>GOVERNANCE</Mode><RetainUntilDate>" + until + "</RetainUntilDate></Retention>")
	for _, tc := range []struct {
		what, target string
		doc          []byte
	}{
		{"legal hold", "/lck/k?legal-hold&versionId=" + vid, hold},
		{"retention", "/lck/k?retention&versionId=" + vid, retention},
	} {
		h := replicaHeaders("")
		h.Set("Content-MD5", contentMD5Of(tc.doc))
		wantCode(t, "locker's replica "+tc.what, s.do(locker, "PUT", tc.target, h, tc.doc), http.StatusForbidden, "AccessDenied")
		if rec := s.do(replicator, "PUT", tc.target, h, tc.doc); rec.Code != http.StatusOK {
			t.Fatalf("replicator's replica %s: %d %s", tc.what, rec.Code, rec.Body)
		}
	}
	head := s.asRoot(t, "HEAD", "/lck/k?versionId="+vid, nil, "").Header()
	if head.Get("x-amz-object-lock-legal-hold") != "ON" || head.Get("x-amz-object-lock-mode") != "GOVERNANCE" {
		t.Fatalf("the replica's lock: %v", head)
	}
	if n := r.count(); n != 0 {
		t.Fatalf("replicated lock changes were handed to the replicator %d times", n)
	}
}
