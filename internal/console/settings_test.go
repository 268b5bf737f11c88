package console

import (
	"context"
	"html"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/kuratest"
	"github.com/kurastore/kura/wire/cors"
	"github.com/kurastore/kura/wire/objectlock"
	"github.com/kurastore/kura/wire/sse"
	"github.com/kurastore/kura/wire/versioning"
)

// newSettingsHarness is newHarness on a kuratest server with a webhook
// target, which notification configurations must name.
func newSettingsHarness(t *testing.T) *harness {
	t.Helper()
	api := kuratest.NewServerWith(t, kuratest.Options{Webhooks: map[string]string{"1": "http://127.0.0.1:1/"}})
	c, err := New(Config{NewClient: func(ak, sk, token string) (*client.Client, error) {
		return client.New(api.Endpoint, &client.Options{AccessKey: ak, SecretKey: sk, SessionToken: token, MaxRetries: -1})
	}})
	if err != nil {
		t.Fatal(err)
	}
	web := httptest.NewServer(c)
	t.Cleanup(web.Close)
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	h := &harness{t: t, api: api, console: c, web: web, browser: browser}
	h.loginRoot()
	return h
}

func (h *harness) makeBucket(name string, lock bool) {
	h.t.Helper()
	if err := h.api.Client.MakeBucket(context.Background(), name, client.MakeBucketOptions{ObjectLock: lock}); err != nil {
		h.t.Fatal(err)
	}
}

// postSetting posts form with the session's token and wants a redirect
// back to the settings page.
func (h *harness) postSetting(path string, form url.Values) {
	h.t.Helper()
	form.Set(csrfField, h.csrf())
	resp, body := h.post(path, form)
	if resp.StatusCode != http.StatusSeeOther {
		h.t.Fatalf("%s: status %d\n%s", path, resp.StatusCode, body)
	}
}

func TestSettingsRoundTripAsTheUser(t *testing.T) {
	h := newSettingsHarness(t)
	h.makeBucket("conf", false)
	ctx := context.Background()
	_, body := h.get("/settings/conf")
	if !strings.Contains(body, "Now: never enabled") || !strings.Contains(body, "created without object lock") {
		t.Errorf("a new bucket's page:\n%s", body)
	}
	for _, status := range []string{versioning.Enabled, versioning.Suspended} {
		h.postSetting("/settings/conf/versioning", url.Values{"status": {status}})
		if v, err := h.api.Client.GetBucketVersioning(ctx, "conf"); err != nil || v.Status != status {
			t.Errorf("versioning %+v, %v; want %s", v, err, status)
		}
	}
	if resp, _ := h.post("/settings/conf/versioning", url.Values{"status": {"Off"}, csrfField: {h.csrf()}}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("versioning Off: status %d", resp.StatusCode)
	}
	_, body = h.get("/settings/conf")
	if !strings.Contains(body, "Versioning saved.") || !strings.Contains(body, "Now: Suspended") {
		t.Errorf("the page after suspending:\n%s", body)
	}

	h.postSetting("/settings/conf/encryption", url.Values{"algorithm": {sse.AES256}})
	if enc, err := h.api.Client.GetBucketEncryption(ctx, "conf"); err != nil || !reflect.DeepEqual(enc, sse.NewAES256()) {
		t.Errorf("encryption %+v, %v", enc, err)
	}
	// kuratest's KMS has one key, named after its secret.
	h.postSetting("/settings/conf/encryption", url.Values{"algorithm": {sse.KMS}, "kmsKeyId": {" kuratest-key "}})
	if enc, err := h.api.Client.GetBucketEncryption(ctx, "conf"); err != nil || !reflect.DeepEqual(enc, sse.NewKMS("kuratest-key")) {
		t.Errorf("encryption %+v, %v; want SSE-KMS with kuratest-key", enc, err)
	}
	_, body = h.get("/settings/conf")
	if !strings.Contains(body, `<option value="aws:kms" selected>`) || !strings.Contains(body, `value="kuratest-key"`) {
		t.Errorf("the page does not show SSE-KMS:\n%s", body)
	}
	h.postSetting("/settings/conf/encryption", url.Values{"algorithm": {sse.KMS}, "kmsKeyId": {"no-such-key"}})
	if _, body := h.get("/settings/conf"); !strings.Contains(body, `role="alert">Default encryption was not saved: KMS.NotFoundException`) {
		t.Errorf("an unknown KMS key:\n%s", body)
	}
	h.postSetting("/settings/conf/encryption", url.Values{"algorithm": {""}})
	if _, err := h.api.Client.GetBucketEncryption(ctx, "conf"); !client.IsNotFound(err) {
		t.Errorf("encryption after none: %v", err)
	}
	h.postSetting("/settings/conf/encryption", url.Values{"algorithm": {""}}) // none again is no error
	if _, body := h.get("/settings/conf"); !strings.Contains(body, "Default encryption saved.") {
		t.Errorf("removing no encryption:\n%s", body)
	}
}

