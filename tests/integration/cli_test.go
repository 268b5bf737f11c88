package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	miniocreds "github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/internal/certs"
	"github.com/kurastore/kura/wire/objectlock"
)

// cliSession runs kura's client commands as a user would: the built
// binary in a subprocess, with its own configuration directory.
type cliSession struct {
	t   *testing.T
	env []string
}

func newCLISession(t *testing.T) *cliSession {
	t.Helper()
	env := []string{"KURA_CONFIG_DIR=" + t.TempDir()}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KURA_ALIAS_") && !strings.HasPrefix(kv, "MC_HOST_") && !strings.HasPrefix(kv, "KURA_CONFIG_DIR=") {
			env = append(env, kv)
		}
	}
	return &cliSession{t: t, env: env}
}

// run runs kura with args and returns its output and exit code.
func (s *cliSession) run(args ...string) (stdout, stderr string, code int) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, kuraBin, args...)
	cmd.Env = s.env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.ExitCode()
	default:
		s.t.Fatalf("kura %s: %v", strings.Join(args, " "), err)
	}
	return out.String(), errOut.String(), code
}

// ok runs kura and fails the test unless it succeeds.
func (s *cliSession) ok(args ...string) string {
	s.t.Helper()
	out, errOut, code := s.run(args...)
	if code != 0 {
		s.t.Fatalf("kura %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// fails runs kura, fails the test unless it exits non-zero, and returns
// its standard error.
func (s *cliSession) fails(args ...string) string {
	s.t.Helper()
	out, errOut, code := s.run(args...)
	if code == 0 {
		s.t.Fatalf("kura %s succeeded, want a failure\nstdout: %s", strings.Join(args, " "), out)
	}
	return errOut
}

// records runs kura with --json and decodes its output lines.
func (s *cliSession) records(args ...string) []map[string]any {
	s.t.Helper()
	// The global flags belong to each client command: they follow
	// its name.
	out := s.ok(append([]string{args[0], "--json"}, args[1:]...)...)
	var recs []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			s.t.Fatalf("kura %s: line %q is not JSON: %v", strings.Join(args, " "), line, err)
		}
		if r["status"] != "success" {
			s.t.Fatalf("kura %s: line %q has no success status", strings.Join(args, " "), line)
		}
		recs = append(recs, r)
	}
	return recs
}

// field collects one field of each record as strings.
func cliField(recs []map[string]any, name string) []string {
	var out []string
	for _, r := range recs {
		if v, ok := r[name]; ok {
			out = append(out, cliString(v))
		}
	}
	return out
}

func cliString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func cliSameSet(got []string, want ...string) bool {
	g := append([]string(nil), got...)
	w := append([]string(nil), want...)
	sort.Strings(g)
	sort.Strings(w)
	return strings.Join(g, "\n") == strings.Join(w, "\n")
}

// TestCLIAgainstKura runs the client command script against kura.
func TestCLIAgainstKura(t *testing.T) {
	s := startServer(t)
	cliScript(t, s.addr, s.accessKey, s.secretKey)
}

// TestCLIAgainstMinio runs the same script against MinIO, when a MinIO
// binary is there (KURA_TEST_MINIO, /tmp/minio-bin/minio or PATH).
func TestCLIAgainstMinio(t *testing.T) {
	if os.Getenv(envMinio) == "" {
		if _, err := os.Stat("/tmp/minio-bin/minio"); err == nil {
			t.Setenv(envMinio, "/tmp/minio-bin/minio")
		}
	}
	m := startMinio(t)
	cliScript(t, m.addr, m.accessKey, m.secretKey)
}

// cliScript exercises every client command (but cp and mirror) against
// the S3 server at addr.
func cliScript(t *testing.T, addr, accessKey, secretKey string) {
	ctx := context.Background()
	sh := newCLISession(t)
	const alias = "srv"
	sh.ok("alias", "set", alias, "http://"+addr, accessKey, secretKey)

	// alias list never shows the secret.
	list := sh.ok("alias", "list")
	if strings.Contains(list, secretKey) || !strings.Contains(list, accessKey) {
		t.Fatalf("alias list shows the secret or not the access key:\n%s", list)
	}
	if recs := sh.records("alias", "list", alias); len(recs) != 1 || recs[0]["secretKey"] == secretKey || recs[0]["url"] != "http://"+addr {
		t.Fatalf("alias list --json = %v", recs)
	}

	sdk, err := client.New(addr, &client.Options{AccessKey: accessKey, SecretKey: secretKey})
	if err != nil {
		t.Fatal(err)
	}
	put := func(bucket, key, body string) client.UploadInfo {
		t.Helper()
		info, err := sdk.PutObject(ctx, bucket, key, strings.NewReader(body), int64(len(body)), client.PutObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return info
	}

	// mb, and mb of a bucket that exists.
	bucket := "cli-" + randomHex(4)
	sh.ok("mb", "--with-versioning", alias+"/"+bucket)
	sh.fails("mb", alias+"/"+bucket)
	sh.ok("mb", "--ignore-existing", alias+"/"+bucket)
	if recs := sh.records("version", "info", alias+"/"+bucket); recs[0]["versioning"] != "Enabled" {
		t.Fatalf("version info after mb --with-versioning = %v", recs)
	}

	old := put(bucket, "a.txt", "first")
	put(bucket, "a.txt", "second")
	put(bucket, "dir/b.txt", "bee bee bee bee!")            // 16 bytes
	put(bucket, "dir/sub/c.txt", strings.Repeat("c", 1000)) // 1000 bytes
	put(bucket, "dirx", "x")
	// A key with a control character, which only URL-encoded listings
	// carry intact.
	put(bucket, "ctl/tab\x01key", "ctl")
	if got := cliField(sh.records("ls", "-r", alias+"/"+bucket+"/ctl/"), "key"); !cliSameSet(got, "ctl/tab\x01key") {
		t.Errorf("ls of a key with a control character = %q", got)
	}
	sh.ok("rm", alias+"/"+bucket+"/ctl/tab\x01key")
	sh.ok("rm", "--versions", alias+"/"+bucket+"/ctl/tab\x01key")

	// ls: one level, recursive, a directory, versions.
	if got := cliField(sh.records("ls", alias+"/"+bucket), "key"); !cliSameSet(got, "a.txt", "dir/", "dirx") {
		t.Errorf("ls = %v", got)
	}
	if got := cliField(sh.records("ls", "-r", alias+"/"+bucket), "key"); !cliSameSet(got, "a.txt", "dir/b.txt", "dir/sub/c.txt", "dirx") {
		t.Errorf("ls -r = %v", got)
	}
	if sum := sh.records("ls", "-r", "--summarize", alias+"/"+bucket); cliString(sum[len(sum)-1]["totalObjects"]) != "4" || cliString(sum[len(sum)-1]["totalSize"]) != "1023" {
		t.Errorf("ls --summarize = %v", sum[len(sum)-1])
	}
	if out := sh.ok("ls", alias+"/"+bucket+"/dir"); !strings.Contains(out, " b.txt\n") || !strings.Contains(out, " sub/\n") {
		t.Errorf("ls of a directory:\n%s", out)
	}
	versions := sh.records("ls", "--versions", alias+"/"+bucket+"/a.txt")
	if len(versions) != 2 || cliString(versions[0]["versionOrdinal"]) != "2" || versions[1]["versionId"] != old.VersionID {
		t.Errorf("ls --versions a.txt = %v", versions)
	}
	if got := cliField(sh.records("ls", alias), "key"); !strings.Contains(strings.Join(got, ","), bucket+"/") {
		t.Errorf("ls %s = %v", alias, got)
	}
	sh.fails("ls", alias+"/"+bucket+"/nothing-here")

	// cat: the latest and an older version.
	if out := sh.ok("cat", alias+"/"+bucket+"/a.txt"); out != "second" {
		t.Errorf("cat = %q", out)
	}
	if out := sh.ok("cat", "--version-id", old.VersionID, alias+"/"+bucket+"/a.txt"); out != "first" {
		t.Errorf("cat --version-id = %q", out)
	}

	// A path that names no alias is a local file.
	local := filepath.Join(t.TempDir(), "local.txt")
	os.WriteFile(local, []byte("from disk"), 0o644)
	if out := sh.ok("cat", local, alias+"/"+bucket+"/a.txt"); out != "from disksecond" {
		t.Errorf("cat of a local file and an object = %q", out)
	}

	// stat of an object and of a bucket.
	st := sh.records("stat", alias+"/"+bucket+"/dir/sub/c.txt")
	if cliString(st[0]["size"]) != "1000" || st[0]["etag"] == "" || st[0]["versionId"] == "" {
		t.Errorf("stat object = %v", st)
	}
	if got := cliField(sh.records("stat", "--recursive", alias+"/"+bucket+"/dir"), "name"); !cliSameSet(got, alias+"/"+bucket+"/dir/b.txt", alias+"/"+bucket+"/dir/sub/c.txt") {
		t.Errorf("stat --recursive dir = %v", got)
	}
	bst := sh.records("stat", alias+"/"+bucket)
	if bst[0]["versioning"] != "Enabled" || bst[0]["policy"] != false {
		t.Errorf("stat bucket = %v", bst)
	}

	// tag: set, list, stat shows them, remove; bucket tags too.
	sh.ok("tag", "set", alias+"/"+bucket+"/a.txt", "team=blue&cost=a b")
	tags := sh.records("tag", "list", alias+"/"+bucket+"/a.txt")
	if tm, _ := tags[0]["tags"].(map[string]any); tm["team"] != "blue" || tm["cost"] != "a b" {
		t.Errorf("tag list = %v", tags)
	}
	if st := sh.records("stat", alias+"/"+bucket+"/a.txt"); st[0]["tags"] == nil {
		t.Errorf("stat does not show the tags: %v", st)
	}
	sh.ok("tag", "remove", alias+"/"+bucket+"/a.txt")
	if tags := sh.records("tag", "list", alias+"/"+bucket+"/a.txt"); tags[0]["tags"] != nil {
		t.Errorf("tags after remove = %v", tags)
	}
	sh.ok("tag", "set", alias+"/"+bucket, "env=test")
	if tags := sh.records("tag", "list", alias+"/"+bucket); cliString(tags[0]["tags"]) != `{"env":"test"}` {
		t.Errorf("bucket tags = %v", tags)
	}
	sh.fails("tag", "set", alias+"/"+bucket+"/a.txt", "k=1&k=2")

	// version: suspend, info, enable.
	sh.ok("version", "suspend", alias+"/"+bucket)
	if recs := sh.records("version", "info", alias+"/"+bucket); recs[0]["versioning"] != "Suspended" {
		t.Errorf("version info after suspend = %v", recs)
	}
	sh.ok("version", "enable", alias+"/"+bucket)

	// du: the total, the levels below, the versions.
	du := sh.records("du", alias+"/"+bucket)
	if len(du) != 1 || cliString(du[0]["size"]) != "1023" || cliString(du[0]["objects"]) != "4" {
		t.Errorf("du = %v", du)
	}
	du = sh.records("du", "--depth", "1", alias+"/"+bucket)
	if len(du) != 2 || du[0]["prefix"] != alias+"/"+bucket+"/dir/" || cliString(du[0]["size"]) != "1016" {
		t.Errorf("du --depth 1 = %v", du)
	}
	du = sh.records("du", "--versions", alias+"/"+bucket)
	if cliString(du[0]["size"]) != "1028" || cliString(du[0]["versions"]) != "5" {
		t.Errorf("du --versions = %v", du)
	}

	// find and its filters.
	base := alias + "/" + bucket + "/"
	findKeys := func(args ...string) []string {
		return cliField(sh.records(append([]string{"find", alias + "/" + bucket}, args...)...), "key")
	}
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"--name", "*.txt"}, []string{base + "a.txt", base + "dir/b.txt", base + "dir/sub/c.txt"}},
		{[]string{"--path", "dir/*"}, []string{base + "dir/b.txt"}},
		{[]string{"--regex", "^dir"}, []string{base + "dir/b.txt", base + "dir/sub/c.txt", base + "dirx"}},
		{[]string{"--larger", "16B"}, []string{base + "dir/sub/c.txt"}},
		{[]string{"--larger", "15B", "--smaller", "1KB"}, []string{base + "dir/b.txt"}},
		{[]string{"--maxdepth", "1"}, []string{base + "a.txt", base + "dirx"}},
		{[]string{"--older-than", "1d"}, nil},
		{[]string{"--newer-than", "1d", "--name", "dirx"}, []string{base + "dirx"}},
	} {
		if got := findKeys(c.args...); !cliSameSet(got, c.want...) {
			t.Errorf("find %v = %v, want %v", c.args, got, c.want)
		}
	}
	if out := sh.ok("find", alias+"/"+bucket, "--name", "dirx", "--exec", "echo found {}"); out != "found "+base+"dirx\n" {
		t.Errorf("find --exec printed %q", out)
	}

	// presign: the URL works without keys, for GET and for PUT.
	url := strings.TrimSpace(sh.ok("presign", "--expire", "1h", alias+"/"+bucket+"/dir/b.txt"))
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "bee bee bee bee!" {
		t.Errorf("GET of the presigned URL: %d %q", resp.StatusCode, body)
	}
	putURL := strings.TrimSpace(sh.ok("presign", "--put", "--expire", "10m", alias+"/"+bucket+"/uploaded"))
	req, _ := http.NewRequest(http.MethodPut, putURL, strings.NewReader("via presigned PUT"))
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if out := sh.ok("cat", alias+"/"+bucket+"/uploaded"); resp.StatusCode != 200 || out != "via presigned PUT" {
		t.Errorf("PUT to the presigned URL: %d, then cat = %q", resp.StatusCode, out)
	}
	sh.fails("presign", "--expire", "8d", alias+"/"+bucket+"/uploaded")
	sh.ok("presign", "--expire", "7d", alias+"/"+bucket+"/uploaded")

	// Errors: text on stderr, or a JSON line with status error.
	if errOut := sh.fails("cat", alias+"/"+bucket+"/missing"); !strings.Contains(errOut, "NoSuchKey") {
		t.Errorf("cat of a missing key: %q", errOut)
	}
	_, errOut, code := sh.run("cat", "--json", alias+"/"+bucket+"/missing")
	var jerr struct {
		Status string
		Error  struct{ Code string }
	}
	if code == 0 || json.Unmarshal([]byte(errOut), &jerr) != nil || jerr.Status != "error" || jerr.Error.Code != "NoSuchKey" {
		t.Errorf("--json error: exit %d, %q", code, errOut)
	}

	// rm: refusals first.
	sh.fails("rm", alias+"/"+bucket+"/missing")
	sh.fails("rm", alias+"/"+bucket+"/dir/")
	sh.fails("rm", "-r", alias+"/"+bucket+"/dir/")
	if errOut := sh.fails("rm", "-r", "--force", alias); !strings.Contains(errOut, "--dangerous") {
		t.Errorf("rm -r --force ALIAS: %q", errOut)
	}
	// A recursive rm of a prefix leaves delete markers in a versioned
	// bucket.
	beforeRm := time.Now()
	sh.ok("rm", "-r", "--force", alias+"/"+bucket+"/dir/")
	if got := cliField(sh.records("ls", "-r", alias+"/"+bucket), "key"); !cliSameSet(got, "a.txt", "dirx", "uploaded") {
		t.Errorf("ls -r after rm -r dir/ = %v", got)
	}
	markers := 0
	for _, r := range sh.records("ls", "-r", "--versions", alias+"/"+bucket+"/dir/") {
		if r["type"] == "deleteMarker" {
			markers++
		}
	}
	if markers != 2 {
		t.Errorf("rm -r left %d delete markers, want 2", markers)
	}
	// --rewind sees the objects as they were before.
	if got := cliField(sh.records("ls", "-r", "--rewind", beforeRm.UTC().Format(time.RFC3339Nano), alias+"/"+bucket+"/dir/"), "key"); !cliSameSet(got, "dir/b.txt", "dir/sub/c.txt") {
		t.Errorf("ls --rewind to before the rm = %v", got)
	}
	if got := cliField(sh.records("ls", "-r", "--rewind", "0s", alias+"/"+bucket+"/dir/"), "key"); len(got) != 0 {
		t.Errorf("ls --rewind to now = %v", got)
	}
	// One version, then every version of a key.
	sh.ok("rm", "--version-id", old.VersionID, alias+"/"+bucket+"/a.txt")
	if v := sh.records("ls", "--versions", alias+"/"+bucket+"/a.txt"); len(v) != 1 {
		t.Errorf("versions of a.txt after rm --version-id = %v", v)
	}
	sh.ok("rm", "--versions", alias+"/"+bucket+"/a.txt")
	// --older-than keeps what is newer.
	if out := sh.ok("rm", "-r", "--force", "--versions", "--older-than", "1d", alias+"/"+bucket); out != "" {
		t.Errorf("rm --older-than 1d removed: %s", out)
	}
	removed := sh.records("rm", "-r", "--force", "--versions", "--newer-than", "1d", alias+"/"+bucket+"/dir")
	if len(removed) != 4 {
		t.Errorf("rm --versions of dir removed %d versions, want 4: %v", len(removed), removed)
	}

	// Incomplete uploads: listed, and removed with --incomplete.
	core := minio.Core{Client: cliMinioClient(t, addr, accessKey, secretKey)}
	uploadID, err := core.NewMultipartUpload(ctx, bucket, "big/part.bin", minio.PutObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ups := sh.records("ls", "--incomplete", "-r", alias+"/"+bucket); len(ups) != 1 || ups[0]["uploadId"] != uploadID {
		t.Errorf("ls --incomplete = %v", ups)
	}
	if out := sh.ok("rm", "--incomplete", "-r", "--dry-run", alias+"/"+bucket+"/big/"); !strings.Contains(out, "Would remove incomplete upload") {
		t.Errorf("rm --incomplete --dry-run printed %q", out)
	}
	if ups := sh.records("ls", "--incomplete", "-r", alias+"/"+bucket); len(ups) != 1 {
		t.Errorf("ls --incomplete after a dry run = %v", ups)
	}
	if out := sh.ok("rm", "--incomplete", "-r", "--force", "--older-than", "1d", alias+"/"+bucket+"/big/"); out != "" {
		t.Errorf("rm --incomplete --older-than 1d removed a new upload: %q", out)
	}
	sh.ok("rm", "--incomplete", "-r", "--force", alias+"/"+bucket+"/big/")
	if ups := sh.records("ls", "--incomplete", "-r", alias+"/"+bucket); len(ups) != 0 {
		t.Errorf("ls --incomplete after rm --incomplete = %v", ups)
	}

	// rb: refuses a bucket with objects; --force empties it first, with
	// versions, delete markers and uploads.
	if _, err := core.NewMultipartUpload(ctx, bucket, "again", minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	sh.fails("rb", alias+"/"+bucket)
	sh.ok("rb", "--force", alias+"/"+bucket)
	if ok, err := sdk.BucketExists(ctx, bucket); err != nil || ok {
		t.Errorf("bucket after rb --force: exists %v, %v", ok, err)
	}

	// Object lock: a governance-locked version goes only with --bypass.
	locked := "lock-" + randomHex(4)
	sh.ok("mb", "--with-lock", alias+"/"+locked)
	if st := sh.records("stat", alias+"/"+locked); st[0]["objectLock"] == nil {
		t.Errorf("stat of a bucket with lock = %v", st)
	}
	v := put(locked, "report.pdf", "keep me")
	until := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Second)
	if err := sdk.SetObjectRetention(ctx, locked, "report.pdf", &objectlock.Retention{Mode: objectlock.Governance, RetainUntilDate: until}, client.ObjectLockOptions{VersionID: v.VersionID}); err != nil {
		t.Fatal(err)
	}
	if st := sh.records("stat", alias+"/"+locked+"/report.pdf"); st[0]["retentionMode"] != "GOVERNANCE" {
		t.Errorf("stat of a locked object = %v", st)
	}
	sh.fails("rm", "--version-id", v.VersionID, alias+"/"+locked+"/report.pdf")
	sh.fails("rm", "-r", "--force", "--versions", alias+"/"+locked)
	sh.ok("rm", "--version-id", v.VersionID, "--bypass", alias+"/"+locked+"/report.pdf")
	v2 := put(locked, "second.pdf", "keep me too")
	if err := sdk.SetObjectRetention(ctx, locked, "second.pdf", &objectlock.Retention{Mode: objectlock.Governance, RetainUntilDate: until}, client.ObjectLockOptions{VersionID: v2.VersionID}); err != nil {
		t.Fatal(err)
	}
	sh.ok("rm", "-r", "--force", "--versions", "--bypass-governance", alias+"/"+locked)
	// rb --force bypasses governance by itself.
	v3 := put(locked, "third.pdf", "and me")
	if err := sdk.SetObjectRetention(ctx, locked, "third.pdf", &objectlock.Retention{Mode: objectlock.Governance, RetainUntilDate: until}, client.ObjectLockOptions{VersionID: v3.VersionID}); err != nil {
		t.Fatal(err)
	}
	sh.ok("rb", "--force", alias+"/"+locked)

	// A whole server: rm and rb refuse without --dangerous.
	one, two := "all-"+randomHex(4), "all-"+randomHex(4)
	sh.ok("mb", alias+"/"+one, alias+"/"+two)
	put(one, "k1", "1")
	put(two, "dir/k2", "22")
	if out := sh.ok("rm", "-r", "--dry-run", alias+"/"+one); !strings.Contains(out, "Would remove `"+alias+"/"+one+"/k1`") {
		t.Errorf("rm --dry-run printed %q", out)
	}
	if got := cliField(sh.records("ls", "-r", alias+"/"+one), "key"); !cliSameSet(got, "k1") {
		t.Errorf("rm --dry-run removed something: %v", got)
	}
	sh.fails("rm", "-r", "--force", alias)
	removed = sh.records("rm", "-r", "--force", "--dangerous", alias)
	if got := cliField(removed, "key"); !cliSameSet(got, alias+"/"+one+"/k1", alias+"/"+two+"/dir/k2") {
		t.Errorf("rm -r --force --dangerous ALIAS removed %v", got)
	}
	sh.fails("rb", "--force", alias)
	sh.ok("rb", "--force", "--dangerous", alias)
	if got := sh.records("ls", alias); len(got) != 0 {
		t.Errorf("buckets after rb --force --dangerous ALIAS: %v", got)
	}

	// alias remove: the alias is gone, and its paths are local again.
	sh.ok("alias", "remove", alias)
	sh.fails("ls", alias)
}

