package sql

import (
	"strings"
	"unicode/utf8"

	"github.com/kurastore/kura/s3err"
)

type funcID uint8

const (
	fnLower funcID = iota
	fnUpper
	fnCharLength
	fnTrim
	fnSubstring
	fnCoalesce
	fnNullIf
	fnDateAdd
	fnDateDiff
	fnExtract
	fnToString
	fnToTimestamp
	fnUTCNow
)

// funcSig is a scalar function's name and number of arguments; max -1 is
// any number.
type funcSig struct {
	id       funcID
	min, max int
}

var funcs = map[string]funcSig{
	"LOWER": {fnLower, 1, 1}, "UPPER": {fnUpper, 1, 1},
	"CHAR_LENGTH": {fnCharLength, 1, 1}, "CHARACTER_LENGTH": {fnCharLength, 1, 1},
	"COALESCE": {fnCoalesce, 1, -1}, "NULLIF": {fnNullIf, 2, 2},
	"TO_STRING": {fnToString, 2, 2}, "TO_TIMESTAMP": {fnToTimestamp, 1, 1},
	"UTCNOW": {fnUTCNow, 0, 0},
}

type aggFunc uint8

const (
	aggCount aggFunc = iota
	aggSum
	aggAvg
	aggMin
	aggMax
)

var aggFuncs = map[string]aggFunc{"COUNT": aggCount, "SUM": aggSum, "AVG": aggAvg, "MIN": aggMin, "MAX": aggMax}

type datePart uint8

const (
	partYear datePart = iota
	partMonth
	partDay
	partHour
	partMinute
	partSecond
	partTZHour
	partTZMinute
)

var dateParts = map[string]datePart{
	"YEAR": partYear, "MONTH": partMonth, "DAY": partDay, "HOUR": partHour,
	"MINUTE": partMinute, "SECOND": partSecond,
	"TIMEZONE_HOUR": partTZHour, "TIMEZONE_MINUTE": partTZMinute,
}

type trimSide uint8

const (
	trimBoth trimSide = iota
	trimLeading
	trimTrailing
)

// call parses NAME( ... ), whose argument syntax depends on the function.
func (p *parser) call() (expr, error) {
	t := p.next()
	p.next() // (
	name := strings.ToUpper(t.text)
	if fn, ok := aggFuncs[name]; ok {
		return p.aggregate(t, fn)
	}
	e := &callExpr{pos: t.pos, name: name}
	var err error
	switch name {
	case "TRIM":
		e.fn = fnTrim
		err = p.trimArgs(e)
	case "SUBSTRING":
		e.fn = fnSubstring
		err = p.substringArgs(e)
	case "EXTRACT":
		e.fn = fnExtract
		if e.part, err = p.datePart(true); err == nil {
			if err = p.expectKw("FROM"); err == nil {
				err = p.args(e, 1, 1)
			}
		}
	case "DATE_ADD", "DATE_DIFF":
		e.fn = fnDateAdd
		if name == "DATE_DIFF" {
			e.fn = fnDateDiff
		}
		if e.part, err = p.datePart(false); err == nil {
			if !p.acceptTok(tComma) {
				return nil, errAt(s3err.ErrEvaluatorInvalidArguments, p.peek().pos, "%s takes (part, x, y).", name)
			}
			err = p.args(e, 2, 2)
		}
	default:
		sig, ok := funcs[name]
		if !ok {
			return nil, errAt(s3err.ErrUnsupportedFunction, t.pos, "%s is not a function of S3 Select.", name)
		}
		e.fn = sig.id
		err = p.args(e, sig.min, sig.max)
	}
	if err != nil {
		return nil, err
	}
	return e, nil
}

// args parses a comma-separated argument list up to and including ')'.
func (p *parser) args(e *callExpr, min, max int) error {
	if !p.acceptTok(tRParen) {
		for {
			a, err := p.expr()
			if err != nil {
				return err
			}
			e.args = append(e.args, a)
			if !p.acceptTok(tComma) {
				break
			}
		}
		if err := p.expectTok(tRParen); err != nil {
			return err
		}
	}
	if len(e.args) < min || max >= 0 && len(e.args) > max {
		return errAt(s3err.ErrEvaluatorInvalidArguments, e.pos, "%s takes %s, not %d.", e.name, arity(min, max), len(e.args))
	}
	return nil
}

func arity(min, max int) string {
	switch {
	case max < 0:
		return "at least " + itoa(min) + " argument(s)"
	case min == max:
		return itoa(min) + " argument(s)"
	}
	return itoa(min) + " to " + itoa(max) + " arguments"
}

func itoa(n int) string { return string(appendInt(nil, n)) }

func appendInt(b []byte, n int) []byte {
	if n >= 10 {
		b = appendInt(b, n/10)
	}
	return append(b, byte('0'+n%10))
}

func (p *parser) datePart(extract bool) (datePart, error) {
	t := p.next()
	part, ok := dateParts[strings.ToUpper(t.text)]
	if t.kind != tIdent || !ok || !extract && part >= partTZHour {
		return 0, errAt(s3err.ErrIllegalSQLFunctionArgument, t.pos, "%s is not a date part.", t.describe())
	}
	return part, nil
}

