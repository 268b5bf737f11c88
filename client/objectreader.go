package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// defaultMaxResumes is how often a read of an object may be resumed
// after its connection broke, unless GetObjectOptions says otherwise.
const defaultMaxResumes = 10

// errObjectClosed is returned by the methods of a closed Object.
var errObjectClosed = errors.New("client: object is closed")

// Object is an object being read, and its description. It is an
// io.Reader, io.Seeker, io.ReaderAt and io.Closer, so it can be given to
// http.ServeContent, archive/zip and io.SectionReader.
//
// Positions count from the first byte GetObject selected: the range,
// the part, or the whole object. Read streams from the connection
// GetObject opened; after a Seek elsewhere, the next Read opens a ranged
// GET from the new position. ReadAt sends a ranged GET of its own and
// may be called from several goroutines at once, also while Read is
// used. Every GET after the first carries If-Match with the ETag of the
// first answer, so all the data comes from the same object: when the
// object was replaced meanwhile, the read fails with S3's
// PreconditionFailed error.
//
// A read whose connection breaks (reset, or closed before the end) is
// resumed with a ranged GET from where it stopped, at most MaxResumes
// times (GetObjectOptions).
//
// Read, Seek and Close may be called from several goroutines, but a
// Read's position is then whatever the calls made it. Close releases the
// connection.
type Object struct {
	// Info describes the object; Size is the whole object's size even
	// when a range is read.
	Info ObjectInfo

	c      *Client
	ctx    context.Context
	bucket string
	key    string
	opts   GetObjectOptions
	// etag is the first answer's ETag header, as sent (with quotes).
	etag string
	// base is where position 0 is in the object, and size how many
	// bytes may be read from there; size is -1 when the answer did not
	// say, and then the object can only be read through once.
	base, size int64
	maxResumes int
	closed     atomic.Bool

	mu sync.Mutex
	// pos is the position of the next Read; body, when not nil, is a
	// stream of the object at bodyPos.
	pos, bodyPos int64
	body         io.ReadCloser
	// broken is why the previous stream ended early, for the resume that
	// follows; resumes counts them.
	broken  error
	resumes int
	// verify checks the data read in sequence from position 0 against
	// the stored checksum; nil when there is none to check or the reads
	// left that sequence.
	verify   *sequentialVerifier
	progress *progressReporter
	// endErr is what a Read at the end returns: io.EOF or a checksum
	// mismatch.
	endErr error
}

// sequentialVerifier hashes the data read from position 0 on, without
// gaps, to compare it with the stored checksum at the end.
type sequentialVerifier struct {
	sum  sumToVerify
	h    hash.Hash
	next int64
}

// newObject describes the object of a GET's first answer and keeps its
// body as the stream at position 0.
func (c *Client) newObject(ctx context.Context, bucket, key string, opts GetObjectOptions, resp *http.Response, whole bool) *Object {
	info := objectInfoFromHeader(key, resp.Header, resp.ContentLength)
	o := &Object{
		Info: info, c: c, ctx: ctx, bucket: bucket, key: key, opts: opts,
		etag: resp.Header.Get("ETag"), size: resp.ContentLength, body: resp.Body,
		maxResumes: opts.MaxResumes, progress: &progressReporter{report: opts.Progress},
	}
	if start, end, _, ok := parseContentRange(resp.Header.Get("Content-Range")); ok && resp.StatusCode == http.StatusPartialContent {
		o.base, o.size = start, end-start+1
	}
	switch {
	case o.maxResumes == 0:
		o.maxResumes = defaultMaxResumes
	case o.maxResumes < 0:
		o.maxResumes = 0
	}
	// Only a read of the whole object can be checked against the
	// object's checksum.
	if v, ok := wholeChecksum(resp, info); ok && whole {
		o.verify = &sequentialVerifier{sum: v, h: v.alg.New()}
	}
	return o
}

// parseContentRange reads "bytes first-last/total"; total is -1 when
// given as "*".
func parseContentRange(v string) (first, last, total int64, ok bool) {
	rest, found := strings.CutPrefix(v, "bytes ")
	if !found {
		return 0, 0, 0, false
	}
	span, totalText, found := strings.Cut(rest, "/")
	firstText, lastText, found2 := strings.Cut(span, "-")
	if !found || !found2 {
		return 0, 0, 0, false
	}
	var err1, err2, err3 error
	first, err1 = strconv.ParseInt(firstText, 10, 64)
	last, err2 = strconv.ParseInt(lastText, 10, 64)
	total = -1
	if totalText != "*" {
		total, err3 = strconv.ParseInt(totalText, 10, 64)
	}
	if err1 != nil || err2 != nil || err3 != nil || first < 0 || last < first {
		return 0, 0, 0, false
	}
	return first, last, total, true
}

