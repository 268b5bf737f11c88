package client

import "net/http"

// signingRegion is the region r is signed for: the one it names, else,
// when the client has no region of its own, the one learned for its
// bucket or, failing that, for requests without a bucket (the server's),
// else the client's.
func (c *Client) signingRegion(r *request) string {
	if r.region != "" {
		return r.region
	}
	return c.bucketRegion(r.bucket)
}

// bucketRegion is the region requests to bucket are signed for.
func (c *Client) bucketRegion(bucket string) string {
	if !c.autoRegion {
		return c.region
	}
	if v, ok := c.regions.Load(bucket); ok {
		return v.(string)
	}
	if v, ok := c.regions.Load(""); ok {
		return v.(string)
	}
	return c.region
}

// regionHint is the region the server says r should have been signed
// for, when it refused r for being signed for region: a 400
// (AuthorizationHeaderMalformed) naming another region in its body or,
// for a HEAD, which has no body, in x-amz-bucket-region. It is "" when
// the client has a region of its own or r named one.
func (c *Client) regionHint(r *request, e *ErrorResponse, region string) string {
	if !c.autoRegion || r.region != "" || e.StatusCode != http.StatusBadRequest || e.Region == region {
		return ""
	}
	return e.Region
}

// learnRegion remembers bucket's region, when the client looks regions
// up.
func (c *Client) learnRegion(bucket, region string) {
	if c.autoRegion && region != "" {
		c.regions.Store(bucket, region)
	}
}

// forgetRegion drops what the client knows of bucket's region.
func (c *Client) forgetRegion(bucket string) {
	c.regions.Delete(bucket)
}