func TestDefaultRetentionOfAnObjectLockBucket(t *testing.T) {
	h := newSettingsHarness(t)
	h.makeBucket("lockconf", true)
	ctx := context.Background()
	h.postSetting("/settings/lockconf/object-lock", url.Values{"mode": {"COMPLIANCE"}, "days": {"3"}})
	cfg, err := h.api.Client.GetObjectLockConfig(ctx, "lockconf")
	if err != nil || cfg.Rule == nil || cfg.Rule.DefaultRetention != (objectlock.DefaultRetention{Mode: objectlock.Compliance, Days: 3}) {
		t.Fatalf("object lock %+v, %v", cfg, err)
	}
	_, body := h.get("/settings/lockconf")
	if !strings.Contains(body, `<option value="COMPLIANCE" selected>`) || !strings.Contains(body, `name="days" min="0" value="3"`) {
		t.Errorf("the page does not show the default retention:\n%s", body)
	}
	h.postSetting("/settings/lockconf/object-lock", url.Values{"mode": {"GOVERNANCE"}, "days": {"x"}})
	if _, body := h.get("/settings/lockconf"); !strings.Contains(body, "whole numbers") {
		t.Errorf("days that are not a number:\n%s", body)
	}
	// Both days and years: S3 refuses it, the page says so.
	h.postSetting("/settings/lockconf/object-lock", url.Values{"mode": {"GOVERNANCE"}, "days": {"1"}, "years": {"1"}})
	if _, body := h.get("/settings/lockconf"); !strings.Contains(body, `role="alert">Default retention was not saved: `) {
		t.Errorf("days and years:\n%s", body)
	}
	h.postSetting("/settings/lockconf/object-lock", url.Values{"mode": {""}})
	if cfg, err := h.api.Client.GetObjectLockConfig(ctx, "lockconf"); err != nil || cfg.Rule != nil {
		t.Errorf("after removing the default retention: %+v, %v", cfg, err)
	}
	// A bucket without object lock: the server refuses.
	h.makeBucket("nolock", false)
	h.postSetting("/settings/nolock/object-lock", url.Values{"mode": {"GOVERNANCE"}, "days": {"1"}})
	if _, body := h.get("/settings/nolock"); !strings.Contains(body, "Default retention was not saved: ") {
		t.Errorf("default retention without object lock:\n%s", body)
	}
}

