package sealbox

import (
	"bytes"
	"errors"
	"testing"
)

func key(b byte) []byte { return bytes.Repeat([]byte{b}, KeySize) }

func TestRoundTrip(t *testing.T) {
	box, err := New(key(1), "test v1")
	if err != nil {
		t.Fatal(err)
	}
	for _, plain := range [][]byte{nil, []byte("s"), bytes.Repeat([]byte("secret"), 1000)} {
		sealed := box.Seal(plain, []byte("record-a"))
		if len(plain) > 1 && bytes.Contains(sealed, plain) {
			t.Fatal("the sealed value holds the plain text")
		}
		got, err := box.Open(sealed, []byte("record-a"))
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("open: %q, %v", got, err)
		}
	}
}

func TestOpenRefuses(t *testing.T) {
	box, _ := New(key(1), "test v1")
	sealed := box.Seal([]byte("secret"), []byte("record-a"))
	otherKey, _ := New(key(2), "test v1")
	otherPurpose, _ := New(key(1), "test v2")
	damaged := bytes.Clone(sealed)
	damaged[len(damaged)-1] ^= 1
	cases := map[string]func() ([]byte, error){
		"another record":  func() ([]byte, error) { return box.Open(sealed, []byte("record-b")) },
		"another key":     func() ([]byte, error) { return otherKey.Open(sealed, []byte("record-a")) },
		"another purpose": func() ([]byte, error) { return otherPurpose.Open(sealed, []byte("record-a")) },
		"damaged":         func() ([]byte, error) { return box.Open(damaged, []byte("record-a")) },
		"too short":       func() ([]byte, error) { return box.Open(sealed[:27], []byte("record-a")) },
		"empty":           func() ([]byte, error) { return box.Open(nil, []byte("record-a")) },
	}
	for name, open := range cases {
		if _, err := open(); !errors.Is(err, ErrOpen) {
			t.Errorf("%s: %v, want ErrOpen", name, err)
		}
	}
}

func TestKeySize(t *testing.T) {
	for _, n := range []int{0, KeySize - 1, KeySize + 1} {
		if _, err := New(make([]byte, n), "p"); err == nil {
			t.Errorf("a %d-byte key was taken", n)
		}
	}
	if _, err := New(make([]byte, KeySize), "p"); err != nil {
		t.Errorf("a %d-byte key was refused: %v", KeySize, err)
	}
}
