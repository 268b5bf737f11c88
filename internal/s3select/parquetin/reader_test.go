package parquetin

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/kurastore/kura/internal/s3select/sql"
	"github.com/kurastore/kura/s3err"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
)

func TestFlatColumnsAcrossRowGroups(t *testing.T) {
	rows := flatRows(250)
	data := writeParquet(t, rows, parquet.MaxRowsPerRowGroup(100))
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(f.RowGroups()); n != 3 {
		t.Fatalf("fixture has %d row groups, want 3", n)
	}
	docs := readDocs(t, data, Options{AllColumns: true})
	if len(docs) != len(rows) {
		t.Fatalf("read %d rows, want %d", len(docs), len(rows))
	}
	for i, d := range docs {
		if want := flatDoc(rows[i]); !reflect.DeepEqual(d, want) {
			t.Fatalf("row %d:\n got %#v\nwant %#v", i, d.Values, want.Values)
		}
	}
}

func TestColumnAndPosition(t *testing.T) {
	data := writeParquet(t, flatRows(2))
	rd, err := Open(bytes.NewReader(data), int64(len(data)), Options{Columns: []string{"NAME", "score"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := rd.Columns(); !reflect.DeepEqual(got, []string{"name", "score"}) {
		t.Fatalf("Columns() = %q", got)
	}
	rec, err := rd.Read()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		cs   bool
		want any
		ok   bool
	}{
		{"name", false, "name0", true},
		{"Name", false, "name0", true},
		{"Name", true, nil, false},
		{"score", true, 0.0, true},
		{"age", false, nil, false}, // not read
		{"nope", false, nil, false},
	} {
		v, ok := rec.Column(tc.name, tc.cs)
		if v != tc.want || ok != tc.ok {
			t.Errorf("Column(%q, %v) = %v, %v; want %v, %v", tc.name, tc.cs, v, ok, tc.want, tc.ok)
		}
	}
	// Positions count every top-level column of the file: name is the
	// second, score the fourth; the first was not read.
	if v, ok := rec.Position(1); v != "name0" || !ok {
		t.Errorf("Position(1) = %v, %v", v, ok)
	}
	if v, ok := rec.Position(3); v != 0.0 || !ok {
		t.Errorf("Position(3) = %v, %v", v, ok)
	}
	if _, ok := rec.Position(0); ok {
		t.Error("Position(0) of a column not read is present")
	}
	if _, ok := rec.Position(10); ok {
		t.Error("Position(10) past the last column is present")
	}
}

func strp(s string) *string { return &s }

func TestNestedValues(t *testing.T) {
	rows := []nestedRow{
		{
			ID: 1, Addr: &address{Street: "1 rue", City: strp("Paris")}, Tags: []string{"a", "b"},
			Attrs: map[string]int64{"k": 7}, Points: []point{{1, 2}, {3, 4}}, Nums: []int32{5, 6, 7},
			Stops: []address{{Street: "s1"}, {Street: "s2", City: strp("Lyon")}},
		},
		{ID: 2, Addr: &address{Street: "2 rue"}, Tags: []string{}, Attrs: map[string]int64{}},
		{ID: 3},
	}
	data := writeParquet(t, rows)
	docs := readDocs(t, data, Options{AllColumns: true})
	obj := func(kv ...any) *sql.Object {
		o := &sql.Object{Keys: []string{}, Values: []any{}}
		for i := 0; i < len(kv); i += 2 {
			o.Keys = append(o.Keys, kv[i].(string))
			o.Values = append(o.Values, kv[i+1])
		}
		return o
	}
	want := []*sql.Object{
		obj("id", int64(1),
			"addr", obj("street", "1 rue", "city", "Paris"),
			"tags", []any{"a", "b"},
			"attrs", obj("k", int64(7)),
			"points", []any{obj("x", int64(1), "y", int64(2)), obj("x", int64(3), "y", int64(4))},
			"nums", []any{int64(5), int64(6), int64(7)},
			"stops", []any{obj("street", "s1", "city", nil), obj("street", "s2", "city", "Lyon")}),
		obj("id", int64(2),
			"addr", obj("street", "2 rue", "city", nil),
			"tags", []any{},
			"attrs", obj(),
			"points", []any{},
			"nums", []any{},
			"stops", []any{}),
	}
	for i, w := range want {
		if !reflect.DeepEqual(docs[i], w) {
			t.Errorf("row %d:\n got %s\nwant %s", i, dump(docs[i]), dump(w))
		}
	}
	// Row 3 has a null group; nil slices and maps are written as empty
	// or null depending on the writer, both of which read back as such.
	if v, _ := docs[2].Get("addr", true); v != nil {
		t.Errorf("null group read as %v", v)
	}
}

func TestMapWithSeveralEntries(t *testing.T) {
	data := writeParquet(t, []nestedRow{{ID: 1, Attrs: map[string]int64{"a": 1, "b": 2, "c": 3}}})
	docs := readDocs(t, data, Options{Columns: []string{"attrs"}})
	m, ok := docs[0].Values[0].(*sql.Object)
	if !ok || len(m.Keys) != 3 {
		t.Fatalf("attrs = %s", dump(docs[0].Values[0]))
	}
	for k, want := range map[string]int64{"a": 1, "b": 2, "c": 3} {
		if v, _ := m.Get(k, true); v != want {
			t.Errorf("attrs.%s = %v, want %d", k, v, want)
		}
	}
}

func TestLogicalTypes(t *testing.T) {
	day := time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)
	ts := time.Date(2024, 2, 29, 13, 14, 15, 123456789, time.UTC)
	var decFixed [16]byte
	decFixed[15] = 0xd2 // 1234 at scale 4 → 0.1234
	decFixed[14] = 0x04
	negFixed := [16]byte{}
	for i := range negFixed {
		negFixed[i] = 0xff // -1 at scale 4
	}
	uuid := [16]byte{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef}
	var i96 deprecated.Int96
	// 2024-02-29 is Julian day 2460370; 13:14:15.123456789 into it.
	nanos := uint64(13*3600+14*60+15)*1e9 + 123456789
	i96[0], i96[1], i96[2] = uint32(nanos), uint32(nanos>>32), 2460370
	rows := []logicalRow{{
		DateInt: 19782, TsMillis: ts, TsMicros: ts, TsNanos: ts, TsInt: ts.UnixMicro(),
		TimeUs: (13*time.Hour + 14*time.Minute + 15*time.Second + 500*time.Microsecond).Microseconds(), TimeMs: 1000,
		Dec32: -12345, Dec64: 1234567, DecFixed: decFixed, UUID: uuid, Int96: i96,
		U32: math.MaxUint32, U64: math.MaxUint64, Fixed: [3]byte{'x', 'y', 'z'},
		Enum: "RED", JSON: `{"a":1}`, Raw: "raw", Small: -3,
	}, {DecFixed: negFixed, U64: 5}}
	data := writeParquet(t, rows)
	docs := readDocs(t, data, Options{AllColumns: true})
	want := map[string]any{
		"date_int":  day,
		"ts_ms":     ts.Truncate(time.Millisecond),
		"ts_us":     ts.Truncate(time.Microsecond),
		"ts_ns":     ts,
		"ts_int":    ts.Truncate(time.Microsecond),
		"time_us":   "13:14:15.0005",
		"time_ms":   "00:00:01",
		"dec32":     -123.45,
		"dec64":     1234.567,
		"dec_fixed": 0.1234,
		"uuid":      "12345678-9abc-def0-0123-456789abcdef",
		"int96":     ts,
		"u32":       int64(math.MaxUint32),
		"u64":       float64(math.MaxUint64),
		"fixed":     "xyz",
		"enum":      "RED",
		"json":      `{"a":1}`,
		"raw":       "raw",
		"small":     int64(-3),
	}
	for i, k := range docs[0].Keys {
		if got := docs[0].Values[i]; !reflect.DeepEqual(got, want[k]) {
			t.Errorf("%s = %#v, want %#v", k, got, want[k])
		}
	}
	if len(docs[0].Keys) != len(want) {
		t.Errorf("read %d columns, want %d", len(docs[0].Keys), len(want))
	}
	if v, _ := docs[1].Get("dec_fixed", true); v != -0.0001 {
		t.Errorf("negative fixed decimal = %v", v)
	}
	if v, _ := docs[1].Get("u64", true); v != int64(5) {
		t.Errorf("small UINT_64 = %#v, want int64 5", v)
	}
}

func TestBigEndianDecimal(t *testing.T) {
	for _, tc := range []struct {
		b    []byte
		want float64
	}{
		{nil, 0},
		{[]byte{0x7f}, 127},
		{[]byte{0x80}, -128},
		{[]byte{0xff, 0xfe}, -2},
		{[]byte{0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01}, 1},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, -1},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe}, -2}, // nine bytes
		{[]byte{0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}, math.Ldexp(1, 64)},
	} {
		if got := bigEndianDecimal(tc.b, 1); got != tc.want {
			t.Errorf("bigEndianDecimal(% x) = %v, want %v", tc.b, got, tc.want)
		}
	}
}

