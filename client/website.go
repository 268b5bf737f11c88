package client

import (
	"context"
	"net/http"

	"github.com/kurastore/kura/wire/website"
)

// GetBucketWebsite returns a bucket's static website configuration; a
// bucket without one fails with 404 NoSuchWebsiteConfiguration.
func (c *Client) GetBucketWebsite(ctx context.Context, bucket string) (*website.Configuration, error) {
	if err := checkBucket(bucket); err != nil {
		return nil, err
	}
	return getDocument(ctx, c, configRequest(http.MethodGet, bucket, "", "website", ""), "website configuration", website.Parse)
}

// SetBucketWebsite replaces a bucket's static website configuration: an
// index document (with an error document and routing rules), or a
// redirect of every request to another host.
func (c *Client) SetBucketWebsite(ctx context.Context, bucket string, cfg *website.Configuration) error {
	if err := checkBucket(bucket); err != nil {
		return err
	}
	if cfg == nil {
		return invalidArgument("website configuration is nil")
	}
	return c.putDocument(ctx, configRequest(http.MethodPut, bucket, "", "website", ""), "website configuration", cfg)
}

// DeleteBucketWebsite removes a bucket's static website configuration.
func (c *Client) DeleteBucketWebsite(ctx context.Context, bucket string) error {
	return c.deleteConfig(ctx, bucket, "website")
}
