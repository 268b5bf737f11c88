package usermeta

import (
	"mime"
	"strings"
)

// EncodeValue returns v as it goes into a header: unchanged when it is
// printable ASCII, else as RFC 2047 "B" encoded words of its UTF-8,
// spelled "=?UTF-8?B?" as S3 spells them (the standard library writes a
// lower-case b, which RFC 2047 allows but simple matchers miss).
func EncodeValue(v string) string {
	return strings.ReplaceAll(mime.BEncoding.Encode("UTF-8", v), "=?UTF-8?b?", "=?UTF-8?B?")
}

// DecodeValue returns the text of a header value made of RFC 2047 encoded
// words, and any other value, or one that does not decode, unchanged.
func DecodeValue(v string) string {
	if !strings.Contains(v, "=?") {
		return v
	}
	if decoded, err := new(mime.WordDecoder).DecodeHeader(v); err == nil {
		return decoded
	}
	return v
}
