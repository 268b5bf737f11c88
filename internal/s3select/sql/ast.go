package sql

// expr is a node of a parsed expression; the evaluator switches on its
// concrete type.
type expr interface{ at() int }

// literal is a constant.
type literal struct {
	pos int
	v   value
}

// pathBase says where a path starts.
type pathBase uint8

const (
	baseColumn   pathBase = iota // a column or top-level member by name
	basePosition                 // _N: the Nth column (CSV)
	baseRecord                   // the alias alone: the whole record
)

// pathExpr is a reference into the record: s.name, _2, s.a.b[0], "Name".
type pathExpr struct {
	pos     int
	base    pathBase
	name    string // baseColumn
	written string // the first name as the query spells it
	cs      bool   // name was double-quoted: match it case-sensitively
	index   int    // basePosition: zero-based
	steps   []step
	slot    int // indexes an evaluator's positions of named columns
}

type stepKind uint8

const (
	stepField    stepKind = iota // .name or ['name']
	stepIndex                    // [n]
	stepWildcard                 // [*]: every element of a list
	stepMembers                  // .*: every member value of an object
)

type step struct {
	kind stepKind
	name string
	cs   bool
	idx  int
}

type unaryExpr struct {
	pos int
	op  tokKind // tMinus, tPlus, or tNot
	x   expr
}

// tNot and the other word operators reuse the tokKind space past the
// punctuation.
const (
	tNot tokKind = iota + 100
	tAnd
	tOr
)

type binaryExpr struct {
	pos  int
	op   tokKind
	l, r expr
}

type likeExpr struct {
	pos          int
	x, pat, esc  expr // esc may be nil
	not          bool
	compiled     *likePattern // when pattern and escape are literals
	compileError error
}

type betweenExpr struct {
	pos       int
	x, lo, hi expr
	not       bool
}

type inExpr struct {
	pos  int
	x    expr
	list []expr
	not  bool
}

// isExpr is IS [NOT] NULL / MISSING / TRUE / FALSE.
type isExpr struct {
	pos  int
	x    expr
	what kind // kNull, kMissing, or kBool with want
	want bool
	not  bool
}

type whenClause struct{ cond, result expr }

// caseExpr is CASE [subject] WHEN ... THEN ... [ELSE ...] END.
type caseExpr struct {
	pos     int
	subject expr // nil for the searched form
	whens   []whenClause
	els     expr // nil: NULL
}

type castExpr struct {
	pos int
	x   expr
	to  kind
}

// callExpr is a scalar function call.
type callExpr struct {
	pos  int
	fn   funcID
	name string
	args []expr
	part datePart // DATE_ADD, DATE_DIFF, EXTRACT
	trim trimSide // TRIM
}

// aggExpr is an aggregate call; slot indexes the evaluator's state.
type aggExpr struct {
	pos  int
	fn   aggFunc
	arg  expr // nil for COUNT(*)
	slot int
}

func (e *literal) at() int     { return e.pos }
func (e *pathExpr) at() int    { return e.pos }
func (e *unaryExpr) at() int   { return e.pos }
func (e *binaryExpr) at() int  { return e.pos }
func (e *likeExpr) at() int    { return e.pos }
func (e *betweenExpr) at() int { return e.pos }
func (e *inExpr) at() int      { return e.pos }
func (e *isExpr) at() int      { return e.pos }
func (e *caseExpr) at() int    { return e.pos }
func (e *castExpr) at() int    { return e.pos }
func (e *callExpr) at() int    { return e.pos }
func (e *aggExpr) at() int     { return e.pos }
