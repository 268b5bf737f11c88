package sigv2

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/sigv4"
)

// Algorithm is the authorization scheme of Signature Version 2 and the
// s3:signatureversion a request signed with it has.
const Algorithm = "AWS"

// Verifier checks Signature Version 2 signatures.
type Verifier struct {
	Lookup sigv4.SecretLookup
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MaxSkew is the tolerated difference between a signed request's
	// date and the clock; 0 means 15 minutes.
	MaxSkew time.Duration
	// Subresources are the query parameters the server acts on as a
	// subresource or a response override: those that choose the
	// operation or change its answer. A signature must cover each one
	// a request carries, so only the clients' lists of signed
	// subresources that name them all are tried; otherwise a
	// signature for one request could be replayed as another with a
	// parameter added. nil means every parameter some client signs.
	Subresources []string
}

// Result is an authenticated request.
type Result struct {
	AccessKey    string
	SessionToken string
	// Presigned is true for query-string authentication.
	Presigned bool
}

// Is reports whether r is signed with Signature Version 2.
func Is(r *http.Request) bool {
	if h := r.Header.Get("Authorization"); h != "" {
		return strings.HasPrefix(h, Algorithm+" ")
	}
	return r.URL.Query().Has("AWSAccessKeyId")
}

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

func (v *Verifier) maxSkew() time.Duration {
	if v.MaxSkew > 0 {
		return v.MaxSkew
	}
	return 15 * time.Minute
}

// Verify authenticates r by its Authorization header or its query.
// hostBucket is the bucket r's Host names in virtual-hosted-style
// addressing, "" when the path names it: the signed resource always
// begins with the bucket.
func (v *Verifier) Verify(r *http.Request, hostBucket string) (*Result, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		return v.verifyHeader(r, h, hostBucket)
	}
	return v.verifyQuery(r, hostBucket)
}

func (v *Verifier) verifyHeader(r *http.Request, h, hostBucket string) (*Result, error) {
	access, sig, ok := strings.Cut(strings.TrimPrefix(h, Algorithm+" "), ":")
	if !ok || access == "" || sig == "" {
		return nil, s3err.ErrInvalidArgument.WithMessage("AWS authorization header is invalid.  Expected AwsAccessKeyId:signature")
	}
	// x-amz-date, when present, is the request's date, and the Date line
	// of the string to sign is then empty (clients that send both sign
	// either way, so both are tried).
	date := r.Header.Get("Date")
	stamp := date
	dateLines := []string{date}
	if amz := r.Header.Get("X-Amz-Date"); amz != "" {
		stamp = amz
		dateLines = []string{"", date}
	}
	t, ok := parseDate(stamp)
	if !ok {
		return nil, s3err.ErrAccessDenied.WithMessage("AWS authentication requires a valid Date or x-amz-date header")
	}
	if skew := v.now().Sub(t); skew > v.maxSkew() || skew < -v.maxSkew() {
		return nil, s3err.ErrRequestTimeTooSkewed
	}
	secret, err := v.Lookup(access)
	if err != nil {
		return nil, err
	}
	req := signedRequest{method: r.Method, contentMD5: r.Header.Get("Content-Md5"), contentType: r.Header.Get("Content-Type"), amz: amzHeaders(r.Header, nil)}
	res, err := v.resources(r, hostBucket)
	if err != nil {
		return nil, err
	}
	if !req.matches(secret, sig, dateLines, res) {
		return nil, s3err.ErrSignatureDoesNotMatch
	}
	return &Result{AccessKey: access, SessionToken: r.Header.Get("X-Amz-Security-Token")}, nil
}

