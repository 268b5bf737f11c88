package client

import (
	"context"
	"net/http"

	"github.com/kurastore/kura/wire/cors"
)

// GetBucketCors returns a bucket's CORS rules. A bucket without any
// answers NoSuchCORSConfiguration, for which IsNotFound is true.
func (c *Client) GetBucketCors(ctx context.Context, bucket string) (*cors.Configuration, error) {
	if err := checkBucket(bucket); err != nil {
		return nil, err
	}
	return getDocument(ctx, c, configRequest(http.MethodGet, bucket, "", "cors", ""), "CORS configuration", cors.Parse)
}

// SetBucketCors replaces a bucket's CORS rules.
func (c *Client) SetBucketCors(ctx context.Context, bucket string, cfg *cors.Configuration) error {
	if err := checkBucket(bucket); err != nil {
		return err
	}
	if cfg == nil {
		return invalidArgument("CORS configuration is nil")
	}
	return c.putDocument(ctx, configRequest(http.MethodPut, bucket, "", "cors", ""), "CORS configuration", cfg)
}

// DeleteBucketCors removes a bucket's CORS rules.
func (c *Client) DeleteBucketCors(ctx context.Context, bucket string) error {
	return c.deleteConfig(ctx, bucket, "cors")
}
