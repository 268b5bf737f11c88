package object

import (
	"context"
	"io"
	"strings"
)

// VersionReader reads one version of an object at any offset, as readers
// of formats that keep their index at the end (Parquet) need. It pins
// the version it found first: every read names that version and its
// ETag, so that a replacement of the object between reads is an error
// (PreconditionFailed) rather than a mix of two objects' bytes.
type VersionReader struct {
	l      *Layer
	ctx    context.Context
	bucket string
	key    string
	opts   GetOptions
	info   ObjectInfo
}

// OpenVersionReader looks up bucket/key (the version opts names, else the
// latest) and returns a reader of its plaintext. opts.CustomerKey is the
// SSE-C key of an object stored with one; Range and PartNumber are
// ignored. The reader uses ctx for every read.
func (l *Layer) OpenVersionReader(ctx context.Context, bucket, key string, opts GetOptions) (*VersionReader, error) {
	opts.Range, opts.PartNumber, opts.InfoOnly = nil, 0, false
	obj, err := l.HeadObject(ctx, bucket, key, opts)
	if err != nil {
		return nil, err
	}
	opts.VersionID = obj.Info.VersionID
	opts.Cond = Conditions{IfMatch: obj.Info.ETag}
	return &VersionReader{l: l, ctx: ctx, bucket: bucket, key: key, opts: opts, info: obj.Info}, nil
}

// Info describes the version read.
func (r *VersionReader) Info() ObjectInfo { return r.info }

// Size is the version's size in bytes.
func (r *VersionReader) Size() int64 { return r.info.Size }

// ReadAt reads len(p) bytes at off, or fewer and io.EOF at the end of
// the object.
func (r *VersionReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, io.ErrUnexpectedEOF
	}
	if off >= r.info.Size || len(p) == 0 {
		if len(p) == 0 && off <= r.info.Size {
			return 0, nil
		}
		return 0, io.EOF
	}
	n := min(int64(len(p)), r.info.Size-off)
	body, err := r.Open(off, n)
	if err != nil {
		return 0, err
	}
	defer body.Close()
	got, err := io.ReadFull(body, p[:n])
	if err == nil && n < int64(len(p)) {
		err = io.EOF
	}
	return got, err
}

// Open returns n bytes of the version from off (n < 0: to its end).
func (r *VersionReader) Open(off, n int64) (io.ReadCloser, error) {
	if off >= r.info.Size || n == 0 {
		// S3 has no empty range; the bytes past the end are none.
		return io.NopCloser(strings.NewReader("")), nil
	}
	opts := r.opts
	end := int64(-1)
	if n >= 0 {
		end = off + n - 1
	}
	opts.Range = &Range{Start: off, End: end}
	obj, err := r.l.GetObject(r.ctx, r.bucket, r.key, opts)
	if err != nil {
		return nil, err
	}
	return obj.Body, nil
}
