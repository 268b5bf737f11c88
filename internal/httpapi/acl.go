package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/kurastore/kura/internal/iam"
	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/acl"
)

// Access control lists. A bucket's ACL is its configuration document
// "acl"; an object's is kept with each version. Both record the owner.
// Under BucketOwnerEnforced (ownership.go) they are neither written nor
// consulted: Get*Acl answers the bucket owner's FULL_CONTROL.

// configACL is the bucket configuration document of the bucket's ACL.
const configACL = "acl"

// rootDisplayName is the display name of the root user's canonical ID.
const rootDisplayName = "kura"

// callerID is the canonical ID the request's caller acts as; "" for an
// anonymous caller.
func (s *Server) callerID(rq *request) string {
	switch id := rq.identity; {
	case id == nil:
		return ""
	case id.CanonicalID != "":
		return id.CanonicalID
	}
	return s.ownerID // root, or a service account or session of root's
}

// callerOwner is the caller as an <Owner>: what ListBuckets answers, so
// that a client learns its own canonical ID there, as on AWS.
func (s *Server) callerOwner(rq *request) owner {
	id := s.callerID(rq)
	if id == s.ownerID || rq.identity == nil {
		return s.owner()
	}
	return owner{ID: id, DisplayName: rq.identity.Username}
}

// ownerOnly reports whether a grants nothing beyond owner's FULL_CONTROL.
func ownerOnly(a acl.ACL, owner string) bool {
	for _, g := range a.Grants {
		if g.Permission != acl.FullControl || g.Grantee.Type != acl.TypeCanonicalUser || g.Grantee.ID != owner {
			return false
		}
	}
	return true
}

// grantees lists the users ACLs may name; none without IAM.
func (s *Server) grantees(ctx context.Context) ([]iam.Grantee, error) {
	if s.iam == nil {
		return nil, nil
	}
	return s.iam.Grantees(ctx)
}

// resolveGrants turns grants by email address into grants to the user of
// that address, and refuses grants to canonical IDs no user has.
func (s *Server) resolveGrants(ctx context.Context, a acl.ACL) (acl.ACL, error) {
	var users []iam.Grantee
	loaded := false
	out := a
	out.Grants = make([]acl.Grant, len(a.Grants))
	for i, g := range a.Grants {
		out.Grants[i] = g
		if g.Grantee.Type == acl.TypeGroup || g.Grantee.ID == s.ownerID {
			continue
		}
		if !loaded {
			var err error
			if users, err = s.grantees(ctx); err != nil {
				return acl.ACL{}, err
			}
			loaded = true
		}
		found := ""
		for _, u := range users {
			if g.Grantee.ID == u.CanonicalID || g.Grantee.Email != "" && strings.EqualFold(g.Grantee.Email, u.Email) {
				found = u.CanonicalID
			}
		}
		switch {
		case found == "" && g.Grantee.Type == acl.TypeEmail:
			return acl.ACL{}, s3err.ErrUnresolvableGrantByEmail
		case found == "":
			return acl.ACL{}, s3err.ErrInvalidArgument.WithMessage("Invalid id: no user has the canonical ID %q.", g.Grantee.ID)
		}
		out.Grants[i].Grantee = acl.User(found)
	}
	return out, nil
}

// displayNames names canonical IDs: users by their names, root "kura".
func (s *Server) displayNames(ctx context.Context) (func(string) string, error) {
	users, err := s.grantees(ctx)
	if err != nil {
		return nil, err
	}
	names := map[string]string{s.ownerID: rootDisplayName}
	for _, u := range users {
		names[u.CanonicalID] = u.User
	}
	return func(id string) string { return names[id] }, nil
}

func (s *Server) aclResponse(rq *request, a acl.ACL, h headers) (response, error) {
	names, err := s.displayNames(rq.ctx)
	if err != nil {
		return nil, err
	}
	doc, err := groupsFirst(a).MarshalPolicy(names)
	if err != nil {
		return nil, err
	}
	return headedDocument{rawXMLResponse(doc), h}, nil
}

