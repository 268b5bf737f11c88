package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Algorithm is the Signature Version 4 scheme name, and the
// s3:signatureversion of a request signed with it.
const Algorithm = algorithm

const (
	algorithm       = "AWS4-HMAC-SHA256"
	amzDateFormat   = "20060102T150405Z"
	scopeDateFormat = "20060102"
	terminator      = "aws4_request"

	// Payload hash values of x-amz-content-sha256.
	UnsignedPayload          = "UNSIGNED-PAYLOAD"
	StreamingPayload         = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	StreamingPayloadTrailer  = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	StreamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
	EmptySHA256              = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

// URIEncode percent-encodes s as AWS does in SigV4 and in listings with
// encoding-type=url: every byte but A-Z a-z 0-9 - _ . ~ (and '/' when
// keepSlash) becomes %XX with uppercase hex.
func URIEncode(s string, keepSlash bool) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '~' || (keepSlash && c == '/') {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte("0123456789ABCDEF"[c>>4])
		b.WriteByte("0123456789ABCDEF"[c&15])
	}
	return b.String()
}

// canonicalURI is the decoded path re-encoded once (S3 does not normalise
// or double-encode).
func canonicalURI(path string) string {
	if path == "" {
		return "/"
	}
	return URIEncode(path, true)
}

// unescape decodes %XX sequences (and, in queries, '+' as space), leaving
// malformed escapes as they are.
func unescape(s string, plusSpace bool) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
			continue
		}
		if c == '+' && plusSpace {
			b.WriteByte(' ')
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// canonicalQuery sorts and re-encodes a raw query, leaving out skip.
func canonicalQuery(rawQuery, skip string) string {
	q, _ := canonicalQueries(rawQuery, skip)
	return q
}

// canonicalQueries returns the canonical query string, and, when a
// parameter repeats with its values out of order, a second form that
// keeps those values in the order the request gives them ("" when there
// is none). AWS sorts a repeated parameter's values; Go's url.Values, and
// so minio-go's signer and MinIO's verifier, keep them in order (MinIO's
// ListenBucketNotification repeats "events").
func canonicalQueries(rawQuery, skip string) (string, string) {
	if rawQuery == "" {
		return "", ""
	}
	type kv struct{ k, v string }
	var pairs []kv
	for _, part := range strings.Split(rawQuery, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		k = unescape(k, true)
		if k == skip {
			continue
		}
		pairs = append(pairs, kv{URIEncode(k, false), URIEncode(unescape(v, true), false)})
	}
	join := func() string {
		var b strings.Builder
		for i, p := range pairs {
			if i > 0 {
				b.WriteByte('&')
			}
			b.WriteString(p.k)
			b.WriteByte('=')
			b.WriteString(p.v)
		}
		return b.String()
	}
	sort.SliceStable(pairs, func(i, j int) bool { return pairs[i].k < pairs[j].k })
	inOrder := join()
	sort.SliceStable(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	sorted := join()
	if inOrder == sorted {
		inOrder = ""
	}
	return sorted, inOrder
}

// headerValue returns a request header as the client sent it, including
// the ones Go's server moves out of r.Header.
func headerValue(r *http.Request, name string) (string, bool) {
	switch name {
	case "host":
		return r.Host, true
	case "content-length":
		if v, ok := r.Header["Content-Length"]; ok {
			return strings.Join(v, ","), true
		}
		if r.ContentLength >= 0 && (r.ContentLength > 0 || r.Method == http.MethodPut || r.Method == http.MethodPost) {
			return strconv.FormatInt(r.ContentLength, 10), true
		}
		return "", false
	case "transfer-encoding":
		if len(r.TransferEncoding) > 0 {
			return strings.Join(r.TransferEncoding, ","), true
		}
	}
	vals, ok := r.Header[http.CanonicalHeaderKey(name)]
	if !ok {
		return "", false
	}
	trimmed := make([]string, len(vals))
	for i, v := range vals {
		trimmed[i] = strings.Join(strings.Fields(v), " ")
	}
	return strings.Join(trimmed, ","), true
}

func canonicalHeaders(r *http.Request, signed []string) string {
	var b strings.Builder
	for _, name := range signed {
		v, _ := headerValue(r, name)
		b.WriteString(name)
		b.WriteByte(':')
		b.WriteString(v)
		b.WriteByte('\n')
	}
	return b.String()
}

func canonicalRequest(r *http.Request, signed []string, query, payloadHash string) string {
	return r.Method + "\n" + canonicalURI(r.URL.Path) + "\n" + query + "\n" +
		canonicalHeaders(r, signed) + "\n" + strings.Join(signed, ";") + "\n" + payloadHash
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// signingKeys caches derived signing keys (four HMACs each), which change
// once a day per secret, region and service. Safe for concurrent use.
type signingKeys struct {
	keys sync.Map // secret|date|region|service → []byte
	n    int64
	mu   sync.Mutex
}

const maxCachedKeys = 4096

func (c *signingKeys) get(secret, date, region, service string) []byte {
	id := secret + "|" + date + "|" + region + "|" + service
	if k, ok := c.keys.Load(id); ok {
		return k.([]byte)
	}
	k := SigningKey(secret, date, region, service)
	c.mu.Lock()
	if c.n >= maxCachedKeys { // bounded: start over rather than grow
		c.keys.Clear()
		c.n = 0
	}
	c.n++
	c.mu.Unlock()
	c.keys.Store(id, k)
	return k
}

// signerKeys serves SignRequest and PresignURL.
var signerKeys signingKeys

// SigningKey derives the key for one date, region and service.
func SigningKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, terminator)
}

func stringToSign(amzDate, scope, canonical string) string {
	return algorithm + "\n" + amzDate + "\n" + scope + "\n" + sha256Hex(canonical)
}

func signature(key []byte, sts string) string { return hex.EncodeToString(hmacSHA256(key, sts)) }
