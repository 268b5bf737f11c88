// Package faultstore is a blob.Store that injects faults into another
// one, for tests of what sits above the blob store: failed and short
// writes, a full disk, failed syncs and renames (Commit), and read errors.
// It is how the object layer proves that a fault gives an S3 error and
// never an acknowledged write that is not durable, nor corrupt data.
package faultstore

import (
	"context"
	"io"
	"sync"
	"syscall"
	"time"

	"github.com/kurastore/kura/internal/blob"
)

// Op is an operation a fault can hit.
type Op int

// Operations.
const (
	Create Op = iota
	Write
	Commit
	Open
	Read
	Delete
)

func (o Op) String() string {
	return [...]string{"create", "write", "commit", "open", "read", "delete"}[o]
}

// Errors a fault can return, as the operating system would.
var (
	ErrIO      = &wrapped{syscall.EIO}
	ErrNoSpace = &wrapped{syscall.ENOSPC}
)

// wrapped is an errno that also says, for ENOSPC, blob.ErrNoSpace, as
// dirstore reports a full disk.
type wrapped struct{ errno syscall.Errno }

func (w *wrapped) Error() string { return w.errno.Error() }
func (w *wrapped) Is(target error) bool {
	return target == w.errno || (w.errno == syscall.ENOSPC && target == blob.ErrNoSpace)
}

// Fault says when and how an operation fails.
type Fault struct {
	Op Op
	// After is how many bytes a Write or Read passes before it fails
	// (for other operations, ignored).
	After int64
	// Err is returned; nil with Short makes a write short instead.
	Err error
	// Short makes Write store only part of the data and report that
	// count with no error: a broken writer the caller must catch.
	Short bool
}

// Store wraps a blob.Store with one fault at a time.
type Store struct {
	inner blob.Store
	mu    sync.Mutex
	fault *Fault
	hits  int
}

// New wraps inner.
func New(inner blob.Store) *Store { return &Store{inner: inner} }

// Set makes f the active fault; Clear removes it.
func (s *Store) Set(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fault, s.hits = &f, 0
}

// Clear removes the active fault.
func (s *Store) Clear() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fault = nil
}

// Hits is how often the active fault fired.
func (s *Store) Hits() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits
}

// active returns the fault for op, if one is set.
func (s *Store) active(op Op) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fault == nil || s.fault.Op != op {
		return nil
	}
	f := *s.fault
	return &f
}

func (s *Store) hit() {
	s.mu.Lock()
	s.hits++
	s.mu.Unlock()
}

// Create starts a blob, or fails.
func (s *Store) Create(ctx context.Context, id blob.ID) (blob.Writer, error) {
	if f := s.active(Create); f != nil {
		s.hit()
		return nil, f.Err
	}
	w, err := s.inner.Create(ctx, id)
	if err != nil {
		return nil, err
	}
	return &writer{Writer: w, s: s}, nil
}

type writer struct {
	blob.Writer
	s       *Store
	written int64
}

func (w *writer) Write(p []byte) (int, error) {
	f := w.s.active(Write)
	if f == nil || w.written+int64(len(p)) <= f.After {
		n, err := w.Writer.Write(p)
		w.written += int64(n)
		return n, err
	}
	w.s.hit()
	keep := max(0, f.After-w.written)
	if f.Short {
		keep = max(keep, int64(len(p)/2))
		n, err := w.Writer.Write(p[:keep])
		w.written += int64(n)
		return n, err
	}
	n, _ := w.Writer.Write(p[:keep])
	w.written += int64(n)
	return n, f.Err
}

// Commit fails as a failed fsync or rename would: the blob is not
// durable, and the caller must abort it.
func (w *writer) Commit() (int64, error) {
	if f := w.s.active(Commit); f != nil {
		w.s.hit()
		return 0, f.Err
	}
	return w.Writer.Commit()
}

// Open opens a blob, or fails.
func (s *Store) Open(ctx context.Context, id blob.ID, offset, length int64) (io.ReadCloser, error) {
	if f := s.active(Open); f != nil {
		s.hit()
		return nil, f.Err
	}
	rc, err := s.inner.Open(ctx, id, offset, length)
	if err != nil {
		return nil, err
	}
	return &reader{ReadCloser: rc, s: s}, nil
}

type reader struct {
	io.ReadCloser
	s    *Store
	read int64
}

func (r *reader) Read(p []byte) (int, error) {
	f := r.s.active(Read)
	if f == nil || r.read+int64(len(p)) <= f.After {
		n, err := r.ReadCloser.Read(p)
		r.read += int64(n)
		return n, err
	}
	r.s.hit()
	keep := max(0, f.After-r.read)
	n, _ := r.ReadCloser.Read(p[:keep])
	r.read += int64(n)
	if n > 0 {
		return n, nil
	}
	return 0, f.Err
}

// Size passes through.
func (s *Store) Size(ctx context.Context, id blob.ID) (int64, error) { return s.inner.Size(ctx, id) }

// Delete deletes, or fails.
func (s *Store) Delete(ctx context.Context, id blob.ID) error {
	if f := s.active(Delete); f != nil {
		s.hit()
		return f.Err
	}
	return s.inner.Delete(ctx, id)
}

// Walk passes through.
func (s *Store) Walk(ctx context.Context, fn func(id blob.ID, modTime time.Time) error) error {
	return s.inner.Walk(ctx, fn)
}

var _ blob.Store = (*Store)(nil)
