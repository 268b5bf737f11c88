package httpapi

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/s3select"
)

// selectResult is what a SelectObjectContent response carried.
type selectResult struct {
	status   int
	code     string // of an S3 error document
	records  string
	events   []string // event types and error codes, in order
	stats    *s3select.Stats
	progress []s3select.Stats
	errCode  string // of an error message
}

func (r selectResult) ended() bool {
	return len(r.events) > 0 && r.events[len(r.events)-1] == s3select.EventEnd
}

func putSelectObject(t *testing.T, s *fzServer, key string, data []byte) {
	t.Helper()
	if _, err := s.layer.PutObject(context.Background(), "bkt", key, bytes.NewReader(data), object.PutOptions{Size: int64(len(data))}); err != nil {
		t.Fatal(err)
	}
}

func doSelect(t *testing.T, s *fzServer, target string, req s3select.Request) selectResult {
	t.Helper()
	if req.ExpressionType == "" {
		req.ExpressionType = s3select.SQL
	}
	body, err := req.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return sendSelect(t, s, target, body)
}

func sendSelect(t *testing.T, s *fzServer, target string, body []byte) selectResult {
	t.Helper()
	rec := s.send(t, fzNewRequest(http.MethodPost, target, nil, body), false)
	res := selectResult{status: rec.Code}
	if rec.Code != http.StatusOK {
		var doc s3err.Response
		if err := xml.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
			t.Fatalf("status %d: %v\n%s", rec.Code, err, rec.Body)
		}
		res.code = doc.Code
		return res
	}
	dec := s3select.NewDecoder(rec.Body)
	var records strings.Builder
	for {
		m, err := dec.Decode()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("event stream: %v", err)
		}
		if err := m.Err(); err != nil {
			var se *s3select.StreamError
			errors.As(err, &se)
			res.errCode = se.Code
			res.events = append(res.events, "error "+se.Code)
			continue
		}
		res.events = append(res.events, m.EventType())
		switch m.EventType() {
		case s3select.EventRecords:
			records.Write(m.Payload)
		case s3select.EventStats, s3select.EventProgress:
			st, err := s3select.ParseStats(m.Payload)
			if err != nil {
				t.Fatal(err)
			}
			if m.EventType() == s3select.EventStats {
				res.stats = st
			} else {
				res.progress = append(res.progress, *st)
			}
		}
	}
	res.records = records.String()
	return res
}

const selectTarget = "/bkt/%s?select&select-type=2"

var (
	csvHeaderIn = s3select.InputSerialization{CSV: &s3select.CSVInput{FileHeaderInfo: s3select.FileHeaderUse}}
	csvOutput   = s3select.OutputSerialization{CSV: &s3select.CSVOutput{}}
	jsonOutput  = s3select.OutputSerialization{JSON: &s3select.JSONOutput{}}
)

const peopleCSV = "id,name,age\n1,Ann,34\n2,Bob,27\n3,Cy,41\n"

