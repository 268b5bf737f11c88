package httpapi

import (
	"context"
	"encoding/xml"
	"errors"
	"net/http"

	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/s3err"
)

// Object Ownership (?ownershipControls), per bucket:
//
//   - BucketOwnerEnforced: ACLs are disabled. The bucket owner owns every
//     object; ACLs count for nothing in access decisions, and a write
//     asking for more than the owner's control is refused with
//     AccessControlListNotSupported.
//   - BucketOwnerPreferred: ACLs are enabled; an object written with the
//     bucket-owner-full-control canned ACL is the bucket owner's, any
//     other the writer's.
//   - ObjectWriter: ACLs are enabled; the writer owns what it writes.
//
// CreateBucket stores the setting it names with x-amz-object-ownership,
// or else the server's default (Config.DefaultObjectOwnership). A bucket
// without a setting of its own (DeleteBucketOwnershipControls removes it;
// buckets created before ownership was kept have none) has the server's
// default, and GetBucketOwnershipControls answers
// OwnershipControlsNotFoundError for it, as AWS does.

const (
	ownerEnforced  = "BucketOwnerEnforced"
	ownerPreferred = "BucketOwnerPreferred"
	objectWriter   = "ObjectWriter"
)

// configOwnership is the bucket configuration document of the setting.
const configOwnership = "ownershipControls"

// ValidObjectOwnership reports whether s is an Object Ownership setting.
func ValidObjectOwnership(s string) bool {
	return s == ownerEnforced || s == ownerPreferred || s == objectWriter
}

type ownershipRule struct {
	ObjectOwnership string `xml:"ObjectOwnership"`
}

type ownershipControls struct {
	XMLName xml.Name        `xml:"OwnershipControls"`
	Xmlns   string          `xml:"xmlns,attr,omitempty"`
	Rules   []ownershipRule `xml:"Rule"`
}

func encodeOwnership(setting string) []byte {
	b, _ := xml.Marshal(ownershipControls{Xmlns: s3Namespace, Rules: []ownershipRule{{setting}}}) // strings only: cannot fail
	return b
}

// parseOwnership reads an OwnershipControls document: one rule, with a
// known setting.
func parseOwnership(data []byte) (string, error) {
	var doc ownershipControls
	if err := xml.Unmarshal(data, &doc); err != nil || len(doc.Rules) != 1 || !ValidObjectOwnership(doc.Rules[0].ObjectOwnership) {
		return "", s3err.ErrMalformedXML
	}
	return doc.Rules[0].ObjectOwnership, nil
}

// objectOwnership is the bucket's setting: its own, or the server's
// default. A read that fails is an error, never the default: ACLs must
// not start or stop counting because a read failed.
func (s *Server) objectOwnership(ctx context.Context, bucket string) (string, error) {
	doc, err := s.objects.BucketConfig(ctx, bucket, configOwnership)
	switch {
	case errors.Is(err, object.ErrNoConfig), errors.Is(err, s3err.ErrNoSuchBucket):
		return s.defaultOwnership, nil
	case err != nil:
		return "", err
	}
	return parseOwnership(doc)
}

// bucketOwner is the canonical ID of the bucket's owner: its creator,
// root for buckets created before owners were recorded.
func (s *Server) bucketOwner(ctx context.Context, bucket string) (string, error) {
	info, err := s.objects.Bucket(ctx, bucket)
	if err != nil {
		return "", err
	}
	if info.Owner == "" {
		return s.ownerID, nil
	}
	return info.Owner, nil
}

func (s *Server) getBucketOwnershipControls(rq *request) (response, error) {
	doc, err := s.storedConfig(rq, configOwnership, s3err.ErrNoOwnershipControls)
	if err != nil {
		return nil, err
	}
	return rawXMLResponse(doc), nil
}

func (s *Server) putBucketOwnershipControls(rq *request) (response, error) {
	data, err := readBounded(rq, maxConfigBody)
	if err != nil {
		return nil, err
	}
	if len(data) == 0 {
		return nil, s3err.ErrMissingRequestBody
	}
	setting, err := parseOwnership(data)
	if err != nil {
		return nil, err
	}
	// ACLs cannot be switched off while the bucket's ACL grants anyone
	// but its owner. Otherwise switching them off rewrites nothing:
	// object ACLs stop counting, and count again if ACLs are enabled.
	if setting == ownerEnforced {
		if err := s.checkBucketACLOwnerOnly(rq); err != nil {
			return nil, err
		}
	}
	if err := s.objects.SetBucketConfig(rq.ctx, rq.bucket, configOwnership, encodeOwnership(setting)); err != nil {
		return nil, err
	}
	return emptyResponse{status: http.StatusOK}, nil
}

func (s *Server) deleteBucketOwnershipControls(rq *request) (response, error) {
	return s.deleteBucketConfig(rq, configOwnership)
}

// creationOwnership is the setting a CreateBucket asks for with
// x-amz-object-ownership, "" for none.
func creationOwnership(h http.Header) (string, error) {
	v := h.Get("x-amz-object-ownership")
	if v != "" && !ValidObjectOwnership(v) {
		return "", s3err.ErrInvalidArgument.WithMessage("Invalid x-amz-object-ownership header: %q.", v)
	}
	return v, nil
}

// checkBucketACLOwnerOnly refuses to disable ACLs on a bucket whose ACL
// grants anyone but its owner.
func (s *Server) checkBucketACLOwnerOnly(rq *request) error {
	owner, err := s.bucketOwner(rq.ctx, rq.bucket)
	if err != nil {
		return err
	}
	a, err := s.storedBucketACL(rq.ctx, rq.bucket, owner)
	if err != nil {
		return err
	}
	if !ownerOnly(a, owner) {
		return s3err.ErrInvalidBucketACLWithObjectOwnership.WithMessage("The bucket's ACL grants access beyond its owner: make it private before disabling ACLs.")
	}
	return nil
}
