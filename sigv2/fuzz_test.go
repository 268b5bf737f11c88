package sigv2

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/minio/minio-go/v7/pkg/signer"
)

// FuzzMinioGoSigned: whatever request minio-go's Signature Version 2
// signer signs (header or presigned, path or virtual-host style), kura
// verifies; and the same request with its path changed does not. It also
// feeds arbitrary Authorization headers to the parser.
func FuzzMinioGoSigned(f *testing.F) {
	f.Add("GET", "/bucket/photos/puppy.jpg", "", "", false, false, "AWS x:y")
	f.Add("PUT", "/bucket/a b/é", "partNumber=2&uploadId=u-1", "blue", false, true, "AWS :")
	f.Add("GET", "/photos/x", "response-content-type=text/plain&versionId=3", "", true, true, "")
	f.Add("POST", "/bucket", "delete", "a, b", true, false, "AWS AKIAKURATEST:")
	f.Fuzz(func(t *testing.T, method, path, rawQuery, meta string, virtual, presign bool, authz string) {
		// A server reads header values trimmed, so a value with spaces
		// at its ends cannot arrive as minio-go signed it.
		if !utf8.ValidString(path) || !strings.HasPrefix(path, "/") || strings.ContainsAny(meta, "\r\n\x00") || meta != strings.TrimSpace(meta) {
			return
		}
		// minio-go re-encodes invalid UTF-8 in the query as U+FFFD after
		// signing the original bytes; keys and values are UTF-8 in S3.
		if q, err := url.ParseQuery(rawQuery); err != nil || !validUTF8(q) {
			return
		}
		switch method {
		case "GET", "PUT", "POST", "DELETE", "HEAD":
		default:
			return
		}
		now := time.Unix(1795000000, 0)
		v := verifierAt(now)
		build := func() *http.Request {
			u := &url.URL{Scheme: "http", Host: "127.0.0.1:9000", Path: path, RawQuery: rawQuery}
			if virtual {
				u.Host = "bucket.s3.kura.test"
			}
			r := &http.Request{Method: method, URL: u, Host: u.Host, Header: http.Header{}}
			if meta != "" {
				r.Header.Set("X-Amz-Meta-Color", meta)
			}
			return r
		}
		hostBucket := ""
		if virtual {
			hostBucket = "bucket"
		}
		// Arbitrary input never panics.
		junk := build()
		junk.Header.Set("Authorization", authz)
		junk.Header.Set("Date", now.Format(http.TimeFormat))
		junk.RequestURI = junk.URL.RequestURI()
		_, _ = v.Verify(junk, hostBucket)

		// minio-go signs, as its client sends: the server sees the
		// request line's path and query.
		var signed *http.Request
		if presign {
			signed = signer.PreSignV2(*build(), "AKIAKURATEST", secrets["AKIAKURATEST"], 600, virtual)
		} else {
			r := build()
			r.Header.Set("Date", now.Format(http.TimeFormat))
			signed = signer.SignV2(*r, "AKIAKURATEST", secrets["AKIAKURATEST"], virtual)
		}
		if presign {
			// PreSignV2 reads the clock; verify at that time.
			v = verifierAt(time.Now())
		}
		server := func(r *http.Request) *http.Request {
			s := r.Clone(r.Context())
			s.RequestURI = s.URL.RequestURI()
			// What the server parses from the request line.
			s.URL, _ = url.ParseRequestURI(s.RequestURI)
			return s
		}
		got := server(signed)
		if got.URL == nil {
			return
		}
		if _, err := v.Verify(got, hostBucket); err != nil {
			t.Fatalf("minio-go's signature refused: %v\n%s %s", err, got.Method, got.RequestURI)
		}
		changed := server(signed)
		changed.URL.Path += "x"
		changed.URL.RawPath = ""
		changed.RequestURI = changed.URL.RequestURI()
		if _, err := v.Verify(changed, hostBucket); err == nil {
			t.Fatalf("accepted with its path changed: %s", changed.RequestURI)
		}
	})
}

func validUTF8(q url.Values) bool {
	for k, vs := range q {
		if !utf8.ValidString(k) {
			return false
		}
		for _, v := range vs {
			if !utf8.ValidString(v) {
				return false
			}
		}
	}
	return true
}
