package sql

import (
	"strconv"
	"strings"

	"github.com/kurastore/kura/s3err"
)

// maxNesting bounds how deeply expressions nest (parentheses, unary
// operators, function arguments), so that a hostile expression cannot
// exhaust the stack; 256 KB of "(" would otherwise recurse 256 K deep.
const maxNesting = 100

// Query is a parsed S3 Select SQL expression. It is immutable and safe to
// share; each request evaluates it with its own Evaluator.
type Query struct {
	star   bool // SELECT *
	items  []selectItem
	alias  string // the FROM alias, lower case; "s3object" when none
	from   []step // path after S3Object[*]
	unnest bool   // the FROM path has wildcards: a row per value reached
	where  expr
	limit  int64
	aggs   []*aggExpr // every aggregate, in slot order
	hasAgg bool
	paths  []*pathExpr // every reference into the record, once bound
}

type selectItem struct {
	e    expr
	name string // output name: alias, last path component, or _N
}

// Limit is the LIMIT of the query, or -1 when there is none.
func (q *Query) Limit() int64 { return q.limit }

// Star reports whether the query is SELECT *: rows are the input records
// as they are.
func (q *Query) Star() bool { return q.star }

// Unnests reports whether the FROM path has wildcards ([*] or .*), so
// that a record yields a row per value they reach: such queries are
// evaluated with Evaluator.EvalEach.
func (q *Query) Unnests() bool { return q.unnest }

// Aggregate reports whether the query has aggregate functions and so
// yields one row, from Evaluator.Finish.
func (q *Query) Aggregate() bool { return q.hasAgg }

// Columns are the names of the output columns, in order (nil for
// SELECT *): the alias, else the last component of a path, else _N for
// the Nth item of the SELECT list.
func (q *Query) Columns() []string {
	if q.star {
		return nil
	}
	names := make([]string, len(q.items))
	for i, it := range q.items {
		names[i] = it.name
	}
	return names
}

type parser struct {
	toks   []token
	p      int
	depth  int
	inAgg  bool // inside an aggregate's argument
	aggsOK bool // aggregates allowed here (the SELECT list)
	paths  []*pathExpr
	q      *Query
}

// reserved words cannot be unquoted column names or aliases.
var reserved = map[string]bool{
	"SELECT": true, "FROM": true, "WHERE": true, "LIMIT": true, "AS": true, "AND": true,
	"OR": true, "NOT": true, "LIKE": true, "ESCAPE": true, "BETWEEN": true, "IN": true,
	"IS": true, "NULL": true, "MISSING": true, "TRUE": true, "FALSE": true, "CASE": true,
	"WHEN": true, "THEN": true, "ELSE": true, "END": true, "CAST": true, "GROUP": true,
	"ORDER": true, "BY": true, "HAVING": true, "JOIN": true, "UNION": true, "ON": true,
	"DISTINCT": true, "INNER": true, "LEFT": true, "RIGHT": true, "OUTER": true, "FOR": true,
}

// unsupportedClauses are SQL clauses S3 Select does not have.
var unsupportedClauses = map[string]bool{
	"GROUP": true, "ORDER": true, "HAVING": true, "JOIN": true, "UNION": true, "INNER": true,
	"LEFT": true, "RIGHT": true, "OUTER": true, "OFFSET": true, "DISTINCT": true,
}

// Parse parses an S3 Select SQL expression. Errors are *Error values
// carrying S3's code and the offset of the problem.
func Parse(src string) (*Query, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks, q: &Query{limit: -1}}
	if err := p.query(); err != nil {
		return nil, err
	}
	return p.q, nil
}

func (p *parser) peek() token        { return p.toks[p.p] }
func (p *parser) peekAt(n int) token { return p.toks[min(p.p+n, len(p.toks)-1)] }
func (p *parser) next() token {
	t := p.toks[p.p]
	if t.kind != tEOF {
		p.p++
	}
	return t
}

