package sql

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// sameNumber reports whether a and b are the same number of the same
// kind, telling -0 from 0.
func sameNumber(a, b value) bool {
	return a.k == b.k && a.i == b.i && math.Float64bits(a.flt()) == math.Float64bits(b.flt())
}

// checkShortNumber fails when parseShortNumber reads s other than the
// general parser does.
func checkShortNumber(t *testing.T, s string) {
	t.Helper()
	got, ok := parseShortNumber(s)
	if !ok {
		return
	}
	want, wantOK := parseAnyNumber(s)
	if !wantOK || !sameNumber(got, want) {
		t.Errorf("%q: short %v %d %v, general %v %v %d %v", s, got.k, got.i, got.flt(), wantOK, want.k, want.i, want.flt())
	}
}

func TestShortNumberAsGeneral(t *testing.T) {
	for _, s := range []string{
		"0", "-0", "+0", "0.0", "-0.0", "5.", ".5", "-.5", "+.5", "007", "12.50",
		"999999999999999999", "-999999999999999999", "1000000000000000000",
		"123456789012345", "0.123456789012345", "1.23456789012345", "12345678901234.5",
		"1234567890123456", "0.1234567890123456", "990.01", "999.99", "0.1", "0.3",
		"9007199254740993", "900719925474099.3",
		"", "-", "+", ".", "-.", "1.2.3", "1e5", " 1", "1 ", "0x10", "1_000", "Inf", "NaN",
	} {
		checkShortNumber(t, s)
	}
	// Which forms the short path takes: the rest go to the general one.
	for s, want := range map[string]bool{
		"123": true, "-1.5": true, "999999999999999999": true, "1000000000000000000": false,
		"123456789012345.0": false, "12345678901234.5": true, "1e5": false, " 1": false, ".": false,
	} {
		if _, ok := parseShortNumber(s); ok != want {
			t.Errorf("parseShortNumber(%q) ok = %v, want %v", s, ok, want)
		}
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	for range 200_000 {
		digits := 1 + rnd.IntN(16)
		point := rnd.IntN(digits + 1)
		b := make([]byte, 0, 20)
		if rnd.IntN(4) == 0 {
			b = append(b, '-')
		}
		for d := range digits {
			if d == point {
				b = append(b, '.')
			}
			b = append(b, byte('0'+rnd.IntN(10)))
		}
		checkShortNumber(t, string(b))
		checkShortNumber(t, strconv.FormatFloat(rnd.Float64()*1000, 'f', rnd.IntN(14), 64))
	}
}

func FuzzShortNumber(f *testing.F) {
	for _, s := range []string{"0", "-0.0", "5.", ".5", "990.01", "999999999999999999", "0.123456789012345"} {
		f.Add(s)
	}
	f.Fuzz(checkShortNumber)
}
