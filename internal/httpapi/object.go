package httpapi

import (
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/usermeta"
)

const userMetaPrefix = "x-amz-meta-"

// attrsFromHeaders reads the stored attributes of a PUT.
func attrsFromHeaders(h http.Header) object.Attrs {
	a := object.Attrs{
		ContentType:             h.Get("Content-Type"),
		ContentEncoding:         stripAWSChunked(h.Get("Content-Encoding")),
		ContentDisposition:      h.Get("Content-Disposition"),
		ContentLanguage:         h.Get("Content-Language"),
		CacheControl:            h.Get("Cache-Control"),
		Expires:                 h.Get("Expires"),
		StorageClass:            storedStorageClass(h.Get("x-amz-storage-class")),
		WebsiteRedirectLocation: h.Get("x-amz-website-redirect-location"),
	}
	if a.ContentType == "" {
		a.ContentType = "binary/octet-stream"
	}
	for name, vals := range h {
		lower := strings.ToLower(name)
		if !strings.HasPrefix(lower, userMetaPrefix) || len(lower) == len(userMetaPrefix) {
			continue
		}
		if a.UserMeta == nil {
			a.UserMeta = make(map[string]string)
		}
		a.UserMeta[lower[len(userMetaPrefix):]] = usermeta.DecodeValue(strings.Join(vals, ","))
	}
	return a
}

// stripAWSChunked removes the aws-chunked transfer coding, which describes
// the upload's framing and is not part of the object.
func stripAWSChunked(enc string) string {
	if !strings.Contains(enc, "aws-chunked") {
		return enc
	}
	var kept []string
	for _, e := range strings.Split(enc, ",") {
		if e = strings.TrimSpace(e); e != "" && e != "aws-chunked" {
			kept = append(kept, e)
		}
	}
	return strings.Join(kept, ",")
}

