package httpapi

import (
	"net/http"

	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/website"
)

// configWebsite names the bucket's website configuration document in
// the object layer.
const configWebsite = "website"

func (s *Server) getBucketWebsite(rq *request) (response, error) {
	doc, err := s.storedConfig(rq, configWebsite, s3err.ErrNoSuchWebsiteConfiguration)
	if err != nil {
		return nil, err
	}
	return rawXMLResponse(doc), nil
}

func (s *Server) putBucketWebsite(rq *request) (response, error) {
	if err := putDocument(s, rq, configWebsite, website.MaxDocumentSize, website.Parse, (*website.Configuration).Validate); err != nil {
		return nil, err
	}
	return emptyResponse{status: http.StatusOK}, nil
}

func (s *Server) deleteBucketWebsite(rq *request) (response, error) {
	return s.deleteBucketConfig(rq, configWebsite)
}
