package sql

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kurastore/kura/s3err"
)

// Record is one input row. CSV readers answer Column from the header
// (when the request uses it) and Position from the field order; JSON
// readers answer Column from the document's top-level members and give the
// whole document from Document.
//
// Values are nil (JSON null), bool, int64, float64, string, time.Time,
// []any and *Object. CSV fields are strings.
type Record interface {
	// Column is the value of the column or top-level member called name.
	// Unless caseSensitive (a double-quoted identifier), name matches
	// ignoring case.
	Column(name string, caseSensitive bool) (any, bool)
	// Position is the value of the zero-based ith column: _1 is
	// Position(0).
	Position(i int) (any, bool)
	// Document is the whole record: the JSON value, or nil for CSV.
	Document() any
}

// TextRecord is a Record whose fields are strings, as CSV records are.
// The evaluator reads such fields through these methods, which hand out
// strings without boxing each one in an interface: a filter over CSV
// then allocates nothing per record. They answer as Column and Position
// do.
type TextRecord interface {
	Record
	TextColumn(name string, caseSensitive bool) (string, bool)
	TextPosition(i int) (string, bool)
}

// HeaderRecord is a TextRecord whose named columns are found by a header
// that many records share, as a CSV object's records share its first
// line. The evaluator then looks each name up once per header rather
// than once per record.
type HeaderRecord interface {
	TextRecord
	// Header identifies the header that names the record's columns;
	// records with the same (comparable, non-nil) Header find every
	// name at the same position. nil: no header to share.
	Header() any
	// ColumnIndex is the position where TextColumn finds the column
	// called name in every record of the header, or false when it has
	// none to give (no such column, or several): the evaluator then asks
	// TextColumn each time, which says which.
	ColumnIndex(name string, caseSensitive bool) (int, bool)
}

// Column is one column of an output row. Missing marks a value that does
// not exist (MISSING in S3 Select): JSON output leaves such members out,
// CSV output writes an empty field.
type Column struct {
	Name    string
	Value   any
	Missing bool
	// IsText marks a string value held in Text rather than in Value:
	// boxing a string in an interface would cost an allocation for
	// every row. Any gives the value either way.
	IsText bool
	Text   string
}

// Any is the column's value: Value, or Text when IsText.
func (c *Column) Any() any {
	if c.IsText {
		return c.Text
	}
	return c.Value
}

// set makes v the column's value.
func (c *Column) set(v value) {
	c.Missing = v.k == kMissing
	if v.k == kString && v.x == nil {
		c.Value, c.IsText, c.Text = nil, true, v.s
		return
	}
	c.Value, c.IsText, c.Text = v.toAny(), false, ""
}

// Evaluator evaluates a Query over the records of one request. It holds
// aggregate state and a reused output row, so it is not safe for
// concurrent use; make one per request.
type Evaluator struct {
	q    *Query
	row  []Column
	aggs []aggState
	now  func() time.Time
	// header is the Header of the records whose column positions cols
	// holds, by pathExpr slot: a position, or unknownColumn or
	// askColumn.
	header any
	cols   []int
}

const (
	unknownColumn = -1 // not looked up yet under this header
	askColumn     = -2 // no position: ask TextColumn for each record
)

// NewEvaluator returns an evaluator with fresh aggregate state.
func (q *Query) NewEvaluator() *Evaluator {
	ev := &Evaluator{q: q, aggs: make([]aggState, len(q.aggs)), now: time.Now}
	ev.row = make([]Column, len(q.items))
	for i, it := range q.items {
		ev.row[i].Name = it.name
	}
	return ev
}

