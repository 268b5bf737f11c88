package transfer

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/kurastore/kura/client"
)

// settle is how long a watch waits after the last change of a burst
// before it copies: an editor's save or a copy of a tree arrives as many
// events.
const settle = 250 * time.Millisecond

// Watch mirrors the local directory src to dst, then keeps doing so for
// every change the file system reports until ctx ends: created and
// modified files are copied, and with Remove, deleted ones are removed
// from dst. ready, when not nil, is called once the first mirror is done
// and changes are being watched. Failures of single files are told to
// the observer and do not end the watch.
func (e *Engine) Watch(ctx context.Context, src, dst Location, opts MirrorOptions, ready func()) error {
	if src.Remote() {
		return errors.New("--watch needs a local source directory")
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	defer w.Close()
	// Watch before the first mirror, so that nothing changed during it
	// is missed.
	if err := watchTree(w, src.Path); err != nil {
		return err
	}
	plan, err := e.PlanMirror(ctx, src, dst, opts)
	if err != nil {
		return err
	}
	if !opts.DryRun {
		// Failed files were told to the observer; the watch goes on.
		_ = e.apply(ctx, plan)
	}
	if ready != nil {
		ready()
	}
	pending := map[string]bool{}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-w.Errors:
			return err
		case ev := <-w.Events:
			pending[ev.Name] = true
			timer.Reset(settle)
		case <-timer.C:
			e.applyChanges(ctx, w, src, dst, opts, pending)
			pending = map[string]bool{}
		}
	}
}

// watchTree watches dir and every directory below it.
func watchTree(w *fsnotify.Watcher, dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			// A directory removed during the walk is not an error.
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() {
			return w.Add(p)
		}
		return nil
	})
}

// applyChanges mirrors the changed paths.
func (e *Engine) applyChanges(ctx context.Context, w *fsnotify.Watcher, src, dst Location, opts MirrorOptions, changed map[string]bool) {
	var plan Plan
	for p := range changed {
		rel, err := filepath.Rel(src.Path, p)
		if err != nil || rel == "." || isTempName(filepath.Base(p)) {
			continue
		}
		rel = filepath.ToSlash(rel)
		if excluded(rel, opts.Exclude) {
			continue
		}
		fi, err := os.Stat(p)
		switch {
		case err == nil && fi.IsDir():
			_ = watchTree(w, p)
			entries, _ := listLocal(p)
			for _, en := range entries {
				r := rel + "/" + en.rel
				if !excluded(r, opts.Exclude) {
					plan.Copy = append(plan.Copy, e.mirrorTask(src, dst, entry{rel: r, size: en.size, mtime: en.mtime, recorded: true}))
				}
			}
		case err == nil && fi.Mode().IsRegular():
			plan.Copy = append(plan.Copy, e.mirrorTask(src, dst, entry{rel: rel, size: fi.Size(), mtime: fi.ModTime(), recorded: true}))
		case errors.Is(err, fs.ErrNotExist) && opts.Remove:
			plan.Remove = append(plan.Remove, e.removedTargets(ctx, dst, rel)...)
		}
	}
	if opts.DryRun {
		return
	}
	_ = e.apply(ctx, plan)
}

func (e *Engine) mirrorTask(src, dst Location, en entry) *Task {
	return &Task{Source: src.child(en.rel), Target: dst.child(en.rel), Size: en.size, mtime: en.mtime, recorded: en.recorded, dateFile: true}
}

// removedTargets are the targets of a deleted source path: the file, or
// everything below it when it was a directory.
func (e *Engine) removedTargets(ctx context.Context, dst Location, rel string) []Location {
	t := dst.child(rel)
	if !t.Remote() {
		if fi, err := os.Stat(t.Path); err == nil && !fi.IsDir() {
			return []Location{t}
		}
	}
	out := []Location{}
	if t.Remote() {
		if _, err := t.Client.StatObject(ctx, t.Bucket, t.Key, client.StatObjectOptions{}); err == nil {
			out = append(out, t)
		}
	}
	below, _ := listTree(ctx, t)
	for _, en := range below {
		out = append(out, t.child(en.rel))
	}
	return out
}
