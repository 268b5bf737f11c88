package input

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/kurastore/kura/internal/s3select/sql"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/s3select"
)

// readAll reads every record of src as CSV fields, or the error's code.
func readCSV(t testing.TB, src string, c s3select.CSVInput) ([][]string, string) {
	t.Helper()
	rd, err := NewReader(strings.NewReader(src), Config{Input: s3select.InputSerialization{CSV: &c}})
	if err != nil {
		return nil, code(err)
	}
	var out [][]string
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			return out, ""
		}
		if err != nil {
			return out, code(err)
		}
		out = append(out, fields(rec.(*CSVRecord)))
	}
}

func fields(rec *CSVRecord) []string {
	var f []string
	for i := range rec.NumFields() {
		s, _ := rec.TextPosition(i)
		f = append(f, s)
	}
	return f
}

func code(err error) string {
	var e *s3err.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return err.Error()
}

func join(recs [][]string) string {
	var b strings.Builder
	for i, r := range recs {
		if i > 0 {
			b.WriteString(" | ")
		}
		b.WriteString(strings.Join(r, "¦"))
	}
	return b.String()
}

func TestCSVSyntax(t *testing.T) {
	tests := []struct {
		name string
		src  string
		opts s3select.CSVInput
		want string // records joined: fields by ¦, records by " | "
		err  string
	}{
		{name: "plain", src: "a,b,c\n1,2,3\n", want: "a¦b¦c | 1¦2¦3"},
		{name: "no final delimiter", src: "a,b\n1,2", want: "a¦b | 1¦2"},
		{name: "trailing field delimiter", src: "a,b,\n", want: "a¦b¦"},
		{name: "empty fields", src: ",,\n", want: "¦¦"},
		{name: "missing fields", src: "a,b,c\n1\n", want: "a¦b¦c | 1"},
		{name: "empty lines skipped", src: "\n\na\n\nb\n\n", want: "a | b"},
		{name: "empty object", src: "", want: ""},
		{name: "crlf kept with LF delimiter", src: "a,b\r\n", want: "a¦b\r"},
		{name: "crlf delimiter", src: "a,b\r\n1,2\r\n", opts: s3select.CSVInput{RecordDelimiter: "\r\n"}, want: "a¦b | 1¦2"},
		{name: "crlf delimiter lone cr", src: "a\rb,c\r\n", opts: s3select.CSVInput{RecordDelimiter: "\r\n"}, want: "a\rb¦c"},
		{name: "custom delimiters", src: "a;b|c;d|", opts: s3select.CSVInput{FieldDelimiter: ";", RecordDelimiter: "|"}, want: "a¦b | c¦d"},
		{name: "multibyte field delimiter", src: "a¤b\n", opts: s3select.CSVInput{FieldDelimiter: "¤"}, want: "a¦b"},
		{name: "tab", src: "a\tb c\n", opts: s3select.CSVInput{FieldDelimiter: "\t"}, want: "a¦b c"},
		{name: "quoted", src: `"a,b","c"` + "\n", want: "a,b¦c"},
		{name: "quoted empty", src: `"",x` + "\n", want: "¦x"},
		{name: "doubled quote", src: `"say ""hi""",x` + "\n", want: `say "hi"¦x`},
		{name: "quote inside plain field", src: `ab"c,d` + "\n", want: `ab"c¦d`},
		{name: "custom quote", src: `'a,b',c` + "\n", opts: s3select.CSVInput{QuoteCharacter: "'"}, want: "a,b¦c"},
		{name: "double quote is plain with custom quote", src: `"a,b"` + "\n", opts: s3select.CSVInput{QuoteCharacter: "'"}, want: `"a¦b"`},
		{name: "escape character", src: `"a\"b\\c\d",e` + "\n", opts: s3select.CSVInput{QuoteEscapeCharacter: `\`}, want: `a"b\c\d¦e`},
		{name: "escape outside quotes is plain", src: `a\"b` + "\n", opts: s3select.CSVInput{QuoteEscapeCharacter: `\`}, want: `a\"b`},
		{name: "quoted record delimiter refused", src: "\"a\nb\",c\n", err: "CSVEscapingRecordDelimiter"},
		{name: "quoted record delimiter allowed", src: "\"a\nb\",c\nd\n", opts: s3select.CSVInput{AllowQuotedRecordDelimiter: true}, want: "a\nb¦c | d"},
		{name: "quoted crlf allowed", src: "\"a\r\nb\"\r\nc", opts: s3select.CSVInput{RecordDelimiter: "\r\n", AllowQuotedRecordDelimiter: true}, want: "a\r\nb | c"},
		{name: "quoted field delimiter and lone cr", src: "\"a,\rb\"\n", want: "a,\rb"},
		{name: "text after closing quote", src: `"a"b,c` + "\n", err: "CSVUnescapedQuote"},
		{name: "unterminated quote", src: `"abc`, err: "CSVParsingError"},
		{name: "comments", src: "#x,y\na\n#\nb\n", want: "a | b"},
		{name: "comment char set", src: "%x\n#a\n", opts: s3select.CSVInput{Comments: "%"}, want: "#a"},
		{name: "comment mid line is text", src: "a#b\n", want: "a#b"},
		{name: "comment at end without delimiter", src: "a\n#c", want: "a"},
		{name: "bom skipped", src: "\xef\xbb\xbfa,b\n", want: "a¦b"},
		{name: "quoted field then end", src: `a,"b"`, want: "a¦b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, err := readCSV(t, tt.src, tt.opts)
			if err != tt.err {
				t.Fatalf("error %q, want %q (records %q)", err, tt.err, join(recs))
			}
			if tt.err == "" && join(recs) != tt.want {
				t.Errorf("got %q, want %q", join(recs), tt.want)
			}
		})
	}
}

// A record may be MaxRecordSize bytes long, not one more, whichever
// way it is built.
func TestCSVRecordLimit(t *testing.T) {
	for _, quoted := range []bool{false, true} {
		for _, n := range []int{MaxRecordSize, MaxRecordSize + 1} {
			field := strings.Repeat("x", n)
			if quoted {
				field = `"` + strings.Repeat("x", n-2) + `"`
			}
			src := "a\n" + field + "\nb\n"
			recs, err := readCSV(t, src, s3select.CSVInput{})
			if n <= MaxRecordSize {
				if err != "" || len(recs) != 3 || len(recs[1][0]) != len(strings.Trim(field, `"`)) {
					t.Errorf("quoted=%v %d bytes: %d records, error %q", quoted, n, len(recs), err)
				}
			} else if err != "OverMaxRecordSize" {
				t.Errorf("quoted=%v %d bytes: error %q, want OverMaxRecordSize", quoted, n, err)
			}
		}
	}
}

func TestCSVHeader(t *testing.T) {
	src := "id,Name,AGE\n1,ann,30\n2,bob\n"
	rd, err := NewReader(strings.NewReader(src), Config{Input: s3select.InputSerialization{CSV: &s3select.CSVInput{FileHeaderInfo: "USE"}}})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := rd.Next()
	if err != nil {
		t.Fatal(err)
	}
	tr := rec.(sql.TextRecord)
	for _, c := range []struct {
		name string
		cs   bool
		want string
		ok   bool
	}{
		{"id", false, "1", true}, {"name", false, "ann", true}, {"NAME", false, "ann", true},
		{"Name", true, "ann", true}, {"name", true, "", false}, {"age", false, "30", true}, {"nope", false, "", false},
	} {
		got, ok := tr.TextColumn(c.name, c.cs)
		if got != c.want || ok != c.ok {
			t.Errorf("TextColumn(%q, %v) = %q, %v; want %q, %v", c.name, c.cs, got, ok, c.want, c.ok)
		}
		a, ok := tr.Column(c.name, c.cs)
		if ok != c.ok || ok && a.(string) != c.want {
			t.Errorf("Column(%q, %v) = %v, %v", c.name, c.cs, a, ok)
		}
	}
	if got, _ := tr.TextPosition(2); got != "30" {
		t.Errorf("TextPosition(2) = %q", got)
	}
	if rec.Document() != nil {
		t.Error("a CSV record has a document")
	}
	rec, _ = rd.Next()
	if _, ok := rec.Column("age", false); ok {
		t.Error("a missing trailing field is present")
	}
	if name := rec.(*CSVRecord).FieldName(1); name != "Name" {
		t.Errorf("FieldName(1) = %q", name)
	}
	if _, err := rd.Next(); err != io.EOF {
		t.Errorf("end: %v", err)
	}
}

func TestCSVHeaderIgnoreAndNone(t *testing.T) {
	src := "#c\nid,name\n1,ann\n"
	for _, tt := range []struct{ info, want string }{{"IGNORE", "1¦ann"}, {"NONE", "id¦name | 1¦ann"}, {"", "id¦name | 1¦ann"}} {
		recs, err := readCSV(t, src, s3select.CSVInput{FileHeaderInfo: tt.info})
		if err != "" || join(recs) != tt.want {
			t.Errorf("%s: %q, %q; want %q", tt.info, join(recs), err, tt.want)
		}
	}
	rd, _ := NewReader(strings.NewReader(src), Config{Input: s3select.InputSerialization{CSV: &s3select.CSVInput{FileHeaderInfo: "IGNORE"}}})
	rec, _ := rd.Next()
	if _, ok := rec.Column("id", false); ok {
		t.Error("IGNORE names columns")
	}
	if name := rec.(*CSVRecord).FieldName(1); name != "_2" {
		t.Errorf("FieldName(1) = %q", name)
	}
}

// A name that matches two header fields is AmbiguousFieldName once a
// query asks for it; other names still work.
func TestCSVAmbiguousColumn(t *testing.T) {
	for _, tt := range []struct {
		name string
		cs   bool
		amb  bool
	}{{"a", false, true}, {"A", true, false}, {"a", true, true}, {"b", false, false}} {
		rd, _ := NewReader(strings.NewReader("a,A,a,b\n1,2,3,4\n5,6,7,8\n"), Config{Input: s3select.InputSerialization{CSV: &s3select.CSVInput{FileHeaderInfo: "USE"}}})
		csv := rd.(*CSVReader)
		rec, err := rd.Next()
		if err != nil {
			t.Fatal(err)
		}
		_, ok := rec.(sql.TextRecord).TextColumn(tt.name, tt.cs)
		if tt.amb {
			if ok || code(csv.Ambiguous()) != "AmbiguousFieldName" {
				t.Errorf("%q cs=%v: ok=%v, Ambiguous %v", tt.name, tt.cs, ok, csv.Ambiguous())
			}
			if _, err := rd.Next(); code(err) != "AmbiguousFieldName" {
				t.Errorf("%q: Next gives %v", tt.name, err)
			}
		} else if !ok || csv.Ambiguous() != nil {
			t.Errorf("%q cs=%v: ok=%v, Ambiguous %v", tt.name, tt.cs, ok, csv.Ambiguous())
		}
	}
}

// Strings handed out stay valid after later records are read.
func TestCSVStringsOutliveRecords(t *testing.T) {
	var b strings.Builder
	for i := range 50000 {
		b.WriteString(strings.Repeat(string(rune('a'+i%26)), 1+i%40) + ",x\n")
	}
	rd, _ := NewReader(strings.NewReader(b.String()), Config{Input: s3select.InputSerialization{CSV: &s3select.CSVInput{}}})
	var kept []string
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		s, _ := rec.(sql.TextRecord).TextPosition(0)
		kept = append(kept, s)
	}
	for i, s := range kept {
		if want := strings.Repeat(string(rune('a'+i%26)), 1+i%40); s != want {
			t.Fatalf("record %d: %q, want %q", i, s, want)
		}
	}
}

// Small reads split delimiters and quotes at every place.
func TestCSVSmallReads(t *testing.T) {
	src := "\"a\r\n\"\"b\",c\r\nd,\"e\"\r\n#x\r\n\r\nf"
	opts := s3select.CSVInput{RecordDelimiter: "\r\n", AllowQuotedRecordDelimiter: true}
	want, _ := readCSV(t, src, opts)
	rd, _ := NewReader(oneByte{strings.NewReader(src)}, Config{Input: s3select.InputSerialization{CSV: &opts}})
	var got [][]string
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, fields(rec.(*CSVRecord)))
	}
	if join(got) != join(want) || join(want) != "a\r\n\"b¦c | d¦e | f" {
		t.Errorf("one byte at a time %q, at once %q", join(got), join(want))
	}
}

