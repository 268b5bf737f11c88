package cipherstream

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	mrand "math/rand/v2"
	"testing"
)

func testKey(t testing.TB) []byte {
	k := make([]byte, KeySize)
	rand.Read(k)
	return k
}

func payload(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

// readRange reads [off, off+n) of plain out of sealed, the way the object
// layer does: only the span's sealed bytes are handed to the reader.
func readRange(t testing.TB, key, sealed []byte, off, n, size int64) ([]byte, error) {
	t.Helper()
	sp := SpanOf(off, n, size)
	r, err := NewSpanReader(bytes.NewReader(sealed[sp.Offset:sp.Offset+sp.Length]), key, sp, size)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.CopyN(io.Discard, r, sp.Skip); err != nil {
		return nil, err
	}
	return io.ReadAll(io.LimitReader(r, n))
}

var sizes = []int{0, 1, 100, PackageSize - 1, PackageSize, PackageSize + 1, 2 * PackageSize, 3*PackageSize + 17}

func TestRoundTripAndSize(t *testing.T) {
	key := testKey(t)
	for _, n := range sizes {
		plain := payload(n)
		sealed, err := Seal(key, plain)
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(sealed)) != SealedSize(int64(n)) {
			t.Errorf("size %d: sealed %d bytes, SealedSize says %d", n, len(sealed), SealedSize(int64(n)))
		}
		if n > 16 && bytes.Contains(sealed, plain[:16]) {
			t.Errorf("size %d: plaintext visible in the sealed stream", n)
		}
		got, err := readRange(t, key, sealed, 0, int64(n), int64(n))
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("size %d: round trip = %d bytes, %v", n, len(got), err)
		}
	}
}

func TestWriterChunking(t *testing.T) {
	// The stream must not depend on how the plaintext was cut into writes.
	key := testKey(t)
	plain := payload(3*PackageSize + 5)
	whole, _ := Seal(key, plain)
	var b bytes.Buffer
	w, _ := NewWriter(&b, key)
	for p := plain; len(p) > 0; {
		k := min(len(p), 1+mrand.IntN(PackageSize/3))
		w.Write(p[:k])
		p = p[k:]
	}
	w.Close()
	if !bytes.Equal(b.Bytes(), whole) {
		t.Fatal("sealed stream depends on write sizes")
	}
}

func TestRanges(t *testing.T) {
	key := testKey(t)
	const size = 5*PackageSize + 123
	plain := payload(size)
	sealed, _ := Seal(key, plain)
	cases := [][2]int64{{0, 1}, {size - 1, 1}, {PackageSize - 1, 2}, {PackageSize, PackageSize}, {17, size - 17}, {3 * PackageSize, 0}}
	for range 200 {
		off := mrand.Int64N(size)
		cases = append(cases, [2]int64{off, mrand.Int64N(size - off + 1)})
	}
	for _, c := range cases {
		got, err := readRange(t, key, sealed, c[0], c[1], size)
		if err != nil || !bytes.Equal(got, plain[c[0]:c[0]+c[1]]) {
			t.Fatalf("range %d+%d: %d bytes, %v", c[0], c[1], len(got), err)
		}
	}
	// A 1-byte read touches one package.
	if sp := SpanOf(3*PackageSize+9, 1, size); sp.Length != PackageSize+Overhead || sp.First != 3 || sp.Last != 3 {
		t.Errorf("1-byte span = %+v", sp)
	}
}

func TestTamperingIsDetected(t *testing.T) {
	key := testKey(t)
	const size = 2*PackageSize + 100
	plain := payload(size)
	sealed, _ := Seal(key, plain)
	for _, pos := range []int{0, 1, PackageSize, PackageSize + Overhead, len(sealed) - 1, len(sealed) / 2} {
		bad := bytes.Clone(sealed)
		bad[pos] ^= 0x01
		got, err := readRange(t, key, bad, 0, size, size)
		if !errors.Is(err, ErrAuth) {
			t.Errorf("flipped byte %d: err = %v, %d bytes", pos, err, len(got))
		}
	}
	if _, err := readRange(t, testKey(t), sealed, 0, size, size); !errors.Is(err, ErrAuth) {
		t.Errorf("wrong key: err = %v", err)
	}
}

func TestStructuralAttacks(t *testing.T) {
	key := testKey(t)
	const size = 3 * PackageSize
	sealed, _ := Seal(key, payload(size))
	sp := sealedPackageSize
	open := func(stream []byte, size int64) error {
		r, _ := NewReader(bytes.NewReader(stream), key, 0, packages(size)-1, true)
		_, err := io.ReadAll(r)
		return err
	}
	// Truncated at a package boundary: the new last package lacks the flag.
	if err := open(sealed[:2*sp], 2*PackageSize); !errors.Is(err, ErrAuth) {
		t.Errorf("truncated stream: %v", err)
	}
	// Reordered packages.
	swapped := append(append(bytes.Clone(sealed[sp:2*sp]), sealed[:sp]...), sealed[2*sp:]...)
	if err := open(swapped, size); !errors.Is(err, ErrAuth) {
		t.Errorf("reordered packages: %v", err)
	}
	// Data appended after the final package.
	if err := open(append(bytes.Clone(sealed), 0), size); !errors.Is(err, ErrAuth) {
		t.Errorf("appended byte: %v", err)
	}
	// Short stream in the middle.
	if err := open(sealed[:sp+10], size); !errors.Is(err, ErrAuth) {
		t.Errorf("short package: %v", err)
	}
}

func TestStreamKeys(t *testing.T) {
	k := testKey(t)
	a, _ := StreamKey(k, "blob-a")
	b, _ := StreamKey(k, "blob-b")
	if bytes.Equal(a, b) || len(a) != KeySize {
		t.Fatal("stream keys must differ per salt")
	}
	if _, err := StreamKey(k[:16], "x"); !errors.Is(err, ErrKeySize) {
		t.Fatalf("short key: %v", err)
	}
}

func BenchmarkSeal(b *testing.B) {
	key := testKey(b)
	buf := payload(1 << 20)
	b.SetBytes(int64(len(buf)))
	w, _ := NewWriter(io.Discard, key)
	for b.Loop() {
		w.Write(buf)
	}
}

func BenchmarkOpen(b *testing.B) {
	key := testKey(b)
	plain := payload(8 << 20)
	sealed, _ := Seal(key, plain)
	b.SetBytes(int64(len(plain)))
	for b.Loop() {
		r, _ := NewReader(bytes.NewReader(sealed), key, 0, packages(int64(len(plain)))-1, true)
		io.Copy(io.Discard, r)
	}
}

// shortWriter stores half of each write and reports that, without an
// error, as a broken writer might.
type shortWriter struct{ bytes.Buffer }

func (s *shortWriter) Write(p []byte) (int, error) { return s.Buffer.Write(p[:len(p)/2]) }

func TestShortWriteIsAnError(t *testing.T) {
	w, _ := NewWriter(&shortWriter{}, testKey(t))
	w.Write(payload(PackageSize + 10))
	if err := w.Close(); !errors.Is(err, io.ErrShortWrite) {
		t.Fatalf("Close over a short writer: %v", err)
	}
}
