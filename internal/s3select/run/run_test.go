package run

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kurastore/kura/internal/s3select/input"
	"github.com/kurastore/kura/internal/s3select/output"
	"github.com/kurastore/kura/internal/s3select/sql"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/s3select"
)

// clock advances by step at every reading.
type clock struct {
	t    time.Time
	step time.Duration
}

func (c *clock) now() time.Time { c.t = c.t.Add(c.step); return c.t }

// runQuery runs query over a CSV object with a header and returns the
// events sent (Records with their payloads).
func runQuery(t *testing.T, object, query string, opts Options) ([]string, error) {
	t.Helper()
	q, err := sql.Parse(query)
	if err != nil {
		t.Fatal(err)
	}
	in := s3select.InputSerialization{CSV: &s3select.CSVInput{FileHeaderInfo: "USE"}}
	rd, err := input.NewReader(strings.NewReader(object), input.Config{Input: in})
	if err != nil {
		t.Fatal(err)
	}
	var events []string
	send := func(m *s3select.Message) error {
		e := m.EventType()
		if m.EventType() == s3select.EventRecords {
			e += " " + string(m.Payload)
		}
		events = append(events, e)
		return nil
	}
	out := output.New(s3select.OutputSerialization{CSV: &s3select.CSVOutput{}})
	err = New(q, rd, out, opts, send).Run(context.Background())
	return events, err
}

const numbers = "n\n1\n2\n3\n4\n5\n"

func TestRecordsPayloadLimit(t *testing.T) {
	// Four rows of two bytes: payloads of 4 bytes hold two rows each;
	// output that reaches the limit is sent at once.
	events, err := runQuery(t, numbers, "SELECT n FROM S3Object WHERE n < 5", Options{PayloadSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Records 1\n2\n", "Records 3\n4\n", "Stats", "End"}
	if strings.Join(events, "|") != strings.Join(want, "|") {
		t.Errorf("events %q, want %q", events, want)
	}
	// One byte less splits payloads inside rows: a reader concatenates.
	events, _ = runQuery(t, numbers, "SELECT n FROM S3Object WHERE n < 3", Options{PayloadSize: 3})
	want = []string{"Records 1\n2", "Records \n", "Stats", "End"}
	if strings.Join(events, "|") != strings.Join(want, "|") {
		t.Errorf("events %q, want %q", events, want)
	}
}

func TestContWhileNothingMatches(t *testing.T) {
	c := &clock{t: time.Unix(0, 0), step: time.Second}
	events, err := runQuery(t, numbers, "SELECT n FROM S3Object WHERE n > 100", Options{KeepAlive: 2 * time.Second, Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	conts := 0
	for _, e := range events {
		if e == s3select.EventCont {
			conts++
		}
	}
	if conts == 0 {
		t.Errorf("no Cont during a silent scan: %q", events)
	}
	// A clock that does not move sends none.
	c.step = 0
	events, _ = runQuery(t, numbers, "SELECT n FROM S3Object WHERE n > 100", Options{KeepAlive: 2 * time.Second, Now: c.now})
	if strings.Join(events, "|") != "Stats|End" {
		t.Errorf("events %q, want Stats and End only", events)
	}
}

func TestKeepAliveSendsHeldRows(t *testing.T) {
	c := &clock{t: time.Unix(0, 0), step: time.Second}
	events, _ := runQuery(t, numbers, "SELECT n FROM S3Object WHERE n = 1", Options{KeepAlive: time.Second, Now: c.now})
	if len(events) == 0 || events[0] != "Records 1\n" {
		t.Errorf("events %q, want the held row sent first instead of a Cont", events)
	}
}

func TestProgress(t *testing.T) {
	c := &clock{t: time.Unix(0, 0), step: time.Second}
	events, _ := runQuery(t, numbers, "SELECT n FROM S3Object", Options{Progress: true, ProgressEvery: time.Second, Now: c.now})
	progress := 0
	for _, e := range events {
		if e == s3select.EventProgress {
			progress++
		}
	}
	// One per record, as the clock moves a second each time, and one
	// before Stats.
	if progress != 6 || events[len(events)-2] != "Stats" {
		t.Errorf("events %q, want 6 Progress messages and Stats, End", events)
	}
}

func TestErrorAfterRecords(t *testing.T) {
	events, err := runQuery(t, "n\n1\n2\nx\n", "SELECT CAST(n AS INT) FROM S3Object", Options{PayloadSize: 2})
	if !errors.Is(err, s3err.ErrCastFailed) {
		t.Fatalf("error %v, want CastFailed", err)
	}
	if strings.Join(events, "|") != "Records 1\n|Records 2\n" {
		t.Errorf("events %q, want the good rows and no End", events)
	}
}

func TestCanceled(t *testing.T) {
	q, _ := sql.Parse("SELECT * FROM S3Object")
	rd, _ := input.NewReader(strings.NewReader(numbers), input.Config{Input: s3select.InputSerialization{CSV: &s3select.CSVInput{}}})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := New(q, rd, output.New(s3select.OutputSerialization{CSV: &s3select.CSVOutput{}}), Options{}, func(*s3select.Message) error { return nil })
	if err := r.Run(ctx); !errors.Is(err, context.Canceled) || r.Sent() {
		t.Errorf("Run = %v, sent %v; want Canceled before any message", err, r.Sent())
	}
}

// countingClock is a clock that stands still and counts its readings.
type countingClock struct{ reads int }

func (c *countingClock) now() time.Time { c.reads++; return time.Unix(0, 0) }

// While records come fast the clock is read every few records, not for
// each, and at least every maxClockEvery records.
func TestClockReadSparingly(t *testing.T) {
	var b strings.Builder
	b.WriteString("n\n")
	const records = 10000
	for i := range records {
		fmt.Fprintf(&b, "%d\n", i)
	}
	c := &countingClock{}
	if _, err := runQuery(t, b.String(), "SELECT n FROM S3Object WHERE n = 'none'", Options{Now: c.now}); err != nil {
		t.Fatal(err)
	}
	if c.reads > records/100 || c.reads < records/maxClockEvery {
		t.Errorf("the clock was read %d times over %d records, want %d to %d", c.reads, records, records/maxClockEvery, records/100)
	}
}
