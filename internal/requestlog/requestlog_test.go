package requestlog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kurastore/kura/internal/httpapi"
)

func TestEntryJSONShape(t *testing.T) {
	arrived := time.Date(2026, 12, 5, 9, 30, 1, 123456789, time.FixedZone("CET", 3600))
	rec := &httpapi.RequestRecord{
		Time: arrived, Duration: 1500 * time.Microsecond, RequestID: "RID", HostID: "HID",
		RemoteIP: "192.0.2.7", AccessKey: "AKIA", API: "GetObject", Bucket: "b", Key: "a&b<c>.txt",
		Method: "GET", UserAgent: "ua/1", Status: 404, ErrorCode: "NoSuchKey", BytesIn: 3, BytesOut: 299,
	}
	line := NewEntry(rec).Line()
	if !bytes.HasSuffix(line, []byte("}\n")) || bytes.Count(line, []byte("\n")) != 1 {
		t.Fatalf("not one line: %q", line)
	}
	if !bytes.Contains(line, []byte(`"key":"a&b<c>.txt"`)) {
		t.Errorf("key escaped: %s", line)
	}
	var got map[string]any
	if err := json.Unmarshal(line, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"time": "2026-12-05T08:30:01.123456789Z", "request_id": "RID", "host_id": "HID",
		"remote_addr": "192.0.2.7", "access_key": "AKIA", "api": "GetObject", "bucket": "b",
		"key": "a&b<c>.txt", "method": "GET", "status": 404.0, "error_code": "NoSuchKey",
		"bytes_in": 3.0, "bytes_out": 299.0, "duration_ms": 1.5, "user_agent": "ua/1",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("entry\n got %v\nwant %v", got, want)
	}
	// Fields are there when empty too, so that every line has one shape.
	var empty map[string]any
	if err := json.Unmarshal(NewEntry(&httpapi.RequestRecord{}).Line(), &empty); err != nil {
		t.Fatal(err)
	}
	if len(empty) != len(want) {
		t.Errorf("empty entry has %d fields, want %d: %v", len(empty), len(want), empty)
	}
}

// line is a log line of exactly n bytes.
func line(i, n int) []byte {
	s := fmt.Sprintf("line %d ", i)
	return []byte(s + strings.Repeat("x", n-len(s)-1) + "\n")
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) == 0 {
		return nil
	}
	var ids []string
	for l := range strings.SplitSeq(strings.TrimSuffix(string(data), "\n"), "\n") {
		ids = append(ids, strings.Fields(l)[1])
	}
	return ids
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func TestRotatesPastMaxSize(t *testing.T) {
	const n = 50
	for _, c := range []struct {
		maxSize int64
		rotated bool
	}{
		{2 * n, false},   // two lines fill the file exactly
		{2*n - 1, true},  // the second line would take it one byte past
		{2*n + 1, false}, // room to spare
		{n, true},        // one line per file
		{0, false},       // never rotated
		{n - 1, true},    // a line longer than the limit has a file of its own
		{3 * n, false},
	} {
		t.Run(fmt.Sprint(c.maxSize), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "access.log")
			l, err := Open(Options{Path: path, MaxSize: c.maxSize, MaxFiles: 5})
			if err != nil {
				t.Fatal(err)
			}
			l.add(line(1, n))
			l.add(line(2, n))
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			if c.rotated {
				if got := readLines(t, path+".1"); !slices.Equal(got, []string{"1"}) {
					t.Errorf("%s.1 holds %v", path, got)
				}
				if got := readLines(t, path); !slices.Equal(got, []string{"2"}) {
					t.Errorf("%s holds %v", path, got)
				}
				return
			}
			if exists(path + ".1") {
				t.Errorf("rotated at %d bytes", 2*n)
			}
			if got := readLines(t, path); !slices.Equal(got, []string{"1", "2"}) {
				t.Errorf("%s holds %v", path, got)
			}
		})
	}
}

func TestRotationKeepsMaxFiles(t *testing.T) {
	const n = 40
	for _, maxFiles := range []int{1, 2, 3} {
		t.Run(fmt.Sprint(maxFiles), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "access.log")
			l, err := Open(Options{Path: path, MaxSize: n, MaxFiles: maxFiles})
			if err != nil {
				t.Fatal(err)
			}
			for i := 1; i <= 5; i++ {
				l.add(line(i, n))
			}
			l.Close()
			if got := readLines(t, path); !slices.Equal(got, []string{"5"}) {
				t.Errorf("%s holds %v", path, got)
			}
			for i := 1; i <= maxFiles; i++ {
				if got := readLines(t, fmt.Sprintf("%s.%d", path, i)); !slices.Equal(got, []string{fmt.Sprint(5 - i)}) {
					t.Errorf("%s.%d holds %v", path, i, got)
				}
			}
			if next := fmt.Sprintf("%s.%d", path, maxFiles+1); exists(next) {
				t.Errorf("%s kept: only %d old files should be", next, maxFiles)
			}
		})
	}
}

func TestRotationCountsWhatTheFileHeld(t *testing.T) {
	const n = 30
	path := filepath.Join(t.TempDir(), "access.log")
	if err := os.WriteFile(path, line(0, n), 0o600); err != nil {
		t.Fatal(err)
	}
	// Reopened with one line in it, the file takes one more.
	l, err := Open(Options{Path: path, MaxSize: 2 * n})
	if err != nil {
		t.Fatal(err)
	}
	l.add(line(1, n))
	l.add(line(2, n))
	l.Close()
	if got := readLines(t, path+".1"); !slices.Equal(got, []string{"0", "1"}) {
		t.Errorf("%s.1 holds %v", path, got)
	}
	if got := readLines(t, path); !slices.Equal(got, []string{"2"}) {
		t.Errorf("%s holds %v", path, got)
	}
}