func TestFloat16(t *testing.T) {
	for _, tc := range []struct {
		bits uint16
		want float64
	}{
		{0x3c00, 1}, {0xc000, -2}, {0x0001, math.Ldexp(1, -24)}, {0x7bff, 65504}, {0x7c00, math.Inf(1)},
	} {
		v := parquet.FixedLenByteArrayValue([]byte{byte(tc.bits), byte(tc.bits >> 8)})
		if got := float16Value(v); got != tc.want {
			t.Errorf("float16 %#04x = %v, want %v", tc.bits, got, tc.want)
		}
	}
}

func TestNulls(t *testing.T) {
	type row struct {
		A *int64   `parquet:"a,optional"`
		B *string  `parquet:"b,optional"`
		C *float64 `parquet:"c,optional"`
		D *bool    `parquet:"d,optional"`
	}
	one := int64(1)
	data := writeParquet(t, []row{{}, {A: &one}})
	docs := readDocs(t, data, Options{AllColumns: true})
	want := []*sql.Object{
		{Keys: []string{"a", "b", "c", "d"}, Values: []any{nil, nil, nil, nil}},
		{Keys: []string{"a", "b", "c", "d"}, Values: []any{int64(1), nil, nil, nil}},
	}
	if !reflect.DeepEqual(docs, want) {
		t.Fatalf("got %s, %s", dump(docs[0]), dump(docs[1]))
	}
}

