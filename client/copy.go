package client

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/kurastore/kura/sigv4"
)

// CopySrcOptions name the source of a copy, or one source of a compose
// (spec: CopySource, ComposeSource).
type CopySrcOptions struct {
	Bucket, Key string
	// VersionID copies that version instead of the latest.
	VersionID string
	// Conditions on the source; the copy fails with PreconditionFailed
	// when they do not hold.
	MatchETag, NoMatchETag                   string
	MatchModifiedSince, MatchUnmodifiedSince time.Time
	// Offset and Length copy a byte range (Length 0: to the end). A
	// ranged copy is made with UploadPartCopy.
	Offset, Length int64
	// Encryption is the SSE-C key of a source stored with one (spec:
	// ssec); only SSEC keys are accepted. It is sent with the copy-source
	// headers, so the server can read the source, and only over HTTPS.
	Encryption ServerSideEncryption
}

func (s CopySrcOptions) hasRange() bool { return s.Offset != 0 || s.Length != 0 }

func (s CopySrcOptions) check() error {
	if err := checkObject(s.Bucket, s.Key); err != nil {
		return err
	}
	if s.Offset < 0 || s.Length < 0 {
		return invalidArgument("source %s/%s: offset %d and length %d must not be negative", s.Bucket, s.Key, s.Offset, s.Length)
	}
	return checkKeyOnly(s.Encryption, "a copy source")
}

// header is the x-amz-copy-source header of s and its conditions. etag,
// when not "", pins the source to the version that was described, so
// that the parts of a compose all copy the same data.
func (s CopySrcOptions) header(etag string) http.Header {
	src := "/" + s.Bucket + "/" + sigv4.URIEncode(s.Key, true)
	if s.VersionID != "" {
		src += "?versionId=" + url.QueryEscape(s.VersionID)
	}
	h := http.Header{}
	h.Set("x-amz-copy-source", src)
	match := s.MatchETag
	if match == "" && etag != "" {
		match = `"` + etag + `"`
	}
	setIf(h, "x-amz-copy-source-if-match", match)
	setIf(h, "x-amz-copy-source-if-none-match", s.NoMatchETag)
	setIfTime(h, "x-amz-copy-source-if-modified-since", s.MatchModifiedSince)
	setIfTime(h, "x-amz-copy-source-if-unmodified-since", s.MatchUnmodifiedSince)
	if k := customerKey(s.Encryption); k != nil {
		k.setCopySourceHeaders(h)
	}
	return h
}

// CopyDestOptions describe the destination of a copy or compose.
type CopyDestOptions struct {
	Bucket, Key string
	// ReplaceMetadata gives the destination the attributes and metadata
	// below (metadata directive REPLACE). Otherwise it gets the
	// source's (the first source's, for a compose), and setting them
	// here is an error.
	ReplaceMetadata    bool
	ContentType        string
	ContentEncoding    string
	ContentDisposition string
	ContentLanguage    string
	CacheControl       string
	Expires            time.Time
	Metadata           map[string]string
	// ReplaceTags gives the destination Tags (tagging directive
	// REPLACE; nil means none). Otherwise it gets the source's tags.
	ReplaceTags bool
	Tags        map[string]string
	// StorageClass of the destination; "" is the server's default.
	StorageClass string
	// WebsiteRedirectLocation of the destination: as on S3, a copy
	// never takes the source's, whatever ReplaceMetadata says.
	WebsiteRedirectLocation string
	// Encryption encrypts the destination (spec: sse): SSES3, SSEKMS
	// or SSEC. Nil leaves it to the destination bucket's default
	// encryption, whatever the source's is. An SSE-C key is also sent
	// with every part of a multipart copy, and only over HTTPS.
	Encryption ServerSideEncryption
}

func (d CopyDestOptions) check() error {
	if err := checkObject(d.Bucket, d.Key); err != nil {
		return err
	}
	attrsSet := d.ContentType != "" || d.ContentEncoding != "" || d.ContentDisposition != "" ||
		d.ContentLanguage != "" || d.CacheControl != "" || !d.Expires.IsZero() || len(d.Metadata) > 0
	if attrsSet && !d.ReplaceMetadata {
		return invalidArgument("destination attributes or metadata are set without ReplaceMetadata")
	}
	if len(d.Tags) > 0 && !d.ReplaceTags {
		return invalidArgument("destination tags are set without ReplaceTags")
	}
	return nil
}

