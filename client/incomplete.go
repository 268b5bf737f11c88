package client

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"time"
)

// IncompleteUpload is a multipart upload that was started and neither
// completed nor aborted.
type IncompleteUpload struct {
	Key          string
	UploadID     string
	Initiated    time.Time
	StorageClass string
}

// ListIncompleteUploadsOptions are the options of ListIncompleteUploads.
type ListIncompleteUploadsOptions struct {
	// Prefix restricts the listing to keys that start with it.
	Prefix string
	// Recursive lists uploads of every key under Prefix; otherwise keys
	// below the next '/' are left out.
	Recursive bool
}

type uploadsPage struct {
	IsTruncated        bool   `xml:"IsTruncated"`
	NextKeyMarker      string `xml:"NextKeyMarker"`
	NextUploadIDMarker string `xml:"NextUploadIdMarker"`
	Uploads            []struct {
		Key          string `xml:"Key"`
		UploadID     string `xml:"UploadId"`
		Initiated    string `xml:"Initiated"`
		StorageClass string `xml:"StorageClass"`
	} `xml:"Upload"`
}

// ListIncompleteUploads lists a bucket's multipart uploads in progress
// (ListMultipartUploads), page by page as the caller ranges over the
// result. A failed request is yielded as the error of the last pair.
func (c *Client) ListIncompleteUploads(ctx context.Context, bucket string, opts ListIncompleteUploadsOptions) iter.Seq2[IncompleteUpload, error] {
	return func(yield func(IncompleteUpload, error) bool) {
		if err := checkBucket(bucket); err != nil {
			yield(IncompleteUpload{}, err)
			return
		}
		base := url.Values{"uploads": {""}}
		if opts.Prefix != "" {
			base.Set("prefix", opts.Prefix)
		}
		if !opts.Recursive {
			base.Set("delimiter", "/")
		}
		var keyMarker, idMarker string
		for {
			q := withParams(base, "key-marker", keyMarker, "upload-id-marker", idMarker)
			var page uploadsPage
			r := &request{method: http.MethodGet, bucket: bucket, query: q}
			if _, err := c.doResult(ctx, r, "ListMultipartUploadsResult", &page); err != nil {
				yield(IncompleteUpload{}, err)
				return
			}
			for _, u := range page.Uploads {
				up := IncompleteUpload{Key: u.Key, UploadID: u.UploadID, StorageClass: u.StorageClass, Initiated: parseListTime(u.Initiated)}
				if !yield(up, nil) {
					return
				}
			}
			if !page.IsTruncated {
				return
			}
			if page.NextKeyMarker == keyMarker && page.NextUploadIDMarker == idMarker {
				yield(IncompleteUpload{}, fmt.Errorf("client: upload listing of %s is truncated but does not advance", bucket))
				return
			}
			keyMarker, idMarker = page.NextKeyMarker, page.NextUploadIDMarker
		}
	}
}

// RemoveIncompleteUpload aborts a multipart upload and frees its parts
// (AbortMultipartUpload). An upload that no longer exists is not an
// error.
func (c *Client) RemoveIncompleteUpload(ctx context.Context, bucket, key, uploadID string) error {
	if err := checkObject(bucket, key); err != nil {
		return err
	}
	if uploadID == "" {
		return invalidArgument("upload id must not be empty")
	}
	r := &request{method: http.MethodDelete, bucket: bucket, key: key, query: url.Values{"uploadId": {uploadID}}}
	_, err := c.doXML(ctx, r, nil)
	if ErrorCode(err) == "NoSuchUpload" {
		return nil
	}
	return err
}
