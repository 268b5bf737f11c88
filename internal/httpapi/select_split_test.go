package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/internal/s3select/input"
	"github.com/kurastore/kura/wire/s3select"
)

// splitRows is how many rows make the objects below larger than two
// parts of the smallest size, so that their scans are split across
// cores.
const splitRows = 300_000

// A CSV or JSON LINES object large enough to split gives what one scan
// gives: every row once and in order, aggregates over all of it, LIMIT
// over the whole scan, and Stats of the whole object.
func TestSelectObjectContentSplitScan(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("a scan is split only with two or more cores")
	}
	s := compatServer(t, "bkt")
	s.api.selectPartSize = input.MinPartSize
	var csv, lines strings.Builder
	csv.WriteString("id,amount,name\n")
	for i := range splitRows {
		fmt.Fprintf(&csv, "%d,%d.5,row%d\n", i, i%1000, i)
		fmt.Fprintf(&lines, "{\"id\":%d,\"amount\":%d.5,\"name\":\"row%d\"}\n", i, i%1000, i)
	}
	putSelectObject(t, s, "big.csv", []byte(csv.String()))
	putSelectObject(t, s, "big.jsonl", []byte(lines.String()))

	for _, c := range []struct {
		key  string
		in   s3select.InputSerialization
		size int
	}{
		{"big.csv", csvHeaderIn, csv.Len()},
		{"big.jsonl", s3select.InputSerialization{JSON: &s3select.JSONInput{Type: s3select.JSONLines}}, lines.Len()},
	} {
		t.Run(c.key, func(t *testing.T) {
			assertSplit(t, s, c.key, c.in)
			sum := int64(splitRows) * (splitRows - 1) / 2
			for _, q := range []struct{ expr, want string }{
				{"SELECT COUNT(*), SUM(CAST(s.id AS INT)), MAX(CAST(s.id AS INT)) FROM S3Object s",
					fmt.Sprintf("%d,%d,%d\n", splitRows, sum, splitRows-1)},
				{"SELECT s.name FROM S3Object s WHERE CAST(s.id AS INT) < 2 OR CAST(s.id AS INT) >= " + strconv.Itoa(splitRows-2),
					fmt.Sprintf("row0\nrow1\nrow%d\nrow%d\n", splitRows-2, splitRows-1)},
				{"SELECT s.id FROM S3Object s WHERE CAST(s.amount AS FLOAT) > 998 LIMIT 3", "998\n999\n1998\n"},
			} {
				res := doSelect(t, s, fmt.Sprintf(selectTarget, c.key), s3select.Request{Expression: q.expr, Input: c.in, Output: csvOutput})
				if !res.ended() || res.records != q.want {
					t.Errorf("%s: records %q, want %q; events %v", q.expr, res.records, q.want, res.events)
				}
			}
			res := doSelect(t, s, fmt.Sprintf(selectTarget, c.key), s3select.Request{
				Expression: "SELECT s.name FROM S3Object s", Input: c.in, Output: csvOutput, RequestProgress: true,
			})
			if want := int64(c.size); res.stats == nil || res.stats.BytesScanned != want || res.stats.BytesProcessed != want {
				t.Errorf("stats %+v, want %d bytes scanned and processed", res.stats, want)
			}
			var want strings.Builder
			for i := range splitRows {
				fmt.Fprintf(&want, "row%d\n", i)
			}
			if res.records != want.String() {
				t.Errorf("the projection of every row differs from the rows in order (%d bytes, want %d)", len(res.records), want.Len())
			}
			if res.stats != nil && res.stats.BytesReturned != int64(want.Len()) {
				t.Errorf("BytesReturned %d, want %d", res.stats.BytesReturned, want.Len())
			}
		})
	}
}

// assertSplit checks that the handler splits a scan of the object.
func assertSplit(t *testing.T, s *fzServer, key string, in s3select.InputSerialization) {
	t.Helper()
	vr, err := s.layer.OpenVersionReader(context.Background(), "bkt", key, object.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	src, closers, err := openRecords(vr, &s3select.Request{Input: in}, nil, s.api.selectPartSize)
	closeAll(closers)
	if err != nil || len(src.parts) < 2 {
		t.Fatalf("openRecords: %d parts, %v; want the scan split", len(src.parts), err)
	}
}

// A span's reader that reads past the span and its slack (a long last
// record) gets the rest of the object, byte for byte.
func TestSpanBodyReadsOn(t *testing.T) {
	s := compatServer(t, "bkt")
	data := make([]byte, 3*spanSlack+123)
	for i := range data {
		data[i] = byte('a' + i%26)
	}
	putSelectObject(t, s, "long", data)
	vr, err := s.layer.OpenVersionReader(context.Background(), "bkt", "long", object.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		from int64
		span input.Span
	}{
		{0, input.Span{Start: 0, End: 10}},
		{99, input.Span{Start: 100, End: spanSlack}},
		{5, input.Span{Start: 6, End: int64(len(data)) - spanSlack - 1}}, // the slack reaches the last byte
		{5, input.Span{Start: 6, End: int64(len(data)) + 10}},
	} {
		body, err := openSpanBody(vr, c.from, &c.span)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(body)
		body.Close()
		if err != nil || !bytes.Equal(got, data[c.from:]) {
			t.Errorf("from %d, span %+v: read %d bytes, %v; want the %d to the end", c.from, c.span, len(got), err, len(data)-int(c.from))
		}
	}
}
