// Package sql is the SQL dialect of S3 Select: a hand-written lexer and
// recursive-descent parser to a syntax tree, and an evaluator of that
// tree over records that CSV, JSON and Parquet readers supply through the
// Record interface.
//
// Usage:
//
//	q, err := sql.Parse("SELECT s.name, s.age FROM S3Object s WHERE CAST(s.age AS INT) > 30")
//	ev := q.NewEvaluator() // one per request
//	for each record rec {
//		row, keep, err := ev.Eval(rec) // row is reused by the next call
//	}
//	row, err := ev.Finish() // aggregate queries: their one row
//
// EvalEach is Eval with a callback, which queries with wildcards in their
// FROM path need: they yield a row per value the wildcards reach. Readers
// of CSV implement TextRecord as well as Record, so that fields are read
// without an allocation each.
//
// # Dialect
//
// SELECT takes * (alone) or expressions with optional [AS] aliases. FROM
// names S3Object with an optional [AS] alias; S3Object[*].a.b makes the
// member a.b of each JSON record the root that paths start from.
// Wildcards in that path ([*] over a list, .* over an object) make a row
// of every value they reach, and a MISSING row when they reach none
// (AWS writes it as an empty record). Without an alias, the last name of
// the FROM path names its value: SELECT id FROM S3Object[*].Rules[*].id.
// WHERE filters; LIMIT n bounds the number of rows (the caller counts
// them, see Query.Limit). GROUP BY, ORDER BY, JOIN and DISTINCT are not
// part of S3 Select.
//
// Columns are named (s.name, name, "Name") or numbered (_1, s._2), and
// paths go into JSON values: s.a.b, s.a[0], s.a['b'], s.a[*].b (the b of
// every element, as a list) and s.a.* (every member's value). Unquoted
// names match ignoring case; double-quoted names match exactly. Keywords
// and function names are case-insensitive.
//
// Literals: integers (int64; larger ones are float64), numbers with a
// point or exponent (float64), 'strings' (a doubled quote stands for
// one), TRUE, FALSE, NULL, MISSING and timestamps in backquotes
// (`2007-02-23T12:14:33Z`, `2007T`). Operators, loosest first: OR;
// AND; NOT; comparisons (= != <> < <= > >=), IS [NOT] NULL|MISSING|TRUE|
// FALSE, [NOT] LIKE ... [ESCAPE ...], [NOT] BETWEEN ... AND ..., [NOT]
// IN (...); ||; + and -; *, / and %; unary - and +. CASE has its simple and
// searched forms; CAST converts to BOOL, INT, FLOAT, DECIMAL (held as
// float64), STRING or TIMESTAMP.
//
// Functions: LOWER, UPPER, CHAR_LENGTH (CHARACTER_LENGTH), TRIM([LEADING|
// TRAILING|BOTH] [chars] FROM s), SUBSTRING(s FROM i [FOR n]) and
// SUBSTRING(s, i[, n]), COALESCE, NULLIF, DATE_ADD(part, n, t),
// DATE_DIFF(part, t1, t2), EXTRACT(part FROM t), TO_STRING(t, pattern),
// TO_TIMESTAMP(s), UTCNOW(); aggregates COUNT(*), COUNT(x), SUM, AVG, MIN
// and MAX. A query with aggregates selects only aggregates and expressions
// of them, and returns one row; aggregates outside the SELECT list, or
// nested, are errors.
//
// # Semantics
//
// Logic is three-valued with two absent values, NULL and MISSING (a
// column or member that does not exist). A comparison, arithmetic or
// function (but COALESCE and NULLIF) with a MISSING operand is MISSING,
// else with a NULL one is NULL; aggregates skip both. WHERE keeps a
// record only when the condition is TRUE. x IS NULL holds for MISSING
// too. AND and OR decide on a FALSE or TRUE operand alone (FALSE AND
// MISSING is FALSE); otherwise NULL with MISSING gives NULL. COALESCE
// gives NULL when every argument is absent. NULLIF(a, b) is NULL when a is
// absent (NULL or MISSING), a when b is absent, and NULL when a and b are
// the same value, which a string and a number never are: NULLIF(1, '1')
// is 1, as AWS documents it.
//
// CSV fields are strings, and AWS documents CAST as the way to type them.
// kura is more lenient: where a string meets a number (in comparisons,
// BETWEEN, IN, arithmetic, SUM and AVG), a string that spells a number
// after trimming spaces is that number, so WHERE s.age > 30 works on CSV
// as on JSON. A string that is not a number cannot be ordered against a
// number: <, <=, > and >= give MISSING (the record is not selected) and =
// gives FALSE; arithmetic on it is an InvalidDataType error. Strings
// compare with strings byte-wise, never as numbers: MIN and MAX of CSV
// columns need CAST to order numerically. A string in ISO 8601 form
// compares with a timestamp as the time it spells. NaN (a Parquet FLOAT
// or DOUBLE, or Inf - Inf) is unordered: it equals nothing, and <, <=,
// >, >= and BETWEEN with it give MISSING; MIN and MAX keep the value they hold
// when they meet it.
//
// Two integers give an integer (division truncates toward zero; overflow
// is IntegerOverflow); otherwise arithmetic is in float64. Division or
// modulo by zero is EvaluatorDivideByZero, a code named after AWS's
// Evaluator* family since AWS's list has none for it. CAST from a
// string to INT accepts decimals and truncates them.
//
// Output columns are named by their alias, else by the last name of their
// path (s.a.b is "b", _2 is "_2"), else _N for the Nth item of the SELECT
// list.
//
// # Errors
//
// Errors are *Error: an *s3err.Error with S3's code (ParseUnexpectedToken,
// ParseExpectedExpression, CastFailed, ...) and, for parse errors, the
// byte offset of the problem. Expressions nest at most 100 levels deep.
package sql
