package httpapi

import (
	"encoding/xml"
	"net/http"
	"strings"
	"time"

	"github.com/kurastore/kura/checksum"
	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/s3err"
)

// maxLockBody bounds the object lock documents.
const maxLockBody = 64 << 10

// The object lock documents, as S3 defines them.
type objectLockConfiguration struct {
	XMLName           xml.Name  `xml:"ObjectLockConfiguration"`
	Xmlns             string    `xml:"xmlns,attr,omitempty"`
	ObjectLockEnabled string    `xml:"ObjectLockEnabled,omitempty"`
	Rule              *lockRule `xml:"Rule,omitempty"`
}

type lockRule struct {
	DefaultRetention struct {
		Mode  string `xml:"Mode"`
		Days  int    `xml:"Days,omitempty"`
		Years int    `xml:"Years,omitempty"`
	} `xml:"DefaultRetention"`
}

type retentionDoc struct {
	XMLName         xml.Name `xml:"Retention"`
	Xmlns           string   `xml:"xmlns,attr,omitempty"`
	Mode            string   `xml:"Mode,omitempty"`
	RetainUntilDate string   `xml:"RetainUntilDate,omitempty"`
}

type legalHoldDoc struct {
	XMLName xml.Name `xml:"LegalHold"`
	Xmlns   string   `xml:"xmlns,attr,omitempty"`
	Status  string   `xml:"Status"`
}

// requireIntegrity: S3 requires Content-MD5 (or, from newer SDKs, a
// checksum) on object lock requests, so that a damaged body cannot change
// what protects data. readBounded verifies a Content-MD5.
func requireIntegrity(h http.Header) error {
	if h.Get("Content-MD5") != "" || h.Get("x-amz-sdk-checksum-algorithm") != "" {
		return nil
	}
	for _, alg := range checksum.All {
		if h.Get(alg.HeaderName()) != "" {
			return nil
		}
	}
	return s3err.ErrMissingContentMD5
}

// readLockXML reads an object lock document with its integrity header.
func readLockXML(rq *request, v any) error {
	if err := requireIntegrity(rq.http.Header); err != nil {
		return err
	}
	_, err := readXML(rq, v, false, maxLockBody)
	return err
}

func (s *Server) getObjectLockConfig(rq *request) (response, error) {
	b, err := s.objects.Bucket(rq.ctx, rq.bucket)
	if err != nil {
		return nil, err
	}
	if !b.ObjectLock {
		return nil, s3err.ErrNoSuchLockConfig
	}
	doc := objectLockConfiguration{Xmlns: s3Namespace, ObjectLockEnabled: "Enabled"}
	if d := b.LockDefault; d.Mode != "" {
		doc.Rule = &lockRule{}
		doc.Rule.DefaultRetention.Mode, doc.Rule.DefaultRetention.Days, doc.Rule.DefaultRetention.Years = d.Mode, d.Days, d.Years
	}
	return xmlResponse{doc: doc}, nil
}

func (s *Server) putObjectLockConfig(rq *request) (response, error) {
	var doc objectLockConfiguration
	if err := readLockXML(rq, &doc); err != nil {
		return nil, err
	}
	if doc.ObjectLockEnabled != "Enabled" {
		return nil, s3err.ErrMalformedXML.WithMessage("ObjectLockEnabled must be Enabled.")
	}
	var d object.DefaultRetention
	if doc.Rule != nil {
		r := doc.Rule.DefaultRetention
		d = object.DefaultRetention{Mode: r.Mode, Days: r.Days, Years: r.Years}
		if d.Mode == "" {
			return nil, s3err.ErrMalformedXML.WithMessage("A default retention needs a mode.")
		}
	}
	if err := s.objects.SetObjectLockConfig(rq.ctx, rq.bucket, d); err != nil {
		return nil, err
	}
	return emptyResponse{status: http.StatusOK}, nil
}

func bypassGovernance(h http.Header) bool {
	return strings.EqualFold(h.Get("x-amz-bypass-governance-retention"), "true")
}

