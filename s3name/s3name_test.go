package s3name

import (
	"strings"
	"testing"
)

func TestValidBucket(t *testing.T) {
	for name, want := range map[string]bool{
		"abc": true, strings.Repeat("a", 63): true, "my.bucket-1": true,
		"ab": false, strings.Repeat("a", 64): false, "Upper": false, "-lead": false, "trail-": false,
		"a..b": false, "a.-b": false, "192.168.1.1": false, "xn--abc": false, "x-s3alias": false, "under_score": false,
	} {
		if got := ValidBucket(name); got != want {
			t.Errorf("%q: %v, want %v", name, got, want)
		}
	}
}

func TestCheckKey(t *testing.T) {
	if err := CheckKey(strings.Repeat("k", MaxKeyLength)); err != nil {
		t.Errorf("1024-byte key: %v", err)
	}
	for _, bad := range []string{"", strings.Repeat("k", MaxKeyLength+1), "\xff", "a\x00b"} {
		if CheckKey(bad) == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
