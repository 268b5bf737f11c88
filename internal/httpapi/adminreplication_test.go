package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kurastore/kura/internal/replicate"
	"github.com/kurastore/kura/wire/adminapi"
)

// destinationServer is a second kura, served over HTTP on 127.0.0.1,
// with the buckets "dst-on" (versioning Enabled) and "dst-off" (never
// versioned).
func destinationServer(t *testing.T) (*authzServer, string) {
	t.Helper()
	dest := newAuthzServer(t)
	// The source signs with the real clock.
	dest.now = time.Now()
	dest.asRoot(t, "PUT", "/dst-on", nil, "")
	dest.asRoot(t, "PUT", "/dst-on?versioning", nil, versioningDoc("Enabled"))
	dest.asRoot(t, "PUT", "/dst-off", nil, "")
	srv := httptest.NewServer(dest.api)
	t.Cleanup(srv.Close)
	return dest, srv.URL
}

func targetBody(t *testing.T, v adminapi.ReplicationTarget) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fakeEngine stands for the replication engine.
type fakeEngine struct {
	mu      sync.Mutex
	resyncs []string
}

func (e *fakeEngine) Status(_ context.Context, bucket string) ([]adminapi.ReplicationTargetStatus, error) {
	return []adminapi.ReplicationTargetStatus{{ARN: "arn-of-" + bucket, Pending: 3, Completed: 7}}, nil
}

func (e *fakeEngine) Resync(_ context.Context, bucket, arn string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.resyncs = append(e.resyncs, bucket+" "+arn)
	return nil
}

