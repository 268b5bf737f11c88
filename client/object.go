package client

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/kurastore/kura/checksum"
	"github.com/kurastore/kura/wire/usermeta"
)

// ErrChecksumMismatch is returned, wrapped, when data or a checksum the
// server reports differs from what the client computed.
var ErrChecksumMismatch = errors.New("client: checksum mismatch")

// s3Namespace is the XML namespace of S3 request documents.
const s3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/"

// maxPartNumber is S3's limit on part numbers, and so on parts.
const maxPartNumber = 10000

// ObjectInfo describes an object, one of its versions, a delete marker,
// or, in a listing that is not recursive, a common prefix.
type ObjectInfo struct {
	Key  string
	Size int64
	// ETag is the entity tag without its quotes.
	ETag         string
	LastModified time.Time
	// The stored HTTP attributes of the object (GET and HEAD only, and
	// ContentType in listings with user metadata).
	ContentType        string
	ContentEncoding    string
	ContentDisposition string
	ContentLanguage    string
	CacheControl       string
	// Expires is the object's Expires attribute; zero when absent or not
	// an HTTP date.
	Expires time.Time
	// Metadata is the user metadata: lower-case names without the
	// x-amz-meta- prefix.
	Metadata map[string]string
	// VersionID is "" for objects of buckets that never had versioning.
	VersionID      string
	IsLatest       bool
	IsDeleteMarker bool
	// IsPrefix marks a common prefix of a listing that is not recursive;
	// only Key is set.
	IsPrefix     bool
	StorageClass string
	// Restore is the state of a restored copy of a transitioned object
	// (RestoreObject); nil when there is none.
	Restore *RestoreStatus
	// OwnerID and OwnerName are set by listings that report owners.
	OwnerID, OwnerName string
	// Checksums are the stored checksums (base64, as S3 sends them),
	// which GET and HEAD return with ChecksumMode.
	Checksums map[checksum.Algorithm]string
	// ChecksumType is FULL_OBJECT or COMPOSITE when Checksums is set,
	// and in listings, which name the checksum without its value.
	ChecksumType string
	// ChecksumAlgorithm is the algorithm of the object's checksum, as
	// listings name it; GET and HEAD give the value in Checksums.
	ChecksumAlgorithm checksum.Algorithm
	// WebsiteRedirectLocation is the object's redirect location (GET and
	// HEAD).
	WebsiteRedirectLocation string
	// TagCount is the number of tags (GET and HEAD).
	TagCount int
	// PartsCount is the number of parts of a multipart object (GET and
	// HEAD, when the server reports it).
	PartsCount int
	// ServerSideEncryption is "AES256" (SSE-S3), "aws:kms" (SSE-KMS) or
	// "" (not encrypted, or SSE-C: see SSECustomerAlgorithm), as GET
	// and HEAD report it. KMSKeyID names the SSE-KMS key and
	// EncryptionContext is its context, when the server reports them.
	ServerSideEncryption string
	KMSKeyID             string
	EncryptionContext    map[string]string
	// SSECustomerAlgorithm is "AES256" for an object encrypted with a
	// customer key (SSE-C); SSECustomerKeyMD5 is the base64 MD5 of the
	// key, which the server echoes from the request.
	SSECustomerAlgorithm string
	SSECustomerKeyMD5    string
	// Header is the whole answer of a GET or HEAD, for what the fields
	// above do not cover (object lock, replication status).
	Header http.Header
}

// trimETag removes the quotes S3 puts around entity tags.
func trimETag(etag string) string { return strings.Trim(etag, `"`) }

