package input

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"testing"

	"github.com/kurastore/kura/internal/s3select/sql"
	"github.com/kurastore/kura/wire/s3select"
)

// benchRecords is how many records the benchmarks' objects hold.
const benchRecords = 20000

func csvObject() []byte {
	var b bytes.Buffer
	b.WriteString("id,name,city,age,score,email,zip,active,note,created\n")
	for i := range benchRecords {
		fmt.Fprintf(&b, "%d,name%d,\"City, %d\",%d,%d.%d,user%d@example.com,%05d,%v,\"said \"\"hi\"\"\",2024-01-%02dT10:00:00Z\n",
			i, i, i%100, 20+i%50, i%1000, i%10, i, i%100000, i%2 == 0, 1+i%28)
	}
	return b.Bytes()
}

func jsonLinesObject() []byte {
	var b bytes.Buffer
	for i := range benchRecords {
		fmt.Fprintf(&b, `{"id":%d,"name":"name%d","city":"City, %d","age":%d,"score":%d.%d,"email":"user%d@example.com","zip":"%05d","active":%v,"note":"said \"hi\"","created":"2024-01-%02dT10:00:00Z"}`+"\n",
			i, i, i%100, 20+i%50, i%1000, i%10, i, i%100000, i%2 == 0, 1+i%28)
	}
	return b.Bytes()
}

// benchRead reads every record of data, reading one field of each as
// a filter would, and reports allocations per record.
func benchRead(b *testing.B, data []byte, in s3select.InputSerialization, touch func(sql.Record)) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	records := 0
	for b.Loop() {
		rd, err := NewReader(bytes.NewReader(data), Config{Input: in})
		if err != nil {
			b.Fatal(err)
		}
		for {
			rec, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			touch(rec)
			records++
		}
	}
	runtime.ReadMemStats(&ms1)
	b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/float64(records), "allocs/record")
}

func BenchmarkCSV10Columns(b *testing.B) {
	in := s3select.InputSerialization{CSV: &s3select.CSVInput{FileHeaderInfo: "USE"}}
	benchRead(b, csvObject(), in, func(rec sql.Record) {
		tr := rec.(sql.TextRecord)
		if s, ok := tr.TextColumn("age", false); !ok || s == "" {
			panic("no age")
		}
	})
}

func BenchmarkJSONLines10Members(b *testing.B) {
	in := s3select.InputSerialization{JSON: &s3select.JSONInput{Type: "LINES"}}
	benchRead(b, jsonLinesObject(), in, func(rec sql.Record) {
		if _, ok := rec.Column("age", false); !ok {
			panic("no age")
		}
	})
}
