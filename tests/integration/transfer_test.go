package integration

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/kurastore/kura/client"
)

// The client transfer commands (cp, mirror), run as the built binary.

func transferData(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, uint64(n)))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// readTree is the files below dir and their contents.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func objectKeys(t *testing.T, c *client.Client, bucket, prefix string) []string {
	t.Helper()
	var keys []string
	for o, err := range c.ListObjects(context.Background(), bucket, client.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, o.Key)
	}
	sort.Strings(keys)
	return keys
}

func objectBody(t *testing.T, c *client.Client, bucket, key string) string {
	t.Helper()
	obj, err := c.GetObject(context.Background(), bucket, key, client.GetObjectOptions{})
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	defer obj.Close()
	data, err := io.ReadAll(obj)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestTransferAgainstKura(t *testing.T) {
	s := startServer(t)
	transferScript(t, s.addr, s.accessKey, s.secretKey)
}

func TestTransferAgainstMinio(t *testing.T) {
	if os.Getenv(envMinio) == "" {
		if _, err := os.Stat("/tmp/minio-bin/minio"); err == nil {
			t.Setenv(envMinio, "/tmp/minio-bin/minio")
		}
	}
	m := startMinio(t)
	transferScript(t, m.addr, m.accessKey, m.secretKey)
}

// transferScript runs cp and mirror both ways against the server at addr.
func transferScript(t *testing.T, addr, accessKey, secretKey string) {
	ctx := context.Background()
	sh := newCLISession(t)
	sh.env = append(sh.env, "XDG_CACHE_HOME="+t.TempDir())
	sh.ok("alias", "set", "srv", "http://"+addr, accessKey, secretKey)
	sdk, err := client.New(addr, &client.Options{AccessKey: accessKey, SecretKey: secretKey})
	if err != nil {
		t.Fatal(err)
	}
	bucket := "xfer-" + randomHex(4)
	if err := sdk.MakeBucket(ctx, bucket, client.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	remote := "srv/" + bucket

	// One file up (multipart: 12 MiB in 5 MiB parts) and down, plain lines.
	dir := t.TempDir()
	big := transferData(12<<20+5, 1)
	writeTree(t, dir, map[string][]byte{"big.bin": big})
	out := sh.ok("cp", "--part-size", "5MiB", filepath.Join(dir, "big.bin"), remote+"/one/")
	if !regexp.MustCompile(`big\.bin -> srv/` + bucket + `/one/big\.bin \(12 MiB, [0-9.]+ [KMG]?i?B/s\)`).MatchString(out) {
		t.Fatalf("cp printed %q, want a line source -> target (size, rate)", out)
	}
	if objectBody(t, sdk, bucket, "one/big.bin") != string(big) {
		t.Fatal("uploaded data differs")
	}
	back := filepath.Join(t.TempDir(), "back.bin")
	sh.ok("cp", remote+"/one/big.bin", back)
	if data, _ := os.ReadFile(back); !bytes.Equal(data, big) {
		t.Fatal("downloaded data differs")
	}

	// A tree, recursively, with JSON lines.
	tree := map[string][]byte{"a.txt": []byte("alpha"), "sub/b.json": []byte(`{"b":1}`), "sub/deep/c.bin": transferData(70000, 2)}
	src := filepath.Join(t.TempDir(), "tree")
	writeTree(t, src, tree)
	sh.fails("cp", src, remote+"/")
	recs := sh.records("cp", "--recursive", src, remote+"/up/")
	if len(recs) != 3 {
		t.Fatalf("cp --json printed %d records, want 3: %v", len(recs), recs)
	}
	for _, r := range recs {
		if r["status"] != "success" || !strings.HasPrefix(cliString(r["target"]), remote+"/up/tree/") || r["size"] == nil || cliString(r["totalSize"]) != "70012" {
			t.Fatalf("record %v", r)
		}
	}
	if got := objectKeys(t, sdk, bucket, "up/"); strings.Join(got, ",") != "up/tree/a.txt,up/tree/sub/b.json,up/tree/sub/deep/c.bin" {
		t.Fatalf("keys %v", got)
	}
	down := t.TempDir()
	sh.ok("cp", "-r", "-q", remote+"/up/tree/", down)
	if got := readTree(t, down); len(got) != 3 || got["sub/deep/c.bin"] != string(tree["sub/deep/c.bin"]) {
		t.Fatalf("downloaded tree %v", got)
	}
	// Bucket to bucket.
	sh.ok("cp", "-r", remote+"/up/tree", remote+"/copy/")
	if got := objectKeys(t, sdk, bucket, "copy/"); len(got) != 3 || got[0] != "copy/tree/a.txt" {
		t.Fatalf("copied keys %v", got)
	}

	// --preserve keeps the modification time through a round trip.
	mtime := time.Date(2021, 6, 7, 8, 9, 10, 0, time.UTC)
	old := filepath.Join(dir, "old.txt")
	writeTree(t, dir, map[string][]byte{"old.txt": []byte("old")})
	os.Chtimes(old, mtime, mtime)
	sh.ok("cp", "--preserve", old, remote+"/old.txt")
	kept := filepath.Join(t.TempDir(), "old.txt")
	sh.ok("cp", "-a", remote+"/old.txt", kept)
	if fi, err := os.Stat(kept); err != nil || !fi.ModTime().Equal(mtime) {
		t.Fatalf("preserved file: %v, %v; want time %v", fi.ModTime(), err, mtime)
	}

	// --attr adds metadata; a malformed one is refused.
	sh.ok("cp", "--attr", "owner=ana;team=blue", old, remote+"/attr.txt")
	if st, err := sdk.StatObject(ctx, bucket, "attr.txt", client.StatObjectOptions{}); err != nil ||
		st.Metadata["owner"] != "ana" || st.Metadata["team"] != "blue" || st.ContentType != "text/plain; charset=utf-8" {
		t.Fatalf("cp --attr: %v %v %q", st.Metadata, err, st.ContentType)
	}
	sh.fails("cp", "--attr", "owner", old, remote+"/attr.txt")

	// mirror both ways, with --remove.
	sh.ok("mirror", src, remote+"/m")
	os.Remove(filepath.Join(src, "a.txt"))
	writeTree(t, src, map[string][]byte{"new.txt": []byte("new")})
	dry := sh.ok("mirror", "--remove", "--dry-run", src, remote+"/m")
	if !strings.Contains(dry, "would copy") || !strings.Contains(dry, "would remove "+remote+"/m/a.txt") {
		t.Fatalf("mirror --dry-run printed %q", dry)
	}
	sh.ok("mirror", "--remove", src, remote+"/m")
	if got := objectKeys(t, sdk, bucket, "m/"); strings.Join(got, ",") != "m/new.txt,m/sub/b.json,m/sub/deep/c.bin" {
		t.Fatalf("mirrored keys %v", got)
	}
	if out := sh.ok("mirror", "--remove", src, remote+"/m"); out != "" {
		t.Fatalf("second mirror did something: %q", out)
	}
	local := t.TempDir()
	writeTree(t, local, map[string][]byte{"stale.txt": []byte("x")})
	sh.ok("mirror", "--remove", remote+"/m", local)
	if got := readTree(t, local); len(got) != 3 || got["new.txt"] != "new" {
		t.Fatalf("local mirror %v", got)
	}
	if out := sh.ok("mirror", "--remove", remote+"/m", local); out != "" {
		t.Fatalf("second local mirror did something: %q", out)
	}
}

// slowProxy passes requests to a server, sending part and GET bodies at
// a bounded rate, and counts the parts stored through it.
type slowProxy struct {
	*httptest.Server
	parts atomic.Int32
	rate  int // bytes per second
}

// slowAlias is a CLI session with its own resume cache whose alias
// "slow" reaches s through a proxy that reads request bodies at rate
// bytes per second.
func slowAlias(t *testing.T, s *server, rate int) (*slowProxy, *cliSession) {
	t.Helper()
	proxy := newSlowProxy(t, s.url(), rate)
	sh := newCLISession(t)
	sh.env = append(sh.env, "XDG_CACHE_HOME="+t.TempDir())
	sh.ok("alias", "set", "slow", proxy.URL, s.accessKey, s.secretKey)
	return proxy, sh
}

func newSlowProxy(t *testing.T, target string, rate int) *slowProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &slowProxy{rate: rate}
	rp := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(u)
		pr.Out.Host = pr.In.Host // the signature covers the host the client used
		if pr.Out.Body != nil && pr.Out.ContentLength > 0 {
			pr.Out.Body = io.NopCloser(&slowReader{r: pr.Out.Body, rate: rate})
		}
	}}
	rp.ModifyResponse = func(resp *http.Response) error {
		q := resp.Request.URL.Query()
		if resp.Request.Method == http.MethodPut && q.Has("partNumber") && resp.StatusCode == http.StatusOK {
			p.parts.Add(1)
		}
		if resp.Request.Method == http.MethodGet && resp.StatusCode == http.StatusOK && resp.ContentLength > 1<<20 {
			resp.Body = struct {
				io.Reader
				io.Closer
			}{&slowReader{r: resp.Body, rate: rate}, resp.Body}
		}
		return nil
	}
	rp.FlushInterval = -1
	p.Server = httptest.NewServer(rp)
	t.Cleanup(p.Close)
	return p
}

