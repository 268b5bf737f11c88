package input

import (
	"bytes"
	"io"
	"strconv"
	"strings"
	"unsafe"

	"github.com/kurastore/kura/internal/s3select/sql"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/s3select"
)

// CSVReader reads CSV records.
type CSVReader struct {
	*stream
	win       *window
	syn       csvSyntax
	span      *Span
	header    *csvHeader
	rec       CSVRecord
	arena     []byte // field text; see arenaTail
	arenaSize int
	started   bool
	err       error
	// afterBOM is the offset just past a byte order mark the object
	// starts with: a record there starts at 0, since the mark belongs to
	// the first record and no scan range may cut them apart.
	afterBOM int64
}

// csvSyntax is the delimiters and quotes of a CSV object.
type csvSyntax struct {
	field, record, quote, escape, comment []byte
	allowQuotedRecord                     bool
	// special marks the first bytes of the delimiters and quotes: any
	// other byte is field text.
	special [256]bool
	// oneByte: the field and record delimiters and the quote are one
	// byte each (as they nearly always are), fieldByte, recordByte and
	// quoteByte, which are then compared without bytes.HasPrefix.
	oneByte                          bool
	fieldByte, recordByte, quoteByte byte
}

// maxLookahead is the most bytes a parser needs to see at once: an
// escape character followed by a quote character, each up to 4 bytes.
const maxLookahead = 8

