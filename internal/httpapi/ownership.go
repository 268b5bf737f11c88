package httpapi

import (
	"encoding/xml"
	"net/http"

	"github.com/kurastore/kura/s3err"
)

// Object ownership (?ownershipControls). Every kura bucket has ACLs
// disabled and owns every object written to it: AWS's BucketOwnerEnforced,
// the default of new buckets since April 2023. GetBucketOwnershipControls
// says so; PutBucketOwnershipControls accepts that setting, and refuses
// the ACL-enabling ones (BucketOwnerPreferred, ObjectWriter) and
// DeleteBucketOwnershipControls, which would turn ACLs on, as not
// implemented rather than pretend to honour them.

const ownerEnforced = "BucketOwnerEnforced"

type ownershipControls struct {
	XMLName xml.Name `xml:"OwnershipControls"`
	Xmlns   string   `xml:"xmlns,attr,omitempty"`
	Rules   []struct {
		ObjectOwnership string `xml:"ObjectOwnership"`
	} `xml:"Rule"`
}

var errACLsAlwaysDisabled = s3err.ErrNotImplemented.WithMessage("Buckets have ACLs disabled: object ownership is always BucketOwnerEnforced.")

func (s *Server) getBucketOwnershipControls(rq *request) (response, error) {
	if _, err := s.objects.Bucket(rq.ctx, rq.bucket); err != nil {
		return nil, err
	}
	doc := ownershipControls{Xmlns: s3Namespace}
	doc.Rules = append(doc.Rules, struct {
		ObjectOwnership string `xml:"ObjectOwnership"`
	}{ownerEnforced})
	return xmlResponse{doc: doc}, nil
}

func (s *Server) putBucketOwnershipControls(rq *request) (response, error) {
	var doc ownershipControls
	if _, err := readXML(rq, &doc, false, maxConfigBody); err != nil {
		return nil, err
	}
	if len(doc.Rules) != 1 {
		return nil, s3err.ErrMalformedXML
	}
	switch doc.Rules[0].ObjectOwnership {
	case ownerEnforced:
	case "BucketOwnerPreferred", "ObjectWriter":
		return nil, errACLsAlwaysDisabled
	default:
		return nil, s3err.ErrMalformedXML
	}
	if _, err := s.objects.Bucket(rq.ctx, rq.bucket); err != nil {
		return nil, err
	}
	return emptyResponse{status: http.StatusOK}, nil
}

func (s *Server) deleteBucketOwnershipControls(rq *request) (response, error) {
	if _, err := s.objects.Bucket(rq.ctx, rq.bucket); err != nil {
		return nil, err
	}
	return nil, errACLsAlwaysDisabled
}