// query evaluates an S3 Select query over every row of data.
func query(t *testing.T, data []byte, opts Options, q string) [][]any {
	t.Helper()
	parsed, err := sql.Parse(q)
	if err != nil {
		t.Fatal(err)
	}
	ev := parsed.NewEvaluator()
	rd, err := Open(bytes.NewReader(data), int64(len(data)), opts)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]any
	emit := func(row []sql.Column) {
		var vals []any
		for _, c := range row {
			if !c.Missing {
				vals = append(vals, c.Any())
			}
		}
		out = append(out, vals)
	}
	for {
		rec, err := rd.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		row, keep, err := ev.Eval(rec)
		if err != nil {
			t.Fatal(err)
		}
		if keep && !parsed.Aggregate() {
			emit(row)
		}
	}
	if parsed.Aggregate() {
		row, err := ev.Finish()
		if err != nil {
			t.Fatal(err)
		}
		emit(row)
	}
	return out
}

func TestQueries(t *testing.T) {
	flat := writeParquet(t, flatRows(100), parquet.MaxRowsPerRowGroup(30))
	nested := writeParquet(t, []nestedRow{
		{ID: 1, Addr: &address{Street: "1 rue", City: strp("Paris")}, Tags: []string{"x", "y"}, Attrs: map[string]int64{"k": 7}},
		{ID: 2, Addr: &address{Street: "2 rue", City: strp("Lyon")}, Tags: []string{"z"}},
	})
	for _, tc := range []struct {
		data []byte
		opts Options
		q    string
		want [][]any
	}{
		{flat, Options{Columns: []string{"name", "age"}},
			"SELECT s.name FROM S3Object s WHERE s.age > 67", [][]any{{"name48"}, {"name49"}, {"name98"}, {"name99"}}},
		{flat, Options{Columns: []string{"id", "city"}},
			"SELECT COUNT(*), SUM(s.id), MAX(id) FROM S3Object s WHERE s.city = 'Lyon'", [][]any{{int64(33), int64(1617), int64(97)}}},
		{flat, Options{Columns: []string{"note", "id"}},
			"SELECT id FROM S3Object WHERE note IS NULL AND id < 10", [][]any{{int64(0)}, {int64(3)}, {int64(6)}, {int64(9)}}},
		{flat, Options{},
			"SELECT COUNT(*) FROM S3Object", [][]any{{int64(100)}}},
		{flat, Options{Columns: []string{"blob", "score"}},
			"SELECT s.blob, s.score * 2 FROM S3Object s WHERE s.score BETWEEN 1 AND 1.5", [][]any{{"b4", 2.0}, {"b5", 2.5}, {"b6", 3.0}}},
		{nested, Options{Columns: []string{"addr", "tags", "attrs"}},
			"SELECT s.addr.city, s.tags[1], s.attrs.k FROM S3Object s", [][]any{{"Paris", "y", int64(7)}, {"Lyon"}}},
	} {
		got := query(t, tc.data, tc.opts, tc.q)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %v\nwant %v", tc.q, got, tc.want)
		}
	}
}