// trimArgs parses TRIM([[LEADING|TRAILING|BOTH] [chars] FROM] s).
func (p *parser) trimArgs(e *callExpr) error {
	side, explicit := trimBoth, true
	switch {
	case p.accept("LEADING"):
		side = trimLeading
	case p.accept("TRAILING"):
		side = trimTrailing
	case p.accept("BOTH"):
	default:
		explicit = false
	}
	e.trim = side
	if explicit && p.accept("FROM") {
		return p.args(e, 1, 1)
	}
	first, err := p.expr()
	if err != nil {
		return err
	}
	if p.accept("FROM") {
		s, err := p.expr()
		if err != nil {
			return err
		}
		e.args = []expr{s, first}
	} else {
		if explicit {
			return p.expectKw("FROM")
		}
		e.args = []expr{first}
	}
	return p.expectTok(tRParen)
}

// substringArgs parses SUBSTRING(s FROM i [FOR n]) and SUBSTRING(s, i[, n]).
func (p *parser) substringArgs(e *callExpr) error {
	s, err := p.expr()
	if err != nil {
		return err
	}
	e.args = []expr{s}
	if p.accept("FROM") {
		i, err := p.expr()
		if err != nil {
			return err
		}
		e.args = append(e.args, i)
		if p.accept("FOR") {
			n, err := p.expr()
			if err != nil {
				return err
			}
			e.args = append(e.args, n)
		}
		return p.expectTok(tRParen)
	}
	if !p.acceptTok(tComma) {
		return errAt(s3err.ErrEvaluatorInvalidArguments, p.peek().pos, "SUBSTRING takes (s FROM i [FOR n]) or (s, i[, n]).")
	}
	return p.args(e, 2, 3)
}

// aggregate parses the argument of COUNT, SUM, AVG, MIN or MAX.
func (p *parser) aggregate(t token, fn aggFunc) (expr, error) {
	if !p.aggsOK {
		return nil, errAt(s3err.ErrUnsupportedSQLOperation, t.pos, "Aggregate functions are allowed only in the SELECT list.")
	}
	if p.inAgg {
		return nil, errAt(s3err.ErrUnsupportedSQLOperation, t.pos, "Aggregate functions cannot nest.")
	}
	e := &aggExpr{pos: t.pos, fn: fn, slot: len(p.q.aggs)}
	if p.peek().kind == tStar {
		if fn != aggCount {
			return nil, errAt(s3err.ErrParseUnsupportedCallWithStar, p.peek().pos, "")
		}
		p.next()
	} else {
		p.inAgg = true
		a, err := p.expr()
		p.inAgg = false
		if err != nil {
			return nil, err
		}
		e.arg = a
	}
	if p.peek().kind == tComma {
		return nil, errAt(s3err.ErrEvaluatorInvalidArguments, p.peek().pos, "%s takes one argument.", strings.ToUpper(t.text))
	}
	if err := p.expectTok(tRParen); err != nil {
		return nil, err
	}
	p.q.aggs = append(p.q.aggs, e)
	p.q.hasAgg = true
	return e, nil
}

// likePattern is a compiled LIKE pattern: runes with % and _ as
// wildcards unless escaped.
type likePattern struct {
	runes []rune
	wild  []bool // wild[i]: runes[i] is an unescaped % or _
}

func compileLike(pat string, esc rune, hasEsc bool) (*likePattern, error) {
	lp := &likePattern{}
	rs := []rune(pat)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if hasEsc && r == esc {
			if i+1 >= len(rs) {
				return nil, evalErr(s3err.ErrLikeInvalidInputs, "The pattern ends with the escape character.")
			}
			i++
			lp.runes = append(lp.runes, rs[i])
			lp.wild = append(lp.wild, false)
			continue
		}
		lp.runes = append(lp.runes, r)
		lp.wild = append(lp.wild, r == '%' || r == '_')
	}
	return lp, nil
}

// match reports whether s matches, backtracking only to the last %, which
// keeps matching linear in practice.
func (lp *likePattern) match(s string) bool {
	pi, si := 0, 0
	starP, starS := -1, 0
	for si < len(s) {
		r, size := utf8.DecodeRuneInString(s[si:])
		switch {
		case pi < len(lp.runes) && lp.wild[pi] && lp.runes[pi] == '%':
			starP, starS = pi, si
			pi++
			continue
		case pi < len(lp.runes) && (lp.wild[pi] && lp.runes[pi] == '_' || !lp.wild[pi] && lp.runes[pi] == r):
			pi++
			si += size
			continue
		case starP >= 0:
			_, sz := utf8.DecodeRuneInString(s[starS:])
			starS += sz
			si = starS
			pi = starP + 1
			continue
		}
		return false
	}
	for pi < len(lp.runes) && lp.wild[pi] && lp.runes[pi] == '%' {
		pi++
	}
	return pi == len(lp.runes)
}

// precompile compiles the pattern now when it is a constant.
func (e *likeExpr) precompile() {
	pl, ok := e.pat.(*literal)
	if !ok || pl.v.k != kString {
		return
	}
	var esc value
	if e.esc != nil {
		el, ok := e.esc.(*literal)
		if !ok {
			return
		}
		esc = el.v
	}
	e.compiled, e.compileError = likeFor(pl.v.s, esc, e.esc != nil)
}

func likeFor(pat string, esc value, hasEsc bool) (*likePattern, error) {
	var r rune
	if hasEsc {
		if esc.k != kString || utf8.RuneCountInString(esc.s) != 1 {
			return nil, evalErr(s3err.ErrLikeInvalidInputs, "ESCAPE takes one character.")
		}
		r, _ = utf8.DecodeRuneInString(esc.s)
	}
	return compileLike(pat, r, hasEsc)
}