// accept consumes the keyword kw if it is next.
func (p *parser) accept(kw string) bool {
	if p.peek().is(kw) {
		p.p++
		return true
	}
	return false
}

func (p *parser) acceptTok(k tokKind) bool {
	if p.peek().kind == k {
		p.p++
		return true
	}
	return false
}

func (p *parser) unexpected() error {
	t := p.peek()
	if t.kind == tIdent && unsupportedClauses[strings.ToUpper(t.text)] {
		return errAt(s3err.ErrParseUnsupportedSyntax, t.pos, "%s is not supported.", strings.ToUpper(t.text))
	}
	return errAt(s3err.ErrParseUnexpectedToken, t.pos, "Found %s.", t.describe())
}

func (p *parser) expectKw(kw string) error {
	if p.accept(kw) {
		return nil
	}
	t := p.peek()
	return errAt(s3err.ErrParseExpectedKeyword, t.pos, "Expected %s but found %s.", kw, t.describe())
}

func (p *parser) expectTok(k tokKind) error {
	if p.acceptTok(k) {
		return nil
	}
	t := p.peek()
	if k == tRParen {
		return errAt(s3err.ErrParseExpectedRightParenBuiltinFunction, t.pos, "Found %s.", t.describe())
	}
	return errAt(s3err.ErrParseExpectedTokenType, t.pos, "Expected %s but found %s.", tokNames[k], t.describe())
}

func (p *parser) query() error {
	if err := p.expectKw("SELECT"); err != nil {
		return err
	}
	if p.peek().is("DISTINCT") {
		return p.unexpected()
	}
	if err := p.selectList(); err != nil {
		return err
	}
	if err := p.from(); err != nil {
		return err
	}
	if p.accept("WHERE") {
		e, err := p.expr()
		if err != nil {
			return err
		}
		p.q.where = e
	}
	if p.accept("LIMIT") {
		t := p.next()
		if t.kind != tInt {
			return errAt(s3err.ErrParseExpectedNumber, t.pos, "LIMIT takes a non-negative integer; found %s.", t.describe())
		}
		n, err := strconv.ParseInt(t.text, 10, 64)
		if err != nil {
			return errAt(s3err.ErrParseExpectedNumber, t.pos, "LIMIT %s is too large.", t.text)
		}
		p.q.limit = n
	}
	// A statement may end with a semicolon, as in PartiQL, whose grammar
	// S3 Select's follows; it separates nothing.
	p.acceptTok(tSemicolon)
	if p.peek().kind != tEOF {
		return p.unexpected()
	}
	p.bindAlias()
	p.q.paths = p.paths
	for i := range p.q.items {
		if p.q.items[i].name == "" {
			p.q.items[i].name = defaultName(p.q.items[i].e, i)
		}
	}
	return p.checkAggregates()
}

func (p *parser) selectList() error {
	if p.peek().is("FROM") || p.peek().kind == tEOF {
		return errAt(s3err.ErrParseEmptySelect, p.peek().pos, "")
	}
	p.aggsOK = true
	defer func() { p.aggsOK = false }()
	for {
		t := p.peek()
		if t.kind == tStar || p.isAliasStar() {
			if len(p.q.items) > 0 || p.q.star {
				return errAt(s3err.ErrParseAsteriskIsNotAloneInSelectList, t.pos, "")
			}
			if t.kind == tStar {
				p.next()
			} else {
				p.p += 3
			}
			p.q.star = true
		} else {
			if p.q.star {
				return errAt(s3err.ErrParseAsteriskIsNotAloneInSelectList, t.pos, "")
			}
			e, err := p.expr()
			if err != nil {
				return err
			}
			name, err := p.alias()
			if err != nil {
				return err
			}
			p.q.items = append(p.q.items, selectItem{e: e, name: name})
		}
		if !p.acceptTok(tComma) {
			break
		}
	}
	if !p.peek().is("FROM") {
		if p.peek().kind == tEOF {
			return errAt(s3err.ErrParseSelectMissingFrom, p.peek().pos, "")
		}
		return p.unexpected()
	}
	return nil
}

