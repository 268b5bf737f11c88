package httpapi

import (
	"bytes"
	"errors"
	"net/http"

	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/tagging"
)

// maxTaggingBody bounds a Tagging document: 50 tags of 128 + 256
// characters, in UTF-8 and XML, fit well within it.
const maxTaggingBody = 64 << 10

// tagsFromHeader reads x-amz-tagging (PUT, CreateMultipartUpload, and
// CopyObject with tagging directive REPLACE).
func tagsFromHeader(h http.Header) (map[string]string, error) {
	v := h.Get("x-amz-tagging")
	if v == "" {
		return nil, nil
	}
	t, err := tagging.ParseQuery(v)
	if err != nil {
		return nil, err
	}
	if err := t.ValidateObject(); err != nil {
		return nil, err
	}
	return t.Map(), nil
}

// parseTaggingDocument reads an object's Tagging document (the form field
// of a browser upload).
func parseTaggingDocument(data []byte) (map[string]string, error) {
	t, err := tagging.Parse(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	if err := t.ValidateObject(); err != nil {
		return nil, err
	}
	return t.Map(), nil
}

func (s *Server) getObjectTagging(rq *request) (response, error) {
	tags, vid, err := s.objects.GetObjectTags(rq.ctx, rq.bucket, rq.key, versionID(rq))
	if err != nil {
		return nil, err
	}
	return xmlResponse{headers: taggedVersionHeader(vid), doc: tagging.FromMap(tags)}, nil
}

func (s *Server) putObjectTagging(rq *request) (response, error) {
	data, err := readBounded(rq, maxTaggingBody)
	if err != nil {
		return nil, err
	}
	tags, err := parseTaggingDocument(data)
	if err != nil {
		return nil, err
	}
	vid, err := s.objects.PutObjectTags(rq.ctx, rq.bucket, rq.key, versionID(rq), tags)
	if err != nil {
		return nil, err
	}
	return emptyResponse{status: http.StatusOK, headers: taggedVersionHeader(vid)}, nil
}

func (s *Server) deleteObjectTagging(rq *request) (response, error) {
	vid, err := s.objects.DeleteObjectTags(rq.ctx, rq.bucket, rq.key, versionID(rq))
	if err != nil {
		return nil, err
	}
	return emptyResponse{status: http.StatusNoContent, headers: taggedVersionHeader(vid)}, nil
}

// taggedVersionHeader names the version whose tags an object tagging
// request read or changed, as AWS does in a bucket that has versioning
// (the null version included); a bucket never versioned has none.
func taggedVersionHeader(vid string) headers {
	if vid == "" {
		return nil
	}
	return headers{{"x-amz-version-id", vid}}
}

func (s *Server) getBucketTagging(rq *request) (response, error) {
	doc, err := s.objects.BucketConfig(rq.ctx, rq.bucket, configTagging)
	if errors.Is(err, object.ErrNoConfig) {
		return nil, s3err.ErrNoSuchTagSet
	}
	if err != nil {
		return nil, err
	}
	return rawXMLResponse(doc), nil
}

func (s *Server) putBucketTagging(rq *request) (response, error) {
	if err := putDocument(s, rq, configTagging, maxTaggingBody, tagging.Parse, (*tagging.Tagging).ValidateBucket); err != nil {
		return nil, err
	}
	return emptyResponse{status: http.StatusNoContent}, nil
}

func (s *Server) deleteBucketTagging(rq *request) (response, error) {
	return s.deleteBucketConfig(rq, configTagging)
}
