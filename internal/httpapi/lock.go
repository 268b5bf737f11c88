package httpapi

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/kurastore/kura/checksum"
	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/objectlock"
)

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

// readLockDoc reads an object lock document with its integrity header,
// then parses and validates it.
func readLockDoc[D interface{ Validate() error }](rq *request, parse func(io.Reader) (D, error)) (D, error) {
	var zero D
	if err := requireIntegrity(rq.http.Header); err != nil {
		return zero, err
	}
	data, err := readBounded(rq, objectlock.MaxDocumentSize)
	if err != nil {
		return zero, err
	}
	doc, err := parse(bytes.NewReader(data))
	if err != nil {
		return zero, err
	}
	return doc, doc.Validate()
}

func (s *Server) getObjectLockConfig(rq *request) (response, error) {
	b, err := s.objects.Bucket(rq.ctx, rq.bucket)
	if err != nil {
		return nil, err
	}
	if !b.ObjectLock {
		return nil, s3err.ErrNoSuchLockConfig
	}
	doc := objectlock.Configuration{ObjectLockEnabled: objectlock.Enabled}
	if d := b.LockDefault; d.Mode != "" {
		doc.Rule = &objectlock.Rule{DefaultRetention: objectlock.DefaultRetention{Mode: d.Mode, Days: d.Days, Years: d.Years}}
	}
	return xmlResponse{doc: doc}, nil
}

func (s *Server) putObjectLockConfig(rq *request) (response, error) {
	doc, err := readLockDoc(rq, objectlock.ParseConfiguration)
	if err != nil {
		return nil, err
	}
	var d object.DefaultRetention
	if r := doc.Rule; r != nil {
		d = object.DefaultRetention{Mode: r.DefaultRetention.Mode, Days: r.DefaultRetention.Days, Years: r.DefaultRetention.Years}
	}
	if err := s.objects.SetObjectLockConfig(rq.ctx, rq.bucket, d); err != nil {
		return nil, err
	}
	return emptyResponse{status: http.StatusOK}, nil
}

// bypassGovernance reports whether the request asks to bypass GOVERNANCE
// retention and the caller holds s3:BypassGovernanceRetention (root
// does). Without the permission the header has no effect, so a locked
// version stays locked. Nor does it when the bucket policy cannot be read.
func (s *Server) bypassGovernance(rq *request) bool {
	if !strings.EqualFold(rq.http.Header.Get("x-amz-bypass-governance-retention"), "true") {
		return false
	}
	return s.policyAllows(rq, "s3:BypassGovernanceRetention")
}

func (s *Server) getObjectRetention(rq *request) (response, error) {
	state, err := s.objects.ObjectLockState(rq.ctx, rq.bucket, rq.key, versionID(rq))
	if err != nil {
		return nil, err
	}
	r := state.Retention
	if r.Mode == "" {
		return nil, s3err.ErrNoSuchObjectLock
	}
	return xmlResponse{doc: objectlock.Retention{Mode: r.Mode, RetainUntilDate: r.RetainUntil}}, nil
}

func (s *Server) putObjectRetention(rq *request) (response, error) {
	doc, err := readLockDoc(rq, objectlock.ParseRetention)
	if err != nil {
		return nil, err
	}
	r := object.Retention{Mode: doc.Mode, RetainUntil: doc.RetainUntilDate.UTC()}
	if doc.Mode == "" {
		r = object.Retention{}
	}
	if err := s.objects.PutObjectRetention(rq.ctx, rq.bucket, rq.key, versionID(rq), r, s.bypassGovernance(rq)); err != nil {
		return nil, err
	}
	return emptyResponse{status: http.StatusOK}, nil
}

func (s *Server) getObjectLegalHold(rq *request) (response, error) {
	state, err := s.objects.ObjectLockState(rq.ctx, rq.bucket, rq.key, versionID(rq))
	if err != nil {
		return nil, err
	}
	// A version that never had a legal hold has none to show, as on AWS.
	if !state.LegalHoldSet {
		return nil, s3err.ErrNoSuchObjectLock
	}
	status := objectlock.Off
	if state.LegalHold {
		status = objectlock.On
	}
	return xmlResponse{doc: objectlock.LegalHold{Status: status}}, nil
}

func (s *Server) putObjectLegalHold(rq *request) (response, error) {
	doc, err := readLockDoc(rq, objectlock.ParseLegalHold)
	if err != nil {
		return nil, err
	}
	if err := s.objects.PutObjectLegalHold(rq.ctx, rq.bucket, rq.key, versionID(rq), doc.Status == objectlock.On); err != nil {
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