// objectInfoFromHeader reads the description of an object from the
// answer to a GET or HEAD.
func objectInfoFromHeader(key string, h http.Header, contentLength int64) ObjectInfo {
	info := ObjectInfo{
		Key:                     key,
		Size:                    contentLength,
		ETag:                    trimETag(h.Get("ETag")),
		ContentType:             h.Get("Content-Type"),
		ContentEncoding:         h.Get("Content-Encoding"),
		ContentDisposition:      h.Get("Content-Disposition"),
		ContentLanguage:         h.Get("Content-Language"),
		CacheControl:            h.Get("Cache-Control"),
		VersionID:               h.Get("x-amz-version-id"),
		IsDeleteMarker:          h.Get("x-amz-delete-marker") == "true",
		StorageClass:            h.Get("x-amz-storage-class"),
		ChecksumType:            h.Get("x-amz-checksum-type"),
		WebsiteRedirectLocation: h.Get("x-amz-website-redirect-location"),
		Restore:                 parseRestore(h.Get("x-amz-restore")),
		Header:                  h,
	}
	// A ranged answer carries the part's length; the object's size is
	// after the slash of Content-Range.
	if cr := h.Get("Content-Range"); cr != "" {
		if _, total, ok := strings.Cut(cr, "/"); ok {
			if n, err := strconv.ParseInt(total, 10, 64); err == nil {
				info.Size = n
			}
		}
	}
	info.LastModified, _ = http.ParseTime(h.Get("Last-Modified"))
	info.Expires, _ = http.ParseTime(h.Get("Expires"))
	info.TagCount, _ = strconv.Atoi(h.Get("x-amz-tagging-count"))
	info.PartsCount, _ = strconv.Atoi(h.Get("x-amz-mp-parts-count"))
	info.Metadata = userMetadata(h)
	info.Checksums = checksumsFromHeader(h)
	encryptionFromHeader(h).setObject(&info)
	return info
}

const metaPrefix = "x-amz-meta-"

func userMetadata(h http.Header) map[string]string {
	var meta map[string]string
	for name, values := range h {
		// Most headers are not metadata: test before lower-casing.
		if len(name) <= len(metaPrefix) || !strings.EqualFold(name[:len(metaPrefix)], metaPrefix) {
			continue
		}
		lower := strings.ToLower(name)
		if meta == nil {
			meta = make(map[string]string)
		}
		meta[lower[len(metaPrefix):]] = usermeta.DecodeValue(strings.Join(values, ","))
	}
	return meta
}

func checksumsFromHeader(h http.Header) map[checksum.Algorithm]string {
	var sums map[checksum.Algorithm]string
	for _, alg := range checksum.All {
		if v := h.Get(alg.HeaderName()); v != "" {
			if sums == nil {
				sums = make(map[checksum.Algorithm]string)
			}
			sums[alg] = v
		}
	}
	return sums
}

// StatObjectOptions are the options of StatObject.
type StatObjectOptions struct {
	// VersionID selects a version instead of the latest.
	VersionID string
	// PartNumber describes one part of a multipart object (1-based).
	PartNumber int
	// ChecksumMode asks for the stored checksums.
	ChecksumMode bool
	// Conditions: the call fails with PreconditionFailed (or NotModified
	// for IfNoneMatch and IfModifiedSince) when they do not hold.
	IfMatch, IfNoneMatch               string
	IfModifiedSince, IfUnmodifiedSince time.Time
	// Headers are added to the request (spec: request_headers).
	Headers http.Header
	// ExtraQuery is added to the query (spec: extra_query_params).
	ExtraQuery url.Values
	// ServerSideEncryption is the SSE-C key of an object stored with one
	// (spec: ssec); only SSEC keys are accepted.
	ServerSideEncryption ServerSideEncryption
}

// GetObjectOptions are the options of GetObject and FGetObject.
type GetObjectOptions struct {
	// Offset and Length select a byte range; Length 0 reads to the end.
	Offset, Length int64
	// VersionID selects a version instead of the latest.
	VersionID string
	// PartNumber reads one part of a multipart object (1-based); it
	// cannot be combined with a range.
	PartNumber int
	// ChecksumMode asks for the stored checksums. When the whole object
	// is read and its checksum covers the whole data, the body is
	// verified: the read that reaches the end fails with
	// ErrChecksumMismatch if the data differs.
	ChecksumMode bool
	// Conditions, as HTTP defines them.
	IfMatch, IfNoneMatch               string
	IfModifiedSince, IfUnmodifiedSince time.Time
	// Headers are added to the request (spec: request_headers).
	Headers http.Header
	// ExtraQuery is added to the query (spec: extra_query_params), for
	// example response-content-type.
	ExtraQuery url.Values
	// ServerSideEncryption is the SSE-C key of an object stored with one
	// (spec: ssec); only SSEC keys are accepted. Objects encrypted with
	// SSE-S3 or SSE-KMS are read without it.
	ServerSideEncryption ServerSideEncryption
	// Progress, when set, is called as data is read through Read (and
	// downloaded by FGetObject), with the number of bytes read so far:
	// at most once per 64 KiB, or 100 ms after the previous call when
	// less has moved, and once more at the end of the data. ReadAt does
	// not count.
	Progress func(read int64)
	// MaxResumes is how often a read whose connection breaks is resumed
	// from where it stopped (default 10; negative: never).
	MaxResumes int
	// TempFile is where FGetObject downloads before renaming the file
	// into place (spec: tmp_file_path). "" picks a name next to the
	// target. Other calls ignore it.
	TempFile string
}