// Stat describes the object, as Info does.
func (o *Object) Stat() (ObjectInfo, error) {
	if o.closed.Load() {
		return ObjectInfo{}, errObjectClosed
	}
	return o.Info, nil
}

// Size is the number of bytes that can be read: the range, the part or
// the whole object GetObject selected; -1 when the server did not say.
func (o *Object) Size() int64 { return o.size }

// Read reads the object's data from the current position.
func (o *Object) Read(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed.Load() {
		return 0, errObjectClosed
	}
	switch {
	case o.size >= 0 && o.pos >= o.size:
		return 0, o.atEnd(o.size)
	case o.size >= 0:
		p = p[:min(int64(len(p)), o.size-o.pos)]
	case o.endErr != nil:
		// The stream of unknown size ended.
		return 0, o.endErr
	}
	if len(p) == 0 {
		return 0, nil
	}
	for {
		if err := o.openStream(); err != nil {
			return 0, err
		}
		n, err := o.body.Read(p)
		o.delivered(p[:n])
		switch {
		case err == nil:
			return n, nil
		case o.size >= 0 && o.pos >= o.size, o.size < 0 && err == io.EOF:
			o.dropStream()
			if o.size < 0 {
				// Without a size the stream's end is the object's.
				return n, o.atEnd(o.pos)
			}
			if n > 0 {
				return n, nil
			}
			return 0, o.atEnd(o.size)
		}
		o.dropStream()
		if !o.resumable(err) {
			return n, err
		}
		o.broken = err
		if n > 0 {
			return n, nil
		}
	}
}

// delivered moves the position past data read from the stream.
func (o *Object) delivered(data []byte) {
	if len(data) == 0 {
		return
	}
	if v := o.verify; v != nil {
		if v.next == o.pos {
			v.h.Write(data)
			v.next += int64(len(data))
		} else {
			o.verify = nil
		}
	}
	o.pos += int64(len(data))
	o.bodyPos += int64(len(data))
	o.progress.add(int64(len(data)))
}

// atEnd is what a Read at the end, position end, returns: io.EOF, or a
// checksum mismatch when the whole object was read in sequence and
// differs.
func (o *Object) atEnd(end int64) error {
	if o.endErr != nil {
		return o.endErr
	}
	o.endErr = io.EOF
	if v := o.verify; v != nil && v.next == end && !bytes.Equal(v.h.Sum(nil), v.sum.want) {
		o.endErr = fmt.Errorf("%w: the %s of the data read differs from the stored one", ErrChecksumMismatch, v.sum.alg)
	}
	o.progress.finish()
	return o.endErr
}

// resumable reports whether a read that failed with err may go on from
// where it stopped: the connection broke, and the caller still wants the
// data.
func (o *Object) resumable(err error) bool {
	return o.ctx.Err() == nil && o.size >= 0 && retryableNetError(err)
}

// openStream makes body a stream at pos: the current one if it is
// there, else a ranged GET to the end, after a pause when it resumes a
// broken stream.
func (o *Object) openStream() error {
	if o.body != nil && o.bodyPos == o.pos {
		return nil
	}
	o.dropStream()
	if o.size < 0 {
		return fmt.Errorf("client: %s/%s cannot be read out of sequence: the server did not give its size", o.bucket, o.key)
	}
	if cause := o.broken; cause != nil {
		if o.resumes >= o.maxResumes {
			return fmt.Errorf("client: reading %s/%s broke off %d times: %w", o.bucket, o.key, o.resumes+1, cause)
		}
		if err := o.c.backoff(o.ctx, o.resumes); err != nil {
			return err
		}
		o.resumes++
		o.broken = nil
	}
	body, err := o.rangeBody(o.base+o.pos, o.base+o.size-1)
	if err != nil {
		return err
	}
	o.body, o.bodyPos = body, o.pos
	return nil
}

func (o *Object) dropStream() {
	if o.body != nil {
		o.body.Close()
		o.body = nil
	}
}

