package parquetin

import (
	"errors"
	"io"
	"strings"
	"sync/atomic"

	"github.com/kurastore/kura/internal/s3select/sql"
	"github.com/kurastore/kura/s3err"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

var (
	errParsing          = s3err.ErrParquetParsingError
	errUnsupportedCodec = s3err.ErrParquetUnsupportedCompressionCodec
)

// readBufferSize is the size of the reads the reader makes of a column
// chunk: large enough that a ranged reader over a remote object is not
// called for every page, small enough to keep one per read column.
const readBufferSize = 256 << 10

// Options choose what Open reads.
type Options struct {
	// Columns are the names of the top-level columns the query needs,
	// matched ignoring case. Only their column chunks are read.
	Columns []string
	// AllColumns reads every column, as SELECT * and queries that use
	// the whole record (S3Object[*] paths, positional _N columns) need.
	AllColumns bool
	// Bounds are conditions every selected row meets; row groups whose
	// statistics rule one of them out are skipped.
	Bounds []Bound
	// Span, when set, is a scan range: only the row groups that start in
	// it are read, as S3 Select reads a Parquet object's scan range.
	Span *Span
}

// Span is a byte range of the object, both ends included.
type Span struct{ Start, End int64 }

// Reader reads the rows of a Parquet object.
type Reader struct {
	src    *countingReaderAt
	file   *parquet.File
	meta   *format.FileMetaData
	fields []*node // the top-level fields read, in schema order
	names  []string
	// fileIndex is the position of each field read among all the
	// top-level fields of the file, for Position.
	fileIndex []int
	leaves    []int // file column indexes of the leaves read
	bounds    []boundCheck
	span      *Span
	skipped   int // row groups skipped from their statistics

	group     int   // next row group
	groupRows int64 // rows left in the current row group
	cursors   []*columnCursor
	rowVals   [][]parquet.Value
	processed int64
	rec       record
}

// Open reads the footer of the Parquet object r of size bytes and
// prepares to read the columns opts names. Nothing but the footer is
// read before the first Read. A file that is not Parquet, or whose
// footer is damaged, is ParquetParsingError; one whose chunks of the
// chosen columns use a compression codec kura cannot read is
// ParquetUnsupportedCompressionCodec. Errors of r itself are returned
// as they are.
func Open(r io.ReaderAt, size int64, opts Options) (rd *Reader, err error) {
	src := &countingReaderAt{r: r, size: size}
	defer recoverParsing(src, &err)
	if size < minFileSize {
		return nil, errParsing
	}
	file, err := parquet.OpenFile(src, size,
		parquet.SkipPageIndex(true),
		parquet.SkipBloomFilters(true),
		parquet.ReadBufferSize(readBufferSize),
	)
	if err != nil {
		return nil, src.cause(err)
	}
	rd = &Reader{src: src, file: file, meta: file.Metadata()}
	all, err := schemaTree(rd.meta.Schema)
	if err != nil {
		return nil, err
	}
	rd.choose(all, opts)
	rd.bounds = resolveBounds(all, opts.Bounds)
	rd.span = opts.Span
	leafCount := 0
	for _, f := range all {
		leafCount += len(f.leaves)
	}
	if err := rd.checkChunks(size, leafCount); err != nil {
		return nil, err
	}
	rd.rec.names = rd.names
	rd.rec.fileIndex = rd.fileIndex
	return rd, nil
}

// choose keeps the top-level fields opts names.
func (rd *Reader) choose(all []*node, opts Options) {
	for i, f := range all {
		if !opts.AllColumns && !wanted(f.name, opts.Columns) {
			continue
		}
		rd.fields = append(rd.fields, f)
		rd.names = append(rd.names, f.name)
		rd.fileIndex = append(rd.fileIndex, i)
		rd.leaves = append(rd.leaves, f.leaves...)
	}
	rd.rowVals = make([][]parquet.Value, len(rd.leaves))
}

func wanted(name string, columns []string) bool {
	for _, c := range columns {
		if strings.EqualFold(c, name) {
			return true
		}
	}
	return false
}

// checkChunks checks, before any data is read, that the chunks of the
// chosen columns lie inside the file and use a codec kura reads.
func (rd *Reader) checkChunks(size int64, leafCount int) error {
	if len(rd.file.RowGroups()) != len(rd.meta.RowGroups) {
		return errParsing
	}
	for _, g := range rd.meta.RowGroups {
		if len(g.Columns) != leafCount || g.NumRows < 0 {
			return errParsing
		}
		for _, leaf := range rd.leaves {
			m := &g.Columns[leaf].MetaData
			start, length := chunkSpan(m)
			if start < 0 || start > size || length < 0 || length > size-start {
				return errParsing
			}
			if !supportedCodec(m.Codec) {
				return errUnsupportedCodec
			}
		}
	}
	return nil
}

// supportedCodec lists the codecs parquet-go decompresses. AWS reads
// only GZIP and Snappy; kura reads the others too.
func supportedCodec(c format.CompressionCodec) bool {
	switch c {
	case format.Uncompressed, format.Snappy, format.Gzip, format.Brotli, format.Zstd, format.Lz4Raw:
		return true
	}
	return false
}

// Columns are the names of the top-level columns the reader reads, in
// schema order.
func (rd *Reader) Columns() []string { return rd.names }

// NumRows is the number of rows of the file, from its footer.
func (rd *Reader) NumRows() int64 { return rd.meta.NumRows }

// BytesScanned is the number of bytes read from the object so far: the
// footer and the column chunks of the columns read.
func (rd *Reader) BytesScanned() int64 { return rd.src.n.Load() }

// BytesProcessed is the uncompressed size of the column chunks read so
// far, as the footer gives it.
func (rd *Reader) BytesProcessed() int64 { return rd.processed }

// RowGroupsSkipped is the number of row groups skipped so far because
// their statistics ruled out one of Options.Bounds.
func (rd *Reader) RowGroupsSkipped() int { return rd.skipped }

// Read returns the next row, or io.EOF after the last one. The record
// is valid until the next call.
func (rd *Reader) Read() (rec sql.Record, err error) {
	defer recoverParsing(rd.src, &err)
	for rd.groupRows == 0 {
		if rd.group == len(rd.meta.RowGroups) {
			return nil, io.EOF
		}
		if err := rd.openGroup(); err != nil {
			return nil, rd.src.cause(err)
		}
	}
	rd.groupRows--
	for i, c := range rd.cursors {
		vals, err := c.nextRow(rd.rowVals[i][:0])
		if err != nil {
			return nil, rd.src.cause(err)
		}
		rd.rowVals[i] = vals
	}
	values := rd.rec.values[:0]
	at := 0
	for _, f := range rd.fields {
		v, err := assemble(f, 0, 0, rd.rowVals[at:at+len(f.leaves)])
		if err != nil {
			return nil, err
		}
		values = append(values, v)
		at += len(f.leaves)
	}
	rd.rec.values = values
	return &rd.rec, nil
}

// openGroup starts reading the next row group: only the chunks of the
// chosen columns, whose page headers it checks first. A row group without
// rows is skipped without reading anything, and so is every chunk when no
// column is chosen.
func (rd *Reader) openGroup() error {
	g := rd.group
	rd.group++
	meta := &rd.meta.RowGroups[g]
	rd.groupRows = meta.NumRows
	rd.cursors = rd.cursors[:0]
	if rd.groupRows == 0 {
		return nil
	}
	if rd.span != nil && !rd.span.holds(groupStart(meta)) {
		// Another scan range's group: not counted as skipped, which
		// is about statistics.
		rd.groupRows = 0
		return nil
	}
	if groupExcluded(meta, rd.bounds) {
		rd.groupRows = 0
		rd.skipped++
		return nil
	}
	chunks := rd.file.RowGroups()[g].ColumnChunks()
	for _, leaf := range rd.leaves {
		start, length := chunkSpan(&meta.Columns[leaf].MetaData)
		if err := checkPages(rd.src, start, length); err != nil {
			return err
		}
		rd.cursors = append(rd.cursors, &columnCursor{pages: chunks[leaf].Pages()})
		rd.processed += meta.Columns[leaf].MetaData.TotalUncompressedSize
	}
	return nil
}

// Close releases the pages being read.
func (rd *Reader) Close() error {
	for _, c := range rd.cursors {
		c.pages.Close()
	}
	rd.cursors = nil
	return nil
}

// recoverParsing turns a panic of the Parquet decoder over a damaged
// file into ParquetParsingError: such a file must give an S3 error, and
// the decoder trusts lengths and offsets it reads from the file.
func recoverParsing(src *countingReaderAt, err *error) {
	if p := recover(); p != nil {
		*err = src.cause(errParsing)
	}
}

// columnCursor reads one column chunk row by row.
type columnCursor struct {
	pages  parquet.Pages
	values parquet.ValueReader
	buf    []parquet.Value
	pos    int
}

const cursorBatch = 1024

// nextRow appends the values of the chunk's next row to dst: the value
// that starts the row (repetition level 0) and those that repeat in it.
func (c *columnCursor) nextRow(dst []parquet.Value) ([]parquet.Value, error) {
	first := true
	for {
		if c.pos == len(c.buf) {
			err := c.fill()
			if err == io.EOF && !first {
				return dst, nil
			}
			if err == io.EOF {
				return nil, errParsing // fewer rows than the footer says
			}
			if err != nil {
				return nil, err
			}
		}
		v := c.buf[c.pos]
		if first != (v.RepetitionLevel() == 0) {
			if first {
				return nil, errParsing
			}
			return dst, nil
		}
		first = false
		dst = append(dst, v)
		c.pos++
	}
}

// fill reads the next values of the chunk, moving on to the next page
// when one ends; io.EOF when the chunk has no more.
func (c *columnCursor) fill() error {
	if c.buf == nil {
		c.buf = make([]parquet.Value, cursorBatch)
	}
	for {
		if c.values == nil {
			page, err := c.pages.ReadPage()
			if err != nil {
				return err
			}
			c.values = page.Values()
		}
		n, err := c.values.ReadValues(c.buf[:cursorBatch])
		c.buf, c.pos = c.buf[:n], 0
		if err == io.EOF {
			c.values = nil
		} else if err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
	}
}

// minFileSize is the size of the smallest Parquet file: the leading
// magic, the footer's length and the trailing magic.
const minFileSize = 12

// countingReaderAt counts the bytes read from the object, and keeps the
// first error of the object itself so that it is not mistaken for a
// damaged file.
type countingReaderAt struct {
	r    io.ReaderAt
	size int64
	n    atomic.Int64
	err  atomic.Pointer[error]
}

// ReadAt reads from the object. Reads outside it come from offsets in a
// damaged file: they fail here, without reaching the object.
func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off > c.size {
		return 0, io.ErrUnexpectedEOF
	}
	short := int64(len(p)) > c.size-off
	if short {
		p = p[:c.size-off]
	}
	n, err := c.r.ReadAt(p, off)
	c.n.Add(int64(n))
	if err != nil && err != io.EOF {
		c.err.CompareAndSwap(nil, &err)
	}
	if short && err == nil {
		err = io.EOF // the read stopped at the end of the object
	}
	return n, err
}