func (d CopyDestOptions) attrs() objectAttrs {
	return objectAttrs{
		contentType: d.ContentType, contentEncoding: d.ContentEncoding, contentDisposition: d.ContentDisposition,
		contentLanguage: d.ContentLanguage, cacheControl: d.CacheControl, expires: d.Expires,
		metadata: d.Metadata, tags: d.Tags, storageClass: d.StorageClass, websiteRedirect: d.WebsiteRedirectLocation,
	}
}

// attrsOf are the stored attributes of an object, to carry over.
func attrsOf(info ObjectInfo) objectAttrs {
	return objectAttrs{
		contentType: info.ContentType, contentEncoding: info.ContentEncoding, contentDisposition: info.ContentDisposition,
		contentLanguage: info.ContentLanguage, cacheControl: info.CacheControl, expires: info.Expires,
		metadata: info.Metadata,
	}
}

// CopyObject copies an object on the server (spec: copy_object). A
// source larger than 5 GiB, or a range of one, is copied in parts as
// ComposeObject does; the destination then still gets the source's
// metadata and tags unless told to replace them.
func (c *Client) CopyObject(ctx context.Context, dst CopyDestOptions, src CopySrcOptions) (UploadInfo, error) {
	return c.ComposeObject(ctx, dst, src)
}

// ComposeObject makes one object of the sources, in order, by copying
// them on the server (spec: compose_object). Each source is described
// first, to learn its size and check it exists and meets its conditions;
// then the data is copied
// with UploadPartCopy, sources larger than 5 GiB in several parts, and
// each part pinned to the ETag that was described. Every source but the
// last must be at least 5 MiB. A single whole source of at most 5 GiB is
// copied with one CopyObject request.
func (c *Client) ComposeObject(ctx context.Context, dst CopyDestOptions, srcs ...CopySrcOptions) (UploadInfo, error) {
	if err := dst.check(); err != nil {
		return UploadInfo{}, err
	}
	if len(srcs) == 0 || len(srcs) > maxPartNumber {
		return UploadInfo{}, invalidArgument("%d sources; a compose takes 1 to %d", len(srcs), maxPartNumber)
	}
	encs := []ServerSideEncryption{dst.Encryption}
	for _, s := range srcs {
		if err := s.check(); err != nil {
			return UploadInfo{}, err
		}
		encs = append(encs, s.Encryption)
	}
	if err := c.checkSSETransport(encs...); err != nil {
		return UploadInfo{}, err
	}
	infos, err := c.statSources(ctx, srcs)
	if err != nil {
		return UploadInfo{}, err
	}
	if len(srcs) == 1 && !srcs[0].hasRange() && infos[0].Size <= maxPartSize {
		return c.copySingle(ctx, dst, srcs[0], infos[0])
	}
	pieces, err := planCompose(srcs, infos)
	if err != nil {
		return UploadInfo{}, err
	}
	return c.copyMultipart(ctx, dst, srcs, infos, pieces)
}

// statSources describes the sources, checking their conditions: the part
// copies of a compose are pinned to the described ETag, and S3 ignores a
// copy's if-unmodified-since next to an if-match, so the conditions are
// checked here.
func (c *Client) statSources(ctx context.Context, srcs []CopySrcOptions) ([]ObjectInfo, error) {
	infos := make([]ObjectInfo, len(srcs))
	for i, s := range srcs {
		var err error
		infos[i], err = c.StatObject(ctx, s.Bucket, s.Key, StatObjectOptions{
			VersionID: s.VersionID, IfMatch: s.MatchETag, IfNoneMatch: s.NoMatchETag,
			IfModifiedSince: s.MatchModifiedSince, IfUnmodifiedSince: s.MatchUnmodifiedSince,
			ServerSideEncryption: s.Encryption,
		})
		if err != nil {
			return nil, copyConditionError(err)
		}
	}
	return infos, nil
}