func policyOf(bucket string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["*"]},"Action":["s3:GetObject"],"Resource":["arn:aws:s3:::` + bucket + `/*"]}]}`
}

func TestBucketPolicyEditor(t *testing.T) {
	h := newSettingsHarness(t)
	h.makeBucket("pol", false)
	ctx := context.Background()
	good := policyOf("pol")
	h.postSetting("/settings/pol/doc/policy", url.Values{"document": {good}})
	if got, err := h.api.Client.GetBucketPolicy(ctx, "pol"); err != nil || got != good {
		t.Fatalf("policy %q, %v", got, err)
	}
	_, body := h.get("/settings/pol")
	if !strings.Contains(body, "Bucket policy saved.") || !strings.Contains(body, html.EscapeString(indentJSON(good))) {
		t.Errorf("the page does not show the policy:\n%s", body)
	}
	bad := map[string]string{
		"not JSON":          `{"Version": "2012-10-17", "Statement": [ <script>`,
		"another bucket":    policyOf("other"),
		"no such action":    strings.Replace(good, "s3:GetObject", "s3:NoSuchAction", 1),
		"empty":             "",
		"statement missing": `{"Version":"2012-10-17"}`,
	}
	for name, text := range bad {
		resp, body := h.post("/settings/pol/doc/policy", url.Values{"document": {text}, csrfField: {h.csrf()}})
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d", name, resp.StatusCode)
		}
		if !strings.Contains(body, "Bucket policy was not saved.") || !strings.Contains(body, "the policy is not valid") {
			t.Errorf("%s: no error:\n%s", name, body)
		}
		if !strings.Contains(body, `aria-label="Bucket policy" placeholder="Not set.">`+html.EscapeString(text)+`</textarea>`) {
			t.Errorf("%s: the text is not kept:\n%s", name, body)
		}
		if got, _ := h.api.Client.GetBucketPolicy(ctx, "pol"); got != good {
			t.Errorf("%s: the policy changed to %q", name, got)
		}
	}
	h.postSetting("/settings/pol/doc/policy/delete", url.Values{})
	if _, err := h.api.Client.GetBucketPolicy(ctx, "pol"); !client.IsNotFound(err) {
		t.Errorf("after delete: %v", err)
	}
}

func TestDocumentSizeLimit(t *testing.T) {
	h := newSettingsHarness(t)
	h.makeBucket("big", false)
	for _, tc := range []struct {
		size int
		want int
	}{{maxDocumentText, http.StatusBadRequest}, {maxDocumentText + 1, http.StatusRequestEntityTooLarge}} {
		resp, _ := h.post("/settings/big/doc/policy", url.Values{"document": {strings.Repeat("a", tc.size)}, csrfField: {h.csrf()}})
		if resp.StatusCode != tc.want {
			t.Errorf("%d bytes: status %d, want %d", tc.size, resp.StatusCode, tc.want)
		}
	}
}

// xmlDocs are documents the server accepts, one for each XML section.
var xmlDocs = map[string]string{
	"cors": `<CORSConfiguration><CORSRule><ID>web</ID><AllowedOrigin>https://app.example</AllowedOrigin>` +
		`<AllowedMethod>GET</AllowedMethod><MaxAgeSeconds>60</MaxAgeSeconds></CORSRule></CORSConfiguration>`,
	"lifecycle": `<LifecycleConfiguration><Rule><ID>tmp</ID><Status>Enabled</Status><Filter><Prefix>tmp/</Prefix></Filter>` +
		`<Expiration><Days>7</Days></Expiration></Rule></LifecycleConfiguration>`,
	"notification": `<NotificationConfiguration><QueueConfiguration><Id>q</Id><Queue>arn:minio:sqs::1:webhook</Queue>` +
		`<Event>s3:ObjectCreated:*</Event></QueueConfiguration></NotificationConfiguration>`,
}

func TestXMLDocumentsRoundTrip(t *testing.T) {
	h := newSettingsHarness(t)
	h.makeBucket("docs", false)
	ctx := context.Background()
	for name, text := range xmlDocs {
		h.postSetting("/settings/docs/doc/"+name, url.Values{"document": {text}})
		doc, _ := findDocument(name)
		stored, err := doc.get(ctx, h.api.Client, "docs")
		if err != nil || !strings.Contains(stored, "<") {
			t.Fatalf("%s: stored %q, %v", name, stored, err)
		}
		_, body := h.get("/settings/docs")
		if !strings.Contains(body, doc.Title+" saved.") || !strings.Contains(body, html.EscapeString(stored)) {
			t.Errorf("%s: the page does not show the document:\n%s", name, body)
		}
		// What the page shows is accepted back as it is.
		h.postSetting("/settings/docs/doc/"+name, url.Values{"document": {stored}})
		if again, err := doc.get(ctx, h.api.Client, "docs"); err != nil || again != stored {
			t.Errorf("%s: saving the shown text changed it to %q, %v", name, again, err)
		}
	}
	got, err := h.api.Client.GetBucketCors(ctx, "docs")
	want := &cors.Configuration{Rules: []cors.Rule{{ID: "web", AllowedOrigins: []string{"https://app.example"}, AllowedMethods: []string{"GET"}, MaxAgeSeconds: new(60)}}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("CORS %+v, %v", got, err)
	}
	for name := range xmlDocs {
		h.postSetting("/settings/docs/doc/"+name+"/delete", url.Values{})
		doc, _ := findDocument(name)
		if text, err := doc.get(ctx, h.api.Client, "docs"); err != nil || strings.Contains(text, "<Rule>") || strings.Contains(text, "Queue>") || strings.Contains(text, "CORSRule") {
			t.Errorf("%s after delete: %q, %v", name, text, err)
		}
	}
}

func TestInvalidXMLDocumentsAreRefusedWithTheTextKept(t *testing.T) {
	h := newSettingsHarness(t)
	h.makeBucket("badxml", false)
	cases := map[string]string{
		"cors":         `<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin></CORSRule>`, // cut short
		"lifecycle":    `<LifecycleConfiguration><Rule><Status>Sometimes</Status></Rule></LifecycleConfiguration>`,
		"notification": `<NotificationConfiguration><QueueConfiguration><Queue>arn:minio:sqs::nope:webhook</Queue><Event>s3:ObjectCreated:*</Event></QueueConfiguration></NotificationConfiguration>`,
		"replication":  `<ReplicationConfiguration><Role></Role><Rule><Status>Enabled</Status><Priority>1</Priority><DeleteMarkerReplication><Status>Disabled</Status></DeleteMarkerReplication><Filter><Prefix></Prefix></Filter><Destination><Bucket>arn:aws:s3:::nowhere</Bucket></Destination></Rule></ReplicationConfiguration>`,
	}
	for name, text := range cases {
		doc, _ := findDocument(name)
		resp, body := h.post("/settings/badxml/doc/"+name, url.Values{"document": {text}, csrfField: {h.csrf()}})
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, doc.Title+" was not saved.") {
			t.Errorf("%s: status %d\n%s", name, resp.StatusCode, body)
		}
		if !strings.Contains(body, `aria-label="`+doc.Title+`" placeholder="Not set.">`+html.EscapeString(text)+`</textarea>`) {
			t.Errorf("%s: the text is not kept:\n%s", name, body)
		}
		section := between(body, `id="doc-`+name+`"`, "</section>")
		if !strings.Contains(section, `class="error section-error"`) {
			t.Errorf("%s: no error in its section:\n%s", name, section)
		}
	}
	if resp, _ := h.post("/settings/badxml/doc/website", url.Values{"document": {"x"}, csrfField: {h.csrf()}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown document: status %d", resp.StatusCode)
	}
}

func TestSettingsNeedTheCSRFToken(t *testing.T) {
	h := newSettingsHarness(t)
	h.makeBucket("csrfs", false)
	ctx := context.Background()
	posts := map[string]url.Values{
		"/settings/csrfs/versioning":           {"status": {"Enabled"}},
		"/settings/csrfs/encryption":           {"algorithm": {"AES256"}},
		"/settings/csrfs/object-lock":          {"mode": {""}},
		"/settings/csrfs/doc/policy":           {"document": {policyOf("csrfs")}},
		"/settings/csrfs/doc/cors":             {"document": {xmlDocs["cors"]}},
		"/settings/csrfs/doc/policy/delete":    {},
		"/settings/csrfs/doc/lifecycle/delete": {},
	}
	for path, form := range posts {
		if resp, _ := h.post(path, form); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s without a token: status %d", path, resp.StatusCode)
		}
	}
	if v, _ := h.api.Client.GetBucketVersioning(ctx, "csrfs"); v.Status != "" {
		t.Error("versioning changed without a token")
	}
	if _, err := h.api.Client.GetBucketPolicy(ctx, "csrfs"); !client.IsNotFound(err) {
		t.Error("a policy was set without a token")
	}
	if _, err := h.api.Client.GetBucketCors(ctx, "csrfs"); !client.IsNotFound(err) {
		t.Error("CORS was set without a token")
	}
}