// cause is the error to return for err: the object's own error if
// reading it failed, err if it is already an S3 error, else
// ParquetParsingError.
func (c *countingReaderAt) cause(err error) error {
	if p := c.err.Load(); p != nil {
		return *p
	}
	var s3 *s3err.Error
	if errors.As(err, &s3) {
		return err
	}
	return errParsing
}

// record is one row: the values of the columns read.
type record struct {
	names     []string
	fileIndex []int
	values    []any
}

func (r *record) Column(name string, caseSensitive bool) (any, bool) {
	for i, n := range r.names {
		if n == name || !caseSensitive && strings.EqualFold(n, name) {
			return r.values[i], true
		}
	}
	return nil, false
}

// Position is the ith top-level column of the file, when it was read.
func (r *record) Position(i int) (any, bool) {
	for j, fi := range r.fileIndex {
		if fi == i {
			return r.values[j], true
		}
	}
	return nil, false
}

// Document is the row as an object of the columns read, in schema order.
func (r *record) Document() any {
	return &sql.Object{Keys: r.names, Values: r.values}
}

// groupStart is the offset of the first byte of a row group: the start
// of its first column chunk.
func groupStart(meta *format.RowGroup) int64 {
	start := int64(-1)
	for i := range meta.Columns {
		if s, _ := chunkSpan(&meta.Columns[i].MetaData); start < 0 || s < start {
			start = s
		}
	}
	return start
}

func (s *Span) holds(off int64) bool { return off >= s.Start && off <= s.End }
