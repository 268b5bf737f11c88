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
	results, err := s.deleteAuthorizedKeys(rq, req)
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

// deleteAuthorizedKeys deletes the keys of req that the caller may
// delete, as S3 decides them: each on its own ARN, s3:DeleteObject or,
// naming a version, s3:DeleteObjectVersion, and bypassing GOVERNANCE
// retention only where it holds s3:BypassGovernanceRetention. A key it
// may not delete is left alone and answers AccessDenied; the others are
// still deleted.
func (s *Server) deleteAuthorizedKeys(rq *request, req deleteRequest) ([]object.DeletedObject, error) {
	perm := operationAuthz["DeleteObjects"]
	auth := s.keyAuthorizer(rq)
	results := make([]object.DeletedObject, len(req.Objects))
	var objs []object.ObjectToDelete
	var at []int // index in req.Objects of each of objs
	for i, o := range req.Objects {
		if !auth.allows(perm.actionFor(o.VersionID != ""), o.Key, o.VersionID) {
			results[i].Err = s3err.ErrAccessDenied
			continue
		}
		objs = append(objs, object.ObjectToDelete{Key: o.Key, VersionID: o.VersionID, BypassGovernance: auth.bypassGovernance(o.Key, o.VersionID)})
		at = append(at, i)
	}
	if len(objs) == 0 {
		return results, nil
	}
	done, err := s.objects.DeleteObjects(rq.ctx, rq.bucket, objs)
	if err != nil {
		return nil, err
	}
	for j, r := range done {
		results[at[j]] = r
	}
	return results, nil
}
