package sql

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the expected output of testdata files")

// The files in testdata are sequences of blocks:
//
//	command
//	input lines
//	----
//	expected lines
//
// ending at a blank line. Commands: "csv" (a header line and rows, split
// on commas) and "json" (one document a line) set the records that
// following "query" blocks read; "query" parses and evaluates its
// input and expects one line per output row, or "error: Code [@pos]".
func TestDataDriven(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) { runFile(t, f) })
	}
}

type block struct {
	line     int
	cmd      string
	input    []string
	expected []string
}

func readBlocks(t *testing.T, path string) []block {
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	var blocks []block
	var cur *block
	inExpected := false
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		switch {
		case cur == nil:
			if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
				continue
			}
			blocks = append(blocks, block{line: n, cmd: strings.TrimSpace(line)})
			cur = &blocks[len(blocks)-1]
			inExpected = false
		case !inExpected && line == "----":
			inExpected = true
		case !inExpected:
			cur.input = append(cur.input, line)
		case line == "":
			cur = nil
		default:
			cur.expected = append(cur.expected, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return blocks
}

func runFile(t *testing.T, path string) {
	blocks := readBlocks(t, path)
	var recs []Record
	var out strings.Builder
	for i := range blocks {
		b := &blocks[i]
		var got []string
		switch b.cmd {
		case "csv":
			recs = csvRecords(b.input)
		case "json":
			var err error
			if recs, err = jsonRecords(b.input); err != nil {
				t.Fatalf("%s:%d: %v", path, b.line, err)
			}
		case "query":
			src := strings.Join(b.input, "\n")
			got = runQuery(src, recs)
			// Text and boxed fields must give the same answers.
			if viaRecord := runQuery(src, plain(recs)); strings.Join(viaRecord, "\n") != strings.Join(got, "\n") {
				t.Errorf("%s:%d: %s\nas TextRecord:\n%s\nas Record:\n%s", path, b.line, src,
					strings.Join(got, "\n"), strings.Join(viaRecord, "\n"))
			}
			if viaHeader := runQuery(src, headed(recs)); strings.Join(viaHeader, "\n") != strings.Join(got, "\n") {
				t.Errorf("%s:%d: %s\nas TextRecord:\n%s\nas HeaderRecord:\n%s", path, b.line, src,
					strings.Join(got, "\n"), strings.Join(viaHeader, "\n"))
			}
		default:
			t.Fatalf("%s:%d: unknown command %q", path, b.line, b.cmd)
		}
		if *rewrite {
			b.expected = got
		} else if strings.Join(got, "\n") != strings.Join(b.expected, "\n") {
			t.Errorf("%s:%d: %s\ngot:\n%s\nwant:\n%s", path, b.line, strings.Join(b.input, "\n"),
				strings.Join(got, "\n"), strings.Join(b.expected, "\n"))
		}
		fmt.Fprintf(&out, "%s\n", b.cmd)
		for _, l := range b.input {
			fmt.Fprintf(&out, "%s\n", l)
		}
		fmt.Fprintf(&out, "----\n")
		for _, l := range b.expected {
			fmt.Fprintf(&out, "%s\n", l)
		}
		out.WriteString("\n")
	}
	if *rewrite {
		if err := os.WriteFile(path, []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

var errLimit = errors.New("limit reached")

var testNow = time.Date(2026, 12, 5, 3, 4, 5, 0, time.UTC)

func runQuery(src string, recs []Record) []string {
	q, err := Parse(src)
	if err != nil {
		return []string{errLine(err)}
	}
	ev := q.NewEvaluator()
	ev.now = func() time.Time { return testNow }
	var lines []string
	var rows int64
	for i, rec := range recs {
		if q.Limit() >= 0 && rows >= q.Limit() {
			break
		}
		err := ev.EvalEach(rec, func(row []Column) error {
			if q.Limit() >= 0 && rows >= q.Limit() {
				return errLimit
			}
			rows++
			if q.Star() && row == nil {
				lines = append(lines, "* record "+strconv.Itoa(i+1))
			} else {
				lines = append(lines, formatRow(row))
			}
			return nil
		})
		if err == errLimit {
			break
		}
		if err != nil {
			return append(lines, errLine(err))
		}
	}
	if q.Aggregate() {
		row, err := ev.Finish()
		if err != nil {
			return append(lines, errLine(err))
		}
		lines = append(lines, formatRow(row))
	}
	if len(lines) == 0 {
		lines = append(lines, "(no rows)")
	}
	return lines
}

func errLine(err error) string {
	var se *Error
	if !errors.As(err, &se) {
		return "unexpected error type: " + err.Error()
	}
	if se.Pos >= 0 {
		return fmt.Sprintf("error: %s @%d", se.Code(), se.Pos)
	}
	return "error: " + se.Code()
}

func formatRow(row []Column) string {
	parts := make([]string, len(row))
	for i, c := range row {
		v := formatAny(c.Any())
		if c.Missing {
			v = "MISSING"
		}
		parts[i] = c.Name + ": " + v
	}
	return strings.Join(parts, " | ")
}

func formatAny(a any) string {
	switch v := a.(type) {
	case nil:
		return "NULL"
	case string:
		return strconv.Quote(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return "float " + strconv.FormatFloat(v, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	case time.Time:
		return "ts " + v.Format(time.RFC3339Nano)
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = formatAny(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case *Object:
		parts := make([]string, len(v.Keys))
		for i := range v.Keys {
			parts[i] = v.Keys[i] + ": " + formatAny(v.Values[i])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprintf("?%T", a)
}

// csvRecord is a CSV row with the file's header.
type csvRecord struct {
	header, fields []string
}

func (r *csvRecord) Column(name string, caseSensitive bool) (any, bool) {
	for i, h := range r.header {
		if h == name || !caseSensitive && strings.EqualFold(h, name) {
			return r.Position(i)
		}
	}
	return nil, false
}

func (r *csvRecord) Position(i int) (any, bool) {
	if i < 0 || i >= len(r.fields) {
		return nil, false
	}
	return r.fields[i], true
}

func (r *csvRecord) Document() any { return nil }

func (r *csvRecord) TextColumn(name string, caseSensitive bool) (string, bool) {
	for i, h := range r.header {
		if h == name || !caseSensitive && strings.EqualFold(h, name) {
			return r.TextPosition(i)
		}
	}
	return "", false
}

func (r *csvRecord) TextPosition(i int) (string, bool) {
	if i < 0 || i >= len(r.fields) {
		return "", false
	}
	return r.fields[i], true
}

// plainRecord hides a record's TextRecord methods, so that the
// evaluator reads it through Record alone.
type plainRecord struct{ Record }

func plain(recs []Record) []Record {
	out := make([]Record, len(recs))
	for i, r := range recs {
		out[i] = plainRecord{r}
	}
	return out
}

// headedRecord is a CSV record whose header the evaluator looks names
// up in once for all the records that share it.
type headedRecord struct{ *csvRecord }

func (r headedRecord) Header() any {
	if len(r.header) == 0 {
		return nil
	}
	return &r.header[0]
}

func (r headedRecord) ColumnIndex(name string, caseSensitive bool) (int, bool) {
	for i, h := range r.header {
		if h == name || !caseSensitive && strings.EqualFold(h, name) {
			return i, true
		}
	}
	return 0, false
}

// headed makes the CSV records of recs HeaderRecords.
func headed(recs []Record) []Record {
	out := make([]Record, len(recs))
	for i, r := range recs {
		out[i] = r
		if c, ok := r.(*csvRecord); ok {
			out[i] = headedRecord{c}
		}
	}
	return out
}

func csvRecords(lines []string) []Record {
	if len(lines) == 0 {
		return nil
	}
	header := strings.Split(lines[0], ",")
	var recs []Record
	for _, l := range lines[1:] {
		recs = append(recs, &csvRecord{header: header, fields: strings.Split(l, ",")})
	}
	return recs
}

// jsonRecord is a JSON document.
type jsonRecord struct{ doc any }

func (r *jsonRecord) Column(name string, caseSensitive bool) (any, bool) {
	o, ok := r.doc.(*Object)
	if !ok {
		return nil, false
	}
	return o.Get(name, caseSensitive)
}

func (r *jsonRecord) Position(int) (any, bool) { return nil, false }
func (r *jsonRecord) Document() any            { return r.doc }

func jsonRecords(lines []string) ([]Record, error) {
	var recs []Record
	for _, l := range lines {
		d := json.NewDecoder(strings.NewReader(l))
		d.UseNumber()
		v, err := decodeJSON(d)
		if err != nil {
			return nil, fmt.Errorf("%q: %v", l, err)
		}
		recs = append(recs, &jsonRecord{doc: v})
	}
	return recs, nil
}

// decodeJSON reads one value keeping object member order.
func decodeJSON(d *json.Decoder) (any, error) {
	tok, err := d.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := &Object{}
			for d.More() {
				k, err := d.Token()
				if err != nil {
					return nil, err
				}
				v, err := decodeJSON(d)
				if err != nil {
					return nil, err
				}
				o.Keys = append(o.Keys, k.(string))
				o.Values = append(o.Values, v)
			}
			_, err := d.Token()
			return o, err
		case '[':
			l := []any{}
			for d.More() {
				v, err := decodeJSON(d)
				if err != nil {
					return nil, err
				}
				l = append(l, v)
			}
			_, err := d.Token()
			return l, err
		}
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i, nil
		}
		return t.Float64()
	case string, bool, nil:
		return t, nil
	}
	return nil, io.ErrUnexpectedEOF
}
