// Package progress shows the transfers of kura's cp and mirror: bars with
// bytes, rate and ETA on a terminal (one per large file and a total),
// one plain line per file otherwise, JSON lines for scripts, or nothing
// but errors. A Display is a transfer.Observer.
package progress

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"

	"github.com/kurastore/kura/internal/cli/transfer"
)

// Mode is how a Display shows progress.
type Mode int

const (
	// Lines prints one line per file done.
	Lines Mode = iota
	// Bars draws progress bars (a terminal).
	Bars
	// JSON prints one JSON line per file done.
	JSON
	// Quiet prints only errors.
	Quiet
)

// redraw is how often bars are redrawn.
const redraw = 100 * time.Millisecond

// barFrom is the size from which a file gets a bar of its own; smaller
// files only move the total.
const barFrom = 4 << 20

// Display shows the progress of transfers.
type Display struct {
	mode        Mode
	out, errOut io.Writer
	now         func() time.Time

	mu      sync.Mutex
	files   map[*transfer.Task]*file
	planned int64
	moved   int64
	failed  int
	start   time.Time

	bars  *mpb.Progress
	total *mpb.Bar
	stop  chan struct{}
	ended chan struct{}
}

// file is a transfer in progress.
type file struct {
	start time.Time
	moved int64
	bar   *mpb.Bar
}

// New returns a display writing progress to out and errors to errOut.
// Close it when the transfers are done.
// Bars need the terminal's width; on one that reports none, plain lines
// are printed instead.
func New(out, errOut io.Writer, mode Mode) *Display {
	if mode == Bars && terminalWidth(out) <= 0 {
		mode = Lines
	}
	d := &Display{mode: mode, out: out, errOut: errOut, now: time.Now, files: map[*transfer.Task]*file{}, start: time.Now()}
	if mode == Bars {
		d.bars = mpb.New(mpb.WithOutput(out), mpb.WithRefreshRate(redraw), mpb.WithAutoRefresh())
		d.total = d.bars.AddBar(0,
			mpb.BarPriority(1<<30),
			mpb.PrependDecorators(decor.Name("Total", decor.WCSyncSpaceR)),
			mpb.AppendDecorators(
				decor.Counters(decor.SizeB1024(0), "% .1f / % .1f", decor.WCSyncSpace),
				decor.AverageSpeed(decor.SizeB1024(0), "% .1f", decor.WCSyncSpace),
				decor.OnComplete(decor.AverageETA(decor.ET_STYLE_GO, decor.WCSyncSpace), "done"),
				decor.Percentage(decor.WCSyncSpace),
			))
		d.stop, d.ended = make(chan struct{}), make(chan struct{})
		go d.refresh()
	}
	return d
}

// refresh moves the bars to the counts, redraw times a second, so that
// counting a byte costs no more than an addition.
func (d *Display) refresh() {
	defer close(d.ended)
	tick := time.NewTicker(redraw)
	defer tick.Stop()
	for {
		select {
		case <-d.stop:
			d.sync()
			return
		case <-tick.C:
			d.sync()
		}
	}
}

func (d *Display) sync() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, f := range d.files {
		if f.bar != nil {
			f.bar.SetCurrent(f.moved)
		}
	}
	d.total.SetCurrent(d.moved)
}

// Planned grows the total.
func (d *Display) Planned(files int, bytes int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.planned += bytes
	if d.total != nil {
		d.total.SetTotal(d.planned, false)
	}
}

// Started adds a bar for a large file.
func (d *Display) Started(t *transfer.Task) {
	d.mu.Lock()
	defer d.mu.Unlock()
	f := &file{start: d.now()}
	if d.bars != nil && t.Size >= barFrom {
		f.bar = d.bars.AddBar(t.Size,
			mpb.BarRemoveOnComplete(),
			mpb.PrependDecorators(decor.Name(shorten(t.Target.Name, 30), decor.WCSyncSpaceR)),
			mpb.AppendDecorators(
				decor.Counters(decor.SizeB1024(0), "% .1f / % .1f", decor.WCSyncSpace),
				decor.AverageSpeed(decor.SizeB1024(0), "% .1f", decor.WCSyncSpace),
				decor.AverageETA(decor.ET_STYLE_GO, decor.WCSyncSpace),
				decor.Percentage(decor.WCSyncSpace),
			))
	}
	d.files[t] = f
}

// Moved counts bytes.
func (d *Display) Moved(t *transfer.Task, n int64) {
	d.mu.Lock()
	if f := d.files[t]; f != nil {
		f.moved += n
	}
	d.moved += n
	d.mu.Unlock()
}

