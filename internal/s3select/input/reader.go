package input

import (
	"bufio"
	"compress/bzip2"
	"errors"
	"io"

	"github.com/klauspost/compress/gzip"

	"github.com/kurastore/kura/internal/s3select/sql"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/s3select"
)

// MaxRecordSize is the longest record, in bytes without its delimiter:
// AWS's maxCharsPerRecord of 1 MB.
const MaxRecordSize = 1 << 20

// Reader reads the records of an object.
type Reader interface {
	// Next returns the next record, valid until the following call, or
	// io.EOF after the last one.
	Next() (sql.Record, error)
	// BytesScanned is the number of bytes read from the object so far:
	// compressed bytes for a compressed object.
	BytesScanned() int64
	// BytesProcessed is the number of uncompressed bytes read so far.
	BytesProcessed() int64
}

// Config is what a reader needs besides the object's bytes.
type Config struct {
	Input s3select.InputSerialization
	// Span is the scan range; nil for the whole object. The reader's
	// source must then start at Span.ReadFrom.
	Span *Span
	// Header, for a CSV object read with FileHeaderInfo USE or IGNORE
	// from a span that starts past byte 0, reads the object from its
	// first byte so that the header can be read from it. Without it
	// such a scan has no column names.
	Header io.Reader
}

// NewReader returns a reader of the records of src, which reads the
// object from its first byte or, with a Span, from Span.ReadFrom.
func NewReader(src io.Reader, cfg Config) (Reader, error) {
	in := cfg.Input
	if cfg.Span != nil && (compressed(in) || in.CSV == nil && (in.JSON == nil || in.JSON.Type != s3select.JSONLines)) {
		return nil, s3err.ErrUnsupportedScanRangeInput
	}
	st, err := newStream(src, in.CompressionType)
	if err != nil {
		return nil, err
	}
	switch {
	case in.CSV != nil:
		return newCSVReader(st, in.CSV, cfg.Span, cfg.Header)
	case in.JSON != nil:
		return newJSONReader(st, in.JSON, cfg.Span)
	}
	return nil, s3err.ErrInvalidRequestParameter.WithMessage("The InputSerialization needs CSV or JSON.")
}

func compressed(in s3select.InputSerialization) bool {
	return in.CompressionType != "" && in.CompressionType != s3select.CompressionNone
}

// stream is the object's bytes, decompressed, with the counts that
// Stats and Progress messages report.
type stream struct {
	raw  counter   // the object as stored
	data io.Reader // decompressed
	out  counter   // what the parser reads: the uncompressed bytes
}

// counter counts the bytes read through it and keeps the first error of
// its source, so that a storage error is told from a corrupt stream.
type counter struct {
	r   io.Reader
	n   int64
	err error
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil && err != io.EOF && c.err == nil {
		c.err = err
	}
	return n, err
}

func newStream(src io.Reader, compression string) (*stream, error) {
	st := &stream{raw: counter{r: src}}
	switch compression {
	case "", s3select.CompressionNone:
		st.out.r = &st.raw
		return st, nil
	case s3select.CompressionGZIP:
		zr, err := gzip.NewReader(bufio.NewReaderSize(&st.raw, 64<<10))
		if err != nil {
			return nil, st.decompressionError(err)
		}
		st.data = zr
	case s3select.CompressionBZIP2:
		st.data = bzip2.NewReader(bufio.NewReaderSize(&st.raw, 64<<10))
	default:
		return nil, s3err.ErrInvalidCompressionFormat
	}
	st.out.r = decompressed{st}
	return st, nil
}

// decompressed reads the decompressed stream, turning a decompressor's
// complaint into TruncatedInput and leaving storage errors as they are.
type decompressed struct{ st *stream }

func (d decompressed) Read(p []byte) (int, error) {
	n, err := d.st.data.Read(p)
	if err != nil && err != io.EOF {
		err = d.st.decompressionError(err)
	}
	return n, err
}

func (st *stream) decompressionError(err error) error {
	if st.raw.err != nil {
		return st.raw.err
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return errors.Join(s3err.ErrTruncatedInput, err)
}

// BytesScanned is the number of bytes read from the object.
func (st *stream) BytesScanned() int64 { return st.raw.n }

// BytesProcessed is the number of uncompressed bytes read.
func (st *stream) BytesProcessed() int64 { return st.out.n }

// Span is the part of an object a scan range selects: records whose
// first byte is in [Start, End] (both included).
type Span struct{ Start, End int64 }

// ResolveScanRange turns sr into a Span of an object of size bytes. A
// Start alone scans to the end, an End alone the last End bytes, and an
// End past the object stops at its last byte. ok is false when the span
// holds no byte of the object.
func ResolveScanRange(sr *s3select.ScanRange, size int64) (span Span, ok bool) {
	span = Span{Start: 0, End: size - 1}
	switch {
	case sr.Start != nil && sr.End != nil:
		span.Start, span.End = *sr.Start, min(*sr.End, size-1)
	case sr.Start != nil:
		span.Start = *sr.Start
	case sr.End != nil:
		span.Start = max(size-*sr.End, 0)
	}
	return span, span.Start <= span.End && span.Start < size
}

// ReadFrom is the offset the reader's source must start at: the length
// of a record delimiter before Start, since a record begins at Start
// only if a delimiter ends just before it.
func (s Span) ReadFrom(in s3select.InputSerialization) int64 {
	return max(s.Start-int64(len(recordDelimiter(in))), 0)
}

func recordDelimiter(in s3select.InputSerialization) string {
	if in.CSV != nil && in.CSV.RecordDelimiter != "" {
		return in.CSV.RecordDelimiter
	}
	return "\n"
}

// MinPartSize is the least a part of a split scan covers: a part much
// smaller costs more in opening the object and reading the CSV header
// again than it gains.
const MinPartSize = 2 * (MaxRecordSize + 64<<10)

// maxParts bounds the parts of a split scan: a huge object gets larger
// parts, not a longer list.
const maxParts = 1024

// Split cuts span into consecutive spans of about partSize bytes (at
// least MinPartSize) that readers can scan at once: the records of each,
// in order, are the records of span. ok is false when the input cannot
// be cut so, because a quoted field or a compressed stream hides where
// records begin (JSON DOCUMENT, compressed input, CSV with
// AllowQuotedRecordDelimiter), or when span is shorter than two parts.
func Split(in s3select.InputSerialization, span Span, partSize int64) (parts []Span, ok bool) {
	switch {
	case compressed(in),
		in.CSV == nil && in.JSON == nil,
		in.CSV != nil && in.CSV.AllowQuotedRecordDelimiter,
		in.JSON != nil && in.JSON.Type != s3select.JSONLines:
		return nil, false
	}
	length := span.End - span.Start + 1
	partSize = max(partSize, MinPartSize, (length+maxParts-1)/maxParts)
	n := length / partSize
	if n < 2 {
		return nil, false
	}
	// The first length%n parts are one byte longer than the rest.
	base, extra := length/n, length%n
	start := span.Start
	for i := range n {
		size := base
		if i < extra {
			size++
		}
		parts = append(parts, Span{Start: start, End: start + size - 1})
		start += size
	}
	return parts, true
}
