package tagging

import (
	"net/url"
	"strings"

	"github.com/kurastore/kura/s3err"
)

// errBadHeader is AWS's answer to an x-amz-tagging header that is not a
// URL query string.
var errBadHeader = s3err.ErrInvalidArgument.WithMessage("The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.")

// ParseQuery reads the x-amz-tagging header form, URL-encoded
// "k1=v1&k2=v2". '+' decodes to a space, as in any query string; a pair
// without '=' is a key with an empty value. Order is kept and duplicates
// are left for validation to report.
func ParseQuery(s string) (*Tagging, error) {
	t := &Tagging{}
	for pair := range strings.SplitSeq(s, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			return nil, errBadHeader
		}
		value, err := url.QueryUnescape(v)
		if err != nil {
			return nil, errBadHeader
		}
		t.TagSet = append(t.TagSet, Tag{Key: key, Value: value})
	}
	return t, nil
}

// QueryString returns the x-amz-tagging header form, sorted by key.
// Spaces are written as %20 rather than '+', which every S3 server reads.
func (t *Tagging) QueryString() string {
	var b strings.Builder
	for i, tag := range t.sorted() {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(escape(tag.Key))
		b.WriteByte('=')
		b.WriteString(escape(tag.Value))
	}
	return b.String()
}

// escape is query escaping with %20 for space. QueryEscape writes a
// literal '+' as %2B, so every '+' left in its output was a space.
func escape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}
