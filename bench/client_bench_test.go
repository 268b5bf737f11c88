package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kurastore/kura/client"
)

// TestClientCommands times kura's cp and mirror against aws s3 cp/sync and
// rclone on one kura server, and the server's own upload rate through the
// Go SDK, in one run. It is a manual benchmark: without -client.run (or
// KURA_BENCH_CLIENT=1) it is skipped.
var (
	clientRun      = flag.Bool("client.run", os.Getenv("KURA_BENCH_CLIENT") != "", "run TestClientCommands (default $KURA_BENCH_CLIENT)")
	clientLargeMiB = flag.Int("client.large-mib", 256, "size of TestClientCommands' large file in MiB (4096 for the published figures)")
	clientSmall    = flag.Int("client.small", 10000, "number of TestClientCommands' small files")
	clientSmallKiB = flag.Int("client.small-kib", 4, "size of each small file in KiB")
	clientTree     = flag.Int("client.tree", 1000, "files of TestClientCommands' mirrored tree (4 KiB to 1 MiB, and a 64 MiB one every 250)")
	clientRuns     = flag.Int("client.runs", 1, "runs of each tool and workload; the fastest counts")
)

// clientTool is one way of running a workload.
type clientTool struct {
	name string
	// cmd is the command line of a workload, nil for one it lacks.
	cmd func(w clientWorkload, dest string) []string
}

type clientWorkload struct {
	name  string
	file  string // the local file a download's object is made of
	id    string // in keys
	src   string // local file or directory
	bytes int64
	files int
	// kind: "file" one file up, "down" one object down, "tree" a
	// recursive copy, "mirror" a sync of a directory.
	kind string
}

type clientResult struct {
	wall time.Duration
	cpu  time.Duration // the client's user+system time
}

