package run

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kurastore/kura/internal/s3select/input"
	"github.com/kurastore/kura/internal/s3select/output"
	"github.com/kurastore/kura/internal/s3select/sql"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/s3select"
)

// scanResult is what a client sees of one run: the rows, the error code
// (empty for none) and the final Stats.
type scanResult struct {
	rows  string
	code  string
	stats s3select.Stats
	msgs  []string
}

func collect(r *Runner, res *scanResult) Send {
	return func(m *s3select.Message) error {
		switch m.EventType() {
		case s3select.EventRecords:
			res.rows += string(m.Payload)
		case s3select.EventStats:
			res.stats = r.Stats()
		}
		res.msgs = append(res.msgs, m.EventType())
		return nil
	}
}

// scanWhole runs query over object with one reader.
func scanWhole(t testing.TB, in s3select.InputSerialization, object, query string) scanResult {
	q, err := sql.Parse(query)
	if err != nil {
		t.Fatal(err)
	}
	var res scanResult
	rd, err := input.NewReader(strings.NewReader(object), input.Config{Input: in})
	if err != nil {
		t.Fatal(err)
	}
	r := New(q, rd, output.New(s3select.OutputSerialization{JSON: &s3select.JSONOutput{}}), Options{PayloadSize: 64}, nil)
	r.send = collect(r, &res)
	if err := r.Run(context.Background()); err != nil {
		res.code = s3err.From(err).Code
	}
	return res
}

// partsOf cuts object into spans of partSize bytes, each read from its
// own reader as a handler reads one, with the CSV header read from the
// object's start.
func partsOf(in s3select.InputSerialization, object string, partSize int) []Part {
	var parts []Part
	for start := 0; start < len(object); start += partSize {
		span := input.Span{Start: int64(start), End: int64(min(start+partSize, len(object)) - 1)}
		parts = append(parts, func() (Records, io.Closer, error) {
			cfg := input.Config{Input: in, Span: &span, Header: strings.NewReader(object)}
			rd, err := input.NewReader(strings.NewReader(object[span.ReadFrom(in):]), cfg)
			return rd, nil, err
		})
	}
	return parts
}

// scanParts runs query over object cut into parts of partSize bytes.
func scanParts(t testing.TB, in s3select.InputSerialization, object, query string, partSize, workers int) scanResult {
	q, err := sql.Parse(query)
	if err != nil {
		t.Fatal(err)
	}
	var res scanResult
	out := output.New(s3select.OutputSerialization{JSON: &s3select.JSONOutput{}})
	r := NewParts(q, partsOf(in, object, partSize), int64(len(object)), workers, out, Options{PayloadSize: 64}, nil)
	r.send = collect(r, &res)
	if err := r.Run(context.Background()); err != nil {
		res.code = s3err.From(err).Code
	}
	return res
}

// equalScans checks that a split scan gives what one scan gives: the
// same rows and Stats, or the same error.
func equalScans(t testing.TB, in s3select.InputSerialization, object, query string, partSize, workers int) {
	t.Helper()
	whole := scanWhole(t, in, object, query)
	split := scanParts(t, in, object, query, partSize, workers)
	if whole.code != "" || split.code != "" {
		if whole.code != split.code {
			t.Fatalf("%s, parts of %d: error %q, one scan %q", query, partSize, split.code, whole.code)
		}
		return
	}
	if split.rows != whole.rows {
		t.Fatalf("%s, parts of %d, %d workers:\n%q\none scan:\n%q", query, partSize, workers, split.rows, whole.rows)
	}
	q, _ := sql.Parse(query)
	// A scan that LIMIT stops has read as far as its readers got.
	if q.Limit() < 0 && split.stats != whole.stats {
		t.Fatalf("%s, parts of %d: stats %+v, one scan %+v", query, partSize, split.stats, whole.stats)
	}
}

// splitCSV has what makes cutting hard: quoted fields with delimiters
// and quotes, a comment line, empty lines, a byte order mark and a
// header.
const splitCSV = "\xef\xbb\xbfid,name,amount\n" +
	"1,\"Smith, Jo\",10.5\n" +
	"2,\"say \"\"hi\"\"\",-3\n" +
	"# a comment, not a record\n" +
	"\n" +
	"3,plain,7.25\n" +
	"4,,100\n" +
	"5,\"x\",0\n" +
	"6,last,1.5"

