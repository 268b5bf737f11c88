package console

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kurastore/kura/internal/iam"
)

// listBucketsOnly lets a user log in (ListBuckets) and nothing else.
const listBucketsOnly = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:ListAllMyBuckets"],"Resource":["arn:aws:s3:::*"]}]}`

func (h *harness) loginWith(ak, sk string) {
	h.t.Helper()
	if resp := h.loginAs(ak, sk); resp.StatusCode != http.StatusSeeOther {
		h.t.Fatalf("login as %s: status %d", ak, resp.StatusCode)
	}
}

// postFollow posts a form with the session's CSRF token and returns the
// page the answer redirects to (or the answer itself).
func (h *harness) postFollow(path string, form url.Values) (int, string) {
	h.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set(csrfField, h.csrf())
	resp, body := h.post(path, form)
	if resp.StatusCode == http.StatusSeeOther {
		resp, body = h.get(resp.Header.Get("Location"))
	}
	return resp.StatusCode, body
}

func TestIAMUserRoundTrip(t *testing.T) {
	api := newIAMAPI(t, nil)
	h := newIAMHarness(t, api)
	h.loginWith(api.rootKey, api.rootSecret)
	ctx := context.Background()

	status, body := h.postFollow("/iam/users", url.Values{"accessKey": {"alice"}, "secretKey": {"alice-secret-1"}, "policy": {"readonly"}})
	if status != http.StatusOK || !strings.Contains(body, "Created user alice.") {
		t.Fatalf("create: %d\n%s", status, body)
	}
	u, err := api.ids.User(ctx, "alice")
	if err != nil || !slices.Equal(u.Policies, []string{"readonly"}) {
		t.Fatalf("alice as stored: %+v %v", u, err)
	}
	if !strings.Contains(body, `data-user="alice"`) {
		t.Errorf("the users page does not list alice:\n%s", body)
	}
	if status, body = h.postFollow("/iam/users/alice/status", url.Values{"status": {"disabled"}}); !strings.Contains(body, "User alice is disabled.") {
		t.Errorf("disable: %d\n%s", status, body)
	}
	if u, _ := api.ids.User(ctx, "alice"); u.Status != iam.StatusDisabled {
		t.Errorf("alice's status %q", u.Status)
	}
	h.postFollow("/iam/users/alice/attach", url.Values{"policy": {"writeonly"}})
	h.postFollow("/iam/users/alice/detach", url.Values{"policy": {"readonly"}})
	if u, _ := api.ids.User(ctx, "alice"); !slices.Equal(u.Policies, []string{"writeonly"}) {
		t.Errorf("alice's policies after attach and detach: %v", u.Policies)
	}
	if status, body = h.postFollow("/iam/users/alice/delete", nil); !strings.Contains(body, "Deleted user alice") {
		t.Errorf("delete: %d\n%s", status, body)
	}
	if _, err := api.ids.User(ctx, "alice"); err == nil {
		t.Error("alice is still there")
	}
	// A second delete is the API's NoSuchKey, on the page.
	if status, body = h.postFollow("/iam/users/alice/delete", nil); status != http.StatusOK || !strings.Contains(body, `class="error"`) {
		t.Errorf("deleting a deleted user: %d\n%s", status, body)
	}
}

