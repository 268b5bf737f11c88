package client

import (
	"context"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/kurastore/kura/checksum"
)

// The low-level multipart API: the calls PutObject makes for a large
// object, for programs that drive an upload themselves, for example to
// continue it after a restart. An upload stays on the server, costing
// space, until it is completed or aborted.

// MultipartUpload is an upload in progress.
type MultipartUpload struct {
	Bucket, Key, UploadID string
	// Initiated is when the upload was created (listings only).
	Initiated    time.Time
	StorageClass string
	// Checksum is the algorithm the parts carry; "" for none.
	Checksum checksum.Algorithm
	// ChecksumType is FULL_OBJECT or COMPOSITE (listings, when the
	// server reports it).
	ChecksumType string
}

// Part is a stored part of a multipart upload.
type Part struct {
	Number int
	// ETag is the entity tag without its quotes: the hex MD5 of the
	// part's data on kura and AWS for unencrypted uploads.
	ETag string
	Size int64
	// Checksum is the part's checksum (base64) in the upload's
	// algorithm; "" when the upload has none.
	Checksum     string
	LastModified time.Time
}

// CreateMultipartUpload starts an upload of key (spec: the
// CreateMultipartUpload request). The options mean what they do for
// PutObject; the size and thread fields are ignored and the conditions
// are refused (CompleteMultipartUpload carries them). Unless
// DisableChecksum is set, the parts must carry the returned upload's
// Checksum. It is not retried after a lost answer, which would leave an
// upload behind.
func (c *Client) CreateMultipartUpload(ctx context.Context, bucket, key string, opts PutObjectOptions) (MultipartUpload, error) {
	if opts.IfMatch != "" || opts.IfNoneMatch != "" {
		return MultipartUpload{}, invalidArgument("conditions belong to CompleteMultipartUpload")
	}
	opts.PartSize, opts.PartSizes = 0, nil
	plan, err := c.newUploadPlan(bucket, key, -1, opts)
	if err != nil {
		return MultipartUpload{}, err
	}
	id, err := c.createUpload(ctx, bucket, key, plan.query, plan.header, plan.alg)
	if err != nil {
		return MultipartUpload{}, err
	}
	u := MultipartUpload{Bucket: bucket, Key: key, UploadID: id, StorageClass: opts.StorageClass, Checksum: plan.alg}
	if plan.alg != "" {
		u.ChecksumType = multipartChecksumType(plan.alg)
	}
	return u, nil
}

// UploadPartOptions are the options of UploadPart.
type UploadPartOptions struct {
	// ServerSideEncryption is the upload's SSE-C key, when it has one.
	ServerSideEncryption ServerSideEncryption
	// Sent, when set, is told of the bytes of the body as they are
	// handed to the connection; a retry first takes back what the
	// failed attempt had sent (a negative n). Calls never overlap.
	Sent func(n int64)
	// Progress, when set, is called as the body is sent with the bytes
	// sent so far, throttled as PutObjectOptions.Progress is, and once
	// more with the part's size when it is stored.
	Progress func(sent int64)
}

// UploadPart stores part number (1 to 10,000) of an upload: size bytes
// of body, which is read from its current position and rewound for a
// retry. The part carries a checksum in the upload's algorithm, which
// the server checks, and the checksum the server reports is checked
// against it.
func (c *Client) UploadPart(ctx context.Context, u MultipartUpload, number int, body io.ReadSeeker, size int64, opts UploadPartOptions) (Part, error) {
	if err := checkUpload(u); err != nil {
		return Part{}, err
	}
	if number < 1 || number > maxPartNumber {
		return Part{}, invalidArgument("part number %d is not between 1 and %d", number, maxPartNumber)
	}
	if size < 0 || size > maxPartSize {
		return Part{}, invalidArgument("part size %d is not between 0 and 5 GiB", size)
	}
	if body == nil {
		return Part{}, invalidArgument("body is nil")
	}
	if err := c.checkSSETransport(opts.ServerSideEncryption); err != nil {
		return Part{}, err
	}
	start, err := body.Seek(0, io.SeekCurrent)
	if err != nil {
		return Part{}, err
	}
	plan := &uploadPlan{
		bucket: u.Bucket, key: u.Key, alg: u.Checksum, partHeader: http.Header{}, sent: opts.Sent,
		progress: &progressReporter{report: opts.Progress},
	}
	setCustomerKeyHeaders(plan.partHeader, opts.ServerSideEncryption)
	var ra io.ReaderAt = readerAtOf{body}
	if r, ok := body.(io.ReaderAt); ok {
		ra = r
	}
	section := io.NewSectionReader(ra, start, size)
	cp, err := c.sendPart(ctx, plan, u.UploadID, &uploadPart{number: number, body: section, size: size})
	if err != nil {
		return Part{}, err
	}
	plan.progress.finish()
	p := Part{Number: cp.number, ETag: cp.etag, Size: cp.size}
	if cp.sum != nil {
		p.Checksum = checksum.Encode(cp.sum)
	}
	return p, nil
}

