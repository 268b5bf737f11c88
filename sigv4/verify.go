package sigv4

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kurastore/kura/checksum"
	"github.com/kurastore/kura/s3err"
)

// MaxPresignExpiry is the longest X-Amz-Expires S3 accepts: 7 days.
const MaxPresignExpiry = 7 * 24 * time.Hour

// SecretLookup returns the secret of an access key, or
// s3err.ErrInvalidAccessKeyID.
type SecretLookup func(accessKey string) (string, error)

// Verifier checks SigV4 signatures.
type Verifier struct {
	// Region is the server's region: a request signed for it is
	// verified without further question.
	Region string
	// OtherRegion, when set, admits a scope naming another region if it
	// returns true. Such a request is verified with its own region's
	// signing key, and Result.Region names that region: whether it fits
	// what the request addresses (a bucket of that region) is for the
	// caller to decide, with Result.WrongRegion when it does not. When
	// nil, or when it returns false, any region but Region is refused at
	// once with AuthorizationHeaderMalformed.
	OtherRegion func(region string) bool
	Lookup      SecretLookup
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MaxSkew is the tolerated clock difference; 0 means 15 minutes.
	MaxSkew time.Duration

	keys signingKeys
}

// Result is an authenticated request.
type Result struct {
	AccessKey    string
	SessionToken string
	// Service is the scope's service: "s3", or "sts" for the security
	// token service, which shares the endpoint.
	Service string
	// Region is the scope's region: Verifier.Region, or one OtherRegion
	// admitted.
	Region    string
	Presigned bool
	// Body is to be read instead of r.Body: it verifies the payload (hash,
	// chunk signatures, trailing checksum) and reports a mismatch with an
	// error instead of io.EOF.
	Body io.ReadCloser
	// DecodedLength is the payload length, -1 when unknown.
	DecodedLength int64

	// malformed is the error of this form of signature (header, or query
	// and POST form) for a wrong region.
	malformed *s3err.Error
}

// WrongRegion is the error for a request whose scope region is not the
// one expected: AuthorizationHeaderMalformed for a signed header,
// AuthorizationQueryParametersError for a presigned URL or POST form, as
// AWS answers them, naming expected in the message and in the <Region>
// element that SDKs read to sign again.
func (r *Result) WrongRegion(expected string) error {
	return wrongRegion(r.malformed, r.Region, expected)
}

func wrongRegion(malformed *s3err.Error, got, expected string) error {
	what := "The authorization header is malformed"
	if malformed == s3err.ErrAuthorizationQueryMalformed {
		what = "Error parsing the X-Amz-Credential parameter"
	}
	return malformed.WithMessage("%s; the region '%s' is wrong; expecting '%s'", what, got, expected).WithRegion(expected)
}

// IsAnonymous reports whether r carries no signature at all.
func IsAnonymous(r *http.Request) bool {
	if r.Header.Get("Authorization") != "" {
		return false
	}
	q := r.URL.Query()
	return !q.Has("X-Amz-Algorithm") && !q.Has("X-Amz-Credential") && !q.Has("AWSAccessKeyId")
}

type credential struct {
	accessKey, date, region, service string
}

func (c credential) scope() string {
	return c.date + "/" + c.region + "/" + c.service + "/" + terminator
}

func parseCredential(v string, malformed *s3err.Error) (credential, error) {
	parts := strings.Split(v, "/")
	if len(parts) < 5 {
		return credential{}, malformed
	}
	// Access keys may not contain '/', but be exact: the last four fields
	// are the scope.
	n := len(parts)
	c := credential{accessKey: strings.Join(parts[:n-4], "/"), date: parts[n-4], region: parts[n-3], service: parts[n-2]}
	if parts[n-1] != terminator || c.accessKey == "" {
		return c, malformed
	}
	if _, err := time.Parse(scopeDateFormat, c.date); err != nil {
		return c, malformed
	}
	if c.service != "s3" && c.service != "sts" {
		return c, malformed.WithMessage("The authorization scope names service %q; expected s3.", c.service)
	}
	return c, nil
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

func (v *Verifier) signingKey(secret string, c credential) []byte {
	return v.keys.get(secret, c.date, c.region, c.service)
}

// Verify authenticates r by its Authorization header or presigned query.
func (v *Verifier) Verify(r *http.Request) (*Result, error) {
	if r.Header.Get("Authorization") != "" {
		return v.verifyHeader(r)
	}
	if r.URL.Query().Has("X-Amz-Algorithm") {
		return v.verifyPresigned(r)
	}
	if r.URL.Query().Has("AWSAccessKeyId") {
		return nil, errSignatureV2
	}
	return nil, s3err.ErrAccessDenied.WithMessage("Only AWS Signature Version 4 is supported.")
}

// errSignatureV2 answers a Signature Version 2 request to a verifier of
// Version 4 only.
var errSignatureV2 = s3err.ErrAccessDenied.WithMessage("Signature Version 2 is not supported; use Signature Version 4.")

type authorization struct {
	cred      credential
	signed    []string
	signature string
}

func parseAuthorization(h string) (authorization, error) {
	var a authorization
	bad := s3err.ErrAuthorizationHeaderMalformed
	rest, ok := strings.CutPrefix(h, algorithm+" ")
	if !ok {
		if strings.HasPrefix(h, "AWS ") {
			return a, errSignatureV2
		}
		return a, bad
	}
	var haveCred, haveSigned, haveSig bool
	for _, field := range strings.Split(rest, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(field), "=")
		if !ok {
			return a, bad
		}
		switch k {
		case "Credential":
			c, err := parseCredential(val, bad)
			if err != nil {
				return a, err
			}
			a.cred, haveCred = c, true
		case "SignedHeaders":
			a.signed, haveSigned = strings.Split(val, ";"), true
		case "Signature":
			a.signature, haveSig = val, true
		default:
			return a, bad
		}
	}
	if !haveCred || !haveSigned || !haveSig || len(a.signature) != 64 {
		return a, bad
	}
	return a, nil
}

