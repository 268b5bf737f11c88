package sql

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kurastore/kura/s3err/s3errtest"
)

func TestReferencedColumns(t *testing.T) {
	for _, tc := range []struct {
		query string
		names []string // nil: none
		all   bool
	}{
		{"SELECT * FROM S3Object", nil, true},
		{"SELECT s.* FROM S3Object s", nil, true},
		{"SELECT * FROM S3Object s WHERE s.a > 1", nil, true},
		{"SELECT COUNT(*) FROM S3Object", nil, false},
		{"SELECT 1, 'x' FROM S3Object", nil, false},
		{"SELECT a FROM S3Object", []string{"a"}, false},
		{"SELECT s.a, s.b FROM S3Object s", []string{"a", "b"}, false},
		{"SELECT s.a FROM S3Object AS s WHERE s.b > 1", []string{"a", "b"}, false},
		{"SELECT S3Object.a FROM S3Object", []string{"a"}, false},
		{"SELECT s3object.A FROM S3OBJECT", []string{"A"}, false},
		{"SELECT x.a FROM S3Object s", []string{"x"}, false}, // x is a column, not the alias
		{`SELECT "s".a FROM S3Object s`, []string{"s"}, false},
		{`SELECT s."Name", s.name, "NAME" FROM S3Object s`, []string{"Name", "name", "NAME"}, false},
		{"SELECT s.a.b[0], s.c[*].d, s.e.* FROM S3Object s", []string{"a", "c", "e"}, false},
		{"SELECT s['a'] FROM S3Object s", []string{"a"}, false}, // s['a'] is the column a, case-sensitively
		{"SELECT s.a, s.a, s.A FROM S3Object s", []string{"a", "A"}, false},
		{"SELECT _1 FROM S3Object", nil, true},
		{"SELECT s._2 FROM S3Object s", nil, true},
		{"SELECT s.a FROM S3Object s WHERE _3 = 'x'", nil, true},
		{"SELECT s FROM S3Object s", nil, true},
		{"SELECT s.a FROM S3Object s WHERE s IS NOT NULL", nil, true},
		{"SELECT SUM(s.a), AVG(CAST(s.b AS INT)), MIN(s.c) + MAX(s.d), COUNT(s.e) FROM S3Object s", []string{"a", "b", "c", "d", "e"}, false},
		{"SELECT COUNT(*) FROM S3Object s WHERE s.x LIKE s.p ESCAPE s.q", []string{"x", "p", "q"}, false},
		{"SELECT CASE s.a WHEN s.b THEN s.c ELSE s.d END FROM S3Object s WHERE CASE WHEN s.e THEN s.f END", []string{"a", "b", "c", "d", "e", "f"}, false},
		{"SELECT LOWER(s.a), TRIM(LEADING s.b FROM s.c), SUBSTRING(s.d FROM s.e FOR s.f) FROM S3Object s", []string{"a", "b", "c", "d", "e", "f"}, false},
		{"SELECT COALESCE(s.a, s.b), NULLIF(s.c, 1), DATE_ADD(day, s.d, s.e), EXTRACT(YEAR FROM s.f) FROM S3Object s", []string{"a", "b", "c", "d", "e", "f"}, false},
		{"SELECT s.a || s.b FROM S3Object s WHERE s.c BETWEEN s.d AND s.e AND s.f IN (s.g, 1) AND NOT (s.h IS MISSING OR -s.i > 0)", []string{"a", "b", "c", "d", "e", "f", "g", "h", "i"}, false},
		// FROM paths: everything resolves under the first member.
		{"SELECT s.b FROM S3Object[*].a s", []string{"a"}, false},
		{"SELECT * FROM S3Object[*].a.b", []string{"a"}, false},
		{"SELECT id FROM S3Object[*].Rules[*].id", []string{"Rules"}, false},
		{`SELECT _1 FROM S3Object[*]."Top" s`, []string{"Top"}, false},
		{"SELECT s.x FROM S3Object[*][0] s", nil, true},
		{"SELECT s.x FROM S3Object[*][*] s", nil, true},
		{"SELECT s.x FROM S3Object[*].* s", nil, true},
		{"SELECT s.a FROM S3Object[*] s", []string{"a"}, false},
	} {
		q, err := Parse(tc.query)
		if err != nil {
			t.Fatalf("%s: %v", tc.query, err)
		}
		names, all := q.ReferencedColumns()
		if all != tc.all || !reflect.DeepEqual(names, tc.names) {
			t.Errorf("%s: got %q, all %v; want %q, all %v", tc.query, names, all, tc.names, tc.all)
		}
	}
}