// groupsFirst lists a's grants to groups before its grants to users,
// each in their order, as RGW lists them and as clients tested against it
// expect.
func groupsFirst(a acl.ACL) acl.ACL {
	out := a
	out.Grants = make([]acl.Grant, 0, len(a.Grants))
	for _, group := range []bool{true, false} {
		for _, g := range a.Grants {
			if (g.Grantee.Type == acl.TypeGroup) == group {
				out.Grants = append(out.Grants, g)
			}
		}
	}
	return out
}

// versionOwners names the owners of versions and uploads as listings
// and ListParts show them: the owner in the ACL of each, else (and
// always when ACLs are disabled) the bucket owner.
type versionOwners struct {
	bucketOwner string
	aclsEnabled bool
	names       func(string) string
}

func (s *Server) versionOwners(rq *request) (*versionOwners, error) {
	bucketOwner, ownership, err := s.bucketOwnership(rq.ctx, rq.bucket)
	if err != nil {
		return nil, err
	}
	o := &versionOwners{bucketOwner: bucketOwner, aclsEnabled: aclsEnabled(ownership)}
	if !o.aclsEnabled && bucketOwner == s.ownerID {
		// Every entry is root's: the common case (ACLs disabled, a
		// bucket of root's) names it without reading every user.
		o.names = func(string) string { return rootDisplayName }
		return o, nil
	}
	if o.names, err = s.displayNames(rq.ctx); err != nil {
		return nil, err
	}
	return o, nil
}

// of is the owner of a version or upload with the stored ACL doc. A
// damaged ACL names the bucket owner: it grants nothing (aclauthz.go),
// and a listing still answers.
func (o *versionOwners) of(doc []byte) owner {
	id := o.bucketOwner
	if o.aclsEnabled && doc != nil {
		if a, err := acl.Decode(doc); err == nil {
			id = a.Owner
		}
	}
	return owner{ID: id, DisplayName: o.names(id)}
}

// headedDocument is a documentResponse with headers of its own (a
// version's).
type headedDocument struct {
	documentResponse
	h headers
}

func (d headedDocument) write(w http.ResponseWriter, rq *request) error {
	for _, kv := range d.h {
		w.Header().Set(kv[0], kv[1])
	}
	return d.documentResponse.write(w, rq)
}

// aclsEnabled reports whether ownership lets ACLs count.
func aclsEnabled(ownership string) bool { return ownership != ownerEnforced }

// storedBucketACL is the bucket's ACL, as stored or, without one, its
// owner's FULL_CONTROL.
func (s *Server) storedBucketACL(ctx context.Context, bucket, owner string) (acl.ACL, error) {
	doc, err := s.objects.BucketConfig(ctx, bucket, configACL)
	switch {
	case errors.Is(err, object.ErrNoConfig):
		return acl.Private(owner), nil
	case err != nil:
		return acl.ACL{}, err
	}
	return acl.Decode(doc)
}

// versionACL is a version's ACL; a version without one (written while
// ACLs were disabled, or before kura kept ACLs) is the bucket owner's.
func versionACL(info object.ObjectInfo, bucketOwner string) (acl.ACL, error) {
	if info.ACL == nil {
		return acl.Private(bucketOwner), nil
	}
	return acl.Decode(info.ACL)
}

func (s *Server) getBucketACL(rq *request) (response, error) {
	owner, ownership, err := s.bucketOwnership(rq.ctx, rq.bucket)
	if err != nil {
		return nil, err
	}
	a := acl.Private(owner)
	if aclsEnabled(ownership) {
		if a, err = s.storedBucketACL(rq.ctx, rq.bucket, owner); err != nil {
			return nil, err
		}
	}
	return s.aclResponse(rq, a, nil)
}