// copyConditionError turns the NotModified of a HEAD into the
// PreconditionFailed a copy answers for the same conditions.
func copyConditionError(err error) error {
	var e *ErrorResponse
	if !errors.As(err, &e) || e.Code != "NotModified" {
		return err
	}
	failed := *e
	failed.Code, failed.StatusCode = "PreconditionFailed", http.StatusPreconditionFailed
	failed.Message = "At least one of the pre-conditions you specified did not hold"
	return &failed
}

type copyObjectResult struct {
	ETag         string `xml:"ETag"`
	LastModified string `xml:"LastModified"`
	partChecksums
}

// copySingle is one CopyObject request, with the directives of dst.
func (c *Client) copySingle(ctx context.Context, dst CopyDestOptions, src CopySrcOptions, info ObjectInfo) (UploadInfo, error) {
	var attrs objectAttrs
	if dst.ReplaceMetadata {
		attrs = dst.attrs()
	}
	if dst.ReplaceTags {
		attrs.tags = dst.Tags
	}
	attrs.storageClass, attrs.websiteRedirect = dst.StorageClass, dst.WebsiteRedirectLocation
	header, err := attrs.header()
	if err != nil {
		return UploadInfo{}, err
	}
	for k, v := range src.header("") {
		header[k] = v
	}
	if dst.ReplaceMetadata {
		header.Set("x-amz-metadata-directive", "REPLACE")
	}
	if dst.ReplaceTags {
		header.Set("x-amz-tagging-directive", "REPLACE")
	}
	if dst.Encryption != nil {
		dst.Encryption.setHeaders(header)
	}
	r := &request{method: http.MethodPut, bucket: dst.Bucket, key: dst.Key, header: header}
	var res copyObjectResult
	h, err := c.doResult(ctx, r, "CopyObjectResult", &res)
	if err != nil {
		return UploadInfo{}, err
	}
	out := UploadInfo{
		Bucket: dst.Bucket, Key: dst.Key, ETag: trimETag(res.ETag), Size: info.Size,
		VersionID: h.Get("x-amz-version-id"), Checksums: res.Values(),
	}
	encryptionFromHeader(h).setUpload(&out)
	out.LastModified, _ = time.Parse(time.RFC3339Nano, res.LastModified)
	return out, nil
}

// copyPiece is one UploadPartCopy: bytes first to last of a source.
type copyPiece struct {
	src         int
	first, last int64
}

// planCompose cuts the sources into parts of at most 5 GiB, checking
// their ranges and S3's limits.
func planCompose(srcs []CopySrcOptions, infos []ObjectInfo) ([]copyPiece, error) {
	var pieces []copyPiece
	var total int64
	for i, s := range srcs {
		size := infos[i].Size
		length := s.Length
		switch {
		case s.Offset > 0 && s.Offset >= size:
			return nil, invalidArgument("source %d (%s/%s): offset %d is past its size %d", i, s.Bucket, s.Key, s.Offset, size)
		case length == 0:
			length = size - s.Offset
		case s.Offset+length > size:
			return nil, invalidArgument("source %d (%s/%s): range %d+%d is past its size %d", i, s.Bucket, s.Key, s.Offset, length, size)
		}
		if length == 0 {
			return nil, invalidArgument("source %d (%s/%s) is empty", i, s.Bucket, s.Key)
		}
		if i < len(srcs)-1 && length < minPartSize {
			return nil, invalidArgument("source %d (%s/%s) is %d bytes; every source but the last must be at least 5 MiB", i, s.Bucket, s.Key, length)
		}
		pieces = append(pieces, splitRange(i, s.Offset, length)...)
		total += length
	}
	if len(pieces) > maxPartNumber {
		return nil, invalidArgument("the sources need %d parts; S3 allows %d", len(pieces), maxPartNumber)
	}
	if total > maxObjectSize {
		return nil, invalidArgument("the sources add up to %d bytes, more than S3's 5 TiB", total)
	}
	return pieces, nil
}

// splitRange cuts length bytes at offset into the fewest parts of at
// most 5 GiB, of equal sizes so that none is too small.
func splitRange(src int, offset, length int64) []copyPiece {
	n := (length + maxPartSize - 1) / maxPartSize
	base, extra := length/n, length%n
	pieces := make([]copyPiece, 0, n)
	for i := range n {
		size := base
		if i < extra {
			size++
		}
		pieces = append(pieces, copyPiece{src: src, first: offset, last: offset + size - 1})
		offset += size
	}
	return pieces
}