type oneByte struct{ r io.Reader }

func (o oneByte) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return o.r.Read(p[:1])
}

// An object that ends exactly where the reader's buffer does has no
// record after its last one.
func TestCSVEndsAtBufferEdge(t *testing.T) {
	for _, size := range []int{initialWindow - 1, initialWindow, initialWindow + 1, 2 * initialWindow} {
		line := "abcdefg\n"
		src := strings.Repeat(line, (size-2)/len(line))
		src += strings.Repeat("z", size-len(src)-1) + "\n"
		if len(src) != size {
			t.Fatalf("built %d bytes, want %d", len(src), size)
		}
		recs, err := readCSV(t, src, s3select.CSVInput{})
		if err != "" || len(recs) != strings.Count(src, "\n") {
			t.Errorf("%d bytes: %d records, want %d; error %q", size, len(recs), strings.Count(src, "\n"), err)
		}
		// Lines skipped at the very end: a comment, an empty line.
		for _, tail := range []string{"#cccccccccccccccccccc\n", "#cccccccccccccccccccc\n\n"} {
			src := strings.Repeat("x", size-len(tail)-1) + "\n" + tail
			if recs, err := readCSV(t, src, s3select.CSVInput{}); err != "" || len(recs) != 1 {
				t.Errorf("%d bytes ending in %q: %d records %q, error %q", size, tail, len(recs), recs[1:], err)
			}
		}
	}
}

