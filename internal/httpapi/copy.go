package httpapi

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kurastore/kura/checksum"
	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/s3err"
)

// copySource parses x-amz-copy-source ("[/]bucket/key[?versionId=v]",
// URL-encoded) and the x-amz-copy-source-if-* preconditions.
func copySource(h http.Header) (object.CopySource, error) {
	var src object.CopySource
	raw := h.Get("x-amz-copy-source")
	path, query, _ := strings.Cut(raw, "?")
	if query != "" {
		q, err := url.ParseQuery(query)
		if err != nil {
			return src, s3err.ErrInvalidCopySource
		}
		src.VersionID = q.Get("versionId")
	}
	path, err := url.PathUnescape(path)
	if err != nil {
		return src, s3err.ErrInvalidCopySource
	}
	bucket, key, ok := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	if !ok || bucket == "" || key == "" {
		return src, s3err.ErrInvalidCopySource
	}
	src.Bucket, src.Key = bucket, key
	src.Cond = object.Conditions{
		IfMatch:           h.Get("x-amz-copy-source-if-match"),
		IfNoneMatch:       h.Get("x-amz-copy-source-if-none-match"),
		IfModifiedSince:   parseHTTPTime(h.Get("x-amz-copy-source-if-modified-since")),
		IfUnmodifiedSince: parseHTTPTime(h.Get("x-amz-copy-source-if-unmodified-since")),
	}
	return src, nil
}

// authorizeCopySource: a copy reads its source, which the caller must be
// allowed to read, as well as write the destination.
func (s *Server) authorizeCopySource(rq *request, src object.CopySource) error {
	if s.allows(rq, iamAction("GetObject", src.VersionID != ""), iamResource(src.Bucket, src.Key), src.Bucket) {
		return nil
	}
	return rq.authz.denial()
}

// directive reads a COPY/REPLACE directive header and reports REPLACE.
func directive(h http.Header, name string) (bool, error) {
	switch v := h.Get(name); strings.ToUpper(v) {
	case "", "COPY":
		return false, nil
	case "REPLACE":
		return true, nil
	default:
		return false, s3err.ErrInvalidArgument.WithMessage("Unknown %s value %q.", name, v)
	}
}

type copyObjectResult struct {
	XMLName      xml.Name `xml:"CopyObjectResult"`
	Xmlns        string   `xml:"xmlns,attr"`
	LastModified string   `xml:"LastModified"`
	ETag         string   `xml:"ETag"`
	partChecksums
	ChecksumType string `xml:"ChecksumType,omitempty"`
}

func (s *Server) copyObject(rq *request) (response, error) {
	h := rq.http.Header
	src, err := copySource(h)
	if err != nil {
		return nil, err
	}
	if err := s.authorizeCopySource(rq, src); err != nil {
		return nil, err
	}
	if src.CustomerKey, err = customerKey(rq, copySourcePrefix); err != nil {
		return nil, err
	}
	opts := object.CopyOptions{Cond: writeConditions(h)}
	// A copy has the ACL it asks for, never its source's.
	if opts.ACL, err = s.newObjectACL(rq, h.Get); err != nil {
		return nil, err
	}
	if opts.Encryption, err = s.writeEncryption(rq); err != nil {
		return nil, err
	}
	if opts.ReplaceMetadata, err = directive(h, "x-amz-metadata-directive"); err != nil {
		return nil, err
	}
	if opts.ReplaceMetadata {
		opts.Attrs = attrsFromHeaders(h)
	}
	if opts.ReplaceTags, err = directive(h, "x-amz-tagging-directive"); err != nil {
		return nil, err
	}
	if opts.ReplaceTags {
		if opts.Tags, err = tagsFromHeader(h); err != nil {
			return nil, err
		}
	}
	if err := checkStorageClass(h); err != nil {
		return nil, err
	}
	opts.WebsiteRedirectLocation = h.Get("x-amz-website-redirect-location")
	if sc := h.Get("x-amz-storage-class"); sc != "" {
		opts.StorageClass, opts.StorageClassSet = storedStorageClass(sc), true
	}
	if opts.Retention, opts.LegalHold, err = lockFromHeaders(h); err != nil {
		return nil, err
	}
	if opts.ChecksumAlgorithm, err = checksumAlgorithm(h); err != nil {
		return nil, err
	}
	info, err := s.objects.CopyObject(rq.ctx, src, rq.bucket, rq.key, opts)
	if err != nil {
		return nil, err
	}
	out := append(writeVersionHeaders(info), sseHeaders(rq, info.SSE)...)
	out = append(out, s.expirationHeaders(rq, rq.key, info)...)
	if src.VersionID != "" {
		out = append(out, [2]string{"x-amz-copy-source-version-id", src.VersionID})
	}
	return xmlResponse{headers: out, doc: copyObjectResult{
		Xmlns: s3Namespace, LastModified: info.LastModified.Format(isoMillis), ETag: quoteETag(info.ETag),
		partChecksums: checksum.ElementsOf(info.Checksums), ChecksumType: info.ChecksumType,
	}}, nil
}

type copyPartResult struct {
	XMLName      xml.Name `xml:"CopyPartResult"`
	Xmlns        string   `xml:"xmlns,attr"`
	LastModified string   `xml:"LastModified"`
	ETag         string   `xml:"ETag"`
	// The part's checksum, of the upload's algorithm, as AWS names it
	// in the result too.
	partChecksums
}

// copySourceRange parses x-amz-copy-source-range, which unlike Range must
// name both ends: bytes=first-last.
func copySourceRange(v string) (*object.Range, error) {
	if v == "" {
		return nil, nil
	}
	bad := s3err.ErrInvalidArgument.WithMessage("The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy")
	spec, ok := strings.CutPrefix(v, "bytes=")
	if !ok {
		return nil, bad
	}
	a, b, ok := strings.Cut(spec, "-")
	first, err1 := strconv.ParseInt(a, 10, 64)
	last, err2 := strconv.ParseInt(b, 10, 64)
	if !ok || err1 != nil || err2 != nil || first < 0 || last < first {
		return nil, bad
	}
	return &object.Range{Start: first, End: last}, nil
}

func (s *Server) uploadPartCopy(rq *request) (response, error) {
	h := rq.http.Header
	n, err := partNumber(rq)
	if err != nil {
		return nil, err
	}
	src, err := copySource(h)
	if err != nil {
		return nil, err
	}
	if err := s.authorizeCopySource(rq, src); err != nil {
		return nil, err
	}
	rng, err := copySourceRange(h.Get("x-amz-copy-source-range"))
	if err != nil {
		return nil, err
	}
	if src.CustomerKey, err = customerKey(rq, copySourcePrefix); err != nil {
		return nil, err
	}
	key, err := customerKey(rq, objectPrefix)
	if err != nil {
		return nil, err
	}
	part, err := s.objects.UploadPartCopy(rq.ctx, src, rng, rq.bucket, rq.key, rq.http.URL.Query().Get("uploadId"), n, key)
	if err != nil {
		return nil, err
	}
	out := append(partChecksumHeaders(part), sseHeaders(rq, part.SSE)...)
	if part.SourceVersionID != "" {
		// The version copied from, named or the latest, as AWS says.
		out = append(out, [2]string{"x-amz-copy-source-version-id", part.SourceVersionID})
	}
	return xmlResponse{headers: out, doc: copyPartResult{
		Xmlns: s3Namespace, LastModified: part.LastModified.Format(isoMillis), ETag: quoteETag(part.ETag),
		partChecksums: checksum.ElementsOf(partChecksumMap(part)),
	}}, nil
}