func (o GetObjectOptions) statOptions() StatObjectOptions {
	return StatObjectOptions{
		VersionID: o.VersionID, PartNumber: o.PartNumber, ChecksumMode: o.ChecksumMode,
		IfMatch: o.IfMatch, IfNoneMatch: o.IfNoneMatch,
		IfModifiedSince: o.IfModifiedSince, IfUnmodifiedSince: o.IfUnmodifiedSince,
		Headers: o.Headers, ExtraQuery: o.ExtraQuery, ServerSideEncryption: o.ServerSideEncryption,
	}
}

// rangeHeader is the Range value for Offset and Length, "" for the whole
// object.
func (o GetObjectOptions) rangeHeader() (string, error) {
	switch {
	case o.Offset < 0 || o.Length < 0:
		return "", invalidArgument("offset %d and length %d must not be negative", o.Offset, o.Length)
	case o.Length > 0 && o.Offset > (1<<63-1)-o.Length:
		return "", invalidArgument("offset %d plus length %d overflows", o.Offset, o.Length)
	case o.Length > 0:
		return fmt.Sprintf("bytes=%d-%d", o.Offset, o.Offset+o.Length-1), nil
	case o.Offset > 0:
		return fmt.Sprintf("bytes=%d-", o.Offset), nil
	}
	return "", nil
}

// readRequest builds the GET or HEAD of an object.
func (c *Client) readRequest(method, bucket, key string, o StatObjectOptions) (*request, error) {
	if err := checkObject(bucket, key); err != nil {
		return nil, err
	}
	if err := checkKeyOnly(o.ServerSideEncryption, "a read"); err != nil {
		return nil, err
	}
	if err := c.checkSSETransport(o.ServerSideEncryption); err != nil {
		return nil, err
	}
	if o.PartNumber < 0 || o.PartNumber > maxPartNumber {
		return nil, invalidArgument("part number %d is not between 1 and %d", o.PartNumber, maxPartNumber)
	}
	r := &request{method: method, bucket: bucket, key: key, query: url.Values{}, header: http.Header{}}
	for name, values := range o.Headers {
		r.header[http.CanonicalHeaderKey(name)] = append([]string(nil), values...)
	}
	for name, values := range o.ExtraQuery {
		r.query[name] = append([]string(nil), values...)
	}
	if o.VersionID != "" {
		r.query.Set("versionId", o.VersionID)
	}
	if o.PartNumber > 0 {
		r.query.Set("partNumber", strconv.Itoa(o.PartNumber))
	}
	if o.ChecksumMode {
		r.header.Set("x-amz-checksum-mode", "ENABLED")
	}
	setIf(r.header, "If-Match", o.IfMatch)
	setIf(r.header, "If-None-Match", o.IfNoneMatch)
	setIfTime(r.header, "If-Modified-Since", o.IfModifiedSince)
	setIfTime(r.header, "If-Unmodified-Since", o.IfUnmodifiedSince)
	setCustomerKeyHeaders(r.header, o.ServerSideEncryption)
	return r, nil
}

func setIf(h http.Header, name, value string) {
	if value != "" {
		h.Set(name, value)
	}
}

func setIfTime(h http.Header, name string, t time.Time) {
	if !t.IsZero() {
		h.Set(name, t.UTC().Format(http.TimeFormat))
	}
}

// StatObject describes an object without reading it (spec: stat_object).
func (c *Client) StatObject(ctx context.Context, bucket, key string, opts StatObjectOptions) (ObjectInfo, error) {
	r, err := c.readRequest(http.MethodHead, bucket, key, opts)
	if err != nil {
		return ObjectInfo{}, err
	}
	resp, err := c.do(ctx, r)
	if err != nil {
		return ObjectInfo{}, err
	}
	resp.Body.Close()
	return objectInfoFromHeader(key, resp.Header, resp.ContentLength), nil
}

