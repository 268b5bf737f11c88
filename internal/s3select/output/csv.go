package output

import (
	"strconv"
	"strings"
	"time"

	"github.com/kurastore/kura/internal/s3select/sql"
	"github.com/kurastore/kura/wire/s3select"
)

// Writer appends rows to a buffer. Writers keep no state between calls,
// so one serves goroutines that write rows at once.
type Writer interface {
	// AppendRow appends a row of a query's SELECT list.
	AppendRow(dst []byte, row []sql.Column) []byte
	// AppendRecord appends an input record as it is, for SELECT *.
	AppendRecord(dst []byte, rec sql.Record) []byte
}

// New returns the writer that out asks for.
func New(out s3select.OutputSerialization) Writer {
	if out.JSON != nil {
		return NewJSON(out.JSON)
	}
	if out.CSV != nil {
		return NewCSV(out.CSV)
	}
	return NewCSV(&s3select.CSVOutput{})
}

// textFields is a record of text fields: a CSV record.
type textFields interface {
	NumFields() int
	TextPosition(i int) (string, bool)
	FieldName(i int) string
}

// CSVWriter writes CSV records.
type CSVWriter struct {
	always                       bool
	quoteText, escapeText        string
	field, record, quote, escape []byte
	// special marks the bytes that make a field need quotes.
	special [256]bool
}

// NewCSV returns a writer of CSV records as c describes them.
func NewCSV(c *s3select.CSVOutput) *CSVWriter {
	w := &CSVWriter{
		always: c.QuoteFields == s3select.QuoteAlways,
		field:  []byte(orDefault(c.FieldDelimiter, ",")),
		record: []byte(orDefault(c.RecordDelimiter, "\n")),
		quote:  []byte(orDefault(c.QuoteCharacter, `"`)),
	}
	w.escape = []byte(orDefault(c.QuoteEscapeCharacter, `"`))
	w.quoteText, w.escapeText = string(w.quote), string(w.escape)
	for _, d := range [][]byte{w.field, w.record, w.quote, w.escape, []byte("\r\n")} {
		for _, b := range d {
			w.special[b] = true
		}
	}
	return w
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// AppendRow appends the row as one record.
func (w *CSVWriter) AppendRow(dst []byte, row []sql.Column) []byte {
	if len(row) == 1 && row[0].Name == "*" {
		// SELECT * under a FROM path: the value the path reaches.
		if obj, ok := row[0].Value.(*sql.Object); ok && !row[0].Missing {
			return w.appendValues(dst, obj.Values)
		}
	}
	for i, c := range row {
		if i > 0 {
			dst = append(dst, w.field...)
		}
		switch {
		case c.Missing:
		case c.IsText:
			dst = w.appendText(dst, c.Text)
		default:
			dst = w.appendValue(dst, c.Value)
		}
	}
	return append(dst, w.record...)
}

// AppendRecord appends rec's fields, or a JSON record's value.
func (w *CSVWriter) AppendRecord(dst []byte, rec sql.Record) []byte {
	if f, ok := rec.(textFields); ok {
		n := f.NumFields()
		for i := range n {
			if i > 0 {
				dst = append(dst, w.field...)
			}
			s, _ := f.TextPosition(i)
			dst = w.appendText(dst, s)
		}
		return append(dst, w.record...)
	}
	if obj, ok := rec.Document().(*sql.Object); ok {
		return w.appendValues(dst, obj.Values)
	}
	dst = w.appendValue(dst, rec.Document())
	return append(dst, w.record...)
}

func (w *CSVWriter) appendValues(dst []byte, values []any) []byte {
	for i, v := range values {
		if i > 0 {
			dst = append(dst, w.field...)
		}
		dst = w.appendValue(dst, v)
	}
	return append(dst, w.record...)
}

func (w *CSVWriter) appendValue(dst []byte, v any) []byte {
	switch t := v.(type) {
	case nil:
		if w.always {
			dst = append(dst, w.quote...)
			dst = append(dst, w.quote...)
		}
		return dst
	case string:
		return w.appendText(dst, t)
	case []any, *sql.Object:
		return w.appendText(dst, string(appendJSON(nil, v)))
	}
	if !w.always {
		return appendScalar(dst, v)
	}
	return w.appendText(dst, string(appendScalar(nil, v)))
}

// appendText appends s, quoted when it must be or always is. Inside
// quotes the quote character, and a distinct escape character, are
// preceded by the escape character, as the CSV reader expects.
func (w *CSVWriter) appendText(dst []byte, s string) []byte {
	if !w.always && !w.needsQuotes(s) {
		return append(dst, s...)
	}
	dst = append(dst, w.quote...)
	for {
		i, n := w.nextEscaped(s)
		if i < 0 {
			break
		}
		dst = append(dst, s[:i]...)
		dst = append(dst, w.escape...)
		dst = append(dst, s[i:i+n]...)
		s = s[i+n:]
	}
	dst = append(dst, s...)
	return append(dst, w.quote...)
}

// nextEscaped finds the next character of s that needs the escape
// character before it, and its length.
func (w *CSVWriter) nextEscaped(s string) (int, int) {
	i := strings.Index(s, w.quoteText)
	if w.escapeText == w.quoteText {
		return i, len(w.quoteText)
	}
	j := strings.Index(s, w.escapeText)
	switch {
	case j >= 0 && (i < 0 || j < i):
		return j, len(w.escapeText)
	case i >= 0:
		return i, len(w.quoteText)
	}
	return -1, 0
}

func (w *CSVWriter) needsQuotes(s string) bool {
	for i := 0; i < len(s); i++ {
		if w.special[s[i]] {
			return true
		}
	}
	return false
}

// appendScalar appends a number, boolean or timestamp as text.
func appendScalar(dst []byte, v any) []byte {
	switch t := v.(type) {
	case int64:
		return strconv.AppendInt(dst, t, 10)
	case int:
		return strconv.AppendInt(dst, int64(t), 10)
	case float64:
		return sql.AppendFloat(dst, t)
	case bool:
		return strconv.AppendBool(dst, t)
	case time.Time:
		return sql.AppendTimestamp(dst, t)
	}
	return dst
}
