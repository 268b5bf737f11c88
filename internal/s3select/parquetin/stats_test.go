package parquetin

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
)

func TestBoundsSkipRowGroups(t *testing.T) {
	// Ten row groups of ids 0-99, 100-199, ... 900-999.
	data := writeParquet(t, flatRows(1000), parquet.MaxRowsPerRowGroup(100))
	for _, tc := range []struct {
		bounds  []Bound
		skipped int
	}{
		{nil, 0},
		{[]Bound{{"id", "=", int64(100)}}, 9},
		{[]Bound{{"id", "=", int64(99)}}, 9},
		{[]Bound{{"id", "=", int64(1000)}}, 10},
		{[]Bound{{"id", "<", int64(100)}}, 9},
		{[]Bound{{"id", "<", int64(101)}}, 8},
		{[]Bound{{"id", "<=", int64(99)}}, 9},
		{[]Bound{{"id", "<=", int64(100)}}, 8},
		{[]Bound{{"ID", ">", int64(899)}}, 9},
		{[]Bound{{"id", ">", int64(898)}}, 8},
		{[]Bound{{"id", ">=", int64(900)}}, 9},
		{[]Bound{{"id", ">=", int64(899)}}, 8},
		{[]Bound{{"id", "<", 99.5}}, 9},
		{[]Bound{{"score", ">=", 240.0}}, 9}, // score is id/4
		{[]Bound{{"id", ">=", int64(500)}, {"id", "<", int64(600)}}, 9},
		{[]Bound{{"id", "=", "5"}}, 0},         // a string proves nothing about numbers
		{[]Bound{{"name", "=", int64(5)}}, 0},  // nor a number about strings
		{[]Bound{{"nope", "=", int64(5)}}, 0},  // no such column
		{[]Bound{{"id", "!=", int64(5)}}, 0},   // not a bound
		{[]Bound{{"city", "=", "Zurich"}}, 10}, // after every city
		{[]Bound{{"city", "=", "Lyon"}}, 0},    // in every group
		{[]Bound{{"note", "<", "a"}}, 10},      // null notes do not match either
		{[]Bound{{"id", ">", time.Unix(0, 0)}}, 0},
	} {
		src := &countingSource{r: bytes.NewReader(data)}
		opts := Options{Columns: []string{"id"}, Bounds: tc.bounds}
		rd, err := Open(src, int64(len(data)), opts)
		if err != nil {
			t.Fatal(err)
		}
		rows := 0
		for {
			rec, err := rd.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			id, _ := rec.Column("id", true)
			if g := int(id.(int64)) / 100; g < 0 || g > 9 {
				t.Fatalf("id %v", id)
			}
			rows++
		}
		if rd.RowGroupsSkipped() != tc.skipped || rows != 100*(10-tc.skipped) {
			t.Errorf("%v: skipped %d row groups, read %d rows; want %d skipped", tc.bounds, rd.RowGroupsSkipped(), rows, tc.skipped)
		}
	}
}

func TestBoundsOnTimestamps(t *testing.T) {
	type row struct {
		TS time.Time `parquet:"ts,timestamp(microsecond)"`
	}
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	rows := make([]row, 40)
	for i := range rows {
		rows[i].TS = base.Add(time.Duration(i) * time.Hour)
	}
	data := writeParquet(t, rows, parquet.MaxRowsPerRowGroup(10))
	rd, err := Open(bytes.NewReader(data), int64(len(data)), Options{Columns: []string{"ts"},
		Bounds: []Bound{{"ts", ">=", base.Add(30 * time.Hour)}}})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		if _, err := rd.Read(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if rd.RowGroupsSkipped() != 3 || n != 10 {
		t.Fatalf("skipped %d, read %d rows", rd.RowGroupsSkipped(), n)
	}
}
