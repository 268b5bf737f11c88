package client

import (
	"context"
	"net/http"
)

// legacyEULocation is the LocationConstraint S3 still reports for some
// eu-west-1 buckets.
const legacyEULocation = "EU"

// GetBucketLocation returns the region a bucket was created in (S3's
// GetBucketLocation): us-east-1 for the empty constraint S3 reports
// for it, eu-west-1 for the legacy "EU".
func (c *Client) GetBucketLocation(ctx context.Context, bucket string) (string, error) {
	if err := checkBucket(bucket); err != nil {
		return "", err
	}
	var doc struct {
		Location string `xml:",chardata"`
	}
	if _, err := c.doXML(ctx, configRequest(http.MethodGet, bucket, "", "location", ""), &doc); err != nil {
		return "", err
	}
	region := locationRegion(doc.Location)
	c.learnRegion(bucket, region)
	return region, nil
}

// locationRegion is the region a LocationConstraint names.
func locationRegion(constraint string) string {
	switch constraint {
	case "":
		return defaultRegion
	case legacyEULocation:
		return "eu-west-1"
	}
	return constraint
}