// isAliasStar reports whether alias.* is next; it selects the whole
// record, as * does.
func (p *parser) isAliasStar() bool {
	t := p.peek()
	return (t.kind == tIdent && !reserved[strings.ToUpper(t.text)] || t.kind == tQuoted) &&
		p.peekAt(1).kind == tDot && p.peekAt(2).kind == tStar
}

// alias reads an optional [AS] name after a SELECT item or FROM source.
func (p *parser) alias() (string, error) {
	t := p.peek()
	if p.accept("AS") {
		t = p.next()
		switch {
		case t.kind == tQuoted:
			return t.text, nil
		case t.kind == tIdent && !reserved[strings.ToUpper(t.text)]:
			return t.text, nil
		}
		return "", errAt(s3err.ErrParseExpectedIdentForAlias, t.pos, "Found %s.", t.describe())
	}
	if t.kind == tQuoted || t.kind == tIdent && !reserved[strings.ToUpper(t.text)] {
		p.next()
		return t.text, nil
	}
	return "", nil
}

// defaultName is the output name of an unaliased item: the last field of
// a path, the column position of _N, else _N for the Nth item.
func defaultName(e expr, i int) string {
	if pe, ok := e.(*pathExpr); ok {
		if n := len(pe.steps); n > 0 {
			if pe.steps[n-1].kind == stepField {
				return pe.steps[n-1].name
			}
		} else {
			switch pe.base {
			case baseColumn:
				return pe.name
			case basePosition:
				return "_" + strconv.Itoa(pe.index+1)
			case baseRecord:
				return pe.written
			}
		}
	}
	return "_" + strconv.Itoa(i+1)
}

func (p *parser) from() error {
	if err := p.expectKw("FROM"); err != nil {
		return err
	}
	t := p.next()
	if !t.is("S3Object") {
		return errAt(s3err.ErrParseUnsupportedSyntax, t.pos, "The FROM clause must name S3Object; found %s.", t.describe())
	}
	// S3Object[*] stands for each record of the object; a path after it
	// moves the record's root into the document.
	if p.peek().kind == tLBrack && p.peekAt(1).kind == tStar && p.peekAt(2).kind == tRBrack {
		p.p += 3
		steps, err := p.steps()
		if err != nil {
			return err
		}
		// Wildcards in the path make a row of each value they reach.
		for _, s := range steps {
			if s.kind == stepWildcard || s.kind == stepMembers {
				p.q.unnest = true
			}
		}
		p.q.from = steps
	} else if k := p.peek().kind; k == tDot || k == tLBrack {
		return errAt(s3err.ErrParseInvalidPathComponent, p.peek().pos, "A path in FROM starts with S3Object[*].")
	}
	name, err := p.alias()
	if err != nil {
		return err
	}
	if p.peek().kind == tComma {
		return errAt(s3err.ErrParseUnsupportedSyntax, p.peek().pos, "A query reads one S3Object.")
	}
	if name == "" {
		// Without an alias, the last name of the FROM path names the
		// value it reaches, as in SELECT id FROM S3Object[*].Rules[*].id.
		name = "S3Object"
		for _, s := range p.q.from {
			if s.kind == stepField {
				name = s.name
			}
		}
	}
	p.q.alias = strings.ToLower(name)
	return nil
}