func TestQueryStarWritesWholeRow(t *testing.T) {
	data := writeParquet(t, flatRows(1))
	parsed, err := sql.Parse("SELECT * FROM S3Object")
	if err != nil {
		t.Fatal(err)
	}
	rd, err := Open(bytes.NewReader(data), int64(len(data)), Options{AllColumns: true})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := rd.Read()
	if err != nil {
		t.Fatal(err)
	}
	// SELECT * keeps the record as it is: JSON output writes its
	// Document.
	row, keep, err := parsed.NewEvaluator().Eval(rec)
	if err != nil || !keep || row != nil {
		t.Fatalf("row %v, keep %v, err %v", row, keep, err)
	}
	if doc := rec.Document(); !reflect.DeepEqual(doc, flatDoc(flatRows(1)[0])) {
		t.Fatalf("SELECT * gave %s", dump(doc))
	}
}

func TestPruningReadsFewerBytes(t *testing.T) {
	data := writeParquet(t, flatRows(20000), parquet.MaxRowsPerRowGroup(5000))
	read := func(opts Options) (source, scanned, processed int64, rows int) {
		src := &countingSource{r: bytes.NewReader(data)}
		rd, err := Open(src, int64(len(data)), opts)
		if err != nil {
			t.Fatal(err)
		}
		for {
			_, err := rd.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			rows++
		}
		return src.n.Load(), rd.BytesScanned(), rd.BytesProcessed(), rows
	}
	allSrc, allScanned, allProcessed, allRows := read(Options{AllColumns: true})
	twoSrc, twoScanned, twoProcessed, twoRows := read(Options{Columns: []string{"id", "active"}})
	noneSrc, noneScanned, noneProcessed, noneRows := read(Options{})
	if allRows != 20000 || twoRows != 20000 || noneRows != 20000 {
		t.Fatalf("rows: %d, %d, %d", allRows, twoRows, noneRows)
	}
	if allScanned != allSrc || twoScanned != twoSrc || noneScanned != noneSrc {
		t.Errorf("BytesScanned %d, %d, %d; source saw %d, %d, %d",
			allScanned, twoScanned, noneScanned, allSrc, twoSrc, noneSrc)
	}
	// A full read reads the file once, plus the page headers that
	// checkPages reads ahead of the decoder.
	if allSrc < int64(len(data))*9/10 || allSrc > int64(len(data))*11/10 {
		t.Errorf("a full read scanned %d bytes of %d", allSrc, len(data))
	}
	if twoSrc*3 > allSrc {
		t.Errorf("reading 2 of 10 columns scanned %d bytes, all of them %d", twoSrc, allSrc)
	}
	if noneSrc >= twoSrc || noneProcessed != 0 {
		t.Errorf("reading no column scanned %d bytes, processed %d", noneSrc, noneProcessed)
	}
	if twoProcessed <= 0 || twoProcessed*3 > allProcessed {
		t.Errorf("processed %d bytes for 2 columns, %d for all", twoProcessed, allProcessed)
	}
	t.Logf("file %d bytes; scanned all %d, two columns %d, none %d", len(data), allSrc, twoSrc, noneSrc)
}

func TestEmptyRowGroupReadsNothing(t *testing.T) {
	data := writeParquet(t, []flatRow{})
	src := &countingSource{r: bytes.NewReader(data)}
	rd, err := Open(src, int64(len(data)), Options{AllColumns: true})
	if err != nil {
		t.Fatal(err)
	}
	footer := src.n.Load()
	if _, err := rd.Read(); err != io.EOF {
		t.Fatalf("Read = %v, want io.EOF", err)
	}
	if src.n.Load() != footer {
		t.Errorf("reading an empty file read %d bytes after the footer", src.n.Load()-footer)
	}
}