// checkSigned requires host among the signed headers, sorted lowercase
// names, and every x-amz-* header present in the request to be signed,
// presigned or not: a presigned URL must not let its holder add an
// x-amz-acl, x-amz-copy-source or x-amz-meta-* its signer never saw.
func checkSigned(r *http.Request, signed []string) error {
	if !slices.IsSorted(signed) {
		return s3err.ErrAuthorizationHeaderMalformed.WithMessage("SignedHeaders must be sorted.")
	}
	if !slices.Contains(signed, "host") {
		return s3err.ErrAccessDenied.WithMessage("The host header must be signed.")
	}
	for _, name := range signed {
		if name != strings.ToLower(name) || name == "" {
			return s3err.ErrAuthorizationHeaderMalformed
		}
		if _, ok := headerValue(r, name); !ok {
			return s3err.ErrAccessDenied.WithMessage("Signed header %s is missing.", name)
		}
	}
	for name := range r.Header {
		lower := strings.ToLower(name)
		if strings.HasPrefix(lower, "x-amz-") && !slices.Contains(signed, lower) {
			return s3err.ErrUnsignedHeaders.WithMessage("There were headers present in the request which were not signed: %s", lower)
		}
	}
	return nil
}

// admitRegion refuses a scope region that is neither the server's nor
// one OtherRegion admits. The server's region is one comparison: the
// common case costs nothing more.
func (v *Verifier) admitRegion(c credential, malformed *s3err.Error) error {
	if v.Region == "" || c.region == v.Region {
		return nil
	}
	if v.OtherRegion != nil && v.OtherRegion(c.region) {
		return nil
	}
	return wrongRegion(malformed, c.region, v.Region)
}

// lookup admits c's region and returns its access key's secret.
func (v *Verifier) lookup(c credential, malformed *s3err.Error) (string, error) {
	if err := v.admitRegion(c, malformed); err != nil {
		return "", err
	}
	return v.Lookup(c.accessKey)
}

func (v *Verifier) verifyHeader(r *http.Request) (*Result, error) {
	a, err := parseAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		return nil, err
	}
	amzDate := r.Header.Get("X-Amz-Date")
	if amzDate == "" {
		amzDate = r.Header.Get("Date")
	}
	t, err := time.Parse(amzDateFormat, amzDate)
	if err != nil {
		if t, err = http.ParseTime(amzDate); err != nil {
			return nil, s3err.ErrMalformedDate
		}
	}
	if skew := v.now().Sub(t); skew > v.maxSkew() || skew < -v.maxSkew() {
		return nil, s3err.ErrRequestTimeTooSkewed
	}
	if t.UTC().Format(scopeDateFormat) != a.cred.date {
		return nil, s3err.ErrAuthorizationHeaderMalformed.WithMessage("The credential scope date does not match the request date.")
	}
	if err := checkSigned(r, a.signed); err != nil {
		return nil, err
	}
	payload := r.Header.Get("X-Amz-Content-Sha256")
	if payload == "" && a.cred.service == "sts" {
		// STS clients do not send the header: the payload hash is that
		// of the (small, form-encoded) body itself.
		var err error
		if payload, err = hashSmallBody(r); err != nil {
			return nil, err
		}
	}
	if payload == "" {
		return nil, s3err.ErrContentSHA256Missing
	}
	if !validPayloadHash(payload) {
		return nil, s3err.ErrInvalidContentSHA256
	}
	secret, err := v.lookup(a.cred, s3err.ErrAuthorizationHeaderMalformed)
	if err != nil {
		return nil, err
	}
	key := v.signingKey(secret, a.cred)
	if !signatureMatches(r, a.signed, "", payload, key, amzDate, a.cred.scope(), a.signature) {
		return nil, s3err.ErrSignatureDoesNotMatch
	}
	res := &Result{AccessKey: a.cred.accessKey, SessionToken: r.Header.Get("X-Amz-Security-Token"), Service: a.cred.service, Region: a.cred.region,
		DecodedLength: r.ContentLength, malformed: s3err.ErrAuthorizationHeaderMalformed}
	switch payload {
	case UnsignedPayload:
		res.Body = r.Body
	case StreamingPayload, StreamingPayloadTrailer, StreamingUnsignedTrailer:
		res.Body, res.DecodedLength, err = newStreamBody(r, payload, streamSigner{key: key, date: amzDate, scope: a.cred.scope(), prev: a.signature})
		if err != nil {
			return nil, err
		}
	default:
		want, _ := hex.DecodeString(payload)
		res.Body = readCloser{checksum.NewVerifyingReader(r.Body, sha256.New(), want, s3err.ErrXAmzContentSHA256Mismatch), r.Body}
	}
	return res, nil
}