// Eval evaluates rec. For a query without aggregates it returns the
// projected row and whether WHERE kept the record; the row is reused by
// the next call. For SELECT * the row is nil and the caller writes rec as
// it is, except under a FROM path (FROM S3Object[*].a.b): then the row
// is one column named "*" holding the value the path reaches. For an
// aggregate query Eval folds rec into the aggregates and returns no row;
// Finish gives the result. Queries with wildcards in their FROM path need
// EvalEach.
func (ev *Evaluator) Eval(rec Record) ([]Column, bool, error) {
	if ev.q.unnest {
		return nil, false, evalErr(s3err.ErrUnsupportedSQLStructure, "A FROM path with wildcards yields a row per value; the caller must use EvalEach.")
	}
	r := ev.scope(rec)
	return ev.evalIn(&r)
}

// EvalEach evaluates rec and calls emit with each row it yields, as Eval
// returns them: none or one, or when the FROM path has wildcards
// (FROM S3Object[*].Rules[*].id) one per value they reach. A wildcard
// that reaches nothing still yields one MISSING value, which AWS writes
// as an empty record. An error from emit stops the evaluation and is
// returned. For aggregate queries emit is never called; see Finish.
func (ev *Evaluator) EvalEach(rec Record, emit func(row []Column) error) error {
	if !ev.q.unnest {
		row, keep, err := ev.Eval(rec)
		if err != nil || !keep {
			return err
		}
		return emit(row)
	}
	return fromRoots(fromAny(rec.Document()), ev.q.from, func(root value) error {
		row, keep, err := ev.evalIn(&scope{rec: rec, rooted: true, root: root})
		if err != nil || !keep {
			return err
		}
		return emit(row)
	})
}

// fromRoots follows a FROM path, calling yield for each value it reaches.
// Unlike wildcards in the SELECT list, which gather what exists, a FROM
// wildcard yields every element, MISSING included, and MISSING when
// there is no element at all.
func fromRoots(v value, steps []step, yield func(value) error) error {
	for i, s := range steps {
		var elems []any
		switch s.kind {
		case stepField, stepIndex:
			v = walk(v, steps[i:i+1])
			continue
		case stepWildcard:
			if v.k == kList {
				elems = v.x.([]any)
			}
		case stepMembers:
			if v.k == kObject {
				elems = v.x.(*Object).Values
			}
		}
		if len(elems) == 0 {
			return fromRoots(missingV, steps[i+1:], yield)
		}
		for _, el := range elems {
			if err := fromRoots(fromAny(el), steps[i+1:], yield); err != nil {
				return err
			}
		}
		return nil
	}
	return yield(v)
}

func (ev *Evaluator) evalIn(r *scope) ([]Column, bool, error) {
	q := ev.q
	if q.where != nil {
		w, err := ev.eval(q.where, r)
		if err != nil {
			return nil, false, err
		}
		if !w.truth() {
			return nil, false, nil
		}
	}
	if q.hasAgg {
		return nil, false, ev.accumulate(r)
	}
	if q.star {
		if r.rooted {
			ev.row = append(ev.row[:0], Column{Name: "*", Value: r.root.toAny(), Missing: r.root.k == kMissing})
			return ev.row, true, nil
		}
		return nil, true, nil
	}
	for i, it := range q.items {
		v, err := ev.eval(it.e, r)
		if err != nil {
			return nil, false, err
		}
		ev.row[i].set(v)
	}
	return ev.row, true, nil
}

// Finish returns the single row of an aggregate query, over the records
// Eval kept.
func (ev *Evaluator) Finish() ([]Column, error) {
	if !ev.q.hasAgg {
		return nil, nil
	}
	r := &scope{final: true}
	for i, it := range ev.q.items {
		v, err := ev.eval(it.e, r)
		if err != nil {
			return nil, err
		}
		ev.row[i].set(v)
	}
	return ev.row, nil
}

// scope is what paths resolve against: the record, or with a FROM path
// the value that path reaches in the document.
type scope struct {
	rec    Record
	text   TextRecord // rec, when its fields are text
	root   value
	rooted bool // FROM S3Object[*].path: resolve in root
	final  bool // Finish: aggregates give their results
	// header is rec when its column positions are in the evaluator's
	// cols: their Header is the one cols was filled under.
	header HeaderRecord
}

