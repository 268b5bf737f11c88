package client

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kurastore/kura/checksum"
	"github.com/kurastore/kura/wire/tagging"
	"github.com/kurastore/kura/wire/usermeta"
)

// Limits of S3 uploads, and the client's defaults.
const (
	minPartSize     = 5 << 20
	maxPartSize     = 5 << 30
	maxObjectSize   = 5 << 40
	defaultPartSize = 8 << 20 // 4 threads + 1 stay within 40 MiB
	defaultThreads  = 4
	// smallBody is the size below which a body is read into a buffer of
	// its own rather than a pooled part buffer.
	smallBody = 1 << 20
	// abortTimeout bounds the AbortMultipartUpload sent after a failure,
	// which must go out even when the caller's context is canceled.
	abortTimeout = time.Minute
)

// DefaultChecksum is the checksum uploads carry unless told otherwise.
//
// CRC32C rather than CRC64NVME: both combine, so a multipart upload gets
// a FULL_OBJECT checksum that equals the checksum of a single PUT of the
// same data and that any reader can check; CRC32C is computed in hardware
// by Go's hash/crc32 (about ten times faster than hash/crc64 here), so
// checksumming costs little next to the network.
const DefaultChecksum = checksum.CRC32C

// PutObjectOptions are the options of PutObject and FPutObject.
type PutObjectOptions struct {
	// ContentType defaults to application/octet-stream (FPutObject:
	// guessed from the file's extension first).
	ContentType        string
	ContentEncoding    string
	ContentDisposition string
	ContentLanguage    string
	CacheControl       string
	Expires            time.Time
	// Metadata is user metadata. Names may carry the x-amz-meta- prefix
	// or not; they are stored in lower case.
	Metadata map[string]string
	// Tags are the object's tags; they are checked against S3's rules
	// before anything is sent.
	Tags         map[string]string
	StorageClass string
	// WebsiteRedirectLocation is where a website endpoint redirects
	// requests for the object: a path in the bucket ("/...") or an http
	// or https URL, at most 2 KiB.
	WebsiteRedirectLocation string
	// IfMatch and IfNoneMatch make the write conditional on the current
	// object ("*" with IfNoneMatch: only if there is none).
	IfMatch, IfNoneMatch string
	// PartSize is the size of multipart parts: 5 MiB to 5 GiB, default
	// 8 MiB, raised when needed so that 10,000 parts hold the object.
	// An object of unknown size can be at most 10,000 parts long.
	PartSize uint64
	// PartSizes, instead of PartSize, is the exact layout of the upload:
	// the size of each part in order. A single size sends one PUT; more
	// make a multipart upload of those parts. Every part but the last
	// is 5 MiB to 5 GiB, the last 1 byte to 5 GiB, there are at most
	// 10,000, and they add up to the size given to PutObject, which must
	// be known. A copy made with the parts of its source keeps the
	// source's multipart ETag (the MD5 of the parts' MD5s, "-N").
	PartSizes []int64
	// NumThreads is how many parts are uploaded at once (default 4).
	// Reading from a stream holds at most NumThreads+1 parts in memory.
	NumThreads int
	// Progress, when set, is called as the data is sent, with the
	// number of bytes sent so far (of every part sent in parallel): at
	// most once per 64 KiB, or 100 ms after the previous call when less
	// has moved. A retried request first takes back what the failed
	// attempt had sent, so the number can go down. Once the object is
	// stored, a last call gives the whole size. Calls never overlap.
	Progress func(uploaded int64)
	// Sent, when set, is told of every chunk of the request bodies as
	// it is handed to the connection, unthrottled; a retry first takes
	// back what the failed attempt had sent (a negative n). Calls may
	// overlap when parts are sent in parallel.
	Sent func(n int64)
	// Checksum is the checksum algorithm sent with the data; ""
	// means DefaultChecksum. CRC32, CRC32C and CRC64NVME give multipart
	// objects a FULL_OBJECT checksum; SHA1, SHA256, MD5, SHA512,
	// XXHASH64, XXHASH3 and XXHASH128 a COMPOSITE one.
	Checksum checksum.Algorithm
	// DisableChecksum sends no checksum, for servers that refuse them.
	DisableChecksum bool
	// ServerSideEncryption encrypts the object on the server (spec:
	// sse): SSES3, SSEKMS or SSEC. Nil leaves it to the bucket's default
	// encryption. An SSE-C key is sent with the PUT, or with the
	// CreateMultipartUpload, every part and the completion of a
	// multipart upload, and only over HTTPS.
	ServerSideEncryption ServerSideEncryption
	// Replica, when set, sends the upload as a replication request that
	// stores it as version Replica.VersionID at Replica.ModTime: on the
	// PUT, or on the CreateMultipartUpload of a multipart upload, whose
	// parts and completion say they belong to a replication request
	// too (the completion with ModTime again, from which MinIO dates
	// the replica). Replica.DeleteMarker is refused.
	Replica *ReplicaOptions
}

