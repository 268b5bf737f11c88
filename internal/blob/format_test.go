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

// TestRangeReaderEveryBoundary reads ranges that start and end on, before
// and after block and read-batch boundaries, with large and one-byte reads.
func TestRangeReaderEveryBoundary(t *testing.T) {
	for _, size := range []int64{0, 1, BlockSize - 1, BlockSize, BlockSize + 1, readBlocks*BlockSize + 5, (2*readBlocks+3)*BlockSize + 3} {
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(i*7 + i>>11)
		}
		stored := frame(t, data)
		var points []int64
		for _, p := range []int64{0, 1, BlockSize - 1, BlockSize, BlockSize + 1, readBlocks * BlockSize, readBlocks*BlockSize + 1, size / 2, size - 1, size} {
			if p >= 0 && p <= size {
				points = append(points, p)
			}
		}
		for _, off := range points {
			for _, end := range points {
				if end < off {
					continue
				}
				got, err := readFramed(stored, off, end-off)
				if err != nil || !bytes.Equal(got, data[off:end]) {
					t.Fatalf("size %d [%d,%d): %d bytes, %v", size, off, end, len(got), err)
				}
				rr, _ := NewRangeReader(bytes.NewReader(stored), size, off, end-off)
				var one bytes.Buffer
				for b := make([]byte, 1); ; {
					n, err := rr.Read(b)
					one.Write(b[:n])
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatal(err)
					}
				}
				if !bytes.Equal(one.Bytes(), data[off:end]) {
					t.Fatalf("size %d [%d,%d) by single bytes: %d bytes", size, off, end, one.Len())
				}
			}
		}
	}
}
