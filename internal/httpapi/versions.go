package httpapi

import (
	"bytes"
	"encoding/xml"
	"net/http"

	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/versioning"
)

func (s *Server) getBucketVersioning(rq *request) (response, error) {
	b, err := s.objects.Bucket(rq.ctx, rq.bucket)
	if err != nil {
		return nil, err
	}
	return xmlResponse{doc: versioning.Configuration{Status: b.Versioning, ExcludedPrefixes: b.ExcludedPrefixes, ExcludeFolders: b.ExcludeFolders}}, nil
}

func (s *Server) putBucketVersioning(rq *request) (response, error) {
	data, err := readBounded(rq, versioning.MaxDocumentSize)
	if err != nil {
		return nil, err
	}
	cfg, err := versioning.Parse(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	err = s.objects.SetBucketVersioning(rq.ctx, rq.bucket, object.VersioningConfig{
		Status: cfg.Status, ExcludedPrefixes: cfg.ExcludedPrefixes, ExcludeFolders: cfg.ExcludeFolders,
	})
	if err != nil {
		return nil, err
	}
	return emptyResponse{status: http.StatusOK}, nil
}

// versionItem is a <Version> or a <DeleteMarker>, in listing order.
type versionItem struct {
	XMLName      xml.Name
	Key          string `xml:"Key"`
	VersionID    string `xml:"VersionId"`
	IsLatest     bool   `xml:"IsLatest"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag,omitempty"`
	objectChecksum
	Size          *int64         `xml:"Size,omitempty"`
	Owner         owner          `xml:"Owner"`
	StorageClass  string         `xml:"StorageClass,omitempty"`
	RestoreStatus *restoreStatus `xml:"RestoreStatus,omitempty"`
	UserMetadata  *userMeta      `xml:"UserMetadata,omitempty"`
}

type listVersionsResult struct {
	XMLName             xml.Name       `xml:"ListVersionsResult"`
	Xmlns               string         `xml:"xmlns,attr"`
	Name                string         `xml:"Name"`
	Prefix              string         `xml:"Prefix"`
	KeyMarker           string         `xml:"KeyMarker"`
	VersionIDMarker     string         `xml:"VersionIdMarker"`
	NextKeyMarker       string         `xml:"NextKeyMarker,omitempty"`
	NextVersionIDMarker string         `xml:"NextVersionIdMarker,omitempty"`
	MaxKeys             int            `xml:"MaxKeys"`
	Delimiter           string         `xml:"Delimiter,omitempty"`
	IsTruncated         bool           `xml:"IsTruncated"`
	EncodingType        string         `xml:"EncodingType,omitempty"`
	Entries             []versionItem  `xml:"Version"`
	CommonPrefixes      []commonPrefix `xml:"CommonPrefixes"`
}

func (s *Server) listObjectVersions(rq *request) (response, error) {
	q := rq.http.URL.Query()
	p, err := parseListParams(q)
	p.restoreStatus = wantsRestoreStatus(rq.http.Header)
	if err != nil {
		return nil, err
	}
	keyMarker, vidMarker := q.Get("key-marker"), q.Get("version-id-marker")
	if vidMarker != "" && keyMarker == "" {
		return nil, s3err.ErrInvalidArgument.WithMessage("A version-id marker cannot be specified without a key marker.")
	}
	withMeta := q.Get("metadata") == "true"
	res, err := s.objects.ListObjectVersions(rq.ctx, rq.bucket, object.VersionListOptions{
		Prefix: p.prefix, Delimiter: p.delimiter, KeyMarker: keyMarker, VersionIDMarker: vidMarker,
		MaxKeys: p.maxKeys, WithMetadata: withMeta,
	})
	if err != nil {
		return nil, err
	}
	doc := listVersionsResult{
		Xmlns: s3Namespace, Name: rq.bucket, Prefix: p.encode(p.prefix), KeyMarker: p.encode(keyMarker),
		VersionIDMarker: vidMarker, MaxKeys: p.maxKeys, Delimiter: p.encode(p.delimiter), IsTruncated: res.IsTruncated,
		NextKeyMarker: p.encode(res.NextKeyMarker), NextVersionIDMarker: res.NextVersionIDMarker,
	}
	if p.urlEncode {
		doc.EncodingType = "url"
	}
	owners, err := s.versionOwners(rq)
	if err != nil {
		return nil, err
	}
	for _, v := range res.Versions {
		item := versionItem{
			XMLName: xml.Name{Local: "Version"}, Key: p.encode(v.Key), VersionID: v.VersionID, IsLatest: v.IsLatest,
			LastModified: v.LastModified.UTC().Format(isoMillis), Owner: owners.of(v.ACL),
		}
		if v.IsDeleteMarker {
			item.XMLName.Local = "DeleteMarker"
		} else {
			size := v.Size
			item.ETag, item.Size, item.StorageClass = quoteETag(v.ETag), &size, storageClassName(v.Attrs)
			item.objectChecksum = listedChecksum(v)
			if p.restoreStatus {
				item.RestoreStatus = restoreStatusOf(v)
			}
			if withMeta {
				item.UserMetadata = userMetadata(v)
			}
		}
		doc.Entries = append(doc.Entries, item)
	}
	for _, cp := range res.CommonPrefixes {
		doc.CommonPrefixes = append(doc.CommonPrefixes, commonPrefix{Prefix: p.encode(cp)})
	}
	return xmlResponse{doc: doc}, nil
}
