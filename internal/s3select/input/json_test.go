package input

import (
	"encoding/json"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/kurastore/kura/internal/s3select/sql"
	"github.com/kurastore/kura/wire/s3select"
)

// readJSON reads every record of src, each written back as JSON with
// Go types marked (ints bare, floats with f), or the error's code.
func readJSON(t testing.TB, src, typ string) ([]string, string) {
	t.Helper()
	rd, err := NewReader(strings.NewReader(src), Config{Input: s3select.InputSerialization{JSON: &s3select.JSONInput{Type: typ}}})
	if err != nil {
		return nil, code(err)
	}
	var out []string
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			return out, ""
		}
		if err != nil {
			return out, code(err)
		}
		out = append(out, show(rec.Document()))
	}
}

func show(v any) string {
	switch t := v.(type) {
	case *sql.Object:
		var b strings.Builder
		b.WriteByte('{')
		for i, k := range t.Keys {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(k + ":" + show(t.Values[i]))
		}
		return b.String() + "}"
	case []any:
		parts := make([]string, len(t))
		for i, e := range t {
			parts[i] = show(e)
		}
		return "[" + strings.Join(parts, ",") + "]"
	case int64:
		return strconv.FormatInt(t, 10)
	case float64:
		return "f" + ftoa(t)
	case string:
		return "'" + t + "'"
	case nil:
		return "null"
	case bool:
		if t {
			return "true"
		}
		return "false"
	}
	return "?"
}

func ftoa(f float64) string {
	if math.IsInf(f, 1) {
		return "+Inf"
	}
	b, _ := json.Marshal(f)
	return string(b)
}

func TestJSONDocument(t *testing.T) {
	tests := []struct{ name, src, want, err string }{
		{name: "one object", src: `{"b":1,"a":{"y":[1,2.5,"x"],"x":null},"c":true}`, want: `{b:1,a:{y:[1,f2.5,'x'],x:null},c:true}`},
		{name: "concatenated", src: `{"a":1}{"a":2}` + "\n\n  " + `{"a":3}`, want: `{a:1} | {a:2} | {a:3}`},
		{name: "pretty printed", src: "{\n  \"a\": [\n    1,\n    2\n  ]\n}\n{\"b\":\"}{\"}", want: `{a:[1,2]} | {b:'}{'}`},
		{name: "escaped quote in string", src: `{"a":"x\"}"}`, want: `{a:'x"}'}`},
		{name: "scalars", src: `1 2.0 "s" true null [1]`, want: `1 | f2 | 's' | true | null | [1]`},
		{name: "numbers", src: `[9223372036854775807, 9223372036854775808, -0, 1e2, 1E400, -5]`, want: `[9223372036854775807,f9223372036854776000,0,f100,f+Inf,-5]`},
		{name: "empty", src: " \n ", want: ""},
		{name: "duplicate keys kept", src: `{"a":1,"a":2}`, want: `{a:1,a:2}`},
		{name: "unterminated", src: `{"a":1`, err: "JSONParsingError"},
		{name: "bad literal", src: `{"a":tru}`, err: "JSONParsingError"},
		{name: "stray bracket", src: `{"a":1}}`, want: "", err: "JSONParsingError"},
		{name: "trailing comma", src: `{"a":1,}`, err: "JSONParsingError"},
		{name: "unterminated string", src: `"abc`, err: "JSONParsingError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, err := readJSON(t, tt.src, "DOCUMENT")
			if err != tt.err {
				t.Fatalf("error %q, want %q (records %q)", err, tt.err, recs)
			}
			if tt.err == "" && strings.Join(recs, " | ") != tt.want {
				t.Errorf("got %q, want %q", strings.Join(recs, " | "), tt.want)
			}
		})
	}
}