func TestAdminReplicationTargets(t *testing.T) {
	dest, url := destinationServer(t)
	s := newAuthzServer(t)
	withReplicationTargets(t, s, nil)
	s.asRoot(t, "PUT", "/src", nil, "")
	body := func(endpoint, bucket, secret string) []byte {
		return targetBody(t, adminapi.ReplicationTarget{Endpoint: endpoint, DestBucket: bucket, AccessKey: dest.root.AccessKey, SecretKey: secret})
	}
	good := body(url, "dst-on", dest.root.SecretKey)

	for _, c := range []struct {
		name, path string
		body       []byte
		status     int
		code, msg  string
	}{
		{"unversioned destination", "src", body(url, "dst-off", dest.root.SecretKey), http.StatusBadRequest, "InvalidArgument", "Enabled"},
		{"missing destination", "src", body(url, "dst-gone", dest.root.SecretKey), http.StatusBadRequest, "InvalidArgument", "NoSuchBucket"},
		{"wrong secret", "src", body(url, "dst-on", "wrong"), http.StatusBadRequest, "InvalidArgument", "SignatureDoesNotMatch"},
		{"nobody there", "src", body("http://127.0.0.1:1", "dst-on", dest.root.SecretKey), http.StatusBadRequest, "InvalidArgument", ""},
		{"bad endpoint", "src", body("127.0.0.1:1", "dst-on", dest.root.SecretKey), http.StatusBadRequest, "InvalidArgument", "http://"},
		{"no source bucket", "nobucket", good, http.StatusNotFound, "NoSuchBucket", ""},
		{"another source in the body", "src", targetBody(t, adminapi.ReplicationTarget{SourceBucket: "other", Endpoint: url, DestBucket: "dst-on"}), http.StatusBadRequest, "InvalidArgument", ""},
		{"not JSON", "src", []byte("{"), http.StatusBadRequest, "MalformedXML", ""},
	} {
		rec := s.do(&s.root, "PUT", AdminPrefix+"replication/targets/"+c.path, nil, c.body)
		if rec.Code != c.status || !strings.Contains(rec.Body.String(), "<Code>"+c.code+"</Code>") || !strings.Contains(rec.Body.String(), c.msg) {
			t.Errorf("%s: %d %s", c.name, rec.Code, rec.Body)
		}
	}

	var added adminapi.ReplicationTargetAdded
	if err := json.Unmarshal(expectAdmin(t, s, "PUT", "replication/targets/src", good, http.StatusOK, "").Body.Bytes(), &added); err != nil {
		t.Fatal(err)
	}
	if _, _, dst, ok := replicate.ParseARN(added.ARN); !ok || dst != "dst-on" {
		t.Fatalf("added %q", added.ARN)
	}
	expectAdmin(t, s, "PUT", "replication/targets/src", good, http.StatusConflict, "BucketAlreadyExists")

	rec := expectAdmin(t, s, "GET", "replication/targets/src", nil, http.StatusOK, "")
	if strings.Contains(rec.Body.String(), dest.root.SecretKey) || !strings.Contains(rec.Body.String(), dest.root.AccessKey) {
		t.Fatalf("list shows %s", rec.Body)
	}
	var list []adminapi.ReplicationTarget
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].ARN != added.ARN || list[0].Endpoint != url || list[0].DestBucket != "dst-on" || list[0].SourceBucket != "src" || list[0].SecretKey != "" {
		t.Fatalf("list: %+v", list)
	}
	expectAdmin(t, s, "GET", "replication/targets/nobucket", nil, http.StatusNotFound, "NoSuchBucket")

	// A replication rule names the target: it stays.
	s.asRoot(t, "PUT", "/src?versioning", nil, versioningDoc("Enabled"))
	for _, named := range []string{added.ARN, "arn:aws:s3:::dst-on"} {
		doc := replicationDoc(named)
		s.asRoot(t, "PUT", "/src?replication", withMD5(nil, doc), doc)
		expectAdmin(t, s, "DELETE", "replication/targets/src?arn="+added.ARN, nil, http.StatusConflict, "InvalidBucketState")
	}
	// ... and arn:aws:s3:::dst-on may not come to name two targets: the same
	// server under another name is another endpoint.
	twin := body(strings.Replace(url, "127.0.0.1", "localhost", 1), "dst-on", dest.root.SecretKey)
	expectAdmin(t, s, "PUT", "replication/targets/src", twin, http.StatusConflict, "InvalidBucketState")
	s.asRoot(t, "DELETE", "/src?replication", nil, "")
	expectAdmin(t, s, "PUT", "replication/targets/src", twin, http.StatusOK, "")

	expectAdmin(t, s, "DELETE", "replication/targets/src", nil, http.StatusBadRequest, "InvalidArgument")
	expectAdmin(t, s, "DELETE", "replication/targets/src?arn="+added.ARN, nil, http.StatusNoContent, "")
	expectAdmin(t, s, "DELETE", "replication/targets/src?arn="+added.ARN, nil, http.StatusNotFound, "NoSuchKey")
	if err := json.Unmarshal(expectAdmin(t, s, "GET", "replication/targets/src", nil, http.StatusOK, "").Body.Bytes(), &list); err != nil || len(list) != 1 || list[0].ARN == added.ARN {
		t.Fatalf("list after remove: %+v %v", list, err)
	}
}