// useHeader makes cols hold positions under header, forgetting those of
// another.
func (ev *Evaluator) useHeader(header any) {
	if ev.cols != nil && ev.header == header {
		return
	}
	ev.header = header
	if ev.cols == nil {
		ev.cols = make([]int, len(ev.q.paths))
	}
	state := unknownColumn
	if header == nil {
		state = askColumn
	}
	for i := range ev.cols {
		ev.cols[i] = state
	}
}

// textColumn is the text of column e.name, from its position under the
// record's header when there is one.
func (ev *Evaluator) textColumn(e *pathExpr, r *scope) (string, bool) {
	if r.header == nil {
		return r.text.TextColumn(e.name, e.cs)
	}
	i := ev.cols[e.slot]
	if i == unknownColumn {
		i = askColumn
		if at, ok := r.header.ColumnIndex(e.name, e.cs); ok {
			i = at
		}
		ev.cols[e.slot] = i
	}
	if i == askColumn {
		return r.text.TextColumn(e.name, e.cs)
	}
	return r.text.TextPosition(i)
}

func (ev *Evaluator) scope(rec Record) scope {
	if len(ev.q.from) == 0 {
		if hr, ok := rec.(HeaderRecord); ok {
			ev.useHeader(hr.Header())
			return scope{rec: rec, text: hr, header: hr}
		}
		text, _ := rec.(TextRecord)
		return scope{rec: rec, text: text}
	}
	return scope{rec: rec, rooted: true, root: walk(fromAny(rec.Document()), ev.q.from)}
}

func (ev *Evaluator) resolve(e *pathExpr, r *scope) value {
	var v value
	switch {
	case e.base == baseRecord:
		if r.rooted {
			v = r.root
		} else if r.rec != nil {
			v = fromAny(r.rec.Document())
		}
	case r.rooted:
		if e.base == basePosition {
			return missingV
		}
		v = member(r.root, e.name, e.cs)
	case r.rec == nil:
		return missingV
	case r.text != nil:
		var str string
		var ok bool
		if e.base == basePosition {
			str, ok = r.text.TextPosition(e.index)
		} else {
			str, ok = ev.textColumn(e, r)
		}
		if !ok {
			return missingV
		}
		v = strV(str)
	case e.base == basePosition:
		a, ok := r.rec.Position(e.index)
		if !ok {
			return missingV
		}
		v = fromAny(a)
	default:
		a, ok := r.rec.Column(e.name, e.cs)
		if !ok {
			return missingV
		}
		v = fromAny(a)
	}
	if len(e.steps) == 0 {
		return v
	}
	return walk(v, e.steps)
}

func member(v value, name string, cs bool) value {
	if v.k != kObject {
		return missingV
	}
	a, ok := v.x.(*Object).Get(name, cs)
	if !ok {
		return missingV
	}
	return fromAny(a)
}

// walk follows steps from v. A wildcard applies the rest of the path to
// every element and gathers the results that exist into a list.
func walk(v value, steps []step) value {
	for i, s := range steps {
		switch s.kind {
		case stepField:
			v = member(v, s.name, s.cs)
		case stepIndex:
			l, ok := v.x.([]any)
			if v.k != kList || !ok || s.idx >= len(l) {
				return missingV
			}
			v = fromAny(l[s.idx])
		case stepWildcard, stepMembers:
			var elems []any
			switch {
			case s.kind == stepWildcard && v.k == kList:
				elems = v.x.([]any)
			case s.kind == stepMembers && v.k == kObject:
				elems = v.x.(*Object).Values
			default:
				return missingV
			}
			out := make([]any, 0, len(elems))
			for _, el := range elems {
				if r := walk(fromAny(el), steps[i+1:]); r.k != kMissing {
					out = append(out, r.toAny())
				}
			}
			return value{k: kList, x: out}
		}
		if v.k == kMissing {
			return v
		}
	}
	return v
}

