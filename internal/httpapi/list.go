package httpapi

import (
	"encoding/base64"
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/sigv4"
)

// listEntry is one <Contents> element.
type listEntry struct {
	Key          string `xml:"Key"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
	objectChecksum
	Size         int64     `xml:"Size"`
	StorageClass string    `xml:"StorageClass"`
	Owner        *owner    `xml:"Owner,omitempty"`
	UserMetadata *userMeta `xml:"UserMetadata,omitempty"`
	// RestoreStatus is shown, when the request's
	// x-amz-optional-object-attributes asks for it, for objects a restore
	// was asked for.
	RestoreStatus *restoreStatus `xml:"RestoreStatus,omitempty"`
}

type restoreStatus struct {
	IsRestoreInProgress bool   `xml:"IsRestoreInProgress"`
	RestoreExpiryDate   string `xml:"RestoreExpiryDate,omitempty"`
}

// restoreStatusOf is the RestoreStatus of o; nil when no restore was
// asked for.
func restoreStatusOf(o object.ObjectInfo) *restoreStatus {
	switch {
	case o.RestoreOngoing:
		return &restoreStatus{IsRestoreInProgress: true}
	case !o.RestoreExpiry.IsZero():
		return &restoreStatus{RestoreExpiryDate: o.RestoreExpiry.UTC().Format(isoMillis)}
	}
	return nil
}

// wantsRestoreStatus reads x-amz-optional-object-attributes, whose one
// attribute is RestoreStatus.
func wantsRestoreStatus(h http.Header) bool {
	for _, v := range h.Values("x-amz-optional-object-attributes") {
		for _, a := range strings.Split(v, ",") {
			if strings.TrimSpace(a) == "RestoreStatus" {
				return true
			}
		}
	}
	return false
}

// objectChecksum names the checksum an object (or an upload) has, as
// AWS lists it: the algorithm and the type, without the value.
type objectChecksum struct {
	ChecksumAlgorithm string `xml:"ChecksumAlgorithm,omitempty"`
	ChecksumType      string `xml:"ChecksumType,omitempty"`
}

// listedChecksum is the objectChecksum of o; empty when o has none.
func listedChecksum(o object.ObjectInfo) objectChecksum {
	if o.ChecksumAlgorithm == "" {
		return objectChecksum{}
	}
	return objectChecksum{ChecksumAlgorithm: string(o.ChecksumAlgorithm), ChecksumType: o.ChecksumType}
}

// userMeta is MinIO's listing extension (metadata=true): each user
// metadata entry as an element named by its header.
type userMeta struct {
	Items []userMetaItem
}

type userMetaItem struct {
	XMLName xml.Name
	Value   string `xml:",chardata"`
}

type commonPrefix struct {
	Prefix string `xml:"Prefix"`
}

type listBucketResultV1 struct {
	XMLName        xml.Name       `xml:"ListBucketResult"`
	Xmlns          string         `xml:"xmlns,attr"`
	Name           string         `xml:"Name"`
	Prefix         string         `xml:"Prefix"`
	Marker         string         `xml:"Marker"`
	NextMarker     string         `xml:"NextMarker,omitempty"`
	MaxKeys        int            `xml:"MaxKeys"`
	Delimiter      string         `xml:"Delimiter,omitempty"`
	IsTruncated    bool           `xml:"IsTruncated"`
	EncodingType   string         `xml:"EncodingType,omitempty"`
	Contents       []listEntry    `xml:"Contents"`
	CommonPrefixes []commonPrefix `xml:"CommonPrefixes"`
}

type listBucketResultV2 struct {
	XMLName               xml.Name       `xml:"ListBucketResult"`
	Xmlns                 string         `xml:"xmlns,attr"`
	Name                  string         `xml:"Name"`
	Prefix                string         `xml:"Prefix"`
	StartAfter            string         `xml:"StartAfter,omitempty"`
	ContinuationToken     string         `xml:"ContinuationToken,omitempty"`
	NextContinuationToken string         `xml:"NextContinuationToken,omitempty"`
	KeyCount              int            `xml:"KeyCount"`
	MaxKeys               int            `xml:"MaxKeys"`
	Delimiter             string         `xml:"Delimiter,omitempty"`
	IsTruncated           bool           `xml:"IsTruncated"`
	EncodingType          string         `xml:"EncodingType,omitempty"`
	Contents              []listEntry    `xml:"Contents"`
	CommonPrefixes        []commonPrefix `xml:"CommonPrefixes"`
}

// listParams are the query parameters common to both listing versions.
type listParams struct {
	prefix, delimiter string
	maxKeys           int
	urlEncode         bool
	// restoreStatus shows each object's RestoreStatus.
	restoreStatus bool
}

func parseListParams(q url.Values) (listParams, error) {
	p := listParams{prefix: q.Get("prefix"), delimiter: q.Get("delimiter"), maxKeys: object.MaxListKeys}
	if v := q.Get("max-keys"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return p, s3err.ErrMaxKeysInvalid
		}
		p.maxKeys = min(n, object.MaxListKeys)
	}
	var err error
	p.urlEncode, err = urlEncodingType(q)
	return p, err
}

// urlEncodingType reads encoding-type, whose one value is url.
func urlEncodingType(q url.Values) (bool, error) {
	switch q.Get("encoding-type") {
	case "":
		return false, nil
	case "url":
		return true, nil
	}
	return false, s3err.ErrInvalidEncodingType
}

// encodeKey applies encoding-type=url: everything but unreserved
// characters and '/' is percent-encoded, so that both unquote and
// unquote_plus style decoders recover the key.
func (p listParams) encode(s string) string {
	if !p.urlEncode {
		return s
	}
	return sigv4.URIEncode(s, true)
}

// userMetadata is MinIO's <UserMetadata> listing element for o.
func userMetadata(o object.ObjectInfo) *userMeta {
	m := &userMeta{}
	for k, v := range o.UserMeta {
		m.Items = append(m.Items, userMetaItem{XMLName: xml.Name{Local: http.CanonicalHeaderKey(userMetaPrefix + k)}, Value: v})
	}
	if o.ContentType != "" {
		m.Items = append(m.Items, userMetaItem{XMLName: xml.Name{Local: "content-type"}, Value: o.ContentType})
	}
	return m
}

// entries are the listing's objects and common prefixes; metaOf, when
// not nil, says which objects show their user metadata.
// owners, when not nil, names each object's owner.
func (s *Server) entries(p listParams, res object.ListResult, owners *versionOwners, metaOf func(key string) bool) ([]listEntry, []commonPrefix) {
	contents := make([]listEntry, 0, len(res.Objects))
	for _, o := range res.Objects {
		e := listEntry{
			Key:            p.encode(o.Key),
			LastModified:   o.LastModified.UTC().Format(isoMillis),
			ETag:           quoteETag(o.ETag),
			objectChecksum: listedChecksum(o),
			Size:           o.Size,
			StorageClass:   storageClassName(o.Attrs),
		}
		if owners != nil {
			own := owners.of(o.ACL)
			e.Owner = &own
		}
		if p.restoreStatus {
			e.RestoreStatus = restoreStatusOf(o)
		}
		if metaOf != nil && metaOf(o.Key) {
			e.UserMetadata = userMetadata(o)
		}
		contents = append(contents, e)
	}
	prefixes := make([]commonPrefix, 0, len(res.CommonPrefixes))
	for _, cp := range res.CommonPrefixes {
		prefixes = append(prefixes, commonPrefix{Prefix: p.encode(cp)})
	}
	return contents, prefixes
}

func (s *Server) listObjectsV1(rq *request) (response, error) {
	q := rq.http.URL.Query()
	p, err := parseListParams(q)
	p.restoreStatus = wantsRestoreStatus(rq.http.Header)
	if err != nil {
		return nil, err
	}
	marker := q.Get("marker")
	res, err := s.objects.ListObjects(rq.ctx, rq.bucket, object.ListOptions{
		Prefix: p.prefix, Delimiter: p.delimiter, After: marker, MaxKeys: p.maxKeys,
	})
	if err != nil {
		return nil, err
	}
	doc := listBucketResultV1{
		Xmlns: s3Namespace, Name: rq.bucket, Prefix: p.encode(p.prefix), Marker: p.encode(marker),
		MaxKeys: p.maxKeys, Delimiter: p.encode(p.delimiter), IsTruncated: res.IsTruncated,
	}
	if res.IsTruncated {
		doc.NextMarker = p.encode(res.NextAfter)
	}
	if p.urlEncode {
		doc.EncodingType = "url"
	}
	owners, err := s.versionOwners(rq)
	if err != nil {
		return nil, err
	}
	doc.Contents, doc.CommonPrefixes = s.entries(p, res, owners, nil)
	return xmlResponse{doc: doc}, nil
}

// Continuation tokens are the key to resume after, base64url-encoded so
// that they are opaque and safe in a query string.
func encodeToken(after string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(after))
}

func decodeToken(tok string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) == 0 {
		return "", s3err.ErrInvalidArgument.WithMessage("The continuation token provided is incorrect")
	}
	return string(b), nil
}

func (s *Server) listObjectsV2(rq *request) (response, error) {
	q := rq.http.URL.Query()
	p, err := parseListParams(q)
	p.restoreStatus = wantsRestoreStatus(rq.http.Header)
	if err != nil {
		return nil, err
	}
	startAfter, token := q.Get("start-after"), q.Get("continuation-token")
	after := startAfter
	if q.Has("continuation-token") {
		if after, err = decodeToken(token); err != nil {
			return nil, err
		}
	}
	withMeta := q.Get("metadata") == "true"
	res, err := s.objects.ListObjects(rq.ctx, rq.bucket, object.ListOptions{
		Prefix: p.prefix, Delimiter: p.delimiter, After: after, MaxKeys: p.maxKeys, WithMetadata: withMeta,
	})
	if err != nil {
		return nil, err
	}
	doc := listBucketResultV2{
		Xmlns: s3Namespace, Name: rq.bucket, Prefix: p.encode(p.prefix), StartAfter: p.encode(startAfter),
		ContinuationToken: token, MaxKeys: p.maxKeys, Delimiter: p.encode(p.delimiter),
		IsTruncated: res.IsTruncated, KeyCount: len(res.Objects) + len(res.CommonPrefixes),
	}
	if res.IsTruncated {
		doc.NextContinuationToken = encodeToken(res.NextAfter)
	}
	if p.urlEncode {
		doc.EncodingType = "url"
	}
	var metaOf func(string) bool
	if withMeta {
		metaOf = s.readableKeys(rq)
	}
	var owners *versionOwners
	if q.Get("fetch-owner") == "true" {
		if owners, err = s.versionOwners(rq); err != nil {
			return nil, err
		}
	}
	doc.Contents, doc.CommonPrefixes = s.entries(p, res, owners, metaOf)
	return xmlResponse{doc: doc}, nil
}

// readableKeys says which keys of the request's bucket the caller may
// read (s3:GetObject): a listing shows user metadata, which HeadObject
// would refuse to others, for those only.
func (s *Server) readableKeys(rq *request) func(key string) bool {
	auth := s.keyAuthorizer(rq)
	get := operationAuthz["GetObject"].action
	return func(key string) bool { return auth.allows(get, key, "") }
}
