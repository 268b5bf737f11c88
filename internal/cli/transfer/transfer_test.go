package transfer

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/kuratest"
)

const mib = 1 << 20

const bucket = "files"

func newServer(t *testing.T) *kuratest.Server {
	t.Helper()
	s := kuratest.NewServer(t)
	if err := s.Client.MakeBucket(context.Background(), bucket, client.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	return s
}

func randomBytes(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, uint64(n)))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

func writeFile(t *testing.T, p string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// recorder is an Observer that adds up what it is told.
type recorder struct {
	mu       sync.Mutex
	moved    map[string]int64
	finished map[string]error
	removed  []string
	planned  int64
}

func newRecorder() *recorder {
	return &recorder{moved: map[string]int64{}, finished: map[string]error{}}
}

func (r *recorder) Planned(files int, bytes int64) { r.mu.Lock(); r.planned += bytes; r.mu.Unlock() }
func (r *recorder) Started(*Task)                  {}
func (r *recorder) Moved(t *Task, n int64) {
	r.mu.Lock()
	r.moved[t.Target.Name] += n
	r.mu.Unlock()
}
func (r *recorder) Finished(t *Task, err error) {
	r.mu.Lock()
	r.finished[t.Target.Name] = err
	r.mu.Unlock()
}
func (r *recorder) Removed(target string, err error) {
	r.mu.Lock()
	r.removed = append(r.removed, target)
	r.mu.Unlock()
}

func newEngine(t *testing.T, opts Options) *Engine {
	t.Helper()
	if opts.ResumeDir == "" {
		opts.ResumeDir = t.TempDir()
	}
	e, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func remote(s *kuratest.Server, key string) Location {
	return Remote(s.Client, bucket, key, "kura/"+bucket+"/"+key)
}

func readObject(t *testing.T, c *client.Client, key string) ([]byte, client.ObjectInfo) {
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
	return data, obj.Info
}

func TestCopyUploadDownloadRoundTrip(t *testing.T) {
	s := newServer(t)
	dir := t.TempDir()
	ctx := context.Background()
	for _, tt := range []struct {
		name string
		size int
	}{{"empty.txt", 0}, {"small.json", 1000}, {"part.bin", 5 * mib}, {"parts.bin", 5*mib + 1}, {"more.bin", 12*mib + 7}} {
		t.Run(tt.name, func(t *testing.T) {
			data := randomBytes(tt.size, 1)
			src := filepath.Join(dir, tt.name)
			writeFile(t, src, data)
			rec := newRecorder()
			e := newEngine(t, Options{PartSize: 5 * mib, Observer: rec})
			if err := e.Copy(ctx, []Location{Local(src)}, remote(s, "up/"), false); err != nil {
				t.Fatal(err)
			}
			got, info := readObject(t, s.Client, "up/"+tt.name)
			if !bytes.Equal(got, data) {
				t.Fatalf("uploaded %d bytes, want %d", len(got), len(data))
			}
			if rec.moved["kura/files/up/"+tt.name] != int64(tt.size) {
				t.Errorf("progress counted %d bytes", rec.moved["kura/files/up/"+tt.name])
			}
			wantType := map[string]string{".txt": "text/plain; charset=utf-8", ".json": "application/json", ".bin": "application/octet-stream"}[filepath.Ext(tt.name)]
			if info.ContentType != wantType {
				t.Errorf("content type %q, want %q", info.ContentType, wantType)
			}
			if _, ok := recordedMtime(info.Metadata); !ok {
				t.Errorf("no recorded mtime in %v", info.Metadata)
			}
			out := filepath.Join(t.TempDir(), "down", tt.name)
			if err := e.Copy(ctx, []Location{remote(s, "up/"+tt.name)}, Local(out), false); err != nil {
				t.Fatal(err)
			}
			back, err := os.ReadFile(out)
			if err != nil || !bytes.Equal(back, data) {
				t.Fatalf("downloaded %d bytes (%v), want %d", len(back), err, len(data))
			}
		})
	}
}

// tree lists the files under dir with their contents.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	entries, err := listLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range entries {
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(en.rel)))
		if err != nil {
			t.Fatal(err)
		}
		out[en.rel] = string(data)
	}
	return out
}