func (s *Server) getObjectRetention(rq *request) (response, error) {
	r, _, err := s.objects.ObjectLockState(rq.ctx, rq.bucket, rq.key, versionID(rq))
	if err != nil {
		return nil, err
	}
	if r.Mode == "" {
		return nil, s3err.ErrNoSuchObjectLock
	}
	return xmlResponse{doc: retentionDoc{Xmlns: s3Namespace, Mode: r.Mode, RetainUntilDate: r.RetainUntil.UTC().Format(isoMillis)}}, nil
}

func (s *Server) putObjectRetention(rq *request) (response, error) {
	var doc retentionDoc
	if err := readLockXML(rq, &doc); err != nil {
		return nil, err
	}
	var r object.Retention
	if doc.Mode != "" || doc.RetainUntilDate != "" {
		until, err := time.Parse(time.RFC3339, doc.RetainUntilDate)
		if err != nil {
			return nil, s3err.ErrMalformedXML.WithMessage("RetainUntilDate must be an ISO 8601 date.")
		}
		r = object.Retention{Mode: doc.Mode, RetainUntil: until.UTC()}
	}
	if err := s.objects.PutObjectRetention(rq.ctx, rq.bucket, rq.key, versionID(rq), r, bypassGovernance(rq.http.Header)); err != nil {
		return nil, err
	}
	return emptyResponse{status: http.StatusOK}, nil
}

func (s *Server) getObjectLegalHold(rq *request) (response, error) {
	_, hold, err := s.objects.ObjectLockState(rq.ctx, rq.bucket, rq.key, versionID(rq))
	if err != nil {
		return nil, err
	}
	status := "OFF"
	if hold {
		status = "ON"
	}
	return xmlResponse{doc: legalHoldDoc{Xmlns: s3Namespace, Status: status}}, nil
}

func (s *Server) putObjectLegalHold(rq *request) (response, error) {
	var doc legalHoldDoc
	if err := readLockXML(rq, &doc); err != nil {
		return nil, err
	}
	if doc.Status != "ON" && doc.Status != "OFF" {
		return nil, s3err.ErrMalformedXML.WithMessage("Legal hold status must be ON or OFF.")
	}
	if err := s.objects.PutObjectLegalHold(rq.ctx, rq.bucket, rq.key, versionID(rq), doc.Status == "ON"); err != nil {
		return nil, err
	}
	return emptyResponse{status: http.StatusOK}, nil
}

// lockFromHeaders reads x-amz-object-lock-* of a PUT, copy or multipart
// create.
func lockFromHeaders(h http.Header) (object.Retention, bool, error) {
	var r object.Retention
	mode, until := h.Get("x-amz-object-lock-mode"), h.Get("x-amz-object-lock-retain-until-date")
	if mode != "" || until != "" {
		if mode == "" || until == "" {
			return r, false, s3err.ErrInvalidArgument.WithMessage("x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied.")
		}
		t, err := time.Parse(time.RFC3339, until)
		if err != nil {
			return r, false, s3err.ErrInvalidArgument.WithMessage("The retain until date must be an ISO 8601 date.")
		}
		r = object.Retention{Mode: strings.ToUpper(mode), RetainUntil: t.UTC()}
	}
	switch hold := strings.ToUpper(h.Get("x-amz-object-lock-legal-hold")); hold {
	case "", "OFF":
		return r, false, nil
	case "ON":
		return r, true, nil
	default:
		return r, false, s3err.ErrInvalidArgument.WithMessage("Legal Hold must be either of 'ON' or 'OFF'.")
	}
}

// lockHeaders describe a version's lock on GET and HEAD.
func lockHeaders(info object.ObjectInfo) headers {
	var h headers
	if r := info.Retention; r.Mode != "" {
		h = append(h, [2]string{"x-amz-object-lock-mode", r.Mode}, [2]string{"x-amz-object-lock-retain-until-date", r.RetainUntil.UTC().Format(time.RFC3339)})
	}
	if info.LegalHold {
		h = append(h, [2]string{"x-amz-object-lock-legal-hold", "ON"})
	}
	return h
}