// TestEvaluatorFollowsHeader evaluates one query over the records of two
// objects whose headers put the columns in different places, in turns:
// the evaluator's positions of named columns must follow the header.
func TestEvaluatorFollowsHeader(t *testing.T) {
	q, err := sql.Parse("SELECT s.b, s.\"A\" FROM S3Object s WHERE s.absent IS MISSING")
	if err != nil {
		t.Fatal(err)
	}
	in := s3select.InputSerialization{CSV: &s3select.CSVInput{FileHeaderInfo: s3select.FileHeaderUse}}
	open := func(src string) Reader {
		rd, err := NewReader(strings.NewReader(src), Config{Input: in})
		if err != nil {
			t.Fatal(err)
		}
		return rd
	}
	first := open("A,b\n1,2\n3,4\n")
	second := open("b,x,A\n5,6,7\n8,9,10\n")
	ev := q.NewEvaluator()
	var got []string
	for range 2 {
		for _, rd := range []Reader{first, second} {
			rec, err := rd.Next()
			if err != nil {
				t.Fatal(err)
			}
			row, keep, err := ev.Eval(rec)
			if err != nil || !keep {
				t.Fatalf("keep %v, err %v", keep, err)
			}
			got = append(got, row[0].Text+" "+row[1].Text)
		}
	}
	if want := "2 1|5 7|4 3|8 10"; strings.Join(got, "|") != want {
		t.Errorf("got %s, want %s", strings.Join(got, "|"), want)
	}
}