// eval evaluates e; an error gets the offset of the innermost expression
// that failed.
func (ev *Evaluator) eval(e expr, r *scope) (value, error) {
	// Literals and paths, most of a query's nodes, cannot fail: they
	// are answered here, a call shallower.
	var v value
	var err error
	switch n := e.(type) {
	case *literal:
		return n.v, nil
	case *pathExpr:
		return ev.resolve(n, r), nil
	// Comparisons and CASTs, the usual filter, are taken here too,
	// saving a call and a type switch for each.
	case *binaryExpr:
		v, err = ev.binary(n, r)
	case *castExpr:
		if v, err = ev.eval(n.x, r); err == nil {
			v, err = cast(v, n.to)
		}
	default:
		v, err = ev.evalNode(e, r)
	}
	if err != nil {
		return v, locate(err, e.at())
	}
	return v, nil
}

// locate returns err placed at pos unless it has a place already. It
// copies rather than sets: errors kept in the shared Query (a constant
// LIKE pattern's) must not change under concurrent evaluators.
func locate(err error, pos int) error {
	se, ok := err.(*Error)
	if !ok || se.Pos >= 0 {
		return err
	}
	c := *se
	c.Pos = pos
	return &c
}

func (ev *Evaluator) evalNode(e expr, r *scope) (value, error) {
	switch e := e.(type) {
	case *literal:
		return e.v, nil
	case *pathExpr:
		return ev.resolve(e, r), nil
	case *binaryExpr:
		return ev.binary(e, r)
	case *unaryExpr:
		return ev.unary(e, r)
	case *isExpr:
		x, err := ev.eval(e.x, r)
		if err != nil {
			return x, err
		}
		var b bool
		switch e.what {
		case kNull:
			// MISSING IS NULL holds, as in AWS's dialect.
			b = x.k == kNull || x.k == kMissing
		case kMissing:
			b = x.k == kMissing
		default:
			b = x.k == kBool && x.truth() == e.want
		}
		return boolV(b != e.not), nil
	case *likeExpr:
		return ev.like(e, r)
	case *betweenExpr:
		return ev.between(e, r)
	case *inExpr:
		return ev.in(e, r)
	case *caseExpr:
		return ev.caseOf(e, r)
	case *castExpr:
		x, err := ev.eval(e.x, r)
		if err != nil {
			return x, err
		}
		return cast(x, e.to)
	case *callExpr:
		return ev.call(e, r)
	case *aggExpr:
		if !r.final {
			return missingV, evalErr(s3err.ErrUnsupportedSQLOperation, "Aggregate functions are allowed only in the SELECT list.")
		}
		return ev.aggs[e.slot].result(e.fn), nil
	}
	return missingV, evalErr(s3err.ErrUnsupportedSQLStructure, "")
}

func (ev *Evaluator) unary(e *unaryExpr, r *scope) (value, error) {
	x, err := ev.eval(e.x, r)
	if err != nil || x.isAbsent() {
		return x, err
	}
	switch e.op {
	case tNot:
		if x.k != kBool {
			return missingV, evalErr(s3err.ErrIncorrectSQLFunctionArgumentType, "NOT takes a boolean, not %s.", x.k)
		}
		return boolV(!x.truth()), nil
	case tMinus:
		n, ok := x.number()
		if !ok {
			return missingV, evalErr(s3err.ErrInvalidDataType, "Cannot negate %s.", x.k)
		}
		if n.k == kInt {
			if n.i == math.MinInt64 {
				return missingV, evalErr(s3err.ErrIntegerOverflow, "")
			}
			return intV(-n.i), nil
		}
		return floatV(-n.flt()), nil
	}
	n, ok := x.number()
	if !ok {
		return missingV, evalErr(s3err.ErrInvalidDataType, "Unary + takes a number, not %s.", x.k)
	}
	return n, nil
}