func cliMinioClient(t *testing.T, addr, accessKey, secretKey string) *minio.Client {
	t.Helper()
	c, err := minio.New(addr, &minio.Options{Creds: miniocreds.NewStaticV4(accessKey, secretKey, ""), Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestCLIAliasFromEnvironment: KURA_ALIAS_<NAME> works without a file
// and wins over it.
func TestCLIAliasFromEnvironment(t *testing.T) {
	s := startServer(t)
	sh := newCLISession(t)
	sh.ok("alias", "set", "env", "http://127.0.0.1:1", "WRONG", "WRONGWRONG")
	sh.env = append(sh.env, "KURA_ALIAS_env=http://"+s.accessKey+":"+s.secretKey+"@"+s.addr)
	sh.ok("mb", "env/from-env")
	if out := sh.ok("ls", "env"); !strings.Contains(out, "from-env/") {
		t.Errorf("ls env = %q", out)
	}
	sh2 := newCLISession(t)
	sh2.env = append(sh2.env, "MC_HOST_mcenv=http://"+s.accessKey+":"+s.secretKey+"@"+s.addr)
	if out := sh2.ok("ls", "mcenv"); !strings.Contains(out, "from-env/") {
		t.Errorf("ls mcenv = %q", out)
	}
}

// TestCLITLS: a server with a self-signed certificate is refused, then
// reached with --insecure or with its certificate in SSL_CERT_FILE.
func TestCLITLS(t *testing.T) {
	s := startServer(t, "--tls-self-signed")
	_, port, _ := strings.Cut(s.addr, ":")
	sh := newCLISession(t)
	sh.ok("alias", "set", "tls", "https://localhost:"+port, s.accessKey, s.secretKey)
	if errOut := sh.fails("ls", "tls"); !strings.Contains(errOut, "certificate") {
		t.Errorf("ls of a self-signed server without --insecure: %q", errOut)
	}
	sh.ok("mb", "--insecure", "tls/secure")
	sh.env = append(sh.env, "SSL_CERT_FILE="+filepath.Join(s.dir, "tls", certs.SelfSignedCert))
	if out := sh.ok("ls", "tls"); !strings.Contains(out, "secure/") {
		t.Errorf("ls with SSL_CERT_FILE = %q", out)
	}
}

// TestCLIInterrupt: SIGINT cancels a request in flight; kura says so and
// exits with 130.
func TestCLIInterrupt(t *testing.T) {
	arrived := make(chan struct{}, 1)
	release := make(chan struct{})
	stall := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case arrived <- struct{}{}:
		default:
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer stall.Close()
	defer close(release)

	sh := newCLISession(t)
	sh.ok("alias", "set", "stall", stall.URL, "AKSTALL", "SECRETSTALL")
	cmd := exec.Command(kuraBin, "ls", "stall/bucket")
	cmd.Env = sh.env
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-arrived:
	case err := <-done:
		t.Fatalf("kura ls ended before its request arrived: %v %s", err, errOut.String())
	}
	cmd.Process.Signal(os.Interrupt)
	select {
	case <-done:
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		<-done
		t.Fatal("kura ls did not stop after SIGINT")
	}
	if code := cmd.ProcessState.ExitCode(); code != 130 || !strings.Contains(errOut.String(), "interrupted") {
		t.Errorf("after SIGINT: exit %d, stderr %q", code, errOut.String())
	}
}