func TestReopenAfterRename(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "access.log")
	l, err := Open(Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	l.add(line(1, 20))
	moved := filepath.Join(dir, "access.log.0")
	if err := os.Rename(path, moved); err != nil {
		t.Fatal(err)
	}
	if err := l.Reopen(); err != nil {
		t.Fatal(err)
	}
	l.add(line(2, 20))
	l.Close()
	if got := readLines(t, moved); !slices.Equal(got, []string{"1"}) {
		t.Errorf("the renamed file holds %v", got)
	}
	if got := readLines(t, path); !slices.Equal(got, []string{"2"}) {
		t.Errorf("the reopened file holds %v", got)
	}
	if err := l.Reopen(); err == nil {
		t.Error("Reopen of a closed log succeeded")
	}
}

func TestConcurrentObserve(t *testing.T) {
	const writers, each = 8, 300
	path := filepath.Join(t.TempDir(), "access.log")
	l, err := Open(Options{Path: path, QueueSize: writers * each, MaxSize: 64 << 10, MaxFiles: 100})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				l.Observe(&httpapi.RequestRecord{RequestID: fmt.Sprintf("%d-%d", w, i), API: "PutObject", Status: 200})
			}
		})
	}
	wg.Wait()
	l.Close()
	if d := l.Dropped(); d != 0 {
		t.Errorf("%d dropped", d)
	}
	seen := map[string]bool{}
	files, _ := filepath.Glob(path + "*")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(data) > 64<<10 {
			t.Errorf("%s has %d bytes", f, len(data))
		}
		for l := range strings.SplitSeq(strings.TrimSuffix(string(data), "\n"), "\n") {
			var e Entry
			if err := json.Unmarshal([]byte(l), &e); err != nil {
				t.Fatalf("%s: %q: %v", f, l, err)
			}
			if seen[e.RequestID] {
				t.Errorf("%s twice", e.RequestID)
			}
			seen[e.RequestID] = true
		}
	}
	if len(seen) != writers*each {
		t.Errorf("%d lines, want %d", len(seen), writers*each)
	}
}

func TestFullQueueDropsAndCounts(t *testing.T) {
	var out bytes.Buffer
	// The writer is not started: nothing leaves the queue.
	l, err := newLog(Options{Path: Stdout, Stdout: &out, QueueSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		l.add(line(i, 20))
	}
	if d := l.Dropped(); d != 0 {
		t.Errorf("a queue of 3 holding 3 dropped %d", d)
	}
	l.add(line(4, 20))
	l.add(line(5, 20))
	if d := l.Dropped(); d != 2 {
		t.Errorf("dropped %d, want 2", d)
	}
	if q := l.Queued(); q != 3 {
		t.Errorf("queued %d", q)
	}
	go l.run()
	l.Close()
	if got := strings.Count(out.String(), "\n"); got != 3 {
		t.Errorf("%d lines written, want 3: %q", got, out.String())
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestFailedWritesAreCounted(t *testing.T) {
	l, err := Open(Options{Path: Stdout, Stdout: failingWriter{}})
	if err != nil {
		t.Fatal(err)
	}
	l.add(line(1, 20))
	l.add(line(2, 20))
	l.Close()
	if d := l.Dropped(); d != 2 {
		t.Errorf("dropped %d, want 2", d)
	}
}

func TestOpenRefusesBadOptions(t *testing.T) {
	dir := t.TempDir()
	for _, o := range []Options{
		{},
		{Path: filepath.Join(dir, "a"), MaxSize: -1},
		{Path: filepath.Join(dir, "missing", "a")},
	} {
		if l, err := Open(o); err == nil {
			l.Close()
			t.Errorf("%+v opened", o)
		}
	}
}

// syncBuffer is a buffer several goroutines write.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor waits until the log holds text.
func waitFor(t *testing.T, log *syncBuffer, text string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(log.String(), text) {
		if time.Now().After(deadline) {
			t.Fatalf("the log lacks %q: %q", text, log.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// stallingDisk holds every write until released, telling of the first.
type stallingDisk struct {
	entered, release chan struct{}
	once             sync.Once
	out              syncBuffer
}

func (d *stallingDisk) Write(p []byte) (int, error) {
	d.once.Do(func() { close(d.entered) })
	<-d.release
	return d.out.Write(p)
}

func TestStalledDiskDropsAndWarns(t *testing.T) {
	disk := &stallingDisk{entered: make(chan struct{}), release: make(chan struct{})}
	var logs syncBuffer
	l, err := Open(Options{
		Path: Stdout, Stdout: disk, QueueSize: 2, FlushInterval: time.Millisecond,
		DropWarnInterval: time.Millisecond, Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	l.add(line(1, 20))
	<-disk.entered // the writer waits on the disk from now on
	for i := 2; i <= 8; i++ {
		l.add(line(i, 20))
	}
	if d, q := l.Dropped(), l.Queued(); d != 5 || q != 2 {
		t.Errorf("dropped %d, queued %d; want 5 and 2", d, q)
	}
	waitFor(t, &logs, "dropped_total=5")
	close(disk.release)
	l.Close()
	if got := strings.Count(disk.out.String(), "\n"); got != 3 {
		t.Errorf("%d lines written, want 3", got)
	}
}
