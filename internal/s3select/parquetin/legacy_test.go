package parquetin

import (
	"reflect"
	"testing"
	"time"

	"github.com/kurastore/kura/internal/s3select/sql"
	"github.com/parquet-go/parquet-go/format"
)

// withoutLogicalTypes strips the logical types of a file's schema,
// leaving the converted types older writers set alone.
func withoutLogicalTypes(t *testing.T, data []byte) []byte {
	return rewriteFooter(t, data, func(meta *format.FileMetaData) {
		for i := range meta.Schema {
			meta.Schema[i].LogicalType = format.LogicalType{}
		}
	})
}

func TestConvertedTypesAlone(t *testing.T) {
	ts := time.Date(2024, 2, 29, 13, 14, 15, 123456789, time.UTC)
	rows := []logicalRow{{
		DateInt: 19782, TsMillis: ts, TsMicros: ts, TsNanos: ts, TimeMs: 1000, TimeUs: 1500,
		Dec32: -12345, Dec64: 1234567, U32: 1 << 31, Enum: "RED", JSON: "{}", Raw: "raw",
	}}
	docs := readDocs(t, withoutLogicalTypes(t, writeParquet(t, rows)), Options{AllColumns: true})
	want := map[string]any{
		"date_int": time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC),
		"ts_ms":    ts.Truncate(time.Millisecond),
		"ts_us":    ts.Truncate(time.Microsecond),
		"ts_ns":    ts.UnixNano(), // no converted type for nanoseconds
		"time_ms":  "00:00:01",
		"time_us":  "00:00:00.0015",
		"dec32":    -123.45,
		"dec64":    1234.567,
		"u32":      int64(1 << 31),
		"enum":     "RED",
		"json":     "{}",
		"raw":      "raw",
	}
	for k, w := range want {
		if got, _ := docs[0].Get(k, true); !reflect.DeepEqual(got, w) {
			t.Errorf("%s = %#v, want %#v", k, got, w)
		}
	}
}

func TestConvertedListAndMap(t *testing.T) {
	rows := []nestedRow{{ID: 1, Tags: []string{"a", "b"}, Attrs: map[string]int64{"k": 7},
		Stops: []address{{Street: "s"}}}}
	docs := readDocs(t, withoutLogicalTypes(t, writeParquet(t, rows)), Options{Columns: []string{"tags", "attrs", "stops"}})
	want := &sql.Object{Keys: []string{"tags", "attrs", "stops"}, Values: []any{
		[]any{"a", "b"},
		&sql.Object{Keys: []string{"k"}, Values: []any{int64(7)}},
		[]any{&sql.Object{Keys: []string{"street", "city"}, Values: []any{"s", nil}}},
	}}
	if !reflect.DeepEqual(docs[0], want) {
		t.Fatalf("got %s", dump(docs[0]))
	}
}

// TestLegacyListGroups reads LISTs whose repeated group is named as older
// writers name it ("array", "<name>_tuple"): that group is the element,
// not a wrapper of it.
func TestLegacyListGroups(t *testing.T) {
	data := writeParquet(t, []nestedRow{{ID: 1, Tags: []string{"a", "b"}}})
	for _, name := range []string{"list", "array", "tags_tuple", "bag", "other_tuple"} {
		renamed := rewriteFooter(t, data, func(meta *format.FileMetaData) {
			for i := range meta.Schema {
				if meta.Schema[i].Name == "tags" {
					meta.Schema[i+1].Name = name
				}
			}
		})
		docs := readDocs(t, renamed, Options{Columns: []string{"tags"}})
		var want []any
		switch name {
		case "array", "tags_tuple":
			want = []any{
				&sql.Object{Keys: []string{"element"}, Values: []any{"a"}},
				&sql.Object{Keys: []string{"element"}, Values: []any{"b"}},
			}
		default:
			want = []any{"a", "b"}
		}
		if got := docs[0].Values[0]; !reflect.DeepEqual(got, want) {
			t.Errorf("repeated group %q: tags = %s", name, dump(got))
		}
	}
}
