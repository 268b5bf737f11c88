package httpapi

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kurastore/kura/internal/object"
)

func parseHTTPTime(v string) time.Time {
	if v == "" {
		return time.Time{}
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return time.Time{} // an unparsable date is ignored, as HTTP requires
	}
	return t
}

func readConditions(h http.Header) object.Conditions {
	return object.Conditions{
		IfMatch:           h.Get("If-Match"),
		IfNoneMatch:       h.Get("If-None-Match"),
		IfModifiedSince:   parseHTTPTime(h.Get("If-Modified-Since")),
		IfUnmodifiedSince: parseHTTPTime(h.Get("If-Unmodified-Since")),
	}
}

func writeConditions(h http.Header) object.Conditions {
	return object.Conditions{IfMatch: h.Get("If-Match"), IfNoneMatch: h.Get("If-None-Match")}
}

// parseRange parses a single byte range. Anything else (other units,
// several ranges, bad syntax) yields nil: the header is ignored and the
// whole object is served, as HTTP and S3 do.
func parseRange(v string) *object.Range {
	spec, ok := strings.CutPrefix(v, "bytes=")
	if !ok || strings.Contains(spec, ",") {
		return nil
	}
	first, last, ok := strings.Cut(strings.TrimSpace(spec), "-")
	if !ok {
		return nil
	}
	if first == "" {
		n, err := strconv.ParseInt(last, 10, 64)
		if err != nil || n < 0 {
			return nil
		}
		return &object.Range{Suffix: true, Length: n}
	}
	start, err := strconv.ParseInt(first, 10, 64)
	if err != nil || start < 0 {
		return nil
	}
	r := &object.Range{Start: start, End: -1}
	if last != "" {
		end, err := strconv.ParseInt(last, 10, 64)
		if err != nil || end < start {
			return nil
		}
		r.End = end
	}
	return r
}
