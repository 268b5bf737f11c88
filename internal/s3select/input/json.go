package input

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/valyala/fastjson"

	"github.com/kurastore/kura/internal/s3select/sql"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/s3select"
)

// JSONReader reads JSON records.
type JSONReader struct {
	*stream
	win     *window
	lines   bool
	span    *Span
	rec     JSONRecord
	bytes   bytes.Reader
	parser  fastjson.Parser
	conv    converter
	started bool
	err     error
}

func newJSONReader(st *stream, j *s3select.JSONInput, span *Span) (*JSONReader, error) {
	rd := &JSONReader{stream: st, lines: j.Type == s3select.JSONLines, span: span}
	offset := int64(0)
	if span != nil {
		offset = max(span.Start-1, 0)
	}
	rd.win = newWindow(&st.out, offset)
	return rd, nil
}

// Next returns the next record, valid until the following call.
func (rd *JSONReader) Next() (sql.Record, error) {
	if rd.err != nil {
		return nil, rd.err
	}
	if err := rd.next(); err != nil {
		rd.err = err
		return nil, err
	}
	return &rd.rec, nil
}

func (rd *JSONReader) next() error {
	if !rd.started {
		rd.started = true
		if rd.span != nil && rd.span.Start > 0 {
			if err := rd.win.skipPast([]byte("\n")); err != nil {
				return err
			}
		}
	}
	for {
		data := rd.win.unread()
		var start, end, next int
		if rd.lines {
			start, end, next = frameLine(data, rd.win.eof)
		} else {
			start, end, next = frameValue(data, rd.win.eof)
		}
		switch {
		case next < 0: // the value goes on past the window
			if rd.win.full() || end-start > MaxRecordSize {
				return s3err.ErrOverMaxRecordSize
			}
			if !rd.win.more() {
				if rd.win.err != nil {
					return rd.win.err
				}
				if len(rd.win.unread()) == 0 {
					return io.EOF
				}
				return s3err.ErrJSONParsingError.WithMessage("The object ends inside a JSON value.")
			}
			continue
		case end-start > MaxRecordSize:
			return s3err.ErrOverMaxRecordSize
		case start == end: // a blank line, or only whitespace left
			rd.win.consume(next)
			if next == 0 {
				return io.EOF
			}
			continue
		}
		offset := rd.win.pos + int64(start)
		if rd.lines {
			// A line begins where the one before it ended, blank
			// space and all: scan ranges are cut at line ends.
			offset = rd.win.pos
		}
		if rd.span != nil && offset > rd.span.End {
			return io.EOF
		}
		text := data[start:end]
		if fv, ok := rd.parseFast(text); ok {
			rd.win.consume(next)
			rd.rec = JSONRecord{parsed: fv, conv: &rd.conv, start: offset}
			return nil
		}
		v, err := rd.decodeStrict(text)
		if err != nil {
			return err
		}
		rd.win.consume(next)
		rd.rec = JSONRecord{value: v, start: offset}
		return nil
	}
}

// parseFast parses text with fastjson when that reads it exactly as
// encoding/json does: text is valid UTF-8 without \u escapes (on
// invalid input there the two differ, replacing it with U+FFFD or not),
// without control characters if it has escapes, and fastjson's strict
// validation accepts it. ok is false otherwise,
// also for values nested deeper than fastjson allows, and decodeStrict
// decides, with its error messages. The value is valid until the next
// call.
func (rd *JSONReader) parseFast(text []byte) (v *fastjson.Value, ok bool) {
	if bytes.Contains(text, []byte(`\u`)) || !utf8.Valid(text) {
		return nil, false
	}
	if bytes.IndexByte(text, '\\') >= 0 && hasControl(text) {
		// fastjson's validation misses a control character in a
		// string before an escape, which JSON forbids.
		return nil, false
	}
	if fastjson.ValidateBytes(text) != nil {
		return nil, false
	}
	v, err := rd.parser.ParseBytes(text)
	return v, err == nil
}

// hasControl reports whether text has a byte below 0x20: whitespace
// between values, or a control character inside a string.
func hasControl(text []byte) bool {
	for _, c := range text {
		if c < 0x20 {
			return true
		}
	}
	return false
}

// converter turns parsed values into the types records hold, keeping
// objects' member order and duplicate members. It is the reader's, to
// keep what it learnt across records.
type converter struct {
	keys map[string]string // interned member names
	num  []byte
}

func (c *converter) convert(v *fastjson.Value) any {
	switch v.Type() {
	case fastjson.TypeObject:
		o, _ := v.Object()
		obj := &sql.Object{Keys: make([]string, 0, o.Len()), Values: make([]any, 0, o.Len())}
		o.Visit(func(k []byte, m *fastjson.Value) {
			obj.Keys = append(obj.Keys, c.intern(k))
			obj.Values = append(obj.Values, c.convert(m))
		})
		return obj
	case fastjson.TypeArray:
		elems, _ := v.Array()
		list := make([]any, len(elems))
		for i, e := range elems {
			list[i] = c.convert(e)
		}
		return list
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		return string(b)
	case fastjson.TypeNumber:
		c.num = v.MarshalTo(c.num[:0]) // a number marshals as its text
		return number(string(c.num))
	case fastjson.TypeTrue:
		return true
	case fastjson.TypeFalse:
		return false
	}
	return nil
}

// maxInterned bounds the member names a reader keeps, for objects whose
// names are all different.
const maxInterned = 4096

// intern returns name as a string, allocating it only the first time:
// the records of one object mostly repeat the same member names.
func (c *converter) intern(name []byte) string {
	if s, ok := c.keys[string(name)]; ok {
		return s
	}
	s := string(name)
	if c.keys == nil {
		c.keys = make(map[string]string)
	}
	if len(c.keys) < maxInterned {
		c.keys[s] = s
	}
	return s
}

