package s3name

import "strings"

// Limits of the region name syntax ValidRegion accepts.
const (
	maxRegionWords    = 3  // "us-gov-west-1" has two, "ap-southeast-2" one
	maxRegionWordLen  = 12 // "southeast" and "northeast" are the longest yet
	maxRegionNumber   = 99
	regionCodeLetters = 2
)

// ValidRegion reports whether name has the form of an AWS region name:
// a two-letter code, one to three words of 1–12 lowercase letters, and a
// number from 1 to 99 without a leading zero, joined by hyphens, as in
// "us-east-1", "ap-southeast-2", "us-gov-west-1" or "us-isob-east-1".
//
// It checks the syntax, not a list: AWS keeps opening regions, and a
// server that holds buckets of any region (as AWS's global endpoint
// creates them) has no reason to refuse one it has not heard of. What it
// refuses is what no region can be called: upper case, spaces, empty
// parts, the legacy "EU" (which callers map to eu-west-1 themselves).
func ValidRegion(name string) bool {
	parts := strings.Split(name, "-")
	if len(parts) < 3 || len(parts) > maxRegionWords+2 {
		return false
	}
	if len(parts[0]) != regionCodeLetters || !lowerLetters(parts[0]) {
		return false
	}
	for _, w := range parts[1 : len(parts)-1] {
		if len(w) == 0 || len(w) > maxRegionWordLen || !lowerLetters(w) {
			return false
		}
	}
	return regionNumber(parts[len(parts)-1])
}

func lowerLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return true
}

// regionNumber reports whether s is 1 to maxRegionNumber in decimal,
// without a leading zero.
func regionNumber(s string) bool {
	if s == "" || s[0] == '0' || len(s) > 2 {
		return false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n >= 1 && n <= maxRegionNumber
}
