package client

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/kurastore/kura/checksum"
)

// ObjectAttributesOptions are the options of GetObjectAttributes.
type ObjectAttributesOptions struct {
	// VersionID selects a version instead of the latest (which S3
	// authorizes as s3:GetObjectVersionAttributes).
	VersionID string
	// ServerSideEncryption is the SSE-C key of an object stored with
	// one; only SSEC keys are accepted.
	ServerSideEncryption ServerSideEncryption
}

// ObjectAttributes is what GetObjectAttributes reports of an object.
type ObjectAttributes struct {
	// ETag is the entity tag without its quotes.
	ETag         string
	Size         int64
	StorageClass string
	LastModified time.Time
	VersionID    string
	// Checksums are the object's stored checksums (base64), nil when it
	// has none; ChecksumType is FULL_OBJECT or COMPOSITE. A COMPOSITE
	// checksum is the bare digest, without the "-N" part count.
	Checksums    map[checksum.Algorithm]string
	ChecksumType string
	// PartsCount is the number of parts of a multipart object, 0 for an
	// object uploaded in one request; Parts are those parts.
	PartsCount int
	Parts      []ObjectPart
}

// ObjectPart is a part of a multipart object.
type ObjectPart struct {
	Number int
	Size   int64
	// Checksum is the part's checksum (base64) in the object's
	// algorithm; "" when it has none.
	Checksum string
}

// allObjectAttributes is the x-amz-object-attributes list: everything.
const allObjectAttributes = "ETag,Checksum,ObjectParts,StorageClass,ObjectSize"

type objectAttributesDoc struct {
	ETag     string `xml:"ETag"`
	Checksum *struct {
		checksum.Elements
		ChecksumType string `xml:"ChecksumType"`
	} `xml:"Checksum"`
	ObjectParts *struct {
		PartsCount           int  `xml:"PartsCount"`
		NextPartNumberMarker int  `xml:"NextPartNumberMarker"`
		IsTruncated          bool `xml:"IsTruncated"`
		Parts                []struct {
			checksum.Elements
			PartNumber int   `xml:"PartNumber"`
			Size       int64 `xml:"Size"`
		} `xml:"Part"`
	} `xml:"ObjectParts"`
	StorageClass string `xml:"StorageClass"`
	ObjectSize   int64  `xml:"ObjectSize"`
}

// GetObjectAttributes returns an object's size, ETag, checksums, storage
// class and parts without its data (S3's GetObjectAttributes). It reads
// every part, one request per 1,000 of them.
func (c *Client) GetObjectAttributes(ctx context.Context, bucket, key string, opts ObjectAttributesOptions) (ObjectAttributes, error) {
	if err := checkObject(bucket, key); err != nil {
		return ObjectAttributes{}, err
	}
	if err := checkKeyOnly(opts.ServerSideEncryption, "a read"); err != nil {
		return ObjectAttributes{}, err
	}
	if err := c.checkSSETransport(opts.ServerSideEncryption); err != nil {
		return ObjectAttributes{}, err
	}
	var attrs ObjectAttributes
	marker := 0
	for {
		doc, h, err := c.objectAttributesPage(ctx, bucket, key, opts, marker)
		if err != nil {
			return ObjectAttributes{}, err
		}
		if marker == 0 {
			attrs = ObjectAttributes{
				ETag: trimETag(doc.ETag), Size: doc.ObjectSize, StorageClass: doc.StorageClass,
				VersionID: h.Get("x-amz-version-id"),
			}
			attrs.LastModified, _ = http.ParseTime(h.Get("Last-Modified"))
			if doc.Checksum != nil {
				attrs.Checksums, attrs.ChecksumType = doc.Checksum.Values(), doc.Checksum.ChecksumType
			}
		}
		p := doc.ObjectParts
		if p == nil {
			return attrs, nil
		}
		attrs.PartsCount = p.PartsCount
		for _, part := range p.Parts {
			op := ObjectPart{Number: part.PartNumber, Size: part.Size}
			for _, v := range part.Values() {
				op.Checksum = v
			}
			attrs.Parts = append(attrs.Parts, op)
		}
		if !p.IsTruncated {
			return attrs, nil
		}
		// Part numbers end at maxPartNumber: a page must advance
		// toward it.
		if p.NextPartNumberMarker <= marker || p.NextPartNumberMarker >= maxPartNumber {
			return ObjectAttributes{}, fmt.Errorf("client: the parts of %s are truncated at marker %d but do not advance", key, p.NextPartNumberMarker)
		}
		marker = p.NextPartNumberMarker
	}
}

// objectAttributesPage asks for every attribute, with the parts after
// marker.
func (c *Client) objectAttributesPage(ctx context.Context, bucket, key string, opts ObjectAttributesOptions, marker int) (*objectAttributesDoc, http.Header, error) {
	r := configRequest(http.MethodGet, bucket, key, "attributes", opts.VersionID)
	r.header.Set("x-amz-object-attributes", allObjectAttributes)
	if marker > 0 {
		r.header.Set("x-amz-part-number-marker", strconv.Itoa(marker))
	}
	setCustomerKeyHeaders(r.header, opts.ServerSideEncryption)
	var doc objectAttributesDoc
	h, err := c.doResult(ctx, r, "GetObjectAttributesResponse", &doc)
	if err != nil {
		return nil, nil, err
	}
	return &doc, h, nil
}