// GetObject reads an object, or a range or part of it (spec: get_object).
// It sends the GET at once, so a missing object or a failed condition is
// its error, and Info describes the object. The data is not buffered:
// it is read from the network as the caller reads, a broken connection
// is resumed where it stopped, and the Object can seek and be read at
// offsets (see Object).
func (c *Client) GetObject(ctx context.Context, bucket, key string, opts GetObjectOptions) (*Object, error) {
	rng, err := opts.rangeHeader()
	if err != nil {
		return nil, err
	}
	if rng != "" && opts.PartNumber > 0 {
		return nil, invalidArgument("a range and a part number cannot be read together")
	}
	r, err := c.readRequest(http.MethodGet, bucket, key, opts.statOptions())
	if err != nil {
		return nil, err
	}
	setIf(r.header, "Range", rng)
	resp, err := c.do(ctx, r)
	if err != nil {
		return nil, err
	}
	whole := r.header.Get("Range") == "" && opts.PartNumber == 0
	return c.newObject(ctx, bucket, key, opts, resp, whole), nil
}

// sumToVerify is a stored checksum a reader can recompute.
type sumToVerify struct {
	alg  checksum.Algorithm
	want []byte
}

// wholeChecksum finds a checksum of the whole data in a 200 answer. A
// COMPOSITE checksum is a checksum of part checksums and cannot be
// recomputed from the data alone.
func wholeChecksum(resp *http.Response, info ObjectInfo) (sumToVerify, bool) {
	if resp.StatusCode != http.StatusOK || info.ChecksumType == "COMPOSITE" {
		return sumToVerify{}, false
	}
	for alg, v := range info.Checksums {
		if strings.Contains(v, "-") {
			continue
		}
		if want, err := alg.Decode(v); err == nil {
			return sumToVerify{alg: alg, want: want}, true
		}
	}
	return sumToVerify{}, false
}

// FGetObject downloads an object into filePath (spec: fget_object). The
// data goes to a temporary file in the same directory first, renamed into
// place once complete and synced, so that filePath never holds a partial
// download. Missing directories are created.
func (c *Client) FGetObject(ctx context.Context, bucket, key, filePath string, opts GetObjectOptions) error {
	if filePath == "" {
		return invalidArgument("file path is empty")
	}
	if fi, err := os.Stat(filePath); err == nil && fi.IsDir() {
		return invalidArgument("file path %q is a directory", filePath)
	}
	obj, err := c.GetObject(ctx, bucket, key, opts)
	if err != nil {
		return err
	}
	defer obj.Close()
	if err := os.MkdirAll(filepath.Dir(filePath), 0o777); err != nil {
		return err
	}
	tmp, err := createDownloadFile(filePath, opts.TempFile)
	if err != nil {
		return err
	}
	if err := fillFile(tmp, obj); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), filePath); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}