// splitJSON is JSON LINES with blank lines and nested values.
const splitJSON = "{\"id\":1,\"name\":\"a\",\"amount\":10.5,\"tags\":[1,2]}\n" +
	"\n" +
	"{\"id\":2,\"name\":\"b, c\",\"amount\":-3,\"o\":{\"k\":\"v\"}}\n" +
	"{\"id\":3,\"name\":\"line\\nbreak\",\"amount\":7.25}\n" +
	"{\"id\":4,\"amount\":100}\n" +
	"{\"id\":5,\"name\":\"x\",\"amount\":0}\n" +
	"{\"id\":6,\"name\":\"last\",\"amount\":1.5}"

var splitQueries = []string{
	"SELECT * FROM S3Object s",
	"SELECT s.name, s.id FROM S3Object s WHERE CAST(s.amount AS FLOAT) > 1",
	"SELECT COUNT(*) FROM S3Object",
	"SELECT COUNT(*), SUM(CAST(s.amount AS FLOAT)), AVG(CAST(s.amount AS FLOAT)), MIN(CAST(s.id AS INT)), MAX(s.name) FROM S3Object s",
	"SELECT s.id FROM S3Object s LIMIT 0",
	"SELECT s.id FROM S3Object s LIMIT 1",
	"SELECT s.id FROM S3Object s LIMIT 4",
	"SELECT s.id FROM S3Object s LIMIT 100",
	"SELECT COUNT(*) FROM S3Object s LIMIT 2",
	"SELECT CAST(s.name AS INT) FROM S3Object s", // fails in the first part
	"SELECT s.id FROM S3Object s WHERE CAST(s.id AS INT) = 6 OR CAST(s.name AS INT) = 1",
}

// Every cut of the objects, read by one to three workers, gives the rows,
// aggregates, LIMIT, errors and Stats of one scan.
func TestPartsMatchOneScan(t *testing.T) {
	inputs := []struct {
		name   string
		in     s3select.InputSerialization
		object string
	}{
		{"csv", s3select.InputSerialization{CSV: &s3select.CSVInput{FileHeaderInfo: "USE"}}, splitCSV},
		{"csv-ignore", s3select.InputSerialization{CSV: &s3select.CSVInput{FileHeaderInfo: "IGNORE"}}, splitCSV},
		{"csv-none", s3select.InputSerialization{CSV: &s3select.CSVInput{FileHeaderInfo: "NONE"}}, splitCSV},
		{"csv-crlf", s3select.InputSerialization{CSV: &s3select.CSVInput{FileHeaderInfo: "USE", RecordDelimiter: "\r\n"}},
			strings.ReplaceAll(splitCSV, "\n", "\r\n")},
		{"json-lines", s3select.InputSerialization{JSON: &s3select.JSONInput{Type: s3select.JSONLines}}, splitJSON},
	}
	for _, tc := range inputs {
		t.Run(tc.name, func(t *testing.T) {
			for _, query := range splitQueries {
				for partSize := 1; partSize <= len(tc.object)+1; partSize++ {
					for workers := 1; workers <= 3; workers++ {
						equalScans(t, tc.in, tc.object, query, partSize, workers)
					}
				}
			}
		})
	}
}

// The first error in the order of the records is the one reported, even
// when a later part fails sooner, and no row of a later part goes out.
func TestPartsErrorOrder(t *testing.T) {
	in := s3select.InputSerialization{CSV: &s3select.CSVInput{FileHeaderInfo: "USE"}}
	object := "n\n1\nbad\n3\n4\nworse\n"
	res := scanParts(t, in, object, "SELECT CAST(n AS INT) FROM S3Object", 4, 3)
	if res.code != "CastFailed" || strings.Contains(res.rows, "3") {
		t.Errorf("error %q, rows %q; want CastFailed and no row after the bad one", res.code, res.rows)
	}
}