func TestSettingsPageShowsEachRefusal(t *testing.T) {
	h := newRefusingHarness(t)
	resp, body := h.get("/settings/private")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d\n%s", resp.StatusCode, body)
	}
	sections := []string{`id="versioning"`, `id="encryption"`, `id="object-lock"`}
	for _, d := range bucketDocuments {
		sections = append(sections, `id="doc-`+d.Name+`"`)
	}
	for _, s := range sections {
		if sec := between(body, s, "</section>"); !strings.Contains(sec, `class="error section-error">AccessDenied: Access Denied.`) {
			t.Errorf("section %s does not show the refusal:\n%s", s, sec)
		}
	}
	if !strings.Contains(body, "Now: unknown") {
		t.Error("a refused versioning state reads as known")
	}
	resp, body = h.post("/settings/private/doc/policy", url.Values{"document": {policyOf("private")}, csrfField: {h.csrf()}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(between(body, `id="doc-policy"`, "</section>"), "AccessDenied") {
		t.Errorf("a refused policy: status %d\n%s", resp.StatusCode, body)
	}
	h.postSetting("/settings/private/versioning", url.Values{"status": {"Enabled"}})
	if _, body := h.get("/settings/private"); !strings.Contains(body, `role="alert">Versioning was not saved: AccessDenied`) {
		t.Errorf("a refused versioning change:\n%s", body)
	}
}

func TestSettingsOfAMissingBucket(t *testing.T) {
	h := newSettingsHarness(t)
	if resp, body := h.get("/settings/no-such-bucket"); resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "NoSuchBucket") {
		t.Errorf("status %d\n%s", resp.StatusCode, body)
	}
}

func TestSettingsAndVersionPagesHaveNoInlineScriptOrStyle(t *testing.T) {
	h := newSettingsHarness(t)
	h.makeBucket("inline", true)
	putVersions(t, h, "inline", "doc", "a", "b")
	_, settings := h.get("/settings/inline")
	_, object := h.get("/object/inline?key=doc")
	for name, body := range map[string]string{"settings": settings, "object": object} {
		if !strings.Contains(body, "data-confirm=") {
			t.Errorf("%s page: no confirmation on its deletes", name)
		}
		for _, bad := range []string{"<script>", "<style", " style=", " onclick=", " onsubmit=", "javascript:"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s page contains %q", name, bad)
			}
		}
	}
}
