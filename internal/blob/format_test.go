package blob

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

func frame(t testing.TB, data []byte) []byte {
	var buf bytes.Buffer
	fw, err := NewFrameWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	if n, err := fw.Close(); err != nil || n != int64(len(data)) {
		t.Fatal(n, err)
	}
	return buf.Bytes()
}

// readFramed reads [off, off+n) of a framed blob held in memory.
func readFramed(stored []byte, off, n int64) ([]byte, error) {
	r := bytes.NewReader(stored)
	size, err := ReadFooter(r, int64(len(stored)))
	if err != nil {
		return nil, err
	}
	if off+n > size {
		n = size - off
	}
	if n < 0 {
		return nil, nil
	}
	rr, err := NewRangeReader(r, size, off, n)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(rr)
}

// FuzzFrameDamage: after any damage to the stored bytes, a read returns
// either exactly the original bytes or an ErrCorrupt error, never other
// bytes.
func FuzzFrameDamage(f *testing.F) {
	f.Add(100, 10, byte(1), 0, 50)
	f.Add(BlockSize+5, BlockSize+2, byte(0x80), 0, BlockSize+5)
	f.Add(3*BlockSize, -1, byte(0), 10, 2*BlockSize)
	f.Fuzz(func(t *testing.T, size, pos int, flip byte, off, n int) {
		if size < 0 || size > 4*BlockSize || off < 0 || n < 0 {
			return
		}
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(i * 7)
		}
		stored := frame(t, data)
		switch {
		case pos >= 0 && pos < len(stored):
			stored[pos] ^= flip
		case pos < 0 && -pos <= len(stored):
			stored = stored[:len(stored)+pos] // truncate
		}
		if off > size {
			off = size
		}
		got, err := readFramed(stored, int64(off), int64(n))
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("damage gave %v, not ErrCorrupt", err)
			}
			return
		}
		want := data[off:min(off+n, size)]
		if !bytes.Equal(got, want) {
			t.Fatalf("read returned wrong bytes")
		}
	})
}