// A part that cannot be opened fails the request with its error, and the
// closers of the parts opened are all closed.
func TestPartsOpenFailure(t *testing.T) {
	q, _ := sql.Parse("SELECT * FROM S3Object")
	var closed atomic.Int64
	in := s3select.InputSerialization{CSV: &s3select.CSVInput{}}
	var parts []Part
	for i := range 6 {
		parts = append(parts, func() (Records, io.Closer, error) {
			c := closerFunc(func() error { closed.Add(1); return nil })
			if i == 2 {
				return nil, c, s3err.ErrPreconditionFailed
			}
			rd, err := input.NewReader(strings.NewReader("a\nb\n"), input.Config{Input: in})
			return rd, c, err
		})
	}
	r := NewParts(q, parts, 24, 2, output.New(s3select.OutputSerialization{}), Options{}, func(*s3select.Message) error { return nil })
	if err := r.Run(context.Background()); !errors.Is(err, s3err.ErrPreconditionFailed) {
		t.Fatalf("Run = %v, want PreconditionFailed", err)
	}
	// Parts after the failed one may or may not have started; each that
	// was opened was closed.
	if n := closed.Load(); n < 3 || n > 6 {
		t.Errorf("%d parts closed, want the 3 up to the failure and at most all 6", n)
	}
}

type closerFunc func() error

func (f closerFunc) Close() error { return f() }

// A panic in a part's reader fails the request instead of the process.
func TestPartsPanic(t *testing.T) {
	q, _ := sql.Parse("SELECT * FROM S3Object")
	parts := []Part{func() (Records, io.Closer, error) { return panicky{}, nil, nil }}
	r := NewParts(q, parts, 1, 2, output.New(s3select.OutputSerialization{}), Options{}, func(*s3select.Message) error { return nil })
	if err := r.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("Run = %v, want the panic as an error", err)
	}
}

type panicky struct{}

func (panicky) Next() (sql.Record, error) { panic("boom") }
func (panicky) BytesScanned() int64       { return 0 }
func (panicky) BytesProcessed() int64     { return 0 }

// gate is a reader that gives no record until it is opened, then ends.
type gate struct{ open chan struct{} }

func (g gate) Next() (sql.Record, error) { <-g.open; return nil, io.EOF }
func (gate) BytesScanned() int64         { return 0 }
func (gate) BytesProcessed() int64       { return 0 }

// While the part being sent makes no progress, Cont messages (or
// Progress, when asked for, which keep the connection alive as well) still
// go out, and the run ends once the part does.
func TestPartsKeepAlive(t *testing.T) {
	for _, progress := range []bool{false, true} {
		want := s3select.EventCont
		if progress {
			want = s3select.EventProgress
		}
		q, _ := sql.Parse("SELECT * FROM S3Object")
		g := gate{open: make(chan struct{})}
		parts := []Part{func() (Records, io.Closer, error) { return g, nil, nil }}
		seen := 0
		send := func(m *s3select.Message) error {
			if m.EventType() == want {
				if seen++; seen == 2 {
					close(g.open)
				}
			}
			return nil
		}
		opts := Options{KeepAlive: time.Millisecond, Progress: progress, ProgressEvery: time.Millisecond}
		r := NewParts(q, parts, 1, 1, output.New(s3select.OutputSerialization{}), opts, send)
		if err := r.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		if seen < 2 {
			t.Errorf("%d %s messages, want at least 2", seen, want)
		}
	}
}

// A canceled request stops the workers, even those waiting to hand over
// rows, and Run returns.
func TestPartsCanceled(t *testing.T) {
	in := s3select.InputSerialization{CSV: &s3select.CSVInput{}}
	object := strings.Repeat("a long enough row of text\n", 20000)
	q, _ := sql.Parse("SELECT * FROM S3Object")
	ctx, cancel := context.WithCancel(context.Background())
	sent := 0
	send := func(*s3select.Message) error {
		if sent++; sent == 3 {
			cancel()
		}
		return nil
	}
	r := NewParts(q, partsOf(in, object, 1<<16), int64(len(object)), 2, output.New(s3select.OutputSerialization{}), Options{PayloadSize: 1024}, send)
	if err := r.Run(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v, want Canceled", err)
	}
}