// TestEvaluatorAmbiguousColumn: a name that two header fields match is
// MISSING and makes the reader report AmbiguousFieldName.
func TestEvaluatorAmbiguousColumn(t *testing.T) {
	q, err := sql.Parse("SELECT s.id FROM S3Object s")
	if err != nil {
		t.Fatal(err)
	}
	in := s3select.InputSerialization{CSV: &s3select.CSVInput{FileHeaderInfo: s3select.FileHeaderUse}}
	rd, err := NewReader(strings.NewReader("id,ID\n1,2\n3,4\n"), Config{Input: in})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := rd.Next()
	if err != nil {
		t.Fatal(err)
	}
	row, _, err := q.NewEvaluator().Eval(rec)
	if err != nil {
		t.Fatal(err)
	}
	if !row[0].Missing {
		t.Errorf("an ambiguous column gave %v", row[0].Any())
	}
	if err := rd.(*CSVReader).Ambiguous(); code(err) != "AmbiguousFieldName" {
		t.Errorf("Ambiguous() = %v", err)
	}
}

// readCSVFrom reads every record of src, with the one-byte delimiter
// path on or off, as fields or the error's code.
func readCSVFrom(t *testing.T, src io.Reader, oneByte bool) ([][]string, string) {
	t.Helper()
	r, err := NewReader(src, Config{Input: s3select.InputSerialization{CSV: &s3select.CSVInput{}}})
	if err != nil {
		t.Fatal(err)
	}
	rd := r.(*CSVReader)
	rd.syn.oneByte = rd.syn.oneByte && oneByte
	var out [][]string
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			return out, ""
		}
		if err != nil {
			return out, code(err)
		}
		out = append(out, fields(rec.(*CSVRecord)))
	}
}

// TestCSVOneByteDelimiters: the path for one-byte delimiters reads what
// the general one does, whatever the reads' sizes.
func TestCSVOneByteDelimiters(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	const alphabet = "ab,,\n\n\"# \r"
	for range 3000 {
		b := make([]byte, rnd.IntN(40))
		for i := range b {
			b[i] = alphabet[rnd.IntN(len(alphabet))]
		}
		src := string(b)
		want, wantErr := readCSVFrom(t, strings.NewReader(src), false)
		for _, r := range []io.Reader{strings.NewReader(src), iotest.OneByteReader(strings.NewReader(src))} {
			got, gotErr := readCSVFrom(t, r, true)
			if fmt.Sprint(got) != fmt.Sprint(want) || gotErr != wantErr {
				t.Fatalf("%q: got %q %s, want %q %s", src, got, gotErr, want, wantErr)
			}
		}
	}
}

func TestHeaderLength(t *testing.T) {
	use := &s3select.CSVInput{FileHeaderInfo: s3select.FileHeaderUse}
	for _, c := range []struct {
		object string
		in     *s3select.CSVInput
		want   int64
	}{
		{"a,b\n1,2\n", use, 4},
		{"\xef\xbb\xbf# note\r\n\r\na,b\r\n1,2\r\n", &s3select.CSVInput{FileHeaderInfo: s3select.FileHeaderIgnore, RecordDelimiter: "\r\n"}, 18},
		{"a,b", use, 3},
		{"", use, 0},
		{"a,b\n1,2\n", &s3select.CSVInput{FileHeaderInfo: s3select.FileHeaderNone}, 0},
	} {
		got, err := HeaderLength(strings.NewReader(c.object), c.in)
		if err != nil || got != c.want {
			t.Errorf("HeaderLength(%q) = %d, %v; want %d", c.object, got, err, c.want)
		}
	}
}
