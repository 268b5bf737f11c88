package client

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/kurastore/kura/s3name"
	"github.com/kurastore/kura/sigv4"
)

// Options configure a Client. The zero value (or nil) is an anonymous,
// plain-HTTP client for us-east-1.
type Options struct {
	// AccessKey, SecretKey and SessionToken are static credentials.
	AccessKey, SecretKey, SessionToken string
	// Credentials, when set, supplies credentials instead of the static
	// keys (environment, shared file, STS, a chain).
	Credentials Provider
	// Secure selects HTTPS.
	Secure bool
	// Region is the region requests are signed for. When it is empty,
	// requests are signed for us-east-1 until the server names another
	// region (AWS's answer to a request signed for the wrong one): the
	// client then signs for the region it named, remembered per bucket,
	// which suits an endpoint serving buckets of many regions.
	Region string
	// Transport carries the requests; nil means a tuned http.Transport.
	Transport http.RoundTripper
	// InsecureSkipVerify turns TLS certificate verification off (the
	// cert_check=False of MinIO's Python client). RootCAs, when set, are
	// the trusted CAs.
	InsecureSkipVerify bool
	RootCAs            *x509.CertPool
	// VirtualHost addresses buckets as <bucket>.<endpoint> instead of
	// <endpoint>/<bucket>.
	VirtualHost bool
	// MaxRetries is how often a failed request is sent again: throttling
	// and unavailability always, server errors and network failures when
	// the request is idempotent. 0 means the default, 3; NoRetries (or
	// any negative number) sends every request once.
	MaxRetries int
	// UserAgent is added to every request.
	UserAgent string
}

// Client talks to one S3 endpoint. It is safe for concurrent use.
type Client struct {
	endpoint *url.URL
	region   string
	// autoRegion: no region was set; regions maps a bucket ("" for
	// requests without one) to the region its requests are signed for.
	autoRegion  bool
	regions     sync.Map
	creds       Provider
	http        *http.Client
	virtualHost bool
	maxRetries  int
	userAgent   string
	// now is the clock for signatures and expiry checks.
	now func() time.Time
}

const defaultRegion = "us-east-1"

// NoRetries, as Options.MaxRetries, sends every request once.
const NoRetries = -1

// defaultMaxRetries is Options.MaxRetries when it is 0.
const defaultMaxRetries = 3

// New returns a client for endpoint, given as "host:port" (as MinIO's
// clients take it) or as a URL with a scheme.
func New(endpoint string, opts *Options) (*Client, error) {
	if opts == nil {
		opts = &Options{}
	}
	scheme := "http"
	if opts.Secure {
		scheme = "https"
	}
	if !strings.Contains(endpoint, "://") {
		endpoint = scheme + "://" + endpoint
	}
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, invalidArgument("endpoint %q is not host:port or an http(s) URL", endpoint)
	}
	if u.Path != "" && u.Path != "/" {
		return nil, invalidArgument("endpoint %q must not have a path", endpoint)
	}
	u.Path = ""
	c := &Client{
		endpoint:    u,
		region:      opts.Region,
		creds:       opts.Credentials,
		virtualHost: opts.VirtualHost,
		maxRetries:  opts.MaxRetries,
		userAgent:   "kura-go/1 " + opts.UserAgent,
		now:         time.Now,
	}
	if c.region == "" {
		c.region, c.autoRegion = defaultRegion, true
	}
	if c.creds == nil {
		c.creds = Static{AccessKey: opts.AccessKey, SecretKey: opts.SecretKey, SessionToken: opts.SessionToken}
	}
	if c.maxRetries == 0 {
		c.maxRetries = defaultMaxRetries
	}
	rt := opts.Transport
	if rt == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 64
		t.ResponseHeaderTimeout = 5 * time.Minute
		// The client sends Content-Encoding itself; it must not
		// decompress bodies behind the caller's back.
		t.DisableCompression = true
		t.TLSClientConfig = &tls.Config{InsecureSkipVerify: opts.InsecureSkipVerify, RootCAs: opts.RootCAs, MinVersion: tls.VersionTLS12}
		rt = t
	}
	c.http = &http.Client{
		Transport: rt,
		// S3 answers never redirect a signed request usefully.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return c, nil
}