// readerAtOf reads a seeker at an offset, for a body read by one
// request at a time.
type readerAtOf struct{ r io.ReadSeeker }

func (r readerAtOf) ReadAt(p []byte, off int64) (int, error) {
	if _, err := r.r.Seek(off, io.SeekStart); err != nil {
		return 0, err
	}
	return io.ReadFull(r.r, p)
}

func checkUpload(u MultipartUpload) error {
	if err := checkObject(u.Bucket, u.Key); err != nil {
		return err
	}
	if u.UploadID == "" {
		return invalidArgument("upload id is empty")
	}
	return nil
}

// CompleteMultipartUploadOptions are the options of
// CompleteMultipartUpload.
type CompleteMultipartUploadOptions struct {
	// IfMatch and IfNoneMatch make the completion conditional on the
	// current object ("*" with IfNoneMatch: only if there is none).
	IfMatch, IfNoneMatch string
	// ServerSideEncryption is the upload's SSE-C key, when it has one.
	ServerSideEncryption ServerSideEncryption
}

// CompleteMultipartUpload makes the object of the parts, which must be
// in ascending order of number. With a combinable checksum (the CRCs)
// the object's checksum is computed from the parts' and checked against
// the one the server stores. It is not retried after a lost answer.
func (c *Client) CompleteMultipartUpload(ctx context.Context, u MultipartUpload, parts []Part, opts CompleteMultipartUploadOptions) (UploadInfo, error) {
	if err := checkUpload(u); err != nil {
		return UploadInfo{}, err
	}
	if len(parts) == 0 {
		return UploadInfo{}, invalidArgument("an upload needs at least one part")
	}
	done := make([]completedPart, len(parts))
	for i, p := range parts {
		if i > 0 && p.Number <= parts[i-1].Number {
			return UploadInfo{}, invalidArgument("part %d follows part %d; parts must ascend", p.Number, parts[i-1].Number)
		}
		done[i] = completedPart{number: p.Number, etag: trimETag(p.ETag), size: p.Size}
		if u.Checksum == "" {
			continue
		}
		sum, err := u.Checksum.Decode(p.Checksum)
		if err != nil {
			return UploadInfo{}, invalidArgument("part %d has no valid %s checksum: %v", p.Number, u.Checksum, err)
		}
		done[i].sum = sum
	}
	header := http.Header{}
	setIf(header, "If-Match", opts.IfMatch)
	setIf(header, "If-None-Match", opts.IfNoneMatch)
	setCustomerKeyHeaders(header, opts.ServerSideEncryption)
	return c.completeUpload(ctx, u.Bucket, u.Key, u.UploadID, done, u.Checksum, header)
}

// AbortMultipartUpload deletes an upload and its parts. An upload that
// no longer exists (completed, aborted, or expired by a lifecycle rule)
// is answered with the S3 error NoSuchUpload (404), which is returned:
// a caller for whom that means done tests
// ErrorCode(err) == "NoSuchUpload".
func (c *Client) AbortMultipartUpload(ctx context.Context, u MultipartUpload) error {
	if err := checkUpload(u); err != nil {
		return err
	}
	r := &request{method: http.MethodDelete, bucket: u.Bucket, key: u.Key, query: url.Values{"uploadId": {u.UploadID}}}
	_, err := c.doXML(ctx, r, nil)
	return err
}

type listPartsDoc struct {
	IsTruncated          bool `xml:"IsTruncated"`
	NextPartNumberMarker int  `xml:"NextPartNumberMarker"`
	Parts                []struct {
		PartNumber   int    `xml:"PartNumber"`
		LastModified string `xml:"LastModified"`
		ETag         string `xml:"ETag"`
		Size         int64  `xml:"Size"`
		partChecksums
	} `xml:"Part"`
}

