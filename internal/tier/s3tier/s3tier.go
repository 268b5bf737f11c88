// Package s3tier is a tier on a bucket of an S3 endpoint (AWS, MinIO,
// another kura), under an optional key prefix. It speaks S3 with kura's
// own client.
package s3tier

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/internal/tier"
	"github.com/kurastore/kura/s3name"
)

// DefaultRegion is the region requests are signed for when Config
// names none.
const DefaultRegion = "us-east-1"

// Config is where a tier keeps its objects and how it signs in.
type Config struct {
	// Endpoint is an http:// or https:// URL without a path.
	Endpoint string
	Bucket   string
	// Prefix is put before every object name; a prefix that does not end
	// with '/' gets one.
	Prefix               string
	AccessKey, SecretKey string
	// Region defaults to DefaultRegion.
	Region string
	// Transport, when set, carries the requests (tests).
	Transport http.RoundTripper
	// MaxRetries is passed to the client (0: its default; negative:
	// never).
	MaxRetries int
}

// Tier is a tier on an S3 bucket.
type Tier struct {
	c      *client.Client
	bucket string
	prefix string
}

var _ tier.Tier = (*Tier)(nil)

// Check validates cfg without contacting the endpoint.
func (cfg Config) Check() error {
	u, err := url.Parse(cfg.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("s3tier: endpoint %q is not an http:// or https:// URL", cfg.Endpoint)
	}
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.User != nil {
		return fmt.Errorf("s3tier: endpoint %q must be scheme://host[:port] only", cfg.Endpoint)
	}
	if !s3name.ValidBucket(cfg.Bucket) {
		return fmt.Errorf("s3tier: %q is not a valid bucket name", cfg.Bucket)
	}
	if cfg.Region != "" && !s3name.ValidRegion(cfg.Region) {
		return fmt.Errorf("s3tier: %q is not a valid region", cfg.Region)
	}
	if strings.HasPrefix(cfg.Prefix, "/") || strings.Contains(cfg.Prefix, "//") {
		return fmt.Errorf("s3tier: prefix %q starts with '/' or has an empty segment", cfg.Prefix)
	}
	if len(cfg.Prefix) > 512 {
		return fmt.Errorf("s3tier: prefix is longer than 512 bytes")
	}
	if cfg.AccessKey == "" || cfg.SecretKey == "" {
		return errors.New("s3tier: the access key and the secret key are required")
	}
	return nil
}

// New returns a tier for cfg. It does not contact the endpoint: Check
// does.
func New(cfg Config) (*Tier, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	c, err := client.New(strings.TrimSuffix(cfg.Endpoint, "/"), &client.Options{
		AccessKey: cfg.AccessKey, SecretKey: cfg.SecretKey, Region: cfg.Region,
		Transport: cfg.Transport, MaxRetries: cfg.MaxRetries, UserAgent: "kura-tier",
	})
	if err != nil {
		return nil, fmt.Errorf("s3tier: %w", err)
	}
	prefix := cfg.Prefix
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	return &Tier{c: c, bucket: cfg.Bucket, prefix: prefix}, nil
}

func (t *Tier) key(name string) (string, error) {
	if name == "" || strings.HasPrefix(name, "/") {
		return "", fmt.Errorf("s3tier: bad object name %q", name)
	}
	return t.prefix + name, nil
}

// mapError sorts the client's failures: the tier cannot be reached or
// is overloaded (ErrUnavailable), the object is missing (ErrNotFound),
// or anything else (refused credentials, a bad request) unchanged.
func mapError(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var e *client.ErrorResponse
	if !errors.As(err, &e) {
		if errors.Is(err, client.ErrInvalidArgument) {
			return err
		}
		// Connection refused, reset, DNS, TLS, a cut body: the network.
		return fmt.Errorf("%w: %w", tier.ErrUnavailable, err)
	}
	switch {
	case e.Code == "NoSuchKey":
		return fmt.Errorf("%w: %w", tier.ErrNotFound, err)
	case e.StatusCode >= 500, e.StatusCode == http.StatusTooManyRequests,
		e.Code == "SlowDown", e.Code == "ServiceUnavailable", e.Code == "RequestTimeout":
		return fmt.Errorf("%w: %w", tier.ErrUnavailable, err)
	case e.Code == "NoSuchBucket":
		// The bucket went away or the tier is misconfigured: the
		// object's data is not known to be lost.
		return fmt.Errorf("%w: %w", tier.ErrUnavailable, err)
	}
	return fmt.Errorf("s3tier: %w", err)
}

