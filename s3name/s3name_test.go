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

func TestValidRegion(t *testing.T) {
	word12, word13 := strings.Repeat("w", 12), strings.Repeat("w", 13)
	for name, want := range map[string]bool{
		"us-east-1": true, "eu-central-1": true, "ap-southeast-2": true, "us-gov-west-1": true,
		"us-isob-east-1": true, "il-central-1": true, "eu-west-99": true, "xx-" + word12 + "-1": true,
		"aa-b-c-d-1":   true, // three words, the limit
		"aa-b-c-d-e-1": false, "xx-" + word13 + "-1": false, "eu-west-100": false, "eu-west-0": false,
		"eu-west-01": false, "EU": false, "eu-west": false, "us-east-1a": false, "US-EAST-1": false,
		"usa-east-1": false, "u-east-1": false, "eu--1": false, "-east-1": false, "eu-west-1-": false,
		"eu-west-1x": false, "eu west 1": false, "": false, "eu-wést-1": false,
	} {
		if got := ValidRegion(name); got != want {
			t.Errorf("%q: %v, want %v", name, got, want)
		}
	}
}
