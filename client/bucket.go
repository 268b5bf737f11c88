package client

import (
	"context"
	"encoding/xml"
	"net/http"
	"net/url"
	"time"
)

// MakeBucketOptions are the options of MakeBucket.
type MakeBucketOptions struct {
	// Location is the bucket's region (LocationConstraint); "" means the
	// client's region.
	Location string
	// ObjectLock creates the bucket with object lock enabled, which
	// implies versioning.
	ObjectLock bool
}

type createBucketConfiguration struct {
	XMLName            xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ CreateBucketConfiguration"`
	LocationConstraint string   `xml:"LocationConstraint"`
}

// MakeBucket creates a bucket (spec: make_bucket).
func (c *Client) MakeBucket(ctx context.Context, bucket string, opts MakeBucketOptions) error {
	if err := checkBucket(bucket); err != nil {
		return err
	}
	r := &request{method: http.MethodPut, bucket: bucket, header: http.Header{}}
	if opts.ObjectLock {
		r.header.Set("x-amz-bucket-object-lock-enabled", "true")
	}
	if loc := opts.Location; loc != "" && loc != defaultRegion {
		body, hash, err := xmlBody(createBucketConfiguration{LocationConstraint: loc})
		if err != nil {
			return err
		}
		r.body, r.length, r.payloadHash = body, int64(body.Len()), hash
		// S3 takes a CreateBucket signed for the region it creates the
		// bucket in.
		if c.autoRegion {
			r.region = locationRegion(loc)
		}
	}
	if _, err := c.doXML(ctx, r, nil); err != nil {
		return err
	}
	if loc := opts.Location; loc != "" {
		c.learnRegion(bucket, locationRegion(loc))
	}
	return nil
}

// BucketInfo describes a bucket.
type BucketInfo struct {
	Name         string    `xml:"Name"`
	CreationDate time.Time `xml:"CreationDate"`
	Region       string    `xml:"BucketRegion"`
}

// ListBuckets lists every bucket of the caller (spec: list_buckets).
func (c *Client) ListBuckets(ctx context.Context) ([]BucketInfo, error) {
	var out struct {
		Buckets []BucketInfo `xml:"Buckets>Bucket"`
	}
	if _, err := c.doXML(ctx, &request{method: http.MethodGet}, &out); err != nil {
		return nil, err
	}
	return out.Buckets, nil
}

// BucketExists reports whether bucket exists (spec: bucket_exists).
func (c *Client) BucketExists(ctx context.Context, bucket string) (bool, error) {
	if err := checkBucket(bucket); err != nil {
		return false, err
	}
	_, err := c.doXML(ctx, &request{method: http.MethodHead, bucket: bucket}, nil)
	if ErrorCode(err) == "NoSuchBucket" {
		return false, nil
	}
	return err == nil, err
}

// RemoveBucket deletes an empty bucket (spec: remove_bucket).
func (c *Client) RemoveBucket(ctx context.Context, bucket string) error {
	if err := checkBucket(bucket); err != nil {
		return err
	}
	if _, err := c.doXML(ctx, &request{method: http.MethodDelete, bucket: bucket}, nil); err != nil {
		return err
	}
	c.forgetRegion(bucket)
	return nil
}

// subresource is a query selecting a bucket or object sub-resource.
func subresource(name string) url.Values { return url.Values{name: {""}} }
