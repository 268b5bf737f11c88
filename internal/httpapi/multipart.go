package httpapi

import (
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"

	"github.com/kurastore/kura/checksum"
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
	h := rq.http.Header
	if err := checkStorageClass(h); err != nil {
		return nil, err
	}
	acl, err := s.newObjectACL(rq, h.Get)
	if err != nil {
		return nil, err
	}
	opts := object.UploadOptions{Attrs: attrsFromHeaders(h), ChecksumType: strings.ToUpper(h.Get("x-amz-checksum-type")), ACL: acl}
	if opts.ChecksumAlgorithm, err = checksumAlgorithm(h); err != nil {
		return nil, err
	}
	if opts.Tags, err = tagsFromHeader(h); err != nil {
		return nil, err
	}
	if opts.Retention, opts.LegalHold, err = lockFromHeaders(h); err != nil {
		return nil, err
	}
	if opts.Encryption, err = s.writeEncryption(rq); err != nil {
		return nil, err
	}
	if opts.Replica, err = replicaUpload(rq); err != nil {
		return nil, err
	}
	id, err := s.objects.CreateMultipartUpload(rq.ctx, rq.bucket, rq.key, opts)
	if err != nil {
		return nil, err
	}
	var out headers
	if opts.ChecksumAlgorithm != "" {
		// The type the upload took: the one asked for, else the
		// algorithm's default (the pair was checked on create).
		sumType, _ := object.UploadChecksumType(opts.ChecksumAlgorithm, opts.ChecksumType)
		out = headers{{"x-amz-checksum-algorithm", string(opts.ChecksumAlgorithm)}, {"x-amz-checksum-type", sumType}}
	}
	out = append(out, sseHeaders(rq, s.describeEncryption(opts.Encryption))...)
	// The upload began about now: the object layer stamps it with the
	// same clock, and the abort date is rounded to a whole day.
	out = append(out, s.abortHeaders(rq, rq.key, s.now())...)
	return xmlResponse{headers: out, doc: initiateResult{Xmlns: s3Namespace, Bucket: rq.bucket, Key: rq.key, UploadID: id}}, nil
}

func partNumber(rq *request) (int, error) {
	n, err := strconv.Atoi(rq.http.URL.Query().Get("partNumber"))
	if err != nil || n < 1 || n > object.MaxPartNumber {
		return 0, s3err.ErrInvalidArgument.WithMessage("Part number must be an integer between 1 and %d, inclusive", object.MaxPartNumber)
	}
	return n, nil
}

func (s *Server) uploadPart(rq *request) (response, error) {
	n, err := partNumber(rq)
	if err != nil {
		return nil, err
	}
	h := rq.http.Header
	opts := object.PartOptions{Size: rq.bodyLength}
	if opts.ContentMD5, err = contentMD5(h); err != nil {
		return nil, err
	}
	if opts.Checksum, err = checksumRequest(h); err != nil {
		return nil, err
	}
	if opts.CustomerKey, err = customerKey(rq, objectPrefix); err != nil {
		return nil, err
	}
	part, err := s.objects.UploadPart(rq.ctx, rq.bucket, rq.key, rq.http.URL.Query().Get("uploadId"), n, rq.body, opts)
	if err != nil {
		return nil, err
	}
	out := append(headers{{"ETag", quoteETag(part.ETag)}}, partChecksumHeaders(part)...)
	if part.Checksum == "" && part.DefaultChecksum != "" {
		// A part sent without a checksum to an upload without an
		// algorithm is answered with S3's default one.
		out = append(out, [2]string{object.DefaultChecksum.HeaderName(), part.DefaultChecksum})
	}
	out = append(out, sseHeaders(rq, part.SSE)...)
	return emptyResponse{status: http.StatusOK, headers: out}, nil
}

// partChecksumMap is a part's checksum keyed by its algorithm; nil when
// the part has none.
func partChecksumMap(p object.PartInfo) map[string]string {
	if p.Checksum == "" {
		return nil
	}
	return map[string]string{string(p.ChecksumAlgorithm): p.Checksum}
}

