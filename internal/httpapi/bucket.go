package httpapi

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kurastore/kura/internal/object"

	"github.com/kurastore/kura/s3err"
)

// maxConfigBody bounds XML configuration bodies (CreateBucket and the
// like); S3's own documents are far smaller.
const maxConfigBody = 1 << 20

const isoMillis = "2006-01-02T15:04:05.000Z"

type listAllMyBucketsResult struct {
	XMLName           xml.Name     `xml:"ListAllMyBucketsResult"`
	Xmlns             string       `xml:"xmlns,attr"`
	Owner             owner        `xml:"Owner"`
	Buckets           []bucketItem `xml:"Buckets>Bucket"`
	ContinuationToken string       `xml:"ContinuationToken,omitempty"`
	Prefix            string       `xml:"Prefix,omitempty"`
}

type bucketItem struct {
	Name         string `xml:"Name"`
	CreationDate string `xml:"CreationDate"`
	BucketRegion string `xml:"BucketRegion,omitempty"`
}

// maxListBuckets is the largest max-buckets ListBuckets accepts, as on
// AWS.
const maxListBuckets = 10000

// listBuckets lists the buckets in name order, all of them unless the
// request pages with max-buckets and continuation-token, or filters with
// prefix and bucket-region. The continuation token is the last name of
// the page, encoded.
func (s *Server) listBuckets(rq *request) (response, error) {
	q := rq.http.URL.Query()
	limit := 0
	if q.Has("max-buckets") {
		n, err := strconv.Atoi(q.Get("max-buckets"))
		if err != nil || n < 1 || n > maxListBuckets {
			return nil, s3err.ErrInvalidArgument.WithMessage("max-buckets must be an integer from 1 to %d.", maxListBuckets)
		}
		limit = n
	}
	after := ""
	if q.Has("continuation-token") {
		raw, err := base64.RawURLEncoding.DecodeString(q.Get("continuation-token"))
		if err != nil || len(raw) == 0 {
			return nil, s3err.ErrInvalidArgument.WithMessage("The continuation token provided is incorrect.")
		}
		after = string(raw)
	}
	prefix, region := q.Get("prefix"), q.Get("bucket-region")
	buckets, err := s.objects.ListBuckets(rq.ctx)
	if err != nil {
		return nil, err
	}
	sort.Slice(buckets, func(i, j int) bool { return buckets[i].Name < buckets[j].Name })
	doc := listAllMyBucketsResult{Xmlns: s3Namespace, Owner: s.callerOwner(rq), Buckets: []bucketItem{}, Prefix: prefix}
	for _, b := range buckets {
		if b.Name <= after || !strings.HasPrefix(b.Name, prefix) || (region != "" && b.Region != region) {
			continue
		}
		if limit > 0 && len(doc.Buckets) == limit {
			doc.ContinuationToken = base64.RawURLEncoding.EncodeToString([]byte(doc.Buckets[limit-1].Name))
			break
		}
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
	if err := checkReservedBucketName(rq.bucket); err != nil {
		return nil, err
	}
	var cfg createBucketConfiguration
	if _, err := readXML(rq, &cfg, true, maxConfigBody); err != nil {
		return nil, err
	}
	region, err := s.locationRegion(cfg.LocationConstraint)
	if err != nil {
		return nil, err
	}
	if err := s.checkCreateRegion(rq, region); err != nil {
		return nil, err
	}
	// A bucket with ACLs disabled asked to be created public is refused,
	// as AWS refuses it, rather than made private silently.
	owner := s.callerID(rq)
	configs, err := s.newBucketConfigs(rq, owner)
	if errors.Is(err, s3err.ErrInvalidBucketACLWithObjectOwnership) && s.bucketExists(rq) {
		// The ACL would only have been refused for a new bucket: an
		// existing one answers as any re-creation does, and keeps its ACL.
		// rclone with acl = public-read re-creates its bucket so before
		// uploading into it.
		if !s.legacyRecreate(rq, region, s3err.ErrBucketAlreadyOwnedByYou) {
			return nil, s3err.ErrBucketAlreadyOwnedByYou
		}
		return bucketCreated(rq), nil
	}
	if err != nil {
		return nil, err
	}
	opts := object.CreateBucketOptions{Region: region, ObjectLock: strings.EqualFold(rq.http.Header.Get("x-amz-bucket-object-lock-enabled"), "true"), Owner: owner, Configs: configs}
	if err := s.objects.CreateBucket(rq.ctx, rq.bucket, opts); err != nil && !s.legacyRecreate(rq, region, err) {
		return nil, err
	}
	return bucketCreated(rq), nil
}

func bucketCreated(rq *request) response {
	return emptyResponse{status: http.StatusOK, headers: headers{{"Location", "/" + rq.bucket}}}
}

// legacyRecreate reports whether err is the caller's re-creation of its
// own bucket in us-east-1, which S3 answers 200 and leaves the bucket as
// it is; every other region answers BucketAlreadyOwnedByYou (CreateBucket,
// "Errors").
func (s *Server) legacyRecreate(rq *request, region string, err error) bool {
	const legacyRegion = "us-east-1"
	if region == "" {
		region = s.region
	}
	if !errors.Is(err, s3err.ErrBucketAlreadyOwnedByYou) || region != legacyRegion {
		return false
	}
	info, err := s.objects.Bucket(rq.ctx, rq.bucket)
	return err == nil && info.Region == legacyRegion
}

// bucketExists reports whether the request's bucket exists; a failed
// lookup counts as absent, leaving the caller's own error to answer.
func (s *Server) bucketExists(rq *request) bool {
	_, err := s.objects.Bucket(rq.ctx, rq.bucket)
	return err == nil
}

func (s *Server) headBucket(rq *request) (response, error) {
	info, err := s.objects.Bucket(rq.ctx, rq.bucket)
	if err != nil {
		return nil, err
	}
	return emptyResponse{status: http.StatusOK, headers: headers{{"x-amz-bucket-region", info.Region}}}, nil
}

func (s *Server) deleteBucket(rq *request) (response, error) {
	defer s.policies.forget(rq.bucket) // even after an error: see putBucketPolicy
	defer s.loggingStatuses.forget(rq.bucket)
	if err := s.objects.DeleteBucket(rq.ctx, rq.bucket); err != nil {
		return nil, err
	}
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
