package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/kurastore/kura/wire/tagging"
)

// ObjectTagsOptions are the options of the object tagging calls.
type ObjectTagsOptions struct {
	// VersionID selects a version instead of the latest.
	VersionID string
	// Replica, when set, sends SetObjectTags or DeleteObjectTags as a
	// replication request for the version Replica.VersionID (VersionID
	// may be left empty; if set, it must be the same id).
	// GetObjectTags ignores it.
	Replica *ReplicaOptions
}

func tagsRequest(method, bucket, key string, opts ObjectTagsOptions) (*request, error) {
	if err := checkObject(bucket, key); err != nil {
		return nil, err
	}
	replica := opts.Replica
	if method == http.MethodGet {
		replica = nil
	}
	versionID, err := replicaVersion(replica, opts.VersionID, false)
	if err != nil {
		return nil, err
	}
	q := url.Values{"tagging": {""}}
	if versionID != "" {
		q.Set("versionId", versionID)
	}
	r := &request{method: method, bucket: bucket, key: key, query: q, header: http.Header{}}
	if replica != nil {
		replica.setHeaders(r.header)
	}
	return r, nil
}

// GetObjectTags returns an object's tags (spec: get_object_tags); an
// object without tags has an empty map.
func (c *Client) GetObjectTags(ctx context.Context, bucket, key string, opts ObjectTagsOptions) (map[string]string, error) {
	r, err := tagsRequest(http.MethodGet, bucket, key, opts)
	if err != nil {
		return nil, err
	}
	resp, err := c.do(ctx, r)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	t, err := tagging.Parse(resp.Body)
	if err != nil {
		return nil, err
	}
	return t.Map(), nil
}

// SetObjectTags replaces an object's tags (spec: set_object_tags). The
// tags are checked against S3's rules (at most 10, key and value lengths,
// characters) before anything is sent.
func (c *Client) SetObjectTags(ctx context.Context, bucket, key string, tags map[string]string, opts ObjectTagsOptions) error {
	r, err := tagsRequest(http.MethodPut, bucket, key, opts)
	if err != nil {
		return err
	}
	t := tagging.FromMap(tags)
	if err := t.ValidateObject(); err != nil {
		return invalidArgument("tags: %v", err)
	}
	body, err := t.Encode()
	if err != nil {
		return err
	}
	r.bytesBody(body)
	// S3 requires an integrity header on PutObjectTagging.
	r.header.Set("Content-MD5", contentMD5(body))
	r.header.Set("Content-Type", "application/xml")
	_, err = c.doXML(ctx, r, nil)
	return err
}

// DeleteObjectTags removes an object's tags (spec: delete_object_tags).
func (c *Client) DeleteObjectTags(ctx context.Context, bucket, key string, opts ObjectTagsOptions) error {
	r, err := tagsRequest(http.MethodDelete, bucket, key, opts)
	if err != nil {
		return err
	}
	_, err = c.doXML(ctx, r, nil)
	return err
}
