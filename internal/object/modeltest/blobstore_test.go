package modeltest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/kurastore/kura/internal/blob"
)

// crashBlobs is an in-memory blob.Store that can be cloned as a crash
// would leave it: a blob survives only once its Commit returned (blob.Writer
// promises durability then); blobs still being written are lost.
type crashBlobs struct {
	now func() time.Time
	// mu is held for writing while the store is cloned, so that a crash
	// clone sees the blob store at one instant.
	mu    sync.RWMutex
	blobs map[blob.ID]storedBlob
	// writing are the blobs being written, with when they were created:
	// Walk shows them, as dirstore does (it creates a blob's file at its
	// final name). A delete of one makes its Commit keep nothing, as
	// unlinking the file would.
	writing  map[blob.ID]time.Time
	unlinked map[blob.ID]bool
	// deleted are the blobs deleted since the last clone: a delete is a
	// directory change a crash may undo, so a clone may bring them back
	// (as orphans, for the collector).
	deleted map[blob.ID]storedBlob
}

type storedBlob struct {
	data []byte
	mod  time.Time
}

func newCrashBlobs(now func() time.Time) *crashBlobs {
	return &crashBlobs{now: now, blobs: map[blob.ID]storedBlob{}, writing: map[blob.ID]time.Time{}, unlinked: map[blob.ID]bool{}, deleted: map[blob.ID]storedBlob{}}
}

// crashCloneLocked returns the store a crash at this instant leaves: the
// committed blobs, and some of those deleted lately (each with
// probability resurrect). The caller holds mu.
func (s *crashBlobs) crashCloneLocked(resurrect func() bool) *crashBlobs {
	c := newCrashBlobs(s.now)
	for id, b := range s.blobs {
		c.blobs[id] = b
	}
	for id, b := range s.deleted {
		if resurrect() {
			c.blobs[id] = b
		}
	}
	clear(s.deleted)
	return c
}

func validID(id blob.ID) bool {
	if len(id) != 32 {
		return false
	}
	for _, c := range []byte(id) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

func (s *crashBlobs) Create(ctx context.Context, id blob.ID) (blob.Writer, error) {
	if !validID(id) {
		return nil, blob.ErrInvalidID
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.blobs[id]; ok {
		return nil, fmt.Errorf("blob %s exists", id)
	}
	if _, ok := s.writing[id]; ok {
		return nil, fmt.Errorf("blob %s exists", id)
	}
	s.writing[id] = s.now()
	return &crashWriter{s: s, id: id}, nil
}

type crashWriter struct {
	s    *crashBlobs
	id   blob.ID
	buf  bytes.Buffer
	done bool
}

func (w *crashWriter) ID() blob.ID { return w.id }

func (w *crashWriter) Write(p []byte) (int, error) {
	if w.done {
		return 0, errors.New("write after commit or abort")
	}
	return w.buf.Write(p)
}

func (w *crashWriter) Commit() (int64, error) {
	if w.done {
		return 0, errors.New("commit after commit or abort")
	}
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	if _, ok := w.s.writing[w.id]; !ok {
		return 0, errors.New("commit of a blob not being written")
	}
	w.done = true
	delete(w.s.writing, w.id)
	if w.s.unlinked[w.id] {
		// Deleted while being written: the data went nowhere.
		delete(w.s.unlinked, w.id)
		return int64(w.buf.Len()), nil
	}
	w.s.blobs[w.id] = storedBlob{data: bytes.Clone(w.buf.Bytes()), mod: w.s.now()}
	return int64(w.buf.Len()), nil
}

func (w *crashWriter) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	w.s.mu.Lock()
	delete(w.s.writing, w.id)
	delete(w.s.unlinked, w.id)
	w.s.mu.Unlock()
	return nil
}

func (s *crashBlobs) Open(ctx context.Context, id blob.ID, offset, length int64) (io.ReadCloser, error) {
	s.mu.RLock()
	b, ok := s.blobs[id]
	s.mu.RUnlock()
	if !ok {
		return nil, blob.ErrNotFound
	}
	if offset < 0 || length < 0 || offset+length > int64(len(b.data)) {
		return nil, fmt.Errorf("blob %s: range %d+%d outside %d bytes", id, offset, length, len(b.data))
	}
	return io.NopCloser(bytes.NewReader(b.data[offset : offset+length])), nil
}

func (s *crashBlobs) Size(ctx context.Context, id blob.ID) (int64, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, ok := s.blobs[id]
	if !ok {
		return 0, blob.ErrNotFound
	}
	return int64(len(b.data)), nil
}

func (s *crashBlobs) Delete(ctx context.Context, id blob.ID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b, ok := s.blobs[id]; ok {
		s.deleted[id] = b
	}
	delete(s.blobs, id)
	if _, ok := s.writing[id]; ok {
		s.unlinked[id] = true
	}
	return nil
}

func (s *crashBlobs) Walk(ctx context.Context, fn func(id blob.ID, modTime time.Time) error) error {
	s.mu.RLock()
	type entry struct {
		id  blob.ID
		mod time.Time
	}
	var all []entry
	for id, b := range s.blobs {
		all = append(all, entry{id, b.mod})
	}
	for id, created := range s.writing {
		if !s.unlinked[id] {
			all = append(all, entry{id, created})
		}
	}
	s.mu.RUnlock()
	for _, e := range all {
		if err := fn(e.id, e.mod); err != nil {
			return err
		}
	}
	return nil
}

func (s *crashBlobs) count() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.blobs)
}

var _ blob.Store = (*crashBlobs)(nil)