// bucketOwnership is the bucket's owner and its Object Ownership
// setting, which every ACL call needs together.
func (s *Server) bucketOwnership(ctx context.Context, bucket string) (owner, ownership string, err error) {
	if owner, err = s.bucketOwner(ctx, bucket); err != nil {
		return "", "", err
	}
	ownership, err = s.objectOwnership(ctx, bucket)
	return owner, ownership, err
}

func (s *Server) getObjectACL(rq *request) (response, error) {
	obj, err := s.objects.HeadObject(rq.ctx, rq.bucket, rq.key, object.GetOptions{VersionID: versionID(rq), InfoOnly: true})
	if err != nil {
		return nil, err
	}
	owner, ownership, err := s.bucketOwnership(rq.ctx, rq.bucket)
	if err != nil {
		return nil, err
	}
	a := acl.Private(owner)
	if aclsEnabled(ownership) {
		if a, err = versionACL(obj.Info, owner); err != nil {
			return nil, err
		}
	}
	return s.aclResponse(rq, a, versionHeaders(obj.Info))
}

// requestedACL is the ACL a Put*Acl asks for, from its headers or its
// AccessControlPolicy body, for a resource of owner in a bucket of
// bucketOwner.
func (s *Server) requestedACL(rq *request, owner, bucketOwner string) (acl.ACL, error) {
	fromHeaders, set, err := acl.FromHeaders(rq.http.Header.Get, owner, bucketOwner)
	if err != nil {
		return acl.ACL{}, err
	}
	body, err := readBounded(rq, maxConfigBody)
	if err != nil {
		return acl.ACL{}, err
	}
	switch {
	case set && len(body) > 0:
		return acl.ACL{}, s3err.ErrInvalidRequest.WithMessage("Specify an ACL in headers or in the body, not both.")
	case set:
		return fromHeaders, nil
	case len(body) == 0:
		return acl.ACL{}, s3err.ErrMissingRequestBody
	}
	a, err := acl.ParsePolicy(body)
	if err != nil {
		return acl.ACL{}, err
	}
	a.Owner = owner // a document's Owner does not change the owner
	return a, nil
}

// checkACLWrite decides whether a may be written to a resource of the
// bucket: refused when ACLs are disabled and a grants more than the
// owner's control, and, when the bucket blocks public ACLs, if it is
// public. It reports whether a is to be stored.
func (s *Server) checkACLWrite(ctx context.Context, bucket, ownership, bucketOwner string, a acl.ACL) (bool, error) {
	if !aclsEnabled(ownership) {
		if !ownerOnly(a, bucketOwner) {
			return false, s3err.ErrACLNotSupported
		}
		return false, nil
	}
	if a.IsPublic() {
		block, err := s.publicAccess(ctx, bucket)
		if err != nil {
			return false, err
		}
		if block.BlockPublicAcls {
			return false, s3err.ErrAccessDenied.WithMessage("The bucket blocks public ACLs.")
		}
	}
	return true, nil
}

func (s *Server) putBucketACL(rq *request) (response, error) {
	owner, ownership, err := s.bucketOwnership(rq.ctx, rq.bucket)
	if err != nil {
		return nil, err
	}
	a, err := s.requestedACL(rq, owner, owner)
	if err != nil {
		return nil, err
	}
	store, err := s.checkACLWrite(rq.ctx, rq.bucket, ownership, owner, a)
	if err != nil || !store {
		return emptyResponse{status: http.StatusOK}, err
	}
	if a, err = s.resolveGrants(rq.ctx, a); err != nil {
		return nil, err
	}
	if err := s.objects.SetBucketConfig(rq.ctx, rq.bucket, configACL, a.Encode()); err != nil {
		return nil, err
	}
	return emptyResponse{status: http.StatusOK}, nil
}

