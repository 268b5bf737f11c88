package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/kurastore/kura/admin"
	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/wire/versioning"
)

// usageObjects is one past the console's listing count: a listing would
// say "more than 1,000".
const usageObjects = 1001

// fillUsage makes "big" (usageObjects objects of 3 bytes, and an
// unfinished upload of one 5-byte part) and "history" (versioned: a key
// written twice and another deleted).
func fillUsage(t *testing.T, s *server) {
	t.Helper()
	c := context.Background()
	sdk, err := client.New(s.addr, &client.Options{AccessKey: s.accessKey, SecretKey: s.secretKey, Secure: s.https})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{"big", "history"} {
		if err := sdk.MakeBucket(c, b, client.MakeBucketOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	keys := make(chan int)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			for k := range keys {
				if _, err := sdk.PutObject(c, "big", fmt.Sprintf("k%04d", k), strings.NewReader("abc"), 3, client.PutObjectOptions{}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for k := range usageObjects {
		keys <- k
	}
	close(keys)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	up, err := sdk.CreateMultipartUpload(c, "big", "unfinished", client.PutObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sdk.UploadPart(c, up, 1, strings.NewReader("parts"), 5, client.UploadPartOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := sdk.SetBucketVersioning(c, "history", &versioning.Configuration{Status: "Enabled"}); err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{"1", "22"} {
		if _, err := sdk.PutObject(c, "history", "k", strings.NewReader(body), int64(len(body)), client.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := sdk.PutObject(c, "history", "gone", strings.NewReader("4444"), 4, client.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := sdk.RemoveObject(c, "history", "gone", client.RemoveObjectOptions{}); err != nil {
		t.Fatal(err)
	}
}

var (
	bigUsage     = admin.BucketUsage{Bucket: "big", Objects: usageObjects, Versions: usageObjects, Bytes: 3 * usageObjects, Uploads: 1, UploadParts: 1, UploadBytes: 5}
	historyUsage = admin.BucketUsage{Bucket: "history", Objects: 1, Versions: 4, DeleteMarkers: 1, Bytes: 7}
)

// TestAdminUsageCommand: kura admin usage reports the exact counters,
// as a table and as JSON, for every bucket or one.
func TestAdminUsageCommand(t *testing.T) {
	s := startServer(t)
	fillUsage(t, s)

	var all []admin.BucketUsage
	if err := json.Unmarshal([]byte(kuraAdmin(t, s, "usage", "--json")), &all); err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0] != bigUsage || all[1] != historyUsage {
		t.Errorf("usage --json:\n got %+v\nwant %+v, %+v", all, bigUsage, historyUsage)
	}
	table := kuraAdmin(t, s, "usage")
	for _, want := range []string{
		"big 1001 2.9 KiB 3003 1001 0 1 5",
		"history 1 7 B 7 4 1 0 0",
		"(total) 1002 2.9 KiB 3010 1005 1 1 5",
	} {
		if !strings.Contains(collapseSpaces(table), want) {
			t.Errorf("usage table lacks %q:\n%s", want, table)
		}
	}
	var one []admin.BucketUsage
	if err := json.Unmarshal([]byte(kuraAdmin(t, s, "usage", "history", "--json")), &one); err != nil || len(one) != 1 || one[0] != historyUsage {
		t.Errorf("usage history --json: %+v %v", one, err)
	}
	if out := kuraAdminFails(t, s, "usage", "nosuch"); !strings.Contains(out, "NoSuchBucket") {
		t.Errorf("usage of an unknown bucket:\n%s", out)
	}
}

func collapseSpaces(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.Join(strings.Fields(l), " ")
	}
	return strings.Join(lines, "\n")
}

// TestConsoleBucketSizesFromTheUsageReport: through a real kura's
// console, root sees the exact count of a bucket past the listing bound;
// a user without admin:DataUsageInfo sees the bounded count.
func TestConsoleBucketSizesFromTheUsageReport(t *testing.T) {
	if testGateways() > 1 {
		t.Skip("the console is tested on one server")
	}
	consoleAddr := freeAddr(t)
	s := startServer(t, "--console-address", consoleAddr)
	fillUsage(t, s)
	ac, err := admin.New(s.addr, s.accessKey, s.secretKey, false)
	if err != nil {
		t.Fatal(err)
	}
	c := context.Background()
	const user, secret = "usage-lister", "usage-lister-secret"
	if err := ac.AddUser(c, user, secret); err != nil {
		t.Fatal(err)
	}
	if err := ac.AttachPolicy(c, "readwrite", user, ""); err != nil {
		t.Fatal(err)
	}

	for _, who := range []struct {
		access, secret string
		want, not      []string
	}{
		{s.accessKey, s.secretKey, []string{"<td>1,001</td>", `title="3003 bytes"`, "exact usage counters"}, []string{"more than"}},
		{user, secret, []string{"more than 1,000", "counted by listing"}, []string{"1,001", "exact usage counters"}},
	} {
		cs := newConsoleSession(t, "http://"+consoleAddr)
		if status, body := cs.send(http.MethodPost, "/login", url.Values{"accessKey": {who.access}, "secretKey": {who.secret}}); status != http.StatusSeeOther {
			t.Fatalf("login as %s: status %d\n%s", who.access, status, body)
		}
		_, body := cs.send(http.MethodGet, "/buckets", nil)
		for _, w := range who.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: the buckets page lacks %q", who.access, w)
			}
		}
		for _, n := range who.not {
			if strings.Contains(body, n) {
				t.Errorf("%s: the buckets page has %q", who.access, n)
			}
		}
	}
}