func TestIAMGroupsPoliciesAndServiceAccounts(t *testing.T) {
	api := newIAMAPI(t, nil)
	api.userWithPolicy(t, "bob", "bob-secret-12", "")
	api.userWithPolicy(t, "carol", "carol-secret-12", "")
	h := newIAMHarness(t, api)
	h.loginWith(api.rootKey, api.rootSecret)
	ctx := context.Background()

	h.postFollow("/iam/groups", url.Values{"name": {"ops"}, "members": {"bob, carol"}})
	h.postFollow("/iam/groups/ops/attach", url.Values{"policy": {"readonly"}})
	h.postFollow("/iam/groups/ops/members/remove", url.Values{"member": {"carol"}})
	groups, _ := api.ids.ListGroups(ctx)
	if len(groups) != 1 || !slices.Equal(groups[0].Members, []string{"bob"}) || !slices.Equal(groups[0].Policies, []string{"readonly"}) {
		t.Fatalf("groups: %+v", groups)
	}
	if _, body := h.get("/iam/groups"); !strings.Contains(body, `data-group="ops"`) {
		t.Errorf("the groups page does not list ops:\n%s", body)
	}
	h.postFollow("/iam/groups/ops/delete", nil)
	if groups, _ := api.ids.ListGroups(ctx); len(groups) != 0 {
		t.Fatalf("groups after delete: %+v", groups)
	}

	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::photos/*"]}]}`
	status, body := h.postFollow("/iam/policies", url.Values{"name": {"photos"}, "document": {doc}})
	if status != http.StatusOK || !strings.Contains(body, "arn:aws:s3:::photos/*") {
		t.Fatalf("create policy: %d\n%s", status, body)
	}
	if _, err := api.ids.Policy(ctx, "photos"); err != nil {
		t.Fatal(err)
	}
	h.postFollow("/iam/policies/photos/delete", nil)
	if _, err := api.ids.Policy(ctx, "photos"); err == nil {
		t.Error("policy photos still there")
	}

	// The secret shows on the answer to the creation, and never again.
	status, body = h.postFollow("/iam/service-accounts", url.Values{"user": {"bob"}})
	if status != http.StatusOK || !strings.Contains(body, `id="new-secret-key"`) {
		t.Fatalf("create service account: %d\n%s", status, body)
	}
	var key string
	users, _ := api.ids.ListUsers(ctx)
	for _, u := range users {
		if u.Parent == "bob" {
			key = u.AccessKey
		}
	}
	secret, err := api.ids.Secret(key)
	if err != nil || !strings.Contains(body, asHTMLText(secret)) {
		t.Fatalf("the page does not show the new secret: %v", err)
	}
	_, body = h.get("/iam/service-accounts?user=bob")
	if !strings.Contains(body, key) || strings.Contains(body, asHTMLText(secret)) {
		t.Errorf("the list must show the account and not its secret:\n%s", body)
	}
	h.postFollow("/iam/service-accounts/"+key+"/delete", url.Values{"user": {"bob"}})
	if _, err := api.ids.User(ctx, key); err == nil {
		t.Error("the service account is still there")
	}
}

func TestIAMPolicyValidatedBeforeSending(t *testing.T) {
	api := newIAMAPI(t, nil)
	h := newIAMHarness(t, api)
	h.loginWith(api.rootKey, api.rootSecret)
	for name, doc := range map[string]string{
		"not-json":   `{"Version":`,
		"bad-action": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:NoSuchAction"],"Resource":["*"]}]}`,
	} {
		status, body := h.postFollow("/iam/policies", url.Values{"name": {name}, "document": {doc}})
		if status != http.StatusBadRequest || !strings.Contains(body, "is not valid") {
			t.Errorf("%s: %d\n%s", name, status, body)
		}
		// The document stays in the form, to be corrected.
		if !strings.Contains(body, strings.ReplaceAll(doc, `"`, "&#34;")) {
			t.Errorf("%s: the form lost the document", name)
		}
		if _, err := api.ids.Policy(context.Background(), name); err == nil {
			t.Errorf("%s: stored", name)
		}
	}
}

// An identity without admin rights sees the admin API's refusal on
// every identity page, never a server error, and changes nothing.
func TestIAMRefusalsShowOnThePage(t *testing.T) {
	api := newIAMAPI(t, nil)
	api.userWithPolicy(t, "reader", "reader-secret-1", listBucketsOnly)
	h := newIAMHarness(t, api)
	h.loginWith("reader", "reader-secret-1")
	for _, path := range []string{"/iam/users", "/iam/groups", "/iam/policies", "/iam/policies/readonly", "/iam/service-accounts", "/health"} {
		resp, body := h.get(path)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "AccessDenied") {
			t.Errorf("%s: %d\n%s", path, resp.StatusCode, body)
		}
	}
	status, body := h.postFollow("/iam/users", url.Values{"accessKey": {"mallory"}, "secretKey": {"mallory-secret"}})
	if status != http.StatusOK || !strings.Contains(body, "Creating user mallory: AccessDenied") {
		t.Errorf("create: %d\n%s", status, body)
	}
	if _, err := api.ids.User(context.Background(), "mallory"); err == nil {
		t.Error("a user without admin rights created a user")
	}
	if _, body := h.get("/health"); strings.Contains(body, "<svg") {
		t.Error("an identity without admin:Prometheus sees charts")
	}
}

func TestIAMChangesNeedTheCSRFToken(t *testing.T) {
	api := newIAMAPI(t, nil)
	h := newIAMHarness(t, api)
	h.loginWith(api.rootKey, api.rootSecret)
	for _, token := range []string{"", "wrong"} {
		resp, _ := h.post("/iam/users", url.Values{"csrf": {token}, "accessKey": {"eve"}, "secretKey": {"eve-secret-1"}})
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("token %q: status %d", token, resp.StatusCode)
		}
	}
	if _, err := api.ids.User(context.Background(), "eve"); err == nil {
		t.Error("a user was created without the CSRF token")
	}
}

func TestIAMNamesAreEscaped(t *testing.T) {
	api := newIAMAPI(t, nil)
	const evil = `<img src=x onerror=alert(1)>`
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::b/*"]}]}`
	if err := api.ids.PutPolicy(context.Background(), evil, []byte(doc)); err != nil {
		t.Fatal(err)
	}
	h := newIAMHarness(t, api)
	h.loginWith(api.rootKey, api.rootSecret)
	for _, path := range []string{"/iam/policies", "/iam/users"} {
		_, body := h.get(path)
		if strings.Contains(body, evil) {
			t.Errorf("%s: the policy name is not escaped", path)
		}
		if !strings.Contains(body, "&lt;img src=x onerror=alert(1)&gt;") {
			t.Errorf("%s: the policy name is missing", path)
		}
	}
	_, body := h.get("/iam/policies/" + url.PathEscape(evil))
	if strings.Contains(body, evil) || !strings.Contains(body, "arn:aws:s3:::b/*") {
		t.Errorf("the policy page:\n%s", body)
	}
}

func TestIdentityPagesWithoutAnAdminClient(t *testing.T) {
	h := newHarness(t, nil)
	h.loginRoot()
	for _, path := range []string{"/iam/users", "/health"} {
		resp, body := h.get(path)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, noAdmin) {
			t.Errorf("%s: %d\n%s", path, resp.StatusCode, body)
		}
	}
}

// asHTMLText is s as html/template writes it in text.
func asHTMLText(s string) string {
	var b strings.Builder
	template.Must(template.New("").Parse("{{.}}")).Execute(&b, s)
	return b.String()
}

func TestIdentityAndHealthPagesHaveNoInlineScriptOrStyle(t *testing.T) {
	api := newIAMAPI(t, &exposition{})
	api.userWithPolicy(t, "frank", "frank-secret-1", "")
	h := newIAMHarness(t, api)
	h.loginWith(api.rootKey, api.rootSecret)
	for _, path := range []string{"/iam/users", "/iam/groups", "/iam/policies", "/iam/policies/readonly", "/iam/service-accounts?user=frank", "/health", "/health/charts"} {
		_, body := h.get(path)
		for _, bad := range []string{"<script>", "<style", " style=", " onclick=", " onsubmit=", " onload=", "javascript:"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s contains %q", path, bad)
			}
		}
	}
}

// Temporary credentials from STS log in with their session token, and
// the identity pages act with them too.
func TestIdentityPagesWithTemporaryCredentials(t *testing.T) {
	api := newIAMAPI(t, nil)
	api.userWithPolicy(t, "auditor", "auditor-secret-1", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:ListAllMyBuckets","admin:ListUsers"],"Resource":["arn:aws:s3:::*"]}]}`)
	ctx := context.Background()
	id, err := api.ids.Identity(ctx, "auditor")
	if err != nil {
		t.Fatal(err)
	}
	temp, err := api.ids.AssumeRole(ctx, id, time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := newIAMHarness(t, api)
	resp, _ := h.post("/login", url.Values{"accessKey": {temp.AccessKey}, "secretKey": {temp.SecretKey}, "sessionToken": {temp.SessionToken}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login with temporary credentials: %d", resp.StatusCode)
	}
	_, body := h.get("/iam/users")
	if strings.Contains(body, "AccessDenied") || !strings.Contains(body, `data-user="auditor"`) {
		t.Errorf("the users page as the session:\n%s", body)
	}
}
