package integration

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Command-line S3 tools against kura: the aws CLI's high-level s3
// commands, rclone and s3cmd. Each test skips when its tool is not on PATH;
// .ci/run installs them.

// tool runs one command-line client with a fixed environment.
type tool struct {
	t    *testing.T
	path string
	pre  []string // arguments before each command's own
	env  []string
}

func lookTool(t *testing.T, name, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("skipping: no %s on PATH (CI installs %s)", name, pkg)
	}
	return path
}

// run runs the tool and fails the test if it exits non-zero. It returns
// stdout.
func (tl tool) run(args ...string) string {
	tl.t.Helper()
	start := time.Now()
	out, stderr, err := tl.try(args...)
	tl.t.Logf("%s %q: %v", filepath.Base(tl.path), args, time.Since(start).Round(time.Millisecond))
	if err != nil {
		tl.t.Fatalf("%s %q: %v\nstdout:\n%s\nstderr:\n%s", filepath.Base(tl.path), args, err, out, stderr)
	}
	return out
}

func (tl tool) try(args ...string) (stdout, stderr string, err error) {
	cmd := exec.Command(tl.path, append(slices.Clone(tl.pre), args...)...)
	cmd.Env = tl.env
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		return "", "", err
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(5 * time.Minute):
		cmd.Process.Kill()
		<-done
		err = fmt.Errorf("timed out after 5 minutes")
	}
	return o.String(), e.String(), err
}

// cleanEnv is the test's environment without the AWS and rclone settings
// that would steer a tool away from the kura under test (a CA bundle, a
// profile, other credentials).
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "RCLONE_") {
			env = append(env, kv)
		}
	}
	return env
}

// etagOf reads an object's ETag with aws-sdk-go-v2, to tell whether a tool
// uploaded it in parts.
func etagOf(t *testing.T, s *server, bucket, key string) string {
	t.Helper()
	out, err := newAWSClient(s).HeadObject(ctx(t), &s3.HeadObjectInput{Bucket: &bucket, Key: &key})
	if err != nil {
		t.Fatalf("head %s/%s: %v", bucket, key, err)
	}
	return aws.ToString(out.ETag)
}