func (v *Verifier) verifyQuery(r *http.Request, hostBucket string) (*Result, error) {
	q := r.URL.Query()
	access, sig, expires := q.Get("AWSAccessKeyId"), q.Get("Signature"), q.Get("Expires")
	if access == "" || sig == "" || expires == "" {
		return nil, s3err.ErrAccessDenied.WithMessage("Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters")
	}
	at, err := strconv.ParseInt(expires, 10, 64)
	if err != nil || at < 0 {
		return nil, s3err.ErrAccessDenied.WithMessage("Invalid date (should be seconds since epoch): %s", expires)
	}
	if v.now().Unix() > at {
		return nil, s3err.ErrRequestExpired
	}
	secret, err := v.Lookup(access)
	if err != nil {
		return nil, err
	}
	// botocore moves the x-amz-* headers, Content-MD5 and Content-Type it
	// signs into the query of a presigned URL; minio-go signs the query
	// as a query. Both readings are tried, and only when the first
	// verifies are those parameters the request's headers.
	asHeaders := signedRequest{
		method:      r.Method,
		contentMD5:  firstNonEmpty(r.Header.Get("Content-Md5"), queryValue(q, "content-md5")),
		contentType: firstNonEmpty(r.Header.Get("Content-Type"), queryValue(q, "content-type")),
		amz:         amzHeaders(r.Header, q),
	}
	asQuery := signedRequest{
		method:      r.Method,
		contentMD5:  r.Header.Get("Content-Md5"),
		contentType: r.Header.Get("Content-Type"),
		amz:         amzHeaders(r.Header, nil),
	}
	res, err := v.resources(r, hostBucket)
	if err != nil {
		return nil, err
	}
	dateLines := []string{expires}
	switch {
	case asHeaders.matches(secret, sig, dateLines, res):
		promoteSignedQuery(r, q)
	case asQuery != asHeaders && asQuery.matches(secret, sig, dateLines, res):
	default:
		return nil, s3err.ErrSignatureDoesNotMatch
	}
	token := firstNonEmpty(r.Header.Get("X-Amz-Security-Token"), queryValue(q, "x-amz-security-token"))
	return &Result{AccessKey: access, SessionToken: token, Presigned: true}, nil
}

// promoteSignedQuery makes the signed x-amz-*, Content-Type and
// Content-MD5 query parameters of a presigned request the headers they
// stand for (metadata, ACL, checksums), unless the request sent the
// header itself.
func promoteSignedQuery(r *http.Request, q url.Values) {
	for name, vs := range q {
		lower := strings.ToLower(name)
		if !strings.HasPrefix(lower, "x-amz-") && lower != "content-type" && lower != "content-md5" {
			continue
		}
		if r.Header.Get(name) == "" && len(vs) > 0 {
			r.Header[http.CanonicalHeaderKey(lower)] = vs
		}
	}
}

// VerifyPost checks the signature of a browser POST upload signed with
// Signature Version 2: the HMAC-SHA1 of the base64 policy field.
func (v *Verifier) VerifyPost(access, policy, sig string) error {
	if access == "" || policy == "" || sig == "" {
		return s3err.ErrInvalidArgument.WithMessage("Bucket POST must contain the fields AWSAccessKeyId, policy and signature.")
	}
	secret, err := v.Lookup(access)
	if err != nil {
		return err
	}
	if !hmac.Equal([]byte(Sign(secret, policy)), []byte(sig)) {
		return s3err.ErrSignatureDoesNotMatch
	}
	return nil
}

// Sign returns the base64 HMAC-SHA1 of s under secret: the Version 2
// signature of a string to sign or of a POST policy.
func Sign(secret, s string) string {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write([]byte(s))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// parseDate reads a Date or x-amz-date value: an HTTP date, the RFC 1123
// form with a numeric zone that AWS's examples use, or ISO 8601 basic.
func parseDate(s string) (time.Time, bool) {
	if t, err := http.ParseTime(s); err == nil {
		return t, true
	}
	for _, layout := range []string{time.RFC1123Z, "20060102T150405Z"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// queryValue returns the query parameter name, whatever its case.
func queryValue(q url.Values, name string) string {
	for k, vs := range q {
		if strings.EqualFold(k, name) && len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// amzHeaders returns the CanonicalizedAmzHeaders lines: each x-amz-*
// header (and, for a presigned request, each x-amz-* query parameter)
// as "name:value\n", names lower-cased and sorted, repeated values
// joined by commas, values trimmed.
func amzHeaders(h http.Header, q url.Values) string {
	values := map[string][]string{}
	for name, vs := range h {
		lower := strings.ToLower(name)
		if strings.HasPrefix(lower, "x-amz-") {
			values[lower] = append(values[lower], vs...)
		}
	}
	// A presigning client may also send as a header what it moved into
	// the query; the header is the one value then.
	fromQuery := map[string][]string{}
	for name, vs := range q {
		lower := strings.ToLower(name)
		if _, inHeader := values[lower]; strings.HasPrefix(lower, "x-amz-") && !inHeader {
			fromQuery[lower] = append(fromQuery[lower], vs...)
		}
	}
	maps.Copy(values, fromQuery)
	names := make([]string, 0, len(values))
	for name := range values {
		names = append(names, name)
	}
	slices.Sort(names)
	var b strings.Builder
	for _, name := range names {
		b.WriteString(name)
		b.WriteByte(':')
		for i, v := range values[name] {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strings.TrimSpace(v))
		}
		b.WriteByte('\n')
	}
	return b.String()
}
