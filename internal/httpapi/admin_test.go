package httpapi

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/kurastore/kura/internal/iam"
	"github.com/kurastore/kura/wire/adminapi"
)

// jsonFields names the JSON members a struct type marshals to.
func jsonFields(t reflect.Type) map[string]bool {
	fields := map[string]bool{}
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" {
			name = f.Name
		}
		fields[name] = true
	}
	return fields
}

// adminAnswer sends an admin call as root and decodes its JSON answer
// into generic objects, so that every member on the wire is seen.
func adminAnswer(t *testing.T, s *authzServer, method, path, body string) []map[string]json.RawMessage {
	t.Helper()
	rec := s.asRoot(t, method, AdminPrefix+path, nil, body)
	data := rec.Body.Bytes()
	var many []map[string]json.RawMessage
	if err := json.Unmarshal(data, &many); err == nil {
		return many
	}
	var one map[string]json.RawMessage
	if err := json.Unmarshal(data, &one); err != nil {
		t.Fatalf("%s %s answered %s: %v", method, path, data, err)
	}
	return []map[string]json.RawMessage{one}
}

// TestAdminAnswersCarryOnlyWireFields checks that users, service
// accounts and groups go out in the admin API's own shapes: a stored
// record's other members, its sealed secret above all, never reach a
// client.
func TestAdminAnswersCarryOnlyWireFields(t *testing.T) {
	s := newAuthzServer(t)
	s.user(t, "alice", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)
	narrow := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	created := adminAnswer(t, s, "POST", "users/alice/service-accounts", `{"policy":`+narrow+`}`)
	s.asRoot(t, "POST", AdminPrefix+"groups/readers/members", nil, `{"members":["alice"]}`)

	for _, c := range []struct {
		method, path string
		answer       []map[string]json.RawMessage
		shape        reflect.Type
	}{
		{"POST", "users/alice/service-accounts", created, reflect.TypeFor[adminapi.Credentials]()},
		{"GET", "users", adminAnswer(t, s, "GET", "users", ""), reflect.TypeFor[adminapi.User]()},
		{"GET", "groups", adminAnswer(t, s, "GET", "groups", ""), reflect.TypeFor[adminapi.Group]()},
	} {
		allowed := jsonFields(c.shape)
		for _, obj := range c.answer {
			for name := range obj {
				if !allowed[name] {
					t.Errorf("%s %s: answer has member %q, which %v lacks", c.method, c.path, name, c.shape)
				}
			}
		}
	}

	users := adminAnswer(t, s, "GET", "users", "")
	if len(users) != 2 {
		t.Fatalf("users: got %d, want alice and her service account", len(users))
	}
	var sawPolicy bool
	for _, u := range users {
		if _, ok := u["sessionPolicy"]; ok {
			sawPolicy = true
		}
	}
	if !sawPolicy {
		t.Error("the service account's session policy is missing from the user list")
	}
}

// TestAdminUserEmail checks that a user's email address can be given at
// creation or later, and that the user list tells each user's canonical
// ID (a service account's is its parent's) and address.
func TestAdminUserEmail(t *testing.T) {
	s := newAuthzServer(t)
	s.asRoot(t, "PUT", AdminPrefix+"users/alice", nil, `{"secretKey":"alice-secret-key","email":"alice@example.com"}`)
	s.asRoot(t, "PUT", AdminPrefix+"users/bob", nil, `{"secretKey":"bob-secret-key"}`)
	s.asRoot(t, "PUT", AdminPrefix+"users/bob/email", nil, `{"email":"bob@example.com"}`)
	s.asRoot(t, "POST", AdminPrefix+"users/alice/service-accounts", nil, `{}`)
	if rec := s.do(&s.root, "PUT", AdminPrefix+"users/bob/email", nil, []byte(`{"email":"alice@example.com"}`)); rec.Code != 400 {
		t.Fatalf("a second user with alice's address: %d %s", rec.Code, rec.Body)
	}
	if rec := s.do(&s.root, "PUT", AdminPrefix+"users/carol", nil, []byte(`{"secretKey":"carol-secret-key","email":"nope"}`)); rec.Code != 400 {
		t.Fatalf("a bad address: %d %s", rec.Code, rec.Body)
	}
	var users []adminapi.User
	if err := json.Unmarshal(s.asRoot(t, "GET", AdminPrefix+"users", nil, "").Body.Bytes(), &users); err != nil {
		t.Fatal(err)
	}
	seen := map[string]adminapi.User{}
	for _, u := range users {
		seen[u.AccessKey] = u
		if u.Parent == "alice" && u.CanonicalID != iam.CanonicalID("alice") {
			t.Errorf("service account's canonical ID %q", u.CanonicalID)
		}
	}
	if a := seen["alice"]; a.Email != "alice@example.com" || a.CanonicalID != iam.CanonicalID("alice") {
		t.Errorf("alice: %+v", a)
	}
	if b := seen["bob"]; b.Email != "bob@example.com" {
		t.Errorf("bob: %+v", b)
	}
}

func TestAdminPolicyDocumentAndGroupRemoval(t *testing.T) {
	s := newAuthzServer(t)
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::photos/*"]}]}`
	s.asRoot(t, "PUT", AdminPrefix+"policies/photos-read", nil, doc)
	if got := s.asRoot(t, "GET", AdminPrefix+"policies/photos-read", nil, "").Body.String(); strings.TrimSpace(got) != doc {
		t.Fatalf("policy document %s", got)
	}
	if rec := s.do(&s.root, "GET", AdminPrefix+"policies/nope", nil, nil); rec.Code != 404 {
		t.Fatalf("unknown policy: %d %s", rec.Code, rec.Body)
	}
	s.asRoot(t, "PUT", AdminPrefix+"users/erin", nil, `{"secretKey":"erin-secret-key"}`)
	s.asRoot(t, "POST", AdminPrefix+"groups/ops/members", nil, `{"members":["erin"]}`)
	s.asRoot(t, "DELETE", AdminPrefix+"groups/ops", nil, "")
	if got := s.asRoot(t, "GET", AdminPrefix+"groups", nil, "").Body.String(); strings.TrimSpace(got) != "[]" {
		t.Fatalf("groups after removal: %s", got)
	}
	if rec := s.do(&s.root, "DELETE", AdminPrefix+"groups/ops", nil, nil); rec.Code != 404 {
		t.Fatalf("removing a removed group: %d %s", rec.Code, rec.Body)
	}
}