// TestReferencedColumnsSuffice evaluates queries over a record that
// answers only the columns ReferencedColumns names (ignoring case, as the
// Parquet reader reads them), and over the whole record: the results
// must agree.
func TestReferencedColumnsSuffice(t *testing.T) {
	doc := &Object{
		Keys:   []string{"a", "A", "b", "Name", "name", "n", "s", "t"},
		Values: []any{int64(1), int64(2), "x", "Upper", "lower", nil, "12", &Object{Keys: []string{"u"}, Values: []any{int64(5)}}},
	}
	for _, query := range []string{
		"SELECT s.a, s.A, \"A\", \"a\" FROM S3Object s",
		"SELECT s.\"Name\", s.name, s.NAME FROM S3Object s WHERE s.b = 'x'",
		"SELECT s.t.u, CAST(s.s AS INT) + s.a FROM S3Object s WHERE s.n IS NULL",
		"SELECT COUNT(*), SUM(s.a), MAX(s.name) FROM S3Object s WHERE s.s > 5",
		"SELECT s.u FROM S3Object[*].t s",
		"SELECT * FROM S3Object[*].T",
	} {
		q, err := Parse(query)
		if err != nil {
			t.Fatal(err)
		}
		names, all := q.ReferencedColumns()
		if all {
			t.Fatalf("%s: all columns", query)
		}
		part := &Object{}
		for i, k := range doc.Keys {
			for _, n := range names {
				if strings.EqualFold(k, n) {
					part.Keys, part.Values = append(part.Keys, k), append(part.Values, doc.Values[i])
					break
				}
			}
		}
		if got, want := evalAll(t, q, docRecord{part}), evalAll(t, q, docRecord{doc}); got != want {
			t.Errorf("%s: with columns %q got %s; want %s", query, names, got, want)
		}
	}
}

// docRecord is a record of a JSON object.
type docRecord struct{ o *Object }

func (r docRecord) Column(name string, cs bool) (any, bool) { return r.o.Get(name, cs) }
func (r docRecord) Position(int) (any, bool)                { return nil, false }
func (r docRecord) Document() any                           { return r.o }

