package client

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/kurastore/kura/wire/lifecycle"
	"github.com/kurastore/kura/wire/notification"
	"github.com/kurastore/kura/wire/policy"
	"github.com/kurastore/kura/wire/replication"
	"github.com/kurastore/kura/wire/sse"
	"github.com/kurastore/kura/wire/tagging"
	"github.com/kurastore/kura/wire/versioning"
)

// Bucket configuration calls. Each document is a type of a wire package,
// the same code the server parses it with. Documents are validated before
// they are sent, so that a mistake is reported without a round trip (as
// an error wrapping both ErrInvalidArgument and the S3 error the server
// would have answered), and every PUT carries Content-MD5, which S3
// requires of several of them (lifecycle, object lock, tagging) and
// accepts on all.
//
// A Get of a configuration that was never set fails with the server's
// 404 error (NoSuchLifecycleConfiguration, NoSuchTagSet, ...), for which
// IsNotFound reports true.

// document is what the wire packages' configurations share.
type document interface {
	Validate() error
	Encode() ([]byte, error)
}

// refused reports a document that failed validation. Both
// ErrInvalidArgument and the S3 error (for ErrorCode-like checks with
// errors.Is against s3err) stay in the chain.
func refused(what string, err error) error {
	return fmt.Errorf("%w: %s: %w", ErrInvalidArgument, what, err)
}

// configRequest is a request to a bucket or object sub-resource.
func configRequest(method, bucket, key, sub, versionID string) *request {
	q := subresource(sub)
	if versionID != "" {
		q.Set("versionId", versionID)
	}
	return &request{method: method, bucket: bucket, key: key, query: q, header: http.Header{}}
}

// putRaw sends body to a sub-resource with Content-MD5.
func (c *Client) putRaw(ctx context.Context, r *request, contentType string, body []byte) error {
	r.header.Set("Content-Type", contentType)
	r.header.Set("Content-MD5", contentMD5(body))
	_, err := c.doXML(ctx, r.bytesBody(body), nil)
	return err
}

// putDocument validates doc and sends it to a sub-resource; what names
// the document in errors.
func (c *Client) putDocument(ctx context.Context, r *request, what string, doc document) error {
	if err := doc.Validate(); err != nil {
		return refused(what, err)
	}
	body, err := doc.Encode()
	if err != nil {
		return err
	}
	return c.putRaw(ctx, r, "application/xml", body)
}

// getDocument fetches a sub-resource and parses it with the wire
// package's bounded parser; what names the document in errors. Answers
// are not validated: what a server stored is shown as it is.
func getDocument[D any](ctx context.Context, c *Client, r *request, what string, parse func(io.Reader) (D, error)) (D, error) {
	var zero D
	resp, err := c.do(ctx, r)
	if err != nil {
		return zero, err
	}
	defer resp.Body.Close()
	doc, err := parse(resp.Body)
	if err != nil {
		return zero, fmt.Errorf("client: reading the %s: %w", what, err)
	}
	return doc, nil
}

// deleteConfig deletes a bucket sub-resource.
func (c *Client) deleteConfig(ctx context.Context, bucket, sub string) error {
	if err := checkBucket(bucket); err != nil {
		return err
	}
	_, err := c.doXML(ctx, configRequest(http.MethodDelete, bucket, "", sub, ""), nil)
	return err
}

// maxPolicyResponse bounds a policy answer: S3 stores at most 20 KiB,
// other servers somewhat more.
const maxPolicyResponse = 1 << 20

// GetBucketPolicy returns a bucket's policy as the JSON text stored
// (spec: get_bucket_policy).
func (c *Client) GetBucketPolicy(ctx context.Context, bucket string) (string, error) {
	if err := checkBucket(bucket); err != nil {
		return "", err
	}
	resp, err := c.do(ctx, configRequest(http.MethodGet, bucket, "", "policy", ""))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxPolicyResponse+1))
	if err != nil {
		return "", err
	}
	if len(data) > maxPolicyResponse {
		return "", fmt.Errorf("client: bucket policy answer exceeds %d bytes", maxPolicyResponse)
	}
	return string(data), nil
}