// ListParts lists the stored parts of an upload in ascending order, page
// by page as the caller ranges over the result. A failed request is
// yielded as the error of the last pair.
func (c *Client) ListParts(ctx context.Context, u MultipartUpload) iter.Seq2[Part, error] {
	return func(yield func(Part, error) bool) {
		if err := checkUpload(u); err != nil {
			yield(Part{}, err)
			return
		}
		marker := 0
		for {
			q := url.Values{"uploadId": {u.UploadID}}
			if marker > 0 {
				q.Set("part-number-marker", strconv.Itoa(marker))
			}
			var doc listPartsDoc
			r := &request{method: http.MethodGet, bucket: u.Bucket, key: u.Key, query: q}
			if _, err := c.doResult(ctx, r, "ListPartsResult", &doc); err != nil {
				yield(Part{}, err)
				return
			}
			for _, dp := range doc.Parts {
				p := Part{Number: dp.PartNumber, ETag: trimETag(dp.ETag), Size: dp.Size, LastModified: parseListTime(dp.LastModified)}
				if u.Checksum != "" {
					p.Checksum = *dp.Field(u.Checksum)
				}
				if !yield(p, nil) {
					return
				}
			}
			if !doc.IsTruncated {
				return
			}
			if doc.NextPartNumberMarker <= marker {
				yield(Part{}, fmt.Errorf("client: part listing of upload %s is truncated but does not advance", u.UploadID))
				return
			}
			marker = doc.NextPartNumberMarker
		}
	}
}

// ListMultipartUploadsOptions are the options of ListMultipartUploads.
type ListMultipartUploadsOptions struct {
	// Prefix restricts the listing to keys that start with it.
	Prefix string
	// Delimiter, when set (usually "/"), leaves out the uploads of keys
	// that contain it after Prefix: S3 groups them into common prefixes,
	// which the listing does not yield. With "/" only the uploads of
	// keys directly under Prefix are listed; with "" every key under
	// Prefix.
	Delimiter string
}

type listUploadsDoc struct {
	IsTruncated        bool   `xml:"IsTruncated"`
	NextKeyMarker      string `xml:"NextKeyMarker"`
	NextUploadIDMarker string `xml:"NextUploadIdMarker"`
	Uploads            []struct {
		Key               string `xml:"Key"`
		UploadID          string `xml:"UploadId"`
		StorageClass      string `xml:"StorageClass"`
		Initiated         string `xml:"Initiated"`
		ChecksumAlgorithm string `xml:"ChecksumAlgorithm"`
		ChecksumType      string `xml:"ChecksumType"`
	} `xml:"Upload"`
}

// ListMultipartUploads lists the uploads in progress in a bucket, by key
// and then by creation, page by page as the caller ranges over the
// result. A failed request is yielded as the error of the last pair.
// With opts.Delimiter the uploads under common prefixes are left out.
func (c *Client) ListMultipartUploads(ctx context.Context, bucket string, opts ListMultipartUploadsOptions) iter.Seq2[MultipartUpload, error] {
	return func(yield func(MultipartUpload, error) bool) {
		if err := checkBucket(bucket); err != nil {
			yield(MultipartUpload{}, err)
			return
		}
		var keyMarker, idMarker string
		for {
			q := subresource("uploads")
			setIfValue(q, "prefix", opts.Prefix)
			setIfValue(q, "delimiter", opts.Delimiter)
			// After a page that ended with a common prefix, the key
			// marker is that prefix and there is no upload-id marker;
			// the server continues past every key under it.
			setIfValue(q, "key-marker", keyMarker)
			setIfValue(q, "upload-id-marker", idMarker)
			var doc listUploadsDoc
			r := &request{method: http.MethodGet, bucket: bucket, query: q}
			if _, err := c.doResult(ctx, r, "ListMultipartUploadsResult", &doc); err != nil {
				yield(MultipartUpload{}, err)
				return
			}
			for _, du := range doc.Uploads {
				u := MultipartUpload{
					Bucket: bucket, Key: du.Key, UploadID: du.UploadID, Initiated: parseListTime(du.Initiated),
					StorageClass: du.StorageClass, Checksum: checksum.Algorithm(du.ChecksumAlgorithm), ChecksumType: du.ChecksumType,
				}
				if !yield(u, nil) {
					return
				}
			}
			if !doc.IsTruncated {
				return
			}
			if doc.NextKeyMarker == keyMarker && doc.NextUploadIDMarker == idMarker {
				yield(MultipartUpload{}, fmt.Errorf("client: upload listing of %s is truncated but does not advance", bucket))
				return
			}
			keyMarker, idMarker = doc.NextKeyMarker, doc.NextUploadIDMarker
		}
	}
}

func setIfValue(q url.Values, name, value string) {
	if value != "" {
		q.Set(name, value)
	}
}
