package accesslog

import (
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Record is one request's entry in the server access log: its fields in
// the order S3 writes them.
type Record struct {
	BucketOwner string
	Bucket      string
	Time        time.Time
	RemoteIP    string
	// Requester is the caller's canonical user ID or IAM ARN; "" when
	// the request was not authenticated.
	Requester string
	RequestID string
	// Operation is S3's name for it: REST.GET.OBJECT and the like.
	Operation string
	Key       string
	// RequestURI is the request line: "GET /bucket/key?x HTTP/1.1".
	RequestURI string
	Status     int
	ErrorCode  string
	// BytesSent is the response body's length sent, without headers.
	BytesSent int64
	// ObjectSize is the object's total size, -1 when it has none.
	ObjectSize int64
	// TotalTime is from the request's first byte to the response's
	// last; TurnAround from its last byte to the response's first (-1
	// when unknown).
	TotalTime  time.Duration
	TurnAround time.Duration
	Referer    string
	UserAgent  string
	VersionID  string
	HostID     string
	// SignatureVersion is SigV2 or SigV4; AuthType AuthHeader or
	// QueryString ("" for unauthenticated requests).
	SignatureVersion string
	CipherSuite      string
	AuthType         string
	HostHeader       string
	TLSVersion       string
	AccessPointARN   string
	// ACLRequired is true when an access control list was needed to
	// authorize the request.
	ACLRequired bool
}

// TimeLayout is the layout of the record's time: [06/Feb/2019:00:00:38 +0000].
const TimeLayout = "02/Jan/2006:15:04:05 -0700"

// Line is the record as one line of a log object, without its newline:
// fields separated by spaces, "-" for the empty ones, the request line,
// referer and user agent in double quotes.
func (r *Record) Line() string {
	var b strings.Builder
	b.Grow(512)
	field := func(s string) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(bare(s))
	}
	quoted := func(s string) {
		b.WriteByte(' ')
		b.WriteString(quote(s))
	}
	field(r.BucketOwner)
	field(r.Bucket)
	b.WriteString(" [" + r.Time.UTC().Format(TimeLayout) + "]")
	field(r.RemoteIP)
	field(r.Requester)
	field(r.RequestID)
	field(r.Operation)
	field(keyField(r.Key))
	quoted(r.RequestURI)
	field(strconv.Itoa(r.Status))
	field(r.ErrorCode)
	field(count(r.BytesSent, false))
	field(count(r.ObjectSize, false))
	field(count(r.TotalTime.Milliseconds(), true))
	if r.TurnAround < 0 {
		field("")
	} else {
		field(count(r.TurnAround.Milliseconds(), true))
	}
	quoted(r.Referer)
	quoted(r.UserAgent)
	field(r.VersionID)
	field(r.HostID)
	field(r.SignatureVersion)
	field(r.CipherSuite)
	field(r.AuthType)
	field(r.HostHeader)
	field(r.TLSVersion)
	field(r.AccessPointARN)
	if r.ACLRequired {
		field("Yes")
	} else {
		field("")
	}
	return b.String()
}

// count writes a number, "-" for none: a negative one, or zero unless
// zero is a value (a time).
func count(n int64, zeroShown bool) string {
	if n < 0 || n == 0 && !zeroShown {
		return "-"
	}
	return strconv.FormatInt(n, 10)
}

// bare is an unquoted field: "-" when empty, and never a space, quote
// or control character, which would shift the fields after it.
func bare(s string) string {
	if s == "" {
		return "-"
	}
	if !strings.ContainsFunc(s, unsafeInField) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if unsafeInField(r) {
			return '_'
		}
		return r
	}, s)
}

func unsafeInField(r rune) bool { return r <= ' ' || r == '"' || r == 0x7f }

// quote is a field in double quotes: "-" inside them when empty, a
// quote or backslash escaped with a backslash, control characters as
// \xHH.
func quote(s string) string {
	if s == "" {
		return `"-"`
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < ' ' || c == 0x7f:
			b.WriteString(`\x`)
			b.WriteString(strconv.FormatUint(uint64(c)|0x100, 16)[1:])
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// keyField is the object key URL-encoded, as S3 logs it ('/' kept).
func keyField(key string) string {
	if key == "" {
		return ""
	}
	return strings.ReplaceAll(url.PathEscape(key), "%2F", "/")
}
