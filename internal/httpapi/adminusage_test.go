package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/kurastore/kura/wire/adminapi"
	"github.com/kurastore/kura/wire/policy"
)

// usageAnswer decodes a usage report.
func usageAnswer(t *testing.T, body string) []adminapi.BucketUsage {
	t.Helper()
	var out []adminapi.BucketUsage
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatalf("usage answer %s: %v", body, err)
	}
	return out
}

// fillUsageBuckets makes "alpha" (two objects of 3 and 5 bytes, and an
// unfinished upload of one 4-byte part) and "beta" (versioned: a key
// written twice, another deleted, so 1 object, 3 versions, 1 marker).
func fillUsageBuckets(t *testing.T, s *authzServer) {
	t.Helper()
	s.asRoot(t, "PUT", "/alpha", nil, "")
	s.asRoot(t, "PUT", "/alpha/a", nil, "abc")
	s.asRoot(t, "PUT", "/alpha/b", nil, "bcdef")
	rec := s.asRoot(t, "POST", "/alpha/up?uploads", nil, "")
	id := between(rec.Body.String(), "<UploadId>", "</UploadId>")
	s.asRoot(t, "PUT", "/alpha/up?partNumber=1&uploadId="+id, nil, "part")
	s.asRoot(t, "PUT", "/beta", nil, "")
	s.asRoot(t, "PUT", "/beta?versioning", nil, versioningDoc("Enabled"))
	s.asRoot(t, "PUT", "/beta/k", nil, "1")
	s.asRoot(t, "PUT", "/beta/k", nil, "22")
	s.asRoot(t, "PUT", "/beta/gone", nil, "4444")
	s.asRoot(t, "DELETE", "/beta/gone", nil, "")
}

var (
	alphaUsage = adminapi.BucketUsage{Bucket: "alpha", Objects: 2, Versions: 2, Bytes: 8, Uploads: 1, UploadParts: 1, UploadBytes: 4}
	betaUsage  = adminapi.BucketUsage{Bucket: "beta", Objects: 1, Versions: 4, DeleteMarkers: 1, Bytes: 7}
)

func TestAdminUsageReportsEveryBucketOrOne(t *testing.T) {
	s := newAuthzServer(t)
	fillUsageBuckets(t, s)

	rec := s.asRoot(t, "GET", AdminPrefix+"usage", nil, "")
	if got := usageAnswer(t, rec.Body.String()); len(got) != 2 || got[0] != alphaUsage || got[1] != betaUsage {
		t.Errorf("every bucket:\n got %+v\nwant %+v, %+v", got, alphaUsage, betaUsage)
	}
	rec = s.asRoot(t, "GET", AdminPrefix+"usage?bucket=beta", nil, "")
	if got := usageAnswer(t, rec.Body.String()); len(got) != 1 || got[0] != betaUsage {
		t.Errorf("?bucket=beta: got %+v, want %+v", got, betaUsage)
	}
	for _, q := range []string{"?bucket=nosuch", "?bucket=", "?bucket=Not_A_Bucket"} {
		rec := s.do(&s.root, "GET", AdminPrefix+"usage"+q, nil, nil)
		if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), "<Code>NoSuchBucket</Code>") {
			t.Errorf("usage%s: %d %s", q, rec.Code, rec.Body)
		}
	}
}

func TestAdminUsageEmptyIsAnEmptyList(t *testing.T) {
	s := newAuthzServer(t)
	rec := s.asRoot(t, "GET", AdminPrefix+"usage", nil, "")
	if body := strings.TrimSpace(rec.Body.String()); body != "[]" {
		t.Errorf("no buckets: %s, want []", body)
	}
}

func TestAdminUsageNeedsDataUsageInfo(t *testing.T) {
	s := newAuthzServer(t)
	fillUsageBuckets(t, s)
	allow := func(action string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"` + action + `","Resource":"*"}]}`
	}
	for _, c := range []struct {
		user, action string
		status       int
	}{
		{"usage", "admin:DataUsageInfo", http.StatusOK},
		{"alladmin", "admin:*", http.StatusOK},
		{"info", "admin:ServerInfo", http.StatusForbidden},
		{"storage", "s3:*", http.StatusForbidden},
	} {
		who := s.user(t, c.user, allow(c.action))
		rec := s.do(who, "GET", AdminPrefix+"usage", nil, nil)
		if rec.Code != c.status {
			t.Errorf("%s: %d %s, want %d", c.action, rec.Code, rec.Body, c.status)
		}
		if c.status == http.StatusForbidden && !strings.Contains(rec.Body.String(), "<Code>AccessDenied</Code>") {
			t.Errorf("%s: refused with %s", c.action, rec.Body)
		}
	}
	deny := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"admin:*","Resource":"*"},` +
		`{"Effect":"Deny","Action":"admin:DataUsageInfo","Resource":"*"}]}`
	if rec := s.do(s.user(t, "denied", deny), "GET", AdminPrefix+"usage", nil, nil); rec.Code != http.StatusForbidden {
		t.Errorf("an explicit deny of admin:DataUsageInfo: %d %s", rec.Code, rec.Body)
	}
}

// TestAdminActionsArePolicyActions: every admin call's action is one a
// policy may name; otherwise only root could make the call.
func TestAdminActionsArePolicyActions(t *testing.T) {
	for _, r := range adminRoutes {
		if !policy.KnownAction(r.action) {
			t.Errorf("%s %s authorizes %s, which no policy may name", r.method, strings.Join(r.pattern, "/"), r.action)
		}
	}
}
