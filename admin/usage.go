package admin

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/kurastore/kura/wire/adminapi"
)

// BucketUsage is what one bucket holds, from the server's usage counters.
type BucketUsage = adminapi.BucketUsage

// DataUsage reports what every bucket holds, in bucket name order: exact
// counts the server keeps as writes commit, read without listing any
// bucket. The caller needs admin:DataUsageInfo.
func (c *Client) DataUsage(ctx context.Context) ([]BucketUsage, error) {
	var out []BucketUsage
	if err := c.call(ctx, http.MethodGet, "usage", nil, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// BucketDataUsage reports what one bucket holds; an unknown bucket is an
// *Error with Code NoSuchBucket.
func (c *Client) BucketDataUsage(ctx context.Context, bucket string) (BucketUsage, error) {
	var out []BucketUsage
	if err := c.call(ctx, http.MethodGet, "usage?bucket="+url.QueryEscape(bucket), nil, &out); err != nil {
		return BucketUsage{}, err
	}
	if len(out) != 1 {
		return BucketUsage{}, fmt.Errorf("admin: usage of bucket %s: the server answered %d buckets", bucket, len(out))
	}
	return out[0], nil
}
