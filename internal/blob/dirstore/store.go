package dirstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/kurastore/kura/internal/blob"
	"github.com/kurastore/kura/internal/fsync"
)

// Store is a blob.Store on a directory.
type Store struct {
	dir string
	// dirsMade caches fan-out directories known to exist durably.
	dirsMade sync.Map
}

var _ blob.Store = (*Store)(nil)

// Open returns a store rooted at dir, creating it if needed.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	return &Store{dir: dir}, nil
}

func validID(id blob.ID) bool {
	if len(id) != 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func (s *Store) path(id blob.ID) string {
	return filepath.Join(s.dir, string(id[:2]), string(id[2:4]), string(id))
}

func mapErr(err error) error {
	if errors.Is(err, syscall.ENOSPC) {
		return fmt.Errorf("%w: %v", blob.ErrNoSpace, err)
	}
	return err
}

// ensureDirs creates the fan-out directories of a blob durably.
func (s *Store) ensureDirs(id blob.ID) error {
	leaf := filepath.Join(s.dir, string(id[:2]), string(id[2:4]))
	if _, ok := s.dirsMade.Load(leaf); ok {
		return nil
	}
	mid := filepath.Dir(leaf)
	for _, d := range []string{mid, leaf} {
		if err := os.Mkdir(d, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
		if err := fsync.Dir(filepath.Dir(d)); err != nil {
			return err
		}
	}
	s.dirsMade.Store(leaf, true)
	return nil
}

// Create starts a blob. The file is created at its final name: the object
// layer references a blob only after Commit returned, and records the
// write before Create, so the collector leaves a half-written file alone
// while its writer lives and takes it as an orphan after a crash; no
// rename is needed.
func (s *Store) Create(ctx context.Context, id blob.ID) (blob.Writer, error) {
	if !validID(id) {
		return nil, blob.ErrInvalidID
	}
	if err := s.ensureDirs(id); err != nil {
		return nil, mapErr(err)
	}
	p := s.path(id)
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, mapErr(err)
	}
	w := &writer{f: f, path: p, id: id}
	w.bw = &bufWriter{f: f, buf: make([]byte, 0, 1<<20)}
	if w.fw, err = blob.NewFrameWriter(w.bw); err != nil {
		w.Abort()
		return nil, mapErr(err)
	}
	return w, nil
}

// bufWriter batches the frame writer's small writes into large ones.
type bufWriter struct {
	f   *os.File
	buf []byte
}

func (b *bufWriter) Write(p []byte) (int, error) {
	if len(b.buf)+len(p) > cap(b.buf) {
		if err := b.flush(); err != nil {
			return 0, err
		}
		if len(p) >= cap(b.buf) {
			return b.f.Write(p)
		}
	}
	b.buf = append(b.buf, p...)
	return len(p), nil
}

func (b *bufWriter) flush() error {
	if len(b.buf) == 0 {
		return nil
	}
	_, err := b.f.Write(b.buf)
	b.buf = b.buf[:0]
	return err
}

type writer struct {
	f         *os.File
	path      string
	id        blob.ID
	bw        *bufWriter
	fw        *blob.FrameWriter
	committed bool
	done      bool
}

func (w *writer) ID() blob.ID { return w.id }

func (w *writer) Write(p []byte) (int, error) {
	n, err := w.fw.Write(p)
	return n, mapErr(err)
}

func (w *writer) Commit() (int64, error) {
	if w.done {
		return 0, errors.New("dirstore: blob already finished")
	}
	n, err := w.fw.Close()
	if err == nil {
		err = w.bw.flush()
	}
	if err == nil {
		err = w.f.Sync()
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = fsync.Dir(filepath.Dir(w.path))
	}
	w.done = true
	if err != nil {
		os.Remove(w.path)
		return 0, mapErr(err)
	}
	w.committed = true
	return n, nil
}

func (w *writer) Abort() error {
	if w.committed {
		return nil
	}
	if !w.done {
		w.f.Close()
		w.done = true
	}
	if err := os.Remove(w.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

func (s *Store) openFile(id blob.ID) (*os.File, int64, error) {
	if !validID(id) {
		return nil, 0, blob.ErrInvalidID
	}
	f, err := os.Open(s.path(id))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, blob.ErrNotFound
	}
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	size, err := blob.ReadFooter(f, st.Size())
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, size, nil
}

// Open returns a verified reader of a range of the blob's data.
func (s *Store) Open(ctx context.Context, id blob.ID, offset, length int64) (io.ReadCloser, error) {
	f, size, err := s.openFile(id)
	if err != nil {
		return nil, err
	}
	rr, err := blob.NewRangeReader(f, size, offset, length)
	if err != nil {
		f.Close()
		return nil, err
	}
	return struct {
		io.Reader
		io.Closer
	}{rr, f}, nil
}

// Size returns the blob's data size.
func (s *Store) Size(ctx context.Context, id blob.ID) (int64, error) {
	f, size, err := s.openFile(id)
	if err != nil {
		return 0, err
	}
	f.Close()
	return size, nil
}

// Delete removes a blob.
func (s *Store) Delete(ctx context.Context, id blob.ID) error {
	if !validID(id) {
		return blob.ErrInvalidID
	}
	if err := os.Remove(s.path(id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// Walk visits every blob file.
func (s *Store) Walk(ctx context.Context, fn func(id blob.ID, modTime time.Time) error) error {
	return filepath.WalkDir(s.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() || !validID(blob.ID(d.Name())) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		return fn(blob.ID(d.Name()), info.ModTime())
	})
}
