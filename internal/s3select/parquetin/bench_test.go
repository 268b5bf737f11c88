package parquetin

import (
	"bytes"
	"io"
	"sync"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// benchRows makes a file of about 50 MB: 800,000 rows of ten columns, in
// row groups of 100,000 rows.
const benchRows = 800_000

var benchFile = sync.OnceValue(func() []byte {
	rows := flatRows(benchRows)
	for i := range rows {
		// Names long and varied enough that the file is not all
		// dictionary and run lengths.
		rows[i].Name = rows[i].Name + "-" + string(rune('a'+i%26)) + "-payload-of-some-length"
	}
	return writeParquet(&testing.B{}, rows, parquet.MaxRowsPerRowGroup(100_000))
})

func benchmarkRead(b *testing.B, opts Options) {
	data := benchFile()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	var rows, scanned int64
	for b.Loop() {
		rd, err := Open(bytes.NewReader(data), int64(len(data)), opts)
		if err != nil {
			b.Fatal(err)
		}
		for {
			_, err := rd.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			rows++
		}
		scanned += rd.BytesScanned()
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(scanned)/float64(b.N)/(1<<20), "MBscanned/op")
}

// BenchmarkReadAll reads every column; MB/s is over the whole file.
func BenchmarkReadAll(b *testing.B) { benchmarkRead(b, Options{AllColumns: true}) }

// BenchmarkReadTwoColumns reads 2 of the 10 columns; MB/s is over the
// whole file, as a query over it sees it.
func BenchmarkReadTwoColumns(b *testing.B) {
	benchmarkRead(b, Options{Columns: []string{"id", "score"}})
}
