package transfer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"sort"

	"github.com/kurastore/kura/client"
)

// MirrorOptions tune Mirror.
type MirrorOptions struct {
	// Remove deletes target files the source does not have.
	Remove bool
	// Overwrite copies a changed file even when the target's copy is
	// newer than the source's; by default a target newer than its
	// source is left alone.
	Overwrite bool
	// Exclude are glob patterns (path.Match) of relative paths or base
	// names left out on both sides.
	Exclude []string
	// DryRun reports what would be copied and removed and changes
	// nothing.
	DryRun bool
}

// Plan is what a mirror does: files to copy and targets to remove.
type Plan struct {
	Copy   []*Task
	Remove []Location
}

// Mirror makes the directory or prefix dst hold what src holds: new
// files and changed ones (size or modification time differ) are copied,
// and with Remove, files src lacks are deleted from dst. An upload
// records the file's time in metadata, so a later mirror compares the
// source file's time rather than the upload's. It returns what it did
// (or, with DryRun, would do).
func (e *Engine) Mirror(ctx context.Context, src, dst Location, opts MirrorOptions) (Plan, error) {
	plan, err := e.PlanMirror(ctx, src, dst, opts)
	if err != nil || opts.DryRun {
		return plan, err
	}
	return plan, e.apply(ctx, plan)
}

// apply runs a plan: copies first, then removals.
func (e *Engine) apply(ctx context.Context, plan Plan) error {
	err := e.Run(ctx, plan.Copy)
	if ctx.Err() != nil {
		return err
	}
	return errors.Join(err, e.remove(ctx, plan.Remove))
}

// PlanMirror compares src and dst.
func (e *Engine) PlanMirror(ctx context.Context, src, dst Location, opts MirrorOptions) (Plan, error) {
	for _, p := range opts.Exclude {
		if _, err := path.Match(p, ""); err != nil {
			return Plan{}, fmt.Errorf("exclude pattern %q: %w", p, err)
		}
	}
	if !src.Remote() {
		fi, err := os.Stat(src.Path)
		if err != nil {
			return Plan{}, err
		}
		if !fi.IsDir() {
			return Plan{}, fmt.Errorf("%s is not a directory", src)
		}
	}
	have, err := listTree(ctx, src)
	if err != nil {
		return Plan{}, err
	}
	var existing []entry
	if dst.Remote() || isLocalDir(dst) {
		if existing, err = listTree(ctx, dst); err != nil {
			return Plan{}, err
		}
	}
	targets := make(map[string]entry, len(existing))
	for _, en := range existing {
		if !excluded(en.rel, opts.Exclude) {
			targets[en.rel] = en
		}
	}
	var plan Plan
	for _, s := range have {
		if excluded(s.rel, opts.Exclude) {
			continue
		}
		d, ok := targets[s.rel]
		delete(targets, s.rel)
		if ok && !changed(s, d, opts.Overwrite) {
			continue
		}
		plan.Copy = append(plan.Copy, &Task{
			Source: src.child(s.rel), Target: dst.child(s.rel), Size: s.size, mtime: s.mtime, recorded: s.recorded, dateFile: true,
		})
	}
	if opts.Remove {
		rels := make([]string, 0, len(targets))
		for rel := range targets {
			rels = append(rels, rel)
		}
		sort.Strings(rels)
		for _, rel := range rels {
			plan.Remove = append(plan.Remove, dst.child(rel))
		}
	}
	return plan, nil
}

// changed reports whether target d must be replaced by source s: their
// sizes or times differ, and unless overwrite is set, the target is not
// newer than the source. Times compare to the second, as file systems
// and HTTP dates keep different precisions; a target without a
// recorded time (an object uploaded by another tool) is dated by its
// upload.
func changed(s, d entry, overwrite bool) bool {
	sameSize := s.size == d.size
	st, dt := s.mtime.Truncate(1e9), d.mtime.Truncate(1e9)
	if d.recorded && s.recorded {
		if sameSize && st.Equal(dt) {
			return false
		}
		return overwrite || !dt.After(st)
	}
	// The target's time is when it was written: it is up to date when
	// it has the source's size and was written after the source
	// changed.
	return !sameSize || dt.Before(st)
}

func excluded(rel string, patterns []string) bool {
	for _, p := range patterns {
		if ok, _ := path.Match(p, rel); ok {
			return true
		}
		if ok, _ := path.Match(p, path.Base(rel)); ok {
			return true
		}
	}
	return false
}

// remove deletes targets, in batches for a bucket.
func (e *Engine) remove(ctx context.Context, targets []Location) error {
	var errs []error
	var remote []Location
	for _, t := range targets {
		if t.Remote() {
			remote = append(remote, t)
			continue
		}
		err := os.Remove(t.Path)
		e.obs.Removed(t.Name, err)
		if err != nil {
			errs = append(errs, err)
		}
	}
	if len(remote) == 0 {
		return errors.Join(errs...)
	}
	byName := map[string]Location{}
	keys := func(yield func(client.ObjectToDelete) bool) {
		for _, t := range remote {
			byName[t.Key] = t
			if !yield(client.ObjectToDelete{Key: t.Key}) {
				return
			}
		}
	}
	failed := map[string]bool{}
	first := remote[0]
	err := first.Client.RemoveObjects(ctx, first.Bucket, keys, client.RemoveObjectsOptions{})
	var partly *client.RemoveObjectsError
	switch {
	case err == nil:
	case !errors.As(err, &partly):
		return errors.Join(append(errs, err)...)
	case partly.Err != nil:
		return errors.Join(append(errs, partly.Err)...)
	default:
		for _, de := range partly.Failed {
			failed[de.Key] = true
			e.obs.Removed(byName[de.Key].Name, de)
			errs = append(errs, de)
		}
	}
	for _, t := range remote {
		if !failed[t.Key] {
			e.obs.Removed(t.Name, nil)
		}
	}
	return errors.Join(errs...)
}
