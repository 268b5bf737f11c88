package input

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"

	"github.com/kurastore/kura/wire/s3select"
)

func gzipped(t *testing.T, s string) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(s))
	zw.Close()
	return b.Bytes()
}

// bzip2ed compresses with the bzip2 tool: Go has no bzip2 writer.
func bzip2ed(t *testing.T, s string) []byte {
	t.Helper()
	cmd := exec.Command("bzip2", "-c")
	cmd.Stdin = strings.NewReader(s)
	out, err := cmd.Output()
	if err != nil {
		t.Skipf("no bzip2 tool: %v", err)
	}
	return out
}

func readAllCounted(t *testing.T, src []byte, in s3select.InputSerialization) (n int, rd Reader, errCode string) {
	t.Helper()
	rd, err := NewReader(bytes.NewReader(src), Config{Input: in})
	if err != nil {
		return 0, nil, code(err)
	}
	for {
		_, err := rd.Next()
		if err == io.EOF {
			return n, rd, ""
		}
		if err != nil {
			return n, rd, code(err)
		}
		n++
	}
}

func TestCompression(t *testing.T) {
	csv := strings.Repeat("a,b,c\n", 1000)
	json := strings.Repeat(`{"a":1}`+"\n", 1000)
	two := append(gzipped(t, csv), gzipped(t, csv)...) // gzip members one after the other
	for _, tt := range []struct {
		name, compression string
		data              []byte
		json              bool
		records           int
		processed         int64
	}{
		{"gzip csv", "GZIP", gzipped(t, csv), false, 1000, int64(len(csv))},
		{"gzip json", "GZIP", gzipped(t, json), true, 1000, int64(len(json))},
		{"gzip members", "GZIP", two, false, 2000, int64(2 * len(csv))},
		{"bzip2 csv", "BZIP2", bzip2ed(t, csv), false, 1000, int64(len(csv))},
		{"bzip2 json", "BZIP2", bzip2ed(t, json), true, 1000, int64(len(json))},
		{"none", "NONE", []byte(csv), false, 1000, int64(len(csv))},
		{"empty compression", "", []byte(csv), false, 1000, int64(len(csv))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := s3select.InputSerialization{CompressionType: tt.compression, CSV: &s3select.CSVInput{}}
			if tt.json {
				in = s3select.InputSerialization{CompressionType: tt.compression, JSON: &s3select.JSONInput{Type: "LINES"}}
			}
			n, rd, err := readAllCounted(t, tt.data, in)
			if err != "" || n != tt.records {
				t.Fatalf("%d records, error %q", n, err)
			}
			if rd.BytesScanned() != int64(len(tt.data)) || rd.BytesProcessed() != tt.processed {
				t.Errorf("scanned %d (want %d), processed %d (want %d)", rd.BytesScanned(), len(tt.data), rd.BytesProcessed(), tt.processed)
			}
		})
	}
}

func TestCorruptCompression(t *testing.T) {
	csv := strings.Repeat("a,b,c\n", 1000)
	gz := gzipped(t, csv)
	bz := bzip2ed(t, csv)
	flipped := bytes.Clone(gz)
	flipped[len(flipped)/2] ^= 0xff
	for _, tt := range []struct {
		name, compression string
		data              []byte
	}{
		{"not gzip", "GZIP", []byte(csv)},
		{"gzip cut short", "GZIP", gz[:len(gz)/2]},
		{"gzip corrupt", "GZIP", flipped},
		{"not bzip2", "BZIP2", []byte(csv)},
		{"bzip2 cut short", "BZIP2", bz[:len(bz)/2]},
	} {
		_, _, err := readAllCounted(t, tt.data, s3select.InputSerialization{CompressionType: tt.compression, CSV: &s3select.CSVInput{}})
		if err != "TruncatedInput" {
			t.Errorf("%s: %q, want TruncatedInput", tt.name, err)
		}
	}
}