func partChecksumHeaders(p object.PartInfo) headers {
	if p.Checksum == "" {
		return nil
	}
	return headers{{p.ChecksumAlgorithm.HeaderName(), p.Checksum}}
}

// partChecksums are the per-algorithm checksum elements of a part in
// CompleteMultipartUpload and ListParts (and of an object in the
// CompleteMultipartUpload, CopyObject and GetObjectAttributes results).
type partChecksums = checksum.Elements

// checksumValue returns the one checksum c sets, if any.
func checksumValue(c partChecksums) string {
	for _, v := range c.Values() {
		return v
	}
	return ""
}

// maxCompleteBody bounds a CompleteMultipartUpload document: 10,000 parts
// with an ETag and a checksum each fit well within it.
const maxCompleteBody = object.MaxPartNumber * 512

type completeRequest struct {
	XMLName xml.Name `xml:"CompleteMultipartUpload"`
	Parts   []struct {
		PartNumber int    `xml:"PartNumber"`
		ETag       string `xml:"ETag"`
		partChecksums
	} `xml:"Part"`
}

type completeResult struct {
	XMLName  xml.Name `xml:"CompleteMultipartUploadResult"`
	Xmlns    string   `xml:"xmlns,attr"`
	Location string   `xml:"Location"`
	Bucket   string   `xml:"Bucket"`
	Key      string   `xml:"Key"`
	ETag     string   `xml:"ETag"`
	partChecksums
	ChecksumType string `xml:"ChecksumType,omitempty"`
}

