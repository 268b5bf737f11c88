// Package dirtier is a tier on a local or mounted directory: each object
// is one file, its name's '/'-separated segments are directories below
// the tier's root.
package dirtier

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/kurastore/kura/internal/fsync"
	"github.com/kurastore/kura/internal/tier"
)

// tempPrefix starts the names of files being written; object names may
// not have a segment starting with '.', so a temporary file can never be
// taken for an object.
const tempPrefix = ".put-"

// Tier is a tier on a directory.
type Tier struct {
	root string
}

var _ tier.Tier = (*Tier)(nil)

// New returns a tier rooted at dir, which must be an absolute path. It
// does not touch the directory: Check says whether it is usable.
func New(dir string) (*Tier, error) {
	if dir == "" || !filepath.IsAbs(dir) {
		return nil, fmt.Errorf("dirtier: the path %q is not absolute", dir)
	}
	return &Tier{root: filepath.Clean(dir)}, nil
}

// Root is the directory the tier stores its objects in.
func (t *Tier) Root() string { return t.root }

// ValidName reports why name cannot name an object, or nil: segments are
// separated by '/', none is empty, "." or "..", or starts with '.', and
// none holds a NUL or a backslash.
func ValidName(name string) error {
	if name == "" {
		return errors.New("dirtier: empty object name")
	}
	for _, seg := range strings.Split(name, "/") {
		switch {
		case seg == "":
			return fmt.Errorf("dirtier: object name %q has an empty segment or is absolute", name)
		case seg[0] == '.':
			return fmt.Errorf("dirtier: object name %q has a segment starting with '.'", name)
		case strings.ContainsAny(seg, "\x00\\"):
			return fmt.Errorf("dirtier: object name %q holds a NUL or a backslash", name)
		}
	}
	return nil
}

func (t *Tier) path(name string) (string, error) {
	if err := ValidName(name); err != nil {
		return "", err
	}
	return filepath.Join(t.root, filepath.FromSlash(name)), nil
}

// unavailable wraps a file system failure: the directory may be
// unmounted, full or failing, and the operation may succeed later.
func unavailable(err error) error {
	return fmt.Errorf("%w: %w", tier.ErrUnavailable, err)
}

// rootMissing tells a missing object from a missing tier: an unmounted
// directory must not read as "the object is gone".
func (t *Tier) rootMissing() error {
	fi, err := os.Stat(t.root)
	if err != nil {
		return unavailable(err)
	}
	if !fi.IsDir() {
		return unavailable(fmt.Errorf("dirtier: %s is not a directory", t.root))
	}
	return nil
}

// makeParents creates the directories between the root and p's parent,
// syncing each new directory's parent so the entries survive a crash.
func (t *Tier) makeParents(p string) error {
	if err := t.rootMissing(); err != nil {
		return err
	}
	rel, err := filepath.Rel(t.root, filepath.Dir(p))
	if err != nil || rel == "." {
		return err
	}
	dir := t.root
	for _, seg := range strings.Split(rel, string(filepath.Separator)) {
		parent := dir
		dir = filepath.Join(dir, seg)
		err := os.Mkdir(dir, 0o700)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return unavailable(err)
		}
		if err := fsync.Dir(parent); err != nil {
			return unavailable(err)
		}
	}
	return nil
}

// Put writes the object to a temporary file beside its final name, syncs
// it, renames it into place and syncs the directory: once Put returns
// the object survives a crash, and a reader never sees a partial one.
func (t *Tier) Put(ctx context.Context, name string, r io.Reader, size int64) error {
	p, err := t.path(name)
	if err != nil {
		return err
	}
	if size < 0 || r == nil {
		return fmt.Errorf("dirtier: no data or a negative size (%d)", size)
	}
	f, err := t.createTemp(p)
	if err != nil {
		return err
	}
	tmp := f.Name()
	if err := writeExactly(ctx, f, r, size); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return unavailable(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return unavailable(err)
	}
	if err := os.Rename(tmp, p); err != nil {
		os.Remove(tmp)
		return unavailable(err)
	}
	if err := fsync.Dir(filepath.Dir(p)); err != nil {
		return unavailable(err)
	}
	return nil
}

// createTemp creates the temporary file of a Put. A concurrent Delete
// may remove the (empty) parent directory between its creation and the
// file's: then it is created again.
func (t *Tier) createTemp(p string) (*os.File, error) {
	var err error
	for range 3 {
		if err = t.makeParents(p); err != nil {
			return nil, err
		}
		var f *os.File
		f, err = os.CreateTemp(filepath.Dir(p), tempPattern(p))
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			break
		}
	}
	return nil, unavailable(err)
}