// UploadInfo describes a stored object.
type UploadInfo struct {
	Bucket, Key string
	// ETag is the entity tag without its quotes.
	ETag string
	Size int64
	// LastModified is set by copies.
	LastModified time.Time
	VersionID    string
	// Checksums are the checksums the server stored (base64).
	Checksums    map[checksum.Algorithm]string
	ChecksumType string
	// The object's encryption as the server reports it; the fields
	// mean what those of ObjectInfo do.
	ServerSideEncryption string
	KMSKeyID             string
	EncryptionContext    map[string]string
	SSECustomerAlgorithm string
	SSECustomerKeyMD5    string
}

// PutObject uploads size bytes read from r, or all of r when size is -1
// (spec: put_object). An object that fits one part goes in a single PUT;
// a larger one, or one of unknown size past its first part, is uploaded
// in parts, NumThreads at a time, and the upload is aborted if anything
// fails or ctx is canceled. Every part and the object carry a checksum,
// which the server checks, and the checksums the server reports are
// checked against the client's. Parts are held in buffers until stored,
// so a failed part request is retried.
//
// When r is an io.ReaderAt and an io.Seeker (a file, a bytes.Reader) of
// known size, parts are read from it in place instead of being copied
// into buffers; it is left positioned after the data.
func (c *Client) PutObject(ctx context.Context, bucket, key string, r io.Reader, size int64, opts PutObjectOptions) (UploadInfo, error) {
	if r == nil {
		return UploadInfo{}, invalidArgument("reader is nil")
	}
	plan, err := c.newUploadPlan(bucket, key, size, opts)
	if err != nil {
		return UploadInfo{}, err
	}
	if ra, ok := r.(readSeekerAt); ok && size >= 0 {
		if start, err := ra.Seek(0, io.SeekCurrent); err == nil {
			return c.putReaderAt(ctx, plan, ra, start, size)
		}
	}
	return c.upload(ctx, plan, newStreamParts(r, size, plan.layout, plan.threads+1))
}

type readSeekerAt interface {
	io.ReaderAt
	io.Seeker
}

// putReaderAt uploads size bytes of r from start, and leaves r after
// them as a read would.
func (c *Client) putReaderAt(ctx context.Context, plan *uploadPlan, r readSeekerAt, start, size int64) (UploadInfo, error) {
	info, err := c.upload(ctx, plan, &readerAtParts{r: r, base: start, size: size, layout: plan.layout})
	if err != nil {
		return UploadInfo{}, err
	}
	if _, err := r.Seek(start+size, io.SeekStart); err != nil {
		return UploadInfo{}, err
	}
	return info, nil
}

