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
	Key                   string `xml:"Key"`
	VersionID             string `xml:"VersionId,omitempty"`
	DeleteMarker          bool   `xml:"DeleteMarker,omitempty"`
	DeleteMarkerVersionID string `xml:"DeleteMarkerVersionId,omitempty"`
}

type deleteError struct {
	Key       string `xml:"Key"`
	VersionID string `xml:"VersionId,omitempty"`
	Code      string `xml:"Code"`
	Message   string `xml:"Message"`
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
	bypass := s.bypassGovernance(rq)
	objs := make([]object.ObjectToDelete, len(req.Objects))
	for i, o := range req.Objects {
		objs[i] = object.ObjectToDelete{Key: o.Key, VersionID: o.VersionID, BypassGovernance: bypass}
	}
	results, err := s.objects.DeleteObjects(rq.ctx, rq.bucket, objs)
	if err != nil {
		return nil, err
	}
	doc := deleteResult{Xmlns: s3Namespace}
	for i, o := range req.Objects {
		r := results[i]
		if r.Err != nil {
			e := s3err.From(r.Err)
			doc.Errors = append(doc.Errors, deleteError{Key: o.Key, VersionID: o.VersionID, Code: e.Code, Message: e.Message})
			continue
		}
		if req.Quiet {
			continue
		}
		d := deletedObject{Key: o.Key, VersionID: o.VersionID, DeleteMarker: r.DeleteMarker}
		if r.DeleteMarker && o.VersionID == "" {
			// A new delete marker: S3 names it apart from the version.
			d.DeleteMarkerVersionID = r.VersionID
		}
		doc.Deleted = append(doc.Deleted, d)
	}
	return xmlResponse{doc: doc}, nil
}
