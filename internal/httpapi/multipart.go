package httpapi

import (
	"encoding/base64"
	"encoding/xml"
	"net/http"
	"strconv"

	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/s3err"
)

type initiateResult struct {
	XMLName  xml.Name `xml:"InitiateMultipartUploadResult"`
	Xmlns    string   `xml:"xmlns,attr"`
	Bucket   string   `xml:"Bucket"`
	Key      string   `xml:"Key"`
	UploadID string   `xml:"UploadId"`
}

func (s *Server) createMultipartUpload(rq *request) (response, error) {
	id, err := s.objects.CreateMultipartUpload(rq.ctx, rq.bucket, rq.key, attrsFromHeaders(rq.http.Header))
	if err != nil {
		return nil, err
	}
	return xmlResponse{doc: initiateResult{Xmlns: s3Namespace, Bucket: rq.bucket, Key: rq.key, UploadID: id}}, nil
}

func partNumber(rq *request) (int, error) {
	n, err := strconv.Atoi(rq.http.URL.Query().Get("partNumber"))
	if err != nil {
		return 0, s3err.ErrInvalidArgument.WithMessage("Part number must be an integer between 1 and %d, inclusive", object.MaxPartNumber)
	}
	return n, nil
}

func (s *Server) uploadPart(rq *request) (response, error) {
	n, err := partNumber(rq)
	if err != nil {
		return nil, err
	}
	var md5sum []byte
	if v := rq.http.Header.Get("Content-MD5"); v != "" {
		if md5sum, err = base64.StdEncoding.DecodeString(v); err != nil || len(md5sum) != 16 {
			return nil, s3err.ErrInvalidDigest
		}
	}
	part, err := s.objects.UploadPart(rq.ctx, rq.bucket, rq.key, rq.http.URL.Query().Get("uploadId"), n, rq.body, rq.bodyLength, md5sum)
	if err != nil {
		return nil, err
	}
	return emptyResponse{status: http.StatusOK, headers: headers{{"ETag", quoteETag(part.ETag)}}}, nil
}

type completeRequest struct {
	XMLName xml.Name `xml:"CompleteMultipartUpload"`
	Parts   []struct {
		PartNumber int    `xml:"PartNumber"`
		ETag       string `xml:"ETag"`
	} `xml:"Part"`
}

type completeResult struct {
	XMLName  xml.Name `xml:"CompleteMultipartUploadResult"`
	Xmlns    string   `xml:"xmlns,attr"`
	Location string   `xml:"Location"`
	Bucket   string   `xml:"Bucket"`
	Key      string   `xml:"Key"`
	ETag     string   `xml:"ETag"`
}

func (s *Server) completeMultipartUpload(rq *request) (response, error) {
	var req completeRequest
	if _, err := readXML(rq, &req, false); err != nil {
		return nil, err
	}
	if len(req.Parts) > object.MaxPartNumber {
		return nil, s3err.ErrMalformedXML
	}
	parts := make([]object.CompletePart, len(req.Parts))
	for i, p := range req.Parts {
		parts[i] = object.CompletePart{Number: p.PartNumber, ETag: p.ETag}
	}
	info, err := s.objects.CompleteMultipartUpload(rq.ctx, rq.bucket, rq.key, rq.http.URL.Query().Get("uploadId"), parts, writeConditions(rq.http.Header))
	if err != nil {
		return nil, err
	}
	return xmlResponse{doc: completeResult{
		Xmlns: s3Namespace, Location: "/" + rq.bucket + "/" + rq.key, Bucket: rq.bucket, Key: rq.key, ETag: quoteETag(info.ETag),
	}}, nil
}

func (s *Server) abortMultipartUpload(rq *request) (response, error) {
	if err := s.objects.AbortMultipartUpload(rq.ctx, rq.bucket, rq.key, rq.http.URL.Query().Get("uploadId")); err != nil {
		return nil, err
	}
	return emptyResponse{status: http.StatusNoContent}, nil
}

