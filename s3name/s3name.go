// Package s3name holds the S3 naming rules for buckets, object keys and
// regions.
// It is a leaf shared by the server, which enforces them, and the Go SDK,
// which refuses a bad name before sending a request.
package s3name

import (
	"net"
	"strings"
	"unicode/utf8"

	"github.com/kurastore/kura/s3err"
)

// MaxKeyLength is the longest object key, in bytes.
const MaxKeyLength = 1024

// ValidBucket reports whether name follows the S3 bucket naming rules:
// 3–63 characters of lowercase letters, digits, '.' and '-', starting and
// ending with a letter or digit, no "..", ".-" or "-.", not an IP address,
// and none of the reserved prefixes and suffixes.
func ValidBucket(name string) bool {
	if len(name) < 3 || len(name) > 63 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '.' || c == '-':
			if i == 0 || i == len(name)-1 {
				return false
			}
		default:
			return false
		}
	}
	if strings.Contains(name, "..") || strings.Contains(name, ".-") || strings.Contains(name, "-.") {
		return false
	}
	if net.ParseIP(name) != nil {
		return false
	}
	for _, p := range []string{"xn--", "sthree-", "amzn-s3-demo-"} {
		if strings.HasPrefix(name, p) {
			return false
		}
	}
	for _, s := range []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"} {
		if strings.HasSuffix(name, s) {
			return false
		}
	}
	return true
}

// CheckKey reports why key cannot name an object, or nil.
func CheckKey(key string) error {
	switch {
	case key == "":
		return s3err.ErrInvalidObjectName.WithMessage("Object name cannot be empty.")
	case len(key) > MaxKeyLength:
		return s3err.ErrKeyTooLong
	case !utf8.ValidString(key):
		return s3err.ErrInvalidObjectName.WithMessage("Object name is not valid UTF-8.")
	case strings.IndexByte(key, 0) >= 0:
		// NUL cannot travel in S3's XML, and it separates fields in
		// multipart metadata keys.
		return s3err.ErrInvalidObjectName.WithMessage("Object name contains a NUL character.")
	}
	return nil
}
