package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kurastore/kura/internal/tier/tierstore"
	"github.com/kurastore/kura/wire/adminapi"
)

// withTiers gives s a registry of tiers on a store of its own; inUse
// answers the registry's in-use question.
func withTiers(t *testing.T, s *authzServer, inUse *bool) *tierstore.Registry {
	t.Helper()
	m, _ := memStores(t)
	reg, err := tierstore.New(tierstore.Options{Meta: m, SealKey: bytes.Repeat([]byte{7}, 32)})
	if err != nil {
		t.Fatal(err)
	}
	s.api.tierAdmin = reg
	s.api.tierInUse = func(context.Context, string) (bool, error) { return *inUse, nil }
	return reg
}

func tierBody(t *testing.T, v adminapi.Tier) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func expectAdmin(t *testing.T, s *authzServer, method, path string, body []byte, status int, code string) *httptest.ResponseRecorder {
	t.Helper()
	rec := s.do(&s.root, method, AdminPrefix+path, nil, body)
	if rec.Code != status || (code != "" && !strings.Contains(rec.Body.String(), "<Code>"+code+"</Code>")) {
		t.Fatalf("%s %s: %d %s, want %d %s", method, path, rec.Code, rec.Body, status, code)
	}
	return rec
}

func TestAdminTiers(t *testing.T) {
	s := newAuthzServer(t)
	inUse := false
	withTiers(t, s, &inUse)
	dir := t.TempDir()
	add := tierBody(t, adminapi.Tier{Type: "dir", Path: dir})

	expectAdmin(t, s, "PUT", "tiers/COLD", add, http.StatusNoContent, "")
	expectAdmin(t, s, "PUT", "tiers/COLD", add, http.StatusConflict, "BucketAlreadyExists")
	expectAdmin(t, s, "PUT", "tiers/cold", add, http.StatusBadRequest, "InvalidArgument")
	expectAdmin(t, s, "PUT", "tiers/STANDARD", add, http.StatusBadRequest, "InvalidArgument")
	expectAdmin(t, s, "PUT", "tiers/"+strings.Repeat("A", 33), add, http.StatusBadRequest, "InvalidArgument")
	expectAdmin(t, s, "PUT", "tiers/"+strings.Repeat("A", 32), add, http.StatusNoContent, "")
	gone := tierBody(t, adminapi.Tier{Type: "dir", Path: filepath.Join(dir, "absent")})
	expectAdmin(t, s, "PUT", "tiers/GONE", gone, http.StatusBadRequest, "InvalidArgument")
	expectAdmin(t, s, "PUT", "tiers/FTP", tierBody(t, adminapi.Tier{Type: "ftp"}), http.StatusBadRequest, "InvalidArgument")
	expectAdmin(t, s, "PUT", "tiers/OTHER", tierBody(t, adminapi.Tier{Name: "ELSE", Type: "dir", Path: dir}), http.StatusBadRequest, "InvalidArgument")
	expectAdmin(t, s, "PUT", "tiers/BAD", []byte("{"), http.StatusBadRequest, "MalformedXML")

	var list []adminapi.Tier
	if err := json.Unmarshal(expectAdmin(t, s, "GET", "tiers", nil, 200, "").Body.Bytes(), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[1].Name != "COLD" || list[1].Type != "dir" || list[1].Path != dir {
		t.Fatalf("list: %+v", list)
	}
	var sts []adminapi.TierStatus
	if err := json.Unmarshal(expectAdmin(t, s, "GET", "tiers/status", nil, 200, "").Body.Bytes(), &sts); err != nil {
		t.Fatal(err)
	}
	if len(sts) != 2 || !sts[0].Reachable || !sts[1].Reachable {
		t.Fatalf("status: %+v", sts)
	}

	inUse = true
	expectAdmin(t, s, "DELETE", "tiers/COLD", nil, http.StatusConflict, "BucketAlreadyExists")
	inUse = false
	expectAdmin(t, s, "DELETE", "tiers/COLD", nil, http.StatusNoContent, "")
	expectAdmin(t, s, "DELETE", "tiers/COLD", nil, http.StatusNotFound, "NoSuchKey")
}

// TestAdminTiersMaskSecret: the secret key of an s3 tier never comes
// back, the access key does.
func TestAdminTiersMaskSecret(t *testing.T) {
	s := newAuthzServer(t)
	inUse := false
	withTiers(t, s, &inUse)
	// An endpoint that accepts everything, enough for the tier's check.
	remote := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
	}))
	defer remote.Close()
	add := tierBody(t, adminapi.Tier{Type: "s3", Endpoint: remote.URL, Bucket: "cold", AccessKey: "TIERACCESS", SecretKey: "tier-secret-key-value"})
	expectAdmin(t, s, "PUT", "tiers/REMOTE", add, http.StatusNoContent, "")
	body := expectAdmin(t, s, "GET", "tiers", nil, 200, "").Body.String()
	if strings.Contains(body, "tier-secret-key-value") || !strings.Contains(body, "TIERACCESS") || !strings.Contains(body, tierstore.Masked) {
		t.Fatalf("list: %s", body)
	}
}

// TestAdminTiersAuthorization: the tier calls are admin actions; a user
// whose policies allow every S3 action may make none of them.
func TestAdminTiersAuthorization(t *testing.T) {
	s := newAuthzServer(t)
	inUse := false
	reg := withTiers(t, s, &inUse)
	if err := reg.Add(context.Background(), tierstore.Definition{Name: "COLD", Type: "dir", Path: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	s3user := s.user(t, "alice", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)
	reader := s.user(t, "bob", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"admin:ServerInfo","Resource":"*"}]}`)
	add := tierBody(t, adminapi.Tier{Type: "dir", Path: t.TempDir()})
	calls := []struct {
		method, path string
		body         []byte
		readerMay    bool
	}{
		{"GET", "tiers", nil, true},
		{"GET", "tiers/status", nil, true},
		{"PUT", "tiers/WARM", add, false},
		{"DELETE", "tiers/COLD", nil, false},
	}
	for _, c := range calls {
		if rec := s.do(s3user, c.method, AdminPrefix+c.path, nil, c.body); rec.Code != http.StatusForbidden {
			t.Errorf("s3-only user %s %s: %d %s", c.method, c.path, rec.Code, rec.Body)
		}
		if rec := s.do(nil, c.method, AdminPrefix+c.path, nil, c.body); rec.Code != http.StatusForbidden {
			t.Errorf("anonymous %s %s: %d", c.method, c.path, rec.Code)
		}
		rec := s.do(reader, c.method, AdminPrefix+c.path, nil, c.body)
		if allowed := rec.Code < 300; allowed != c.readerMay {
			t.Errorf("ServerInfo-only user %s %s: %d %s", c.method, c.path, rec.Code, rec.Body)
		}
	}
	defs, err := reg.List(context.Background())
	if err != nil || len(defs) != 1 || defs[0].Name != "COLD" {
		t.Fatalf("refused calls changed the tiers: %+v, %v", defs, err)
	}
}

func TestAdminTiersDisabled(t *testing.T) {
	s := newAuthzServer(t)
	expectAdmin(t, s, "GET", "tiers", nil, http.StatusNotImplemented, "NotImplemented")
}