// Rows waiting for earlier parts are bounded: a part holds at most
// partChunks payloads, however large it is.
func TestPartsBoundedBuffering(t *testing.T) {
	in := s3select.InputSerialization{CSV: &s3select.CSVInput{}}
	object := strings.Repeat("0123456789\n", 50000)
	q, _ := sql.Parse("SELECT * FROM S3Object")
	release := make(chan struct{})
	first := true
	var held atomic.Int64
	parts := partsOf(in, object, len(object)/2+1)
	open1 := parts[1]
	parts[1] = func() (Records, io.Closer, error) {
		rd, c, err := open1()
		return countingRecords{rd, &held}, c, err
	}
	send := func(m *s3select.Message) error {
		if first {
			first = false
			<-release // the first message waits until the second part stalls
		}
		return nil
	}
	r := NewParts(q, parts, int64(len(object)), 2, output.New(s3select.OutputSerialization{}), Options{PayloadSize: 1024}, send)
	done := make(chan error)
	go func() { done <- r.Run(context.Background()) }()
	// The second part reads until its chunks are full, then waits: its
	// record count stops growing well short of its 25,000 records.
	for last := int64(-1); ; time.Sleep(20 * time.Millisecond) {
		n := held.Load()
		if n == last {
			break
		}
		last = n
	}
	if n := held.Load(); n >= 25000 {
		t.Errorf("the waiting part read all %d of its records", n)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

type countingRecords struct {
	Records
	n *atomic.Int64
}

func (c countingRecords) Next() (sql.Record, error) {
	rec, err := c.Records.Next()
	if err == nil {
		c.n.Add(1)
	}
	return rec, err
}

// FuzzSplitScan checks that any CSV or JSON LINES object, cut anywhere,
// scans as it does whole.
func FuzzSplitScan(f *testing.F) {
	f.Add([]byte(splitCSV), uint8(7), false, uint8(0))
	f.Add([]byte(splitJSON), uint8(13), true, uint8(1))
	f.Add([]byte("a,b\n\"x\ny\",2\n3,4\n"), uint8(3), false, uint8(2))
	f.Fuzz(func(t *testing.T, object []byte, partSize uint8, jsonLines bool, queryIndex uint8) {
		if len(object) > 4096 || partSize == 0 {
			return
		}
		in := s3select.InputSerialization{CSV: &s3select.CSVInput{FileHeaderInfo: "USE"}}
		if jsonLines {
			in = s3select.InputSerialization{JSON: &s3select.JSONInput{Type: s3select.JSONLines}}
		}
		query := splitQueries[int(queryIndex)%len(splitQueries)]
		equalScans(t, in, string(object), query, int(partSize), 2)
	})
}

// The bench below compares one scan with a split one over the same
// object in one run.
func BenchmarkSplitScan(b *testing.B) {
	object := narrowCSV()
	body := object[bytes.IndexByte(object, '\n')+1:]
	data := string(object) + strings.Repeat(string(body), 3)
	in := s3select.InputSerialization{CSV: &s3select.CSVInput{FileHeaderInfo: "USE"}}
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				scanParts(b, in, data, "SELECT COUNT(*) FROM S3Object s WHERE CAST(s.amount AS FLOAT) > 990", len(data)/16, workers)
			}
		})
	}
}

// While the first part stalls, workers begin at most partsAhead parts
// each: parts with little output do not pile up without bound.
func TestPartsBoundedRunAhead(t *testing.T) {
	in := s3select.InputSerialization{CSV: &s3select.CSVInput{}}
	q, _ := sql.Parse("SELECT * FROM S3Object")
	g := gate{open: make(chan struct{})}
	var opened atomic.Int64
	parts := []Part{func() (Records, io.Closer, error) { return g, nil, nil }}
	for range 40 {
		parts = append(parts, func() (Records, io.Closer, error) {
			opened.Add(1)
			rd, err := input.NewReader(strings.NewReader("a\n"), input.Config{Input: in})
			return rd, nil, err
		})
	}
	const workers = 3
	r := NewParts(q, parts, 80, workers, output.New(s3select.OutputSerialization{}), Options{}, func(*s3select.Message) error { return nil })
	done := make(chan error)
	go func() { done <- r.Run(context.Background()) }()
	for last := int64(-1); ; time.Sleep(20 * time.Millisecond) {
		n := opened.Load()
		if n == last {
			break
		}
		last = n
	}
	if n := opened.Load(); n > workers*partsAhead-1 {
		t.Errorf("%d later parts begun while the first stalled, want at most %d", n, workers*partsAhead-1)
	}
	close(g.open)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := opened.Load(); n != 40 {
		t.Errorf("%d parts read in the end, want 40", n)
	}
}
