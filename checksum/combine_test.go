package checksum

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

func TestCombineMatchesWholeData(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, alg := range []Algorithm{CRC32, CRC32C, CRC64NVME} {
		for _, sizes := range [][2]int{{0, 0}, {1, 0}, {0, 7}, {3, 5}, {1000, 1}, {4096, 65537}, {5 << 20, 123}} {
			a, b := make([]byte, sizes[0]), make([]byte, sizes[1])
			for i := range a {
				a[i] = byte(rng.Uint32())
			}
			for i := range b {
				b[i] = byte(rng.Uint32())
			}
			got, err := alg.Combine(sumOf(alg, a), sumOf(alg, b), int64(len(b)))
			if err != nil {
				t.Fatal(err)
			}
			if want := sumOf(alg, append(append([]byte(nil), a...), b...)); !bytes.Equal(got, want) {
				t.Errorf("%s %v: combined %x, whole %x", alg, sizes, got, want)
			}
		}
	}
}

func TestCombineRefusesDigests(t *testing.T) {
	for _, alg := range []Algorithm{SHA1, SHA256} {
		if alg.Combinable() {
			t.Errorf("%s claims to be combinable", alg)
		}
		if _, err := alg.Combine(sumOf(alg, nil), sumOf(alg, nil), 0); err == nil {
			t.Errorf("%s combined", alg)
		}
	}
	if _, err := CRC32.Combine([]byte{1}, []byte{1, 2, 3, 4}, 1); err == nil {
		t.Error("short CRC32 value accepted")
	}
}

func sumOf(alg Algorithm, data []byte) []byte {
	h := alg.New()
	h.Write(data)
	return h.Sum(nil)
}