// rangeBody GETs bytes first to last (of the object), pinned to the ETag
// of the first answer.
func (o *Object) rangeBody(first, last int64) (io.ReadCloser, error) {
	r, err := o.c.readRequest(http.MethodGet, o.bucket, o.key, StatObjectOptions{
		VersionID: o.opts.VersionID, Headers: o.opts.Headers, ExtraQuery: o.opts.ExtraQuery,
		ServerSideEncryption: o.opts.ServerSideEncryption,
	})
	if err != nil {
		return nil, err
	}
	r.header.Set("Range", fmt.Sprintf("bytes=%d-%d", first, last))
	setIf(r.header, "If-Match", o.etag)
	resp, err := o.c.do(o.ctx, r)
	if err != nil {
		if ErrorCode(err) == "PreconditionFailed" {
			return nil, fmt.Errorf("client: %s/%s changed while being read: %w", o.bucket, o.key, err)
		}
		return nil, err
	}
	if err := o.checkRangeAnswer(resp, first, last); err != nil {
		resp.Body.Close()
		return nil, err
	}
	return resp.Body, nil
}

// checkRangeAnswer makes sure an answer carries the bytes asked for, of
// the same object: a server that ignores Range or If-Match must not
// splice other data into the read.
func (o *Object) checkRangeAnswer(resp *http.Response, first, last int64) error {
	if etag := resp.Header.Get("ETag"); o.etag != "" && etag != "" && etag != o.etag {
		return fmt.Errorf("client: %s/%s changed while being read: %w", o.bucket, o.key, &ErrorResponse{
			StatusCode: http.StatusPreconditionFailed, Code: "PreconditionFailed",
			Message: "the object's ETag is now " + etag + ", not " + o.etag, BucketName: o.bucket, Key: o.key,
		})
	}
	start, end, _, ok := parseContentRange(resp.Header.Get("Content-Range"))
	switch {
	case resp.StatusCode == http.StatusPartialContent && ok && start == first && end == last:
		return nil
	case resp.StatusCode == http.StatusOK && first == 0 && resp.ContentLength == last+1:
		return nil
	}
	return fmt.Errorf("client: asked %s/%s for bytes %d-%d, got HTTP %d with Content-Range %q",
		o.bucket, o.key, first, last, resp.StatusCode, resp.Header.Get("Content-Range"))
}

// Seek sets the position of the next Read. It sends nothing: the next
// Read does.
func (o *Object) Seek(offset int64, whence int) (int64, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed.Load() {
		return 0, errObjectClosed
	}
	var pos int64
	switch whence {
	case io.SeekStart:
		pos = offset
	case io.SeekCurrent:
		pos = o.pos + offset
	case io.SeekEnd:
		if o.size < 0 {
			return 0, fmt.Errorf("client: cannot seek from the end of %s/%s: the server did not give its size", o.bucket, o.key)
		}
		pos = o.size + offset
	default:
		return 0, fmt.Errorf("client: seek whence %d is not io.SeekStart, io.SeekCurrent or io.SeekEnd", whence)
	}
	if pos < 0 {
		return 0, fmt.Errorf("client: seek to %d, before the start", pos)
	}
	o.pos = pos
	return pos, nil
}

// ReadAt reads len(p) bytes at off with a ranged GET of their own (two
// or more when the connection breaks), leaving the position of Read
// alone. It returns io.EOF with fewer bytes at the end of the object.
func (o *Object) ReadAt(p []byte, off int64) (int, error) {
	if o.closed.Load() {
		return 0, errObjectClosed
	}
	if off < 0 {
		return 0, fmt.Errorf("client: read at %d, before the start", off)
	}
	if o.size < 0 {
		return 0, fmt.Errorf("client: %s/%s cannot be read at an offset: the server did not give its size", o.bucket, o.key)
	}
	if off >= o.size {
		return 0, io.EOF
	}
	want := p[:min(int64(len(p)), o.size-off)]
	n, resumes := 0, 0
	for n < len(want) {
		body, err := o.rangeBody(o.base+off+int64(n), o.base+off+int64(len(want))-1)
		if err != nil {
			return n, err
		}
		m, err := io.ReadFull(body, want[n:])
		body.Close()
		n += m
		if err == nil {
			break
		}
		if !o.resumable(err) || resumes >= o.maxResumes {
			return n, err
		}
		if err := o.c.backoff(o.ctx, resumes); err != nil {
			return n, err
		}
		resumes++
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// Close releases the connection. Reading after Close fails.
func (o *Object) Close() error {
	o.closed.Store(true)
	o.mu.Lock()
	defer o.mu.Unlock()
	o.dropStream()
	return nil
}