func keys(t *testing.T, c *client.Client, prefix string) []string {
	t.Helper()
	var out []string
	for o, err := range c.ListObjects(context.Background(), bucket, client.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, o.Key)
	}
	sort.Strings(out)
	return out
}

func TestCopyRecursive(t *testing.T) {
	s := newServer(t)
	ctx := context.Background()
	src := filepath.Join(t.TempDir(), "photos")
	files := map[string]string{"a.txt": "a", "sub/b.txt": "bb", "sub/deeper/c.txt": "ccc"}
	for rel, data := range files {
		writeFile(t, filepath.Join(src, rel), []byte(data))
	}
	e := newEngine(t, Options{})
	if err := e.Copy(ctx, []Location{Local(src)}, remote(s, ""), false); err == nil {
		t.Fatal("a directory was copied without recursive")
	}
	// No trailing slash: the directory goes under its name.
	if err := e.Copy(ctx, []Location{Local(src)}, remote(s, "backup"), true); err != nil {
		t.Fatal(err)
	}
	want := []string{"backup/photos/a.txt", "backup/photos/sub/b.txt", "backup/photos/sub/deeper/c.txt"}
	if got := keys(t, s.Client, "backup/"); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("keys %v, want %v", got, want)
	}
	// A trailing slash copies the contents.
	if err := e.Copy(ctx, []Location{Local(src + "/")}, remote(s, "flat/"), true); err != nil {
		t.Fatal(err)
	}
	if got := keys(t, s.Client, "flat/"); len(got) != 3 || got[0] != "flat/a.txt" {
		t.Fatalf("keys %v", got)
	}
	// Down again, and bucket to bucket.
	out := t.TempDir()
	if err := e.Copy(ctx, []Location{remote(s, "backup/photos")}, Local(out), true); err != nil {
		t.Fatal(err)
	}
	got := tree(t, filepath.Join(out, "photos"))
	if len(got) != 3 || got["sub/deeper/c.txt"] != "ccc" {
		t.Fatalf("downloaded tree %v", got)
	}
	if err := e.Copy(ctx, []Location{remote(s, "backup/")}, remote(s, "copy/"), true); err != nil {
		t.Fatal(err)
	}
	if got := keys(t, s.Client, "copy/"); len(got) != 3 || got[0] != "copy/photos/a.txt" {
		t.Fatalf("copied keys %v", got)
	}
}