func TestSelectObjectContentFormats(t *testing.T) {
	s := compatServer(t, "bkt")
	putSelectObject(t, s, "people.csv", []byte(peopleCSV))
	putSelectObject(t, s, "people.jsonl", []byte(`{"id":1,"name":"Ann"}`+"\n"+`{"id":2,"name":"Bob"}`+"\n"))
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(peopleCSV))
	zw.Close()
	putSelectObject(t, s, "people.csv.gz", gz.Bytes())
	type person struct {
		ID   int64  `parquet:"id"`
		Name string `parquet:"name"`
		Age  int32  `parquet:"age"`
	}
	var pq bytes.Buffer
	if err := parquet.Write(&pq, []person{{1, "Ann", 34}, {2, "Bob", 27}, {3, "Cy", 41}}); err != nil {
		t.Fatal(err)
	}
	putSelectObject(t, s, "people.parquet", pq.Bytes())

	gzipIn := csvHeaderIn
	gzipIn.CompressionType = s3select.CompressionGZIP
	for _, c := range []struct {
		name, key, expr string
		in              s3select.InputSerialization
		out             s3select.OutputSerialization
		want            string
	}{
		{"csv header where", "people.csv", "SELECT s.name FROM S3Object s WHERE CAST(s.age AS INT) > 30", csvHeaderIn, csvOutput, "Ann\nCy\n"},
		{"csv star to json", "people.csv", "SELECT * FROM S3Object WHERE id = '2'", csvHeaderIn, jsonOutput, `{"id":"2","name":"Bob","age":"27"}` + "\n"},
		{"csv limit", "people.csv", "SELECT id FROM S3Object LIMIT 2", csvHeaderIn, csvOutput, "1\n2\n"},
		{"csv aggregates", "people.csv", "SELECT COUNT(*), SUM(CAST(age AS INT)), MAX(name) FROM S3Object", csvHeaderIn, csvOutput, "3,102,Cy\n"},
		{"json lines", "people.jsonl", "SELECT s.name FROM S3Object s WHERE s.id = 2", s3select.InputSerialization{JSON: &s3select.JSONInput{Type: s3select.JSONLines}}, jsonOutput, `{"name":"Bob"}` + "\n"},
		{"gzip csv", "people.csv.gz", "SELECT name FROM S3Object WHERE age < 30", gzipIn, csvOutput, "Bob\n"},
		{"parquet", "people.parquet", "SELECT s.name, s.age FROM S3Object s WHERE s.age > 30", s3select.InputSerialization{Parquet: &s3select.ParquetInput{}}, jsonOutput,
			`{"name":"Ann","age":34}` + "\n" + `{"name":"Cy","age":41}` + "\n"},
		{"parquet star", "people.parquet", "SELECT * FROM S3Object LIMIT 1", s3select.InputSerialization{Parquet: &s3select.ParquetInput{}}, csvOutput, "1,Ann,34\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := doSelect(t, s, fmt.Sprintf(selectTarget, c.key), s3select.Request{Expression: c.expr, Input: c.in, Output: c.out})
			if res.status != http.StatusOK || !res.ended() {
				t.Fatalf("status %d %s, events %v", res.status, res.code, res.events)
			}
			if res.records != c.want {
				t.Errorf("records %q, want %q", res.records, c.want)
			}
			if res.stats == nil || res.stats.BytesReturned != int64(len(c.want)) || res.stats.BytesScanned <= 0 {
				t.Errorf("stats %+v, want %d bytes returned", res.stats, len(c.want))
			}
		})
	}
}

func TestSelectObjectContentStats(t *testing.T) {
	s := compatServer(t, "bkt")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(peopleCSV))
	zw.Close()
	putSelectObject(t, s, "people.csv.gz", gz.Bytes())
	in := csvHeaderIn
	in.CompressionType = s3select.CompressionGZIP
	res := doSelect(t, s, fmt.Sprintf(selectTarget, "people.csv.gz"), s3select.Request{
		Expression: "SELECT name FROM S3Object", Input: in, Output: csvOutput, RequestProgress: true,
	})
	want := s3select.Stats{BytesScanned: int64(gz.Len()), BytesProcessed: int64(len(peopleCSV)), BytesReturned: int64(len("Ann\nBob\nCy\n"))}
	if res.stats == nil || *res.stats != want {
		t.Errorf("stats %+v, want %+v", res.stats, want)
	}
	// With RequestProgress, a Progress message comes before Stats.
	if len(res.progress) == 0 || res.progress[len(res.progress)-1] != want {
		t.Errorf("progress %+v, want the final counts last; events %v", res.progress, res.events)
	}
	res = doSelect(t, s, fmt.Sprintf(selectTarget, "people.csv.gz"), s3select.Request{Expression: "SELECT name FROM S3Object", Input: in, Output: csvOutput})
	if len(res.progress) != 0 {
		t.Errorf("progress without RequestProgress: %v", res.events)
	}
}