func (ev *Evaluator) binary(e *binaryExpr, r *scope) (value, error) {
	if e.op == tAnd || e.op == tOr {
		return ev.logic(e, r)
	}
	l, err := ev.eval(e.l, r)
	if err != nil {
		return l, err
	}
	rv, err := ev.eval(e.r, r)
	if err != nil {
		return rv, err
	}
	if l.k == kMissing || rv.k == kMissing {
		return missingV, nil
	}
	if l.k == kNull || rv.k == kNull {
		return nullV, nil
	}
	switch e.op {
	case tEq:
		return boolV(equal(l, rv)), nil
	case tNe:
		return boolV(!equal(l, rv)), nil
	case tLt, tLe, tGt, tGe:
		c, ok := compare(l, rv)
		if !ok {
			// Values that cannot be ordered (a word against a number)
			// make the comparison MISSING: the record is not selected.
			return missingV, nil
		}
		switch e.op {
		case tLt:
			return boolV(c < 0), nil
		case tLe:
			return boolV(c <= 0), nil
		case tGt:
			return boolV(c > 0), nil
		}
		return boolV(c >= 0), nil
	case tConcat:
		ls, ok1 := concatText(l)
		rs, ok2 := concatText(rv)
		if !ok1 || !ok2 {
			return missingV, evalErr(s3err.ErrIncorrectSQLFunctionArgumentType, "|| takes strings.")
		}
		return strV(ls + rs), nil
	}
	return arith(e.op, l, rv)
}

func concatText(v value) (string, bool) {
	if v.k == kString {
		return v.s, true
	}
	s, err := cast(v, kString)
	return s.s, err == nil && s.k == kString
}

// logic is AND and OR with three-valued logic: FALSE AND x is FALSE and
// TRUE OR x is TRUE whatever x is; otherwise NULL or MISSING wins.
func (ev *Evaluator) logic(e *binaryExpr, r *scope) (value, error) {
	l, err := ev.eval(e.l, r)
	if err != nil {
		return l, err
	}
	if err := checkBool(l, e.op); err != nil {
		return l, err
	}
	if e.op == tAnd && l.k == kBool && !l.truth() || e.op == tOr && l.truth() {
		return l, nil
	}
	rv, err := ev.eval(e.r, r)
	if err != nil {
		return rv, err
	}
	if err := checkBool(rv, e.op); err != nil {
		return rv, err
	}
	if rv.k == kBool {
		if e.op == tAnd && !rv.truth() || e.op == tOr && rv.truth() {
			return rv, nil
		}
		if l.k == kBool {
			return rv, nil
		}
	}
	if l.k == kNull || rv.k == kNull {
		return nullV, nil
	}
	return missingV, nil
}

func checkBool(v value, op tokKind) error {
	if v.k == kBool || v.isAbsent() {
		return nil
	}
	name := "AND"
	if op == tOr {
		name = "OR"
	}
	return evalErr(s3err.ErrIncorrectSQLFunctionArgumentType, "%s takes booleans, not %s.", name, v.k)
}