func (s *Server) putObjectACL(rq *request) (response, error) {
	obj, err := s.objects.HeadObject(rq.ctx, rq.bucket, rq.key, object.GetOptions{VersionID: versionID(rq), InfoOnly: true})
	if err != nil {
		return nil, err
	}
	bucketOwner, ownership, err := s.bucketOwnership(rq.ctx, rq.bucket)
	if err != nil {
		return nil, err
	}
	current, err := versionACL(obj.Info, bucketOwner)
	if err != nil {
		return nil, err
	}
	a, err := s.requestedACL(rq, current.Owner, bucketOwner)
	if err != nil {
		return nil, err
	}
	store, err := s.checkACLWrite(rq.ctx, rq.bucket, ownership, bucketOwner, a)
	h := versionHeaders(obj.Info)
	if err != nil || !store {
		return emptyResponse{status: http.StatusOK, headers: h}, err
	}
	if a, err = s.resolveGrants(rq.ctx, a); err != nil {
		return nil, err
	}
	if _, err := s.objects.PutObjectACL(rq.ctx, rq.bucket, rq.key, obj.Info.VersionID, a.Encode()); err != nil {
		return nil, err
	}
	return emptyResponse{status: http.StatusOK, headers: h}, nil
}

// putACL serves PutBucketAcl and PutObjectAcl.
func (s *Server) putACL(rq *request) (response, error) {
	if rq.key == "" {
		return s.putBucketACL(rq)
	}
	return s.putObjectACL(rq)
}

// newObjectACL is the stored ACL of a version a request writes, from its
// x-amz-acl or x-amz-grant-* headers (a form's fields: get reads them):
// nil when the bucket has ACLs disabled, else the ACL asked for, or the
// owner's FULL_CONTROL. The owner is the writer, but the bucket owner
// when ACLs are disabled, for an anonymous writer, and under
// BucketOwnerPreferred for a write with bucket-owner-full-control.
func (s *Server) newObjectACL(rq *request, get func(string) string) ([]byte, error) {
	bucketOwner, ownership, err := s.bucketOwnership(rq.ctx, rq.bucket)
	if err != nil {
		return nil, err
	}
	owner := s.callerID(rq)
	switch {
	case owner == "", ownership == ownerEnforced,
		ownership == ownerPreferred && get("x-amz-acl") == acl.CannedBucketOwnerFullControl:
		owner = bucketOwner
	}
	a, set, err := acl.FromHeaders(get, owner, bucketOwner)
	if err != nil {
		return nil, err
	}
	if !set {
		if !aclsEnabled(ownership) {
			return nil, nil
		}
		return acl.Private(owner).Encode(), nil
	}
	store, err := s.checkACLWrite(rq.ctx, rq.bucket, ownership, bucketOwner, a)
	if err != nil || !store {
		return nil, err
	}
	if a, err = s.resolveGrants(rq.ctx, a); err != nil {
		return nil, err
	}
	return a.Encode(), nil
}

// newBucketConfigs are the documents CreateBucket stores with a new
// bucket of owner: its ownership setting (the one the request names, or
// the server's default), and its ACL when the request asks for one and ACLs are enabled. A bucket
// with ACLs disabled cannot be created with a grant beyond its owner's.
func (s *Server) newBucketConfigs(rq *request, owner string) (map[string][]byte, error) {
	h := rq.http.Header
	ownership, err := creationOwnership(h)
	if err != nil {
		return nil, err
	}
	a, set, err := acl.FromHeaders(h.Get, owner, owner)
	if err != nil {
		return nil, err
	}
	if ownership == "" {
		ownership = s.defaultOwnership
	}
	docs := map[string][]byte{configOwnership: encodeOwnership(ownership)}
	switch {
	case !set:
	case !aclsEnabled(ownership):
		if !ownerOnly(a, owner) {
			return nil, s3err.ErrInvalidBucketACLWithObjectOwnership
		}
	default:
		if a, err = s.resolveGrants(rq.ctx, a); err != nil {
			return nil, err
		}
		docs[configACL] = a.Encode()
	}
	return docs, nil
}