type partItem struct {
	PartNumber   int    `xml:"PartNumber"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
	Size         int64  `xml:"Size"`
}

type listPartsResult struct {
	XMLName              xml.Name   `xml:"ListPartsResult"`
	Xmlns                string     `xml:"xmlns,attr"`
	Bucket               string     `xml:"Bucket"`
	Key                  string     `xml:"Key"`
	UploadID             string     `xml:"UploadId"`
	Initiator            owner      `xml:"Initiator"`
	Owner                owner      `xml:"Owner"`
	StorageClass         string     `xml:"StorageClass"`
	PartNumberMarker     int        `xml:"PartNumberMarker"`
	NextPartNumberMarker int        `xml:"NextPartNumberMarker"`
	MaxParts             int        `xml:"MaxParts"`
	IsTruncated          bool       `xml:"IsTruncated"`
	Parts                []partItem `xml:"Part"`
}

// intParam reads an optional non-negative integer query parameter.
func intParam(rq *request, name string, def int) (int, error) {
	v := rq.http.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, s3err.ErrInvalidArgument.WithMessage("Argument %s must be a non-negative integer.", name)
	}
	return n, nil
}

func (s *Server) listParts(rq *request) (response, error) {
	marker, err := intParam(rq, "part-number-marker", 0)
	if err != nil {
		return nil, err
	}
	maxParts, err := intParam(rq, "max-parts", object.MaxListParts)
	if err != nil {
		return nil, err
	}
	maxParts = min(maxParts, object.MaxListParts)
	uploadID := rq.http.URL.Query().Get("uploadId")
	res, err := s.objects.ListParts(rq.ctx, rq.bucket, rq.key, uploadID, marker, maxParts)
	if err != nil {
		return nil, err
	}
	doc := listPartsResult{
		Xmlns: s3Namespace, Bucket: rq.bucket, Key: rq.key, UploadID: uploadID, Initiator: s.owner(), Owner: s.owner(),
		StorageClass: "STANDARD", PartNumberMarker: marker, NextPartNumberMarker: res.NextMarker, MaxParts: maxParts,
		IsTruncated: res.IsTruncated,
	}
	for _, p := range res.Parts {
		doc.Parts = append(doc.Parts, partItem{PartNumber: p.Number, LastModified: p.LastModified.Format(isoMillis), ETag: quoteETag(p.ETag), Size: p.Size})
	}
	return xmlResponse{doc: doc}, nil
}

type uploadItem struct {
	Key          string `xml:"Key"`
	UploadID     string `xml:"UploadId"`
	Initiator    owner  `xml:"Initiator"`
	Owner        owner  `xml:"Owner"`
	StorageClass string `xml:"StorageClass"`
	Initiated    string `xml:"Initiated"`
}

type listUploadsResult struct {
	XMLName            xml.Name     `xml:"ListMultipartUploadsResult"`
	Xmlns              string       `xml:"xmlns,attr"`
	Bucket             string       `xml:"Bucket"`
	KeyMarker          string       `xml:"KeyMarker"`
	UploadIDMarker     string       `xml:"UploadIdMarker"`
	NextKeyMarker      string       `xml:"NextKeyMarker"`
	NextUploadIDMarker string       `xml:"NextUploadIdMarker"`
	Prefix             string       `xml:"Prefix"`
	MaxUploads         int          `xml:"MaxUploads"`
	IsTruncated        bool         `xml:"IsTruncated"`
	Uploads            []uploadItem `xml:"Upload"`
}

func (s *Server) listMultipartUploads(rq *request) (response, error) {
	q := rq.http.URL.Query()
	maxUploads, err := intParam(rq, "max-uploads", object.MaxListUploads)
	if err != nil {
		return nil, err
	}
	maxUploads = min(maxUploads, object.MaxListUploads)
	res, err := s.objects.ListMultipartUploads(rq.ctx, rq.bucket, q.Get("prefix"), q.Get("key-marker"), q.Get("upload-id-marker"), maxUploads)
	if err != nil {
		return nil, err
	}
	doc := listUploadsResult{
		Xmlns: s3Namespace, Bucket: rq.bucket, KeyMarker: q.Get("key-marker"), UploadIDMarker: q.Get("upload-id-marker"),
		NextKeyMarker: res.NextKeyMarker, NextUploadIDMarker: res.NextUploadIDMarker, Prefix: q.Get("prefix"),
		MaxUploads: maxUploads, IsTruncated: res.IsTruncated,
	}
	for _, u := range res.Uploads {
		doc.Uploads = append(doc.Uploads, uploadItem{
			Key: u.Key, UploadID: u.UploadID, Initiator: s.owner(), Owner: s.owner(), StorageClass: "STANDARD",
			Initiated: u.Initiated.Format(isoMillis),
		})
	}
	return xmlResponse{doc: doc}, nil
}
