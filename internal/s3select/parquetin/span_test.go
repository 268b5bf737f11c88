package parquetin

import (
	"bytes"
	"io"
	"slices"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// spanIDs reads the ids of the rows a scan range selects.
func spanIDs(t *testing.T, data []byte, span *Span) []int64 {
	t.Helper()
	rd, err := Open(bytes.NewReader(data), int64(len(data)), Options{Columns: []string{"id"}, Span: span})
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	var ids []int64
	for {
		rec, err := rd.Read()
		if err == io.EOF {
			return ids
		}
		if err != nil {
			t.Fatal(err)
		}
		v, _ := rec.Column("id", false)
		ids = append(ids, v.(int64))
	}
}

// A scan range reads the row groups that start in it, and no other.
func TestSpanReadsRowGroupsStartingInIt(t *testing.T) {
	data := writeParquet(t, flatRows(6), parquet.MaxRowsPerRowGroup(2))
	rd, err := Open(bytes.NewReader(data), int64(len(data)), Options{AllColumns: true})
	if err != nil {
		t.Fatal(err)
	}
	var starts []int64
	for g := range rd.meta.RowGroups {
		starts = append(starts, groupStart(&rd.meta.RowGroups[g]))
	}
	rd.Close()
	if len(starts) != 3 || !slices.IsSorted(starts) {
		t.Fatalf("row groups start at %v, want three in order", starts)
	}
	size := int64(len(data))
	for _, c := range []struct {
		name string
		span Span
		want []int64
	}{
		{"whole object", Span{0, size - 1}, []int64{0, 1, 2, 3, 4, 5}},
		{"first group's first byte", Span{starts[0], starts[0]}, []int64{0, 1}},
		{"up to the second group's start", Span{0, starts[1]}, []int64{0, 1, 2, 3}},
		{"one byte short of the second group", Span{0, starts[1] - 1}, []int64{0, 1}},
		{"one byte into the first group", Span{starts[0] + 1, size - 1}, []int64{2, 3, 4, 5}},
		{"from the last group", Span{starts[2], size - 1}, []int64{4, 5}},
		{"past every group", Span{starts[2] + 1, size - 1}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := spanIDs(t, data, &c.span); !slices.Equal(got, c.want) {
				t.Errorf("ids %v, want %v", got, c.want)
			}
		})
	}
}
