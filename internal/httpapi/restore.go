package httpapi

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"

	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/s3err"
)

// maxRestoreBody bounds a RestoreRequest document, which is a few
// hundred bytes.
const maxRestoreBody = 64 << 10

// restoreRequest is the RestoreRequest document of RestoreObject. kura
// restores transitioned objects (its tiers are readable, so a restore
// is a local copy for faster reads); SELECT restores are not
// implemented, and the retrieval tier is accepted and has no effect.
type restoreRequest struct {
	XMLName              xml.Name `xml:"RestoreRequest"`
	Days                 *int     `xml:"Days"`
	Type                 string   `xml:"Type"`
	GlacierJobParameters *struct {
		Tier string `xml:"Tier"`
	} `xml:"GlacierJobParameters"`
}

func parseRestoreRequest(data []byte) (restoreRequest, error) {
	var doc restoreRequest
	if len(bytes.TrimSpace(data)) == 0 {
		return doc, s3err.ErrMissingRequestBody
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		return doc, s3err.ErrMalformedXML
	}
	switch {
	case doc.Type == "SELECT":
		return doc, s3err.ErrNotImplemented.WithMessage("Restores of type SELECT are not implemented.")
	case doc.Type != "":
		return doc, s3err.ErrMalformedXML
	case doc.Days == nil:
		return doc, s3err.ErrMalformedXML.WithMessage("The RestoreRequest must name the Days to keep the restored copy.")
	}
	if p := doc.GlacierJobParameters; p != nil {
		switch p.Tier {
		case "Standard", "Bulk", "Expedited":
		default:
			return doc, s3err.ErrMalformedXML
		}
	}
	return doc, nil
}

// restoreObject is RestoreObject (POST /bucket/key?restore): 202 when a
// restore starts, 200 when the object was restored already and its copy
// is kept longer.
func (s *Server) restoreObject(rq *request) (response, error) {
	data, err := readBounded(rq, maxRestoreBody)
	if err != nil {
		return nil, err
	}
	doc, err := parseRestoreRequest(data)
	if err != nil {
		return nil, err
	}
	res, err := s.objects.RestoreObject(rq.ctx, rq.bucket, rq.key, versionID(rq), *doc.Days)
	if err != nil {
		return nil, err
	}
	status := http.StatusOK
	if res.Accepted {
		status = http.StatusAccepted
	}
	return emptyResponse{status: status}, nil
}

// restoreHeader is x-amz-restore of a GET or HEAD of an object a restore
// was asked for: in progress, or done and kept until its expiry.
func restoreHeader(info object.ObjectInfo) headers {
	switch {
	case info.RestoreOngoing:
		return headers{{"x-amz-restore", `ongoing-request="true"`}}
	case !info.RestoreExpiry.IsZero():
		return headers{{"x-amz-restore", fmt.Sprintf(`ongoing-request="false", expiry-date="%s"`, formatHTTPTime(info.RestoreExpiry))}}
	}
	return nil
}