// FPutObject uploads a file (spec: fput_object). Parts are read from the
// file with ReadAt, in parallel and without buffering, so every request
// can be retried.
func (c *Client) FPutObject(ctx context.Context, bucket, key, filePath string, opts PutObjectOptions) (UploadInfo, error) {
	if err := checkObject(bucket, key); err != nil {
		return UploadInfo{}, err
	}
	f, err := os.Open(filePath)
	if err != nil {
		return UploadInfo{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return UploadInfo{}, err
	}
	if !fi.Mode().IsRegular() {
		return UploadInfo{}, invalidArgument("%q is not a regular file", filePath)
	}
	if opts.ContentType == "" {
		opts.ContentType = mime.TypeByExtension(filepath.Ext(filePath))
	}
	plan, err := c.newUploadPlan(bucket, key, fi.Size(), opts)
	if err != nil {
		return UploadInfo{}, err
	}
	return c.upload(ctx, plan, &readerAtParts{r: f, size: fi.Size(), layout: plan.layout})
}

// objectAttrs are the stored attributes of an upload or a copy that
// replaces them.
type objectAttrs struct {
	contentType, contentEncoding, contentDisposition, contentLanguage, cacheControl string
	expires                                                                         time.Time
	metadata, tags                                                                  map[string]string
	storageClass, websiteRedirect                                                   string
}

func (o PutObjectOptions) attrs() objectAttrs {
	return objectAttrs{
		contentType: o.ContentType, contentEncoding: o.ContentEncoding, contentDisposition: o.ContentDisposition,
		contentLanguage: o.ContentLanguage, cacheControl: o.CacheControl, expires: o.Expires,
		metadata: o.Metadata, tags: o.Tags, storageClass: o.StorageClass, websiteRedirect: o.WebsiteRedirectLocation,
	}
}

// header is the request header of attrs, checked.
func (a objectAttrs) header() (http.Header, error) {
	h := http.Header{}
	for _, kv := range [][2]string{
		{"Content-Type", a.contentType},
		{"Content-Encoding", a.contentEncoding},
		{"Content-Disposition", a.contentDisposition},
		{"Content-Language", a.contentLanguage},
		{"Cache-Control", a.cacheControl},
		{"x-amz-storage-class", a.storageClass},
		{"x-amz-website-redirect-location", a.websiteRedirect},
	} {
		if !validHeaderValue(kv[1]) {
			return nil, invalidArgument("%s %q has characters a header cannot carry", kv[0], kv[1])
		}
		setIf(h, kv[0], kv[1])
	}
	setIfTime(h, "Expires", a.expires)
	for name, value := range a.metadata {
		lower := strings.ToLower(name)
		lower = strings.TrimPrefix(lower, metaPrefix)
		if !validHeaderName(lower) {
			return nil, invalidArgument("metadata name %q is not a valid header name", name)
		}
		if !validHeaderValue(value) {
			return nil, invalidArgument("metadata %q has a value a header cannot carry", name)
		}
		if h.Get(metaPrefix+lower) != "" {
			return nil, invalidArgument("metadata name %q is given twice", lower)
		}
		// Non-ASCII text travels as RFC 2047 encoded words, which S3
		// stores as the text they encode (userMetadata decodes replies).
		h.Set(metaPrefix+lower, usermeta.EncodeValue(value))
	}
	if len(a.tags) > 0 {
		t := tagging.FromMap(a.tags)
		if err := t.ValidateObject(); err != nil {
			return nil, invalidArgument("tags: %v", err)
		}
		h.Set("x-amz-tagging", t.QueryString())
	}
	return h, nil
}

// validHeaderName reports whether s is an HTTP token.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// validHeaderValue reports whether s can be sent as a header value: no
// control characters but tab. Bytes above 0x7f are sent as they are
// (UTF-8 metadata survives kura; AWS documents US-ASCII only).
func validHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// uploadPlan is an upload after its options were checked.
type uploadPlan struct {
	bucket, key string
	layout      partLayout
	threads     int
	// header and query go on the PUT or CreateMultipartUpload; cond on
	// the PUT or CompleteMultipartUpload; partHeader (the SSE-C key, the
	// replication-request flag, or nothing) on the parts and
	// CompleteMultipartUpload; completeHeader (a replica's time) on
	// CompleteMultipartUpload only.
	header, cond, partHeader, completeHeader http.Header
	query                                    url.Values
	// alg is "" when no checksum is sent.
	alg checksum.Algorithm
	// progress adds up body bytes as they are sent and reports them to
	// the caller's Progress; nil for none.
	progress *progressReporter
	// sent is told of body bytes as they are sent; nil for none.
	sent func(int64)
}

func (c *Client) newUploadPlan(bucket, key string, size int64, o PutObjectOptions) (*uploadPlan, error) {
	if err := checkObject(bucket, key); err != nil {
		return nil, err
	}
	if err := c.checkSSETransport(o.ServerSideEncryption); err != nil {
		return nil, err
	}
	if size < -1 {
		return nil, invalidArgument("size %d is neither -1 (unknown) nor a length", size)
	}
	if o.NumThreads < 0 {
		return nil, invalidArgument("NumThreads %d is negative", o.NumThreads)
	}
	if err := o.Replica.check(false); err != nil {
		return nil, err
	}
	layout, err := chooseLayout(size, o.PartSize, o.PartSizes)
	if err != nil {
		return nil, err
	}
	if o.ContentType == "" {
		o.ContentType = "application/octet-stream"
	}
	header, err := o.attrs().header()
	if err != nil {
		return nil, err
	}
	p := &uploadPlan{
		bucket: bucket, key: key, layout: layout, threads: o.NumThreads, header: header, cond: http.Header{},
		partHeader: http.Header{}, completeHeader: http.Header{}, alg: o.Checksum, progress: &progressReporter{report: o.Progress},
		sent: o.Sent,
	}
	if o.ServerSideEncryption != nil {
		o.ServerSideEncryption.setHeaders(p.header)
		setCustomerKeyHeaders(p.partHeader, o.ServerSideEncryption)
	}
	if o.Replica != nil {
		o.Replica.setHeaders(p.header)
		p.query = url.Values{"versionId": {o.Replica.VersionID}}
		p.partHeader.Set(replicationRequestHeader, "true")
		// kura takes a multipart replica's time from its creation, MinIO
		// from its completion.
		if !o.Replica.ModTime.IsZero() {
			p.completeHeader.Set(sourceMtimeHeader, o.Replica.ModTime.UTC().Format(time.RFC3339Nano))
		}
	}
	if p.threads == 0 {
		p.threads = defaultThreads
	}
	switch {
	case o.DisableChecksum:
		p.alg = ""
	case p.alg == "":
		p.alg = DefaultChecksum
	default:
		if p.alg, err = checksum.ParseAlgorithm(string(p.alg)); err != nil {
			return nil, invalidArgument("%v", err)
		}
	}
	setIf(p.cond, "If-Match", o.IfMatch)
	setIf(p.cond, "If-None-Match", o.IfNoneMatch)
	return p, nil
}

// onSent is what is told of body bytes as they are sent: the caller's
// Sent and the progress reporter; nil when neither listens.
func (p *uploadPlan) onSent() func(int64) {
	listens := p.progress != nil && p.progress.report != nil
	switch {
	case !listens && p.sent == nil:
		return nil
	case !listens:
		return p.sent
	case p.sent == nil:
		return p.progress.add
	}
	return func(n int64) {
		p.sent(n)
		p.progress.add(n)
	}
}

// partLayout says how long each part of an upload is: size bytes, or
// the given sizes when there are any. A part may get fewer bytes when the
// data ends first.
type partLayout struct {
	size  int64
	sizes []int64
}

// of is the size of part number (from 1); 0 past the given sizes.
func (l partLayout) of(number int) int64 {
	switch {
	case l.sizes == nil:
		return l.size
	case number > len(l.sizes):
		return 0
	}
	return l.sizes[number-1]
}

// chooseLayout is the layout of an upload of size bytes: the exact sizes
// when given, else parts of the requested or default size.
func chooseLayout(size int64, partSize uint64, sizes []int64) (partLayout, error) {
	if sizes == nil {
		n, err := choosePartSize(size, partSize)
		return partLayout{size: n}, err
	}
	if partSize != 0 {
		return partLayout{}, invalidArgument("PartSize and PartSizes are both set")
	}
	if err := checkPartSizes(size, sizes); err != nil {
		return partLayout{}, err
	}
	return partLayout{sizes: append([]int64(nil), sizes...)}, nil
}

// checkPartSizes checks an exact layout against S3's limits and the
// object's size.
func checkPartSizes(size int64, sizes []int64) error {
	switch {
	case len(sizes) == 0:
		return invalidArgument("PartSizes is empty")
	case len(sizes) > maxPartNumber:
		return invalidArgument("PartSizes has %d parts; S3 allows at most %d", len(sizes), maxPartNumber)
	case size < 0:
		return invalidArgument("PartSizes needs the size of the data")
	case size > maxObjectSize:
		return invalidArgument("size %d is more than S3's 5 TiB", size)
	}
	var sum int64
	for i, n := range sizes {
		last := i == len(sizes)-1
		switch {
		case n > maxPartSize:
			return invalidArgument("part %d is %d bytes, more than 5 GiB", i+1, n)
		case !last && n < minPartSize:
			return invalidArgument("part %d is %d bytes; every part but the last must be at least 5 MiB", i+1, n)
		case last && len(sizes) > 1 && n < 1:
			return invalidArgument("the last of %d parts is empty", len(sizes))
		case n < 0:
			return invalidArgument("part %d has a negative size", i+1)
		}
		sum += n
	}
	if sum != size {
		return invalidArgument("PartSizes add up to %d bytes, not the size %d", sum, size)
	}
	return nil
}

// choosePartSize is the requested or default part size, raised so that
// maxPartNumber parts hold size bytes.
func choosePartSize(size int64, requested uint64) (int64, error) {
	if requested != 0 && (requested < minPartSize || requested > maxPartSize) {
		return 0, invalidArgument("part size %d is not between 5 MiB and 5 GiB", requested)
	}
	if size > maxObjectSize {
		return 0, invalidArgument("size %d is more than S3's 5 TiB", size)
	}
	partSize := int64(defaultPartSize)
	if requested != 0 {
		partSize = int64(requested)
	}
	const mib = 1 << 20
	needed := (size + maxPartNumber - 1) / maxPartNumber
	needed = (needed + mib - 1) / mib * mib
	return max(partSize, needed), nil
}

// multipartChecksumType is the checksum type of a multipart upload with
// alg: a CRC of the whole data when CRCs of parts can be combined into
// one.
func multipartChecksumType(alg checksum.Algorithm) string {
	if alg.Combinable() {
		return "FULL_OBJECT"
	}
	return "COMPOSITE"
}

// uploadPart is one part of an upload, ready to send.
type uploadPart struct {
	number int
	body   io.ReadSeeker
	size   int64
	// last is set when the source knows no part follows.
	last bool
	// release gives the part's buffer back; called once the part is
	// sent or abandoned.
	release func()
}

// A partSource cuts an upload's data into parts.
type partSource interface {
	// next returns the next part, or io.EOF when there is none. The
	// first call returns a part even for empty data.
	next(ctx context.Context) (*uploadPart, error)
}

// readerAtParts cuts parts out of random-access data, without copying.
type readerAtParts struct {
	r          io.ReaderAt
	base, size int64
	layout     partLayout
	offset     int64
	number     int
}

func (s *readerAtParts) next(ctx context.Context) (*uploadPart, error) {
	if s.number > 0 && s.offset >= s.size {
		return nil, io.EOF
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.number++
	n := min(s.layout.of(s.number), s.size-s.offset)
	p := &uploadPart{
		number: s.number, body: io.NewSectionReader(s.r, s.base+s.offset, n), size: n, release: func() {},
	}
	s.offset += n
	p.last = s.offset >= s.size
	return p, nil
}

// streamParts reads parts from a stream into pooled buffers. slots holds
// a token per buffer in use, which bounds the memory of an upload.
type streamParts struct {
	r      io.Reader
	size   int64 // -1 when unknown
	layout partLayout
	read   int64
	number int
	done   bool
	slots  chan struct{}
}

func newStreamParts(r io.Reader, size int64, layout partLayout, buffers int) *streamParts {
	return &streamParts{r: r, size: size, layout: layout, slots: make(chan struct{}, buffers)}
}

// partBuffers recycles part buffers between parts and uploads.
var partBuffers sync.Pool // of *[]byte

func getPartBuffer(n int64) *[]byte {
	if n < smallBody {
		b := make([]byte, n)
		return &b
	}
	if b, ok := partBuffers.Get().(*[]byte); ok && int64(cap(*b)) >= n {
		*b = (*b)[:n]
		return b
	}
	b := make([]byte, n)
	return &b
}

func putPartBuffer(b *[]byte) {
	if cap(*b) >= smallBody {
		partBuffers.Put(b)
	}
}

func (s *streamParts) next(ctx context.Context) (*uploadPart, error) {
	want := s.layout.of(s.number + 1)
	if s.size >= 0 {
		want = min(want, s.size-s.read)
	}
	if s.done || (want == 0 && s.number > 0) {
		return nil, io.EOF
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	buf := getPartBuffer(want)
	release := func() { putPartBuffer(buf); <-s.slots }
	n, err := io.ReadFull(s.r, *buf)
	s.read += int64(n)
	switch {
	case s.size >= 0 && err != nil:
		release()
		return nil, fmt.Errorf("client: reader ended after %d of %d bytes: %w", s.read, s.size, io.ErrUnexpectedEOF)
	case err == io.EOF && s.number > 0:
		release()
		return nil, io.EOF
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		s.done = true
	case err != nil:
		release()
		return nil, err
	}
	if s.number == maxPartNumber {
		release()
		return nil, invalidArgument("data is longer than %d parts of %d bytes; raise PartSize", maxPartNumber, s.layout.size)
	}
	s.number++
	last := s.done || (s.size >= 0 && s.read == s.size)
	return &uploadPart{number: s.number, body: bytes.NewReader((*buf)[:n]), size: int64(n), last: last, release: release}, nil
}

// upload sends src as one PUT when it is a single part, else as a
// multipart upload.
func (c *Client) upload(ctx context.Context, plan *uploadPlan, src partSource) (UploadInfo, error) {
	first, err := src.next(ctx)
	if err != nil {
		return UploadInfo{}, err
	}
	if first.last {
		defer first.release()
		return c.putSingle(ctx, plan, first)
	}
	return c.putMultipart(ctx, plan, src, first)
}

// sumPart computes the checksum of a part and rewinds it; nil when the
// plan sends none.
func sumPart(alg checksum.Algorithm, body io.ReadSeeker) ([]byte, error) {
	if alg == "" {
		return nil, nil
	}
	h := alg.New()
	if _, err := io.Copy(h, body); err != nil {
		return nil, err
	}
	if _, err := body.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}

// partRequest is the PUT of a part's data, with its checksum header;
// sent, when not nil, is told of the body's bytes as they are read.
func partRequest(alg checksum.Algorithm, p *uploadPart, header http.Header, sent func(int64)) (*request, []byte, error) {
	sum, err := sumPart(alg, p.body)
	if err != nil {
		return nil, nil, err
	}
	if sum != nil {
		header.Set(alg.HeaderName(), checksum.Encode(sum))
	}
	r := &request{method: http.MethodPut, header: header, length: p.size}
	// A zero-length body must be nil: net/http sends a non-nil one of
	// length 0 chunked.
	if p.size > 0 {
		r.body = p.body
		if sent != nil {
			r.body = &countingBody{r: p.body, sent: sent}
		}
	}
	return r, sum, nil
}

// checkStoredSum compares the checksum a server reports with the
// client's; a server that reports none is not checked.
func checkStoredSum(alg checksum.Algorithm, want []byte, got string) error {
	if want == nil || got == "" {
		return nil
	}
	if enc := checksum.Encode(want); got != enc {
		return fmt.Errorf("%w: server stored %s %s, client computed %s", ErrChecksumMismatch, alg, got, enc)
	}
	return nil
}

func (c *Client) putSingle(ctx context.Context, plan *uploadPlan, p *uploadPart) (UploadInfo, error) {
	header := plan.header.Clone()
	for k, v := range plan.cond {
		header[k] = v
	}
	r, sum, err := partRequest(plan.alg, p, header, plan.onSent())
	if err != nil {
		return UploadInfo{}, err
	}
	r.bucket, r.key, r.query = plan.bucket, plan.key, plan.query
	resp, err := c.do(ctx, r)
	if err != nil {
		return UploadInfo{}, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	info := UploadInfo{
		Bucket: plan.bucket, Key: plan.key, ETag: trimETag(resp.Header.Get("ETag")), Size: p.size,
		VersionID: resp.Header.Get("x-amz-version-id"), Checksums: checksumsFromHeader(resp.Header),
		ChecksumType: resp.Header.Get("x-amz-checksum-type"),
	}
	encryptionFromHeader(resp.Header).setUpload(&info)
	if err := checkStoredSum(plan.alg, sum, info.Checksums[plan.alg]); err != nil {
		return info, err
	}
	plan.progress.finish()
	return info, nil
}

// completedPart is a stored part, as CompleteMultipartUpload names it.
type completedPart struct {
	number int
	etag   string
	sum    []byte
	size   int64
}

func (c *Client) putMultipart(ctx context.Context, plan *uploadPlan, src partSource, first *uploadPart) (UploadInfo, error) {
	uploadID, err := c.createUpload(ctx, plan.bucket, plan.key, plan.query, plan.header, plan.alg)
	if err != nil {
		first.release()
		return UploadInfo{}, err
	}
	parts, err := c.uploadParts(ctx, plan, uploadID, src, first)
	var info UploadInfo
	if err == nil {
		info, err = c.completeUpload(ctx, plan.bucket, plan.key, uploadID, parts, plan.alg, mergeHeaders(plan.cond, plan.partHeader, plan.completeHeader))
	}
	if err != nil {
		return UploadInfo{}, c.abortAfter(ctx, plan.bucket, plan.key, uploadID, err)
	}
	plan.progress.finish()
	return info, nil
}

type initiateResult struct {
	UploadID string `xml:"UploadId"`
}

// createUpload starts a multipart upload, with query parameters beside
// uploads (nil for none). It is not retried after a lost answer: a
// second attempt would leave the first upload behind.
func (c *Client) createUpload(ctx context.Context, bucket, key string, query url.Values, header http.Header, alg checksum.Algorithm) (string, error) {
	header = header.Clone()
	if alg != "" {
		header.Set("x-amz-checksum-algorithm", string(alg))
		header.Set("x-amz-checksum-type", multipartChecksumType(alg))
	}
	q := subresource("uploads")
	for k, v := range query {
		q[k] = v
	}
	r := &request{method: http.MethodPost, bucket: bucket, key: key, query: q, header: header}
	var res initiateResult
	if _, err := c.doResult(ctx, r, "InitiateMultipartUploadResult", &res); err != nil {
		return "", err
	}
	if res.UploadID == "" {
		return "", errors.New("client: CreateMultipartUpload answered no upload id")
	}
	return res.UploadID, nil
}

// abortAfter aborts an upload that failed with cause, even if ctx is
// canceled, and returns cause, joined with the abort's error unless the
// upload is already gone.
func (c *Client) abortAfter(ctx context.Context, bucket, key, uploadID string, cause error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), abortTimeout)
	defer cancel()
	r := &request{method: http.MethodDelete, bucket: bucket, key: key, query: url.Values{"uploadId": {uploadID}}}
	_, err := c.doXML(ctx, r, nil)
	if err == nil || ErrorCode(err) == "NoSuchUpload" {
		return cause
	}
	return errors.Join(cause, fmt.Errorf("client: upload %s was not aborted: %w", uploadID, err))
}

// uploadParts sends the parts of src, plan.threads at a time, starting
// with first. The first failure cancels the others.
func (c *Client) uploadParts(ctx context.Context, plan *uploadPlan, uploadID string, src partSource, first *uploadPart) ([]completedPart, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		done     []completedPart
		firstErr error
	)
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
		cancel(err)
	}
	workers := make(chan struct{}, plan.threads)
	for p := first; p != nil; {
		if ctx.Err() != nil {
			p.release()
			break
		}
		select {
		case workers <- struct{}{}:
		case <-ctx.Done():
			p.release()
			p = nil
			continue
		}
		wg.Add(1)
		go func(p *uploadPart) {
			defer wg.Done()
			defer func() { <-workers }()
			defer p.release()
			cp, err := c.sendPart(ctx, plan, uploadID, p)
			if err != nil {
				fail(err)
				return
			}
			mu.Lock()
			done = append(done, cp)
			mu.Unlock()
		}(p)
		if p.last {
			break
		}
		var err error
		if p, err = src.next(ctx); err != nil {
			if err != io.EOF {
				fail(err)
			}
			p = nil
		}
	}
	wg.Wait()
	if firstErr == nil && ctx.Err() != nil {
		firstErr = context.Cause(ctx)
	}
	if firstErr != nil {
		return nil, firstErr
	}
	sort.Slice(done, func(i, j int) bool { return done[i].number < done[j].number })
	return done, nil
}

