package integration

import (
	"context"
	"fmt"
	"io"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/wire/versioning"
)

// consoleLogin logs in through the console's form.
func consoleLogin(home, accessKey, secretKey string) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.Navigate(home + "/login"),
		chromedp.WaitVisible(`form.login`, chromedp.ByQuery),
		chromedp.SendKeys(`input[name=accessKey]`, accessKey, chromedp.ByQuery),
		chromedp.SendKeys(`input[name=secretKey]`, secretKey, chromedp.ByQuery),
		chromedp.Submit(`form.login`, chromedp.ByQuery),
		chromedp.WaitVisible(`table.buckets`, chromedp.ByQuery),
	}
}

func readAll(t *testing.T, sdk *client.Client, bucket, key string) string {
	t.Helper()
	obj, err := sdk.GetObject(context.Background(), bucket, key, client.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	b, err := io.ReadAll(obj)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func versionsOf(t *testing.T, sdk *client.Client, bucket, key string) []string {
	t.Helper()
	var ids []string
	for o, err := range sdk.ListObjects(context.Background(), bucket, client.ListObjectsOptions{Prefix: key, Recursive: true, IncludeVersion: true}) {
		if err != nil {
			t.Fatal(err)
		}
		if o.Key == key {
			ids = append(ids, o.VersionID)
		}
	}
	return ids
}

// The object page lists a key's versions, restores and deletes them and
// edits tags; the settings page edits the bucket policy; a user without
// rights sees the refusals on the settings page.
func TestConsoleVersionsAndSettingsInABrowser(t *testing.T) {
	if testGateways() > 1 {
		t.Skip("the console is tested on one server")
	}
	ctx, dialogs := startBrowser(t)
	consoleAddr := freeAddr(t)
	s := startServer(t, "--console-address", consoleAddr)
	shots := screenshotDir(t)
	home := "http://" + consoleAddr
	c := context.Background()
	sdk, err := client.New(s.addr, &client.Options{AccessKey: s.accessKey, SecretKey: s.secretKey})
	if err != nil {
		t.Fatal(err)
	}
	const bucket, key = "versioned", "notes/today.txt"
	if err := sdk.MakeBucket(c, bucket, client.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := sdk.SetBucketVersioning(c, bucket, &versioning.Configuration{Status: versioning.Enabled}); err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{"the first version", "the second version"} {
		if _, err := sdk.PutObject(c, bucket, key, strings.NewReader(body), int64(len(body)), client.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	original := versionsOf(t, sdk, bucket, key) // newest first

	// The object page lists both versions; restore the older one.
	var rows int
	err = chromedp.Run(ctx,
		consoleLogin(home, s.accessKey, s.secretKey),
		chromedp.Navigate(home+"/browse/"+bucket+"?prefix=notes%2F"),
		chromedp.Click(`tr.object td.key a`, chromedp.ByQuery),
		chromedp.WaitVisible(`table.versions`, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll("tr.version").length`, &rows),
	)
	if err != nil {
		t.Fatalf("open the object page: %v", err)
	}
	if rows != 2 {
		t.Fatalf("%d versions listed, want 2", rows)
	}
	var notice string
	err = chromedp.Run(ctx,
		chromedp.Click(`form.restore button`, chromedp.ByQuery),
		chromedp.WaitVisible(`p.notice`, chromedp.ByQuery),
		chromedp.Text(`p.notice`, &notice, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll("tr.version").length`, &rows),
		screenshot(shots, "console-object-versions"),
	)
	if err != nil {
		t.Fatalf("restore: %v", err)
	}
	if got := readAll(t, sdk, bucket, key); got != "the first version" {
		t.Errorf("after restoring, the object reads %q, want the first version's bytes", got)
	}
	if !strings.Contains(notice, "Restored version "+original[1]) || rows != 3 {
		t.Errorf("notice %q, %d versions listed", notice, rows)
	}

	// Deleting asks first: dismissed, nothing happens; accepted, the
	// oldest version goes.
	oldest := `tr.version:last-of-type form.delete-version button`
	if err := chromedp.Run(ctx, chromedp.Click(oldest, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the delete's confirmation", 10*time.Second, func() bool { return dialogs.Load() == 1 })
	if n := len(versionsOf(t, sdk, bucket, key)); n != 3 {
		t.Fatalf("a dismissed delete left %d versions, want 3", n)
	}
	var accepted bool
	err = chromedp.Run(ctx,
		chromedp.Evaluate(`window.confirm = () => true; true`, &accepted),
		clearFlash(),
		chromedp.Click(oldest, chromedp.ByQuery),
		chromedp.WaitVisible(`p.notice`, chromedp.ByQuery),
		chromedp.Text(`p.notice`, &notice, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("delete a version: %v", err)
	}
	left := versionsOf(t, sdk, bucket, key)
	if len(left) != 2 || left[1] != original[0] || notice != "Deleted version "+original[1]+"." {
		t.Errorf("after deleting %s: versions %v, notice %q", original[1], left, notice)
	}

	// Tags through the page.
	err = chromedp.Run(ctx,
		clearFlash(),
		chromedp.SendKeys(`form.tags input[name=tagKey]`, "team", chromedp.ByQuery),
		chromedp.SendKeys(`form.tags input[name=tagValue]`, "storage", chromedp.ByQuery),
		chromedp.Click(`form.tags button`, chromedp.ByQuery),
		chromedp.WaitVisible(`p.notice`, chromedp.ByQuery),
		chromedp.Text(`p.notice`, &notice, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("edit tags: %v", err)
	}
	tags, err := sdk.GetObjectTags(c, bucket, key, client.ObjectTagsOptions{})
	if err != nil || !maps.Equal(tags, map[string]string{"team": "storage"}) || notice != "Saved the tags." {
		t.Errorf("tags %v, %v; notice %q", tags, err, notice)
	}

	// The bucket policy editor: a bad policy is refused and kept, a good
	// one stored.
	bad := `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::another-bucket/*", "Principal": "*"}]}`
	good := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["*"]},"Action":["s3:GetObject"],"Resource":["arn:aws:s3:::%s/public/*"]}]}`, bucket)
	var sectionError, kept string
	err = chromedp.Run(ctx,
		chromedp.Click(`nav.crumbs a.settings`, chromedp.ByQuery),
		chromedp.WaitVisible(`#doc-policy textarea`, chromedp.ByQuery),
		chromedp.SetValue(`#doc-policy textarea`, bad, chromedp.ByQuery),
		chromedp.Click(`#doc-policy form.doc button`, chromedp.ByQuery),
		chromedp.WaitVisible(`#doc-policy p.section-error`, chromedp.ByQuery),
		chromedp.Text(`#doc-policy p.section-error`, &sectionError, chromedp.ByQuery),
		chromedp.Value(`#doc-policy textarea`, &kept, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("a bad policy: %v", err)
	}
	if !strings.Contains(sectionError, "the policy is not valid") || kept != bad {
		t.Errorf("a bad policy: error %q, text kept %q", sectionError, kept)
	}
	if _, err := sdk.GetBucketPolicy(c, bucket); !client.IsNotFound(err) {
		t.Errorf("a bad policy was stored: %v", err)
	}
	err = chromedp.Run(ctx,
		chromedp.SetValue(`#doc-policy textarea`, good, chromedp.ByQuery),
		chromedp.Click(`#doc-policy form.doc button`, chromedp.ByQuery),
		chromedp.WaitVisible(`p.notice`, chromedp.ByQuery),
		chromedp.Text(`p.notice`, &notice, chromedp.ByQuery),
		screenshot(shots, "console-settings"),
	)
	if err != nil {
		t.Fatalf("a good policy: %v", err)
	}
	if got, err := sdk.GetBucketPolicy(c, bucket); err != nil || got != good || notice != "Bucket policy saved." {
		t.Errorf("policy %q, %v; notice %q", got, err, notice)
	}

	// A user who may only list buckets sees each section refused.
	const user, secret = "settings-reader", "settings-reader-secret"
	addUserWithPolicy(t, s, user, secret, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:ListAllMyBuckets"],"Resource":["arn:aws:s3:::*"]}]}`)
	var refusals int
	err = chromedp.Run(ctx,
		chromedp.Click(`form.logout button`, chromedp.ByQuery),
		chromedp.WaitVisible(`form.login`, chromedp.ByQuery),
		consoleLogin(home, user, secret),
		chromedp.Click(`a.settings[href="/settings/`+bucket+`"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#doc-policy`, chromedp.ByQuery),
		chromedp.Evaluate(`[...document.querySelectorAll("section.setting p.section-error")].filter(p => p.textContent.startsWith("AccessDenied")).length`, &refusals),
		screenshot(shots, "console-settings-refused"),
		chromedp.SetValue(`#doc-policy textarea`, good, chromedp.ByQuery),
		chromedp.Click(`#doc-policy form.doc button`, chromedp.ByQuery),
		chromedp.WaitVisible(`p.error[role=alert]`, chromedp.ByQuery),
		chromedp.Text(`#doc-policy p.section-error`, &sectionError, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("the settings page as a user without rights: %v", err)
	}
	// Versioning, encryption, object lock, and the five documents.
	if refusals != 8 {
		t.Errorf("%d sections show AccessDenied, want 8", refusals)
	}
	if !strings.HasPrefix(sectionError, "AccessDenied") {
		t.Errorf("saving a policy without rights: %q", sectionError)
	}
	if got, _ := sdk.GetBucketPolicy(c, bucket); got != good {
		t.Errorf("the user without rights changed the policy to %q", got)
	}
}

// clearFlash removes the page's notice and error, so that waiting for the
// next one waits for the page a click loads, not the one already shown
// (reading that as the page goes away fails with "Cannot find context").
func clearFlash() chromedp.Action {
	var done bool
	return chromedp.Evaluate(`document.querySelectorAll("main > p.notice, main > p.error").forEach(p => p.remove()); true`, &done)
}
