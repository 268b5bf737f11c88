package parquetin

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/kurastore/kura/s3err"
	"github.com/parquet-go/parquet-go"
)

// fuzzMaxRows bounds the rows read from one input: a footer can claim
// any number of rows.
const fuzzMaxRows = 1000

func FuzzRead(f *testing.F) {
	f.Add(writeParquet(f, flatRows(3)))
	f.Add(writeParquet(f, flatRows(5), parquet.MaxRowsPerRowGroup(2)))
	f.Add(writeParquet(f, []nestedRow{
		{ID: 1, Addr: &address{Street: "s", City: strp("c")}, Tags: []string{"a"}, Attrs: map[string]int64{"k": 1},
			Points: []point{{1, 2}}, Nums: []int32{3}, Stops: []address{{Street: "t"}}},
		{ID: 2},
	}))
	f.Add(writeParquet(f, []logicalRow{{DateInt: 1, TsInt: 2, Dec32: 3}}))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, opts := range []Options{{AllColumns: true}, {Columns: []string{"id", "tags"}}} {
			rd, err := Open(bytes.NewReader(data), int64(len(data)), opts)
			if err != nil {
				checkFuzzError(t, err)
				continue
			}
			for range fuzzMaxRows {
				rec, err := rd.Read()
				if err == io.EOF {
					break
				}
				if err != nil {
					checkFuzzError(t, err)
					break
				}
				rec.Document()
			}
			rd.Close()
		}
	})
}

func checkFuzzError(t *testing.T, err error) {
	if !errors.Is(err, s3err.ErrParquetParsingError) && !errors.Is(err, s3err.ErrParquetUnsupportedCompressionCodec) {
		t.Fatalf("error %v is not an S3 error of Parquet", err)
	}
}