func newCSVSyntax(c *s3select.CSVInput) csvSyntax {
	syn := csvSyntax{
		field:             []byte(orDefault(c.FieldDelimiter, ",")),
		record:            []byte(orDefault(c.RecordDelimiter, "\n")),
		quote:             []byte(orDefault(c.QuoteCharacter, `"`)),
		escape:            []byte(orDefault(c.QuoteEscapeCharacter, `"`)),
		comment:           []byte(orDefault(c.Comments, "#")),
		allowQuotedRecord: c.AllowQuotedRecordDelimiter,
	}
	for _, d := range [][]byte{syn.field, syn.record, syn.quote, syn.escape} {
		syn.special[d[0]] = true
	}
	if len(syn.field) == 1 && len(syn.record) == 1 && len(syn.quote) == 1 {
		syn.oneByte = true
		syn.fieldByte, syn.recordByte, syn.quoteByte = syn.field[0], syn.record[0], syn.quote[0]
	}
	return syn
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func newCSVReader(st *stream, c *s3select.CSVInput, span *Span, header io.Reader) (*CSVReader, error) {
	rd := &CSVReader{stream: st, syn: newCSVSyntax(c), span: span}
	offset := int64(0)
	if span != nil {
		offset = span.Start - int64(len(rd.syn.record))
		offset = max(offset, 0)
	}
	rd.win = newWindow(&st.out, offset)
	switch c.FileHeaderInfo {
	case s3select.FileHeaderUse, s3select.FileHeaderIgnore:
		rd.header = &csvHeader{use: c.FileHeaderInfo == s3select.FileHeaderUse}
		rd.rec.header = rd.header
		if span != nil && span.Start > 0 && header != nil {
			if err := rd.readHeaderFrom(header); err != nil {
				return nil, err
			}
		}
	}
	return rd, nil
}

// readHeaderFrom reads the header from the start of the object, for a
// scan that starts past it.
func (rd *CSVReader) readHeaderFrom(src io.Reader) error {
	c := counter{r: src}
	hr := &CSVReader{stream: rd.stream, syn: rd.syn, win: newWindow(&c, 0), header: rd.header}
	hr.rec.header = hr.header
	err := hr.start()
	rd.raw.n += c.n
	rd.out.n += c.n
	rd.header.seen = true
	return err
}

// start skips what comes before the first record of the scan: a byte
// order mark, the header, or the end of the record that straddles the
// start of a scan range.
func (rd *CSVReader) start() error {
	rd.started = true
	if rd.span != nil && rd.span.Start > 0 {
		return rd.win.skipPast(rd.syn.record)
	}
	rd.skipBOM()
	if rd.header == nil || rd.header.seen {
		return nil
	}
	rd.header.seen = true
	if err := rd.parse(); err != nil {
		if err == io.EOF {
			return nil
		}
		return err
	}
	rd.header.end = rd.win.pos
	if rd.header.use {
		rd.header.setNames(&rd.rec)
	}
	return nil
}

func (rd *CSVReader) skipBOM() {
	const bom = "\xef\xbb\xbf"
	for len(rd.win.unread()) < len(bom) && rd.win.more() {
	}
	if bytes.HasPrefix(rd.win.unread(), []byte(bom)) {
		rd.win.consume(len(bom))
		rd.afterBOM = rd.win.pos
	}
}

// Next returns the next record. The record, and the slices it hands out,
// are valid until the next call; the strings it hands out stay valid.
func (rd *CSVReader) Next() (sql.Record, error) {
	if rd.err != nil {
		return nil, rd.err
	}
	if !rd.started {
		if err := rd.start(); err != nil {
			rd.err = err
			return nil, err
		}
	}
	if err := rd.Ambiguous(); err != nil {
		rd.err = err
		return nil, err
	}
	if err := rd.parse(); err != nil {
		rd.err = err
		return nil, err
	}
	for rd.header != nil && rd.rec.start < rd.header.end {
		if err := rd.parse(); err != nil {
			rd.err = err
			return nil, err
		}
	}
	if rd.span != nil && rd.rec.start > rd.span.End {
		rd.err = io.EOF
		return nil, io.EOF
	}
	return &rd.rec, nil
}

// Ambiguous returns AmbiguousFieldName once the query has asked for a
// column whose name matches more than one header field. The record
// answered MISSING for it: callers check Ambiguous after evaluating a
// record, before writing its row.
func (rd *CSVReader) Ambiguous() error {
	if rd.header != nil && rd.header.ambiguous != "" {
		return s3err.ErrAmbiguousFieldName.WithMessage("The field name %q matches more than one field in the file.", rd.header.ambiguous)
	}
	return nil
}

// parse reads the next record into rd.rec, skipping comments and empty
// lines.
func (rd *CSVReader) parse() error {
	for {
		data := rd.win.unread()
		if len(data) == 0 {
			// Nothing left but perhaps the end: a record needs a byte.
			if rd.win.err != nil {
				return rd.win.err
			}
			if rd.win.eof || !rd.more() {
				return io.EOF
			}
			continue
		}
		n, skip, err := rd.parseRecord(data, rd.win.eof)
		switch {
		case err != nil:
			return err
		case n < 0: // the record goes on past the window
			if rd.win.full() {
				return s3err.ErrOverMaxRecordSize
			}
			if !rd.more() {
				if rd.win.err != nil {
					return rd.win.err
				}
				return s3err.ErrCSVParsingError
			}
		case skip:
			rd.win.consume(n)
		default:
			rd.rec.start = rd.win.pos
			if rd.rec.start == rd.afterBOM {
				rd.rec.start = 0
			}
			rd.win.consume(n)
			return nil
		}
	}
}

func (rd *CSVReader) more() bool { return rd.win.more() }

// parseRecord parses the record at the start of data into rd.rec. It
// returns the bytes the record takes with its delimiter, whether it is a
// line to skip, or n < 0 when data ends before the record does and more
// may follow.
func (rd *CSVReader) parseRecord(data []byte, atEOF bool) (n int, skip bool, err error) {
	syn := &rd.syn
	if bytes.HasPrefix(data, syn.record) {
		return len(syn.record), true, nil
	}
	if !atEOF && len(data) < maxLookahead {
		return -1, false, nil
	}
	if bytes.HasPrefix(data, syn.comment) {
		if i := bytes.Index(data, syn.record); i >= 0 {
			return i + len(syn.record), true, nil
		}
		if atEOF {
			return len(data), true, nil
		}
		return -1, false, nil
	}
	rec := &rd.rec
	rec.ends = rec.ends[:0]
	text := rd.arenaTail()
	i := 0
	for {
		var end bool
		if syn.quoteAt(data, i) {
			text, i, end, err = rd.quotedField(data, i+len(syn.quote), text, atEOF)
		} else {
			text, i, end, err = rd.plainField(data, i, text, atEOF)
		}
		if err != nil || i < 0 {
			return -1, false, err
		}
		rec.ends = append(rec.ends, len(text))
		if end {
			break
		}
	}
	length := i
	if bytes.HasPrefix(data[i:], syn.record) {
		i += len(syn.record)
	}
	if length > MaxRecordSize {
		return 0, false, s3err.ErrOverMaxRecordSize
	}
	rd.commit(text)
	return i, false, nil
}

// quoteAt reports whether a quote starts at data[i].
func (syn *csvSyntax) quoteAt(data []byte, i int) bool {
	if syn.oneByte {
		return i < len(data) && data[i] == syn.quoteByte
	}
	return bytes.HasPrefix(data[i:], syn.quote)
}

// copyOrdinary appends to text the bytes of data from i up to the next
// byte that may start a delimiter, quote or escape, and returns where it
// stopped.
func (syn *csvSyntax) copyOrdinary(data []byte, i int, text []byte) ([]byte, int) {
	j := i
	for j < len(data) && !syn.special[data[j]] {
		j++
	}
	return append(text, data[i:j]...), j
}

// plainField reads an unquoted field from data[i:]. It returns where
// the field's delimiter is (i < 0: more data is needed) and whether the
// record ends there.
func (rd *CSVReader) plainField(data []byte, i int, text []byte, atEOF bool) ([]byte, int, bool, error) {
	syn := &rd.syn
	for {
		text, i = syn.copyOrdinary(data, i, text)
		if i == len(data) {
			if atEOF {
				return text, i, true, nil
			}
			return text, -1, false, nil
		}
		if syn.oneByte {
			// One byte decides: no delimiter can be cut off at the
			// window's end.
			switch data[i] {
			case syn.fieldByte:
				return text, i + 1, false, nil
			case syn.recordByte:
				return text, i, true, nil
			}
			text = append(text, data[i])
			i++
			continue
		}
		if !atEOF && len(data)-i < maxLookahead {
			return text, -1, false, nil
		}
		switch {
		case bytes.HasPrefix(data[i:], syn.field):
			return text, i + len(syn.field), false, nil
		case bytes.HasPrefix(data[i:], syn.record):
			return text, i, true, nil
		}
		text = append(text, data[i])
		i++
	}
}

// quotedField reads a quoted field whose text starts at data[i].
func (rd *CSVReader) quotedField(data []byte, i int, text []byte, atEOF bool) ([]byte, int, bool, error) {
	syn := &rd.syn
	for {
		text, i = syn.copyOrdinary(data, i, text)
		if i == len(data) {
			if atEOF {
				return text, 0, false, s3err.ErrCSVParsingError.WithMessage("A quoted field is not closed at the end of the object.")
			}
			return text, -1, false, nil
		}
		if !atEOF && len(data)-i < maxLookahead {
			return text, -1, false, nil
		}
		rest := data[i:]
		switch {
		case !bytes.Equal(syn.escape, syn.quote) && bytes.HasPrefix(rest, syn.escape):
			after := rest[len(syn.escape):]
			switch {
			case bytes.HasPrefix(after, syn.quote):
				text = append(text, syn.quote...)
				i += len(syn.escape) + len(syn.quote)
			case bytes.HasPrefix(after, syn.escape):
				text = append(text, syn.escape...)
				i += 2 * len(syn.escape)
			default:
				text = append(text, syn.escape...)
				i += len(syn.escape)
			}
		case bytes.HasPrefix(rest, syn.quote):
			i += len(syn.quote)
			if bytes.HasPrefix(data[i:], syn.quote) {
				text = append(text, syn.quote...)
				i += len(syn.quote)
				continue
			}
			return rd.afterQuote(data, i, text, atEOF)
		case bytes.HasPrefix(rest, syn.record) && !syn.allowQuotedRecord:
			return text, 0, false, s3err.ErrCSVEscapingRecordDelimiter
		default:
			text = append(text, data[i])
			i++
		}
	}
}

// afterQuote checks what follows a closing quote: a delimiter or the
// end of the object.
func (rd *CSVReader) afterQuote(data []byte, i int, text []byte, atEOF bool) ([]byte, int, bool, error) {
	syn := &rd.syn
	switch {
	case i == len(data) && atEOF:
		return text, i, true, nil
	case !atEOF && len(data)-i < maxLookahead:
		return text, -1, false, nil
	case bytes.HasPrefix(data[i:], syn.field):
		return text, i + len(syn.field), false, nil
	case bytes.HasPrefix(data[i:], syn.record):
		return text, i, true, nil
	}
	return text, 0, false, s3err.ErrCSVUnescapedQuote
}

// Field text goes into an arena that is only appended to: strings point
// into it without a copy, so a record's fields cost no allocation, and
// since bytes once written are never written again, strings kept after
// the next record (by MIN, MAX or the caller) stay valid. A full arena is
// dropped for a new one, never reused; arenas start small, for small
// objects, and double up to maxArena.
const (
	minArena = 4 << 10
	maxArena = 256 << 10
)

func (rd *CSVReader) arenaTail() []byte {
	if cap(rd.arena)-len(rd.arena) < minArena/4 {
		rd.arenaSize = min(max(2*rd.arenaSize, minArena), maxArena)
		rd.arena = make([]byte, 0, rd.arenaSize)
	}
	return rd.arena[len(rd.arena):len(rd.arena)]
}

// commit makes text the current record's fields and keeps its bytes out
// of the way of the next record.
func (rd *CSVReader) commit(text []byte) {
	rec := &rd.rec
	if len(text) == 0 {
		rec.text = ""
	} else {
		rec.text = unsafe.String(&text[0], len(text))
	}
	if cap(text) > len(text) {
		rd.arena = text[len(text):]
	} else {
		rd.arena = nil
	}
}

// csvHeader is the column names of an object read with FileHeaderInfo
// USE.
type csvHeader struct {
	use  bool
	seen bool
	// end is the object's offset just past the header record: a scan
	// range that starts before it (after comment or empty lines) holds
	// no record there.
	end   int64
	names []string
	exact map[string]int // name → index, or -2 when several fields have it
	// folded memoizes case-insensitive lookups, by the name as asked.
	folded map[string]int
	// ambiguous is the first name asked for that matched several fields.
	ambiguous string
}

func (h *csvHeader) setNames(rec *CSVRecord) {
	h.names = make([]string, rec.NumFields())
	h.exact = make(map[string]int, len(h.names))
	h.folded = make(map[string]int)
	for i := range h.names {
		name, _ := rec.TextPosition(i)
		h.names[i] = strings.Clone(name)
		if _, dup := h.exact[name]; dup {
			h.exact[name] = -2
		} else {
			h.exact[h.names[i]] = i
		}
	}
}

// index finds name's column: -1 when none, -2 when several match.
func (h *csvHeader) index(name string, caseSensitive bool) int {
	if caseSensitive {
		i, ok := h.exact[name]
		if !ok {
			return -1
		}
		return i
	}
	if i, ok := h.folded[name]; ok {
		return i
	}
	i := -1
	for j, n := range h.names {
		if strings.EqualFold(n, name) {
			if i >= 0 {
				i = -2
				break
			}
			i = j
		}
	}
	if len(h.folded) < 1024 {
		h.folded[strings.Clone(name)] = i
	}
	return i
}

// CSVRecord is a CSV record: its fields and, with FileHeaderInfo USE,
// the header's names for them.
type CSVRecord struct {
	header *csvHeader
	text   string // the fields' text, one after the other
	ends   []int  // where each field's text ends
	start  int64  // the object's offset of the record's first byte
}

// NumFields is the number of fields of the record.
func (r *CSVRecord) NumFields() int { return len(r.ends) }

// TextPosition is the ith field (from 0).
func (r *CSVRecord) TextPosition(i int) (string, bool) {
	if i < 0 || i >= len(r.ends) {
		return "", false
	}
	begin := 0
	if i > 0 {
		begin = r.ends[i-1]
	}
	return r.text[begin:r.ends[i]], true
}

// TextColumn is the field the header names name.
func (r *CSVRecord) TextColumn(name string, caseSensitive bool) (string, bool) {
	if r.header == nil || !r.header.use {
		return "", false
	}
	i := r.header.index(name, caseSensitive)
	if i == -2 {
		if r.header.ambiguous == "" {
			r.header.ambiguous = strings.Clone(name)
		}
		return "", false
	}
	return r.TextPosition(i)
}

// Header is the header that names the record's columns (FileHeaderInfo
// USE), shared by every record of the object, or nil.
func (r *CSVRecord) Header() any {
	if r.header == nil || !r.header.use {
		return nil
	}
	return r.header
}

// ColumnIndex is the position of the one field the header names name, as
// TextColumn finds it; false when there is none, or several.
func (r *CSVRecord) ColumnIndex(name string, caseSensitive bool) (int, bool) {
	if r.header == nil || !r.header.use {
		return 0, false
	}
	i := r.header.index(name, caseSensitive)
	return i, i >= 0
}

// Position is TextPosition as an sql.Record.
func (r *CSVRecord) Position(i int) (any, bool) {
	s, ok := r.TextPosition(i)
	if !ok {
		return nil, false
	}
	return s, true
}

// Column is TextColumn as an sql.Record.
func (r *CSVRecord) Column(name string, caseSensitive bool) (any, bool) {
	s, ok := r.TextColumn(name, caseSensitive)
	if !ok {
		return nil, false
	}
	return s, true
}

// Document is nil: a CSV record is no JSON value.
func (r *CSVRecord) Document() any { return nil }

// FieldName is the name of the ith field: the header's with
// FileHeaderInfo USE, else _1, _2, ...
func (r *CSVRecord) FieldName(i int) string {
	if h := r.header; h != nil && h.use && i < len(h.names) {
		return h.names[i]
	}
	return "_" + strconv.Itoa(i+1)
}

// Offset is the object's offset of the record's first byte.
func (r *CSVRecord) Offset() int64 { return r.start }

// HeaderLength reads the start of a CSV object read with FileHeaderInfo
// USE or IGNORE and returns how many bytes come before its first record:
// a byte order mark, comment and empty lines, and the header. They are
// all a reader of a span past the start needs as its Config.Header, so
// that the parts of a split scan read those bytes, not the object.
func HeaderLength(src io.Reader, c *s3select.CSVInput) (int64, error) {
	st := &stream{raw: counter{r: src}}
	st.out.r = &st.raw
	rd, err := newCSVReader(st, c, nil, nil)
	if err != nil || rd.header == nil {
		return 0, err
	}
	if err := rd.start(); err != nil {
		return 0, err
	}
	return rd.header.end, nil
}