func (s *Server) completeMultipartUpload(rq *request) (response, error) {
	var req completeRequest
	empty, err := readXML(rq, &req, true, maxCompleteBody)
	if err != nil {
		return nil, err
	}
	// A request without a body lists no parts: AWS answers it as it does
	// an empty part list, MalformedXML.
	if empty || len(req.Parts) > object.MaxPartNumber {
		return nil, s3err.ErrMalformedXML
	}
	parts := make([]object.CompletePart, len(req.Parts))
	for i, p := range req.Parts {
		parts[i] = object.CompletePart{Number: p.PartNumber, ETag: p.ETag, Checksum: checksumValue(p.partChecksums)}
	}
	h := rq.http.Header
	opts := object.CompleteOptions{Cond: writeConditions(h)}
	for _, alg := range checksum.All {
		if v := h.Get(alg.HeaderName()); v != "" {
			opts.Checksum = v
		}
	}
	if isReplicationRequest(rq) {
		var err error
		if opts.ReplicaModTime, err = replicaTime(rq, false); err != nil {
			return nil, err
		}
	}
	info, err := s.objects.CompleteMultipartUpload(rq.ctx, rq.bucket, rq.key, rq.http.URL.Query().Get("uploadId"), parts, opts)
	if err != nil {
		return nil, err
	}
	out := append(writeVersionHeaders(info), sseHeaders(rq, info.SSE)...)
	out = append(out, s.expirationHeaders(rq, rq.key, info)...)
	return xmlResponse{headers: out, doc: completeResult{
		Xmlns: s3Namespace, Location: objectURL(rq, rq.key), Bucket: rq.bucket, Key: rq.key, ETag: quoteETag(info.ETag),
		partChecksums: checksum.ElementsOf(info.Checksums), ChecksumType: info.ChecksumType,
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
	partChecksums
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
	owners, err := s.versionOwners(rq)
	if err != nil {
		return nil, err
	}
	own := owners.of(res.Upload.ACL)
	doc := listPartsResult{
		Xmlns: s3Namespace, Bucket: rq.bucket, Key: rq.key, UploadID: uploadID, Initiator: own, Owner: own,
		StorageClass: storageClassName(res.Upload.Attrs), PartNumberMarker: marker, NextPartNumberMarker: res.NextMarker, MaxParts: maxParts,
		IsTruncated: res.IsTruncated,
	}
	for _, p := range res.Parts {
		item := partItem{PartNumber: p.Number, LastModified: p.LastModified.Format(isoMillis), ETag: quoteETag(p.ETag), Size: p.Size,
			partChecksums: checksum.ElementsOf(partChecksumMap(p))}
		doc.Parts = append(doc.Parts, item)
	}
	return xmlResponse{headers: s.abortHeaders(rq, rq.key, res.Upload.Initiated), doc: doc}, nil
}

type uploadItem struct {
	Key          string `xml:"Key"`
	UploadID     string `xml:"UploadId"`
	Initiator    owner  `xml:"Initiator"`
	Owner        owner  `xml:"Owner"`
	StorageClass string `xml:"StorageClass"`
	Initiated    string `xml:"Initiated"`
	objectChecksum
}

type listUploadsResult struct {
	XMLName            xml.Name       `xml:"ListMultipartUploadsResult"`
	Xmlns              string         `xml:"xmlns,attr"`
	Bucket             string         `xml:"Bucket"`
	KeyMarker          string         `xml:"KeyMarker"`
	UploadIDMarker     string         `xml:"UploadIdMarker"`
	NextKeyMarker      string         `xml:"NextKeyMarker"`
	NextUploadIDMarker string         `xml:"NextUploadIdMarker"`
	Prefix             string         `xml:"Prefix"`
	Delimiter          string         `xml:"Delimiter,omitempty"`
	MaxUploads         int            `xml:"MaxUploads"`
	IsTruncated        bool           `xml:"IsTruncated"`
	EncodingType       string         `xml:"EncodingType,omitempty"`
	Uploads            []uploadItem   `xml:"Upload"`
	CommonPrefixes     []commonPrefix `xml:"CommonPrefixes"`
}

func (s *Server) listMultipartUploads(rq *request) (response, error) {
	q := rq.http.URL.Query()
	maxUploads, err := intParam(rq, "max-uploads", object.MaxListUploads)
	if err != nil {
		return nil, err
	}
	maxUploads = min(maxUploads, object.MaxListUploads)
	// encoding-type=url encodes the keys, prefixes, delimiter and key
	// markers of the answer, as in object listings.
	urlEncode, err := urlEncodingType(q)
	if err != nil {
		return nil, err
	}
	p := listParams{urlEncode: urlEncode}
	res, err := s.objects.ListMultipartUploads(rq.ctx, rq.bucket, object.ListUploadsOptions{
		Prefix: q.Get("prefix"), Delimiter: q.Get("delimiter"), KeyMarker: q.Get("key-marker"),
		UploadIDMarker: q.Get("upload-id-marker"), MaxUploads: maxUploads,
	})
	if err != nil {
		return nil, err
	}
	doc := listUploadsResult{
		Xmlns: s3Namespace, Bucket: rq.bucket, KeyMarker: p.encode(q.Get("key-marker")),
		UploadIDMarker: q.Get("upload-id-marker"), NextKeyMarker: p.encode(res.NextKeyMarker),
		NextUploadIDMarker: res.NextUploadIDMarker, Prefix: p.encode(q.Get("prefix")),
		MaxUploads: maxUploads, IsTruncated: res.IsTruncated, Delimiter: p.encode(q.Get("delimiter")),
	}
	if urlEncode {
		doc.EncodingType = "url"
	}
	for _, cp := range res.CommonPrefixes {
		doc.CommonPrefixes = append(doc.CommonPrefixes, commonPrefix{Prefix: p.encode(cp)})
	}
	owners, err := s.versionOwners(rq)
	if err != nil {
		return nil, err
	}
	for _, u := range res.Uploads {
		own := owners.of(u.ACL)
		doc.Uploads = append(doc.Uploads, uploadItem{
			Key: p.encode(u.Key), UploadID: u.UploadID, Initiator: own, Owner: own, StorageClass: storageClassName(u.Attrs),
			Initiated:      u.Initiated.Format(isoMillis),
			objectChecksum: objectChecksum{ChecksumAlgorithm: string(u.ChecksumAlgorithm), ChecksumType: u.ChecksumType},
		})
	}
	return xmlResponse{doc: doc}, nil
}
