package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// RestoreObjectOptions are the options of RestoreObject.
type RestoreObjectOptions struct {
	// VersionID selects a version instead of the latest.
	VersionID string
}

// RestoreObject asks for a temporary local copy of an object whose data
// a lifecycle transition moved to a tier (or to an archive class on
// AWS), kept for days. It reports whether a restore started (S3 answers
// 202) rather than extending one already done (200). Follow it with
// StatObject: ObjectInfo.Restore says whether the copy is ready and
// until when it is kept.
func (c *Client) RestoreObject(ctx context.Context, bucket, key string, days int, opts RestoreObjectOptions) (started bool, err error) {
	if err := checkObject(bucket, key); err != nil {
		return false, err
	}
	if days < 1 {
		return false, invalidArgument("days must be at least 1, not %d", days)
	}
	q := url.Values{"restore": {""}}
	if opts.VersionID != "" {
		q.Set("versionId", opts.VersionID)
	}
	r := &request{method: http.MethodPost, bucket: bucket, key: key, query: q, header: http.Header{}, retrySafe: true}
	body := []byte(fmt.Sprintf(`<RestoreRequest xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Days>%d</Days></RestoreRequest>`, days))
	r.bytesBody(body)
	r.header.Set("Content-MD5", contentMD5(body))
	r.header.Set("Content-Type", "application/xml")
	resp, err := c.do(ctx, r)
	if err != nil {
		return false, err
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusAccepted, nil
}

// RestoreStatus is the state of an object's restored copy, from its
// x-amz-restore header.
type RestoreStatus struct {
	// Ongoing says the copy is being made.
	Ongoing bool
	// Expiry is when the copy will be dropped, once it is made.
	Expiry time.Time
}

// parseRestore reads x-amz-restore: ongoing-request="false",
// expiry-date="Fri, 21 Dec 2012 00:00:00 GMT". It returns nil for an
// object with no restore.
func parseRestore(v string) *RestoreStatus {
	if v == "" {
		return nil
	}
	st := &RestoreStatus{Ongoing: strings.Contains(v, `ongoing-request="true"`)}
	if _, rest, ok := strings.Cut(v, `expiry-date="`); ok {
		date, _, _ := strings.Cut(rest, `"`)
		st.Expiry, _ = http.ParseTime(date)
	}
	return st
}