// Endpoint is the URL the client talks to.
func (c *Client) Endpoint() *url.URL { u := *c.endpoint; return &u }

// Region is the region requests are signed for: Options.Region, or
// us-east-1 when it was empty (then requests to a bucket whose region the
// client has learned are signed for that one).
func (c *Client) Region() string { return c.region }

// request describes one S3 call.
type request struct {
	method      string
	bucket, key string
	query       url.Values
	header      http.Header
	// body is nil for none. A seekable body is rewound for a retry; any
	// other body is sent once.
	body   io.Reader
	length int64 // -1 when unknown
	// payloadHash is the hex SHA-256 of the body; "" sends
	// UNSIGNED-PAYLOAD. Small XML bodies are hashed.
	payloadHash string
	// retrySafe marks a POST that may be repeated (S3's POSTs are not
	// idempotent in general: CompleteMultipartUpload, uploads).
	retrySafe bool
	// region, when set, is the region to sign for, whatever the client
	// has learned (CreateBucket with a LocationConstraint).
	region string
}

func xmlBody(v any) (*bytes.Reader, string, error) {
	data, err := xml.Marshal(v)
	if err != nil {
		return nil, "", err
	}
	sum := sha256.Sum256(data)
	return bytes.NewReader(data), hex.EncodeToString(sum[:]), nil
}

// bytesBody sets a small in-memory body with its hash.
func (r *request) bytesBody(data []byte) *request {
	sum := sha256.Sum256(data)
	r.body, r.length, r.payloadHash = bytes.NewReader(data), int64(len(data)), hex.EncodeToString(sum[:])
	return r
}

func checkBucket(bucket string) error {
	if !s3name.ValidBucket(bucket) {
		return invalidArgument("bucket name %q does not follow the S3 naming rules", bucket)
	}
	return nil
}

func checkObject(bucket, key string) error {
	if err := checkBucket(bucket); err != nil {
		return err
	}
	if err := s3name.CheckKey(key); err != nil {
		return invalidArgument("object name %q: %v", key, err)
	}
	return nil
}

// url builds the request URL for bucket and key.
func (c *Client) url(bucket, key string, query url.Values) *url.URL {
	u := *c.endpoint
	path := "/"
	switch {
	case bucket == "":
	case c.virtualHost:
		u.Host = bucket + "." + u.Host
		path += key
	default:
		path += bucket
		if key != "" {
			path += "/" + key
		}
	}
	u.Path = path
	u.RawPath = sigv4.URIEncode(path, true)
	if len(query) > 0 {
		u.RawQuery = strings.ReplaceAll(query.Encode(), "+", "%20")
	}
	return &u
}

// newHTTPRequest builds and signs one attempt of r.
func (c *Client) newHTTPRequest(ctx context.Context, r *request, creds Credentials, region string) (*http.Request, error) {
	var body io.Reader
	if r.body != nil {
		body = io.NopCloser(r.body) // the transport must not close the caller's reader
	}
	req, err := http.NewRequestWithContext(ctx, r.method, c.url(r.bucket, r.key, r.query).String(), body)
	if err != nil {
		return nil, err
	}
	for k, v := range r.header {
		req.Header[k] = v
	}
	req.Header.Set("User-Agent", c.userAgent)
	switch {
	case r.body == nil:
		req.ContentLength = 0
		req.Body = http.NoBody
	case r.length >= 0:
		req.ContentLength = r.length
	default:
		req.ContentLength = -1
	}
	if creds.AccessKey == "" {
		return req, nil
	}
	hash := r.payloadHash
	if hash == "" {
		hash = sigv4.UnsignedPayload
		if r.body == nil {
			hash = emptySHA256
		}
	}
	sigv4.SignRequest(req, sigv4.Credentials{AccessKey: creds.AccessKey, SecretKey: creds.SecretKey, SessionToken: creds.SessionToken}, region, "s3", hash, c.now())
	return req, nil
}