// SetBucketPolicy sets a bucket's policy, given as JSON (spec:
// set_bucket_policy). The policy is checked as S3 checks it first:
// valid JSON of the policy language, naming only this bucket.
func (c *Client) SetBucketPolicy(ctx context.Context, bucket, policyJSON string) error {
	if err := checkBucket(bucket); err != nil {
		return err
	}
	p, err := policy.Parse([]byte(policyJSON))
	if err == nil {
		err = p.ValidateForBucket(bucket)
	}
	if err != nil {
		return refused("bucket policy", err)
	}
	return c.putRaw(ctx, configRequest(http.MethodPut, bucket, "", "policy", ""), "application/json", []byte(policyJSON))
}

// DeleteBucketPolicy removes a bucket's policy (spec:
// delete_bucket_policy).
func (c *Client) DeleteBucketPolicy(ctx context.Context, bucket string) error {
	return c.deleteConfig(ctx, bucket, "policy")
}

// GetBucketNotification returns a bucket's notification configuration,
// empty when none was set (spec: get_bucket_notification).
func (c *Client) GetBucketNotification(ctx context.Context, bucket string) (*notification.Configuration, error) {
	if err := checkBucket(bucket); err != nil {
		return nil, err
	}
	return getDocument(ctx, c, configRequest(http.MethodGet, bucket, "", "notification", ""), "notification configuration", notification.Parse)
}

// SetBucketNotification replaces a bucket's notification configuration
// (spec: set_bucket_notification).
func (c *Client) SetBucketNotification(ctx context.Context, bucket string, cfg *notification.Configuration) error {
	if err := checkBucket(bucket); err != nil {
		return err
	}
	if cfg == nil {
		return invalidArgument("notification configuration is nil")
	}
	return c.putDocument(ctx, configRequest(http.MethodPut, bucket, "", "notification", ""), "notification configuration", cfg)
}

// DeleteBucketNotification removes every notification destination of a
// bucket (spec: delete_bucket_notification). S3 has no DELETE for it:
// this sets an empty configuration.
func (c *Client) DeleteBucketNotification(ctx context.Context, bucket string) error {
	return c.SetBucketNotification(ctx, bucket, &notification.Configuration{})
}

// GetBucketEncryption returns a bucket's default encryption (spec:
// get_bucket_encryption).
func (c *Client) GetBucketEncryption(ctx context.Context, bucket string) (*sse.Configuration, error) {
	if err := checkBucket(bucket); err != nil {
		return nil, err
	}
	return getDocument(ctx, c, configRequest(http.MethodGet, bucket, "", "encryption", ""), "encryption configuration", sse.Parse)
}

// SetBucketEncryption sets a bucket's default encryption, such as
// sse.NewAES256() (spec: set_bucket_encryption).
func (c *Client) SetBucketEncryption(ctx context.Context, bucket string, cfg *sse.Configuration) error {
	if err := checkBucket(bucket); err != nil {
		return err
	}
	if cfg == nil {
		return invalidArgument("encryption configuration is nil")
	}
	return c.putDocument(ctx, configRequest(http.MethodPut, bucket, "", "encryption", ""), "encryption configuration", cfg)
}

// DeleteBucketEncryption removes a bucket's default encryption (spec:
// delete_bucket_encryption).
func (c *Client) DeleteBucketEncryption(ctx context.Context, bucket string) error {
	return c.deleteConfig(ctx, bucket, "encryption")
}

// GetBucketVersioning returns a bucket's versioning state; Status is ""
// for a bucket never versioned (spec: get_bucket_versioning).
func (c *Client) GetBucketVersioning(ctx context.Context, bucket string) (*versioning.Configuration, error) {
	if err := checkBucket(bucket); err != nil {
		return nil, err
	}
	return getDocument(ctx, c, configRequest(http.MethodGet, bucket, "", "versioning", ""), "versioning configuration", versioning.Parse)
}

