package client

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kurastore/kura/sigv4"
)

// Bounds of a presigned URL's validity. S3 refuses X-Amz-Expires above
// seven days, and below one second the URL would be dead on arrival.
const (
	MinPresignExpiry = time.Second
	MaxPresignExpiry = sigv4.MaxPresignExpiry
)

// PresignOptions are the optional parts of a presigned URL.
type PresignOptions struct {
	// VersionID selects an object version.
	VersionID string
	// ResponseHeaders override headers of a GET's answer, by the query
	// parameters S3 defines for that: response-content-type,
	// response-content-disposition, response-cache-control, ...
	ResponseHeaders url.Values
	// ExtraQuery is added to the URL as it is, for advanced uses.
	ExtraQuery url.Values
	// RequestDate is when the validity starts; zero means now.
	RequestDate time.Time
}

// presignReserved are the query parameters the signature itself sets: a
// caller's value for one would be overwritten or break the signature.
var presignReserved = []string{
	"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
	"X-Amz-SignedHeaders", "X-Amz-Security-Token", "X-Amz-Signature",
}

// GetPresignedURL returns a URL that lets whoever holds it call method on
// the object for expires, without credentials of their own (spec:
// get_presigned_url). With anonymous credentials the URL is returned
// unsigned, which only works for public objects.
func (c *Client) GetPresignedURL(ctx context.Context, method, bucket, key string, expires time.Duration, opts PresignOptions) (*url.URL, error) {
	if err := checkPresign(method, bucket, key, expires); err != nil {
		return nil, err
	}
	query, err := presignQuery(opts)
	if err != nil {
		return nil, err
	}
	creds, err := c.creds.Retrieve(ctx)
	if err != nil {
		return nil, err
	}
	u := c.url(bucket, key, query)
	if creds.AccessKey == "" {
		return u, nil
	}
	date := opts.RequestDate
	if date.IsZero() {
		date = c.now()
	}
	r := &http.Request{Method: method, URL: u, Host: u.Host, Header: http.Header{}}
	return sigv4.Presign(r, sigCredentials(creds), c.bucketRegion(bucket), "s3", date, expires), nil
}

// PresignedGetObject returns a URL to download the object (spec:
// presigned_get_object).
func (c *Client) PresignedGetObject(ctx context.Context, bucket, key string, expires time.Duration, opts PresignOptions) (*url.URL, error) {
	return c.GetPresignedURL(ctx, http.MethodGet, bucket, key, expires, opts)
}

// PresignedPutObject returns a URL to upload the object with a plain PUT
// (spec: presigned_put_object).
func (c *Client) PresignedPutObject(ctx context.Context, bucket, key string, expires time.Duration, opts PresignOptions) (*url.URL, error) {
	return c.GetPresignedURL(ctx, http.MethodPut, bucket, key, expires, opts)
}

func sigCredentials(c Credentials) sigv4.Credentials {
	return sigv4.Credentials{AccessKey: c.AccessKey, SecretKey: c.SecretKey, SessionToken: c.SessionToken}
}

// checkPresign refuses what the server would refuse anyway, before
// credentials are fetched: a URL that cannot work is better an error now
// than a 403 in someone else's browser later.
func checkPresign(method, bucket, key string, expires time.Duration) error {
	if expires < MinPresignExpiry || expires > MaxPresignExpiry {
		return invalidArgument("expiry %v is not between %v and %v", expires, MinPresignExpiry, MaxPresignExpiry)
	}
	if method == "" || strings.ContainsAny(method, " \t\r\n") {
		return invalidArgument("HTTP method %q is not valid", method)
	}
	if key == "" {
		return invalidArgument("object name must not be empty")
	}
	return checkObject(bucket, key)
}

// presignQuery merges the options into the query the signature covers.
func presignQuery(opts PresignOptions) (url.Values, error) {
	q := url.Values{}
	for name, values := range opts.ResponseHeaders {
		if !strings.HasPrefix(strings.ToLower(name), "response-") {
			return nil, invalidArgument("response header override %q does not start with response-", name)
		}
		q[name] = append(q[name], values...)
	}
	for name, values := range opts.ExtraQuery {
		for _, reserved := range presignReserved {
			if strings.EqualFold(name, reserved) {
				return nil, invalidArgument("query parameter %q is set by the signature", name)
			}
		}
		q[name] = append(q[name], values...)
	}
	if opts.VersionID != "" {
		q.Set("versionId", opts.VersionID)
	}
	return q, nil
}