// decodeStrict parses text with encoding/json.
func (rd *JSONReader) decodeStrict(text []byte) (any, error) {
	rd.bytes.Reset(text)
	dec := json.NewDecoder(&rd.bytes)
	dec.UseNumber()
	v, err := readValue(dec, 0)
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			err = errors.New("more than one value")
		}
	}
	if err != nil {
		return nil, s3err.ErrJSONParsingError.WithMessage("An error occurred while parsing the JSON file: %s.", jsonProblem(err))
	}
	return v, nil
}

func jsonProblem(err error) string {
	msg := err.Error()
	if len(msg) > 200 {
		msg = msg[:200]
	}
	return strings.TrimPrefix(msg, "json: ")
}

// readValue reads the value that starts at dec's next token, keeping
// objects' member order. depth is how many lists and objects hold it.
func readValue(dec *json.Decoder, depth int) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		if depth >= maxDepth {
			return nil, errors.New("values nest too deep")
		}
		switch t {
		case '{':
			obj := &sql.Object{}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, _ := k.(string)
				v, err := readValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				obj.Keys = append(obj.Keys, key)
				obj.Values = append(obj.Values, v)
			}
			_, err := dec.Token()
			return obj, err
		case '[':
			list := []any{}
			for dec.More() {
				v, err := readValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				list = append(list, v)
			}
			_, err := dec.Token()
			return list, err
		}
		return nil, errors.New("unexpected " + t.String())
	case json.Number:
		return number(string(t)), nil
	}
	return tok, nil
}

// number is an int64 when s is an integer that fits, else a float64.
func number(s string) any {
	if !strings.ContainsAny(s, ".eE") {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i
		}
	}
	f, _ := strconv.ParseFloat(s, 64) // ±Inf past float64's range
	return f
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// frameLine finds the next line of data: its text without surrounding
// whitespace is data[start:end], and the next line starts at next.
// next < 0 when the line may go on past data.
func frameLine(data []byte, atEOF bool) (start, end, next int) {
	i := bytes.IndexByte(data, '\n')
	if i < 0 {
		if !atEOF {
			return 0, len(data), -1
		}
		i = len(data)
		next = len(data)
	} else {
		next = i + 1
	}
	start, end = 0, i
	for start < end && isSpace(data[start]) {
		start++
	}
	for end > start && isSpace(data[end-1]) {
		end--
	}
	return start, end, next
}

// frameValue finds the next top-level value of data: data[start:end],
// after whitespace, and where the search for the following one starts.
// It only finds where the value ends (matching brackets outside
// strings); encoding/json checks it. next < 0 when the value may go on
// past data.
func frameValue(data []byte, atEOF bool) (start, end, next int) {
	for start < len(data) && isSpace(data[start]) {
		start++
	}
	if start == len(data) {
		if atEOF {
			return start, start, len(data)
		}
		return start, start, -1
	}
	i := start
	switch data[i] {
	case '{', '[':
		depth := 0
		inString := false
		for ; i < len(data); i++ {
			c := data[i]
			switch {
			case inString:
				if c == '\\' {
					i++
				} else if c == '"' {
					inString = false
				}
			case c == '"':
				inString = true
			case c == '{' || c == '[':
				depth++
			case c == '}' || c == ']':
				if depth--; depth == 0 {
					return start, i + 1, i + 1
				}
			}
		}
	case '"':
		for i++; i < len(data); i++ {
			if data[i] == '\\' {
				i++
			} else if data[i] == '"' {
				return start, i + 1, i + 1
			}
		}
	default:
		// A number or literal runs to whitespace or punctuation; a
		// stray closing bracket or comma is a value of its own, which
		// encoding/json rejects.
		for i++; i < len(data) && !isSpace(data[i]) && !bytes.ContainsRune([]byte(`{}[],:"`), rune(data[i])); i++ {
		}
		if i < len(data) || atEOF {
			return start, i, i
		}
	}
	if atEOF {
		return start, len(data), len(data)
	}
	return start, min(i, len(data)), -1
}

// JSONRecord is a JSON value: converted already, or parsed by fastjson
// and converted as far as the query looks at it.
type JSONRecord struct {
	value  any
	parsed *fastjson.Value // when not nil, value is not converted yet
	conv   *converter
	start  int64
}

// Column is the top-level member called name, the first one when
// several are.
func (r *JSONRecord) Column(name string, caseSensitive bool) (any, bool) {
	if r.parsed != nil {
		o, err := r.parsed.Object()
		if err != nil {
			return nil, false
		}
		var found *fastjson.Value
		o.Visit(func(k []byte, m *fastjson.Value) {
			if found == nil && (string(k) == name || !caseSensitive && strings.EqualFold(string(k), name)) {
				found = m
			}
		})
		if found == nil {
			return nil, false
		}
		return r.conv.convert(found), true
	}
	obj, ok := r.value.(*sql.Object)
	if !ok {
		return nil, false
	}
	return obj.Get(name, caseSensitive)
}

// Position is the value of the ith top-level member.
func (r *JSONRecord) Position(i int) (any, bool) {
	obj, ok := r.Document().(*sql.Object)
	if !ok || i < 0 || i >= len(obj.Values) {
		return nil, false
	}
	return obj.Values[i], true
}

// Document is the value.
func (r *JSONRecord) Document() any {
	if r.parsed != nil {
		r.value, r.parsed = r.conv.convert(r.parsed), nil
	}
	return r.value
}

// Offset is the object's offset of the value's first byte.
func (r *JSONRecord) Offset() int64 { return r.start }

// maxDepth is how deep values may nest: encoding/json's limit.
const maxDepth = 10000