// writeBig writes n deterministic bytes to path without holding them all
// in memory and returns their SHA-256.
func writeBig(t *testing.T, path string, n int64, seed byte) string {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	w := bufio.NewWriterSize(io.MultiWriter(f, h), 1<<20)
	chunk := pattern(1<<20+7, seed) // odd length: chunks never align with parts
	for left := n; left > 0; {
		c := chunk[:min(int64(len(chunk)), left)]
		if _, err := w.Write(c); err != nil {
			t.Fatal(err)
		}
		left -= int64(len(c))
		chunk[0]++ // no two chunks alike
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func fileSHA256(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// treeDigest maps each regular file under root, by slash-separated
// relative path, to its size and SHA-256.
func treeDigest(t *testing.T, root string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		files[filepath.ToSlash(rel)] = fmt.Sprintf("%d %s", info.Size(), fileSHA256(t, path))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func sameTree(t *testing.T, want, got string) {
	t.Helper()
	w, g := treeDigest(t, want), treeDigest(t, got)
	if maps.Equal(w, g) {
		return
	}
	for _, k := range slices.Sorted(maps.Keys(w)) {
		if g[k] != w[k] {
			t.Errorf("%s: got %q, want %q", k, g[k], w[k])
		}
	}
	for _, k := range slices.Sorted(maps.Keys(g)) {
		if _, ok := w[k]; !ok {
			t.Errorf("%s: unexpected file", k)
		}
	}
	t.FailNow()
}

// writeTree creates files (relative slash paths) under root.
func writeTree(t *testing.T, root string, files map[string][]byte) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func awsTool(t *testing.T, s *server) tool {
	return tool{t: t, path: lookTool(t, "aws", "awscli"), pre: []string{"--endpoint-url", s.url()}, env: isolatedEnv(t, s)}
}

// TestToolsAwsCliMultipartCp copies 100 MiB up and down with aws s3 cp,
// which splits it into 8 MiB parts each way (ranged GETs on the way down).
func TestToolsAwsCliMultipartCp(t *testing.T) {
	cli := awsTool(t, startServer(t))
	dir := t.TempDir()
	src := filepath.Join(dir, "big.bin")
	sum := writeBig(t, src, 100<<20, 11)
	cli.run("s3", "mb", "s3://big")
	cli.run("s3", "cp", "--only-show-errors", src, "s3://big/nested/big.bin")

	etag := strings.TrimSpace(cli.run("s3api", "head-object", "--bucket", "big", "--key", "nested/big.bin",
		"--query", "[ContentLength, ETag]", "--output", "text"))
	if !strings.HasPrefix(etag, "104857600\t") || !strings.HasSuffix(etag, `-13"`) {
		t.Errorf("head-object: %q, want 104857600 bytes and a 13-part multipart ETag", etag)
	}

	dst := filepath.Join(dir, "back.bin")
	cli.run("s3", "cp", "--only-show-errors", "s3://big/nested/big.bin", dst)
	if got := fileSHA256(t, dst); got != sum {
		t.Fatalf("downloaded copy differs: sha256 %s, want %s", got, sum)
	}
	cli.run("s3", "rm", "s3://big/nested/big.bin")
	cli.run("s3", "rb", "s3://big")
}

// TestToolsAwsCliSync syncs a small tree up and back down with aws s3 sync,
// checks that a second sync has nothing to do, and that --delete removes.
func TestToolsAwsCliSync(t *testing.T) {
	cli := awsTool(t, startServer(t))
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	// The empty file checks that kura answers botocore's Expect:
	// 100-continue on a 0-byte PUT; without the 100, botocore misreads the
	// next response on that connection and stalls for its 60 s read
	// timeout (boto/botocore#3755).
	writeTree(t, src, map[string][]byte{
		"empty":               {},
		"README.txt":          []byte("top level\n"),
		"docs/a.md":           []byte("# a\n"),
		"docs/deeper/b.md":    pattern(70<<10, 3),
		"img/logo.png":        pattern(1<<20+1, 4),
		"with space/c d.txt":  []byte("spaces"),
		"unicode/naïve.txt":   []byte("unicode name"),
		"odd/plus+equals=.md": []byte("reserved characters"),
	})
	cli.run("s3", "mb", "s3://sync")
	cli.run("s3", "sync", "--only-show-errors", src, "s3://sync/tree")
	if out := cli.run("s3", "sync", "--dryrun", src, "s3://sync/tree"); strings.TrimSpace(out) != "" {
		t.Errorf("second upload sync would still copy:\n%s", out)
	}

	dst := filepath.Join(dir, "dst")
	cli.run("s3", "sync", "--only-show-errors", "s3://sync/tree", dst)
	sameTree(t, src, dst)
	if out := cli.run("s3", "sync", "--dryrun", "s3://sync/tree", dst); strings.TrimSpace(out) != "" {
		t.Errorf("second download sync would still copy:\n%s", out)
	}

	// A changed file goes up again; a removed one is deleted with --delete.
	os.WriteFile(filepath.Join(src, "docs", "a.md"), []byte("# a, longer now\n"), 0o600)
	os.Remove(filepath.Join(src, "img", "logo.png"))
	out := cli.run("s3", "sync", "--delete", src, "s3://sync/tree")
	if !strings.Contains(out, "upload: ") || !strings.Contains(out, "delete: s3://sync/tree/img/logo.png") {
		t.Errorf("sync --delete output:\n%s", out)
	}
	cli.run("s3", "sync", "--only-show-errors", "--delete", "s3://sync/tree", dst)
	sameTree(t, src, dst)

	cli.run("s3", "rb", "--force", "s3://sync")
}

// rcloneTree is the tree rclone copies: an empty file, a 20 MiB file (sent
// as multipart with the 5 MiB cutoff below) and non-ASCII names.
func rcloneTree(t *testing.T, root string) {
	t.Helper()
	writeTree(t, root, map[string][]byte{
		"empty.txt":                 {},
		"日本語/ファイル.txt":              []byte("こんにちは、kura\n"),
		"émoji 🎉.txt":               []byte("party"),
		"nested/deeper/small.bin":   pattern(100<<10, 5),
		"nested/with space & +.txt": []byte("reserved characters"),
	})
	writeBig(t, filepath.Join(root, "nested", "big-20m.bin"), 20<<20, 6)
}

// rcloneTool is rclone with remote "kura:" on s, configured by
// environment variables (path-style, no config file); settings adds
// RCLONE_* variables such as RCLONE_CONFIG_KURA_ACL=public-read.
func rcloneTool(t *testing.T, s *server, settings ...string) tool {
	path := lookTool(t, "rclone", "rclone")
	home := t.TempDir()
	env := append(cleanEnv(),
		"HOME="+home,
		"RCLONE_CONFIG_KURA_TYPE=s3",
		"RCLONE_CONFIG_KURA_PROVIDER=Other",
		"RCLONE_CONFIG_KURA_ENV_AUTH=false",
		"RCLONE_CONFIG_KURA_ACCESS_KEY_ID="+s.accessKey,
		"RCLONE_CONFIG_KURA_SECRET_ACCESS_KEY="+s.secretKey,
		"RCLONE_CONFIG_KURA_ENDPOINT="+s.url(),
		"RCLONE_CONFIG_KURA_REGION=us-east-1",
		"RCLONE_CONFIG_KURA_FORCE_PATH_STYLE=true",
	)
	return tool{t: t, path: path, pre: []string{"--config", filepath.Join(home, "no-such-rclone.conf")}, env: append(env, settings...)}
}

// TestToolsRclone copies a tree into kura with rclone, checks it with
// rclone check (sizes and MD5s, including rclone's own MD5 metadata on the
// multipart file), copies it back and compares the bytes.
func TestToolsRclone(t *testing.T) {
	s := startServer(t)
	rc := rcloneTool(t, s, "RCLONE_S3_UPLOAD_CUTOFF=5M", "RCLONE_S3_CHUNK_SIZE=5M")
	src := filepath.Join(t.TempDir(), "src")
	rcloneTree(t, src)

	rc.run("mkdir", "kura:rclone")
	rc.run("copy", src, "kura:rclone/tree")
	if etag := etagOf(t, s, "rclone", "tree/nested/big-20m.bin"); !strings.HasSuffix(etag, `-4"`) {
		t.Errorf("big-20m.bin has ETag %s, want a 4-part multipart ETag", etag)
	}
	rc.run("check", src, "kura:rclone/tree")
	rc.run("check", "--download", src, "kura:rclone/tree")

	listing := rc.run("lsf", "-R", "--files-only", "kura:rclone/tree")
	var got []string
	for l := range strings.Lines(listing) {
		got = append(got, strings.TrimSuffix(l, "\n"))
	}
	slices.Sort(got)
	want := slices.Sorted(maps.Keys(treeDigest(t, src)))
	if !slices.Equal(got, want) {
		t.Errorf("rclone lsf -R:\n got %q\nwant %q", got, want)
	}

	dst := filepath.Join(t.TempDir(), "dst")
	rc.run("copy", "kura:rclone/tree", dst)
	sameTree(t, src, dst)

	rc.run("purge", "kura:rclone")
	if out := rc.run("lsd", "kura:"); strings.Contains(out, "rclone") {
		t.Errorf("bucket still listed after purge:\n%s", out)
	}
}

// s3cmdTool is s3cmd on s with a generated config file (path-style,
// plain HTTP, 5 MiB parts), signing with SigV4, or Version 2 when v2.
func s3cmdTool(t *testing.T, s *server, v2 bool) tool {
	path := lookTool(t, "s3cmd", "s3cmd")
	home := t.TempDir()
	cfg := filepath.Join(home, "s3cfg")
	conf := fmt.Sprintf(`[default]
access_key = %s
secret_key = %s
host_base = %s
host_bucket = %s
bucket_location = us-east-1
use_https = False
signature_v2 = %s
check_ssl_certificate = False
multipart_chunk_size_mb = 5
progress_meter = False
`, s.accessKey, s.secretKey, s.addr, s.addr, map[bool]string{false: "False", true: "True"}[v2])
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	return tool{t: t, path: path, pre: []string{"-c", cfg}, env: append(cleanEnv(), "HOME="+home)}
}

// TestToolsS3cmd runs s3cmd's put, get, ls and del (SigV4).
func TestToolsS3cmd(t *testing.T) {
	s := startServer(t)
	s3c := s3cmdTool(t, s, false)

	dir := t.TempDir()
	small := filepath.Join(dir, "small.txt")
	os.WriteFile(small, []byte("hello from s3cmd\n"), 0o600)
	big := filepath.Join(dir, "big.bin")
	bigSum := writeBig(t, big, 12<<20+5, 8) // three parts of 5 MiB
	uni := filepath.Join(dir, "ünï.txt")
	os.WriteFile(uni, []byte("non-ASCII name"), 0o600)
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o600)

	s3c.run("mb", "s3://s3cmd")
	if out := s3c.run("ls"); !strings.Contains(out, "s3://s3cmd") {
		t.Errorf("ls lacks the bucket:\n%s", out)
	}
	s3c.run("put", small, "s3://s3cmd/dir/small.txt")
	s3c.run("put", big, "s3://s3cmd/dir/big.bin")
	s3c.run("put", uni, "s3://s3cmd/ünï.txt")
	s3c.run("put", empty, "s3://s3cmd/dir/empty")

	if etag := etagOf(t, s, "s3cmd", "dir/big.bin"); !strings.HasSuffix(etag, `-3"`) {
		t.Errorf("big.bin has ETag %s, want a 3-part multipart ETag", etag)
	}

	top := s3c.run("ls", "s3://s3cmd/")
	if !strings.Contains(top, "DIR") || !strings.Contains(top, "s3://s3cmd/dir/") || !strings.Contains(top, "s3://s3cmd/ünï.txt") {
		t.Errorf("ls s3://s3cmd/:\n%s", top)
	}
	rec := s3c.run("ls", "--recursive", "s3://s3cmd")
	for _, want := range []string{"s3://s3cmd/dir/small.txt", "s3://s3cmd/dir/big.bin", "s3://s3cmd/ünï.txt", "s3://s3cmd/dir/empty", fmt.Sprint(12<<20 + 5)} {
		if !strings.Contains(rec, want) {
			t.Errorf("ls --recursive lacks %q:\n%s", want, rec)
		}
	}

	out := filepath.Join(dir, "out")
	os.Mkdir(out, 0o700)
	s3c.run("get", "s3://s3cmd/dir/small.txt", filepath.Join(out, "small.txt"))
	s3c.run("get", "s3://s3cmd/dir/big.bin", filepath.Join(out, "big.bin"))
	s3c.run("get", "s3://s3cmd/ünï.txt", filepath.Join(out, "ünï.txt"))
	s3c.run("get", "s3://s3cmd/dir/empty", filepath.Join(out, "empty"))
	if got, _ := os.ReadFile(filepath.Join(out, "small.txt")); string(got) != "hello from s3cmd\n" {
		t.Errorf("small.txt came back as %q", got)
	}
	if got := fileSHA256(t, filepath.Join(out, "big.bin")); got != bigSum {
		t.Errorf("big.bin came back with sha256 %s, want %s", got, bigSum)
	}
	if got, _ := os.ReadFile(filepath.Join(out, "ünï.txt")); string(got) != "non-ASCII name" {
		t.Errorf("ünï.txt came back as %q", got)
	}
	if fi, err := os.Stat(filepath.Join(out, "empty")); err != nil || fi.Size() != 0 {
		t.Errorf("empty came back as %v, %v", fi, err)
	}

	s3c.run("del", "--recursive", "--force", "s3://s3cmd")
	if rest := s3c.run("ls", "--recursive", "s3://s3cmd"); strings.TrimSpace(rest) != "" {
		t.Errorf("objects left after del:\n%s", rest)
	}
	s3c.run("rb", "s3://s3cmd")
}
