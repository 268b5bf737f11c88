package sql

import (
	"strings"
	"testing"
)

func BenchmarkParse(b *testing.B) {
	src := "SELECT s.name, CAST(s.age AS INT) + 1 AS next, UPPER(s.city) FROM S3Object s " +
		"WHERE s.city LIKE 'P%' AND CAST(s.age AS INT) BETWEEN 18 AND 65 OR s.name IN ('a', 'b') LIMIT 100"
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(src); err != nil {
			b.Fatal(err)
		}
	}
}

// tenColumns is a CSV row of ten fields with its header, as a CSV reader
// would hand it over.
func tenColumns() *csvRecord {
	return &csvRecord{
		header: strings.Split("id,name,age,city,country,email,phone,score,joined,active", ","),
		fields: strings.Split("42,alice,30,Paris,FR,a@example.com,+33100000000,87.5,2019-04-01,true", ","),
	}
}

func benchEval(b *testing.B, src string) {
	q, err := Parse(src)
	if err != nil {
		b.Fatal(err)
	}
	ev := q.NewEvaluator()
	rec := tenColumns()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := ev.Eval(rec); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvalWhereProject is the common query: a filter and two
// columns out.
func BenchmarkEvalWhereProject(b *testing.B) {
	benchEval(b, "SELECT s.name, s.city FROM S3Object s WHERE CAST(s.age AS INT) > 25")
}

func BenchmarkEvalPositions(b *testing.B) {
	benchEval(b, "SELECT _2, _4 FROM S3Object WHERE _3 > 25 AND _4 = 'Paris'")
}

func BenchmarkEvalLike(b *testing.B) {
	benchEval(b, "SELECT s.email FROM S3Object s WHERE s.email LIKE '%@example.com' AND s.name <> 'bob'")
}

func BenchmarkEvalAggregate(b *testing.B) {
	benchEval(b, "SELECT COUNT(*), SUM(CAST(s.score AS FLOAT)), MAX(CAST(s.age AS INT)) FROM S3Object s WHERE s.active = 'true'")
}

func BenchmarkEvalFunctions(b *testing.B) {
	benchEval(b, "SELECT UPPER(s.name), SUBSTRING(s.email, 1, 5), TRIM(s.city) FROM S3Object s")
}

// boxedRecord hands out values boxed once, so that a benchmark over it
// counts only the evaluator's allocations.
type boxedRecord struct {
	header []string
	fields []any
}

func (r *boxedRecord) Column(name string, caseSensitive bool) (any, bool) {
	for i, h := range r.header {
		if h == name || !caseSensitive && strings.EqualFold(h, name) {
			return r.fields[i], true
		}
	}
	return nil, false
}

func (r *boxedRecord) Position(i int) (any, bool) {
	if i < 0 || i >= len(r.fields) {
		return nil, false
	}
	return r.fields[i], true
}

func (r *boxedRecord) Document() any { return nil }

// BenchmarkEvalWhereProjectEngine is BenchmarkEvalWhereProject without
// the boxing of CSV fields into interfaces, which the reader does: what
// remains is the evaluator's own cost per row.
func BenchmarkEvalWhereProjectEngine(b *testing.B) {
	q, err := Parse("SELECT s.name, s.city FROM S3Object s WHERE CAST(s.age AS INT) > 25")
	if err != nil {
		b.Fatal(err)
	}
	text := tenColumns()
	rec := &boxedRecord{header: text.header}
	for _, f := range text.fields {
		rec.fields = append(rec.fields, f)
	}
	ev := q.NewEvaluator()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := ev.Eval(rec); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvalFilterStar is SELECT * with a filter: the record goes out
// as it is, so nothing is projected.
func BenchmarkEvalFilterStar(b *testing.B) {
	benchEval(b, "SELECT * FROM S3Object s WHERE CAST(s.age AS INT) > 25 AND s.city = 'Paris'")
}

// narrowRow is a row of bench's comparison with MinIO: six short
// columns, about 42 bytes.
func narrowRow() *csvRecord {
	return &csvRecord{
		header: strings.Split("id,amount,name,city,qty,flag", ","),
		fields: strings.Split("123456,995.12,name123456,Lisbon,321,true", ","),
	}
}

func benchNarrow(b *testing.B, src string) {
	q, err := Parse(src)
	if err != nil {
		b.Fatal(err)
	}
	ev := q.NewEvaluator()
	rec := narrowRow()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := ev.Eval(rec); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvalNarrowSelective is the selective query of bench's
// comparison with MinIO, on a row it keeps.
func BenchmarkEvalNarrowSelective(b *testing.B) {
	benchNarrow(b, "SELECT s.id FROM S3Object s WHERE CAST(s.amount AS FLOAT) > 990")
}

func BenchmarkEvalNarrowCountSum(b *testing.B) {
	benchNarrow(b, "SELECT COUNT(*), SUM(CAST(s.amount AS FLOAT)) FROM S3Object s")
}

func BenchmarkEvalNarrowProject(b *testing.B) {
	benchNarrow(b, "SELECT s.id, s.amount FROM S3Object s")
}
