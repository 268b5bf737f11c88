package parquetin

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
)

// pruneRow has a column of each kind the statistics are used for, and
// a string column holding numbers, words and timestamps, which S3 Select
// compares leniently with numbers and timestamps, and two columns whose
// names differ only in case.
type pruneRow struct {
	I *int64    `parquet:"i,optional"`
	J int64     `parquet:"I"` // differs from i only in case
	N int32     `parquet:"n"`
	F float64   `parquet:"f"`
	G float32   `parquet:"g"`
	S string    `parquet:"s"`
	T time.Time `parquet:"t,timestamp(millisecond)"`
}

var pruneBase = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func randomPruneRows(r *rand.Rand, n int) []pruneRow {
	rows := make([]pruneRow, n)
	level := 0
	for k := range rows {
		// Values drift, so that row groups hold different ranges.
		level += r.IntN(3)
		row := &rows[k]
		if r.IntN(6) != 0 {
			i := int64(level + r.IntN(4) - 2)
			row.I = &i
		}
		row.J = int64(40 - level)
		row.N = int32(-level + r.IntN(3))
		row.F = float64(level)/2 - 3 + float64(r.IntN(5))/4
		switch r.IntN(20) {
		case 0:
			row.F = math.NaN()
		case 1:
			row.F = math.Inf(1 - 2*r.IntN(2))
		}
		row.G = float32(level)/3 - 8 + float32(r.IntN(3))/4 // fractions either side of zero
		switch r.IntN(4) {
		case 0:
			row.S = strconv.Itoa(level)
		case 1:
			row.S = string(rune('a'+level%26)) + "x"
		case 2:
			row.S = " " + strconv.Itoa(level-5) + ".5"
		default:
			row.S = pruneBase.Add(time.Duration(level) * time.Hour).Format(time.RFC3339)
		}
		row.T = pruneBase.Add(time.Duration(level*60+r.IntN(60)) * time.Minute)
	}
	return rows
}

var pruneColumns = []string{"s.i", "s.I", `s."i"`, `s."I"`, "i", "s.n", "s.f", "s.g", "s.s", "s.t", "s.S"}

func randomConstant(r *rand.Rand) string {
	switch r.IntN(7) {
	case 0, 1:
		return strconv.Itoa(r.IntN(40) - 10)
	case 2:
		return strconv.FormatFloat(float64(r.IntN(80))/4-10, 'f', 2, 64)
	case 3:
		return "'" + strconv.Itoa(r.IntN(40)-10) + "'"
	case 4:
		return "'" + string(rune('a'+r.IntN(26))) + "'"
	case 5:
		return "`" + pruneBase.Add(time.Duration(r.IntN(40*60))*time.Minute).Format(time.RFC3339) + "`"
	}
	return "'" + pruneBase.Add(time.Duration(r.IntN(40))*time.Hour).Format(time.RFC3339) + "'"
}

var pruneOps = []string{"=", "<", "<=", ">", ">=", "!="}
var pruneCasts = []string{"INT", "FLOAT", "DECIMAL", "STRING", "TIMESTAMP"}

func randomCondition(r *rand.Rand, depth int) string {
	col := pruneColumns[r.IntN(len(pruneColumns))]
	op := pruneOps[r.IntN(len(pruneOps))]
	switch n := r.IntN(14); {
	case n < 3:
		return col + " " + op + " " + randomConstant(r)
	case n < 4:
		return randomConstant(r) + " " + op + " " + col
	case n < 5:
		return col + " BETWEEN " + randomConstant(r) + " AND " + randomConstant(r)
	case n < 7:
		return "CAST(" + col + " AS " + pruneCasts[r.IntN(len(pruneCasts))] + ") " + op + " " + randomConstant(r)
	case n < 9:
		// Truncation of the float columns near a bound.
		return "CAST(s." + []string{"f", "g"}[r.IntN(2)] + " AS INT) " + op + " " + strconv.Itoa(r.IntN(20)-8)
	case n < 10:
		return col + " IS NOT NULL"
	case n < 12 && depth < 3:
		return "(" + randomCondition(r, depth+1) + " AND " + randomCondition(r, depth+1) + ")"
	case n < 13 && depth < 3:
		return "(" + randomCondition(r, depth+1) + " OR " + randomCondition(r, depth+1) + ")"
	case depth < 3:
		return "NOT (" + randomCondition(r, depth+1) + ")"
	}
	return col + " > " + randomConstant(r)
}

var pruneSelects = []string{"*", "COUNT(*)", "s.i, s.s", "s.f, s.G", "_2", "MIN(s.t), MAX(s.f), SUM(s.n)", `s."I", s.t`}

// TestPruningKeepsResults runs random queries over random tables with
// the columns and bounds QueryOptions gives and with every column and no
// bounds: the results must be the same.
func TestPruningKeepsResults(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	skipped, compared, tables := 0, 0, 15
	if testing.Short() {
		tables = 4
	}
	for table := range tables {
		data := writeParquet(t, randomPruneRows(r, 10+r.IntN(40)), parquet.MaxRowsPerRowGroup(int64(1+r.IntN(6))))
		for range 40 {
			var where []string
			for range 1 + r.IntN(3) {
				where = append(where, randomCondition(r, 0))
			}
			query := "SELECT " + pruneSelects[r.IntN(len(pruneSelects))] + " FROM S3Object s WHERE " + strings.Join(where, " AND ")
			want, _, err := runQuery(t, data, query, allColumns)
			if err != nil {
				continue // pruning may skip the rows that fail
			}
			got, n, err := runQuery(t, data, query, QueryOptions)
			if err != nil || got != want {
				t.Fatalf("table %d: %s\npruned (err %v):\n%s\nwant:\n%s", table, query, err, got, want)
			}
			skipped += n
			compared++
		}
	}
	t.Logf("%d queries compared, %d row groups skipped", compared, skipped)
	if compared < 20*tables || skipped < 20*tables {
		t.Fatalf("only %d queries compared, %d row groups skipped", compared, skipped)
	}
}
