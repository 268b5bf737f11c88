package client

import (
	"context"
	"fmt"
	"net/http"

	"github.com/kurastore/kura/wire/policy"
)

// SetBucketPolicyDocument sets a bucket's policy from a parsed or built
// document. It is SetBucketPolicy for a *policy.Policy: checked the same
// way (naming only this bucket) and sent as the document's JSON.
func (c *Client) SetBucketPolicyDocument(ctx context.Context, bucket string, p *policy.Policy) error {
	if err := checkBucket(bucket); err != nil {
		return err
	}
	if p == nil {
		return invalidArgument("no bucket policy")
	}
	if err := p.ValidateForBucket(bucket); err != nil {
		return refused("bucket policy", err)
	}
	data, err := p.Encode()
	if err != nil {
		return refused("bucket policy", err)
	}
	return c.putRaw(ctx, configRequest(http.MethodPut, bucket, "", "policy", ""), "application/json", data)
}

// GetBucketPolicyDocument returns a bucket's policy parsed. A bucket
// without one gives NoSuchBucketPolicy, which matches fs.ErrNotExist.
func (c *Client) GetBucketPolicyDocument(ctx context.Context, bucket string) (*policy.Policy, error) {
	text, err := c.GetBucketPolicy(ctx, bucket)
	if err != nil {
		return nil, err
	}
	p, err := policy.Parse([]byte(text))
	if err != nil {
		return nil, fmt.Errorf("client: the bucket policy answer: %w", err)
	}
	return p, nil
}
