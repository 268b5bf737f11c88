package httpapi

import (
	"context"
	"encoding/xml"
	"errors"
	"net/http"

	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/policy"
)

// S3 Block Public Access, per bucket (?publicAccessBlock), and the bucket
// policy status (?policyStatus).
//
// BlockPublicAcls refuses a write of a public ACL (one granting anything
// to AllUsers or AuthenticatedUsers) to the bucket or its objects;
// IgnorePublicAcls makes such grants count for nothing in access
// decisions (acl.go, aclauthz.go). BlockPublicPolicy refuses a public
// bucket policy; RestrictPublicBuckets keeps a public bucket policy from
// granting anything to anonymous callers. Every kura user belongs to the
// bucket owner's account, which AWS's restriction still lets in.

const configPublicAccessBlock = "publicAccessBlock"

type publicAccessBlock struct {
	XMLName               xml.Name `xml:"PublicAccessBlockConfiguration"`
	Xmlns                 string   `xml:"xmlns,attr,omitempty"`
	BlockPublicAcls       bool     `xml:"BlockPublicAcls"`
	IgnorePublicAcls      bool     `xml:"IgnorePublicAcls"`
	BlockPublicPolicy     bool     `xml:"BlockPublicPolicy"`
	RestrictPublicBuckets bool     `xml:"RestrictPublicBuckets"`
}

func parsePublicAccessBlock(data []byte) (publicAccessBlock, error) {
	var c publicAccessBlock
	if len(data) == 0 {
		return c, s3err.ErrMissingRequestBody
	}
	if err := xml.Unmarshal(data, &c); err != nil {
		return c, s3err.ErrMalformedXML
	}
	return c, nil
}

// publicAccess reads the bucket's configuration; a bucket without one
// (or a bucket that does not exist, which the operation itself answers)
// blocks nothing. Any other failure is an error, never "blocks nothing":
// a public policy must not take effect because a read failed.
func (s *Server) publicAccess(ctx context.Context, bucket string) (publicAccessBlock, error) {
	doc, err := s.objects.BucketConfig(ctx, bucket, configPublicAccessBlock)
	switch {
	case errors.Is(err, object.ErrNoConfig), errors.Is(err, s3err.ErrNoSuchBucket):
		return publicAccessBlock{}, nil
	case err != nil:
		return publicAccessBlock{}, err
	}
	return parsePublicAccessBlock(doc)
}

func (s *Server) getPublicAccessBlock(rq *request) (response, error) {
	doc, err := s.storedConfig(rq, configPublicAccessBlock, s3err.ErrNoSuchPublicAccessBlock)
	if err != nil {
		return nil, err
	}
	return rawXMLResponse(doc), nil
}

func (s *Server) putPublicAccessBlock(rq *request) (response, error) {
	data, err := readBounded(rq, maxConfigBody)
	if err != nil {
		return nil, err
	}
	c, err := parsePublicAccessBlock(data)
	if err != nil {
		return nil, err
	}
	c.Xmlns = s3Namespace
	encoded, err := xml.Marshal(c)
	if err != nil {
		return nil, err
	}
	if err := s.objects.SetBucketConfig(rq.ctx, rq.bucket, configPublicAccessBlock, encoded); err != nil {
		return nil, err
	}
	return emptyResponse{status: http.StatusOK}, nil
}

func (s *Server) deletePublicAccessBlock(rq *request) (response, error) {
	return s.deleteBucketConfig(rq, configPublicAccessBlock)
}

type policyStatus struct {
	XMLName  xml.Name `xml:"PolicyStatus"`
	Xmlns    string   `xml:"xmlns,attr"`
	IsPublic bool     `xml:"IsPublic"`
}

// getBucketPolicyStatus says whether the bucket policy is public; a bucket
// without a policy is not.
func (s *Server) getBucketPolicyStatus(rq *request) (response, error) {
	if _, err := s.objects.Bucket(rq.ctx, rq.bucket); err != nil {
		return nil, err
	}
	p, err := s.bucketPolicy(rq.ctx, rq.bucket)
	if err != nil {
		return nil, err
	}
	return xmlResponse{doc: policyStatus{Xmlns: s3Namespace, IsPublic: p.IsPublic()}}, nil
}

// checkPublicPolicy refuses a public policy on a bucket that blocks them.
func (s *Server) checkPublicPolicy(rq *request, p *policy.Policy) error {
	if !p.IsPublic() {
		return nil
	}
	block, err := s.publicAccess(rq.ctx, rq.bucket)
	if err != nil {
		return err
	}
	if block.BlockPublicPolicy {
		return s3err.ErrAccessDenied
	}
	return nil
}
