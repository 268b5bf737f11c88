package output

import (
	"math"
	"testing"
	"time"

	"github.com/kurastore/kura/internal/s3select/sql"
	"github.com/kurastore/kura/wire/s3select"
)

func cols(values ...any) []sql.Column {
	row := make([]sql.Column, len(values))
	for i, v := range values {
		row[i] = sql.Column{Name: string(rune('a' + i)), Value: v}
	}
	return row
}

var when = time.Date(2024, 2, 29, 12, 30, 0, 500000000, time.UTC)

func TestCSVRow(t *testing.T) {
	obj := &sql.Object{Keys: []string{"x"}, Values: []any{int64(1)}}
	tests := []struct {
		name string
		opts s3select.CSVOutput
		row  []sql.Column
		want string
	}{
		{"scalars", s3select.CSVOutput{}, cols("s", int64(-3), 2.5, 1.0, true, nil, when), "s,-3,2.5,1.0,true,,2024-02-29T12:30:00.5Z\n"},
		{"missing is empty", s3select.CSVOutput{}, []sql.Column{{Name: "a", Missing: true}, {Name: "b", Value: "x"}}, ",x\n"},
		{"as needed", s3select.CSVOutput{}, cols("a,b", `say "hi"`, "line\nbreak", "cr\r", "plain"), `"a,b","say ""hi""","line` + "\n" + `break","cr` + "\r" + `",plain` + "\n"},
		{"always", s3select.CSVOutput{QuoteFields: "ALWAYS"}, cols("a", int64(1), nil), `"a","1",""` + "\n"},
		{"custom", s3select.CSVOutput{FieldDelimiter: "\t", RecordDelimiter: "\r\n", QuoteCharacter: "'", QuoteEscapeCharacter: `\`}, cols("it's", "a\tb", `"`), `'it\'s'` + "\t'a\tb'\t\"\r\n"},
		{"escape is quoted", s3select.CSVOutput{QuoteEscapeCharacter: `\`}, cols(`a\b`, `"`), `"a\\b","\""` + "\n"},
		{"nested values", s3select.CSVOutput{}, cols([]any{int64(1), "x"}, obj), `"[1,""x""]","{""x"":1}"` + "\n"},
		{"star object", s3select.CSVOutput{}, []sql.Column{{Name: "*", Value: &sql.Object{Keys: []string{"p", "q"}, Values: []any{"1", int64(2)}}}}, "1,2\n"},
		{"star scalar", s3select.CSVOutput{}, []sql.Column{{Name: "*", Value: int64(7)}}, "7\n"},
		{"star missing", s3select.CSVOutput{}, []sql.Column{{Name: "*", Missing: true}}, "\n"},
	}
	for _, tt := range tests {
		if got := string(NewCSV(&tt.opts).AppendRow([]byte("<"), tt.row)); got != "<"+tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, "<"+tt.want)
		}
	}
}

func TestJSONRow(t *testing.T) {
	obj := &sql.Object{Keys: []string{"z", "a"}, Values: []any{[]any{int64(1), nil}, map[string]int(nil)}}
	tests := []struct {
		name  string
		delim string
		row   []sql.Column
		want  string
	}{
		{"scalars", "", cols("s", int64(-3), 2.5, 1.0, false, nil, when), `{"a":"s","b":-3,"c":2.5,"d":1.0,"e":false,"f":null,"g":"2024-02-29T12:30:00.5Z"}` + "\n"},
		{"missing left out", ",", []sql.Column{{Name: "a", Missing: true}, {Name: "b", Value: "x"}, {Name: "c", Missing: true}}, `{"b":"x"},`},
		{"escapes", "", cols("q\"\\\n\t\x01<é\xff"), `{"a":"q\"\\\n\t\u0001<é\ufffd"}` + "\n"},
		{"nested", "", cols(obj), `{"a":{"z":[1,null],"a":null}}` + "\n"},
		{"not a number", "", cols(math.NaN(), math.Inf(1)), `{"a":null,"b":null}` + "\n"},
		{"star object", "", []sql.Column{{Name: "*", Value: &sql.Object{Keys: []string{"p"}, Values: []any{"1"}}}}, `{"p":"1"}` + "\n"},
		{"star scalar", "", []sql.Column{{Name: "*", Value: int64(7)}}, `{"_1":7}` + "\n"},
		{"star missing", "", []sql.Column{{Name: "*", Missing: true}}, "{}\n"},
	}
	for _, tt := range tests {
		if got := string(NewJSON(&s3select.JSONOutput{RecordDelimiter: tt.delim}).AppendRow(nil, tt.row)); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestTextColumns: a string held in Text is written as the same string
// held in Value is.
func TestTextColumns(t *testing.T) {
	texts := []string{"plain", "a,b", `say "hi"`, "line\nbreak", "", "é\x01"}
	asValue := cols("plain", "a,b", `say "hi"`, "line\nbreak", "", "é\x01")
	asText := make([]sql.Column, len(texts))
	for i, s := range texts {
		asText[i] = sql.Column{Name: asValue[i].Name, IsText: true, Text: s}
	}
	asText[4].Missing, asValue[4].Missing = true, true
	writers := map[string]Writer{
		"csv":        NewCSV(&s3select.CSVOutput{}),
		"csv always": NewCSV(&s3select.CSVOutput{QuoteFields: "ALWAYS"}),
		"csv custom": NewCSV(&s3select.CSVOutput{FieldDelimiter: "\t", QuoteCharacter: "'", QuoteEscapeCharacter: `\`}),
		"json":       NewJSON(&s3select.JSONOutput{}),
	}
	for name, w := range writers {
		want := string(w.AppendRow(nil, asValue))
		if got := string(w.AppendRow(nil, asText)); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
}
