package cipherstream

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// FuzzOpen feeds arbitrary bytes to a Reader as a sealed stream: it must
// never panic, and every failure is ErrAuth (or the truncation that
// wraps it). Only a stream sealed under the key opens, and then it gives
// back exactly what was sealed.
func FuzzOpen(f *testing.F) {
	key := bytes.Repeat([]byte{3}, KeySize)
	for _, n := range []int{0, 1, 100, PackageSize + 1} {
		sealed, _ := Seal(key, payload(n))
		f.Add(sealed, int64(n))
	}
	f.Add([]byte{}, int64(0))
	f.Add(make([]byte, 40), int64(24))
	f.Fuzz(func(t *testing.T, stream []byte, size int64) {
		if size < 0 || size > 4*PackageSize {
			return
		}
		r, err := NewReader(bytes.NewReader(stream), key, 0, packages(size)-1, true)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		if err != nil {
			if !errors.Is(err, ErrAuth) {
				t.Fatalf("error %v is not ErrAuth", err)
			}
			return
		}
		want, _ := Seal(key, got)
		if !bytes.Equal(want, stream) {
			t.Fatal("a stream that is not the sealing of its plaintext opened")
		}
	})
}