// enter guards recursion depth.
func (p *parser) enter() error {
	p.depth++
	if p.depth > maxNesting {
		return errAt(s3err.ErrParseUnsupportedSyntax, p.peek().pos, "The expression nests more than %d levels deep.", maxNesting)
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

func (p *parser) expr() (expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	return p.or()
}

func (p *parser) or() (expr, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.peek().is("OR") {
		pos := p.next().pos
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		l = &binaryExpr{pos: pos, op: tOr, l: l, r: r}
	}
	return l, nil
}

func (p *parser) and() (expr, error) {
	l, err := p.not()
	if err != nil {
		return nil, err
	}
	for p.peek().is("AND") {
		pos := p.next().pos
		r, err := p.not()
		if err != nil {
			return nil, err
		}
		l = &binaryExpr{pos: pos, op: tAnd, l: l, r: r}
	}
	return l, nil
}

func (p *parser) not() (expr, error) {
	if p.peek().is("NOT") {
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer p.leave()
		pos := p.next().pos
		x, err := p.not()
		if err != nil {
			return nil, err
		}
		return &unaryExpr{pos: pos, op: tNot, x: x}, nil
	}
	return p.predicate()
}

func isComparison(k tokKind) bool { return k >= tEq && k <= tGe }

// predicate parses comparisons and the word predicates (IS, LIKE,
// BETWEEN, IN), which bind tighter than NOT and looser than ||.
func (p *parser) predicate() (expr, error) {
	l, err := p.concat()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		switch {
		case isComparison(t.kind):
			p.next()
			r, err := p.concat()
			if err != nil {
				return nil, err
			}
			l = &binaryExpr{pos: t.pos, op: t.kind, l: l, r: r}
		case t.is("IS"):
			p.next()
			e := &isExpr{pos: t.pos, x: l, not: p.accept("NOT")}
			w := p.next()
			switch {
			case w.is("NULL"):
				e.what = kNull
			case w.is("MISSING"):
				e.what = kMissing
			case w.is("TRUE"), w.is("FALSE"):
				e.what, e.want = kBool, w.is("TRUE")
			default:
				return nil, errAt(s3err.ErrParseExpectedKeyword, w.pos, "IS takes NULL, MISSING, TRUE or FALSE; found %s.", w.describe())
			}
			l = e
		case t.is("NOT") && (p.peekAt(1).is("LIKE") || p.peekAt(1).is("BETWEEN") || p.peekAt(1).is("IN")):
			p.next()
			if l, err = p.wordPredicate(l, true); err != nil {
				return nil, err
			}
		case t.is("LIKE"), t.is("BETWEEN"), t.is("IN"):
			if l, err = p.wordPredicate(l, false); err != nil {
				return nil, err
			}
		default:
			return l, nil
		}
	}
}

func (p *parser) wordPredicate(x expr, not bool) (expr, error) {
	t := p.next()
	switch {
	case t.is("LIKE"):
		pat, err := p.concat()
		if err != nil {
			return nil, err
		}
		e := &likeExpr{pos: t.pos, x: x, pat: pat, not: not}
		if p.accept("ESCAPE") {
			if e.esc, err = p.concat(); err != nil {
				return nil, err
			}
		}
		e.precompile()
		return e, nil
	case t.is("BETWEEN"):
		lo, err := p.concat()
		if err != nil {
			return nil, err
		}
		if err := p.expectKw("AND"); err != nil {
			return nil, err
		}
		hi, err := p.concat()
		if err != nil {
			return nil, err
		}
		return &betweenExpr{pos: t.pos, x: x, lo: lo, hi: hi, not: not}, nil
	default: // IN
		if err := p.expectTok(tLParen); err != nil {
			return nil, err
		}
		e := &inExpr{pos: t.pos, x: x, not: not}
		for {
			v, err := p.expr()
			if err != nil {
				return nil, err
			}
			e.list = append(e.list, v)
			if !p.acceptTok(tComma) {
				break
			}
		}
		return e, p.expectTok(tRParen)
	}
}

func (p *parser) concat() (expr, error) {
	l, err := p.additive()
	if err != nil {
		return nil, err
	}
	for p.peek().kind == tConcat {
		pos := p.next().pos
		r, err := p.additive()
		if err != nil {
			return nil, err
		}
		l = &binaryExpr{pos: pos, op: tConcat, l: l, r: r}
	}
	return l, nil
}

func (p *parser) additive() (expr, error) {
	l, err := p.multiplicative()
	if err != nil {
		return nil, err
	}
	for k := p.peek().kind; k == tPlus || k == tMinus; k = p.peek().kind {
		pos := p.next().pos
		r, err := p.multiplicative()
		if err != nil {
			return nil, err
		}
		l = &binaryExpr{pos: pos, op: k, l: l, r: r}
	}
	return l, nil
}

func (p *parser) multiplicative() (expr, error) {
	l, err := p.unary()
	if err != nil {
		return nil, err
	}
	for k := p.peek().kind; k == tStar || k == tSlash || k == tPercent; k = p.peek().kind {
		pos := p.next().pos
		r, err := p.unary()
		if err != nil {
			return nil, err
		}
		l = &binaryExpr{pos: pos, op: k, l: l, r: r}
	}
	return l, nil
}

func (p *parser) unary() (expr, error) {
	t := p.peek()
	if t.kind != tMinus && t.kind != tPlus {
		return p.primary()
	}
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	p.next()
	// A minus sign before a number literal is part of the literal, so
	// that -9223372036854775808 is an integer.
	if n := p.peek(); t.kind == tMinus && (n.kind == tInt || n.kind == tFloat) {
		p.next()
		return numberLiteral(token{kind: n.kind, text: "-" + n.text, pos: t.pos})
	}
	x, err := p.unary()
	if err != nil {
		return nil, err
	}
	return &unaryExpr{pos: t.pos, op: t.kind, x: x}, nil
}

func numberLiteral(t token) (expr, error) {
	if t.kind == tInt {
		if i, err := strconv.ParseInt(t.text, 10, 64); err == nil {
			return &literal{pos: t.pos, v: intV(i)}, nil
		}
	}
	f, err := strconv.ParseFloat(t.text, 64)
	if err != nil && !strings.Contains(err.Error(), "range") {
		return nil, errAt(s3err.ErrLexerInvalidLiteral, t.pos, "Bad number %s.", t.text)
	}
	if err != nil {
		return nil, errAt(s3err.ErrLexerInvalidLiteral, t.pos, "The number %s is out of range.", t.text)
	}
	return &literal{pos: t.pos, v: floatV(f)}, nil
}

func (p *parser) primary() (expr, error) {
	t := p.peek()
	switch t.kind {
	case tInt, tFloat:
		p.next()
		return numberLiteral(t)
	case tString:
		p.next()
		return &literal{pos: t.pos, v: strV(t.text)}, nil
	case tTimestamp:
		p.next()
		ts, err := parseTimestamp(t.text)
		if err != nil {
			return nil, errAt(s3err.ErrLexerInvalidLiteral, t.pos, "`%s` is not a timestamp.", t.text)
		}
		return &literal{pos: t.pos, v: timeV(ts)}, nil
	case tLParen:
		p.next()
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		if err := p.expectTok(tRParen); err != nil {
			return nil, err
		}
		return p.moreSteps(e)
	case tQuoted:
		return p.path()
	case tIdent:
		up := strings.ToUpper(t.text)
		switch up {
		case "TRUE", "FALSE":
			p.next()
			return &literal{pos: t.pos, v: boolV(up == "TRUE")}, nil
		case "NULL":
			p.next()
			return &literal{pos: t.pos, v: nullV}, nil
		case "MISSING":
			p.next()
			return &literal{pos: t.pos, v: missingV}, nil
		case "CASE":
			return p.caseExpr()
		case "CAST":
			return p.cast()
		}
		if p.peekAt(1).kind == tLParen {
			return p.call()
		}
		if reserved[up] {
			return nil, errAt(s3err.ErrParseExpectedExpression, t.pos, "Found keyword %s.", up)
		}
		return p.path()
	}
	if t.kind == tEOF {
		return nil, errAt(s3err.ErrParseExpectedExpression, t.pos, "The expression ends early.")
	}
	return nil, errAt(s3err.ErrParseExpectedExpression, t.pos, "Found %s.", t.describe())
}

// moreSteps rejects a path after a parenthesized expression: S3 Select
// paths start at a name.
func (p *parser) moreSteps(e expr) (expr, error) {
	if k := p.peek().kind; k == tDot || k == tLBrack {
		return nil, errAt(s3err.ErrParseInvalidPathComponent, p.peek().pos, "A path must start with a name.")
	}
	return e, nil
}

// path parses a column reference and its steps.
func (p *parser) path() (expr, error) {
	t := p.next()
	e := &pathExpr{pos: t.pos, base: baseColumn, name: t.text, written: t.text, cs: t.kind == tQuoted}
	steps, err := p.steps()
	if err != nil {
		return nil, err
	}
	if t.kind == tIdent && isPositional(t.text) {
		n, _ := strconv.Atoi(t.text[1:])
		e.base, e.index = basePosition, n-1
	}
	e.steps = steps
	e.slot = len(p.paths)
	p.paths = append(p.paths, e)
	return e, nil
}

// bindAlias rewrites the paths that start with the FROM alias (known only
// once FROM is read): the alias alone is the whole record, and alias.x is
// the column x.
func (p *parser) bindAlias() {
	for _, e := range p.paths {
		if e.cs || !strings.EqualFold(e.name, p.q.alias) {
			continue
		}
		if len(e.steps) == 0 || e.steps[0].kind != stepField {
			e.base, e.name, e.index = baseRecord, "", 0
			continue
		}
		first := e.steps[0]
		e.steps = e.steps[1:]
		e.base, e.name, e.cs, e.index = baseColumn, first.name, first.cs, 0
		if !first.cs && isPositional(first.name) {
			n, _ := strconv.Atoi(first.name[1:])
			e.base, e.index = basePosition, n-1
		}
	}
}

// isPositional reports whether name is _N with N ≥ 1.
func isPositional(name string) bool {
	if len(name) < 2 || name[0] != '_' || name[1] == '0' {
		return false
	}
	for i := 1; i < len(name); i++ {
		if name[i] < '0' || name[i] > '9' {
			return false
		}
	}
	n, err := strconv.Atoi(name[1:])
	return err == nil && n < 1<<30
}

// steps parses .name, ."name", .*, [n], ['name'] and [*] after a name.
func (p *parser) steps() ([]step, error) {
	var steps []step
	for {
		switch p.peek().kind {
		case tDot:
			p.next()
			t := p.next()
			switch t.kind {
			case tIdent:
				if reserved[strings.ToUpper(t.text)] {
					return nil, errAt(s3err.ErrParseInvalidPathComponent, t.pos, "Quote the keyword %s to use it as a name.", t.text)
				}
				steps = append(steps, step{kind: stepField, name: t.text})
			case tQuoted:
				steps = append(steps, step{kind: stepField, name: t.text, cs: true})
			case tStar:
				steps = append(steps, step{kind: stepMembers})
			default:
				return nil, errAt(s3err.ErrParseInvalidPathComponent, t.pos, "Found %s after '.'.", t.describe())
			}
		case tLBrack:
			p.next()
			t := p.next()
			switch t.kind {
			case tInt:
				n, err := strconv.Atoi(t.text)
				if err != nil || n > 1<<30 {
					return nil, errAt(s3err.ErrParseInvalidPathComponent, t.pos, "The index %s is too large.", t.text)
				}
				steps = append(steps, step{kind: stepIndex, idx: n})
			case tString:
				steps = append(steps, step{kind: stepField, name: t.text, cs: true})
			case tStar:
				steps = append(steps, step{kind: stepWildcard})
			default:
				return nil, errAt(s3err.ErrParseInvalidPathComponent, t.pos, "Found %s in brackets.", t.describe())
			}
			if err := p.expectTok(tRBrack); err != nil {
				return nil, errAt(s3err.ErrParseInvalidPathComponent, p.peek().pos, "Expected ']'.")
			}
		default:
			return steps, nil
		}
	}
}

func (p *parser) caseExpr() (expr, error) {
	e := &caseExpr{pos: p.next().pos}
	if !p.peek().is("WHEN") && !p.peek().is("END") {
		s, err := p.expr()
		if err != nil {
			return nil, err
		}
		e.subject = s
	}
	for p.accept("WHEN") {
		c, err := p.expr()
		if err != nil {
			return nil, err
		}
		if err := p.expectKw("THEN"); err != nil {
			return nil, err
		}
		r, err := p.expr()
		if err != nil {
			return nil, err
		}
		e.whens = append(e.whens, whenClause{c, r})
	}
	if len(e.whens) == 0 {
		return nil, errAt(s3err.ErrParseExpectedWhenClause, p.peek().pos, "")
	}
	if p.accept("ELSE") {
		r, err := p.expr()
		if err != nil {
			return nil, err
		}
		e.els = r
	}
	return e, p.expectKw("END")
}

// castTypes maps S3 Select's type names to value kinds. DECIMAL and
// NUMERIC are held as float64.
var castTypes = map[string]kind{
	"BOOL": kBool, "BOOLEAN": kBool, "INT": kInt, "INTEGER": kInt, "BIGINT": kInt,
	"STRING": kString, "VARCHAR": kString, "CHAR": kString, "FLOAT": kFloat, "REAL": kFloat,
	"DOUBLE": kFloat, "DECIMAL": kFloat, "NUMERIC": kFloat, "TIMESTAMP": kTime,
}

func (p *parser) cast() (expr, error) {
	pos := p.next().pos
	if err := p.expectTok(tLParen); err != nil {
		return nil, err
	}
	x, err := p.expr()
	if err != nil {
		return nil, err
	}
	if p.peek().kind == tComma || p.peek().kind == tRParen {
		return nil, errAt(s3err.ErrParseCastArity, p.peek().pos, "CAST takes (expression AS type).")
	}
	if err := p.expectKw("AS"); err != nil {
		return nil, err
	}
	t := p.next()
	if t.kind != tIdent {
		return nil, errAt(s3err.ErrParseExpectedTypeName, t.pos, "Found %s.", t.describe())
	}
	to, ok := castTypes[strings.ToUpper(t.text)]
	if !ok {
		return nil, errAt(s3err.ErrInvalidDataType, t.pos, "%s is not a type.", t.text)
	}
	if err := p.expectTok(tRParen); err != nil {
		return nil, err
	}
	return &castExpr{pos: pos, x: x, to: to}, nil
}

// checkAggregates enforces AWS's rule that a query with aggregates
// selects nothing but aggregates (and constants and expressions of them).
func (p *parser) checkAggregates() error {
	if !p.q.hasAgg {
		return nil
	}
	for _, it := range p.q.items {
		if pos, ok := bareReference(it.e, false); ok {
			return errAt(s3err.ErrUnsupportedSQLStructure, pos, "A query with aggregate functions can select only aggregates.")
		}
	}
	return nil
}

// bareReference finds a record reference outside any aggregate.
func bareReference(e expr, inAgg bool) (int, bool) {
	switch e := e.(type) {
	case *pathExpr:
		return e.pos, !inAgg
	case *aggExpr:
		return 0, false
	case *unaryExpr:
		return bareReference(e.x, inAgg)
	case *binaryExpr:
		return firstBare(inAgg, e.l, e.r)
	case *likeExpr:
		return firstBare(inAgg, e.x, e.pat, e.esc)
	case *betweenExpr:
		return firstBare(inAgg, e.x, e.lo, e.hi)
	case *inExpr:
		return firstBare(inAgg, append([]expr{e.x}, e.list...)...)
	case *isExpr:
		return bareReference(e.x, inAgg)
	case *castExpr:
		return bareReference(e.x, inAgg)
	case *callExpr:
		return firstBare(inAgg, e.args...)
	case *caseExpr:
		all := []expr{e.subject, e.els}
		for _, w := range e.whens {
			all = append(all, w.cond, w.result)
		}
		return firstBare(inAgg, all...)
	}
	return 0, false
}

func firstBare(inAgg bool, es ...expr) (int, bool) {
	for _, e := range es {
		if e == nil {
			continue
		}
		if pos, ok := bareReference(e, inAgg); ok {
			return pos, true
		}
	}
	return 0, false
}
