package parquetin

import (
	"encoding/binary"
	"math"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// Bound is a condition that every row a query selects meets: the
// top-level column named Column (matched ignoring case) compares to
// Value as Op says, Op being one of = < <= > >=. Value is an int64,
// float64, string or time.Time. A query whose WHERE clause is a
// conjunction of such comparisons can pass them so that row groups whose
// statistics show that no row meets one of them are skipped unread.
type Bound struct {
	Column string
	Op     string
	Value  any
}

// boundCheck is a Bound resolved against the schema.
type boundCheck struct {
	leaf  int // file column index
	node  *node
	op    string
	value any
}

// resolveBounds keeps the bounds on top-level leaf columns of a type
// whose statistics order values as S3 Select does.
//
// A bound is used only when one column of the file matches its name
// ignoring case. Then that column is the one the query compares when it
// names it ignoring case; and when the query double-quotes a name that
// the column spells otherwise, the query reads MISSING there and selects
// no row, so that any row group may be skipped. With two columns whose
// names differ only in case, the query reads the first and a bound
// checked against the other could skip its rows.
func resolveBounds(fields []*node, bounds []Bound) []boundCheck {
	var checks []boundCheck
	for _, b := range bounds {
		f := onlyColumn(fields, b.Column)
		if f == nil || f.convert == nil || f.repetition == format.Repeated || f.timeOfDay {
			continue
		}
		checks = append(checks, boundCheck{leaf: f.leaves[0], node: f, op: b.Op, value: b.Value})
	}
	return checks
}

// onlyColumn is the one top-level field called name ignoring case, or nil
// when there is none or more than one.
func onlyColumn(fields []*node, name string) *node {
	var found *node
	for _, f := range fields {
		if strings.EqualFold(f.name, name) {
			if found != nil {
				return nil
			}
			found = f
		}
	}
	return found
}

// groupExcluded reports whether the statistics of row group g show that
// none of its rows meets one of the checks.
func groupExcluded(g *format.RowGroup, checks []boundCheck) bool {
	for _, c := range checks {
		m := &g.Columns[c.leaf].MetaData
		st := &m.Statistics
		if st.MinValue == nil || st.MaxValue == nil {
			continue
		}
		lo, ok1 := statValue(m.Type, st.MinValue)
		hi, ok2 := statValue(m.Type, st.MaxValue)
		if !ok1 || !ok2 {
			continue
		}
		if excludes(c.op, c.value, c.node.convert(lo), c.node.convert(hi)) {
			return true
		}
	}
	return false
}

// statValue reads a plain-encoded statistics value of a column of
// physical type t. INT96 and BOOLEAN statistics are not used.
func statValue(t format.Type, b []byte) (parquet.Value, bool) {
	switch t {
	case format.Int32:
		if len(b) == 4 {
			return parquet.Int32Value(int32(binary.LittleEndian.Uint32(b))), true
		}
	case format.Int64:
		if len(b) == 8 {
			return parquet.Int64Value(int64(binary.LittleEndian.Uint64(b))), true
		}
	case format.Float:
		if len(b) == 4 {
			return parquet.FloatValue(math.Float32frombits(binary.LittleEndian.Uint32(b))), true
		}
	case format.Double:
		if len(b) == 8 {
			return parquet.DoubleValue(math.Float64frombits(binary.LittleEndian.Uint64(b))), true
		}
	case format.ByteArray:
		return parquet.ByteArrayValue(b), true
	case format.FixedLenByteArray:
		return parquet.FixedLenByteArrayValue(b), true
	}
	return parquet.Value{}, false
}

// excludes reports whether no value in [lo, hi] can compare to v as op
// says. Values of different kinds (a string column and a number) prove
// nothing: S3 Select compares some of them leniently.
func excludes(op string, v, lo, hi any) bool {
	cLo, ok1 := compare(lo, v)
	cHi, ok2 := compare(hi, v)
	if !ok1 || !ok2 {
		return false
	}
	switch op {
	case "=":
		return cLo > 0 || cHi < 0
	case "<":
		return cLo >= 0
	case "<=":
		return cLo > 0
	case ">":
		return cHi <= 0
	case ">=":
		return cHi < 0
	}
	return false
}

// compare orders a before (-1), with (0) or after (1) b, when both are
// numbers, both strings or both timestamps.
func compare(a, b any) (int, bool) {
	switch a := a.(type) {
	case int64:
		switch b := b.(type) {
		case int64:
			return cmp3(a < b, a > b), true
		case float64:
			return cmpFloat(float64(a), b)
		}
	case float64:
		switch b := b.(type) {
		case int64:
			return cmpFloat(a, float64(b))
		case float64:
			return cmpFloat(a, b)
		}
	case string:
		if b, ok := b.(string); ok {
			return strings.Compare(a, b), true
		}
	case time.Time:
		if b, ok := b.(time.Time); ok {
			return a.Compare(b), true
		}
	}
	return 0, false
}

func cmpFloat(a, b float64) (int, bool) {
	if math.IsNaN(a) || math.IsNaN(b) {
		return 0, false
	}
	return cmp3(a < b, a > b), true
}

func cmp3(less, more bool) int {
	switch {
	case less:
		return -1
	case more:
		return 1
	}
	return 0
}