func TestSelectObjectContentScanRange(t *testing.T) {
	s := compatServer(t, "bkt")
	putSelectObject(t, s, "people.csv", []byte(peopleCSV))
	start := int64(strings.Index(peopleCSV, "2,Bob"))
	for _, c := range []struct {
		name       string
		start, end *int64
		want       string
	}{
		{"from the second row", &start, nil, "Bob\nCy\n"},
		{"the second row's first byte only", &start, &start, "Bob\n"},
		{"one byte into the second row", ptr(start + 1), nil, "Cy\n"},
		{"past the end", ptr(int64(len(peopleCSV))), nil, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := doSelect(t, s, fmt.Sprintf(selectTarget, "people.csv"), s3select.Request{
				Expression: "SELECT name FROM S3Object", Input: csvHeaderIn, Output: csvOutput,
				ScanRange: &s3select.ScanRange{Start: c.start, End: c.end},
			})
			if !res.ended() || res.records != c.want {
				t.Errorf("records %q, want %q; events %v", res.records, c.want, res.events)
			}
		})
	}
}

// A Parquet object's scan range reads the row groups that start in it.
// The first row group starts after the 4-byte magic "PAR1".
func TestSelectObjectContentParquetScanRange(t *testing.T) {
	s := compatServer(t, "bkt")
	type row struct {
		ID int64 `parquet:"id"`
	}
	var pq bytes.Buffer
	w := parquet.NewGenericWriter[row](&pq, parquet.MaxRowsPerRowGroup(1))
	if _, err := w.Write([]row{{1}, {2}, {3}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	putSelectObject(t, s, "rows.parquet", pq.Bytes())
	for _, c := range []struct {
		name       string
		start, end *int64
		want       string
	}{
		{"the first group's first byte", ptr(int64(0)), ptr(int64(4)), "1\n"},
		{"one byte short of it", ptr(int64(0)), ptr(int64(3)), ""},
		{"one byte into it", ptr(int64(5)), nil, "2\n3\n"},
		{"the whole object", ptr(int64(0)), nil, "1\n2\n3\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := doSelect(t, s, fmt.Sprintf(selectTarget, "rows.parquet"), s3select.Request{
				Expression: "SELECT id FROM S3Object", Input: s3select.InputSerialization{Parquet: &s3select.ParquetInput{}},
				Output: csvOutput, ScanRange: &s3select.ScanRange{Start: c.start, End: c.end},
			})
			if !res.ended() || res.records != c.want {
				t.Errorf("records %q, want %q; %d %s, events %v", res.records, c.want, res.status, res.code, res.events)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestSelectObjectContentErrors(t *testing.T) {
	s := compatServer(t, "bkt")
	putSelectObject(t, s, "people.csv", []byte(peopleCSV))
	// Rows of a kilobyte, the 1000th of which does not CAST: the rows
	// before it fill Records messages before the error is found.
	var big strings.Builder
	big.WriteString("n,pad\n")
	pad := strings.Repeat("x", 1000)
	for i := 1; i <= 2000; i++ {
		n := fmt.Sprint(i)
		if i == 1000 {
			n = "one thousand"
		}
		fmt.Fprintf(&big, "%s,%s\n", n, pad)
	}
	putSelectObject(t, s, "big.csv", []byte(big.String()))
	putSelectObject(t, s, "bad-first.csv", []byte("n\nnot a number\n2\n"))

	req := func(expr string) s3select.Request {
		return s3select.Request{Expression: expr, Input: csvHeaderIn, Output: csvOutput}
	}
	target := fmt.Sprintf(selectTarget, "people.csv")
	for _, c := range []struct {
		name, target string
		req          s3select.Request
		status       int
		code         string
	}{
		{"bad SQL", target, req("SELECT * FROM S3Object WHERE"), http.StatusBadRequest, "ParseExpectedExpression"},
		{"unknown function", target, req("SELECT FOO(name) FROM S3Object"), http.StatusBadRequest, "UnsupportedFunction"},
		{"no such key", fmt.Sprintf(selectTarget, "nope.csv"), req("SELECT * FROM S3Object"), http.StatusNotFound, "NoSuchKey"},
		{"no select-type", "/bkt/people.csv?select", req("SELECT * FROM S3Object"), http.StatusBadRequest, "InvalidArgument"},
		{"no input format", target, s3select.Request{Expression: "SELECT * FROM S3Object", Output: csvOutput}, http.StatusBadRequest, "MissingRequiredParameter"},
		{"gzip that is not", target, s3select.Request{Expression: "SELECT * FROM S3Object", Output: csvOutput,
			Input: s3select.InputSerialization{CompressionType: s3select.CompressionGZIP, CSV: &s3select.CSVInput{}}}, http.StatusBadRequest, "TruncatedInput"},
		{"not parquet", target, s3select.Request{Expression: "SELECT * FROM S3Object", Output: csvOutput,
			Input: s3select.InputSerialization{Parquet: &s3select.ParquetInput{}}}, http.StatusBadRequest, "ParquetParsingError"},
		// An error in the first record, before anything was sent, is
		// still an S3 error document.
		{"cast fails on the first row", fmt.Sprintf(selectTarget, "bad-first.csv"), req("SELECT CAST(n AS INT) FROM S3Object"), http.StatusBadRequest, "CastFailed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.req.ExpressionType == "" {
				c.req.ExpressionType = s3select.SQL
			}
			body, err := c.req.Encode()
			if err != nil {
				t.Fatal(err)
			}
			res := sendSelect(t, s, c.target, body)
			if res.status != c.status || res.code != c.code {
				t.Errorf("%d %s, want %d %s", res.status, res.code, c.status, c.code)
			}
		})
	}

	t.Run("cast fails on row 1000", func(t *testing.T) {
		res := doSelect(t, s, fmt.Sprintf(selectTarget, "big.csv"), req("SELECT pad, CAST(n AS INT) FROM S3Object"))
		if res.status != http.StatusOK || res.errCode != "CastFailed" {
			t.Fatalf("status %d, error %q; want a CastFailed message in a 200 stream", res.status, res.errCode)
		}
		if len(res.events) < 2 || res.events[0] != s3select.EventRecords || res.events[len(res.events)-1] != "error CastFailed" {
			t.Errorf("events %v, want Records first and the error last", res.events)
		}
		if res.ended() || res.stats != nil {
			t.Errorf("a failed scan sent Stats or End: %v", res.events)
		}
		rows := strings.Count(res.records, "\n")
		if rows > 999 || !strings.HasPrefix(res.records, pad+",1\n") {
			t.Errorf("%d rows before the error, want at most the 999 good ones", rows)
		}
	})

	t.Run("request body limit", func(t *testing.T) {
		for _, c := range []struct {
			size int
			code string
		}{
			{s3select.MaxDocumentSize, "ExpressionTooLong"},
			{s3select.MaxDocumentSize + 1, "MaxMessageLengthExceeded"},
		} {
			doc := []byte(`<SelectObjectContentRequest><Expression>`)
			tail := `</Expression><ExpressionType>SQL</ExpressionType><InputSerialization><CSV/></InputSerialization><OutputSerialization><CSV/></OutputSerialization></SelectObjectContentRequest>`
			doc = append(doc, bytes.Repeat([]byte("x"), c.size-len(doc)-len(tail))...)
			doc = append(doc, tail...)
			res := sendSelect(t, s, target, doc)
			if res.code != c.code {
				t.Errorf("document of %d bytes: %d %s, want %s", c.size, res.status, res.code, c.code)
			}
		}
	})
}

func TestTruncateHeader(t *testing.T) {
	atLimit := strings.Repeat("a", s3select.MaxHeaderValueSize)
	if got := truncateHeader(atLimit); got != atLimit {
		t.Errorf("a message at the limit was cut to %d bytes", len(got))
	}
	// One byte over, with a two-byte character across the limit: the
	// cut leaves no half character.
	over := strings.Repeat("a", s3select.MaxHeaderValueSize-1) + "é"
	if got := truncateHeader(over); got != atLimit[:s3select.MaxHeaderValueSize-1] {
		t.Errorf("a message one byte over the limit became %d bytes", len(got))
	}
}
