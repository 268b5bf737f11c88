package output

import (
	"math"
	"time"
	"unicode/utf8"

	"github.com/kurastore/kura/internal/s3select/sql"
	"github.com/kurastore/kura/wire/s3select"
)

// JSONWriter writes JSON records: one object per row.
type JSONWriter struct {
	record []byte
}

// NewJSON returns a writer of JSON records as j describes them.
func NewJSON(j *s3select.JSONOutput) *JSONWriter {
	return &JSONWriter{record: []byte(orDefault(j.RecordDelimiter, "\n"))}
}

// AppendRow appends the row as an object of its present columns.
func (w *JSONWriter) AppendRow(dst []byte, row []sql.Column) []byte {
	if len(row) == 1 && row[0].Name == "*" {
		// SELECT * under a FROM path: the value the path reaches, an
		// object as it is, anything else as _1; nothing is {}.
		c := row[0]
		switch {
		case c.Missing:
			dst = append(dst, "{}"...)
		case isObject(c.Value):
			dst = appendJSON(dst, c.Value)
		default:
			dst = append(dst, `{"_1":`...)
			dst = appendJSON(dst, c.Any())
			dst = append(dst, '}')
		}
		return append(dst, w.record...)
	}
	dst = append(dst, '{')
	first := true
	for _, c := range row {
		if c.Missing {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = appendString(dst, c.Name)
		dst = append(dst, ':')
		if c.IsText {
			dst = appendString(dst, c.Text)
			continue
		}
		dst = appendJSON(dst, c.Value)
	}
	dst = append(dst, '}')
	return append(dst, w.record...)
}

func isObject(v any) bool {
	_, ok := v.(*sql.Object)
	return ok
}

// AppendRecord appends rec as it is: a JSON record's value, or a CSV
// record as an object of its fields.
func (w *JSONWriter) AppendRecord(dst []byte, rec sql.Record) []byte {
	if f, ok := rec.(textFields); ok {
		dst = append(dst, '{')
		for i := range f.NumFields() {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, f.FieldName(i))
			dst = append(dst, ':')
			s, _ := f.TextPosition(i)
			dst = appendString(dst, s)
		}
		dst = append(dst, '}')
		return append(dst, w.record...)
	}
	dst = appendJSON(dst, rec.Document())
	return append(dst, w.record...)
}

// appendJSON appends v as compact JSON.
func appendJSON(dst []byte, v any) []byte {
	switch t := v.(type) {
	case nil:
		return append(dst, "null"...)
	case string:
		return appendString(dst, t)
	case float64:
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return append(dst, "null"...)
		}
		return sql.AppendFloat(dst, t)
	case time.Time:
		dst = append(dst, '"')
		dst = sql.AppendTimestamp(dst, t)
		return append(dst, '"')
	case []any:
		dst = append(dst, '[')
		for i, e := range t {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSON(dst, e)
		}
		return append(dst, ']')
	case *sql.Object:
		dst = append(dst, '{')
		for i, k := range t.Keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, k)
			dst = append(dst, ':')
			dst = appendJSON(dst, t.Values[i])
		}
		return append(dst, '}')
	case int64, int, bool:
		return appendScalar(dst, v)
	}
	// No other type comes out of a query; null keeps the output valid.
	return append(dst, "null"...)
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. Bytes that are not UTF-8
// become U+FFFD, so that the output is always valid JSON.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, `\n`...)
			case '\r':
				dst = append(dst, `\r`...)
			case '\t':
				dst = append(dst, `\t`...)
			default:
				dst = append(dst, `\u00`...)
				dst = append(dst, hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