func TestJSONLines(t *testing.T) {
	tests := []struct{ name, src, want, err string }{
		{name: "lines", src: "{\"a\":1}\n{\"a\":2}\n", want: `{a:1} | {a:2}`},
		{name: "crlf and blank lines", src: "{\"a\":1}\r\n\r\n  \n{\"a\":2}", want: `{a:1} | {a:2}`},
		{name: "two values on a line", src: `{"a":1} {"a":2}`, err: "JSONParsingError"},
		{name: "value over two lines", src: "{\"a\":\n1}", err: "JSONParsingError"},
		{name: "bad line after good", src: "{\"a\":1}\n{\n", want: `{a:1}`, err: "JSONParsingError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, err := readJSON(t, tt.src, "LINES")
			if err != tt.err {
				t.Fatalf("error %q, want %q (records %q)", err, tt.err, recs)
			}
			if (tt.err == "" || tt.want != "") && strings.Join(recs, " | ") != tt.want {
				t.Errorf("got %q, want %q", strings.Join(recs, " | "), tt.want)
			}
		})
	}
}

func TestJSONRecord(t *testing.T) {
	rd, _ := NewReader(strings.NewReader(`{"Name":"ann","age":30}`), Config{Input: s3select.InputSerialization{JSON: &s3select.JSONInput{}}})
	rec, err := rd.Next()
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := rec.Column("name", false); !ok || v != "ann" {
		t.Errorf("Column(name) = %v, %v", v, ok)
	}
	if _, ok := rec.Column("name", true); ok {
		t.Error("a case-sensitive name matched another case")
	}
	if v, ok := rec.Position(1); !ok || v != int64(30) {
		t.Errorf("Position(1) = %v, %v", v, ok)
	}
	if _, ok := rec.Position(2); ok {
		t.Error("Position past the members")
	}
}

// A record may be MaxRecordSize bytes long, not one more.
func TestJSONRecordLimit(t *testing.T) {
	for _, typ := range []string{"DOCUMENT", "LINES"} {
		for _, n := range []int{MaxRecordSize, MaxRecordSize + 1} {
			rec := `{"a":"` + strings.Repeat("x", n-len(`{"a":""}`)) + `"}`
			src := "{}\n" + rec + "\n{}\n"
			recs, err := readJSON(t, src, typ)
			if n <= MaxRecordSize {
				if err != "" || len(recs) != 3 {
					t.Errorf("%s %d bytes: %d records, error %q", typ, n, len(recs), err)
				}
			} else if err != "OverMaxRecordSize" {
				t.Errorf("%s %d bytes: error %q, want OverMaxRecordSize", typ, n, err)
			}
		}
		// A scalar too long: a string with no end in sight.
		if _, err := readJSON(t, `"`+strings.Repeat("x", 2*MaxRecordSize), typ); err != "OverMaxRecordSize" {
			t.Errorf("%s long string: %q", typ, err)
		}
	}
}

func TestJSONSmallReads(t *testing.T) {
	src := "{\"a\":[1,{\"b\":\"\\\"]\"}]} 12 \"x\"\n"
	want, _ := readJSON(t, src, "DOCUMENT")
	rd, _ := NewReader(oneByte{strings.NewReader(src)}, Config{Input: s3select.InputSerialization{JSON: &s3select.JSONInput{}}})
	var got []string
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, show(rec.Document()))
	}
	if strings.Join(got, " | ") != strings.Join(want, " | ") || len(want) != 3 {
		t.Errorf("one byte at a time %q, at once %q", got, want)
	}
}

// Values nest at most maxDepth deep, as encoding/json's Unmarshal
// allows: deeper ones would cost a stack frame per level.
func TestJSONDepth(t *testing.T) {
	for _, depth := range []int{maxDepth, maxDepth + 1} {
		src := strings.Repeat(`{"a":[`, depth/2) + strings.Repeat("[", depth%2) + "1" + strings.Repeat("]", depth%2) + strings.Repeat("]}", depth/2)
		_, err := readJSON(t, src, "DOCUMENT")
		if depth <= maxDepth && err != "" || depth > maxDepth && err != "JSONParsingError" {
			t.Errorf("depth %d: error %q", depth, err)
		}
	}
}