func evalAll(t *testing.T, q *Query, rec Record) string {
	t.Helper()
	ev := q.NewEvaluator()
	var out []string
	err := ev.EvalEach(rec, func(row []Column) error {
		out = append(out, fmt.Sprint(row))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if q.Aggregate() {
		row, err := ev.Finish()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprint(row))
	}
	return strings.Join(out, "\n")
}

func TestBounds(t *testing.T) {
	ts := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	b := func(col, op string, v any) Bound { return Bound{Column: col, Op: op, Value: v} }
	for _, tc := range []struct {
		where string
		want  []Bound
	}{
		{"", nil},
		{"s.a = 5", []Bound{b("a", "=", int64(5))}},
		{"s.a < 5", []Bound{b("a", "<", int64(5))}},
		{"s.a <= 5.5", []Bound{b("a", "<=", 5.5)}},
		{"s.a > -5", []Bound{b("a", ">", int64(-5))}},
		{"s.a >= 'x'", []Bound{b("a", ">=", "x")}},
		{"a = `2025-03-01T`", []Bound{b("a", "=", ts)}},
		{"5 = s.a", []Bound{b("a", "=", int64(5))}},
		{"5 < s.a", []Bound{b("a", ">", int64(5))}},
		{"5 <= s.a", []Bound{b("a", ">=", int64(5))}},
		{"5 > s.a", []Bound{b("a", "<", int64(5))}},
		{"5 >= s.a", []Bound{b("a", "<=", int64(5))}},
		{`s."A" = 1`, []Bound{{Column: "A", CaseSensitive: true, Op: "=", Value: int64(1)}}},
		{`"A" = 1`, []Bound{{Column: "A", CaseSensitive: true, Op: "=", Value: int64(1)}}},
		{"s.a BETWEEN 1 AND 9", []Bound{b("a", ">=", int64(1)), b("a", "<=", int64(9))}},
		{"s.a > 1 AND s.b < 'q' AND (s.c = 2 AND 3 <= s.d)", []Bound{
			b("a", ">", int64(1)), b("b", "<", "q"), b("c", "=", int64(2)), b("d", ">=", int64(3))}},
		{"s.a > 1 AND (s.b < 2 OR s.c = 3)", []Bound{b("a", ">", int64(1))}},
		{"s.a > 1 AND s.x LIKE 'a%' AND s.y IS NOT NULL AND s.z IN (1, 2)", []Bound{b("a", ">", int64(1))}},
		// Not bounds.
		{"s.a > 1 OR s.b < 2", nil},
		{"NOT s.a > 1", nil},
		{"NOT (s.a > 1 AND s.b < 2)", nil},
		{"s.a NOT BETWEEN 1 AND 9", nil},
		{"s.a != 5", nil},
		{"s.a <> 5", nil},
		{"s.a = NULL", nil},
		{"s.a = MISSING", nil},
		{"s.a = TRUE", nil},
		{"s.a = s.b", nil},
		{"1 = 1", nil},
		{"s.a.b = 1", nil},
		{"s.a[0] = 1", nil},
		{"_1 = 1", nil},
		{"s = 1", nil},
		{"s.a + 0 = 1", nil},
		{"-s.a = 1", nil},
		{"LOWER(s.a) = 'x'", nil},
		{"s.a = 1 + 1", nil},
		{"s.a BETWEEN 1 AND s.b", nil},
		{"CAST(s.a AS BOOL) = 1", nil},
		{"CAST(CAST(s.a AS FLOAT) AS INT) = 1", nil},
		// CASTs that keep the kind.
		{"CAST(s.a AS FLOAT) > 5", []Bound{b("a", ">", 5.0)}},
		{"CAST(s.a AS DECIMAL) <= 2.5", []Bound{b("a", "<=", 2.5)}},
		{"CAST(s.a AS FLOAT) > '5'", nil},
		{"CAST(s.a AS STRING) >= 'k'", []Bound{b("a", ">=", "k")}},
		{"CAST(s.a AS STRING) = 5", nil},
		{"CAST(s.a AS TIMESTAMP) < `2025-03-01T`", []Bound{b("a", "<", ts)}},
		{"CAST(s.a AS TIMESTAMP) < '2025-03-01T'", nil},
		// CAST AS INT truncates a float column: the bounds hold for any x
		// whose truncation meets the condition.
		{"CAST(s.a AS INT) > 30", []Bound{b("a", ">=", int64(31))}},
		{"CAST(s.a AS INT) >= 30", []Bound{b("a", ">=", int64(30))}},
		{"CAST(s.a AS INT) >= 1", []Bound{b("a", ">=", int64(1))}},
		{"CAST(s.a AS INT) >= 0", []Bound{b("a", ">", int64(-1))}},
		{"CAST(s.a AS INT) > -1", []Bound{b("a", ">", int64(-1))}},
		{"CAST(s.a AS INT) >= -3", []Bound{b("a", ">", int64(-4))}},
		{"CAST(s.a AS INT) < 30", []Bound{b("a", "<", int64(30))}},
		{"CAST(s.a AS INT) <= 30", []Bound{b("a", "<", int64(31))}},
		{"CAST(s.a AS INT) <= 0", []Bound{b("a", "<", int64(1))}},
		{"CAST(s.a AS INT) <= -1", []Bound{b("a", "<=", int64(-1))}},
		{"CAST(s.a AS INT) < -3", []Bound{b("a", "<=", int64(-4))}},
		{"CAST(s.a AS INT) = 7", []Bound{b("a", ">=", int64(7)), b("a", "<", int64(8))}},
		{"CAST(s.a AS INT) = 0", []Bound{b("a", ">", int64(-1)), b("a", "<", int64(1))}},
		{"CAST(s.a AS INT) = -7", []Bound{b("a", ">", int64(-8)), b("a", "<=", int64(-7))}},
		{"30 < CAST(s.a AS INT)", []Bound{b("a", ">=", int64(31))}},
		{"CAST(s.a AS INT) BETWEEN -2 AND 2", []Bound{b("a", ">", int64(-3)), b("a", "<", int64(3))}},
		{"CAST(s.a AS INT) > 2.5", nil},
		{"CAST(s.a AS INT) > '2'", nil},
		{"CAST(s.a AS INT) > 4503599627370496", []Bound{b("a", ">=", int64(4503599627370497))}}, // 2^52, the limit
		{"CAST(s.a AS INT) >= 4503599627370496", []Bound{b("a", ">=", int64(4503599627370496))}},
		{"CAST(s.a AS INT) >= 4503599627370497", nil}, // 2^52 + 1
		{"CAST(s.a AS INT) <= -4503599627370496", []Bound{b("a", "<=", int64(-4503599627370496))}},
		{"CAST(s.a AS INT) <= -4503599627370497", nil},
		{"CAST(s.a AS INT) = 9223372036854775807", nil},
		{"CAST(s.a AS INT) = -9223372036854775808", nil},
		{"s.a = 9223372036854775807 AND s.b = -9223372036854775808", []Bound{
			b("a", "=", int64(9223372036854775807)), b("b", "=", int64(-9223372036854775808))}},
	} {
		query := "SELECT s.a FROM S3Object s"
		if tc.where != "" {
			query += " WHERE " + tc.where
		}
		q, err := Parse(query)
		if err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		if got := q.Bounds(); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %v; want %v", tc.where, got, tc.want)
		}
	}
}

