package integration

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/kurastore/kura/client"
)

// Root makes a user with a policy through the identity pages and sees the
// health charts; the new user then logs in and may do what the policy
// allows and nothing else: no identity pages, no metrics.
func TestConsoleAdminInABrowser(t *testing.T) {
	if testGateways() > 1 {
		t.Skip("the console is tested on one server")
	}
	ctx, dialogs := startBrowser(t)
	consoleAddr := freeAddr(t)
	s := startServer(t, "--console-address", consoleAddr)
	shots := screenshotDir(t)
	home := "http://" + consoleAddr
	sdk, err := client.New(s.addr, &client.Options{AccessKey: s.accessKey, SecretKey: s.secretKey})
	if err != nil {
		t.Fatal(err)
	}
	c := context.Background()
	for _, b := range []string{"alpha", "beta"} {
		if err := sdk.MakeBucket(c, b, client.MakeBucketOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := sdk.PutObject(c, b, "note.txt", bytes.NewReader([]byte("hi")), 2, client.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	const policy = `{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":["s3:ListAllMyBuckets"],"Resource":["arn:aws:s3:::*"]},
  {"Effect":"Allow","Action":["s3:ListBucket","s3:GetObject"],"Resource":["arn:aws:s3:::alpha","arn:aws:s3:::alpha/*"]}]}`

	// Root: a policy, then a user with it, through the forms.
	var userRow string
	err = chromedp.Run(ctx,
		chromedp.Navigate(home+"/login"),
		chromedp.WaitVisible(`form.login`),
		chromedp.SendKeys(`input[name=accessKey]`, s.accessKey),
		chromedp.SendKeys(`input[name=secretKey]`, s.secretKey),
		chromedp.Submit(`form.login`),
		chromedp.WaitVisible(`table.buckets`),
		chromedp.Navigate(home+"/iam/policies"),
		chromedp.WaitVisible(`form.iam-policy`),
		chromedp.SendKeys(`form.iam-policy input[name=name]`, "alpha-read"),
		chromedp.SetValue(`form.iam-policy textarea[name=document]`, policy),
		chromedp.Submit(`form.iam-policy`),
		chromedp.WaitVisible(`pre.policy-json`),
		chromedp.Navigate(home+"/iam/users"),
		chromedp.WaitVisible(`form.iam-create`),
		chromedp.SendKeys(`form.iam-create input[name=accessKey]`, "dana"),
		chromedp.SendKeys(`form.iam-create input[name=secretKey]`, "dana-secret-1"),
		chromedp.SendKeys(`form.iam-create input[name=policy]`, "alpha-read"),
		chromedp.Submit(`form.iam-create`),
		chromedp.WaitVisible(`tr[data-user="dana"]`),
		chromedp.Text(`tr[data-user="dana"]`, &userRow),
		screenshot(shots, "console-users"),
	)
	if err != nil {
		t.Fatalf("root creates a policy and a user: %v", err)
	}
	if !strings.Contains(userRow, "alpha-read") || !strings.Contains(userRow, "enabled") {
		t.Errorf("dana's row: %q", userRow)
	}

	// Root's health page: the checks and at least one chart.
	var checks string
	var paths int
	err = chromedp.Run(ctx,
		chromedp.Navigate(home+"/health"),
		chromedp.WaitVisible(`#charts svg path`),
		// The page's script fetches fresh charts every 5 seconds: with a
		// second scrape, the rates (the first chart) are drawn too.
		chromedp.WaitVisible(`#charts figure:first-child svg path`),
		chromedp.Text(`ul.checks`, &checks),
		chromedp.Evaluate(`document.querySelectorAll("#charts svg path").length`, &paths),
		screenshot(shots, "console-health"),
	)
	if err != nil {
		t.Fatalf("root's health page: %v", err)
	}
	if !strings.Contains(checks, "live: OK") || !strings.Contains(checks, "ready: OK") || paths == 0 {
		t.Errorf("health checks %q, %d chart paths", checks, paths)
	}

	// The session ends while the page is open (the cookie is gone): the
	// next refresh goes to the login page instead of drawing it as charts.
	var where string
	err = chromedp.Run(ctx, network.ClearBrowserCookies(),
		chromedp.WaitVisible(`body > main > form.login`, chromedp.ByQuery),
		chromedp.Evaluate(`location.pathname`, &where))
	if err != nil || where != "/login" {
		t.Fatalf("the health page after its session ended: %v, at %q", err, where)
	}

	// Dana: alpha is readable, beta refused, no identities, no metrics.
	var alphaRow, betaRow, usersPage, healthPage string
	var charts int
	err = chromedp.Run(ctx,
		chromedp.SendKeys(`input[name=accessKey]`, "dana"),
		chromedp.SendKeys(`input[name=secretKey]`, "dana-secret-1"),
		chromedp.Submit(`form.login`),
		chromedp.WaitVisible(`table.buckets`),
		chromedp.Text(`//tr[td/a[@href="/browse/alpha"]]`, &alphaRow, chromedp.BySearch),
		chromedp.Text(`//tr[td/a[@href="/browse/beta"]]`, &betaRow, chromedp.BySearch),
		chromedp.Navigate(home+"/iam/users"),
		chromedp.WaitVisible(`table.users`),
		chromedp.Text(`main`, &usersPage),
		chromedp.Navigate(home+"/health"),
		chromedp.WaitVisible(`ul.checks`),
		chromedp.Text(`main`, &healthPage),
		chromedp.Evaluate(`document.querySelectorAll("svg").length`, &charts),
	)
	if err != nil {
		t.Fatalf("dana's pages: %v", err)
	}
	if strings.Contains(alphaRow, "AccessDenied") || !strings.Contains(alphaRow, "1") {
		t.Errorf("alpha's row for dana: %q", alphaRow)
	}
	if !strings.Contains(betaRow, "AccessDenied") {
		t.Errorf("beta's row for dana: %q", betaRow)
	}
	if !strings.Contains(usersPage, "AccessDenied") || strings.Contains(usersPage, s.accessKey+"\n") {
		t.Errorf("dana's users page:\n%s", usersPage)
	}
	if !strings.Contains(healthPage, "Metrics: AccessDenied") || charts != 0 {
		t.Errorf("dana's health page (%d svg):\n%s", charts, healthPage)
	}
	if n := dialogs.Load(); n != 0 {
		t.Errorf("%d JavaScript dialogs opened", n)
	}
}

// The admin calls the identity pages added are in the CLI too: the
// console can do nothing the CLI cannot.
func TestAdminPolicyShowAndGroupDelete(t *testing.T) {
	s := startServer(t)
	dir := t.TempDir()
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::photos/*"]}]}`
	file := filepath.Join(dir, "p.json")
	if err := os.WriteFile(file, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"policy", "create", "photos", file},
		{"user", "add", "gina", "gina-secret-1"},
		{"group", "add", "viewers", "gina"},
	} {
		if out, err := kuraAdminOut(t, s, args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	out, err := kuraAdminOut(t, s, "policy", "show", "photos")
	if err != nil || !strings.Contains(out, `"arn:aws:s3:::photos/*"`) {
		t.Fatalf("policy show: %v\n%s", err, out)
	}
	if out, err := kuraAdminOut(t, s, "group", "delete", "viewers"); err != nil || !strings.Contains(out, "Deleted group viewers.") {
		t.Fatalf("group delete: %v\n%s", err, out)
	}
	if out, _ := kuraAdminOut(t, s, "group", "list"); strings.Contains(out, "viewers") {
		t.Errorf("the group is still listed:\n%s", out)
	}
	if _, err := kuraAdminOut(t, s, "group", "delete", "viewers"); err == nil {
		t.Error("deleting a deleted group succeeded")
	}
}
