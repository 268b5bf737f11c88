package sql

// ReferencedColumns are the top-level columns that evaluating the query
// may read, as the query writes their names, so that a columnar reader
// (Parquet) reads only those. Names are matched ignoring case unless
// the query double-quotes them; a reader that reads every column whose
// name matches ignoring case reads all those the query needs. all is
// true when the query needs the whole record: SELECT *, the FROM alias
// alone, positional columns (_1), or a FROM path that does not start with
// a member name. A query that reads no column (SELECT COUNT(*)) gives no
// names and all false.
func (q *Query) ReferencedColumns() (names []string, all bool) {
	if len(q.from) > 0 {
		// Every path resolves inside the value the FROM path reaches in
		// the record, so the first member of that path is the one column
		// read.
		if q.from[0].kind != stepField {
			return nil, true
		}
		return []string{q.from[0].name}, false
	}
	if q.star {
		return nil, true
	}
	seen := make(map[string]bool)
	for _, e := range q.paths {
		if e.base != baseColumn {
			return nil, true
		}
		if !seen[e.name] {
			seen[e.name] = true
			names = append(names, e.name)
		}
	}
	return names, false
}

// Bound is a condition that every row the query selects meets: the
// top-level column Column compares to Value as Op (= < <= > >=) says.
// Value is an int64, float64, string or time.Time, and the comparison is
// the query's own: a reader may rule out a block of rows from the least
// and greatest values of the column in it only when Value and those
// values are of the same kind (numbers, strings or timestamps), since
// S3 Select compares other kinds leniently (the string "10" against the
// number 5). CaseSensitive is true when the query double-quotes the name.
type Bound struct {
	Column        string
	CaseSensitive bool
	Op            string
	Value         any
}

// Bounds are the comparisons of a top-level column with a constant that
// every selected row meets: the conjuncts of the WHERE clause of the
// forms column op constant, constant op column, column BETWEEN constant
// AND constant, and CAST(column AS type) op constant where the cast
// keeps the order (see castBounds). Conditions under OR or NOT are left
// out, which can only make a reader skip less.
//
// Skipping rows from bounds skips their evaluation too: a query whose
// evaluation fails on a row (a CAST that fails) that no bound lets
// through returns its rows instead of the error.
func (q *Query) Bounds() []Bound {
	if len(q.from) > 0 || q.where == nil {
		return nil
	}
	var bounds []Bound
	for _, c := range conjuncts(q.where, nil) {
		bounds = appendBounds(bounds, c)
	}
	return bounds
}

// conjuncts splits e at its top-level ANDs: e is TRUE exactly when every
// conjunct is TRUE.
func conjuncts(e expr, out []expr) []expr {
	if b, ok := e.(*binaryExpr); ok && b.op == tAnd {
		return conjuncts(b.r, conjuncts(b.l, out))
	}
	return append(out, e)
}

var opNames = map[tokKind]string{tEq: "=", tLt: "<", tLe: "<=", tGt: ">", tGe: ">="}

