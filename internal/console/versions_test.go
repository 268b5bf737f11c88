package console

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/wire/objectlock"
	"github.com/kurastore/kura/wire/versioning"
)

// versionedBucket makes bucket with versioning on and puts each body
// under key in turn; it returns the version IDs, oldest first.
func versionedBucket(t *testing.T, h *harness, bucket, key string, bodies ...string) []string {
	t.Helper()
	ctx := context.Background()
	if err := h.api.Client.MakeBucket(ctx, bucket, client.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := h.api.Client.SetBucketVersioning(ctx, bucket, &versioning.Configuration{Status: versioning.Enabled}); err != nil {
		t.Fatal(err)
	}
	return putVersions(t, h, bucket, key, bodies...)
}

func putVersions(t *testing.T, h *harness, bucket, key string, bodies ...string) []string {
	t.Helper()
	var ids []string
	for _, b := range bodies {
		info, err := h.api.Client.PutObject(context.Background(), bucket, key, strings.NewReader(b), int64(len(b)), client.PutObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, info.VersionID)
	}
	return ids
}

func (h *harness) content(bucket, key string) string {
	h.t.Helper()
	obj, err := h.api.Client.GetObject(context.Background(), bucket, key, client.GetObjectOptions{})
	if err != nil {
		h.t.Fatalf("reading %s: %v", key, err)
	}
	defer obj.Close()
	b, err := io.ReadAll(obj)
	if err != nil {
		h.t.Fatal(err)
	}
	return string(b)
}

func (h *harness) versionIDs(bucket, key string) []string {
	h.t.Helper()
	var ids []string
	for _, v := range listVersions(context.Background(), h.api.Client, bucket, key).Versions {
		ids = append(ids, v.VersionID)
	}
	return ids
}

func TestObjectPageListsTheVersionsOfExactlyTheKey(t *testing.T) {
	h := newHarness(t, nil)
	ids := versionedBucket(t, h, "vers", "doc", "old bytes", "new bytes")
	putVersions(t, h, "vers", "doc2", "another key")
	h.loginRoot()
	resp, body := h.get("/object/vers?key=doc")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if n := strings.Count(body, `<tr class="version`); n != 2 {
		t.Errorf("%d versions listed, want 2 (doc2's must not be):\n%s", n, body)
	}
	if !strings.Contains(body, `<tr class="version latest">`) || strings.Count(body, `class="flag">latest<`) != 1 {
		t.Errorf("the latest version is not marked once:\n%s", body)
	}
	for _, id := range ids {
		if !strings.Contains(body, `/download/vers?key=doc&amp;versionId=`+url.QueryEscape(id)) {
			t.Errorf("no download link of version %s", id)
		}
	}
	// The older version is restorable; the latest is not.
	if n := strings.Count(body, `action="/object/vers/restore"`); n != 1 {
		t.Errorf("%d restore forms, want 1", n)
	}
	resp, got := h.get("/download/vers?key=doc&versionId=" + url.QueryEscape(ids[0]))
	if resp.StatusCode != http.StatusOK || got != "old bytes" {
		t.Errorf("download of the old version: %d %q", resp.StatusCode, got)
	}
	_, body = h.get("/object/vers?key=doc&versionId=" + url.QueryEscape(ids[0]))
	if !strings.Contains(body, "9 bytes") || !strings.Contains(body, ">current version<") {
		t.Errorf("the page of the old version:\n%s", body)
	}
}

func TestVersionListIsBounded(t *testing.T) {
	h := newHarness(t, nil)
	bodies := make([]string, maxVersionsShown)
	for i := range bodies {
		bodies[i] = fmt.Sprint(i)
	}
	versionedBucket(t, h, "many", "k", bodies...)
	ctx := context.Background()
	if l := listVersions(ctx, h.api.Client, "many", "k"); len(l.Versions) != maxVersionsShown || l.More || l.Error != "" {
		t.Fatalf("%d versions: listed %d, more %v, error %q", maxVersionsShown, len(l.Versions), l.More, l.Error)
	}
	putVersions(t, h, "many", "k", "one more")
	l := listVersions(ctx, h.api.Client, "many", "k")
	if len(l.Versions) != maxVersionsShown || !l.More {
		t.Fatalf("%d versions: listed %d, more %v", maxVersionsShown+1, len(l.Versions), l.More)
	}
	h.loginRoot()
	if _, body := h.get("/object/many?key=k"); !strings.Contains(body, fmt.Sprintf("Only the newest %d versions are listed.", maxVersionsShown)) {
		t.Error("the page does not say the list is cut")
	}
}

func TestRestoringAVersionMakesItCurrent(t *testing.T) {
	h := newHarness(t, nil)
	ids := versionedBucket(t, h, "restore", "dir/doc", "old bytes", "new bytes")
	h.loginRoot()
	resp, _ := h.post("/object/restore/restore", url.Values{"key": {"dir/doc"}, "versionId": {ids[0]}, csrfField: {h.csrf()}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/object/restore?key=dir%2Fdoc" {
		t.Fatalf("status %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if got := h.content("restore", "dir/doc"); got != "old bytes" {
		t.Errorf("current content %q, want the old bytes", got)
	}
	if got := h.versionIDs("restore", "dir/doc"); len(got) != 3 || got[1] != ids[1] || got[2] != ids[0] {
		t.Errorf("versions after restore %v, want a new one above %v", got, ids)
	}
	if _, body := h.get("/object/restore?key=dir%2Fdoc"); !strings.Contains(body, "Restored version "+ids[0]) {
		t.Errorf("no notice:\n%s", body)
	}
	if resp, _ := h.post("/object/restore/restore", url.Values{"key": {"dir/doc"}, csrfField: {h.csrf()}}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("restore without a version: status %d", resp.StatusCode)
	}
	h.post("/object/restore/restore", url.Values{"key": {"dir/doc"}, "versionId": {"no-such-version"}, csrfField: {h.csrf()}})
	if _, body := h.get("/object/restore?key=dir%2Fdoc"); !strings.Contains(body, `role="alert">Version no-such-version was not restored: `) {
		t.Errorf("a failed restore is not reported:\n%s", body)
	}
}

func TestDeletingVersionsAndDeleteMarkers(t *testing.T) {
	h := newHarness(t, nil)
	ids := versionedBucket(t, h, "delv", "doc", "old", "new")
	h.loginRoot()
	del := func(id string) *http.Response {
		resp, _ := h.post("/object/delv/versions/delete", url.Values{"key": {"doc"}, "versionId": {id}, csrfField: {h.csrf()}})
		return resp
	}
	if resp := del(ids[0]); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: status %d", resp.StatusCode)
	}
	if got := h.versionIDs("delv", "doc"); fmt.Sprint(got) != fmt.Sprint(ids[1:]) {
		t.Fatalf("versions %v, want %v", got, ids[1:])
	}
	// A delete marker on top: the page still lists the versions.
	ctx := context.Background()
	if err := h.api.Client.RemoveObject(ctx, "delv", "doc", client.RemoveObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	resp, body := h.get("/object/delv?key=doc")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "is a delete marker") || !strings.Contains(body, `<tr class="version latest delete-marker">`) {
		t.Fatalf("status %d:\n%s", resp.StatusCode, body)
	}
	marker := h.versionIDs("delv", "doc")[0]
	del(marker)
	if got := h.content("delv", "doc"); got != "new" {
		t.Errorf("after deleting the marker the object reads %q", got)
	}
	// With no version at all the page is a 404.
	del(ids[1])
	if resp, _ := h.get("/object/delv?key=doc"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("no versions left: status %d", resp.StatusCode)
	}
}

func TestRetentionLegalHoldAndLockedDeletes(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	if err := h.api.Client.MakeBucket(ctx, "locked", client.MakeBucketOptions{ObjectLock: true}); err != nil {
		t.Fatal(err)
	}
	id := putVersions(t, h, "locked", "doc", "kept")[0]
	h.loginRoot()
	page := "/object/locked?key=doc&versionId=" + url.QueryEscape(id)
	if _, body := h.get(page); !strings.Contains(body, `action="/object/locked/retention"`) || !strings.Contains(body, "Legal hold: off") {
		t.Fatalf("no lock forms:\n%s", body)
	}
	until := time.Now().UTC().Add(48 * time.Hour).Truncate(time.Minute)
	post := func(path string, form url.Values) {
		t.Helper()
		form.Set("key", "doc")
		form.Set("versionId", id)
		form.Set(csrfField, h.csrf())
		if resp, _ := h.post(path, form); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: status %d", path, resp.StatusCode)
		}
	}
	post("/object/locked/retention", url.Values{"mode": {"GOVERNANCE"}, "until": {until.Format(retainUntilLayout)}})
	ret, err := h.api.Client.GetObjectRetention(ctx, "locked", "doc", client.ObjectLockOptions{VersionID: id})
	if err != nil || ret.Mode != objectlock.Governance || !ret.RetainUntilDate.Equal(until) {
		t.Fatalf("retention %+v, %v; want governance until %v", ret, err, until)
	}
	post("/object/locked/legal-hold", url.Values{"status": {"ON"}})
	if on, err := h.api.Client.IsObjectLegalHoldEnabled(ctx, "locked", "doc", client.ObjectLockOptions{VersionID: id}); !on || err != nil {
		t.Fatalf("legal hold %v, %v", on, err)
	}
	_, body := h.get(page)
	if !strings.Contains(body, "Legal hold: on") || !strings.Contains(body, `value="`+until.Format(retainUntilLayout)+`"`) {
		t.Errorf("the page does not show the lock:\n%s", body)
	}
	// A version under a legal hold cannot be deleted, bypass or not.
	post("/object/locked/versions/delete", url.Values{"bypass": {"on"}})
	if _, body := h.get(page); !strings.Contains(body, `role="alert">Version `+id+` was not deleted: AccessDenied`) {
		t.Errorf("the refused delete is not reported:\n%s", body)
	}
	post("/object/locked/legal-hold", url.Values{"status": {"OFF"}})
	// Governance retention: refused without the bypass, allowed with it
	// (the root may bypass).
	post("/object/locked/versions/delete", url.Values{})
	if _, body := h.get(page); !strings.Contains(body, "was not deleted: AccessDenied") {
		t.Errorf("a delete under retention without bypass:\n%s", body)
	}
	// Shortening the retention needs the bypass too.
	post("/object/locked/retention", url.Values{"mode": {"GOVERNANCE"}, "until": {until.Add(-time.Hour).Format(retainUntilLayout)}})
	if _, body := h.get(page); !strings.Contains(body, "The retention was not saved: AccessDenied") {
		t.Errorf("shortening without bypass:\n%s", body)
	}
	post("/object/locked/retention", url.Values{"mode": {"GOVERNANCE"}, "until": {"not a date"}})
	if _, body := h.get(page); !strings.Contains(body, "not a date") {
		t.Errorf("a bad date:\n%s", body)
	}
	post("/object/locked/versions/delete", url.Values{"bypass": {"on"}})
	if got := h.versionIDs("locked", "doc"); len(got) != 0 {
		t.Errorf("versions left %v", got)
	}
}

func TestRetentionWithoutObjectLockShowsTheRefusal(t *testing.T) {
	h := newHarness(t, nil)
	id := versionedBucket(t, h, "plain", "doc", "x")[0]
	h.loginRoot()
	page := "/object/plain?key=doc"
	if _, body := h.get(page); !strings.Contains(body, "This bucket has no object lock") || strings.Contains(body, `action="/object/plain/retention"`) {
		t.Errorf("the page offers retention without object lock:\n%s", body)
	}
	until := time.Now().UTC().Add(time.Hour).Format(retainUntilLayout)
	resp, _ := h.post("/object/plain/retention", url.Values{"key": {"doc"}, "versionId": {id}, "mode": {"GOVERNANCE"}, "until": {until}, csrfField: {h.csrf()}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("status %d", resp.StatusCode)
	}
	resp, body := h.get(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "The retention was not saved: InvalidRequest") {
		t.Errorf("status %d:\n%s", resp.StatusCode, body)
	}
	h.post("/object/plain/legal-hold", url.Values{"key": {"doc"}, "status": {"ON"}, csrfField: {h.csrf()}})
	if _, body := h.get(page); !strings.Contains(body, "The legal hold was not changed: InvalidRequest") {
		t.Errorf("legal hold without object lock:\n%s", body)
	}
}

// versionActions are the POSTs of the object page that change a
// version.
var versionActions = []string{"/object/csrfv/restore", "/object/csrfv/versions/delete", "/object/csrfv/retention", "/object/csrfv/legal-hold", "/object/csrfv/tags"}

func TestVersionActionsNeedTheCSRFToken(t *testing.T) {
	h := newHarness(t, nil)
	ids := versionedBucket(t, h, "csrfv", "doc", "old", "new")
	h.loginRoot()
	for _, path := range versionActions {
		form := url.Values{"key": {"doc"}, "versionId": {ids[0]}, "tagKey": {"a"}, "tagValue": {"b"}}
		if resp, _ := h.post(path, form); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s without a token: status %d", path, resp.StatusCode)
		}
	}
	if got := h.versionIDs("csrfv", "doc"); len(got) != 2 || h.content("csrfv", "doc") != "new" {
		t.Errorf("a POST without a token changed the versions: %v", got)
	}
}

// refusingAPI answers every S3 request with AccessDenied, as kura does
// for an identity without rights; a login there succeeds (the refusal
// proves the signature was checked).
func newRefusingHarness(t *testing.T) *harness {
	t.Helper()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied.</Message></Error>`)
	}))
	t.Cleanup(api.Close)
	c, err := New(Config{NewClient: func(ak, sk, token string) (*client.Client, error) {
		return client.New(api.URL, &client.Options{AccessKey: ak, SecretKey: sk, SessionToken: token, MaxRetries: -1})
	}})
	if err != nil {
		t.Fatal(err)
	}
	web := httptest.NewServer(c)
	t.Cleanup(web.Close)
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	h := &harness{t: t, console: c, web: web, browser: browser}
	if resp := h.loginAs("nobody", "secret"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: status %d", resp.StatusCode)
	}
	return h
}

func TestVersionActionsShowRefusals(t *testing.T) {
	h := newRefusingHarness(t)
	resp, body := h.get("/object/bkt?key=doc")
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "AccessDenied") {
		t.Errorf("object page: status %d\n%s", resp.StatusCode, body)
	}
	messages := map[string]string{
		"/object/bkt/restore":         "was not restored: AccessDenied",
		"/object/bkt/versions/delete": "was not deleted: AccessDenied",
		"/object/bkt/retention":       "The retention was not saved: AccessDenied",
		"/object/bkt/legal-hold":      "The legal hold was not changed: AccessDenied",
	}
	for path, want := range messages {
		form := url.Values{"key": {"doc"}, "versionId": {"v1"}, "mode": {""}, csrfField: {h.csrf()}}
		resp, _ := h.post(path, form)
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("%s: status %d", path, resp.StatusCode)
			continue
		}
		var p page
		for _, s := range h.console.sessions.sessions {
			s.takeFlash(&p)
		}
		if !strings.Contains(p.Error, want) {
			t.Errorf("%s: error %q, want %q", path, p.Error, want)
		}
	}
}