func TestClientCommands(t *testing.T) {
	if !*clientRun {
		t.Skip("manual benchmark: give -client.run or KURA_BENCH_CLIENT=1")
	}
	for _, tool := range []string{"aws", "rclone"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	ctx := context.Background()
	work := t.TempDir()
	kuraBin := filepath.Join(work, "kura")
	if out, err := exec.Command("go", "build", "-o", kuraBin, "github.com/kurastore/kura/cmd/kura").CombinedOutput(); err != nil {
		t.Fatalf("building kura: %v\n%s", err, out)
	}
	key := make([]byte, 12)
	rand.Read(key)
	access, secret := "BENCH"+hex.EncodeToString(key[:4]), hex.EncodeToString(key)
	addr := freeAddr(t)
	scmd := exec.Command(kuraBin, "server", "--address", addr, "--log-level", "error", filepath.Join(work, "data"))
	scmd.Env = append(os.Environ(), "KURA_ROOT_USER="+access, "KURA_ROOT_PASSWORD="+secret)
	srv := startSelectServer(t, "kura", scmd, addr, access, secret)
	const bucket = "cli"
	if err := srv.client.MakeBucket(ctx, bucket, client.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}

	var env []string
	for _, kv := range os.Environ() {
		// rclone refuses to start with a CA bundle on a plain HTTP endpoint.
		if !strings.HasPrefix(kv, "AWS_CA_BUNDLE=") {
			env = append(env, kv)
		}
	}
	env = append(env,
		"KURA_CONFIG_DIR="+filepath.Join(work, "kura-config"), "XDG_CACHE_HOME="+filepath.Join(work, "cache"),
		"AWS_ACCESS_KEY_ID="+access, "AWS_SECRET_ACCESS_KEY="+secret, "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE="+filepath.Join(work, "aws-config"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(work, "aws-creds"),
		"RCLONE_CONFIG="+filepath.Join(work, "rclone.conf"),
		"RCLONE_CONFIG_KURA_TYPE=s3", "RCLONE_CONFIG_KURA_PROVIDER=Other", "RCLONE_CONFIG_KURA_ENV_AUTH=false",
		"RCLONE_CONFIG_KURA_ACCESS_KEY_ID="+access, "RCLONE_CONFIG_KURA_SECRET_ACCESS_KEY="+secret,
		"RCLONE_CONFIG_KURA_ENDPOINT=http://"+addr, "RCLONE_CONFIG_KURA_REGION=us-east-1",
	)
	if out, err := runEnv(env, kuraBin, "alias", "set", "bench", "http://"+addr, access, secret); err != nil {
		t.Fatalf("alias set: %v\n%s", err, out)
	}

	workloads := makeClientData(t, work)
	endpoint := "--endpoint-url=http://" + addr
	tools := []clientTool{
		{"kura", func(w clientWorkload, dest string) []string {
			switch w.kind {
			case "file":
				return []string{kuraBin, "cp", "-q", w.src, "bench/" + bucket + "/" + dest}
			case "down":
				return []string{kuraBin, "cp", "-q", "bench/" + bucket + "/" + w.src, filepath.Join(work, dest)}
			case "tree":
				return []string{kuraBin, "cp", "-q", "-r", w.src + "/", "bench/" + bucket + "/" + dest + "/"}
			}
			return []string{kuraBin, "mirror", "-q", w.src, "bench/" + bucket + "/" + dest}
		}},
		{"aws s3", func(w clientWorkload, dest string) []string {
			switch w.kind {
			case "file":
				return []string{"aws", endpoint, "s3", "cp", "--only-show-errors", w.src, "s3://" + bucket + "/" + dest}
			case "down":
				return []string{"aws", endpoint, "s3", "cp", "--only-show-errors", "s3://" + bucket + "/" + w.src, filepath.Join(work, dest)}
			case "tree":
				return []string{"aws", endpoint, "s3", "cp", "--only-show-errors", "--recursive", w.src, "s3://" + bucket + "/" + dest + "/"}
			}
			return []string{"aws", endpoint, "s3", "sync", "--only-show-errors", w.src, "s3://" + bucket + "/" + dest}
		}},
		{"rclone", func(w clientWorkload, dest string) []string {
			switch w.kind {
			case "file":
				return []string{"rclone", "copyto", w.src, "kura:" + bucket + "/" + dest}
			case "down":
				return []string{"rclone", "copyto", "kura:" + bucket + "/" + w.src, filepath.Join(work, dest)}
			case "tree":
				return []string{"rclone", "copy", w.src, "kura:" + bucket + "/" + dest}
			}
			return []string{"rclone", "sync", w.src, "kura:" + bucket + "/" + dest}
		}},
	}

	var lines []string
	report := func(format string, args ...any) {
		line := fmt.Sprintf(format, args...)
		t.Log(line)
		lines = append(lines, line)
	}
	report("| workload | tool | best wall time | MiB/s | files/s | client CPU | vs kura cp |")
	report("|---|---|---|---|---|---|---|")
	for _, w := range workloads {
		best := map[string]clientResult{}
		for run := 0; run < *clientRuns; run++ {
			// The server's own rate: the SDK in this process, for uploads.
			if w.kind == "file" || w.kind == "tree" {
				dest := fmt.Sprintf("sdk-%s-%d", w.id, run)
				r := sdkUpload(t, srv.client, bucket, w, dest)
				keepBest(best, "SDK (server's own rate)", r)
				removePrefix(t, srv.client, bucket, dest)
			}
			if w.kind == "down" && run == 0 {
				if _, err := srv.client.FPutObject(ctx, bucket, w.src, w.file, client.PutObjectOptions{PartSize: 16 << 20}); err != nil {
					t.Fatal(err)
				}
			}
			// Alternate the order of the tools between runs.
			order := append([]clientTool(nil), tools...)
			if run%2 == 1 {
				for i, j := 0, len(order)-1; i < j; i, j = i+1, j-1 {
					order[i], order[j] = order[j], order[i]
				}
			}
			for _, tool := range order {
				dest := fmt.Sprintf("%s-%s-%d", strings.ReplaceAll(tool.name, " ", "-"), w.id, run)
				if w.kind == "down" {
					dest = filepath.Base(dest) + ".bin"
				}
				r, err := timeCommand(env, tool.cmd(w, dest)...)
				if err != nil {
					t.Fatalf("%s %s: %v", tool.name, w.name, err)
				}
				keepBest(best, tool.name, r)
				if w.kind == "mirror" {
					// A second sync with nothing changed.
					r, err := timeCommand(env, tool.cmd(w, dest)...)
					if err != nil {
						t.Fatalf("%s %s again: %v", tool.name, w.name, err)
					}
					keepBest(best, tool.name+" (no change)", r)
				}
				// What was written goes, so that the disk holds one copy
				// of the data at a time.
				if w.kind == "down" {
					os.Remove(filepath.Join(work, dest))
				} else {
					removePrefix(t, srv.client, bucket, dest)
				}
			}
		}
		kura := best["kura"].wall
		for _, name := range []string{"SDK (server's own rate)", "kura", "aws s3", "rclone", "kura (no change)", "aws s3 (no change)", "rclone (no change)"} {
			r, ok := best[name]
			if !ok {
				continue
			}
			mibs, fps := "", ""
			if !strings.HasSuffix(name, "(no change)") {
				mibs = fmt.Sprintf("%.0f", float64(w.bytes)/(1<<20)/r.wall.Seconds())
				fps = fmt.Sprintf("%.0f", float64(w.files)/r.wall.Seconds())
			}
			cpu := "—"
			if r.cpu > 0 {
				cpu = r.cpu.Round(10 * time.Millisecond).String()
			}
			ratio := fmt.Sprintf("%.2f×", r.wall.Seconds()/kura.Seconds())
			if strings.HasSuffix(name, "(no change)") {
				ratio = fmt.Sprintf("%.2f×", r.wall.Seconds()/best["kura (no change)"].wall.Seconds())
			}
			report("| %s | %s | %v | %s | %s | %s | %s |", w.name, name, r.wall.Round(time.Millisecond), mibs, fps, cpu, ratio)
		}
	}
	fmt.Println(strings.Join(lines, "\n"))
}

// removePrefix deletes the object key and everything below key/.
func removePrefix(t *testing.T, c *client.Client, bucket, key string) {
	t.Helper()
	ctx := context.Background()
	keys := func(yield func(client.ObjectToDelete) bool) {
		if !yield(client.ObjectToDelete{Key: key}) {
			return
		}
		for o, err := range c.ListObjects(ctx, bucket, client.ListObjectsOptions{Prefix: key + "/", Recursive: true}) {
			if err != nil || !yield(client.ObjectToDelete{Key: o.Key}) {
				return
			}
		}
	}
	if err := c.RemoveObjects(ctx, bucket, keys, client.RemoveObjectsOptions{}); err != nil {
		t.Fatalf("removing %s: %v", key, err)
	}
}

func keepBest(best map[string]clientResult, name string, r clientResult) {
	if b, ok := best[name]; !ok || r.wall < b.wall {
		best[name] = r
	}
}

func runEnv(env []string, args ...string) ([]byte, error) {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = env
	return cmd.CombinedOutput()
}

// timeCommand runs a command and measures its wall and CPU time.
func timeCommand(env []string, args ...string) (clientResult, error) {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = env
	began := time.Now()
	out, err := cmd.CombinedOutput()
	wall := time.Since(began)
	if err != nil {
		return clientResult{}, fmt.Errorf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	var cpu time.Duration
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return clientResult{wall: wall, cpu: cpu}, nil
}

// sdkUpload uploads a workload's data with the Go SDK from this process:
// the large file in 16 MiB parts, 8 at a time; small files 16 at a time.
func sdkUpload(t *testing.T, c *client.Client, bucket string, w clientWorkload, dest string) clientResult {
	t.Helper()
	ctx := context.Background()
	began := time.Now()
	if w.kind == "file" {
		if _, err := c.FPutObject(ctx, bucket, dest, w.src, client.PutObjectOptions{PartSize: 16 << 20, NumThreads: 8}); err != nil {
			t.Fatal(err)
		}
		return clientResult{wall: time.Since(began)}
	}
	entries, err := os.ReadDir(w.src)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	jobs := make(chan string)
	errs := make(chan error, 16)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for name := range jobs {
				if _, err := c.FPutObject(ctx, bucket, dest+"/"+name, filepath.Join(w.src, name), client.PutObjectOptions{}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for _, e := range entries {
		jobs <- e.Name()
	}
	close(jobs)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
	return clientResult{wall: time.Since(began)}
}

// makeClientData writes the benchmark's files: a large one, a directory
// of small ones and a tree of mixed sizes.
func makeClientData(t *testing.T, work string) []clientWorkload {
	t.Helper()
	rng := mrand.New(mrand.NewPCG(1, 2))
	fill := func(p string, n int64) {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		buf := make([]byte, 1<<20)
		for n > 0 {
			for i := 0; i < len(buf); i += 8 {
				v := rng.Uint64()
				for j := 0; j < 8 && i+j < len(buf); j++ {
					buf[i+j] = byte(v >> (8 * j))
				}
			}
			k := min(n, int64(len(buf)))
			if _, err := f.Write(buf[:k]); err != nil {
				t.Fatal(err)
			}
			n -= k
		}
	}
	large := filepath.Join(work, "large.bin")
	largeBytes := int64(*clientLargeMiB) << 20
	fill(large, largeBytes)
	small := filepath.Join(work, "small")
	smallBytes := int64(*clientSmallKiB) << 10
	for i := range *clientSmall {
		fill(filepath.Join(small, fmt.Sprintf("f%05d", i)), smallBytes)
	}
	tree := filepath.Join(work, "tree")
	var treeBytes int64
	for i := range *clientTree {
		n := int64(4<<10) << rng.IntN(9) // 4 KiB to 1 MiB
		if i%250 == 249 {
			n = 64 << 20
		}
		fill(filepath.Join(tree, fmt.Sprintf("d%02d/e%02d/f%04d", i%10, i%7, i)), n)
		treeBytes += n
	}
	return []clientWorkload{
		{name: fmt.Sprintf("one %d MiB file up", *clientLargeMiB), id: "large", src: large, bytes: largeBytes, files: 1, kind: "file"},
		{name: fmt.Sprintf("%d × %d KiB files up", *clientSmall, *clientSmallKiB), id: "small", src: small, bytes: smallBytes * int64(*clientSmall), files: *clientSmall, kind: "tree"},
		{name: fmt.Sprintf("mirror of a %d-file tree (%d MiB)", *clientTree, treeBytes>>20), id: "tree", src: tree, bytes: treeBytes, files: *clientTree, kind: "mirror"},
		{name: fmt.Sprintf("one %d MiB object down", *clientLargeMiB), id: "down", src: "down-source", file: large, bytes: largeBytes, files: 1, kind: "down"},
	}
}