// arith is + - * / % on numbers. Two integers give an integer (division
// truncates); overflow is an error rather than a wrapped value.
func arith(op tokKind, l, r value) (value, error) {
	a, ok1 := l.number()
	b, ok2 := r.number()
	if !ok1 || !ok2 {
		bad := l
		if ok1 {
			bad = r
		}
		return missingV, evalErr(s3err.ErrInvalidDataType, "Arithmetic takes numbers; found %s %s.", bad.k, quoteShort(bad))
	}
	if a.k == kInt && b.k == kInt {
		x, y := a.i, b.i
		switch op {
		case tPlus:
			s := x + y
			if (s > x) != (y > 0) {
				return missingV, evalErr(s3err.ErrIntegerOverflow, "")
			}
			return intV(s), nil
		case tMinus:
			d := x - y
			if (d < x) != (y > 0) {
				return missingV, evalErr(s3err.ErrIntegerOverflow, "")
			}
			return intV(d), nil
		case tStar:
			if x == 0 || y == 0 {
				return intV(0), nil
			}
			p := x * y
			if p/y != x || x == -1 && y == math.MinInt64 || y == -1 && x == math.MinInt64 {
				return missingV, evalErr(s3err.ErrIntegerOverflow, "")
			}
			return intV(p), nil
		case tSlash, tPercent:
			if y == 0 {
				return missingV, evalErr(s3err.ErrEvaluatorDivideByZero, "")
			}
			if x == math.MinInt64 && y == -1 {
				if op == tPercent {
					return intV(0), nil
				}
				return missingV, evalErr(s3err.ErrIntegerOverflow, "")
			}
			if op == tSlash {
				return intV(x / y), nil
			}
			return intV(x % y), nil
		}
	}
	x, y := a.float(), b.float()
	switch op {
	case tPlus:
		return floatV(x + y), nil
	case tMinus:
		return floatV(x - y), nil
	case tStar:
		return floatV(x * y), nil
	}
	if y == 0 {
		return missingV, evalErr(s3err.ErrEvaluatorDivideByZero, "")
	}
	if op == tSlash {
		return floatV(x / y), nil
	}
	return floatV(math.Mod(x, y)), nil
}

func quoteShort(v value) string {
	if v.k != kString {
		return ""
	}
	s := v.s
	if len(s) > 32 {
		s = s[:32] + "..."
	}
	return strconv.Quote(s)
}

func (ev *Evaluator) like(e *likeExpr, r *scope) (value, error) {
	x, err := ev.eval(e.x, r)
	if err != nil {
		return x, err
	}
	lp := e.compiled
	if e.compileError != nil {
		return missingV, e.compileError
	}
	if lp == nil {
		pat, err := ev.eval(e.pat, r)
		if err != nil {
			return pat, err
		}
		var esc value
		if e.esc != nil {
			if esc, err = ev.eval(e.esc, r); err != nil {
				return esc, err
			}
		}
		if pat.isAbsent() || esc.isAbsent() && e.esc != nil {
			return nullV, nil
		}
		if pat.k != kString {
			return missingV, evalErr(s3err.ErrLikeInvalidInputs, "The LIKE pattern is %s, not a string.", pat.k)
		}
		if lp, err = likeFor(pat.s, esc, e.esc != nil); err != nil {
			return missingV, err
		}
	}
	if x.isAbsent() {
		return x, nil
	}
	if x.k != kString {
		return missingV, nil
	}
	return boolV(lp.match(x.s) != e.not), nil
}

func (ev *Evaluator) between(e *betweenExpr, r *scope) (value, error) {
	x, err := ev.eval(e.x, r)
	if err != nil {
		return x, err
	}
	lo, err := ev.eval(e.lo, r)
	if err != nil {
		return lo, err
	}
	hi, err := ev.eval(e.hi, r)
	if err != nil {
		return hi, err
	}
	for _, v := range [...]value{x, lo, hi} {
		if v.isAbsent() {
			if v.k == kMissing {
				return missingV, nil
			}
			return nullV, nil
		}
	}
	c1, ok1 := compare(x, lo)
	c2, ok2 := compare(x, hi)
	if !ok1 || !ok2 {
		return missingV, nil
	}
	return boolV((c1 >= 0 && c2 <= 0) != e.not), nil
}

