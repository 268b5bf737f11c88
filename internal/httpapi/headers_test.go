package httpapi

import (
	"testing"

	"github.com/kurastore/kura/internal/object"
)

func TestParseRange(t *testing.T) {
	cases := []struct {
		in   string
		want *object.Range
	}{
		{"bytes=0-9", &object.Range{Start: 0, End: 9}},
		{"bytes=5-", &object.Range{Start: 5, End: -1}},
		{"bytes=-7", &object.Range{Suffix: true, Length: 7}},
		{"bytes=9-5", nil},     // invalid: ignored
		{"bytes=0-1,4-5", nil}, // several ranges: ignored
		{"items=0-1", nil},     // other units: ignored
		{"bytes=a-b", nil},     // junk
		{"bytes=-", nil},       // junk
		{"", nil},              // absent
		{"bytes= 3-4", &object.Range{Start: 3, End: 4}},
	}
	for _, c := range cases {
		got := parseRange(c.in)
		if (got == nil) != (c.want == nil) || (got != nil && *got != *c.want) {
			t.Errorf("parseRange(%q) = %+v, want %+v", c.in, got, c.want)
		}
	}
}

func TestStripAWSChunked(t *testing.T) {
	for in, want := range map[string]string{
		"aws-chunked":       "",
		"aws-chunked,gzip":  "gzip",
		"gzip, aws-chunked": "gzip",
		"gzip":              "gzip",
		"":                  "",
	} {
		if got := stripAWSChunked(in); got != want {
			t.Errorf("stripAWSChunked(%q) = %q, want %q", in, got, want)
		}
	}
}