// Put uploads the object; S3 makes it durable before answering.
func (t *Tier) Put(ctx context.Context, name string, r io.Reader, size int64) error {
	key, err := t.key(name)
	if err != nil {
		return err
	}
	if size < 0 || r == nil {
		return fmt.Errorf("s3tier: no data or a negative size (%d)", size)
	}
	cr := &countingReader{r: r}
	_, err = t.c.PutObject(ctx, t.bucket, key, cr, size, client.PutObjectOptions{
		ContentType: "application/octet-stream",
	})
	if err != nil {
		if cr.err != nil {
			return fmt.Errorf("s3tier: reading the data: %w", cr.err)
		}
		return mapError(err)
	}
	var one [1]byte
	if n, _ := io.ReadFull(r, one[:]); n > 0 {
		return fmt.Errorf("s3tier: the data is longer than %d bytes", size)
	}
	return nil
}

// countingReader remembers the source's own failure, so that it is not
// taken for the tier's.
type countingReader struct {
	r   io.Reader
	err error
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err != nil && err != io.EOF {
		c.err = err
	}
	return n, err
}

// Open reads length bytes from offset with a ranged GET. A zero length
// only checks that the object exists and holds offset bytes.
func (t *Tier) Open(ctx context.Context, name string, offset, length int64) (io.ReadCloser, error) {
	key, err := t.key(name)
	if err != nil {
		return nil, err
	}
	if offset < 0 || length < 0 {
		return nil, fmt.Errorf("s3tier: bad range %d+%d", offset, length)
	}
	if length == 0 {
		info, err := t.c.StatObject(ctx, t.bucket, key, client.StatObjectOptions{})
		if err != nil {
			return nil, mapError(err)
		}
		if offset > info.Size {
			return nil, fmt.Errorf("s3tier: offset %d is beyond the %d bytes of %s", offset, info.Size, name)
		}
		return io.NopCloser(bytes.NewReader(nil)), nil
	}
	obj, err := t.c.GetObject(ctx, t.bucket, key, client.GetObjectOptions{Offset: offset, Length: length})
	if err != nil {
		if client.ErrorCode(err) == "InvalidRange" {
			return nil, fmt.Errorf("s3tier: range %d+%d is beyond the end of %s: %w", offset, length, name, err)
		}
		return nil, mapError(err)
	}
	if obj.Info.Size < offset+length {
		obj.Close()
		return nil, fmt.Errorf("s3tier: range %d+%d is beyond the %d bytes of %s", offset, length, obj.Info.Size, name)
	}
	return &exactBody{obj: obj, left: length}, nil
}

// exactBody yields exactly the requested bytes: a body cut short is an
// unavailable tier, not a short object.
type exactBody struct {
	obj  *client.Object
	left int64
}

func (b *exactBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.obj.Read(p)
	b.left -= int64(n)
	switch {
	case err == io.EOF && b.left > 0:
		return n, fmt.Errorf("%w: %w", tier.ErrUnavailable, io.ErrUnexpectedEOF)
	case err == io.EOF:
		return n, io.EOF
	case err != nil:
		return n, mapError(err)
	}
	return n, nil
}

func (b *exactBody) Close() error { return b.obj.Close() }

// Delete removes the object; S3 answers a delete of a missing key with
// success.
func (t *Tier) Delete(ctx context.Context, name string) error {
	key, err := t.key(name)
	if err != nil {
		return err
	}
	return mapError(t.c.RemoveObject(ctx, t.bucket, key, client.RemoveObjectOptions{}))
}

// Check verifies that the bucket exists and that a probe object can be
// written and deleted under the prefix.
func (t *Tier) Check(ctx context.Context) error {
	ok, err := t.c.BucketExists(ctx, t.bucket)
	if err != nil {
		return mapError(err)
	}
	if !ok {
		return fmt.Errorf("%w: s3tier: bucket %q does not exist", tier.ErrUnavailable, t.bucket)
	}
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	probe := t.prefix + ".kura-tier-check-" + hex.EncodeToString(rnd[:])
	data := []byte("kura tier check\n")
	if _, err := t.c.PutObject(ctx, t.bucket, probe, bytes.NewReader(data), int64(len(data)), client.PutObjectOptions{}); err != nil {
		return mapError(err)
	}
	return mapError(t.c.RemoveObject(ctx, t.bucket, probe, client.RemoveObjectOptions{}))
}