// in is x IN (list): TRUE when x equals a member; otherwise NULL when x
// or a member is NULL, else FALSE.
func (ev *Evaluator) in(e *inExpr, r *scope) (value, error) {
	x, err := ev.eval(e.x, r)
	if err != nil || x.isAbsent() {
		return x, err
	}
	sawNull := false
	for _, m := range e.list {
		v, err := ev.eval(m, r)
		if err != nil {
			return v, err
		}
		if v.isAbsent() {
			sawNull = true
			continue
		}
		if equal(x, v) {
			return boolV(!e.not), nil
		}
	}
	if sawNull {
		return nullV, nil
	}
	return boolV(e.not), nil
}

func (ev *Evaluator) caseOf(e *caseExpr, r *scope) (value, error) {
	var subject value
	if e.subject != nil {
		var err error
		if subject, err = ev.eval(e.subject, r); err != nil {
			return subject, err
		}
	}
	for _, w := range e.whens {
		c, err := ev.eval(w.cond, r)
		if err != nil {
			return c, err
		}
		hit := c.truth()
		if e.subject != nil {
			hit = !subject.isAbsent() && !c.isAbsent() && equal(subject, c)
		}
		if hit {
			return ev.eval(w.result, r)
		}
	}
	if e.els == nil {
		return nullV, nil
	}
	return ev.eval(e.els, r)
}

// cast converts x to a kind as CAST does. NULL and MISSING stay as they
// are.
func cast(x value, to kind) (value, error) {
	if x.isAbsent() || x.k == to {
		return x, nil
	}
	fail := func() (value, error) {
		return missingV, evalErr(s3err.ErrCastFailed, "Cannot cast %s %s to %s.", x.k, quoteShort(x), to)
	}
	switch to {
	case kInt:
		switch x.k {
		case kFloat:
			return floatToInt(x.flt(), fail)
		case kBool:
			return intV(x.i), nil
		case kString:
			n, ok := parseNumber(x.s)
			if !ok {
				return fail()
			}
			if n.k == kInt {
				return n, nil
			}
			return floatToInt(n.flt(), fail)
		}
	case kFloat:
		switch x.k {
		case kInt:
			return floatV(float64(x.i)), nil
		case kBool:
			return floatV(float64(x.i)), nil
		case kString:
			n, ok := parseNumber(x.s)
			if !ok {
				return fail()
			}
			return floatV(n.float()), nil
		}
	case kString:
		switch x.k {
		case kInt:
			return strV(strconv.FormatInt(x.i, 10)), nil
		case kFloat:
			return strV(formatFloat(x.flt())), nil
		case kBool:
			return strV(strconv.FormatBool(x.truth())), nil
		case kTime:
			return strV(formatTimestamp(x.time())), nil
		}
	case kBool:
		switch x.k {
		case kInt:
			return boolV(x.i != 0), nil
		case kFloat:
			return boolV(x.flt() != 0), nil
		case kString:
			switch strings.ToLower(strings.TrimSpace(x.s)) {
			case "true":
				return trueV, nil
			case "false":
				return falseV, nil
			}
		}
	case kTime:
		if x.k == kString {
			t, err := parseTimestamp(x.s)
			if err != nil {
				return fail()
			}
			return timeV(t), nil
		}
	}
	return fail()
}

// floatToInt truncates toward zero, failing outside int64.
func floatToInt(f float64, fail func() (value, error)) (value, error) {
	t := math.Trunc(f)
	if math.IsNaN(t) || t < -9.223372036854775808e18 || t >= 9.223372036854775808e18 {
		return fail()
	}
	return intV(int64(t)), nil
}

