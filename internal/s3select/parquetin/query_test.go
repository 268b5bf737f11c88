package parquetin

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/kurastore/kura/internal/s3select/sql"
	"github.com/parquet-go/parquet-go"
)

// runQuery evaluates query over data read with opts and returns its rows,
// one line each, and the row groups skipped.
func runQuery(t *testing.T, data []byte, query string, opts func(*sql.Query) Options) (string, int, error) {
	t.Helper()
	q, err := sql.Parse(query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	rd, err := Open(bytes.NewReader(data), int64(len(data)), opts(q))
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	ev := q.NewEvaluator()
	var out strings.Builder
	for {
		rec, err := rd.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		err = ev.EvalEach(rec, func(row []sql.Column) error {
			if row == nil { // SELECT *
				fmt.Fprintln(&out, rec.Document())
				return nil
			}
			fmt.Fprintln(&out, row)
			return nil
		})
		if err != nil {
			return "", 0, err
		}
	}
	if q.Aggregate() {
		row, err := ev.Finish()
		if err != nil {
			return "", 0, err
		}
		fmt.Fprintln(&out, row)
	}
	return out.String(), rd.RowGroupsSkipped(), nil
}

func allColumns(*sql.Query) Options { return Options{AllColumns: true} }

func TestBoundsNamesDifferingInCase(t *testing.T) {
	// The query's s.x reads the first of X and x; a bound on x must not
	// be checked against the statistics of the other.
	type row struct {
		Upper int64 `parquet:"X"`
		Lower int64 `parquet:"x"`
	}
	data := writeParquet(t, []row{{5, 1}, {5, 1}, {7, 2}}, parquet.MaxRowsPerRowGroup(2))
	for _, query := range []string{
		"SELECT s.X, s.x FROM S3Object s WHERE s.x = 5",
		"SELECT s.X, s.x FROM S3Object s WHERE s.X = 1",
		`SELECT s."x" FROM S3Object s WHERE s."x" = 1`,
		`SELECT s."X" FROM S3Object s WHERE s."X" = 5`,
		`SELECT s."x" FROM S3Object s WHERE s."x" = 5`,
	} {
		want, _, err := runQuery(t, data, query, allColumns)
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := runQuery(t, data, query, QueryOptions)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s: pruned gives\n%s; want\n%s", query, got, want)
		}
	}
}

func TestQueryOptionsPrune(t *testing.T) {
	// Ten row groups of ids 0-99, 100-199, ... 900-999.
	data := writeParquet(t, flatRows(1000), parquet.MaxRowsPerRowGroup(100))
	for _, tc := range []struct {
		query   string
		skipped int
	}{
		{"SELECT s.name FROM S3Object s WHERE s.id >= 900", 9},
		{"SELECT s.name FROM S3Object s WHERE 100 > s.id", 9},
		{"SELECT s.name FROM S3Object s WHERE s.id BETWEEN 250 AND 349", 8},
		{"SELECT COUNT(*) FROM S3Object s WHERE CAST(s.score AS INT) = 50", 9}, // score is id/4
		{"SELECT COUNT(*) FROM S3Object s WHERE CAST(s.id AS FLOAT) < 100.5", 8},
		{"SELECT * FROM S3Object s WHERE s.id >= 900 AND s.name LIKE '%7'", 9},
		{"SELECT s.name FROM S3Object s WHERE s.id >= 900 OR s.id < 100", 0},
		{"SELECT s.name FROM S3Object s WHERE s.id > '900'", 0}, // lenient: proves nothing
	} {
		want, _, err := runQuery(t, data, tc.query, allColumns)
		if err != nil {
			t.Fatal(err)
		}
		got, skipped, err := runQuery(t, data, tc.query, QueryOptions)
		if err != nil {
			t.Fatal(err)
		}
		if got != want || skipped != tc.skipped {
			t.Errorf("%s: skipped %d row groups (want %d); rows equal: %v", tc.query, skipped, tc.skipped, got == want)
		}
	}
}