// copyMultipart copies pieces into a new multipart upload, aborted on
// failure.
func (c *Client) copyMultipart(ctx context.Context, dst CopyDestOptions, srcs []CopySrcOptions, infos []ObjectInfo, pieces []copyPiece) (UploadInfo, error) {
	attrs, err := c.composeAttrs(ctx, dst, srcs[0], infos[0])
	if err != nil {
		return UploadInfo{}, err
	}
	header, err := attrs.header()
	if err != nil {
		return UploadInfo{}, err
	}
	if dst.Encryption != nil {
		dst.Encryption.setHeaders(header)
	}
	// The destination's SSE-C key goes with every part and the
	// completion too.
	dstKey := http.Header{}
	setCustomerKeyHeaders(dstKey, dst.Encryption)
	uploadID, err := c.createUpload(ctx, dst.Bucket, dst.Key, nil, header, "")
	if err != nil {
		return UploadInfo{}, err
	}
	parts := make([]completedPart, len(pieces))
	err = forEachParallel(ctx, defaultThreads, len(pieces), func(ctx context.Context, i int) error {
		p := pieces[i]
		etag, err := c.copyPart(ctx, dst, uploadID, i+1, mergeHeaders(srcs[p.src].header(infos[p.src].ETag), dstKey), p)
		parts[i] = completedPart{number: i + 1, etag: etag, size: p.last - p.first + 1}
		return err
	})
	var info UploadInfo
	if err == nil {
		info, err = c.completeUpload(ctx, dst.Bucket, dst.Key, uploadID, parts, "", dstKey)
	}
	if err != nil {
		return UploadInfo{}, c.abortAfter(ctx, dst.Bucket, dst.Key, uploadID, err)
	}
	return info, nil
}

// composeAttrs are the attributes of a composed object: dst's when it
// replaces them, else those of the first source, as a CopyObject would
// keep them.
func (c *Client) composeAttrs(ctx context.Context, dst CopyDestOptions, first CopySrcOptions, info ObjectInfo) (objectAttrs, error) {
	attrs := dst.attrs()
	if !dst.ReplaceMetadata {
		attrs = attrsOf(info)
		attrs.storageClass, attrs.websiteRedirect = dst.StorageClass, dst.WebsiteRedirectLocation
	}
	switch {
	case dst.ReplaceTags:
		attrs.tags = dst.Tags
	case info.TagCount > 0:
		tags, err := c.GetObjectTags(ctx, first.Bucket, first.Key, ObjectTagsOptions{VersionID: first.VersionID})
		if err != nil {
			return objectAttrs{}, err
		}
		attrs.tags = tags
	default:
		attrs.tags = nil
	}
	return attrs, nil
}

type copyPartResult struct {
	ETag string `xml:"ETag"`
}

// copyPart is one UploadPartCopy. Like UploadPart it may be repeated.
func (c *Client) copyPart(ctx context.Context, dst CopyDestOptions, uploadID string, number int, header http.Header, p copyPiece) (string, error) {
	header.Set("x-amz-copy-source-range", "bytes="+strconv.FormatInt(p.first, 10)+"-"+strconv.FormatInt(p.last, 10))
	r := &request{
		method: http.MethodPut, bucket: dst.Bucket, key: dst.Key, header: header,
		query: url.Values{"partNumber": {strconv.Itoa(number)}, "uploadId": {uploadID}},
	}
	var res copyPartResult
	if _, err := c.doResult(ctx, r, "CopyPartResult", &res); err != nil {
		return "", err
	}
	return trimETag(res.ETag), nil
}

// forEachParallel calls fn for 0..n-1, at most threads at a time, and
// returns the first error, which cancels the calls still running.
func forEachParallel(ctx context.Context, threads, n int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	sem := make(chan struct{}, threads)
	for i := 0; i < n && ctx.Err() == nil; i++ {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := fn(ctx, i); err != nil {
				once.Do(func() { firstErr = err; cancel(err) })
			}
		}()
	}
	wg.Wait()
	if firstErr == nil && ctx.Err() != nil {
		firstErr = context.Cause(ctx)
	}
	return firstErr
}