func isParsingError(err error) bool {
	return errors.Is(err, s3err.ErrParquetParsingError)
}

// readAll opens and reads data to its end or its first error.
func readAll(data []byte, src io.ReaderAt) (rows int, err error) {
	if src == nil {
		src = bytes.NewReader(data)
	}
	rd, err := Open(src, int64(len(data)), Options{AllColumns: true})
	if err != nil {
		return 0, err
	}
	defer rd.Close()
	for {
		if _, err := rd.Read(); err != nil {
			if err == io.EOF {
				err = nil
			}
			return rows, err
		}
		rows++
	}
}

func TestNotParquet(t *testing.T) {
	good := writeParquet(t, flatRows(10))
	wrongHead := append([]byte("PAR2"), good[4:]...)
	wrongTail := append(append([]byte(nil), good[:len(good)-4]...), "PARX"...)
	hugeFooter := append([]byte(nil), good...)
	copy(hugeFooter[len(hugeFooter)-8:], []byte{0xff, 0xff, 0xff, 0x7f})
	for name, data := range map[string][]byte{
		"empty":        {},
		"magic only":   []byte("PAR1"),
		"two magics":   []byte("PAR1PAR1"),
		"csv":          []byte("a,b,c\n1,2,3\n"),
		"wrong head":   wrongHead,
		"wrong tail":   wrongTail,
		"huge footer":  hugeFooter,
		"zero footer":  append([]byte("PAR1"), 0, 0, 0, 0, 'P', 'A', 'R', '1'),
		"garbage meta": append([]byte("PAR1\xde\xad\xbe\xef"), 4, 0, 0, 0, 'P', 'A', 'R', '1'),
	} {
		_, err := readAll(data, nil)
		if !isParsingError(err) {
			t.Errorf("%s: err = %v, want ParquetParsingError", name, err)
		}
	}
}

func TestTruncatedFile(t *testing.T) {
	good := writeParquet(t, flatRows(50), parquet.MaxRowsPerRowGroup(20))
	for n := range len(good) {
		_, err := readAll(good[:n], nil)
		if !isParsingError(err) {
			t.Fatalf("first %d of %d bytes: err = %v, want ParquetParsingError", n, len(good), err)
		}
	}
	if rows, err := readAll(good, nil); rows != 50 || err != nil {
		t.Fatalf("whole file: %d rows, %v", rows, err)
	}
}

func TestDamagedPages(t *testing.T) {
	good := writeParquet(t, flatRows(50), parquet.MaxRowsPerRowGroup(20))
	// Flip bytes across the data pages: any outcome but a panic or an
	// error other than ParquetParsingError is acceptable.
	for i := 4; i < len(good)-8; i += 7 {
		bad := append([]byte(nil), good...)
		bad[i] ^= 0x5a
		_, err := readAll(bad, nil)
		if err != nil && !isParsingError(err) && !errors.Is(err, s3err.ErrParquetUnsupportedCompressionCodec) {
			t.Fatalf("byte %d flipped: err = %v", i, err)
		}
	}
}

func TestObjectErrorsPassThrough(t *testing.T) {
	good := writeParquet(t, flatRows(10))
	src := &failingSource{r: bytes.NewReader(good), limit: int64(len(good)) / 2, err: errObjectGone}
	_, err := readAll(good, src)
	if !errors.Is(err, errObjectGone) {
		t.Fatalf("err = %v, want the object's error", err)
	}
	src.limit = 0 // the footer read fails too
	if _, err := readAll(good, src); !errors.Is(err, errObjectGone) {
		t.Fatalf("footer: err = %v, want the object's error", err)
	}
}

func dump(v any) string {
	switch v := v.(type) {
	case *sql.Object:
		s := "{"
		for i, k := range v.Keys {
			if i > 0 {
				s += ", "
			}
			s += k + ": " + dump(v.Values[i])
		}
		return s + "}"
	case []any:
		s := "["
		for i, e := range v {
			if i > 0 {
				s += ", "
			}
			s += dump(e)
		}
		return s + "]"
	}
	return fmt.Sprintf("%#v", v)
}
