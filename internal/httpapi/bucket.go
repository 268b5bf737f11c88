package httpapi

import (
	"strings"

	"bytes"
	"crypto/md5"
	"encoding/xml"
	"io"
	"net/http"
	"time"

	"github.com/kurastore/kura/internal/object"

	"github.com/kurastore/kura/s3err"
)

// maxConfigBody bounds XML configuration bodies (CreateBucket and the
// like); S3's own documents are far smaller.
const maxConfigBody = 1 << 20

const isoMillis = "2006-01-02T15:04:05.000Z"

type listAllMyBucketsResult struct {
	XMLName xml.Name     `xml:"ListAllMyBucketsResult"`
	Xmlns   string       `xml:"xmlns,attr"`
	Owner   owner        `xml:"Owner"`
	Buckets []bucketItem `xml:"Buckets>Bucket"`
}

type bucketItem struct {
	Name         string `xml:"Name"`
	CreationDate string `xml:"CreationDate"`
	BucketRegion string `xml:"BucketRegion,omitempty"`
}

func (s *Server) listBuckets(rq *request) (response, error) {
	buckets, err := s.objects.ListBuckets(rq.ctx)
	if err != nil {
		return nil, err
	}
	doc := listAllMyBucketsResult{Xmlns: s3Namespace, Owner: s.owner(), Buckets: []bucketItem{}}
	for _, b := range buckets {
		doc.Buckets = append(doc.Buckets, bucketItem{Name: b.Name, CreationDate: b.Created.Format(isoMillis), BucketRegion: b.Region})
	}
	return xmlResponse{doc: doc}, nil
}

type createBucketConfiguration struct {
	XMLName            xml.Name `xml:"CreateBucketConfiguration"`
	LocationConstraint string   `xml:"LocationConstraint"`
}

// readBounded reads a whole request body of at most limit bytes, and
// checks its Content-MD5 when one is sent. Larger bodies are refused
// before anything is parsed.
func readBounded(rq *request, limit int64) ([]byte, error) {
	if rq.body == nil {
		return nil, nil
	}
	data, err := io.ReadAll(io.LimitReader(rq.body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, s3err.ErrRequestBodyTooLarge
	}
	want, err := contentMD5(rq.http.Header)
	if err != nil {
		return nil, err
	}
	if got := md5.Sum(data); want != nil && !bytes.Equal(got[:], want) {
		return nil, s3err.ErrBadDigest
	}
	return data, nil
}

// readXML decodes a bounded XML request body into v. An empty body is
// allowed when optional is set.
func readXML(rq *request, v any, optional bool, limit int64) (empty bool, err error) {
	data, err := readBounded(rq, limit)
	if err != nil {
		return false, err
	}
	if len(data) == 0 {
		if optional {
			return true, nil
		}
		return true, s3err.ErrMissingRequestBody
	}
	if err := xml.Unmarshal(data, v); err != nil {
		return false, s3err.ErrMalformedXML
	}
	return false, nil
}

func (s *Server) createBucket(rq *request) (response, error) {
	var cfg createBucketConfiguration
	if _, err := readXML(rq, &cfg, true, maxConfigBody); err != nil {
		return nil, err
	}
	region := cfg.LocationConstraint
	if region != "" && region != s.region {
		return nil, s3err.ErrInvalidLocationConstraint.WithMessage("The %s location constraint is not valid for this server, which serves %s.", region, s.region)
	}
	opts := object.CreateBucketOptions{Region: region, ObjectLock: strings.EqualFold(rq.http.Header.Get("x-amz-bucket-object-lock-enabled"), "true")}
	if err := s.objects.CreateBucket(rq.ctx, rq.bucket, opts); err != nil {
		return nil, err
	}
	return emptyResponse{status: http.StatusOK, headers: headers{{"Location", "/" + rq.bucket}}}, nil
}

func (s *Server) headBucket(rq *request) (response, error) {
	info, err := s.objects.Bucket(rq.ctx, rq.bucket)
	if err != nil {
		return nil, err
	}
	return emptyResponse{status: http.StatusOK, headers: headers{{"x-amz-bucket-region", info.Region}}}, nil
}

func (s *Server) deleteBucket(rq *request) (response, error) {
	if err := s.objects.DeleteBucket(rq.ctx, rq.bucket); err != nil {
		return nil, err
	}
	s.policies.forget(rq.bucket)
	return emptyResponse{status: http.StatusNoContent}, nil
}

type locationConstraint struct {
	XMLName xml.Name `xml:"LocationConstraint"`
	Xmlns   string   `xml:"xmlns,attr"`
	Region  string   `xml:",chardata"`
}

func (s *Server) getBucketLocation(rq *request) (response, error) {
	info, err := s.objects.Bucket(rq.ctx, rq.bucket)
	if err != nil {
		return nil, err
	}
	region := info.Region
	if region == "us-east-1" {
		region = "" // S3 reports the classic region as an empty constraint
	}
	return xmlResponse{doc: locationConstraint{Xmlns: s3Namespace, Region: region}}, nil
}

func formatHTTPTime(t time.Time) string { return t.UTC().Format(http.TimeFormat) }