// FuzzPrune checks, over fixed documents, that a query gives the same
// rows (or error) when the record holds only the columns
// ReferencedColumns names, and that every row it selects meets each of
// its Bounds.
func FuzzPrune(f *testing.F) {
	for _, q := range seedQueries(f) {
		f.Add(q)
	}
	for _, q := range []string{
		`SELECT s.b FROM S3Object s WHERE s.b > 20 AND CAST(s.f AS INT) = -3 AND s."B" <= 'x'`,
		"SELECT s.b FROM S3Object s WHERE s.b NOT BETWEEN 40 AND 50 AND 5 < s.b",
		"SELECT s.f FROM S3Object s WHERE CAST(s.f AS INT) >= -3 AND CAST(s.f AS INT) <= 0",
		"SELECT s.f FROM S3Object s WHERE CAST(s.f AS INT) > -4 AND CAST(s.f AS INT) < 1",
		"SELECT s.a FROM S3Object s WHERE s.b > 5 OR s.b < 0",
	} {
		f.Add(q)
	}
	docs, err := jsonRecords([]string{
		`{"a":"alice","b":30,"c":[1,{"d":null}],"e":{"f":2.5,"g":true},"B":"upper","f":-3.5}`,
		`{"A":"x","a":"y","b":"30","n":null,"t":"2007-02-23T12:14:33Z","f":0.5}`,
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > maxFuzzQuery {
			return
		}
		defer s3errtest.Watchdog()()
		q, err := Parse(src)
		if err != nil {
			return
		}
		names, all := q.ReferencedColumns()
		for _, rec := range docs {
			doc, _ := rec.Document().(*Object)
			if doc == nil {
				t.Fatalf("document %T", rec.Document())
			}
			want, wantErr := evalRows(q, docRecord{doc})
			if !all {
				got, gotErr := evalRows(q, docRecord{onlyColumns(doc, names)})
				if got != want || fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
					t.Fatalf("%q with columns %q: got %s (%v); want %s (%v)", src, names, got, gotErr, want, wantErr)
				}
			}
			if wantErr != nil || q.Aggregate() || want == "" {
				continue
			}
			for _, b := range q.Bounds() {
				if !boundHolds(doc, b) {
					t.Fatalf("%q selects %v, which does not meet %+v", src, doc, b)
				}
			}
		}
	})
}

// onlyColumns is doc with only the members named as names, ignoring
// case, as the Parquet reader reads columns.
func onlyColumns(doc *Object, names []string) *Object {
	part := &Object{}
	for i, k := range doc.Keys {
		for _, n := range names {
			if strings.EqualFold(k, n) {
				part.Keys, part.Values = append(part.Keys, k), append(part.Values, doc.Values[i])
				break
			}
		}
	}
	return part
}

// evalRows is the rows a non-aggregate query selects from rec, or the
// result row of an aggregate one.
func evalRows(q *Query, rec Record) (string, error) {
	ev := q.NewEvaluator()
	ev.now = func() time.Time { return time.Unix(1e9, 0) } // UTCNOW() the same each time
	var out []string
	err := ev.EvalEach(rec, func(row []Column) error {
		out = append(out, fmt.Sprint(row))
		return nil
	})
	if err == nil && q.Aggregate() {
		var row []Column
		row, err = ev.Finish()
		out = append(out, fmt.Sprint(row))
	}
	return strings.Join(out, "\n"), err
}

// boundHolds reports whether the column of doc that b names meets b, as
// far as a reader of statistics would check it: when the value and the
// bound are of the same kind.
func boundHolds(doc *Object, b Bound) bool {
	a, ok := doc.Get(b.Column, b.CaseSensitive)
	if !ok {
		return false // a selected row has the column
	}
	v, w := fromAny(a), fromAny(b.Value)
	same := isNum(v) && isNum(w) || v.k == w.k && (v.k == kString || v.k == kTime)
	if !same {
		return true
	}
	c, ok := compare(v, w)
	if !ok {
		return false // NaN meets no bound
	}
	switch b.Op {
	case "=":
		return c == 0
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	case ">=":
		return c >= 0
	}
	return false
}
