package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/kurastore/kura/admin"
)

// kuraAdmin runs `kura admin ARGS` against s with the root keys.
func kuraAdmin(t *testing.T, s *server, args ...string) string {
	t.Helper()
	cmd := exec.Command(kuraBin, append([]string{"admin"}, args...)...)
	cmd.Env = append(os.Environ(), "KURA_ENDPOINT="+s.url(), "KURA_ACCESS_KEY="+s.accessKey, "KURA_SECRET_KEY="+s.secretKey)
	if s.https {
		// Go's TLS trusts the CA file SSL_CERT_FILE names.
		cmd.Env = append(cmd.Env, "SSL_CERT_FILE="+caFile(s))
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("kura admin %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func clientAs(s *server, access, secret string) *s3.Client {
	return s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(s.url()), UsePathStyle: true,
		Credentials: awscreds.NewStaticCredentialsProvider(access, secret, ""),
	})
}

func TestAdminCLI(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	kuraAdmin(t, s, "user", "add", "alice", "alice-secret-1")
	out := kuraAdmin(t, s, "user", "list")
	if !strings.Contains(out, "ACCESS KEY") || !strings.Contains(out, "alice") || !strings.Contains(out, "enabled") {
		t.Fatalf("user list table:\n%s", out)
	}
	var users []admin.User
	if err := json.Unmarshal([]byte(kuraAdmin(t, s, "user", "list", "--json")), &users); err != nil || len(users) != 1 || users[0].AccessKey != "alice" {
		t.Fatalf("user list --json: %+v %v", users, err)
	}
	doc := filepath.Join(t.TempDir(), "p.json")
	os.WriteFile(doc, []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::pub/*"]}]}`), 0o600)
	kuraAdmin(t, s, "policy", "create", "pub-read", doc)
	kuraAdmin(t, s, "policy", "attach", "pub-read", "--user", "alice")
	kuraAdmin(t, s, "group", "add", "staff", "alice")
	kuraAdmin(t, s, "policy", "attach", "readonly", "--group", "staff")
	if out := kuraAdmin(t, s, "group", "list"); !strings.Contains(out, "staff") || !strings.Contains(out, "readonly") {
		t.Fatalf("group list:\n%s", out)
	}
	var creds admin.Credentials
	if err := json.Unmarshal([]byte(kuraAdmin(t, s, "svcacct", "add", "alice", "--json")), &creds); err != nil || creds.AccessKey == "" {
		t.Fatalf("svcacct add: %+v %v", creds, err)
	}

	// The user's signature is accepted; the admin API is root's alone.
	alice := clientAs(s, "alice", "alice-secret-1")
	if _, err := alice.ListBuckets(ctx, &s3.ListBucketsInput{}); err != nil && apiCode(err) != "AccessDenied" {
		t.Fatalf("alice's request: %v", err)
	}
	ac, _ := admin.New(s.addr, "alice", "alice-secret-1", false)
	if err := ac.AddUser(ctx, "mallory", "mallory-secret"); err == nil {
		t.Fatal("a user called the admin API")
	}
	// Disabling takes effect at once, for the user and its service account
	// (through gateways, once every gateway has seen the change: settled).
	kuraAdmin(t, s, "user", "disable", "alice")
	var err error
	if !settled(func() bool {
		_, err = alice.ListBuckets(ctx, &s3.ListBucketsInput{})
		return apiCode(err) == "InvalidAccessKeyId"
	}) {
		t.Fatalf("disabled user: %v", err)
	}
	if !settled(func() bool {
		_, err = clientAs(s, creds.AccessKey, creds.SecretKey).ListBuckets(ctx, &s3.ListBucketsInput{})
		return apiCode(err) == "InvalidAccessKeyId"
	}) {
		t.Fatalf("service account of a disabled user: %v", err)
	}
	kuraAdmin(t, s, "user", "enable", "alice")
	kuraAdmin(t, s, "user", "remove", "alice")
	if !settled(func() bool {
		_, err = alice.ListBuckets(ctx, &s3.ListBucketsInput{})
		return apiCode(err) == "InvalidAccessKeyId"
	}) {
		t.Fatalf("removed user: %v", err)
	}
	// Admin powers come only from admin actions in a policy.
	kuraAdmin(t, s, "user", "add", "ops", "ops-secret-1")
	kuraAdmin(t, s, "policy", "attach", "diagnostics", "--user", "ops")
	kuraAdmin(t, s, "policy", "attach", "readwrite", "--user", "ops")
	ops, _ := admin.New(s.addr, "ops", "ops-secret-1", false)
	if _, err := ops.ServerInfo(ctx); err != nil {
		t.Fatalf("diagnostics user, server info: %v", err)
	}
	if err := ops.AddUser(ctx, "mallory", "mallory-secret"); err == nil {
		t.Fatal("a diagnostics + readwrite user created a user")
	}
	if _, err := ops.AddServiceAccount(ctx, "ops", nil); err == nil {
		t.Fatal("service account created without admin:CreateServiceAccount")
	}
	info := kuraAdmin(t, s, "info", "--json")
	if !strings.Contains(info, `"region": "us-east-1"`) {
		t.Fatalf("info: %s", info)
	}
	// Users persist across a restart.
	kuraAdmin(t, s, "user", "add", "bob", "bob-secret-12")
	s.restart()
	if out := kuraAdmin(t, s, "user", "list"); !strings.Contains(out, "bob") {
		t.Fatalf("after restart:\n%s", out)
	}
}

// TestAdminProfile: the runtime profiles are served to root through the
// CLI and the admin client, in pprof's gzipped format, and refused to a
// user without admin:Profiling and to anonymous callers.
func TestAdminProfile(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	dir := t.TempDir()
	for _, args := range [][]string{
		{"profile", "profile", "--seconds", "1", "-o", filepath.Join(dir, "cpu.pprof")},
		{"profile", "heap", "--seconds", "0", "-o", filepath.Join(dir, "heap.pprof")},
		{"profile", "mutex", "--seconds", "1", "-o", filepath.Join(dir, "mutex.pprof")},
	} {
		kuraAdmin(t, s, args...)
		data, err := os.ReadFile(args[len(args)-1])
		if err != nil || len(data) < 2 || data[0] != 0x1f || data[1] != 0x8b {
			t.Fatalf("%v: not a gzipped profile (%d bytes, %v)", args, len(data), err)
		}
	}
	root, _ := admin.New(s.addr, s.accessKey, s.secretKey, false)
	var goroutines bytes.Buffer
	if err := root.Profile(ctx, "goroutine", 0, &goroutines); err != nil || goroutines.Len() == 0 {
		t.Fatalf("goroutine profile: %d bytes, %v", goroutines.Len(), err)
	}
	var unknown *admin.Error
	if err := root.Profile(ctx, "no-such-profile", 0, io.Discard); !errors.As(err, &unknown) || unknown.StatusCode != 400 {
		t.Fatalf("unknown profile: %v", err)
	}
	kuraAdmin(t, s, "user", "add", "bob", "bob-secret-12")
	bob, _ := admin.New(s.addr, "bob", "bob-secret-12", false)
	var denied *admin.Error
	if err := bob.Profile(ctx, "heap", 0, io.Discard); !errors.As(err, &denied) || denied.Code != "AccessDenied" {
		t.Fatalf("a user without admin:Profiling: %v", err)
	}
	resp, err := http.Get(s.url() + "/.kura/admin/v1/debug/pprof/heap")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("anonymous profile request: %d", resp.StatusCode)
	}
}

// kuraAdminFails runs `kura admin ARGS` against s with the root keys,
// expecting it to fail, and returns what it printed.
func kuraAdminFails(t *testing.T, s *server, args ...string) string {
	t.Helper()
	cmd := exec.Command(kuraBin, append([]string{"admin"}, args...)...)
	cmd.Env = append(os.Environ(), "KURA_ENDPOINT="+s.url(), "KURA_ACCESS_KEY="+s.accessKey, "KURA_SECRET_KEY="+s.secretKey)
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("kura admin %v succeeded:\n%s", args, out)
	}
	return string(out)
}

// Every admin call refused for a bad name or value says which field and
// which rule: at each limit it is accepted, one past it refused.
func TestAdminValidationErrors(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	out := kuraAdminFails(t, s, "user", "add", "ab", "secret-key-1")
	if !strings.Contains(out, "InvalidArgument") || !strings.Contains(out, "access key") || !strings.Contains(out, "3 to 128") || !strings.Contains(out, "2") {
		t.Errorf("user add with a 2-character access key:\n%s", out)
	}
	kuraAdmin(t, s, "user", "add", "abc", "secret-key-1")

	ac, err := admin.New(s.addr, s.accessKey, s.secretKey, false)
	if err != nil {
		t.Fatal(err)
	}
	policy := []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::b/*"]}]}`)
	refused := func(what string, err error, words ...string) {
		t.Helper()
		var e *admin.Error
		if !errors.As(err, &e) || e.Code != "InvalidArgument" {
			t.Errorf("%s: %v, want InvalidArgument", what, err)
			return
		}
		for _, w := range words {
			if !strings.Contains(e.Message, w) {
				t.Errorf("%s: %q does not say %q", what, e.Message, w)
			}
		}
	}
	ok := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Errorf("%s: %v", what, err)
		}
	}
	ok("access key of 128", ac.AddUser(ctx, strings.Repeat("a", 128), "secret-key-1"))
	refused("access key of 129", ac.AddUser(ctx, strings.Repeat("b", 129), "secret-key-1"), "access key", "3 to 128", "129")
	ok("secret key of 8", ac.AddUser(ctx, "user8", "12345678"))
	refused("secret key of 7", ac.AddUser(ctx, "user7", "1234567"), "secret key", "8 to 128", "7")
	ok("secret key of 128", ac.AddUser(ctx, "user128", strings.Repeat("s", 128)))
	refused("secret key of 129", ac.AddUser(ctx, "user129", strings.Repeat("s", 129)), "secret key", "8 to 128", "129")
	refused("the root access key", ac.AddUser(ctx, s.accessKey, "secret-key-1"), "access key", "root")
	refused("status", ac.SetUserStatus(ctx, "abc", "paused"), "status", "enabled", "disabled", "paused")

	ok("policy name of 128", ac.PutPolicy(ctx, strings.Repeat("p", 128), policy))
	refused("policy name of 129", ac.PutPolicy(ctx, strings.Repeat("p", 129), policy), "policy name", "1 to 128", "129")
	refused("policy name with a comma", ac.PutPolicy(ctx, "a,b", policy), "policy name", "','")
	refused("built-in policy name", ac.PutPolicy(ctx, "readonly", policy), "policy name", "readonly", "built-in")
	refused("attachment", ac.AttachPolicy(ctx, "readonly", "", ""), "user", "group")

	ok("group name of 128", ac.AddGroupMembers(ctx, strings.Repeat("g", 128), "abc"))
	refused("group name of 129", ac.AddGroupMembers(ctx, strings.Repeat("g", 129), "abc"), "group name", "1 to 128", "129")

	creds, err := ac.AddServiceAccount(ctx, "abc", nil)
	ok("service account", err)
	_, err = ac.AddServiceAccount(ctx, creds.AccessKey, nil)
	refused("service account of a service account", err, "service account")

	ok("KMS key id of 128", ac.CreateKMSKey(ctx, strings.Repeat("k", 128)))
	refused("KMS key id of 129", ac.CreateKMSKey(ctx, strings.Repeat("k", 129)), "key id", "1 to 128", "129")
	refused("KMS key id with a space", ac.CreateKMSKey(ctx, "a b"), "key id", "letters")
}