// A storage error stays itself under decompression.
func TestStorageErrorUnderCompression(t *testing.T) {
	boom := errors.New("disk on fire")
	gz := gzipped(t, strings.Repeat("a,b,c\n", 100000))
	src := io.MultiReader(bytes.NewReader(gz[:len(gz)/2]), errReader{boom})
	rd, err := NewReader(src, Config{Input: s3select.InputSerialization{CompressionType: "GZIP", CSV: &s3select.CSVInput{}}})
	if err != nil {
		t.Fatal(err)
	}
	for {
		_, err = rd.Next()
		if err != nil {
			break
		}
	}
	if !errors.Is(err, boom) {
		t.Errorf("got %v, want the storage error", err)
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func TestScanRangeRefusedWhereRecordsCannotBeFound(t *testing.T) {
	span := &Span{Start: 0, End: 10}
	for _, in := range []s3select.InputSerialization{
		{CompressionType: "GZIP", CSV: &s3select.CSVInput{}},
		{CompressionType: "BZIP2", JSON: &s3select.JSONInput{Type: "LINES"}},
		{JSON: &s3select.JSONInput{Type: "DOCUMENT"}},
		{JSON: &s3select.JSONInput{}},
	} {
		if _, err := NewReader(strings.NewReader(""), Config{Input: in, Span: span}); code(err) != "UnsupportedScanRangeInput" {
			t.Errorf("%+v: %v", in, err)
		}
	}
}

func TestResolveScanRange(t *testing.T) {
	p := func(i int64) *int64 { return &i }
	for _, tt := range []struct {
		sr     s3select.ScanRange
		size   int64
		want   Span
		wantOK bool
	}{
		{s3select.ScanRange{Start: p(0), End: p(9)}, 100, Span{0, 9}, true},
		{s3select.ScanRange{Start: p(50)}, 100, Span{50, 99}, true},
		{s3select.ScanRange{End: p(30)}, 100, Span{70, 99}, true},
		{s3select.ScanRange{End: p(300)}, 100, Span{0, 99}, true},
		{s3select.ScanRange{Start: p(10), End: p(500)}, 100, Span{10, 99}, true},
		{s3select.ScanRange{Start: p(99)}, 100, Span{99, 99}, true},
		{s3select.ScanRange{Start: p(100)}, 100, Span{100, 99}, false},
		{s3select.ScanRange{Start: p(0)}, 0, Span{0, -1}, false},
	} {
		got, ok := ResolveScanRange(&tt.sr, tt.size)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("%v %v of %d: %v %v, want %v %v", tt.sr.Start, tt.sr.End, tt.size, got, ok, tt.want, tt.wantOK)
		}
	}
}

// scan reads the records of object whose first byte is in [start, end],
// reading the object from where Span.ReadFrom says.
func scan(t *testing.T, object string, in s3select.InputSerialization, start, end int64) []string {
	t.Helper()
	span := Span{Start: start, End: end}
	from := span.ReadFrom(in)
	rd, err := NewReader(strings.NewReader(object[from:]), Config{Input: in, Span: &span})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("%d-%d: %v", start, end, err)
		}
		if c, ok := rec.(*CSVRecord); ok {
			out = append(out, strings.Join(fields(c), ","))
		} else {
			out = append(out, show(rec.Document()))
		}
	}
}

// Every record is read by exactly one of the spans that tile the
// object, whatever the tiles' boundaries: the record whose first byte
// is in the span, read to its end.
func TestScanRangeTiles(t *testing.T) {
	objects := []struct {
		name, object string
		in           s3select.InputSerialization
	}{
		{"csv", "aa,1\nb,22\n\nccc,3\nd,4\n", s3select.InputSerialization{CSV: &s3select.CSVInput{}}},
		{"csv crlf", "aa,1\r\nb,22\r\nccc,3\r\nd,4", s3select.InputSerialization{CSV: &s3select.CSVInput{RecordDelimiter: "\r\n"}}},
		{"json lines", "{\"a\":1}\n{\"a\":22}\n\n{\"a\":333}\n{\"a\":4}\n", s3select.InputSerialization{JSON: &s3select.JSONInput{Type: "LINES"}}},
	}
	for _, o := range objects {
		all := scan(t, o.object, o.in, 0, int64(len(o.object)-1))
		size := int64(len(o.object))
		for width := int64(1); width <= size; width++ {
			var got []string
			for start := int64(0); start < size; start += width {
				got = append(got, scan(t, o.object, o.in, start, min(start+width-1, size-1))...)
			}
			if strings.Join(got, "|") != strings.Join(all, "|") {
				t.Errorf("%s in spans of %d: %q, want %q", o.name, width, got, all)
			}
		}
	}
}

func TestScanRangeBoundaries(t *testing.T) {
	object := "a\nbb\nccc\n" // records start at 0, 2 and 5
	in := s3select.InputSerialization{CSV: &s3select.CSVInput{}}
	for _, tt := range []struct {
		start, end int64
		want       string
	}{
		{0, 0, "a"}, {0, 1, "a"}, {0, 2, "a|bb"}, {1, 2, "bb"}, {2, 2, "bb"}, {3, 4, ""},
		{3, 5, "ccc"}, {4, 5, "ccc"}, {5, 8, "ccc"}, {6, 8, ""}, {1, 1, ""},
	} {
		if got := strings.Join(scan(t, object, in, tt.start, tt.end), "|"); got != tt.want {
			t.Errorf("[%d, %d]: %q, want %q", tt.start, tt.end, got, tt.want)
		}
	}
}

// A scan range past the header still names columns when the reader
// gets the object's start.
func TestScanRangeHeader(t *testing.T) {
	object := "\xef\xbb\xbfid,name\n1,ann\n2,bob\n"
	in := s3select.InputSerialization{CSV: &s3select.CSVInput{FileHeaderInfo: "USE"}}
	span := Span{Start: int64(strings.Index(object, "2,")), End: int64(len(object) - 1)}
	rd, err := NewReader(strings.NewReader(object[span.ReadFrom(in):]), Config{Input: in, Span: &span, Header: strings.NewReader(object)})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := rd.Next()
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := rec.Column("name", false); !ok || v != "bob" {
		t.Errorf("name = %v, %v", v, ok)
	}
	if _, err := rd.Next(); err != io.EOF {
		t.Errorf("after the span: %v", err)
	}
	// From byte 0 the header is read as usual, not as a record.
	span = Span{Start: 0, End: int64(strings.Index(object, "1,"))}
	rd, _ = NewReader(strings.NewReader(object), Config{Input: in, Span: &span})
	rec, err = rd.Next()
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := rec.Column("id", false); v != "1" {
		t.Errorf("id = %v", v)
	}
	if _, err := rd.Next(); err != io.EOF {
		t.Errorf("after the span: %v", err)
	}
}