// Finished reports a file done or failed.
func (d *Display) Finished(t *transfer.Task, err error) {
	d.mu.Lock()
	f := d.files[t]
	delete(d.files, t)
	if f == nil {
		f = &file{start: d.now()}
	}
	// The size may be known only now (a download learns it from the
	// answer); the total follows.
	if err == nil && f.moved != t.Size {
		d.moved += t.Size - f.moved
		f.moved = t.Size
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		d.failed++
	}
	elapsed := d.now().Sub(f.start)
	planned := d.planned
	d.mu.Unlock()
	if f.bar != nil {
		if err != nil {
			f.bar.Abort(true)
		} else {
			f.bar.SetTotal(t.Size, true)
		}
	}
	if err != nil {
		d.fileError(t, err)
		return
	}
	switch d.mode {
	case Lines:
		d.line(fmt.Sprintf("%s -> %s (%s, %s/s)", t.Source, t.Target, humanize.IBytes(uint64(t.Size)), rate(t.Size-t.Resumed, elapsed)))
	case JSON:
		d.json(fileRecord{Status: "success", Source: t.Source.Name, Target: t.Target.Name, Size: t.Size, TotalSize: planned, Resumed: t.Resumed})
	}
}

// fileRecord is the JSON line of a file copied, in mc's shape; Resumed
// is the part of it a continued upload found already stored.
type fileRecord struct {
	Status    string `json:"status"`
	Source    string `json:"source"`
	Target    string `json:"target"`
	Size      int64  `json:"size"`
	TotalSize int64  `json:"totalSize"`
	Resumed   int64  `json:"resumed,omitempty"`
}

// Removed reports a target deleted by mirror --remove.
func (d *Display) Removed(target string, err error) {
	if err != nil {
		d.mu.Lock()
		d.failed++
		d.mu.Unlock()
		d.errorLine(map[string]any{"status": "error", "target": target, "error": map[string]string{"message": err.Error()}},
			fmt.Sprintf("kura: remove %s: %v", target, err))
		return
	}
	switch d.mode {
	case Lines, Bars:
		d.line("Removed " + target)
	case JSON:
		d.json(struct {
			Status  string `json:"status"`
			Removed string `json:"removed"`
		}{"success", target})
	}
}

func (d *Display) fileError(t *transfer.Task, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	d.errorLine(map[string]any{
		"status": "error", "source": t.Source.Name, "target": t.Target.Name, "error": map[string]string{"message": err.Error()},
	}, fmt.Sprintf("kura: %s -> %s: %v", t.Source, t.Target, err))
}

func (d *Display) errorLine(asJSON map[string]any, text string) {
	if d.mode == JSON {
		b, _ := json.Marshal(asJSON)
		d.write(d.errOut, string(b))
		return
	}
	d.write(d.errOut, text)
}

// line prints a line above the bars, or plainly.
func (d *Display) line(s string) {
	if d.bars != nil {
		fmt.Fprintln(d.bars, s)
		return
	}
	d.write(d.out, s)
}

func (d *Display) json(v any) {
	b, _ := json.Marshal(v)
	d.write(d.out, string(b))
}

var writeMu sync.Mutex

func (d *Display) write(w io.Writer, s string) {
	writeMu.Lock()
	defer writeMu.Unlock()
	fmt.Fprintln(w, s)
}

// Failed is the number of files and removals that failed.
func (d *Display) Failed() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.failed
}

// Close draws the bars a last time and prints the total: with bars, the
// total bar at 100%; with plain lines, a summary when several files
// moved.
func (d *Display) Close() {
	if d.bars == nil {
		return
	}
	close(d.stop)
	<-d.ended
	d.mu.Lock()
	moved := d.moved
	for t, f := range d.files {
		if f.bar != nil {
			f.bar.Abort(true)
		}
		delete(d.files, t)
	}
	d.mu.Unlock()
	if moved == d.planned && d.failed == 0 {
		d.total.SetTotal(-1, true)
	} else {
		d.total.Abort(false)
	}
	d.bars.Wait()
	fmt.Fprintf(d.out, "%s in %s (%s/s)\n", humanize.IBytes(uint64(max(moved, 0))), d.now().Sub(d.start).Round(time.Millisecond),
		rate(moved, d.now().Sub(d.start)))
}

// rate formats n bytes over elapsed per second.
func rate(n int64, elapsed time.Duration) string {
	if elapsed <= 0 || n <= 0 {
		return humanize.IBytes(uint64(max(n, 0)))
	}
	return humanize.IBytes(uint64(float64(n) / elapsed.Seconds()))
}

// shorten keeps the end of a long name, which tells files apart.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return "…" + string(r[len(r)-n+1:])
}

// terminalWidth is the width of the terminal out is, 0 when unknown.
func terminalWidth(out io.Writer) int {
	f, ok := out.(*os.File)
	if !ok {
		return 0
	}
	w, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return 0
	}
	return w
}
