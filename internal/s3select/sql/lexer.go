package sql

import (
	"strings"

	"github.com/kurastore/kura/s3err"
)

// tokKind is the kind of a lexical token.
type tokKind uint8

const (
	tEOF       tokKind = iota
	tIdent             // unquoted identifier or keyword; text keeps its case
	tQuoted            // "double-quoted identifier", case-sensitive
	tString            // 'string literal' with '' unescaped
	tInt               // integer literal
	tFloat             // literal with a decimal point or exponent
	tLParen            // (
	tRParen            // )
	tLBrack            // [
	tRBrack            // ]
	tComma             // ,
	tDot               // .
	tStar              // *
	tPlus              // +
	tMinus             // -
	tSlash             // /
	tPercent           // %
	tEq                // =
	tNe                // != or <>
	tLt                // <
	tLe                // <=
	tGt                // >
	tGe                // >=
	tConcat            // ||
	tTimestamp         // `2007-02-23T12:14Z`: a timestamp literal
	tSemicolon         // ; ending the statement
)

var tokNames = [...]string{
	tEOF: "end of expression", tIdent: "identifier", tQuoted: "quoted identifier",
	tString: "string", tInt: "integer", tFloat: "number", tLParen: "'('", tRParen: "')'",
	tLBrack: "'['", tRBrack: "']'", tComma: "','", tDot: "'.'", tStar: "'*'", tPlus: "'+'",
	tMinus: "'-'", tSlash: "'/'", tPercent: "'%'", tEq: "'='", tNe: "'!='", tLt: "'<'",
	tLe: "'<='", tGt: "'>'", tGe: "'>='", tConcat: "'||'",
	tTimestamp: "timestamp", tSemicolon: "';'",
}

type token struct {
	kind tokKind
	text string // identifier or literal text
	pos  int    // byte offset in the expression
}

// describe names the token for error messages.
func (t token) describe() string {
	switch t.kind {
	case tIdent:
		return "'" + t.text + "'"
	case tQuoted:
		return `"` + t.text + `"`
	case tString:
		return "string '" + t.text + "'"
	case tInt, tFloat:
		return t.text
	}
	return tokNames[t.kind]
}

// is reports whether t is the unquoted keyword kw (upper case).
func (t token) is(kw string) bool {
	return t.kind == tIdent && strings.EqualFold(t.text, kw)
}

// lex splits an expression into tokens. Comments are not part of S3
// Select's dialect.
func lex(src string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
		case isIdentStart(c):
			j := i + 1
			for j < len(src) && isIdentPart(src[j]) {
				j++
			}
			toks = append(toks, token{tIdent, src[i:j], i})
			i = j
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(src) && src[i+1] >= '0' && src[i+1] <= '9':
			t, j, err := lexNumber(src, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, t)
			i = j
		case c == '\'':
			s, j, ok := lexQuoted(src, i, '\'')
			if !ok {
				return nil, errAt(s3err.ErrLexerInvalidLiteral, i, "The string literal is not terminated.")
			}
			toks = append(toks, token{tString, s, i})
			i = j
		case c == '`':
			j := strings.IndexByte(src[i+1:], '`')
			if j < 0 {
				return nil, errAt(s3err.ErrLexerInvalidLiteral, i, "The timestamp literal is not terminated.")
			}
			toks = append(toks, token{tTimestamp, src[i+1 : i+1+j], i})
			i += j + 2
		case c == '"':
			s, j, ok := lexQuoted(src, i, '"')
			if !ok {
				return nil, errAt(s3err.ErrLexerInvalidLiteral, i, "The quoted identifier is not terminated.")
			}
			toks = append(toks, token{tQuoted, s, i})
			i = j
		default:
			k, n := punct(src[i:])
			if n == 0 {
				return nil, errAt(s3err.ErrLexerInvalidChar, i, "Found %q.", rune(c))
			}
			toks = append(toks, token{kind: k, pos: i})
			i += n
		}
	}
	return append(toks, token{kind: tEOF, pos: len(src)}), nil
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

func isIdentPart(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }

// lexNumber reads digits, an optional fraction and an optional exponent.
func lexNumber(src string, i int) (token, int, error) {
	start, float := i, false
	digits := func() {
		for i < len(src) && src[i] >= '0' && src[i] <= '9' {
			i++
		}
	}
	digits()
	if i < len(src) && src[i] == '.' {
		float = true
		i++
		digits()
	}
	if i < len(src) && (src[i] == 'e' || src[i] == 'E') {
		float = true
		i++
		if i < len(src) && (src[i] == '+' || src[i] == '-') {
			i++
		}
		d := i
		digits()
		if d == i {
			return token{}, 0, errAt(s3err.ErrLexerInvalidLiteral, start, "The number %q has no exponent digits.", src[start:i])
		}
	}
	if i < len(src) && isIdentStart(src[i]) {
		return token{}, 0, errAt(s3err.ErrLexerInvalidLiteral, start, "The number %q runs into a name.", src[start:i+1])
	}
	k := tInt
	if float {
		k = tFloat
	}
	return token{k, src[start:i], start}, i, nil
}

// lexQuoted reads a literal quoted with q, in which a doubled q stands for
// one q.
func lexQuoted(src string, i int, q byte) (string, int, bool) {
	var b strings.Builder
	j := i + 1
	for j < len(src) {
		if src[j] == q {
			if j+1 < len(src) && src[j+1] == q {
				b.WriteByte(q)
				j += 2
				continue
			}
			return b.String(), j + 1, true
		}
		b.WriteByte(src[j])
		j++
	}
	return "", 0, false
}

func punct(s string) (tokKind, int) {
	if len(s) >= 2 {
		switch s[:2] {
		case "!=", "<>":
			return tNe, 2
		case "<=":
			return tLe, 2
		case ">=":
			return tGe, 2
		case "||":
			return tConcat, 2
		}
	}
	switch s[0] {
	case ';':
		return tSemicolon, 1
	case '(':
		return tLParen, 1
	case ')':
		return tRParen, 1
	case '[':
		return tLBrack, 1
	case ']':
		return tRBrack, 1
	case ',':
		return tComma, 1
	case '.':
		return tDot, 1
	case '*':
		return tStar, 1
	case '+':
		return tPlus, 1
	case '-':
		return tMinus, 1
	case '/':
		return tSlash, 1
	case '%':
		return tPercent, 1
	case '=':
		return tEq, 1
	case '<':
		return tLt, 1
	case '>':
		return tGt, 1
	}
	return 0, 0
}
