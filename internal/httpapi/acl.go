package httpapi

import (
	"encoding/xml"
	"net/http"

	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/s3err"
)

// kura has no per-object grants: access is decided by IAM and bucket
// policies, as AWS recommends (Object Ownership "bucket owner enforced").
// The ACL calls answer accordingly: the owner has FULL_CONTROL, and only
// the canned ACLs that mean exactly that are accepted.

type grantee struct {
	XMLName     xml.Name `xml:"Grantee"`
	XmlnsXsi    string   `xml:"xmlns:xsi,attr"`
	Type        string   `xml:"xsi:type,attr"`
	ID          string   `xml:"ID"`
	DisplayName string   `xml:"DisplayName"`
}

type grant struct {
	Grantee    grantee `xml:"Grantee"`
	Permission string  `xml:"Permission"`
}

type accessControlPolicy struct {
	XMLName xml.Name `xml:"AccessControlPolicy"`
	Xmlns   string   `xml:"xmlns,attr"`
	Owner   owner    `xml:"Owner"`
	Grants  []grant  `xml:"AccessControlList>Grant"`
}

func (s *Server) ownerACL() accessControlPolicy {
	o := s.owner()
	return accessControlPolicy{Xmlns: s3Namespace, Owner: o, Grants: []grant{{
		Grantee:    grantee{XmlnsXsi: "http://www.w3.org/2001/XMLSchema-instance", Type: "CanonicalUser", ID: o.ID, DisplayName: o.DisplayName},
		Permission: "FULL_CONTROL",
	}}}
}

// ownerOnlyACL reports whether a canned ACL leaves the owner in sole
// control, the only state kura has.
func ownerOnlyACL(canned string) bool {
	switch canned {
	case "", "private", "bucket-owner-full-control", "bucket-owner-read":
		return true
	}
	return false
}

// grantHeaders are the headers that grant access explicitly.
var grantHeaders = []string{"x-amz-grant-read", "x-amz-grant-write", "x-amz-grant-read-acp", "x-amz-grant-write-acp", "x-amz-grant-full-control"}

// ownerOnlyACLHeaders reports whether a request's x-amz-acl and
// x-amz-grant-* headers leave the owner in sole control.
func ownerOnlyACLHeaders(h http.Header) bool {
	if !ownerOnlyACL(h.Get("x-amz-acl")) {
		return false
	}
	for _, g := range grantHeaders {
		if h.Get(g) != "" {
			return false
		}
	}
	return true
}

// checkCannedACL refuses an x-amz-acl or x-amz-grant-* header on a write
// that would grant more than the owner's control, rather than ignore it.
func checkCannedACL(h http.Header) error {
	if !ownerOnlyACLHeaders(h) {
		return s3err.ErrACLNotSupported
	}
	return nil
}

func (s *Server) getBucketACL(rq *request) (response, error) {
	if _, err := s.objects.Bucket(rq.ctx, rq.bucket); err != nil {
		return nil, err
	}
	return xmlResponse{doc: s.ownerACL()}, nil
}

func (s *Server) getObjectACL(rq *request) (response, error) {
	obj, err := s.objects.HeadObject(rq.ctx, rq.bucket, rq.key, object.GetOptions{VersionID: versionID(rq), InfoOnly: true})
	if err != nil {
		return nil, err
	}
	return xmlResponse{headers: versionHeaders(obj.Info), doc: s.ownerACL()}, nil
}

// putACL accepts an ACL that grants nothing beyond the owner's control:
// a canned private ACL, or a document whose only grant is the owner's
// FULL_CONTROL.
func (s *Server) putACL(rq *request) (response, error) {
	if err := checkCannedACL(rq.http.Header); err != nil {
		return nil, err
	}
	var doc accessControlPolicy
	empty, err := readXML(rq, &doc, true, maxConfigBody)
	if err != nil {
		return nil, err
	}
	if !empty {
		for _, g := range doc.Grants {
			if g.Permission != "FULL_CONTROL" || g.Grantee.ID != s.ownerID {
				return nil, s3err.ErrACLNotSupported
			}
		}
	}
	if rq.key == "" {
		_, err = s.objects.Bucket(rq.ctx, rq.bucket)
	} else {
		_, err = s.objects.HeadObject(rq.ctx, rq.bucket, rq.key, object.GetOptions{VersionID: versionID(rq), InfoOnly: true})
	}
	if err != nil {
		return nil, err
	}
	return emptyResponse{status: http.StatusOK}, nil
}
