package progress

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kurastore/kura/internal/cli/transfer"
)

func task(name string, size int64) *transfer.Task {
	return &transfer.Task{Source: transfer.Local("/src/" + name), Target: transfer.Local("/dst/" + name), Size: size}
}

// run shows two files done, one failed and one cancelled, and a removal.
func run(mode Mode) (out, errOut string, failed int) {
	var o, e bytes.Buffer
	d := New(&o, &e, mode)
	clock := time.Unix(0, 0)
	d.now = func() time.Time { return clock }
	a, b, bad, stopped := task("a", 3<<20), task("b", 0), task("bad", 10), task("stopped", 10)
	d.Planned(4, a.Size+b.Size+bad.Size+stopped.Size)
	for _, t := range []*transfer.Task{a, b, bad, stopped} {
		d.Started(t)
	}
	d.Moved(a, 1<<20)
	d.Moved(a, -1<<19) // a retry takes back half
	d.Moved(a, 5<<19)
	clock = clock.Add(time.Second)
	d.Finished(a, nil)
	d.Finished(b, nil)
	d.Finished(bad, errors.New("boom"))
	d.Finished(stopped, fmt.Errorf("part 1: %w", context.Canceled))
	d.Removed("/dst/old", nil)
	d.Close()
	return o.String(), e.String(), d.Failed()
}

func TestLines(t *testing.T) {
	out, errOut, failed := run(Lines)
	want := "/src/a -> /dst/a (3.0 MiB, 3.0 MiB/s)\n/src/b -> /dst/b (0 B, 0 B/s)\nRemoved /dst/old\n"
	if out != want {
		t.Errorf("lines:\n%s\nwant:\n%s", out, want)
	}
	if errOut != "kura: /src/bad -> /dst/bad: boom\n" {
		t.Errorf("errors: %q", errOut)
	}
	if failed != 1 {
		t.Errorf("failed %d, want 1 (a cancelled file is not a failure)", failed)
	}
}

func TestJSON(t *testing.T) {
	out, errOut, _ := run(JSON)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines: %q", len(lines), out)
	}
	if !strings.HasPrefix(lines[0], `{"status":"success","source":"/src/a","target":"/dst/a","size":3145728,"totalSize":3145748}`) {
		t.Errorf("first line %s", lines[0])
	}
	if lines[2] != `{"status":"success","removed":"/dst/old"}` {
		t.Errorf("removal %s", lines[2])
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(errOut), &rec); err != nil || rec["status"] != "error" || rec["source"] != "/src/bad" {
		t.Errorf("error line %q: %v", errOut, err)
	}
}

func TestQuiet(t *testing.T) {
	out, errOut, _ := run(Quiet)
	if out != "" || !strings.Contains(errOut, "boom") {
		t.Errorf("quiet printed %q and %q", out, errOut)
	}
}

// Bars need a terminal's width: without one, the display prints lines.
func TestBarsWithoutTerminalPrintLines(t *testing.T) {
	out, _, _ := run(Bars)
	if !regexp.MustCompile(`^/src/a -> /dst/a \(`).MatchString(out) {
		t.Errorf("bars on a buffer printed %q", out)
	}
}