// flipped is the operator that says c op x as x flipped(op) c.
var flipped = map[string]string{"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}

func appendBounds(bounds []Bound, c expr) []Bound {
	switch c := c.(type) {
	case *binaryExpr:
		op, ok := opNames[c.op]
		if !ok {
			return bounds
		}
		if v, ok := constant(c.r); ok {
			return appendComparison(bounds, c.l, op, v)
		}
		if v, ok := constant(c.l); ok {
			return appendComparison(bounds, c.r, flipped[op], v)
		}
	case *betweenExpr:
		lo, ok1 := constant(c.lo)
		hi, ok2 := constant(c.hi)
		if c.not || !ok1 || !ok2 {
			return bounds
		}
		bounds = appendComparison(bounds, c.x, ">=", lo)
		return appendComparison(bounds, c.x, "<=", hi)
	}
	return bounds
}

// constant is e's value when e is a literal number, string or timestamp.
func constant(e expr) (value, bool) {
	l, ok := e.(*literal)
	if !ok {
		return value{}, false
	}
	switch l.v.k {
	case kInt, kFloat, kString, kTime:
		return l.v, true
	}
	return value{}, false
}

// topColumn is e when it is a top-level column by name.
func topColumn(e expr) (*pathExpr, bool) {
	p, ok := e.(*pathExpr)
	return p, ok && p.base == baseColumn && len(p.steps) == 0
}

// appendComparison adds the bounds that x op v implies, x being a
// column or a CAST of one.
func appendComparison(bounds []Bound, x expr, op string, v value) []Bound {
	if col, ok := topColumn(x); ok {
		return append(bounds, Bound{Column: col.name, CaseSensitive: col.cs, Op: op, Value: boundValue(v)})
	}
	c, ok := x.(*castExpr)
	if !ok {
		return bounds
	}
	col, ok := topColumn(c.x)
	if !ok {
		return bounds
	}
	for _, b := range castBounds(c.to, op, v) {
		b.Column, b.CaseSensitive = col.name, col.cs
		bounds = append(bounds, b)
	}
	return bounds
}

func boundValue(v value) any {
	switch v.k {
	case kInt:
		return v.i
	case kFloat:
		return v.flt()
	case kString:
		return v.s
	case kTime:
		return v.time()
	}
	return nil
}

// maxCastBound bounds the integers CAST(x AS INT) is compared with for a
// bound to be drawn: below it, c-1, c+1 and their float64 values are
// exact.
const maxCastBound = 1 << 52

// castBounds are bounds on x implied by CAST(x AS to) op v, for the
// columns whose statistics a reader uses: those whose values are of v's
// kind after the cast. A cast that changes the kind (a string column to
// INT) gives a bound of a kind the column's statistics are not compared
// with, so it prunes nothing. Of the casts that keep the kind:
//
//   - FLOAT (DOUBLE, DECIMAL...) of an integer column is float64(x),
//     which orders as x compared with a float64 does: the bound is
//     x op float64(v).
//   - STRING of a string column and TIMESTAMP of a timestamp column
//     change nothing.
//   - INT of a float column truncates toward zero, so CAST(x AS INT) >= 3
//     holds for x = 3.5 and CAST(x AS INT) >= -3 for x = -3.5: the bound
//     is loosened to what holds for any x whose truncation meets it
//     (trunc(x) >= m is x >= m when m >= 1, else x > m-1), which an
//     integer column, whose CAST changes nothing, meets too. Only integer
//     constants up to maxCastBound are used.
func castBounds(to kind, op string, v value) []Bound {
	switch to {
	case kFloat:
		if n, ok := v.number(); ok && v.k != kString {
			return []Bound{{Op: op, Value: n.float()}}
		}
	case kString:
		if v.k == kString {
			return []Bound{{Op: op, Value: v.s}}
		}
	case kTime:
		if v.k == kTime {
			return []Bound{{Op: op, Value: v.time()}}
		}
	case kInt:
		if v.k == kInt && v.i >= -maxCastBound && v.i <= maxCastBound {
			return truncBounds(op, v.i)
		}
	}
	return nil
}

// truncBounds are bounds on x implied by trunc(x) op c, for integers c
// well inside int64.
func truncBounds(op string, c int64) []Bound {
	switch op {
	case ">":
		return truncAtLeast(c + 1)
	case ">=":
		return truncAtLeast(c)
	case "<":
		return truncAtMost(c - 1)
	case "<=":
		return truncAtMost(c)
	case "=":
		return append(truncAtLeast(c), truncAtMost(c)...)
	}
	return nil
}

// truncAtLeast: trunc(x) >= m. For m >= 1 trunc(x) is positive, so x is
// at least trunc(x); otherwise x is above trunc(x) - 1.
func truncAtLeast(m int64) []Bound {
	if m >= 1 {
		return []Bound{{Op: ">=", Value: m}}
	}
	return []Bound{{Op: ">", Value: m - 1}}
}

// truncAtMost: trunc(x) <= m. For m <= -1 trunc(x) is negative, so x is
// at most trunc(x); otherwise x is below trunc(x) + 1.
func truncAtMost(m int64) []Bound {
	if m <= -1 {
		return []Bound{{Op: "<=", Value: m}}
	}
	return []Bound{{Op: "<", Value: m + 1}}
}