func (ev *Evaluator) call(e *callExpr, r *scope) (value, error) {
	var argv [3]value
	args := argv[:0]
	if e.fn != fnCoalesce {
		for _, a := range e.args {
			v, err := ev.eval(a, r)
			if err != nil {
				return v, err
			}
			args = append(args, v)
		}
	}
	switch e.fn {
	case fnCoalesce:
		for _, a := range e.args {
			v, err := ev.eval(a, r)
			if err != nil || !v.isAbsent() {
				return v, err
			}
		}
		return nullV, nil
	case fnNullIf:
		// As AWS documents NULLIF: NULL for an absent first value (even
		// MISSING, and whatever the second), the first value when the
		// second is absent, and NULL only when the two are the same value,
		// which a string and a number never are (NULLIF(1, '1') is 1).
		switch {
		case args[0].isAbsent():
			return nullV, nil
		case args[1].isAbsent() || stringAgainstNumber(args[0], args[1]):
			return args[0], nil
		case equal(args[0], args[1]):
			return nullV, nil
		}
		return args[0], nil
	case fnUTCNow:
		return timeV(ev.now().UTC()), nil
	}
	// A MISSING argument makes the result MISSING, else a NULL one NULL.
	sawNull := false
	for _, a := range args {
		if a.k == kMissing {
			return missingV, nil
		}
		sawNull = sawNull || a.k == kNull
	}
	if sawNull {
		return nullV, nil
	}
	switch e.fn {
	case fnLower, fnUpper, fnCharLength:
		s, err := stringArg(e, args[0])
		if err != nil {
			return missingV, err
		}
		switch e.fn {
		case fnLower:
			return strV(strings.ToLower(s)), nil
		case fnUpper:
			return strV(strings.ToUpper(s)), nil
		}
		return intV(int64(utf8.RuneCountInString(s))), nil
	case fnTrim:
		return trim(e, args)
	case fnSubstring:
		return substring(e, args)
	case fnDateAdd, fnDateDiff, fnExtract, fnToString, fnToTimestamp:
		return timeFunc(e, args)
	}
	return missingV, evalErr(s3err.ErrUnsupportedFunction, "%s", e.name)
}

func stringArg(e *callExpr, v value) (string, error) {
	if v.k != kString {
		return "", evalErr(s3err.ErrIncorrectSQLFunctionArgumentType, "%s takes a string, not %s.", e.name, v.k)
	}
	return v.s, nil
}

func intArg(e *callExpr, v value) (int64, error) {
	n, ok := v.number()
	if !ok || n.k != kInt {
		if ok && n.flt() == math.Trunc(n.flt()) && math.Abs(n.flt()) < 1<<53 {
			return int64(n.flt()), nil
		}
		return 0, evalErr(s3err.ErrIncorrectSQLFunctionArgumentType, "%s takes an integer, not %s %s.", e.name, v.k, quoteShort(v))
	}
	return n.i, nil
}

func trim(e *callExpr, args []value) (value, error) {
	s, err := stringArg(e, args[0])
	if err != nil {
		return missingV, err
	}
	cut := " "
	if len(args) == 2 {
		if cut, err = stringArg(e, args[1]); err != nil {
			return missingV, err
		}
	}
	switch e.trim {
	case trimLeading:
		s = strings.TrimLeft(s, cut)
	case trimTrailing:
		s = strings.TrimRight(s, cut)
	default:
		s = strings.Trim(s, cut)
	}
	return strV(s), nil
}

// substring is SQL's SUBSTRING: characters from the 1-based start, for n
// characters; a start before 1 counts toward n, as SQL says.
func substring(e *callExpr, args []value) (value, error) {
	s, err := stringArg(e, args[0])
	if err != nil {
		return missingV, err
	}
	start, err := intArg(e, args[1])
	if err != nil {
		return missingV, err
	}
	end := int64(math.MaxInt64)
	if len(args) == 3 {
		n, err := intArg(e, args[2])
		if err != nil {
			return missingV, err
		}
		if n < 0 {
			return missingV, evalErr(s3err.ErrIllegalSQLFunctionArgument, "SUBSTRING's length %d is negative.", n)
		}
		if start <= math.MaxInt64-n {
			end = start + n
		}
	}
	var b strings.Builder
	pos := int64(1)
	for _, r := range s {
		if pos >= end {
			break
		}
		if pos >= start {
			b.WriteRune(r)
		}
		pos++
	}
	return strV(b.String()), nil
}
