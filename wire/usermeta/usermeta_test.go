package usermeta

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestRoundTrip(t *testing.T) {
	for _, v := range []string{
		"", "plain ascii", "Hello World\u00e9", "你好", "Здравствуй", "emoji \U0001F4C8",
		"=?not an encoded word", "a=?b?c", "tab\tinside",
		"\xff\xfe not UTF-8",
	} {
		enc := EncodeValue(v)
		for i := 0; i < len(enc); i++ {
			if c := enc[i]; c < 0x20 && c != '\t' || c >= 0x7f {
				t.Fatalf("EncodeValue(%q) = %q has byte %#x", v, enc, c)
			}
		}
		if got := DecodeValue(enc); got != v {
			t.Errorf("DecodeValue(EncodeValue(%q)) = %q", v, got)
		}
	}
}

func TestEncodeSpelling(t *testing.T) {
	if got := EncodeValue("Hello World\u00e9"); got != "=?UTF-8?B?SGVsbG8gV29ybGTDqQ==?=" {
		t.Fatalf("EncodeValue = %q", got)
	}
	// A long value is several words, each within RFC 2047's 75 bytes.
	long := EncodeValue(strings.Repeat("é", 100))
	for _, w := range strings.Fields(long) {
		if len(w) > 75 || !strings.HasPrefix(w, "=?UTF-8?B?") {
			t.Fatalf("word %q of %q", w, long)
		}
	}
}

// ASCII values go out unchanged, including ones that look like encoded
// words (those are how a client sends non-ASCII text).
func TestASCIIUnchanged(t *testing.T) {
	for _, v := range []string{"blue", "a b", "x=?y", "=?UTF-8?B?w6k=?="} {
		if got := EncodeValue(v); got != v {
			t.Errorf("EncodeValue(%q) = %q", v, got)
		}
	}
}

// A value sent as encoded words (B or Q, any case) is the text it
// encodes; one that does not decode is kept as sent.
func TestDecode(t *testing.T) {
	for in, want := range map[string]string{
		"=?UTF-8?B?w6k=?=":                  "é",
		"=?utf-8?q?Mini=C3=B6?=":            "Miniö",
		"=?UTF-8?B?5L2g?= =?UTF-8?B?5aW9?=": "你好",
		"=?UTF-8?B?***?=":                   "=?UTF-8?B?***?=",
		"=?x-unknown?B?w6k=?=":              "=?x-unknown?B?w6k=?=",
	} {
		if got := DecodeValue(in); got != want || !utf8.ValidString(got) {
			t.Errorf("DecodeValue(%q) = %q, want %q", in, got, want)
		}
	}
}