// createDownloadFile opens the temporary file of a download: the one the
// caller named, or a new one next to target, made with O_EXCL so that two
// downloads of the same file never share it.
func createDownloadFile(target, named string) (*os.File, error) {
	if named != "" {
		return os.OpenFile(named, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o666)
	}
	var suffix [8]byte
	_, _ = rand.Read(suffix[:])
	return os.OpenFile(target+"."+hex.EncodeToString(suffix[:])+".part.kura", os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
}

// fillFile copies r into f, syncs and closes it.
func fillFile(f *os.File, r io.Reader) error {
	_, err := io.Copy(f, r)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// RemoveObjectOptions are the options of RemoveObject.
type RemoveObjectOptions struct {
	// VersionID deletes that version for good instead of adding a delete
	// marker.
	VersionID string
	// BypassGovernance deletes a version under governance retention.
	BypassGovernance bool
	// Replica, when set, sends the delete as a replication request:
	// DELETE ?versionId=Replica.VersionID deletes that version, or, with
	// Replica.DeleteMarker, creates a delete marker of that id at
	// Replica.ModTime. VersionID may be left empty; if set, it must be
	// the same id.
	Replica *ReplicaOptions
}

// RemoveObject deletes an object or one of its versions (spec:
// remove_object). Deleting a missing key succeeds, as in S3.
func (c *Client) RemoveObject(ctx context.Context, bucket, key string, opts RemoveObjectOptions) error {
	if err := checkObject(bucket, key); err != nil {
		return err
	}
	versionID, err := replicaVersion(opts.Replica, opts.VersionID, true)
	if err != nil {
		return err
	}
	r := &request{method: http.MethodDelete, bucket: bucket, key: key, header: http.Header{}}
	if versionID != "" {
		r.query = url.Values{"versionId": {versionID}}
	}
	if opts.Replica != nil {
		opts.Replica.setHeaders(r.header)
	}
	if opts.BypassGovernance {
		r.header.Set("x-amz-bypass-governance-retention", "true")
	}
	_, err = c.doXML(ctx, r, nil)
	return err
}

// ObjectToDelete names an object, or a version, for RemoveObjects.
type ObjectToDelete struct {
	Key       string
	VersionID string
}

// DeleteError is an object RemoveObjects could not delete: refused by
// the server (its S3 code), or by the client before sending (code
// InvalidArgument).
type DeleteError struct {
	Key       string `xml:"Key"`
	VersionID string `xml:"VersionId"`
	Code      string `xml:"Code"`
	Message   string `xml:"Message"`
}

func (e DeleteError) Error() string {
	name := e.Key
	if e.VersionID != "" {
		name += " (version " + e.VersionID + ")"
	}
	return fmt.Sprintf("delete %s: %s: %s", name, e.Code, e.Message)
}

// Is matches the sentinel of the error's code, as ErrorResponse.Is does
// (ErrAccessDenied for an object under retention, say).
func (e DeleteError) Is(target error) bool {
	if target == ErrInvalidArgument {
		return e.Code == "InvalidArgument"
	}
	code, ok := target.(s3Code)
	return ok && string(code) == e.Code
}

// RemoveObjectsError is the error of a RemoveObjects call that did not
// delete everything. errors.Is and errors.As see each failure and the
// request error.
type RemoveObjectsError struct {
	// Failed are the objects not deleted, in the order sent.
	Failed []DeleteError
	// Err, when set, is the failure of a whole request that ended the
	// call: the objects of that batch may or may not be gone, and later
	// ones were not tried.
	Err error
}

func (e *RemoveObjectsError) Error() string {
	var b strings.Builder
	if e.Err != nil {
		fmt.Fprintf(&b, "client: deleting objects stopped: %v", e.Err)
	}
	if n := len(e.Failed); n > 0 {
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "client: %d objects not deleted, the first: %v", n, e.Failed[0])
	}
	return b.String()
}

// Unwrap returns the request error and each failure.
func (e *RemoveObjectsError) Unwrap() []error {
	errs := make([]error, 0, len(e.Failed)+1)
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	for _, f := range e.Failed {
		errs = append(errs, f)
	}
	return errs
}

// RemoveObjectsOptions are the options of RemoveObjects.
type RemoveObjectsOptions struct {
	// BypassGovernance deletes versions under governance retention.
	BypassGovernance bool
}

// maxDeleteBatch is the most keys one DeleteObjects request may carry.
const maxDeleteBatch = 1000

type deleteDoc struct {
	XMLName xml.Name          `xml:"Delete"`
	Xmlns   string            `xml:"xmlns,attr"`
	Quiet   bool              `xml:"Quiet"`
	Objects []deleteDocObject `xml:"Object"`
}

type deleteDocObject struct {
	Key       string `xml:"Key"`
	VersionID string `xml:"VersionId,omitempty"`
}

// xmlSafe reports whether s survives an XML document: encoding/xml
// replaces characters XML 1.0 cannot carry, which would name another key.
func xmlSafe(s string) bool {
	for _, r := range s {
		switch {
		case r == '\t', r == '\n', r == '\r':
		case r < 0x20, r >= 0xD800 && r < 0xE000, r == 0xFFFE, r == 0xFFFF:
			return false
		}
	}
	return true
}

// RemoveObjects deletes many objects, 1000 per DeleteObjects request
// (spec: remove_objects), and returns when all are sent. Objects are
// pulled from the sequence as batches are sent, so a listing can feed it
// without being held in memory. It returns nil when every object was
// deleted, and otherwise a *RemoveObjectsError listing the objects the
// server kept or the client refused to send (a key XML cannot carry), and
// the request failure that stopped it, if one did. An invalid bucket
// name is refused with an error wrapping ErrInvalidArgument before
// anything is sent.
func (c *Client) RemoveObjects(ctx context.Context, bucket string, objects iter.Seq[ObjectToDelete], opts RemoveObjectsOptions) error {
	if err := checkBucket(bucket); err != nil {
		return err
	}
	if objects == nil {
		return nil
	}
	var result RemoveObjectsError
	batch := make([]ObjectToDelete, 0, maxDeleteBatch)
	// flush sends the batch and reports whether to go on.
	flush := func() bool {
		if len(batch) == 0 {
			return true
		}
		failed, err := c.deleteBatch(ctx, bucket, batch, opts)
		batch = batch[:0]
		result.Failed = append(result.Failed, failed...)
		result.Err = err
		return err == nil
	}
	for o := range objects {
		err := checkObject(bucket, o.Key)
		if err == nil && !xmlSafe(o.Key) {
			err = invalidArgument("object name %q cannot travel in a DeleteObjects document", o.Key)
		}
		if err != nil {
			result.Failed = append(result.Failed, DeleteError{Key: o.Key, VersionID: o.VersionID, Code: "InvalidArgument", Message: err.Error()})
			continue
		}
		batch = append(batch, o)
		if len(batch) == maxDeleteBatch && !flush() {
			break
		}
	}
	if result.Err == nil {
		flush()
	}
	if result.Err == nil && len(result.Failed) == 0 {
		return nil
	}
	return &result
}

// deleteBatch sends one quiet DeleteObjects request and returns the
// objects that were not deleted.
func (c *Client) deleteBatch(ctx context.Context, bucket string, batch []ObjectToDelete, opts RemoveObjectsOptions) ([]DeleteError, error) {
	doc := deleteDoc{Xmlns: s3Namespace, Quiet: true, Objects: make([]deleteDocObject, len(batch))}
	for i, o := range batch {
		doc.Objects[i] = deleteDocObject(o)
	}
	body, err := xml.Marshal(doc)
	if err != nil {
		return nil, err
	}
	r := (&request{
		method: http.MethodPost, bucket: bucket, query: subresource("delete"), header: http.Header{},
		// Deleting twice leaves the same state: a lost answer may be
		// retried.
		retrySafe: true,
	}).bytesBody(body)
	r.header.Set("Content-MD5", contentMD5(body))
	r.header.Set("Content-Type", "application/xml")
	if opts.BypassGovernance {
		r.header.Set("x-amz-bypass-governance-retention", "true")
	}
	var result struct {
		Errors []DeleteError `xml:"Error"`
	}
	if _, err := c.doResult(ctx, r, "DeleteResult", &result); err != nil {
		return nil, err
	}
	return result.Errors, nil
}

// contentMD5 is the Content-MD5 header value of body, which S3 requires
// on DeleteObjects and PutObjectTagging.
func contentMD5(body []byte) string {
	sum := md5.Sum(body)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// doResult runs r and decodes its XML answer, whose root must be named
// root, into out. Some S3 calls (CompleteMultipartUpload, CopyObject,
// UploadPartCopy) may answer 200 and fail in the body: an <Error> root
// is returned as an *ErrorResponse.
func (c *Client) doResult(ctx context.Context, r *request, root string, out any) (http.Header, error) {
	resp, err := c.do(ctx, r)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxXMLResponse))
	if err != nil {
		return nil, err
	}
	name, err := rootElement(data)
	if err != nil {
		return nil, fmt.Errorf("client: %s answer is not XML: %w", root, err)
	}
	switch name {
	case "Error":
		e := &ErrorResponse{StatusCode: resp.StatusCode, BucketName: r.bucket, Key: r.key}
		if err := xml.Unmarshal(data, e); err != nil {
			return nil, err
		}
		return nil, e
	case root:
		if fast, ok := out.(interface{ decodeFastXML([]byte) bool }); ok && fast.decodeFastXML(data) {
			return resp.Header, nil
		}
		return resp.Header, xml.Unmarshal(data, out)
	}
	return nil, fmt.Errorf("client: expected a %s answer, got <%s>", root, name)
}

// rootElement is the local name of an XML document's root element.
func rootElement(data []byte) (string, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := d.Token()
		if err != nil {
			return "", err
		}
		if start, ok := tok.(xml.StartElement); ok {
			return start.Name.Local, nil
		}
	}
}
