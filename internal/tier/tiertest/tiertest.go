// Package tiertest is the conformance suite every tier.Tier
// implementation runs.
package tiertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/kurastore/kura/internal/tier"
)

// Harness gives the suite a fresh, empty tier.
type Harness struct {
	New func(t *testing.T) tier.Tier
}

var bg = context.Background()

func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i^i>>8^i>>16) + seed
	}
	return b
}

func put(t *testing.T, tr tier.Tier, name string, data []byte) {
	t.Helper()
	if err := tr.Put(bg, name, bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatalf("put %s (%d bytes): %v", name, len(data), err)
	}
}

func read(tr tier.Tier, name string, off, n int64) ([]byte, error) {
	r, err := tr.Open(bg, name, off, n)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

func expect(t *testing.T, tr tier.Tier, name string, off, n int64, want []byte) {
	t.Helper()
	got, err := read(tr, name, off, n)
	if err != nil {
		t.Fatalf("open %s %d+%d: %v", name, off, n, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("open %s %d+%d: %d bytes back, not the %d written", name, off, n, len(got), len(want))
	}
}

func expectMissing(t *testing.T, tr tier.Tier, name string) {
	t.Helper()
	r, err := tr.Open(bg, name, 0, 0)
	if err == nil {
		r.Close()
	}
	if !errors.Is(err, tier.ErrNotFound) {
		t.Fatalf("open of missing %s: %v, want ErrNotFound", name, err)
	}
}

var errSource = errors.New("tiertest: the source failed")

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errSource }

// Run runs the suite.
func Run(t *testing.T, h Harness) {
	t.Run("Ranges", func(t *testing.T) {
		tr := h.New(t)
		data := pattern(1000, 1)
		put(t, tr, "u1/b1", data)
		expect(t, tr, "u1/b1", 0, 1000, data)
		expect(t, tr, "u1/b1", 0, 1, data[:1])
		expect(t, tr, "u1/b1", 999, 1, data[999:])
		expect(t, tr, "u1/b1", 100, 250, data[100:350])
		expect(t, tr, "u1/b1", 1000, 0, nil)
	})
	t.Run("BeyondEnd", func(t *testing.T) {
		tr := h.New(t)
		put(t, tr, "u1/b", pattern(10, 1))
		for _, r := range [][2]int64{{0, 11}, {10, 1}, {9, 2}, {11, 0}} {
			rc, err := tr.Open(bg, "u1/b", r[0], r[1])
			if err == nil {
				_, err = io.ReadAll(rc)
				rc.Close()
			}
			if err == nil {
				t.Errorf("open %d+%d of a 10-byte object succeeded", r[0], r[1])
			}
			if errors.Is(err, tier.ErrNotFound) {
				t.Errorf("open %d+%d of a 10-byte object: %v; the object exists", r[0], r[1], err)
			}
		}
	})
	t.Run("ZeroLength", func(t *testing.T) {
		tr := h.New(t)
		put(t, tr, "u1/empty", nil)
		expect(t, tr, "u1/empty", 0, 0, nil)
	})
	t.Run("OneByte", func(t *testing.T) {
		tr := h.New(t)
		put(t, tr, "u1/one", []byte{7})
		expect(t, tr, "u1/one", 0, 1, []byte{7})
		expect(t, tr, "u1/one", 1, 0, nil)
	})
	t.Run("Overwrite", func(t *testing.T) {
		tr := h.New(t)
		put(t, tr, "u1/b", pattern(5000, 1))
		second := pattern(300, 2)
		put(t, tr, "u1/b", second)
		expect(t, tr, "u1/b", 0, 300, second)
	})
	t.Run("Delete", func(t *testing.T) {
		tr := h.New(t)
		put(t, tr, "u1/b", pattern(10, 1))
		put(t, tr, "u1/c", pattern(10, 2))
		if err := tr.Delete(bg, "u1/b"); err != nil {
			t.Fatal(err)
		}
		expectMissing(t, tr, "u1/b")
		if err := tr.Delete(bg, "u1/b"); err != nil {
			t.Fatalf("second delete: %v", err)
		}
		if err := tr.Delete(bg, "never/written"); err != nil {
			t.Fatalf("delete of a missing object: %v", err)
		}
		expect(t, tr, "u1/c", 0, 10, pattern(10, 2))
		// The name can be written again after its delete.
		put(t, tr, "u1/b", pattern(3, 3))
		expect(t, tr, "u1/b", 0, 3, pattern(3, 3))
	})
	t.Run("Missing", func(t *testing.T) {
		tr := h.New(t)
		expectMissing(t, tr, "nothing/here")
		put(t, tr, "u1/b", pattern(10, 1))
		expectMissing(t, tr, "u1/bb")
		expectMissing(t, tr, "u1")
	})
	t.Run("Names", func(t *testing.T) {
		tr := h.New(t)
		names := []string{
			"0123456789abcdef0123456789abcdef/fedcba9876543210fedcba9876543210",
			"a/b/c/d",
			"a/b/c/e",
			"x",
		}
		for i, n := range names {
			put(t, tr, n, pattern(17+i, byte(i)))
		}
		for i, n := range names {
			expect(t, tr, n, 0, int64(17+i), pattern(17+i, byte(i)))
		}
		// Deleting one object leaves its neighbours under the same prefix.
		if err := tr.Delete(bg, "a/b/c/d"); err != nil {
			t.Fatal(err)
		}
		expect(t, tr, "a/b/c/e", 0, 19, pattern(19, 2))
	})
	t.Run("SizeMismatch", func(t *testing.T) {
		tr := h.New(t)
		if err := tr.Put(bg, "u1/short", bytes.NewReader(pattern(9, 1)), 10); err == nil {
			t.Fatal("a put of 9 bytes announced as 10 succeeded")
		}
		expectMissing(t, tr, "u1/short")
	})
	t.Run("SourceFails", func(t *testing.T) {
		tr := h.New(t)
		src := io.MultiReader(bytes.NewReader(pattern(1000, 1)), failingReader{})
		err := tr.Put(bg, "u1/broken", src, 2000)
		if err == nil {
			t.Fatal("a put whose data failed to read succeeded")
		}
		// The tier is fine: only the source failed.
		if errors.Is(err, tier.ErrUnavailable) {
			t.Fatalf("a failing source reads as an unavailable tier: %v", err)
		}
		if !errors.Is(err, errSource) {
			t.Fatalf("the source's error is lost: %v", err)
		}
		expectMissing(t, tr, "u1/broken")
	})
	t.Run("ConcurrentPuts", func(t *testing.T) {
		tr := h.New(t)
		const n = 16
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				data := pattern(4096+i, byte(i))
				name := fmt.Sprintf("u%d/b%d", i%3, i)
				errs <- tr.Put(bg, name, bytes.NewReader(data), int64(len(data)))
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		for i := range n {
			expect(t, tr, fmt.Sprintf("u%d/b%d", i%3, i), 0, int64(4096+i), pattern(4096+i, byte(i)))
		}
	})
	t.Run("ConcurrentSameName", func(t *testing.T) {
		tr := h.New(t)
		const n = 8
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				data := bytes.Repeat([]byte{byte('a' + i)}, 10000)
				if err := tr.Put(bg, "u/same", bytes.NewReader(data), int64(len(data))); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		got, err := read(tr, "u/same", 0, 10000)
		if err != nil {
			t.Fatal(err)
		}
		// One writer's bytes whole, never a mix of two.
		if strings.Count(string(got), string(got[:1])) != 10000 {
			t.Fatalf("the object mixes the data of several puts")
		}
	})
	t.Run("Large", func(t *testing.T) {
		tr := h.New(t)
		data := pattern(5<<20+3, 9)
		put(t, tr, "big/one", data)
		expect(t, tr, "big/one", 0, int64(len(data)), data)
		expect(t, tr, "big/one", 3<<20, 1<<20, data[3<<20:4<<20])
		expect(t, tr, "big/one", int64(len(data))-1, 1, data[len(data)-1:])
	})
	t.Run("Check", func(t *testing.T) {
		tr := h.New(t)
		if err := tr.Check(bg); err != nil {
			t.Fatalf("check of a fresh tier: %v", err)
		}
	})
}
