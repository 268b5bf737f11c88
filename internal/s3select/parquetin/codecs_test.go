package parquetin

import (
	"reflect"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
)

// TestCodecsAndPageVersions reads files compressed with each codec AWS
// reads (GZIP, Snappy) and those kura reads besides, in both data page
// versions and with small pages, so that chunks have many.
func TestCodecsAndPageVersions(t *testing.T) {
	rows := flatRows(3000)
	for _, codec := range []compress.Codec{&parquet.Uncompressed, &parquet.Snappy, &parquet.Gzip, &parquet.Zstd, &parquet.Brotli, &parquet.Lz4Raw} {
		for _, version := range []int{1, 2} {
			data := writeParquet(t, rows, parquet.Compression(codec), parquet.DataPageVersion(version),
				parquet.PageBufferSize(2048), parquet.MaxRowsPerRowGroup(1000))
			docs := readDocs(t, data, Options{AllColumns: true})
			if len(docs) != len(rows) {
				t.Fatalf("%s v%d: %d rows", codec, version, len(docs))
			}
			for i, d := range docs {
				if want := flatDoc(rows[i]); !reflect.DeepEqual(d, want) {
					t.Fatalf("%s v%d row %d: got %s", codec, version, i, dump(d))
				}
			}
		}
	}
}

// TestLongListsOverSmallPages reads lists far longer than a page.
func TestLongListsOverSmallPages(t *testing.T) {
	rows := make([]nestedRow, 5)
	for i := range rows {
		rows[i].ID = int64(i)
		for j := range 3000 * i {
			rows[i].Nums = append(rows[i].Nums, int32(j))
			rows[i].Tags = append(rows[i].Tags, "tag")
		}
	}
	for _, version := range []int{1, 2} {
		data := writeParquet(t, rows, parquet.DataPageVersion(version), parquet.PageBufferSize(1024))
		docs := readDocs(t, data, Options{Columns: []string{"id", "nums", "tags"}})
		for i, d := range docs {
			nums, _ := d.Get("nums", true)
			tags, _ := d.Get("tags", true)
			if len(nums.([]any)) != 3000*i || len(tags.([]any)) != 3000*i {
				t.Fatalf("v%d row %d: %d nums, %d tags", version, i, len(nums.([]any)), len(tags.([]any)))
			}
			if i > 0 && nums.([]any)[2999] != int64(2999) {
				t.Fatalf("v%d row %d: nums[2999] = %v", version, i, nums.([]any)[2999])
			}
		}
	}
}
