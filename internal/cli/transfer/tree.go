package transfer

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kurastore/kura/client"
)

// entry is a file of a tree: its path relative to the tree's root
// ('/'-separated), size and modification time. A remote file's time is
// the one kura recorded at upload when there is one, else its
// LastModified.
type entry struct {
	rel   string
	size  int64
	mtime time.Time
	// recorded says mtime is a source file's time (local files, and
	// objects that carry it in metadata), not the time of an upload.
	recorded bool
}

// listTree lists every file under root, taken as a directory.
func listTree(ctx context.Context, root Location) ([]entry, error) {
	if root.Remote() {
		return listRemote(ctx, root)
	}
	return listLocal(root.Path)
}

func listLocal(dir string) ([]entry, error) {
	var out []entry
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || isTempName(d.Name()) {
			return nil
		}
		// Symbolic links are followed to what they point at.
		fi, err := os.Stat(p)
		if err != nil || !fi.Mode().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		out = append(out, entry{rel: filepath.ToSlash(rel), size: fi.Size(), mtime: fi.ModTime(), recorded: true})
		return nil
	})
	return out, err
}

// prefixOf is the key prefix of a remote directory: its key with one
// trailing slash, or "" for the whole bucket.
func prefixOf(root Location) string {
	if root.Key == "" {
		return ""
	}
	return strings.TrimSuffix(root.Key, "/") + "/"
}

func listRemote(ctx context.Context, root Location) ([]entry, error) {
	prefix := prefixOf(root)
	var out []entry
	for o, err := range root.Client.ListObjects(ctx, root.Bucket, client.ListObjectsOptions{Prefix: prefix, Recursive: true, IncludeUserMeta: true}) {
		if err != nil {
			return nil, err
		}
		rel := strings.TrimPrefix(o.Key, prefix)
		// Keys ending in a slash are directory markers, not files.
		if rel == "" || strings.HasSuffix(rel, "/") || o.IsDeleteMarker {
			continue
		}
		e := entry{rel: rel, size: o.Size, mtime: o.LastModified}
		if t, ok := recordedMtime(o.Metadata); ok {
			e.mtime, e.recorded = t, true
		}
		out = append(out, e)
	}
	return out, nil
}

// Copy copies each source to dst (PlanCopy, then Run).
func (e *Engine) Copy(ctx context.Context, srcs []Location, dst Location, recursive bool) error {
	tasks, err := e.PlanCopy(ctx, srcs, dst, recursive)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return errors.Join(err, e.Run(ctx, tasks))
}

// PlanCopy lists the files to copy from each source to dst. A source
// that is a directory or prefix needs recursive; its files go below dst,
// under the source's own name unless the source ends with a slash (as
// with rsync). Several sources, or a dst that ends with a slash or is a
// local directory, put each source under dst by its name; otherwise dst
// is the target itself. A source that cannot be planned is an error
// joined to the others; the rest are planned.
func (e *Engine) PlanCopy(ctx context.Context, srcs []Location, dst Location, recursive bool) ([]*Task, error) {
	var tasks []*Task
	var errs []error
	intoDir := len(srcs) > 1 || dst.dirLike() || isLocalDir(dst)
	for _, src := range srcs {
		ts, err := e.plan(ctx, src, dst, recursive, intoDir)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", src, err))
			continue
		}
		tasks = append(tasks, ts...)
	}
	return tasks, errors.Join(errs...)
}

func isLocalDir(l Location) bool {
	if l.Remote() {
		return false
	}
	fi, err := os.Stat(l.Path)
	return err == nil && fi.IsDir()
}

// plan lists the tasks of one source.
func (e *Engine) plan(ctx context.Context, src, dst Location, recursive, intoDir bool) ([]*Task, error) {
	single, err := statFile(ctx, src)
	if err != nil {
		return nil, err
	}
	if single != nil {
		target := dst
		if intoDir {
			target = dst.child(single.rel)
		}
		return []*Task{{Source: src, Target: target, Size: single.size, mtime: single.mtime, recorded: single.recorded}}, nil
	}
	if !recursive {
		if src.Remote() && !src.dirLike() {
			return nil, errors.New("no such object (a prefix needs --recursive)")
		}
		return nil, errors.New("is a directory or prefix; copy it with --recursive")
	}
	entries, err := listTree(ctx, src)
	if err != nil {
		return nil, err
	}
	if len(entries) == 0 {
		return nil, errors.New("no such file, directory or prefix")
	}
	root := dst
	if !src.dirLike() && (intoDir || dst.Remote() || isLocalDir(dst)) {
		root = dst.child(src.base())
	}
	tasks := make([]*Task, len(entries))
	for i, en := range entries {
		tasks[i] = &Task{Source: src.child(en.rel), Target: root.child(en.rel), Size: en.size, mtime: en.mtime, recorded: en.recorded}
	}
	return tasks, nil
}

// statFile describes src when it is a single file or object (rel is its
// name), nil when it is a directory or prefix.
func statFile(ctx context.Context, src Location) (*entry, error) {
	if !src.Remote() {
		fi, err := os.Stat(src.Path)
		switch {
		case err != nil:
			return nil, err
		case fi.IsDir():
			return nil, nil
		case !fi.Mode().IsRegular():
			return nil, errors.New("not a regular file")
		}
		return &entry{rel: fi.Name(), size: fi.Size(), mtime: fi.ModTime(), recorded: true}, nil
	}
	if src.dirLike() {
		return nil, nil
	}
	info, err := src.Client.StatObject(ctx, src.Bucket, src.Key, client.StatObjectOptions{})
	if client.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	en := &entry{rel: src.base(), size: info.Size, mtime: info.LastModified}
	if t, ok := recordedMtime(info.Metadata); ok {
		en.mtime, en.recorded = t, true
	}
	return en, nil
}
