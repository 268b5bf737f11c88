package sql

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kurastore/kura/s3err/s3errtest"
)

// maxFuzzQuery bounds fuzzed expressions; longer ones only repeat what
// shorter ones exercise.
const maxFuzzQuery = 2048

// seedQueries are the queries of the data-driven tests.
func seedQueries(f *testing.F) []string {
	files, _ := filepath.Glob("testdata/*.txt")
	var qs []string
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		lines := strings.Split(string(b), "\n")
		for i, l := range lines {
			if l == "query" && i+1 < len(lines) {
				qs = append(qs, lines[i+1])
			}
		}
	}
	if len(qs) == 0 {
		f.Fatal("no seed queries")
	}
	return qs
}

// checkErr requires an *Error that is an S3 error with a position inside
// the expression or none.
func checkErr(t *testing.T, src string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var se *Error
	if !errors.As(err, &se) || se.S3 == nil {
		t.Fatalf("%q: error %v (%T) is not an *Error", src, err, err)
	}
	if se.Pos < -1 || se.Pos > len(src) {
		t.Fatalf("%q: position %d outside the expression", src, se.Pos)
	}
	s3errtest.RequireS3(t, src, err)
}

// FuzzParse checks that Parse never panics, that its errors are S3
// errors at a place in the expression, and that a query it accepts
// names as many columns as it selects.
func FuzzParse(f *testing.F) {
	for _, q := range seedQueries(f) {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > maxFuzzQuery {
			return
		}
		defer s3errtest.Watchdog()()
		q, err := Parse(src)
		checkErr(t, src, err)
		if err != nil {
			return
		}
		if q.Star() != (q.Columns() == nil) {
			t.Fatalf("%q: Star() = %v but Columns() = %q", src, q.Star(), q.Columns())
		}
	})
}

// FuzzEval evaluates fuzzed queries over a CSV record made from fuzzed
// fields and over a fixed JSON document: no panics, only S3 errors, and
// rows with one value per column.
func FuzzEval(f *testing.F) {
	for i, q := range seedQueries(f) {
		f.Add(q, []string{"alice,30,1.5,2007-02-23T12:14Z", "x,,-3,", "%,_,\\,'"}[i%3])
	}
	doc, err := jsonRecords([]string{`{"a":"alice","b":30,"c":[1,{"d":null}],"e":{"f":2.5,"g":true}}`})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, src, fields string) {
		if len(src) > maxFuzzQuery || len(fields) > maxFuzzQuery {
			return
		}
		defer s3errtest.Watchdog()()
		q, err := Parse(src)
		if err != nil {
			return
		}
		recs := []Record{&csvRecord{header: []string{"a", "b", "c", "d"}, fields: strings.Split(fields, ",")}, doc[0]}
		ev := q.NewEvaluator()
		for _, rec := range recs {
			err := ev.EvalEach(rec, func(row []Column) error {
				if !q.Star() && len(row) != len(q.Columns()) {
					t.Fatalf("%q: %d values for %d columns", src, len(row), len(q.Columns()))
				}
				return nil
			})
			checkErr(t, src, err)
		}
		row, err := ev.Finish()
		checkErr(t, src, err)
		if err == nil && q.Aggregate() && len(row) != len(q.Columns()) {
			t.Fatalf("%q: aggregate row has %d values for %d columns", src, len(row), len(q.Columns()))
		}
	})
}