// maxHashedBody bounds the body hashed for a request without
// x-amz-content-sha256.
const maxHashedBody = 64 << 10

// hashSmallBody reads r's body, hashes it, and puts it back.
func hashSmallBody(r *http.Request) (string, error) {
	data, err := io.ReadAll(io.LimitReader(r.Body, maxHashedBody+1))
	if err != nil {
		return "", err
	}
	if len(data) > maxHashedBody {
		return "", s3err.ErrRequestBodyTooLarge
	}
	r.Body = io.NopCloser(bytes.NewReader(data))
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), nil
}

func validPayloadHash(p string) bool {
	switch p {
	case UnsignedPayload, StreamingPayload, StreamingPayloadTrailer, StreamingUnsignedTrailer:
		return true
	}
	if len(p) != 64 {
		return false
	}
	_, err := hex.DecodeString(p)
	return err == nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

func (v *Verifier) verifyPresigned(r *http.Request) (*Result, error) {
	q := r.URL.Query()
	bad := s3err.ErrAuthorizationQueryMalformed
	if q.Get("X-Amz-Algorithm") != algorithm {
		return nil, bad.WithMessage("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"")
	}
	c, err := parseCredential(q.Get("X-Amz-Credential"), bad)
	if err != nil {
		return nil, err
	}
	amzDate := q.Get("X-Amz-Date")
	t, err := time.Parse(amzDateFormat, amzDate)
	if err != nil {
		return nil, s3err.ErrMalformedPresignedDate
	}
	expires, err := strconv.ParseInt(q.Get("X-Amz-Expires"), 10, 64)
	switch {
	case err != nil:
		return nil, s3err.ErrMalformedExpires
	case expires < 0:
		return nil, s3err.ErrNegativeExpires
	case expires > int64(MaxPresignExpiry/time.Second):
		return nil, s3err.ErrMaximumExpires
	}
	now := v.now()
	if t.Sub(now) > v.maxSkew() {
		return nil, s3err.ErrRequestNotReadyYet
	}
	if now.After(t.Add(time.Duration(expires) * time.Second)) {
		return nil, s3err.ErrRequestExpired
	}
	if t.UTC().Format(scopeDateFormat) != c.date {
		return nil, bad.WithMessage("The credential scope date does not match X-Amz-Date.")
	}
	signed := strings.Split(q.Get("X-Amz-SignedHeaders"), ";")
	if err := checkSigned(r, signed); err != nil {
		return nil, err
	}
	sig := q.Get("X-Amz-Signature")
	secret, err := v.lookup(c, bad)
	if err != nil {
		return nil, err
	}
	payload := UnsignedPayload
	if p := q.Get("X-Amz-Content-Sha256"); p != "" {
		payload = p
	}
	key := v.signingKey(secret, c)
	if !signatureMatches(r, signed, "X-Amz-Signature", payload, key, amzDate, c.scope(), sig) {
		return nil, s3err.ErrSignatureDoesNotMatch
	}
	return &Result{AccessKey: c.accessKey, SessionToken: q.Get("X-Amz-Security-Token"), Service: c.service, Region: c.region, Presigned: true,
		Body: r.Body, DecodedLength: r.ContentLength, malformed: bad}, nil
}

// signatureMatches reports whether got signs the request: over the
// canonical query string, or over its form that keeps a repeated
// parameter's values in request order (canonicalQueries).
func signatureMatches(r *http.Request, signed []string, skip, payload string, key []byte, amzDate, scope, got string) bool {
	sorted, inOrder := canonicalQueries(r.URL.RawQuery, skip)
	for _, q := range []string{sorted, inOrder} {
		if q == "" && sorted != "" {
			continue
		}
		want := signature(key, stringToSign(amzDate, scope, canonicalRequest(r, signed, q, payload)))
		if hmac.Equal([]byte(want), []byte(got)) {
			return true
		}
	}
	return false
}
