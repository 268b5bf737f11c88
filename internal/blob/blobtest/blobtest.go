// Package blobtest is the conformance suite every blob.Store
// implementation runs.
package blobtest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/kurastore/kura/internal/blob"
)

// Damage names a way to corrupt a stored blob.
type Damage int

const (
	FlipDataBit Damage = iota // flip one bit inside block data
	FlipCRCBit                // flip one bit of a block checksum
	Truncate                  // cut the last byte off
	Append                    // add a byte at the end
)

// Harness gives the suite a fresh store and a way to damage its bytes.
type Harness struct {
	New     func(t *testing.T) blob.Store
	Corrupt func(t *testing.T, s blob.Store, id blob.ID, d Damage)
}

var bg = context.Background()

func write(t *testing.T, s blob.Store, data []byte) blob.ID {
	t.Helper()
	w, err := s.Create(bg, blob.NewID())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	n, err := w.Commit()
	if err != nil || n != int64(len(data)) {
		t.Fatalf("commit: %d, %v", n, err)
	}
	return w.ID()
}

func read(s blob.Store, id blob.ID, off, n int64) ([]byte, error) {
	r, err := s.Open(bg, id, off, n)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i ^ i>>8 ^ i>>16)
	}
	return b
}

// Run runs the suite.
func Run(t *testing.T, h Harness) {
	bs := blob.BlockSize
	t.Run("RoundTrip", func(t *testing.T) {
		s := h.New(t)
		for _, n := range []int{0, 1, bs - 1, bs, bs + 1, 3*bs + 7, 5 << 20} {
			data := pattern(n)
			id := write(t, s, data)
			got, err := read(s, id, 0, int64(n))
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("size %d: %d bytes back, %v", n, len(got), err)
			}
			if size, err := s.Size(bg, id); err != nil || size != int64(n) {
				t.Fatalf("size %d: Size = %d, %v", n, size, err)
			}
		}
	})
	t.Run("Ranges", func(t *testing.T) {
		s := h.New(t)
		n := int64(3*bs + 100)
		data := pattern(int(n))
		id := write(t, s, data)
		b := int64(bs)
		for _, r := range [][2]int64{{0, 1}, {n - 1, 1}, {b - 1, 2}, {b, b}, {b - 10, b + 20}, {5, n - 10}, {n, 0}, {7, 0}} {
			got, err := read(s, id, r[0], r[1])
			if err != nil || !bytes.Equal(got, data[r[0]:r[0]+r[1]]) {
				t.Fatalf("range %v: %d bytes, %v", r, len(got), err)
			}
		}
		if _, err := read(s, id, n-1, 2); err == nil {
			t.Fatal("range past the end accepted")
		}
		if _, err := read(s, id, -1, 1); err == nil {
			t.Fatal("negative offset accepted")
		}
	})
	t.Run("AbortDeleteAndIDs", func(t *testing.T) {
		s := h.New(t)
		w, err := s.Create(bg, blob.NewID())
		if err != nil {
			t.Fatal(err)
		}
		w.Write(pattern(100))
		if err := w.Abort(); err != nil {
			t.Fatal(err)
		}
		if _, err := read(s, w.ID(), 0, 0); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("aborted blob: %v", err)
		}
		id := write(t, s, pattern(10))
		var seen []blob.ID
		s.Walk(bg, func(id blob.ID, _ time.Time) error { seen = append(seen, id); return nil })
		if len(seen) != 1 || seen[0] != id {
			t.Fatalf("Walk = %v, want [%s]", seen, id)
		}
		if err := s.Delete(bg, id); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(bg, id); err != nil {
			t.Fatalf("deleting a missing blob: %v", err)
		}
		if _, err := read(s, id, 0, 0); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("deleted blob: %v", err)
		}
		for _, bad := range []blob.ID{"../../etc/passwd", "", "ABCDEF0123456789ABCDEF0123456789", "0123456789abcdef0123456789abcde/"} {
			if _, err := s.Open(bg, bad, 0, 0); !errors.Is(err, blob.ErrInvalidID) {
				t.Errorf("Open(%q) = %v, want ErrInvalidID", bad, err)
			}
			if _, err := s.Create(bg, bad); !errors.Is(err, blob.ErrInvalidID) {
				t.Errorf("Create(%q) = %v, want ErrInvalidID", bad, err)
			}
		}
		// Creating an id that exists fails and leaves the blob intact.
		kept := write(t, s, pattern(10))
		if w, err := s.Create(bg, kept); err == nil {
			w.Abort()
			t.Fatal("Create of an existing id succeeded")
		}
		if got, err := read(s, kept, 0, 10); err != nil || !bytes.Equal(got, pattern(10)) {
			t.Fatalf("blob after a Create of its id: %v", err)
		}
	})
	t.Run("Concurrent", func(t *testing.T) {
		s := h.New(t)
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				data := pattern(bs*2 + i)
				id := write(t, s, data)
				if got, err := read(s, id, 0, int64(len(data))); err != nil || !bytes.Equal(got, data) {
					t.Errorf("concurrent blob %d: %v", i, err)
				}
			}()
		}
		wg.Wait()
	})
	t.Run("Corruption", func(t *testing.T) {
		for _, d := range []Damage{FlipDataBit, FlipCRCBit, Truncate, Append} {
			s := h.New(t)
			data := pattern(2*bs + 50)
			id := write(t, s, data)
			h.Corrupt(t, s, id, d)
			got, err := read(s, id, 0, int64(len(data)))
			if !errors.Is(err, blob.ErrCorrupt) {
				t.Errorf("damage %d: read gave %v, want ErrCorrupt", d, err)
			}
			// Whatever came before the error must be the true bytes.
			if !bytes.Equal(got, data[:len(got)]) {
				t.Errorf("damage %d: bad bytes returned", d)
			}
		}
	})
}
