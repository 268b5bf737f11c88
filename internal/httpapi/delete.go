package httpapi

import (
	"encoding/xml"

	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/s3err"
)

// maxDeleteBody bounds a DeleteObjects document: 1000 keys of 1024 bytes,
// XML-escaped, with room for version ids.
const maxDeleteBody = 8 << 20

type deleteRequest struct {
	XMLName xml.Name `xml:"Delete"`
	Quiet   bool     `xml:"Quiet"`
	Objects []struct {
		Key       string `xml:"Key"`
		VersionID string `xml:"VersionId"`
	} `xml:"Object"`
}

type deleteResult struct {
	XMLName xml.Name        `xml:"DeleteResult"`
	Xmlns   string          `xml:"xmlns,attr"`
	Deleted []deletedObject `xml:"Deleted"`
	Errors  []deleteError   `xml:"Error"`
}

type deletedObject struct {
	Key       string `xml:"Key"`
	VersionID string `xml:"VersionId,omitempty"`
}

type deleteError struct {
	Key     string `xml:"Key"`
	Code    string `xml:"Code"`
	Message string `xml:"Message"`
}

func (s *Server) deleteObjects(rq *request) (response, error) {
	data, err := readBounded(rq, maxDeleteBody)
	if err != nil {
		return nil, err
	}
	var req deleteRequest
	if err := xml.Unmarshal(data, &req); err != nil {
		return nil, s3err.ErrMalformedXML
	}
	if len(req.Objects) == 0 || len(req.Objects) > object.MaxDeleteKeys {
		return nil, s3err.ErrMalformedXML
	}
	keys := make([]string, len(req.Objects))
	for i, o := range req.Objects {
		keys[i] = o.Key
	}
	results, err := s.objects.DeleteObjects(rq.ctx, rq.bucket, keys)
	if err != nil {
		return nil, err
	}
	doc := deleteResult{Xmlns: s3Namespace}
	for i, o := range req.Objects {
		if results[i] != nil {
			e := s3err.From(results[i])
			doc.Errors = append(doc.Errors, deleteError{Key: o.Key, Code: e.Code, Message: e.Message})
			continue
		}
		if !req.Quiet {
			doc.Deleted = append(doc.Deleted, deletedObject{Key: o.Key, VersionID: o.VersionID})
		}
	}
	return xmlResponse{doc: doc}, nil
}
