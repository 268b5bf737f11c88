package run

import (
	"bytes"
	"context"
	"runtime"
	"strconv"
	"testing"

	"github.com/kurastore/kura/internal/s3select/input"
	"github.com/kurastore/kura/internal/s3select/output"
	"github.com/kurastore/kura/internal/s3select/sql"
	"github.com/kurastore/kura/wire/s3select"
)

// benchRows is how many rows the benchmarks' CSV object holds.
const benchRows = 100_000

// narrowCSV is an object of benchRows narrow rows (about 42 bytes, six
// columns) shaped like bench's S3 Select comparison with MinIO: amount
// runs from 0 to 999.99, so amount > 990 keeps about 1% of the rows.
func narrowCSV() []byte {
	cities := []string{"Tokyo", "Lisbon", "Nairobi", "Lima", "Oslo", "Hanoi", "Quito", "Perth"}
	b := []byte("id,amount,name,city,qty,flag\n")
	for i := range int64(benchRows) {
		h := uint64(i) * 0x9E3779B97F4A7C15
		b = strconv.AppendInt(b, i, 10)
		b = append(b, ',')
		b = strconv.AppendFloat(b, float64(h>>20%100000)/100, 'f', 2, 64)
		b = append(b, ",name"...)
		b = strconv.AppendInt(b, i, 10)
		b = append(b, ',')
		b = append(b, cities[h>>8%8]...)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(h>>40%1000), 10)
		b = append(b, ',')
		b = strconv.AppendBool(b, h&1 == 1)
		b = append(b, '\n')
	}
	return b
}

// benchRun runs query over the narrow CSV object with CSV output, as a
// request does, and reports time and allocations per row.
func benchRun(b *testing.B, query string) {
	data := narrowCSV()
	q, err := sql.Parse(query)
	if err != nil {
		b.Fatal(err)
	}
	in := s3select.InputSerialization{CSV: &s3select.CSVInput{FileHeaderInfo: s3select.FileHeaderUse}}
	send := func(*s3select.Message) error { return nil }
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	runs := 0
	for b.Loop() {
		rd, err := input.NewReader(bytes.NewReader(data), input.Config{Input: in})
		if err != nil {
			b.Fatal(err)
		}
		out := output.New(s3select.OutputSerialization{CSV: &s3select.CSVOutput{}})
		if err := New(q, rd, out, Options{}, send).Run(context.Background()); err != nil {
			b.Fatal(err)
		}
		runs++
	}
	runtime.ReadMemStats(&ms1)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(runs*benchRows), "ns/row")
	b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/float64(runs*benchRows), "allocs/row")
}

// BenchmarkRunCSVSelective is the selective query of bench's comparison
// with MinIO.
func BenchmarkRunCSVSelective(b *testing.B) {
	benchRun(b, "SELECT s.id FROM S3Object s WHERE CAST(s.amount AS FLOAT) > 990")
}

func BenchmarkRunCSVCountSum(b *testing.B) {
	benchRun(b, "SELECT COUNT(*), SUM(CAST(s.amount AS FLOAT)) FROM S3Object s")
}

// BenchmarkRunCSVProject writes every row out.
func BenchmarkRunCSVProject(b *testing.B) {
	benchRun(b, "SELECT s.id, s.amount FROM S3Object s")
}
