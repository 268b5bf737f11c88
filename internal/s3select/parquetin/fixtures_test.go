package parquetin

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kurastore/kura/internal/s3select/sql"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
)

// flatRow has ten top-level columns of mixed types.
type flatRow struct {
	ID     int64   `parquet:"id"`
	Name   string  `parquet:"name"`
	Age    int32   `parquet:"age"`
	Score  float64 `parquet:"score"`
	Ratio  float32 `parquet:"ratio"`
	Active bool    `parquet:"active"`
	City   string  `parquet:"city,dict"`
	Count  int64   `parquet:"count,delta"`
	Note   *string `parquet:"note,optional"`
	Blob   []byte  `parquet:"blob"`
}

func flatRows(n int) []flatRow {
	cities := []string{"Paris", "Lyon", "Nantes"}
	rows := make([]flatRow, n)
	for i := range rows {
		rows[i] = flatRow{
			ID: int64(i), Name: "name" + strconv.Itoa(i), Age: int32(20 + i%50), Score: float64(i) / 4,
			Ratio: float32(i%8) / 2, Active: i%2 == 0, City: cities[i%3], Count: int64(i * 1000),
			Blob: []byte{'b', byte('0' + i%10)},
		}
		if i%3 != 0 {
			note := "note " + strconv.Itoa(i)
			rows[i].Note = &note
		}
	}
	return rows
}

// flatDoc is the document the reader should give for r.
func flatDoc(r flatRow) *sql.Object {
	var note any
	if r.Note != nil {
		note = *r.Note
	}
	return &sql.Object{
		Keys: []string{"id", "name", "age", "score", "ratio", "active", "city", "count", "note", "blob"},
		Values: []any{r.ID, r.Name, int64(r.Age), r.Score, float64(r.Ratio), r.Active, r.City, r.Count,
			note, string(r.Blob)},
	}
}

type address struct {
	Street string  `parquet:"street"`
	City   *string `parquet:"city,optional"`
}

type point struct {
	X int32 `parquet:"x"`
	Y int32 `parquet:"y"`
}

// nestedRow has an optional group, a LIST, a MAP, a repeated group and a
// repeated leaf, and a LIST of groups.
type nestedRow struct {
	ID     int64            `parquet:"id"`
	Addr   *address         `parquet:"addr,optional"`
	Tags   []string         `parquet:"tags,list"`
	Attrs  map[string]int64 `parquet:"attrs"`
	Points []point          `parquet:"points"`
	Nums   []int32          `parquet:"nums"`
	Stops  []address        `parquet:"stops,list"`
}

// logicalRow has a column of each logical type.
type logicalRow struct {
	DateInt  int32            `parquet:"date_int,date"`
	TsMillis time.Time        `parquet:"ts_ms,timestamp(millisecond)"`
	TsMicros time.Time        `parquet:"ts_us,timestamp(microsecond)"`
	TsNanos  time.Time        `parquet:"ts_ns,timestamp(nanosecond)"`
	TsInt    int64            `parquet:"ts_int,timestamp(microsecond)"`
	TimeUs   int64            `parquet:"time_us,time(microsecond)"`
	TimeMs   int32            `parquet:"time_ms,time(millisecond)"`
	Dec32    int32            `parquet:"dec32,decimal(2:9)"`
	Dec64    int64            `parquet:"dec64,decimal(3:18)"`
	DecFixed [16]byte         `parquet:"dec_fixed,decimal(4:38)"`
	UUID     [16]byte         `parquet:"uuid,uuid"`
	Int96    deprecated.Int96 `parquet:"int96"`
	U32      uint32           `parquet:"u32"`
	U64      uint64           `parquet:"u64"`
	Fixed    [3]byte          `parquet:"fixed"`
	Enum     string           `parquet:"enum,enum"`
	JSON     string           `parquet:"json,json"`
	Raw      string           `parquet:"raw,bytes"`
	Small    int8             `parquet:"small"`
}

// writeParquet writes rows as a Parquet file.
func writeParquet[T any](t testing.TB, rows []T, opts ...parquet.WriterOption) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[T](&buf, opts...)
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// readDocs reads every row of data and returns copies of the documents.
func readDocs(t testing.TB, data []byte, opts Options) []*sql.Object {
	t.Helper()
	rd, err := Open(bytes.NewReader(data), int64(len(data)), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	var docs []*sql.Object
	for {
		rec, err := rd.Read()
		if err == io.EOF {
			return docs
		}
		if err != nil {
			t.Fatalf("row %d: %v", len(docs), err)
		}
		doc := rec.Document().(*sql.Object)
		docs = append(docs, &sql.Object{Keys: doc.Keys, Values: append([]any(nil), doc.Values...)})
	}
}

// countingSource counts the bytes read from a file, as the object layer
// would serve them.
type countingSource struct {
	r *bytes.Reader
	n atomic.Int64
}

func (c *countingSource) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n.Add(int64(n))
	return n, err
}

// failingSource fails every read past the first limit bytes of the file.
type failingSource struct {
	r     *bytes.Reader
	limit int64
	err   error
}

func (f *failingSource) ReadAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) > f.limit && off >= 4 {
		return 0, f.err
	}
	return f.r.ReadAt(p, off)
}

var errObjectGone = errors.New("object read failed")