func TestAdminReplicationStatusAndResync(t *testing.T) {
	s := newAuthzServer(t)
	reg := withReplicationTargets(t, s, acceptAnyDestination)
	s.asRoot(t, "PUT", "/src", nil, "")
	tg := addTarget(t, reg, "src", "http://127.0.0.1:9", "dst")

	expectAdmin(t, s, "GET", "replication/status/src", nil, http.StatusNotImplemented, "NotImplemented")
	expectAdmin(t, s, "POST", "replication/resync/src?arn="+tg.ARN, nil, http.StatusNotImplemented, "NotImplemented")

	engine := &fakeEngine{}
	s.api.replication = engine
	var sts []adminapi.ReplicationTargetStatus
	if err := json.Unmarshal(expectAdmin(t, s, "GET", "replication/status/src", nil, http.StatusOK, "").Body.Bytes(), &sts); err != nil {
		t.Fatal(err)
	}
	if len(sts) != 1 || sts[0].ARN != "arn-of-src" || sts[0].Pending != 3 || sts[0].Completed != 7 {
		t.Fatalf("status: %+v", sts)
	}
	expectAdmin(t, s, "GET", "replication/status/nobucket", nil, http.StatusNotFound, "NoSuchBucket")

	expectAdmin(t, s, "POST", "replication/resync/src", nil, http.StatusBadRequest, "InvalidArgument")
	unknown := replicate.FormatARN("us-east-1", "0123456789abcdef", "dst")
	expectAdmin(t, s, "POST", "replication/resync/src?arn="+unknown, nil, http.StatusNotFound, "NoSuchKey")
	expectAdmin(t, s, "POST", "replication/resync/nobucket?arn="+tg.ARN, nil, http.StatusNotFound, "NoSuchBucket")
	expectAdmin(t, s, "POST", "replication/resync/src?arn="+tg.ARN, nil, http.StatusNoContent, "")
	if len(engine.resyncs) != 1 || engine.resyncs[0] != "src "+tg.ARN {
		t.Fatalf("resyncs: %q", engine.resyncs)
	}
}

// TestAdminReplicationAuthorization: the calls are admin actions; S3
// permissions grant none of them, admin:GetBucketTarget grants reading.
func TestAdminReplicationAuthorization(t *testing.T) {
	s := newAuthzServer(t)
	reg := withReplicationTargets(t, s, acceptAnyDestination)
	s.api.replication = &fakeEngine{}
	s.asRoot(t, "PUT", "/src", nil, "")
	tg := addTarget(t, reg, "src", "http://127.0.0.1:9", "dst")
	s3user := s.user(t, "alice", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)
	reader := s.user(t, "bob", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"admin:GetBucketTarget","Resource":"*"}]}`)
	writer := s.user(t, "carol", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"admin:SetBucketTarget","Resource":"*"}]}`)
	add := targetBody(t, adminapi.ReplicationTarget{Endpoint: "http://127.0.0.2:9", DestBucket: "dst", AccessKey: "AK", SecretKey: "SK"})
	calls := []struct {
		method, path string
		body         []byte
		reader       bool
	}{
		{"GET", "replication/targets/src", nil, true},
		{"GET", "replication/status/src", nil, true},
		{"PUT", "replication/targets/src", add, false},
		{"POST", "replication/resync/src?arn=" + tg.ARN, nil, false},
		{"DELETE", "replication/targets/src?arn=" + tg.ARN, nil, false},
	}
	for _, c := range calls {
		if rec := s.do(s3user, c.method, AdminPrefix+c.path, nil, c.body); rec.Code != http.StatusForbidden {
			t.Errorf("s3-only user %s %s: %d %s", c.method, c.path, rec.Code, rec.Body)
		}
		if rec := s.do(nil, c.method, AdminPrefix+c.path, nil, c.body); rec.Code != http.StatusForbidden {
			t.Errorf("anonymous %s %s: %d", c.method, c.path, rec.Code)
		}
		if rec := s.do(reader, c.method, AdminPrefix+c.path, nil, c.body); (rec.Code < 300) != c.reader {
			t.Errorf("GetBucketTarget user %s %s: %d %s", c.method, c.path, rec.Code, rec.Body)
		}
		if !c.reader {
			if rec := s.do(writer, c.method, AdminPrefix+c.path, nil, c.body); rec.Code >= 300 {
				t.Errorf("SetBucketTarget user %s %s: %d %s", c.method, c.path, rec.Code, rec.Body)
			}
		}
	}
}

func TestAdminReplicationDisabled(t *testing.T) {
	s := newAuthzServer(t)
	s.asRoot(t, "PUT", "/src", nil, "")
	expectAdmin(t, s, "GET", "replication/targets/src", nil, http.StatusNotImplemented, "NotImplemented")
	expectAdmin(t, s, "PUT", "replication/targets/src", []byte("{}"), http.StatusNotImplemented, "NotImplemented")
}