// writeExactly copies size bytes of r to f, failing when r holds fewer
// or more.
func writeExactly(ctx context.Context, f *os.File, r io.Reader, size int64) error {
	n, err := io.Copy(f, io.LimitReader(ctxReader{ctx, r}, size))
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var rs readSideError
		if errors.As(err, &rs) {
			return fmt.Errorf("dirtier: reading the data: %w", rs.err)
		}
		return unavailable(err)
	}
	if n != size {
		return fmt.Errorf("dirtier: the data is %d bytes, not %d", n, size)
	}
	var one [1]byte
	if m, _ := io.ReadFull(r, one[:]); m > 0 {
		return fmt.Errorf("dirtier: the data is longer than %d bytes", size)
	}
	return nil
}

// ctxReader stops a long copy when its context ends, and marks errors of
// the source so they are not taken for the tier's.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

// readSideError is a failure of the data's source, not of the tier.
type readSideError struct{ err error }

func (e readSideError) Error() string { return e.err.Error() }
func (e readSideError) Unwrap() error { return e.err }

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.r.Read(p)
	if err != nil && err != io.EOF {
		err = readSideError{err}
	}
	return n, err
}

// Open returns length bytes of the object from offset.
func (t *Tier) Open(ctx context.Context, name string, offset, length int64) (io.ReadCloser, error) {
	p, err := t.path(name)
	if err != nil {
		return nil, err
	}
	if offset < 0 || length < 0 {
		return nil, fmt.Errorf("dirtier: bad range %d+%d", offset, length)
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		if err := t.rootMissing(); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %s", tier.ErrNotFound, name)
	}
	if err != nil {
		return nil, unavailable(err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, unavailable(err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%w: %s", tier.ErrNotFound, name)
	}
	if offset+length > fi.Size() {
		f.Close()
		return nil, fmt.Errorf("dirtier: range %d+%d is beyond the %d bytes of %s", offset, length, fi.Size(), name)
	}
	return section{io.NewSectionReader(f, offset, length), f}, nil
}

type section struct {
	*io.SectionReader
	f *os.File
}

func (s section) Close() error { return s.f.Close() }

// Delete removes the object, the temporary files that Puts of its name
// left when their process died (the object layer deletes a name only
// once no Put of it can be running), and the directories this left
// empty.
func (t *Tier) Delete(ctx context.Context, name string) error {
	p, err := t.path(name)
	if err != nil {
		return err
	}
	err = os.Remove(p)
	removed := err == nil
	if errors.Is(err, fs.ErrNotExist) {
		if err := t.rootMissing(); err != nil {
			return err
		}
	} else if err != nil {
		return unavailable(err)
	}
	temps, err := t.removeTemps(p)
	if err != nil {
		return unavailable(err)
	}
	if !removed && temps == 0 {
		return nil
	}
	if err := fsync.Dir(filepath.Dir(p)); err != nil {
		return unavailable(err)
	}
	// Empty parents are only clutter: failing to remove one (another
	// object arrived in it) is not an error.
	for dir := filepath.Dir(p); dir != t.root && strings.HasPrefix(dir, t.root); dir = filepath.Dir(dir) {
		if os.Remove(dir) != nil {
			break
		}
	}
	return nil
}

// tempPattern is the os.CreateTemp pattern of a Put's temporary file for
// the object at p: the object's base name (cut to keep the file name
// within limits) then a random number, so that Delete finds what a
// dead Put of the object left.
func tempPattern(p string) string { return tempPrefix + tempBase(p) + "-*" }

func tempBase(p string) string {
	const maxBase = 200
	base := filepath.Base(p)
	if len(base) > maxBase {
		base = base[:maxBase]
	}
	return base
}

// removeTemps removes the temporary files of Puts of the object at p
// and says how many it removed.
func (t *Tier) removeTemps(p string) (int, error) {
	entries, err := os.ReadDir(filepath.Dir(p))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	prefix := tempPrefix + tempBase(p) + "-"
	n := 0
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok || rest == "" || strings.Trim(rest, "0123456789") != "" {
			continue // another object's (its name goes on past p's)
		}
		if err := os.Remove(filepath.Join(filepath.Dir(p), e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return n, err
		}
		n++
	}
	return n, nil
}

// Check writes, syncs and removes a probe file in the root.
func (t *Tier) Check(ctx context.Context) error {
	if err := t.rootMissing(); err != nil {
		return err
	}
	f, err := os.CreateTemp(t.root, ".check-*")
	if err != nil {
		return unavailable(err)
	}
	_, werr := f.Write([]byte("kura tier check\n"))
	if werr == nil {
		werr = f.Sync()
	}
	cerr := f.Close()
	rerr := os.Remove(f.Name())
	if err := errors.Join(werr, cerr, rerr); err != nil {
		return unavailable(err)
	}
	return nil
}
