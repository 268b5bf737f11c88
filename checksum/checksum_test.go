package checksum

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// Known values of "123456789", the standard check input of each CRC.
func TestCheckValues(t *testing.T) {
	want := map[Algorithm]string{
		CRC32:     "cbf43926",
		CRC32C:    "e3069283",
		CRC64NVME: "ae8b14860a799888",
	}
	for a, hexWant := range want {
		h := a.New()
		h.Write([]byte("123456789"))
		if got := strings.ToLower(fmtHex(h.Sum(nil))); got != hexWant {
			t.Errorf("%s = %s, want %s", a, got, hexWant)
		}
	}
}

func fmtHex(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

func TestVerifyingReader(t *testing.T) {
	bad := errors.New("mismatch")
	h := SHA256.New()
	h.Write([]byte("hello"))
	good := h.Sum(nil)
	if _, err := io.ReadAll(NewVerifyingReader(strings.NewReader("hello"), SHA256.New(), good, bad)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(NewVerifyingReader(strings.NewReader("hellO"), SHA256.New(), good, bad)); !errors.Is(err, bad) {
		t.Fatalf("got %v", err)
	}
}