const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// do runs r, retrying what may be retried, and returns a 2xx response
// whose body the caller closes. Other answers become *ErrorResponse.
func (c *Client) do(ctx context.Context, r *request) (*http.Response, error) {
	seeker, rewindable := r.body.(io.Seeker)
	if r.body == nil {
		rewindable = true
	}
	var start int64
	if seeker != nil {
		var err error
		if start, err = seeker.Seek(0, io.SeekCurrent); err != nil {
			rewindable = false
		}
	}
	idempotent := r.method != http.MethodPost || r.retrySafe
	region := c.signingRegion(r)
	regionFixed := false
	for attempt, sent := 0, 0; ; sent++ {
		creds, err := c.creds.Retrieve(ctx)
		if err != nil {
			return nil, err
		}
		if sent > 0 && seeker != nil {
			if _, err := seeker.Seek(start, io.SeekStart); err != nil {
				return nil, err
			}
		}
		req, err := c.newHTTPRequest(ctx, r, creds, region)
		if err != nil {
			return nil, err
		}
		resp, err := c.http.Do(req)
		canRetry := attempt < c.maxRetries && rewindable && ctx.Err() == nil
		if err != nil {
			// A network failure may come after the server applied the
			// request: only idempotent requests are sent again.
			if canRetry && idempotent && retryableNetError(err) {
				if werr := c.backoff(ctx, attempt); werr != nil {
					return nil, werr
				}
				attempt++
				continue
			}
			return nil, err
		}
		if resp.StatusCode < 300 {
			return resp, nil
		}
		rerr := readError(resp, r.bucket, r.key).(*ErrorResponse)
		resp.Body.Close()
		// A request refused for its region was not applied: it is sent
		// once more, at once, signed for the region the server named.
		if hint := c.regionHint(r, rerr, region); hint != "" && !regionFixed && rewindable {
			c.regions.Store(r.bucket, hint)
			region, regionFixed = hint, true
			continue
		}
		if canRetry && retryableError(rerr, idempotent) {
			if werr := c.backoff(ctx, attempt); werr != nil {
				return nil, werr
			}
			attempt++
			continue
		}
		return nil, rerr
	}
}

// retryableError: throttling is safe to retry for every request (nothing
// was applied); server errors only for idempotent ones.
func retryableError(e *ErrorResponse, idempotent bool) bool {
	switch e.Code {
	case "SlowDown", "RequestThrottled", "ServiceUnavailable", "RequestTimeTooSkewed":
		return true
	case "InternalError", "RequestTimeout", "XMinioServerNotInitialized":
		return idempotent
	}
	switch e.StatusCode {
	case http.StatusServiceUnavailable, http.StatusTooManyRequests:
		return true
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusGatewayTimeout:
		return idempotent
	}
	return false
}

func retryableNetError(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var ne net.Error
	var oe *net.OpError
	return errors.As(err, &ne) || errors.As(err, &oe) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// backoff waits before retry attempt+1: exponential with full jitter,
// capped at 2 s.
func (c *Client) backoff(ctx context.Context, attempt int) error {
	limit := min(100*time.Millisecond<<attempt, 2*time.Second)
	t := time.NewTimer(time.Duration(rand.Int64N(int64(limit)) + 1))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// maxXMLResponse bounds an XML answer.
const maxXMLResponse = 32 << 20

// doXML runs r and decodes its XML answer into out (nil to discard).
func (c *Client) doXML(ctx context.Context, r *request, out any) (http.Header, error) {
	resp, err := c.do(ctx, r)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if out == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.Header, nil
	}
	if err := xml.NewDecoder(io.LimitReader(resp.Body, maxXMLResponse)).Decode(out); err != nil {
		return nil, err
	}
	return resp.Header, nil
}
