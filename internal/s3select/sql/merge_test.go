package sql

import (
	"errors"
	"fmt"
	"strconv"
	"testing"

	"github.com/kurastore/kura/s3err"
)

// evalParts evaluates query over parts of values of column n, one
// evaluator a part, and merges them in order.
func evalParts(t *testing.T, query string, parts ...[]string) ([]Column, error) {
	t.Helper()
	q, err := Parse(query)
	if err != nil {
		t.Fatal(err)
	}
	var first *Evaluator
	for _, part := range parts {
		ev := q.NewEvaluator()
		for _, v := range part {
			if _, _, err := ev.Eval(&csvRecord{header: []string{"n"}, fields: []string{v}}); err != nil {
				return nil, err
			}
		}
		if first == nil {
			first = ev
		} else if err := first.Merge(ev); err != nil {
			return nil, err
		}
	}
	return first.Finish()
}

func TestMergeAggregates(t *testing.T) {
	const max = "9223372036854775807"
	for _, c := range []struct {
		name  string
		parts [][]string
		want  string
		code  string
	}{
		{"counts and sums add", [][]string{{"1", "2"}, {}, {"3"}}, "[3 6 2 1 3]", ""},
		{"empty parts", [][]string{{}, {}}, "[0 <nil> <nil> <nil> <nil>]", ""},
		{"floats cast to INT", [][]string{{"1.5"}, {"2"}}, "[2 3 1.5 1.5 2]", ""},
		{"the int64 limit", [][]string{{max}, {"0"}}, "[2 " + max + " 4.611686018427388e+18 0 " + max + "]", ""},
		{"one past it", [][]string{{max}, {"1"}}, "", "IntegerOverflow"},
	} {
		t.Run(c.name, func(t *testing.T) {
			row, err := evalParts(t, "SELECT COUNT(n), SUM(CAST(n AS INT)), AVG(CAST(n AS INT)), MIN(CAST(n AS FLOAT)), MAX(CAST(n AS INT)) FROM S3Object", c.parts...)
			if c.code != "" {
				var e *s3err.Error
				if !errors.As(err, &e) || e.Code != c.code {
					t.Fatalf("error %v, want %s", err, c.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			vals := make([]any, len(row))
			for i, col := range row {
				vals[i] = col.Value
			}
			if got := fmt.Sprint(vals); got != c.want {
				t.Errorf("row %s, want %s", got, c.want)
			}
		})
	}
	// A float sum merges with an int one.
	row, err := evalParts(t, "SELECT SUM(CAST(n AS FLOAT)), SUM(n) FROM S3Object", []string{"1.5"}, []string{"2"})
	if err != nil || fmt.Sprint(row[0].Value, row[1].Value) != "3.5 3.5" {
		t.Errorf("float sums: %v, %v", row, err)
	}
	// AVG goes on in float64 where SUM overflows.
	row, err = evalParts(t, "SELECT AVG(CAST(n AS INT)) FROM S3Object", []string{"9223372036854775807"}, []string{strconv.Itoa(1)})
	if err != nil || fmt.Sprint(row[0].Value) != "4.611686018427388e+18" {
		t.Errorf("AVG past int64: %v, %v", row, err)
	}
}