// sendPart uploads one part and checks the checksum the server reports.
func (c *Client) sendPart(ctx context.Context, plan *uploadPlan, uploadID string, p *uploadPart) (completedPart, error) {
	r, sum, err := partRequest(plan.alg, p, plan.partHeader.Clone(), plan.onSent())
	if err != nil {
		return completedPart{}, err
	}
	r.bucket, r.key = plan.bucket, plan.key
	r.query = url.Values{"partNumber": {strconv.Itoa(p.number)}, "uploadId": {uploadID}}
	resp, err := c.do(ctx, r)
	if err != nil {
		return completedPart{}, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	etag := trimETag(resp.Header.Get("ETag"))
	if etag == "" {
		return completedPart{}, fmt.Errorf("client: part %d was stored without an ETag", p.number)
	}
	if plan.alg != "" {
		if err := checkStoredSum(plan.alg, sum, resp.Header.Get(plan.alg.HeaderName())); err != nil {
			return completedPart{}, fmt.Errorf("part %d: %w", p.number, err)
		}
	}
	return completedPart{number: p.number, etag: etag, sum: sum, size: p.size}, nil
}

// partChecksums are the checksum elements of a part in
// CompleteMultipartUpload and of its result.
type partChecksums = checksum.Elements

type completeDocPart struct {
	PartNumber int    `xml:"PartNumber"`
	ETag       string `xml:"ETag"`
	partChecksums
}

type completeDoc struct {
	XMLName xml.Name          `xml:"CompleteMultipartUpload"`
	Xmlns   string            `xml:"xmlns,attr"`
	Parts   []completeDocPart `xml:"Part"`
}

type completeResult struct {
	ETag string `xml:"ETag"`
	partChecksums
	ChecksumType string `xml:"ChecksumType"`
}

// objectChecksum is the checksum of a multipart object made of parts: the
// combined CRC (FULL_OBJECT) or the checksum of the part checksums with
// the part count (COMPOSITE).
func objectChecksum(alg checksum.Algorithm, parts []completedPart) (string, error) {
	if alg.Combinable() {
		whole := parts[0].sum
		for _, p := range parts[1:] {
			var err error
			if whole, err = alg.Combine(whole, p.sum, p.size); err != nil {
				return "", err
			}
		}
		return checksum.Encode(whole), nil
	}
	h := alg.New()
	for _, p := range parts {
		h.Write(p.sum)
	}
	return checksum.Encode(h.Sum(nil)) + "-" + strconv.Itoa(len(parts)), nil
}

// completeUpload commits the parts of an upload with checksums of alg
// ("" for none), sending header too (the write conditions, an SSE-C
// key). CompleteMultipartUpload is not retried after a lost answer (the
// upload would be gone by then), and may fail in a 200 answer.
func (c *Client) completeUpload(ctx context.Context, bucket, key, uploadID string, parts []completedPart, alg checksum.Algorithm, header http.Header) (UploadInfo, error) {
	doc := completeDoc{Xmlns: s3Namespace, Parts: make([]completeDocPart, len(parts))}
	for i, p := range parts {
		doc.Parts[i] = completeDocPart{PartNumber: p.number, ETag: `"` + p.etag + `"`}
		if alg != "" {
			*doc.Parts[i].Field(alg) = checksum.Encode(p.sum)
		}
	}
	body, err := xml.Marshal(doc)
	if err != nil {
		return UploadInfo{}, err
	}
	header = header.Clone()
	if header == nil {
		header = http.Header{}
	}
	header.Set("Content-Type", "application/xml")
	var want string
	if alg != "" {
		if want, err = objectChecksum(alg, parts); err != nil {
			return UploadInfo{}, err
		}
		if alg.Combinable() {
			header.Set(alg.HeaderName(), want)
			header.Set("x-amz-checksum-type", "FULL_OBJECT")
		}
	}
	r := (&request{
		method: http.MethodPost, bucket: bucket, key: key, query: url.Values{"uploadId": {uploadID}}, header: header,
	}).bytesBody(body)
	var res completeResult
	h, err := c.doResult(ctx, r, "CompleteMultipartUploadResult", &res)
	if err != nil {
		return UploadInfo{}, err
	}
	var size int64
	for _, p := range parts {
		size += p.size
	}
	info := UploadInfo{
		Bucket: bucket, Key: key, ETag: trimETag(res.ETag), Size: size, VersionID: h.Get("x-amz-version-id"),
		Checksums: res.Values(), ChecksumType: res.ChecksumType,
	}
	encryptionFromHeader(h).setUpload(&info)
	if got := info.Checksums[alg]; alg != "" && got != "" && got != want {
		return info, fmt.Errorf("%w: server stored %s %s, client computed %s", ErrChecksumMismatch, alg, got, want)
	}
	return info, nil
}

// mergeHeaders is a new header with the values of all hs; later ones
// win.
func mergeHeaders(hs ...http.Header) http.Header {
	out := http.Header{}
	for _, h := range hs {
		for k, v := range h {
			out[k] = append([]string(nil), v...)
		}
	}
	return out
}

// countingBody tells sent of the bytes read from a request body, and
// takes them back when the body is rewound for a retry.
type countingBody struct {
	r    io.ReadSeeker
	sent func(int64)
	read int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if n > 0 {
		b.read += int64(n)
		b.sent(int64(n))
	}
	return n, err
}

func (b *countingBody) Seek(offset int64, whence int) (int64, error) {
	pos, err := b.r.Seek(offset, whence)
	if err == nil && whence == io.SeekStart && b.read > 0 {
		b.sent(-b.read)
		b.read = 0
	}
	return pos, err
}