// SetBucketVersioning enables or suspends versioning (spec:
// set_bucket_versioning).
func (c *Client) SetBucketVersioning(ctx context.Context, bucket string, cfg *versioning.Configuration) error {
	if err := checkBucket(bucket); err != nil {
		return err
	}
	if cfg == nil {
		return invalidArgument("versioning configuration is nil")
	}
	return c.putDocument(ctx, configRequest(http.MethodPut, bucket, "", "versioning", ""), "versioning configuration", cfg)
}

// GetBucketReplication returns a bucket's replication configuration
// (spec: get_bucket_replication).
func (c *Client) GetBucketReplication(ctx context.Context, bucket string) (*replication.Configuration, error) {
	if err := checkBucket(bucket); err != nil {
		return nil, err
	}
	return getDocument(ctx, c, configRequest(http.MethodGet, bucket, "", "replication", ""), "replication configuration", replication.Parse)
}

// SetBucketReplication replaces a bucket's replication configuration
// (spec: set_bucket_replication).
func (c *Client) SetBucketReplication(ctx context.Context, bucket string, cfg *replication.Configuration) error {
	if err := checkBucket(bucket); err != nil {
		return err
	}
	if cfg == nil {
		return invalidArgument("replication configuration is nil")
	}
	return c.putDocument(ctx, configRequest(http.MethodPut, bucket, "", "replication", ""), "replication configuration", cfg)
}

// DeleteBucketReplication removes a bucket's replication configuration
// (spec: delete_bucket_replication).
func (c *Client) DeleteBucketReplication(ctx context.Context, bucket string) error {
	return c.deleteConfig(ctx, bucket, "replication")
}

// GetBucketLifecycle returns a bucket's lifecycle rules (spec:
// get_bucket_lifecycle).
func (c *Client) GetBucketLifecycle(ctx context.Context, bucket string) (*lifecycle.Configuration, error) {
	if err := checkBucket(bucket); err != nil {
		return nil, err
	}
	return getDocument(ctx, c, configRequest(http.MethodGet, bucket, "", "lifecycle", ""), "lifecycle configuration", lifecycle.Parse)
}

// SetBucketLifecycle replaces a bucket's lifecycle rules (spec:
// set_bucket_lifecycle).
func (c *Client) SetBucketLifecycle(ctx context.Context, bucket string, cfg *lifecycle.Configuration) error {
	if err := checkBucket(bucket); err != nil {
		return err
	}
	if cfg == nil {
		return invalidArgument("lifecycle configuration is nil")
	}
	return c.putDocument(ctx, configRequest(http.MethodPut, bucket, "", "lifecycle", ""), "lifecycle configuration", cfg)
}

// DeleteBucketLifecycle removes a bucket's lifecycle rules (spec:
// delete_bucket_lifecycle).
func (c *Client) DeleteBucketLifecycle(ctx context.Context, bucket string) error {
	return c.deleteConfig(ctx, bucket, "lifecycle")
}

// GetBucketTags returns a bucket's tags.
func (c *Client) GetBucketTags(ctx context.Context, bucket string) (map[string]string, error) {
	if err := checkBucket(bucket); err != nil {
		return nil, err
	}
	t, err := getDocument(ctx, c, configRequest(http.MethodGet, bucket, "", "tagging", ""), "bucket tags", tagging.Parse)
	if err != nil {
		return nil, err
	}
	return t.Map(), nil
}

// SetBucketTags replaces a bucket's tags: at most 50, with S3's key and
// value rules.
func (c *Client) SetBucketTags(ctx context.Context, bucket string, tags map[string]string) error {
	if err := checkBucket(bucket); err != nil {
		return err
	}
	t := tagging.FromMap(tags)
	if err := t.ValidateBucket(); err != nil {
		return refused("bucket tags", err)
	}
	body, err := t.Encode()
	if err != nil {
		return err
	}
	return c.putRaw(ctx, configRequest(http.MethodPut, bucket, "", "tagging", ""), "application/xml", body)
}

// DeleteBucketTags removes a bucket's tags.
func (c *Client) DeleteBucketTags(ctx context.Context, bucket string) error {
	return c.deleteConfig(ctx, bucket, "tagging")
}