func TestCopyRemoteKeepsMetadataAndTags(t *testing.T) {
	s := newServer(t)
	ctx := context.Background()
	other := kuratest.NewServer(t)
	if err := other.Client.MakeBucket(ctx, bucket, client.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	data := randomBytes(6*mib, 3)
	if _, err := s.Client.PutObject(ctx, bucket, "src.csv", bytes.NewReader(data), int64(len(data)), client.PutObjectOptions{
		ContentType: "text/csv", Metadata: map[string]string{"owner": "ana"}, Tags: map[string]string{"team": "x"},
	}); err != nil {
		t.Fatal(err)
	}
	e := newEngine(t, Options{PartSize: 5 * mib})
	for name, dst := range map[string]Location{
		"same server": remote(s, "dst.csv"), "other server": Remote(other.Client, bucket, "dst.csv", "other/files/dst.csv"),
	} {
		t.Run(name, func(t *testing.T) {
			if err := e.Copy(ctx, []Location{remote(s, "src.csv")}, dst, false); err != nil {
				t.Fatal(err)
			}
			got, info := readObject(t, dst.Client, "dst.csv")
			if !bytes.Equal(got, data) || info.ContentType != "text/csv" || info.Metadata["owner"] != "ana" {
				t.Fatalf("copy: %d bytes, %q, %v", len(got), info.ContentType, info.Metadata)
			}
			tags, err := dst.Client.GetObjectTags(ctx, bucket, "dst.csv", client.ObjectTagsOptions{})
			if err != nil || tags["team"] != "x" {
				t.Fatalf("tags %v, %v", tags, err)
			}
		})
	}
}

func TestCopyPreserve(t *testing.T) {
	s := newServer(t)
	ctx := context.Background()
	src := filepath.Join(t.TempDir(), "kept.sh")
	writeFile(t, src, []byte("#!/bin/sh\n"))
	mtime := time.Date(2020, 2, 3, 4, 5, 6, 789000000, time.UTC)
	if err := os.Chmod(src, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(src, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	for _, preserve := range []bool{false, true} {
		e := newEngine(t, Options{Preserve: preserve})
		if err := e.Copy(ctx, []Location{Local(src)}, remote(s, "kept.sh"), false); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(t.TempDir(), "kept.sh")
		if err := e.Copy(ctx, []Location{remote(s, "kept.sh")}, Local(out), false); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(out)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.ModTime().Equal(mtime) && fi.Mode().Perm() == 0o750; got != preserve {
			t.Errorf("preserve %v: downloaded file has %v %v", preserve, fi.ModTime(), fi.Mode())
		}
	}
}

// corrupting flips a byte of every GET answer's body; with hideSums, it
// also hides the object's checksums, as a server that keeps none would.
type corrupting struct {
	next     http.RoundTripper
	hideSums bool
}

func (c corrupting) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(r)
	if err != nil || r.Method != http.MethodGet || resp.StatusCode != http.StatusOK || r.URL.Query().Has("uploads") {
		return resp, err
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	if len(data) > 0 && !bytes.HasPrefix(data, []byte("<?xml")) {
		data[len(data)/2] ^= 1
	}
	resp.Body = io.NopCloser(bytes.NewReader(data))
	if c.hideSums {
		for name := range resp.Header {
			if strings.HasPrefix(strings.ToLower(name), "x-amz-checksum-") {
				delete(resp.Header, name)
			}
		}
	}
	return resp, nil
}

func TestDownloadDetectsCorruption(t *testing.T) {
	s := newServer(t)
	ctx := context.Background()
	data := randomBytes(100000, 4)
	if _, err := s.Client.PutObject(ctx, bucket, "obj", bytes.NewReader(data), int64(len(data)), client.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	for name, hide := range map[string]bool{"checksum": false, "md5 etag": true} {
		t.Run(name, func(t *testing.T) {
			bad, err := client.New(s.Endpoint, &client.Options{
				AccessKey: s.AccessKey, SecretKey: s.SecretKey, Transport: corrupting{next: http.DefaultTransport, hideSums: hide},
			})
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			e := newEngine(t, Options{})
			err = e.Copy(ctx, []Location{Remote(bad, bucket, "obj", "bad/obj")}, Local(filepath.Join(dir, "obj")), false)
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("corrupt download: %v", err)
			}
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				t.Fatalf("files left: %v", left)
			}
			// The same download through an honest client works.
			if err := e.Copy(ctx, []Location{remote(s, "obj")}, Local(filepath.Join(dir, "obj")), false); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestDownloadCancelledLeavesNothing: a download stopped half way leaves
// neither the target nor its temporary file.
func TestDownloadCancelledLeavesNothing(t *testing.T) {
	s := newServer(t)
	data := randomBytes(8*mib, 5)
	if _, err := s.Client.PutObject(context.Background(), bucket, "big", bytes.NewReader(data), int64(len(data)), client.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e := newEngine(t, Options{Observer: cancelOnMove{recorder: newRecorder(), cancel: cancel}})
	dir := t.TempDir()
	err := e.Copy(ctx, []Location{remote(s, "big")}, Local(filepath.Join(dir, "big")), false)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled download: %v", err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Fatalf("files left: %v", left)
	}
}

type cancelOnMove struct {
	*recorder
	cancel func()
}

func (c cancelOnMove) Moved(t *Task, n int64) { c.cancel() }

// parts lists the parts of the one upload in progress of key.
func openParts(t *testing.T, c *client.Client, key string) []client.Part {
	t.Helper()
	ctx := context.Background()
	var parts []client.Part
	n := 0
	for u, err := range c.ListMultipartUploads(ctx, bucket, client.ListMultipartUploadsOptions{Prefix: key}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		for p, err := range c.ListParts(ctx, u) {
			if err != nil {
				t.Fatal(err)
			}
			parts = append(parts, p)
		}
	}
	if n > 1 {
		t.Fatalf("%d uploads of %s", n, key)
	}
	return parts
}

var errCut = errors.New("cut by the test")

func TestUploadResumes(t *testing.T) {
	s := newServer(t)
	ctx := context.Background()
	data := randomBytes(40*mib, 6)
	src := filepath.Join(t.TempDir(), "large.bin")
	writeFile(t, src, data)
	resume := t.TempDir()
	// The first run stops after three parts, as an interruption would.
	cut := newEngine(t, Options{PartSize: 5 * mib, PartParallel: 1, ResumeDir: resume, afterPart: func(n int) error {
		if n == 3 {
			return errCut
		}
		return nil
	}})
	if err := cut.Copy(ctx, []Location{Local(src)}, remote(s, "large.bin"), false); !errors.Is(err, errCut) {
		t.Fatalf("cut upload: %v", err)
	}
	if got := len(openParts(t, s.Client, "large.bin")); got != 3 {
		t.Fatalf("%d parts stored before the cut, want 3", got)
	}
	// The second run sends only the five missing parts.
	var mu sync.Mutex
	var sent []int
	rec := newRecorder()
	again := newEngine(t, Options{PartSize: 5 * mib, ResumeDir: resume, Observer: rec, afterPart: func(n int) error {
		mu.Lock()
		sent = append(sent, n)
		mu.Unlock()
		return nil
	}})
	if err := again.Copy(ctx, []Location{Local(src)}, remote(s, "large.bin"), false); err != nil {
		t.Fatal(err)
	}
	sort.Ints(sent)
	if len(sent) != 5 || sent[0] != 4 {
		t.Fatalf("resumed upload sent parts %v, want 4 to 8", sent)
	}
	if rec.moved["kura/files/large.bin"] != int64(len(data)) {
		t.Errorf("progress %d, want %d", rec.moved["kura/files/large.bin"], len(data))
	}
	got, info := readObject(t, s.Client, "large.bin")
	if !bytes.Equal(got, data) {
		t.Fatal("resumed object differs")
	}
	if !strings.HasSuffix(info.ETag, "-8") {
		t.Errorf("ETag %s, want 8 parts", info.ETag)
	}
	if left := openParts(t, s.Client, "large.bin"); len(left) != 0 {
		t.Fatalf("upload left open: %v", left)
	}
	if states, _ := os.ReadDir(resume); len(states) != 0 {
		t.Fatalf("resume state left: %v", states)
	}
}

// TestUploadResumeChecksParts: a stored part that no longer matches the
// file is sent again; a file that changed starts a new upload.
func TestUploadResumeChecksParts(t *testing.T) {
	s := newServer(t)
	ctx := context.Background()
	data := randomBytes(20*mib, 7)
	src := filepath.Join(t.TempDir(), "large.bin")
	writeFile(t, src, data)
	fi, _ := os.Stat(src)
	resume := t.TempDir()
	cutAt := func(n int) func(int) error {
		return func(p int) error {
			if p == n {
				return errCut
			}
			return nil
		}
	}
	cut := newEngine(t, Options{PartSize: 5 * mib, PartParallel: 1, ResumeDir: resume, afterPart: cutAt(2)})
	if err := cut.Copy(ctx, []Location{Local(src)}, remote(s, "large.bin"), false); !errors.Is(err, errCut) {
		t.Fatal(err)
	}
	// Part 1's data changes but the file keeps its size and time.
	data[10] ^= 1
	writeFile(t, src, data)
	if err := os.Chtimes(src, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	var sent []int
	again := newEngine(t, Options{PartSize: 5 * mib, PartParallel: 1, ResumeDir: resume, afterPart: func(n int) error {
		sent = append(sent, n)
		return nil
	}})
	if err := again.Copy(ctx, []Location{Local(src)}, remote(s, "large.bin"), false); err != nil {
		t.Fatal(err)
	}
	sort.Ints(sent)
	if len(sent) != 3 || sent[0] != 1 || sent[1] != 3 {
		t.Fatalf("sent parts %v, want 1, 3 and 4", sent)
	}
	if got, _ := readObject(t, s.Client, "large.bin"); !bytes.Equal(got, data) {
		t.Fatal("object differs")
	}
	// A file with another time starts over.
	cut = newEngine(t, Options{PartSize: 5 * mib, PartParallel: 1, ResumeDir: resume, afterPart: cutAt(2)})
	if err := cut.Copy(ctx, []Location{Local(src)}, remote(s, "again.bin"), false); !errors.Is(err, errCut) {
		t.Fatal(err)
	}
	later := fi.ModTime().Add(time.Hour)
	if err := os.Chtimes(src, later, later); err != nil {
		t.Fatal(err)
	}
	sent = nil
	if err := again.Copy(ctx, []Location{Local(src)}, remote(s, "again.bin"), false); err != nil {
		t.Fatal(err)
	}
	if len(sent) != 4 {
		t.Fatalf("changed file: sent parts %v, want all 4", sent)
	}
}

func TestMirror(t *testing.T) {
	s := newServer(t)
	ctx := context.Background()
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "keep.txt"), []byte("keep"))
	writeFile(t, filepath.Join(src, "sub/change.txt"), []byte("v1"))
	writeFile(t, filepath.Join(src, "skip.tmp"), []byte("x"))
	e := newEngine(t, Options{})
	dst := remote(s, "mirror")
	opts := MirrorOptions{Remove: true, Exclude: []string{"*.tmp"}}
	if _, err := e.Mirror(ctx, Local(src), dst, opts); err != nil {
		t.Fatal(err)
	}
	if got := keys(t, s.Client, "mirror/"); strings.Join(got, ",") != "mirror/keep.txt,mirror/sub/change.txt" {
		t.Fatalf("keys %v", got)
	}
	plan, err := e.PlanMirror(ctx, Local(src), dst, opts)
	if err != nil || len(plan.Copy)+len(plan.Remove) != 0 {
		t.Fatalf("unchanged tree: plan %+v, %v", plan, err)
	}
	// Change a file (same size, later time), add one, delete one.
	writeFile(t, filepath.Join(src, "sub/change.txt"), []byte("v2"))
	later := time.Now().Add(time.Minute)
	os.Chtimes(filepath.Join(src, "sub/change.txt"), later, later)
	writeFile(t, filepath.Join(src, "new.txt"), []byte("new"))
	os.Remove(filepath.Join(src, "keep.txt"))
	dry, err := e.Mirror(ctx, Local(src), dst, MirrorOptions{Remove: true, Exclude: opts.Exclude, DryRun: true})
	if err != nil || len(dry.Copy) != 2 || len(dry.Remove) != 1 {
		t.Fatalf("dry run: %+v, %v", dry, err)
	}
	if got := keys(t, s.Client, "mirror/"); len(got) != 2 || got[0] != "mirror/keep.txt" {
		t.Fatalf("dry run changed the target: %v", got)
	}
	if _, err := e.Mirror(ctx, Local(src), dst, opts); err != nil {
		t.Fatal(err)
	}
	if got := keys(t, s.Client, "mirror/"); strings.Join(got, ",") != "mirror/new.txt,mirror/sub/change.txt" {
		t.Fatalf("keys %v", got)
	}
	if got, _ := readObject(t, s.Client, "mirror/sub/change.txt"); string(got) != "v2" {
		t.Fatalf("changed file: %q", got)
	}
	// Back down to a directory; a second mirror finds nothing to do.
	out := t.TempDir()
	writeFile(t, filepath.Join(out, "extra.txt"), []byte("extra"))
	if _, err := e.Mirror(ctx, dst, Local(out), MirrorOptions{Remove: true}); err != nil {
		t.Fatal(err)
	}
	if got := tree(t, out); len(got) != 2 || got["sub/change.txt"] != "v2" {
		t.Fatalf("local mirror %v", got)
	}
	plan, err = e.PlanMirror(ctx, dst, Local(out), MirrorOptions{Remove: true})
	if err != nil || len(plan.Copy)+len(plan.Remove) != 0 {
		t.Fatalf("second local mirror: plan %+v, %v", plan, err)
	}
	// Bucket to bucket.
	if _, err := e.Mirror(ctx, dst, remote(s, "mirror2"), MirrorOptions{}); err != nil {
		t.Fatal(err)
	}
	plan, err = e.PlanMirror(ctx, dst, remote(s, "mirror2"), MirrorOptions{})
	if err != nil || len(plan.Copy) != 0 {
		t.Fatalf("second remote mirror: plan %+v, %v", plan, err)
	}
}

func TestMirrorKeepsNewerTargetsUnlessOverwrite(t *testing.T) {
	s := newServer(t)
	ctx := context.Background()
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "f.txt"), []byte("old"))
	old := time.Now().Add(-time.Hour)
	os.Chtimes(filepath.Join(src, "f.txt"), old, old)
	dst := t.TempDir()
	writeFile(t, filepath.Join(dst, "f.txt"), []byte("newer"))
	e := newEngine(t, Options{})
	_ = s
	plan, err := e.PlanMirror(ctx, Local(src), Local(dst), MirrorOptions{})
	if err != nil || len(plan.Copy) != 0 {
		t.Fatalf("newer target replaced: %+v %v", plan, err)
	}
	plan, err = e.PlanMirror(ctx, Local(src), Local(dst), MirrorOptions{Overwrite: true})
	if err != nil || len(plan.Copy) != 1 {
		t.Fatalf("overwrite: %+v %v", plan, err)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestWatch(t *testing.T) {
	s := newServer(t)
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "first.txt"), []byte("1"))
	e := newEngine(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- e.Watch(ctx, Local(src), remote(s, "w"), MirrorOptions{Remove: true}, func() { close(ready) })
	}()
	<-ready
	has := func(key, want string) func() bool {
		return func() bool {
			obj, err := s.Client.GetObject(context.Background(), bucket, key, client.GetObjectOptions{})
			if err != nil {
				return false
			}
			defer obj.Close()
			got, _ := io.ReadAll(obj)
			return string(got) == want
		}
	}
	if !has("w/first.txt", "1")() {
		t.Fatal("first mirror did not copy")
	}
	writeFile(t, filepath.Join(src, "dir/new.txt"), []byte("new"))
	waitFor(t, "a new file", has("w/dir/new.txt", "new"))
	writeFile(t, filepath.Join(src, "first.txt"), []byte("changed"))
	waitFor(t, "a changed file", has("w/first.txt", "changed"))
	os.Remove(filepath.Join(src, "first.txt"))
	waitFor(t, "a removed file", func() bool {
		_, err := s.Client.StatObject(context.Background(), bucket, "w/first.txt", client.StatObjectOptions{})
		return client.IsNotFound(err)
	})
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("watch ended with %v", err)
	}
}

func TestPartSizeFor(t *testing.T) {
	e := newEngine(t, Options{})
	for _, tt := range []struct{ size, want int64 }{
		{0, 16 * mib}, {4 << 30, 16 * mib}, {16000 * mib, 16 * mib}, {16001 * mib, 17 * mib}, {5 << 40, 5 << 30},
	} {
		if got := e.partSizeFor(tt.size); got != tt.want {
			t.Errorf("part size of %d: %d, want %d", tt.size, got, tt.want)
		}
	}
	if _, err := New(Options{PartSize: 5*mib - 1}); err == nil {
		t.Error("part size below 5 MiB accepted")
	}
	if _, err := New(Options{PartSize: 5 * mib}); err != nil {
		t.Error(err)
	}
}
