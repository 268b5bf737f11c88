package integration

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/kurastore/kura/client"
)

// TestAdminTierCLI adds, lists, checks and removes tiers with "kura admin
// tier": a directory, and a bucket of the server itself as an S3 tier.
func TestAdminTierCLI(t *testing.T) {
	s := startServer(t)
	kc, err := client.New(s.addr, &client.Options{AccessKey: s.accessKey, SecretKey: s.secretKey})
	if err != nil {
		t.Fatal(err)
	}
	if err := kc.MakeBucket(ctx(t), "cold", client.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if out, err := kuraAdminOut(t, s, "tier", "add", "dir", "LOCAL", "--path", dir); err != nil || !strings.Contains(out, "Added tier LOCAL") {
		t.Fatalf("add dir: %v\n%s", err, out)
	}
	// Unreachable, missing or badly named tiers are refused.
	if _, err := kuraAdminOut(t, s, "tier", "add", "dir", "MISSING", "--path", filepath.Join(dir, "absent")); err == nil {
		t.Fatal("a tier on a missing directory was added")
	}
	if _, err := kuraAdminOut(t, s, "tier", "add", "dir", "lower", "--path", dir); err == nil {
		t.Fatal("a lower-case tier name was taken")
	}
	if _, err := kuraAdminOut(t, s, "tier", "add", "s3", "DOWN", "--endpoint", "http://"+freeAddr(t),
		"--bucket", "cold", "--access-key", s.accessKey, "--secret-key", s.secretKey); err == nil {
		t.Fatal("an unreachable s3 tier was added")
	}
	out, err := kuraAdminOut(t, s, "tier", "add", "s3", "REMOTE", "--endpoint", "http://"+s.addr,
		"--bucket", "cold", "--prefix", "tiered", "--access-key", s.accessKey, "--secret-key", s.secretKey, "--region", "us-east-1")
	if err != nil {
		t.Fatalf("add s3: %v\n%s", err, out)
	}
	if _, err := kuraAdminOut(t, s, "tier", "add", "dir", "LOCAL", "--path", dir); err == nil {
		t.Fatal("a second tier LOCAL was added")
	}

	list, err := kuraAdminOut(t, s, "tier", "list")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(list, "LOCAL") || !strings.Contains(list, dir) || !strings.Contains(list, "REMOTE") ||
		!strings.Contains(list, "/cold/tiered") || strings.Contains(list, s.secretKey) {
		t.Fatalf("list:\n%s", list)
	}
	js, err := kuraAdminOut(t, s, "--json", "tier", "list")
	if err != nil || strings.Contains(js, s.secretKey) || !strings.Contains(js, `"secretKey": "REDACTED"`) {
		t.Fatalf("list --json: %v\n%s", err, js)
	}
	status, err := kuraAdminOut(t, s, "tier", "status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(status), "\n")[1:] {
		if !strings.Contains(line, "true") {
			t.Errorf("status: %q", line)
		}
	}
	if strings.Count(status, "\n") != 3 {
		t.Fatalf("status:\n%s", status)
	}

	if out, err := kuraAdminOut(t, s, "tier", "remove", "LOCAL"); err != nil || !strings.Contains(out, "Removed tier LOCAL") {
		t.Fatalf("remove: %v\n%s", err, out)
	}
	if _, err := kuraAdminOut(t, s, "tier", "remove", "LOCAL"); err == nil {
		t.Fatal("a second remove of LOCAL succeeded")
	}
	list, err = kuraAdminOut(t, s, "tier", "list")
	if err != nil || strings.Contains(list, "LOCAL") || !strings.Contains(list, "REMOTE") {
		t.Fatalf("list after remove: %v\n%s", err, list)
	}
}