func (s *Server) putObject(rq *request) (response, error) {
	h := rq.http.Header
	if err := checkStorageClass(h); err != nil {
		return nil, err
	}
	acl, err := s.newObjectACL(rq, h.Get)
	if err != nil {
		return nil, err
	}
	if isSnowball(h) {
		return s.extractSnowball(rq, acl)
	}
	opts := object.PutOptions{Size: rq.bodyLength, Attrs: attrsFromHeaders(h), Cond: writeConditions(h), ACL: acl}
	if opts.ContentMD5, err = contentMD5(h); err != nil {
		return nil, err
	}
	if opts.Checksum, err = checksumRequest(h); err != nil {
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
	if opts.Replica, err = replicaVersion(rq, true); err != nil {
		return nil, err
	}
	info, err := s.objects.PutObject(rq.ctx, rq.bucket, rq.key, rq.body, opts)
	if err != nil {
		return nil, err
	}
	out := append(headers{{"ETag", quoteETag(info.ETag)}}, checksumHeaders(info.Checksums, info.ChecksumType)...)
	out = append(out, writeVersionHeaders(info)...)
	out = append(out, sseHeaders(rq, info.SSE)...)
	out = append(out, s.expirationHeaders(rq, rq.key, info)...)
	return emptyResponse{status: http.StatusOK, headers: out}, nil
}

// storedStorageClass is the class an object records: "" for STANDARD.
func storedStorageClass(sc string) string {
	if sc == "STANDARD" {
		return ""
	}
	return sc
}

// storageClassName is the class an object reports.
func storageClassName(a object.Attrs) string {
	if a.StorageClass == "" {
		return "STANDARD"
	}
	return a.StorageClass
}

// checkStorageClass refuses an x-amz-storage-class AWS does not define.
func checkStorageClass(h http.Header) error {
	if sc := h.Get("x-amz-storage-class"); sc != "" && !validStorageClass(sc) {
		return s3err.ErrInvalidStorageClass
	}
	return nil
}

func validStorageClass(sc string) bool {
	switch sc {
	case "STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING",
		"GLACIER", "DEEP_ARCHIVE", "GLACIER_IR", "OUTPOSTS", "SNOW", "EXPRESS_ONEZONE":
		return true
	}
	return false
}

func quoteETag(etag string) string { return `"` + etag + `"` }

// responseOverrides are the query parameters that replace a response
// header of GetObject.
var responseOverrides = [][2]string{
	{"response-content-type", "Content-Type"},
	{"response-content-language", "Content-Language"},
	{"response-expires", "Expires"},
	{"response-cache-control", "Cache-Control"},
	{"response-content-disposition", "Content-Disposition"},
	{"response-content-encoding", "Content-Encoding"},
}

// objectHeaders are the headers that describe an object on GET and HEAD.
func objectHeaders(info object.ObjectInfo) headers {
	h := make(headers, 0, 12+len(info.UserMeta))
	h = append(h,
		[2]string{"ETag", quoteETag(info.ETag)},
		[2]string{"Last-Modified", formatHTTPTime(info.LastModified)},
		[2]string{"Content-Type", info.ContentType},
	)
	for _, kv := range [][2]string{
		{"Content-Encoding", info.ContentEncoding},
		{"Content-Disposition", info.ContentDisposition},
		{"Content-Language", info.ContentLanguage},
		{"Cache-Control", info.CacheControl},
		{"Expires", info.Expires},
	} {
		if kv[1] != "" {
			h = append(h, kv)
		}
	}
	for k, v := range info.UserMeta {
		h = append(h, [2]string{userMetaPrefix + k, usermeta.EncodeValue(v)})
	}
	if len(info.Tags) > 0 {
		h = append(h, [2]string{"x-amz-tagging-count", strconv.Itoa(len(info.Tags))})
	}
	// AWS names the class only when it is not STANDARD.
	if info.StorageClass != "" {
		h = append(h, [2]string{"x-amz-storage-class", info.StorageClass})
	}
	if info.PartsCount > 0 {
		h = append(h, [2]string{"x-amz-mp-parts-count", strconv.Itoa(info.PartsCount)})
	}
	if info.WebsiteRedirectLocation != "" {
		h = append(h, [2]string{"x-amz-website-redirect-location", info.WebsiteRedirectLocation})
	}
	h = append(h, lockHeaders(info)...)
	h = append(h, restoreHeader(info)...)
	h = append(h, replicationStatusHeaders(info)...)
	return append(h, versionHeaders(info)...)
}

// versionHeaders name the version a response is about, and mark a delete
// marker.
func versionHeaders(info object.ObjectInfo) headers {
	var h headers
	if info.VersionID != "" {
		h = append(h, [2]string{"x-amz-version-id", info.VersionID})
	}
	if info.IsDeleteMarker {
		h = append(h, [2]string{"x-amz-delete-marker", "true"})
	}
	return h
}

// writeVersionHeaders name the version a write made. A write to a
// versioning-suspended bucket makes the null version, and AWS answers it
// without x-amz-version-id (the PutObject reference's "versioning
// suspended" example), unlike a read of that version.
func writeVersionHeaders(info object.ObjectInfo) headers {
	if info.VersionID == object.NullVersion {
		info.VersionID = ""
	}
	return versionHeaders(info)
}

// versionID is the request's versionId query parameter.
func versionID(rq *request) string { return rq.http.URL.Query().Get("versionId") }

// objectResponse streams an object, or only its headers for HEAD.
type objectResponse struct {
	obj     *object.Object
	headers headers
}

func (o objectResponse) write(w http.ResponseWriter, rq *request) error {
	o.headers.apply(w)
	h := w.Header()
	obj := o.obj
	h.Set("Content-Length", strconv.FormatInt(obj.Length, 10))
	status := http.StatusOK
	if obj.Partial {
		status = http.StatusPartialContent
		h.Set("Content-Range", "bytes "+strconv.FormatInt(obj.Offset, 10)+"-"+
			strconv.FormatInt(obj.Offset+obj.Length-1, 10)+"/"+strconv.FormatInt(obj.Info.Size, 10))
	}
	w.WriteHeader(status)
	if obj.Body == nil {
		return nil
	}
	defer obj.Body.Close()
	_, err := io.Copy(w, obj.Body)
	return err
}

func (s *Server) getObject(rq *request) (response, error) {
	return s.readObject(rq, true)
}

func (s *Server) headObject(rq *request) (response, error) {
	return s.readObject(rq, false)
}

func (s *Server) readObject(rq *request, withBody bool) (response, error) {
	h := rq.http.Header
	opts := object.GetOptions{Cond: readConditions(h), Range: parseRange(h.Get("Range")), VersionID: versionID(rq)}
	q := rq.http.URL.Query()
	if q.Has("partNumber") {
		n, err := partNumber(rq)
		if err != nil {
			return nil, err
		}
		opts.PartNumber = n
	}
	var err error
	if opts.CustomerKey, err = readCustomerKey(rq); err != nil {
		return nil, err
	}
	var obj *object.Object
	if withBody {
		obj, err = s.objects.GetObject(rq.ctx, rq.bucket, rq.key, opts)
	} else {
		obj, err = s.objects.HeadObject(rq.ctx, rq.bucket, rq.key, opts)
	}
	if err != nil {
		switch {
		case obj != nil && obj.Info.IsDeleteMarker:
			// A 404 or 405 because of a delete marker says so.
			for _, kv := range versionHeaders(obj.Info) {
				rq.out.Set(kv[0], kv[1])
			}
			rq.out.Set("Last-Modified", formatHTTPTime(obj.Info.LastModified))
		case obj != nil && s3err.From(err).HTTPStatus == http.StatusNotModified:
			// A 304 still identifies the representation.
			rq.out.Set("ETag", quoteETag(obj.Info.ETag))
			rq.out.Set("Last-Modified", formatHTTPTime(obj.Info.LastModified))
		}
		return nil, err
	}
	hdrs := append(objectHeaders(obj.Info), sseHeaders(rq, obj.Info.SSE)...)
	if opts.VersionID == "" {
		// Only the current version expires; a read naming a version
		// cannot tell whether it is current without another lookup.
		hdrs = append(hdrs, s.expirationHeaders(rq, rq.key, obj.Info)...)
	}
	if strings.EqualFold(h.Get("x-amz-checksum-mode"), "ENABLED") {
		switch n := opts.PartNumber; {
		case !obj.Partial, n == 1 && len(obj.Parts) == 0:
			// Part 1 of an object written whole is the object.
			hdrs = append(hdrs, checksumHeaders(obj.Info.Checksums, obj.Info.ChecksumType)...)
		case n > 0 && n <= len(obj.Parts) && obj.Parts[n-1].Checksum != "":
			// A part read carries that part's checksum, as AWS sends it,
			// so that a client downloading by parts can check each one.
			for alg := range obj.Info.Checksums {
				hdrs = append(hdrs, checksumHeaders(map[string]string{alg: obj.Parts[n-1].Checksum}, obj.Info.ChecksumType)...)
			}
		}
	}
	for _, o := range responseOverrides {
		if v := q.Get(o[0]); v != "" {
			hdrs = append(hdrs, [2]string{o[1], v})
		}
	}
	name := object.EventAccessedHead
	if withBody {
		name = object.EventAccessedGet
	}
	s.accessed(rq, name, obj.Info)
	return objectResponse{obj: obj, headers: hdrs}, nil
}

func (s *Server) deleteObject(rq *request) (response, error) {
	opts := object.DeleteOptions{VersionID: versionID(rq), BypassGovernance: s.bypassGovernance(rq)}
	if err := replicaDeleteOptions(rq, &opts); err != nil {
		return nil, err
	}
	res, err := s.objects.DeleteObject(rq.ctx, rq.bucket, rq.key, opts)
	if err != nil {
		return nil, err
	}
	return emptyResponse{status: http.StatusNoContent, headers: versionHeaders(object.ObjectInfo{VersionID: res.VersionID, IsDeleteMarker: res.DeleteMarker})}, nil
}