type slowReader struct {
	r    io.Reader
	rate int
}

func (s *slowReader) Read(p []byte) (int, error) {
	if len(p) > 64<<10 {
		p = p[:64<<10]
	}
	n, err := s.r.Read(p)
	time.Sleep(time.Duration(n) * time.Second / time.Duration(s.rate))
	return n, err
}

// interruptWhen starts kura, sends it SIGINT once cond holds and returns
// its exit code.
func interruptWhen(t *testing.T, sh *cliSession, cond func() bool, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(kuraBin, args...)
	cmd.Env = sh.env
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatal("the condition to interrupt kura never held")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		return 0, errOut.String()
	}
	return exit.ExitCode(), errOut.String()
}

// TestCpInterruptAndResume: Ctrl-C stops an upload with exit status 130
// and leaves its multipart upload; the next cp sends only the missing
// parts. A download stopped the same way leaves no file.
func TestCpInterruptAndResume(t *testing.T) {
	s := startServer(t)
	proxy, sh := slowAlias(t, s, 40<<20)
	sdk := kuraClientAs(t, s, s.accessKey, s.secretKey)
	ctx := context.Background()
	if err := sdk.MakeBucket(ctx, "resume", client.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	data := transferData(40<<20, 3)
	file := filepath.Join(t.TempDir(), "large.bin")
	writeTree(t, filepath.Dir(file), map[string][]byte{"large.bin": data})
	args := []string{"cp", "--part-size", "5MiB", "--part-parallel", "1", file, "slow/resume/large.bin"}
	code, errOut := interruptWhen(t, sh, func() bool { return proxy.parts.Load() >= 3 }, args...)
	if code != 130 {
		t.Fatalf("interrupted cp exited %d, want 130; stderr %s", code, errOut)
	}
	var stored int
	for u, err := range sdk.ListMultipartUploads(ctx, "resume", client.ListMultipartUploadsOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		for _, err := range sdk.ListParts(ctx, u) {
			if err != nil {
				t.Fatal(err)
			}
			stored++
		}
	}
	if stored < 3 || stored >= 8 {
		t.Fatalf("%d parts stored after the interruption, want 3 to 7", stored)
	}
	before := proxy.parts.Load()
	out := sh.ok(args...)
	if sent := int(proxy.parts.Load() - before); sent != 8-stored {
		t.Fatalf("the second cp sent %d parts, want the %d missing; printed %q", sent, 8-stored, out)
	}
	if objectBody(t, sdk, "resume", "large.bin") != string(data) {
		t.Fatal("resumed object differs")
	}
	for u, err := range sdk.ListMultipartUploads(ctx, "resume", client.ListMultipartUploadsOptions{}) {
		t.Fatalf("upload left: %v %v", u, err)
	}

	// A download stopped half way leaves neither file nor temporary file.
	down := t.TempDir()
	target := filepath.Join(down, "large.bin")
	start := time.Now()
	code, errOut = interruptWhen(t, sh, func() bool {
		entries, _ := os.ReadDir(down)
		return len(entries) > 0 && time.Since(start) > 300*time.Millisecond
	}, "cp", "slow/resume/large.bin", target)
	if code != 130 {
		t.Fatalf("interrupted download exited %d, want 130; stderr %s", code, errOut)
	}
	if entries, _ := os.ReadDir(down); len(entries) != 0 {
		t.Fatalf("interrupted download left %v", entries)
	}
}

// TestMirrorWatch: mirror --watch copies created and changed files and,
// with --remove, deletes removed ones, until SIGINT.
func TestMirrorWatch(t *testing.T) {
	s := startServer(t)
	sh := newCLISession(t)
	sh.ok("alias", "set", "srv", s.url(), s.accessKey, s.secretKey)
	sdk := kuraClientAs(t, s, s.accessKey, s.secretKey)
	ctx := context.Background()
	if err := sdk.MakeBucket(ctx, "watched", client.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	src := t.TempDir()
	writeTree(t, src, map[string][]byte{"first.txt": []byte("1")})
	has := func(key, want string) func() bool {
		return func() bool {
			obj, err := sdk.GetObject(ctx, "watched", key, client.GetObjectOptions{})
			if err != nil {
				return false
			}
			defer obj.Close()
			got, _ := io.ReadAll(obj)
			return string(got) == want
		}
	}
	gone := func(key string) func() bool {
		return func() bool {
			_, err := sdk.StatObject(ctx, "watched", key, client.StatObjectOptions{})
			return client.IsNotFound(err)
		}
	}
	steps := []struct {
		what string
		do   func()
		done func() bool
	}{
		{"the first mirror", func() {}, has("w/first.txt", "1")},
		{"a new file", func() { writeTree(t, src, map[string][]byte{"dir/new.txt": []byte("new")}) }, has("w/dir/new.txt", "new")},
		{"a changed file", func() { writeTree(t, src, map[string][]byte{"first.txt": []byte("changed")}) }, has("w/first.txt", "changed")},
		{"a removed file", func() { os.Remove(filepath.Join(src, "first.txt")) }, gone("w/first.txt")},
	}
	step := 0
	code, errOut := interruptWhen(t, sh, func() bool {
		if step == len(steps) {
			return true
		}
		if steps[step].done() {
			step++
			if step < len(steps) {
				steps[step].do()
			}
		}
		return false
	}, "mirror", "--watch", "--remove", src, "srv/watched/w")
	if code != 130 {
		t.Fatalf("mirror --watch exited %d after SIGINT, want 130; stderr %s", code, errOut)
	}
}

// TestCpProgressOnTerminal runs cp under a pseudo-terminal: the display
// is bars with rate and ETA that end at 100 %.
func TestCpProgressOnTerminal(t *testing.T) {
	s := startServer(t)
	_, sh := slowAlias(t, s, 20<<20)
	sdk := kuraClientAs(t, s, s.accessKey, s.secretKey)
	if err := sdk.MakeBucket(context.Background(), "tty", client.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "big.bin")
	writeTree(t, filepath.Dir(file), map[string][]byte{"big.bin": transferData(30<<20, 4)})
	cmd := exec.Command(kuraBin, "cp", "--part-size", "5MiB", "--part-parallel", "2", file, "slow/tty/big.bin")
	cmd.Env = append(sh.env, "TERM=xterm")
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 160})
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()
	var screen bytes.Buffer
	_, _ = io.Copy(&screen, tty) // ends with EIO once kura exits
	if err := cmd.Wait(); err != nil {
		t.Fatalf("cp on a terminal: %v\n%s", err, screen.String())
	}
	out := screen.String()
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`big\.bin +\[[=>-]+\]`), // the file's bar
		regexp.MustCompile(`Total +\[[=>-]+\]`),    // the total bar
		// bytes, rate, ETA and percentage while it runs
		regexp.MustCompile(`[0-9.]+ MiB / 30\.0 MiB +[0-9.]+ MiB/s +[0-9]+(m[0-9]+)?s +[0-9]{1,2} %`),
		regexp.MustCompile(`30\.0 MiB / 30\.0 MiB .* 100 %`), // the end
		regexp.MustCompile(`30 MiB in [0-9.]+m?s`),           // the summary
	} {
		if !want.MatchString(out) {
			t.Errorf("terminal output lacks %s:\n%q", want, out)
		}
	}
	if strings.Contains(out, "->") {
		t.Errorf("plain lines on a terminal:\n%q", out)
	}
}
