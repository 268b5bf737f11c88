package httpapi

import (
	"bytes"
	"errors"
	"io"
	"net/http"

	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/cors"
	"github.com/kurastore/kura/wire/notification"
	"github.com/kurastore/kura/wire/policy"
)

// Names of the bucket configuration documents in the object layer.
const (
	configTagging      = "tagging"
	configPolicy       = "policy"
	configCORS         = "cors"
	configNotification = "notification"
)

// Size limits of the documents, as AWS sets them.
const (
	maxPolicyBody = 20 << 10
	maxCORSBody   = 64 << 10
)

// storedConfig reads a document, mapping its absence to missing.
func (s *Server) storedConfig(rq *request, name string, missing error) ([]byte, error) {
	doc, err := s.objects.BucketConfig(rq.ctx, rq.bucket, name)
	if errors.Is(err, object.ErrNoConfig) {
		return nil, missing
	}
	return doc, err
}

func (s *Server) deleteBucketConfig(rq *request, name string) (response, error) {
	if err := s.objects.SetBucketConfig(rq.ctx, rq.bucket, name, nil); err != nil {
		return nil, err
	}
	return emptyResponse{status: http.StatusNoContent}, nil
}

func (s *Server) getBucketPolicy(rq *request) (response, error) {
	doc, err := s.storedConfig(rq, configPolicy, s3err.ErrNoSuchBucketPolicy)
	if err != nil {
		return nil, err
	}
	return documentResponse{contentType: "application/json", body: doc}, nil
}

// putBucketPolicy stores the policy exactly as sent, once it parses and
// names only this bucket: GetBucketPolicy returns the same bytes.
func (s *Server) putBucketPolicy(rq *request) (response, error) {
	data, err := readBounded(rq, maxPolicyBody)
	if err != nil {
		return nil, err
	}
	if len(data) == 0 {
		return nil, s3err.ErrMissingRequestBody
	}
	p, err := policy.Parse(data)
	if err != nil {
		return nil, err
	}
	if err := p.ValidateForBucket(rq.bucket); err != nil {
		return nil, err
	}
	if err := s.checkPublicPolicy(rq, p); err != nil {
		return nil, err
	}
	// Forgotten even when the commit reports an error: it may have
	// happened all the same.
	defer s.policies.forget(rq.bucket)
	if err := s.objects.SetBucketConfig(rq.ctx, rq.bucket, configPolicy, data); err != nil {
		return nil, err
	}
	return emptyResponse{status: http.StatusNoContent}, nil
}

func (s *Server) deleteBucketPolicy(rq *request) (response, error) {
	defer s.policies.forget(rq.bucket)
	return s.deleteBucketConfig(rq, configPolicy)
}

func (s *Server) getBucketNotification(rq *request) (response, error) {
	doc, err := s.storedConfig(rq, configNotification, nil)
	if err != nil {
		return nil, err
	}
	if doc == nil {
		// Every bucket has a notification configuration: empty until set.
		return xmlResponse{doc: &notification.Configuration{}}, nil
	}
	return rawXMLResponse(doc), nil
}

func (s *Server) putBucketNotification(rq *request) (response, error) {
	validate := func(c *notification.Configuration) error {
		if err := c.Validate(); err != nil {
			return err
		}
		return s.checkDestinations(rq.ctx, c)
	}
	if err := putDocument(s, rq, configNotification, maxConfigBody, notification.Parse, validate); err != nil {
		return nil, err
	}
	return emptyResponse{status: http.StatusOK}, nil
}

// document is a configuration document the server stores in its own
// canonical encoding.
type document interface {
	Encode() ([]byte, error)
}

// putDocument reads a bounded body, parses and validates it, and stores
// its canonical encoding as the bucket's document name.
func putDocument[D document](s *Server, rq *request, name string, limit int64, parse func(io.Reader) (D, error), validate func(D) error) error {
	data, err := readBounded(rq, limit)
	if err != nil {
		return err
	}
	doc, err := parse(bytes.NewReader(data))
	if err != nil {
		return err
	}
	if err := validate(doc); err != nil {
		return err
	}
	encoded, err := doc.Encode()
	if err != nil {
		return err
	}
	return s.objects.SetBucketConfig(rq.ctx, rq.bucket, name, encoded)
}

func (s *Server) getBucketCORS(rq *request) (response, error) {
	doc, err := s.storedConfig(rq, configCORS, s3err.ErrNoSuchCORSConfiguration)
	if err != nil {
		return nil, err
	}
	return rawXMLResponse(doc), nil
}

func (s *Server) putBucketCORS(rq *request) (response, error) {
	if err := putDocument(s, rq, configCORS, maxCORSBody, cors.Parse, (*cors.Configuration).Validate); err != nil {
		return nil, err
	}
	return emptyResponse{status: http.StatusOK}, nil
}

func (s *Server) deleteBucketCORS(rq *request) (response, error) {
	return s.deleteBucketConfig(rq, configCORS)
}
