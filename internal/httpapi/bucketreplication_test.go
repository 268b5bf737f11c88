package httpapi

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kurastore/kura/internal/replicate"
	"github.com/kurastore/kura/sigv4"
	"github.com/kurastore/kura/wire/replication"
)

// withReplicationTargets gives s a registry of replication targets on a
// store of its own; check looks at a destination being added (nil: the
// registry's own look, over the network).
func withReplicationTargets(t *testing.T, s *authzServer, check func(context.Context, replicate.Target) error) *replicate.Targets {
	t.Helper()
	m, _ := memStores(t)
	reg, err := replicate.NewTargets(replicate.Options{Meta: m, SealKey: bytes.Repeat([]byte{9}, 32), Check: check})
	if err != nil {
		t.Fatal(err)
	}
	s.api.replTargets = reg
	return reg
}

func acceptAnyDestination(context.Context, replicate.Target) error { return nil }

func addTarget(t *testing.T, reg *replicate.Targets, source, endpoint, dest string) replicate.Target {
	t.Helper()
	tg, err := reg.Add(context.Background(), replicate.Target{SourceBucket: source, Endpoint: endpoint, DestBucket: dest, AccessKey: "AK", SecretKey: "SK"})
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

func replicationDoc(dests ...string) string {
	var b strings.Builder
	b.WriteString(`<ReplicationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Role>arn:aws:iam::1:role/r</Role>`)
	for i, d := range dests {
		b.WriteString(`<Rule><ID>r` + string(rune('0'+i)) + `</ID><Priority>` + string(rune('1'+i)) + `</Priority><Status>Enabled</Status><Filter><Prefix>p/</Prefix></Filter>` +
			`<DeleteMarkerReplication><Status>Enabled</Status></DeleteMarkerReplication><Destination><Bucket>` + d + `</Bucket></Destination></Rule>`)
	}
	b.WriteString(`</ReplicationConfiguration>`)
	return b.String()
}

func versioningDoc(status string) string {
	return `<VersioningConfiguration><Status>` + status + `</Status></VersioningConfiguration>`
}

// expectS3 sends a request signed by who and checks its status and, when
// set, its error code and a part of its message.
func expectS3(t *testing.T, s *authzServer, who *sigv4.Credentials, method, target string, h http.Header, body string, status int, code, message string) *httptest.ResponseRecorder {
	t.Helper()
	rec := s.do(who, method, target, h, []byte(body))
	got := rec.Body.String()
	if rec.Code != status || (code != "" && !strings.Contains(got, "<Code>"+code+"</Code>")) || !strings.Contains(got, message) {
		t.Fatalf("%s %s: %d %s, want %d %s %q", method, target, rec.Code, got, status, code, message)
	}
	return rec
}

func TestBucketReplicationConfig(t *testing.T) {
	s := newAuthzServer(t)
	reg := withReplicationTargets(t, s, acceptAnyDestination)
	root := &s.root
	s.asRoot(t, "PUT", "/src", nil, "")
	tg := addTarget(t, reg, "src", "http://127.0.0.1:9", "dst")
	doc := replicationDoc(tg.ARN)

	expectS3(t, s, root, "GET", "/src?replication", nil, "", http.StatusNotFound, "ReplicationConfigurationNotFoundError", "")
	expectS3(t, s, root, "PUT", "/src?replication", withMD5(nil, doc), doc, http.StatusBadRequest, "InvalidRequest", "Versioning must be 'Enabled' on the bucket")
	s.asRoot(t, "PUT", "/src?versioning", nil, versioningDoc("Suspended"))
	expectS3(t, s, root, "PUT", "/src?replication", withMD5(nil, doc), doc, http.StatusBadRequest, "InvalidRequest", "Versioning must be 'Enabled' on the bucket")
	s.asRoot(t, "PUT", "/src?versioning", nil, versioningDoc("Enabled"))

	expectS3(t, s, root, "PUT", "/src?replication", nil, doc, http.StatusBadRequest, "InvalidRequest", "Content-Md5")
	bad := `<ReplicationConfiguration><Rule>`
	expectS3(t, s, root, "PUT", "/src?replication", withMD5(nil, bad), bad, http.StatusBadRequest, "MalformedXML", "")
	unknown := replicate.FormatARN("us-east-1", "0123456789abcdef", "dst")
	for _, dest := range []string{unknown, "arn:aws:s3:::elsewhere"} {
		d := replicationDoc(tg.ARN, dest)
		expectS3(t, s, root, "PUT", "/src?replication", withMD5(nil, d), d, http.StatusBadRequest, "InvalidRequest", dest)
	}
	expectS3(t, s, root, "GET", "/src?replication", nil, "", http.StatusNotFound, "ReplicationConfigurationNotFoundError", "")

	// The bucket's ARN names the one target that points at it.
	aws := replicationDoc("arn:aws:s3:::dst")
	expectS3(t, s, root, "PUT", "/src?replication", withMD5(nil, aws), aws, http.StatusOK, "", "")
	expectS3(t, s, root, "PUT", "/src?replication", withMD5(nil, doc), doc, http.StatusOK, "", "")
	got := expectS3(t, s, root, "GET", "/src?replication", nil, "", http.StatusOK, "", "")
	want, err := replication.Parse(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	back, err := replication.Parse(got.Body)
	if err != nil || len(back.Rules) != 1 || back.Rules[0].Destination.Bucket != tg.ARN || back.Role != want.Role {
		t.Fatalf("GET answered %+v, %v", back, err)
	}

	expectS3(t, s, root, "PUT", "/src?versioning", nil, versioningDoc("Suspended"), http.StatusConflict, "InvalidBucketState", "A replication configuration is present on this bucket")

	// A second target pointing at the same bucket makes its AWS ARN
	// ambiguous.
	twin := addTarget(t, reg, "src", "http://127.0.0.2:9", "dst")
	expectS3(t, s, root, "PUT", "/src?replication", withMD5(nil, aws), aws, http.StatusBadRequest, "InvalidRequest", twin.ARN)
	both := replicationDoc(tg.ARN, twin.ARN)
	expectS3(t, s, root, "PUT", "/src?replication", withMD5(nil, both), both, http.StatusOK, "", "")

	expectS3(t, s, root, "DELETE", "/src?replication", nil, "", http.StatusNoContent, "", "")
	expectS3(t, s, root, "GET", "/src?replication", nil, "", http.StatusNotFound, "ReplicationConfigurationNotFoundError", "")
	s.asRoot(t, "PUT", "/src?versioning", nil, versioningDoc("Suspended"))

	expectS3(t, s, root, "GET", "/nobucket?replication", nil, "", http.StatusNotFound, "NoSuchBucket", "")
	expectS3(t, s, root, "PUT", "/nobucket?replication", withMD5(nil, doc), doc, http.StatusNotFound, "NoSuchBucket", "")
	expectS3(t, s, root, "DELETE", "/nobucket?replication", nil, "", http.StatusNotFound, "NoSuchBucket", "")
}

// TestBucketReplicationDisabled: without a registry of targets no rule
// can name a destination.
func TestBucketReplicationDisabled(t *testing.T) {
	s := newAuthzServer(t)
	s.asRoot(t, "PUT", "/src", nil, "")
	s.asRoot(t, "PUT", "/src?versioning", nil, versioningDoc("Enabled"))
	doc := replicationDoc("arn:aws:s3:::dst")
	expectS3(t, s, &s.root, "PUT", "/src?replication", withMD5(nil, doc), doc, http.StatusNotImplemented, "NotImplemented", "")
	expectS3(t, s, &s.root, "GET", "/src?replication", nil, "", http.StatusNotFound, "ReplicationConfigurationNotFoundError", "")
}

// TestBucketReplicationAuthorization: reading needs
// s3:GetReplicationConfiguration; putting and deleting need
// s3:PutReplicationConfiguration.
func TestBucketReplicationAuthorization(t *testing.T) {
	s := newAuthzServer(t)
	reg := withReplicationTargets(t, s, acceptAnyDestination)
	s.asRoot(t, "PUT", "/src", nil, "")
	s.asRoot(t, "PUT", "/src?versioning", nil, versioningDoc("Enabled"))
	doc := replicationDoc(addTarget(t, reg, "src", "http://127.0.0.1:9", "dst").ARN)
	reader := s.user(t, "reader", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetReplicationConfiguration","Resource":"arn:aws:s3:::src"}]}`)
	writer := s.user(t, "writer", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutReplicationConfiguration","Resource":"arn:aws:s3:::src"}]}`)

	expectS3(t, s, reader, "PUT", "/src?replication", withMD5(nil, doc), doc, http.StatusForbidden, "AccessDenied", "")
	expectS3(t, s, writer, "PUT", "/src?replication", withMD5(nil, doc), doc, http.StatusOK, "", "")
	expectS3(t, s, writer, "GET", "/src?replication", nil, "", http.StatusForbidden, "AccessDenied", "")
	expectS3(t, s, reader, "GET", "/src?replication", nil, "", http.StatusOK, "", "")
	expectS3(t, s, reader, "DELETE", "/src?replication", nil, "", http.StatusForbidden, "AccessDenied", "")
	expectS3(t, s, nil, "GET", "/src?replication", nil, "", http.StatusForbidden, "AccessDenied", "")
	expectS3(t, s, writer, "DELETE", "/src?replication", nil, "", http.StatusNoContent, "", "")
}
