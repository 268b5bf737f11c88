package output

import (
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/kurastore/kura/internal/s3select/input"
	"github.com/kurastore/kura/internal/s3select/sql"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/s3select"
)

// csvDialects are the delimiters and quotes the fuzz tests use; the
// choice is a byte of the input.
var csvDialects = []struct{ field, record, quote, escape string }{
	{",", "\n", `"`, `"`},
	{",", "\r\n", `"`, `"`},
	{"\t", "\n", `'`, `\`},
	{";", "|", `"`, `\`},
	{"¤", "\r\n", `"`, `"`},
}

// Fields written as CSV, always quoted, read back as they were, in every
// dialect, with quoted record delimiters allowed. Records whose only
// field is empty are left out: an empty line is no record.
func FuzzCSVRoundTrip(f *testing.F) {
	f.Add("a\x00b\x01c", byte(0))
	f.Add("say \"hi\"\x00x\ny\x01\r\n\x00\\\x00'", byte(2))
	f.Add("#c\x00|;\x01\x00", byte(3))
	f.Fuzz(func(t *testing.T, text string, dialect byte) {
		if len(text) > 4096 {
			return
		}
		d := csvDialects[int(dialect)%len(csvDialects)]
		var records [][]string
		for _, r := range strings.Split(text, "\x01") {
			fields := strings.Split(r, "\x00")
			if len(fields) == 1 && fields[0] == "" {
				continue
			}
			records = append(records, fields)
		}
		w := NewCSV(&s3select.CSVOutput{QuoteFields: "ALWAYS", FieldDelimiter: d.field, RecordDelimiter: d.record, QuoteCharacter: d.quote, QuoteEscapeCharacter: d.escape})
		var buf []byte
		for _, r := range records {
			row := make([]sql.Column, len(r))
			for i, s := range r {
				row[i].Value = s
			}
			buf = w.AppendRow(buf, row)
		}
		in := s3select.InputSerialization{CSV: &s3select.CSVInput{FieldDelimiter: d.field, RecordDelimiter: d.record, QuoteCharacter: d.quote, QuoteEscapeCharacter: d.escape, AllowQuotedRecordDelimiter: true}}
		rd, err := input.NewReader(strings.NewReader(string(buf)), input.Config{Input: in})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; ; i++ {
			rec, err := rd.Next()
			if err == io.EOF {
				if i != len(records) {
					t.Fatalf("%d records back, wrote %d: %q", i, len(records), buf)
				}
				return
			}
			if err != nil {
				t.Fatalf("record %d of %q: %v", i, buf, err)
			}
			c := rec.(*input.CSVRecord)
			if i >= len(records) || c.NumFields() != len(records[i]) {
				t.Fatalf("record %d of %q: %d fields", i, buf, c.NumFields())
			}
			for j, want := range records[i] {
				if got, _ := c.TextPosition(j); got != want {
					t.Fatalf("record %d field %d of %q: %q, want %q", i, j, buf, got, want)
				}
			}
		}
	})
}

// Any bytes in any dialect read without a panic, to S3 errors only.
func FuzzCSVReader(f *testing.F) {
	f.Add([]byte("a,\"b\"\"c\",d\n#x\n\n\"e\nf\"\r\n"), byte(0))
	f.Add([]byte("'a\\'b'\t'c'|x"), byte(2))
	f.Fuzz(func(t *testing.T, data []byte, opts byte) {
		if len(data) > 1<<16 {
			return
		}
		d := csvDialects[int(opts)%len(csvDialects)]
		header := []string{"NONE", "USE", "IGNORE"}[int(opts>>4)%3]
		in := s3select.InputSerialization{CSV: &s3select.CSVInput{FileHeaderInfo: header, FieldDelimiter: d.field, RecordDelimiter: d.record, QuoteCharacter: d.quote, QuoteEscapeCharacter: d.escape, AllowQuotedRecordDelimiter: opts&8 != 0}}
		drain(t, data, in)
	})
}

// Any bytes read as JSON without a panic; a stream read to its end
// holds as many values as encoding/json reads. (encoding/json reads
// some streams that are not, such as 00, as two values.)
func FuzzJSONReader(f *testing.F) {
	f.Add([]byte(`{"a":[1,2.5,{"b":null}]} "x" 3 [true]`), false)
	f.Add([]byte("{\"a\":1}\n\n{\"a\":\"}\"}\n"), true)
	f.Fuzz(func(t *testing.T, data []byte, lines bool) {
		if len(data) > 1<<16 {
			return
		}
		typ := "DOCUMENT"
		if lines {
			typ = "LINES"
		}
		n := drain(t, data, s3select.InputSerialization{JSON: &s3select.JSONInput{Type: typ}})
		if !lines {
			if want, ok := countJSON(data); n >= 0 && (!ok || n != want) {
				t.Fatalf("%d records, encoding/json reads %d values", n, want)
			}
		}
	})
}

// drain reads every record, checking that errors are S3 errors, and
// returns how many it read (-1 on an error).
func drain(t *testing.T, data []byte, in s3select.InputSerialization) int {
	rd, err := input.NewReader(strings.NewReader(string(data)), input.Config{Input: in})
	if err != nil {
		t.Fatal(err)
	}
	w := NewJSON(&s3select.JSONOutput{})
	for n := 0; ; n++ {
		rec, err := rd.Next()
		if err == io.EOF {
			return n
		}
		if err != nil {
			var e *s3err.Error
			if !errors.As(err, &e) {
				t.Fatalf("not an S3 error: %v", err)
			}
			return -1
		}
		// Each input byte becomes at most 16 output bytes: a content
		// byte at most \u00XX (6), a field delimiter at most one more
		// member, `,"_65537":""` (13) for inputs up to 64 KiB.
		if out := len(w.AppendRecord(nil, rec)); out > 16*len(data)+64 {
			t.Fatalf("a record of %d bytes from %d bytes of input", out, len(data))
		}
	}
}

// countJSON counts the top-level values of data as encoding/json reads
// them; ok is false when it cannot read them all.
func countJSON(data []byte) (int, bool) {
	dec := json.NewDecoder(strings.NewReader(string(data)))
	n := 0
	for {
		var v json.RawMessage
		err := dec.Decode(&v)
		if err == io.EOF {
			return n, true
		}
		if err != nil {
			return 0, false
		}
		n++
	}
}
