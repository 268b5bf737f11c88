package sql

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/kurastore/kura/s3err"
)

// TestErrorCodesCovered checks that the testdata expects every SQL error
// code of s3err at least once.
func TestErrorCodesCovered(t *testing.T) {
	src, err := os.ReadFile("../../../s3err/selectsql.go")
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	files, _ := filepath.Glob("testdata/*.txt")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		all.Write(b)
	}
	codes := regexp.MustCompile(`def\("(\w+)"`).FindAllStringSubmatch(string(src), -1)
	if len(codes) < 20 {
		t.Fatalf("found only %d codes in s3err/selectsql.go", len(codes))
	}
	for _, c := range codes {
		if !strings.Contains(all.String(), "error: "+c[1]) {
			t.Errorf("no test expects %s", c[1])
		}
	}
}

func nested(open, core, close string, n int) string {
	return "SELECT " + strings.Repeat(open, n) + core + strings.Repeat(close, n) + " FROM S3Object"
}

// TestNestingLimit checks the depth bound at the limit and one past it,
// for each construct that recurses.
func TestNestingLimit(t *testing.T) {
	for _, c := range []struct {
		name             string
		open, core, clos string
		// extra is how many levels the query spends besides the n
		// repetitions (the SELECT item itself).
		extra int
	}{
		{"parens", "(", "1", ")", 1},
		{"minus", "- ", "a", "", 1},
		{"not", "NOT ", "TRUE", "", 1},
		{"calls", "LOWER(", "'a'", ")", 1},
	} {
		n := maxNesting - c.extra
		if _, err := Parse(nested(c.open, c.core, c.clos, n)); err != nil {
			t.Errorf("%s: %d levels: %v", c.name, maxNesting, err)
		}
		_, err := Parse(nested(c.open, c.core, c.clos, n+1))
		if !errors.Is(err, s3err.ErrParseUnsupportedSyntax) {
			t.Errorf("%s: %d levels: got %v, want ParseUnsupportedSyntax", c.name, maxNesting+1, err)
		}
	}
}

func TestErrorIsS3Error(t *testing.T) {
	q, err := Parse("SELECT CAST(s.a AS INT) FROM S3Object s")
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = q.NewEvaluator().Eval(&csvRecord{header: []string{"a"}, fields: []string{"many"}})
	if !errors.Is(err, s3err.ErrCastFailed) {
		t.Fatalf("got %v, want CastFailed", err)
	}
	e := s3err.From(err)
	if e.Code != "CastFailed" || e.HTTPStatus != 400 || !strings.Contains(e.Message, `"many"`) {
		t.Errorf("got %+v", e)
	}
	_, err = Parse("SELECT a FROM S3Object WHERE a ! 1")
	var se *Error
	if !errors.As(err, &se) || se.Pos != 31 || se.Code() != "LexerInvalidChar" {
		t.Errorf("got %v", err)
	}
}

func TestColumns(t *testing.T) {
	for src, want := range map[string][]string{
		"SELECT * FROM S3Object": nil,
		"SELECT s.a, b, _3, s._4, s.x.y, s.l[0], 1, c AS d FROM S3Object s": {"a", "b", "_3", "_4", "y", "_6", "_7", "d"},
		`SELECT COUNT(*) n, SUM("Mixed") FROM S3Object`:                     {"n", "_2"},
	} {
		q, err := Parse(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if got := q.Columns(); !slices.Equal(got, want) {
			t.Errorf("%s: got %q, want %q", src, got, want)
		}
	}
}

func TestLimit(t *testing.T) {
	for src, want := range map[string]int64{
		"SELECT * FROM S3Object":                           -1,
		"SELECT * FROM S3Object LIMIT 0":                   0,
		"SELECT * FROM S3Object LIMIT 9223372036854775807": 9223372036854775807,
	} {
		q, err := Parse(src)
		if err != nil {
			t.Fatal(err)
		}
		if q.Limit() != want {
			t.Errorf("%s: Limit() = %d, want %d", src, q.Limit(), want)
		}
	}
}

// TestEvaluatorsIndependent checks that two evaluators of one query keep
// separate aggregate state, so a Query can serve concurrent requests.
func TestEvaluatorsIndependent(t *testing.T) {
	q, err := Parse("SELECT COUNT(*) FROM S3Object")
	if err != nil {
		t.Fatal(err)
	}
	rec := &csvRecord{header: []string{"a"}, fields: []string{"1"}}
	done := make(chan int64)
	for n := range 2 {
		go func() {
			ev := q.NewEvaluator()
			for range 100 * (n + 1) {
				if _, _, err := ev.Eval(rec); err != nil {
					t.Error(err)
				}
			}
			row, err := ev.Finish()
			if err != nil {
				t.Error(err)
			}
			done <- row[0].Value.(int64)
		}()
	}
	a, b := <-done, <-done
	if a+b != 300 || a == b {
		t.Errorf("counts %d and %d, want 100 and 200", a, b)
	}
}

// TestEvalRefusesUnnesting checks that Eval, which returns one row, does
// not silently drop the rows of a FROM path ending in [*].
func TestEvalRefusesUnnesting(t *testing.T) {
	q, err := Parse("SELECT r.id FROM S3Object[*].Rules[*] r")
	if err != nil {
		t.Fatal(err)
	}
	if !q.Unnests() {
		t.Fatal("Unnests() = false")
	}
	recs, err := jsonRecords([]string{`{"Rules":[{"id":1},{"id":2}]}`})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := q.NewEvaluator().Eval(recs[0]); !errors.Is(err, s3err.ErrUnsupportedSQLStructure) {
		t.Errorf("Eval: got %v, want UnsupportedSqlStructure", err)
	}
}

// TestNumericLimits checks the bounds of LIMIT, path indexes and
// positional names at the limit and one past it.
func TestNumericLimits(t *testing.T) {
	for _, c := range []struct {
		src  string
		code string // "" when the query parses
	}{
		{"SELECT * FROM S3Object LIMIT 9223372036854775807", ""},
		{"SELECT * FROM S3Object LIMIT 9223372036854775808", "ParseExpectedNumber"},
		{"SELECT s.a[1073741824] FROM S3Object s", ""},
		{"SELECT s.a[1073741825] FROM S3Object s", "ParseInvalidPathComponent"},
	} {
		_, err := Parse(c.src)
		var se *Error
		switch {
		case c.code == "" && err != nil:
			t.Errorf("%s: %v", c.src, err)
		case c.code != "" && (!errors.As(err, &se) || se.Code() != c.code):
			t.Errorf("%s: got %v, want %s", c.src, err, c.code)
		}
	}
	// _N up to 2^30-1 is a position; past it, a name like any other.
	q, err := Parse("SELECT _1073741823, _1073741824 FROM S3Object")
	if err != nil {
		t.Fatal(err)
	}
	pos := q.items[0].e.(*pathExpr)
	name := q.items[1].e.(*pathExpr)
	if pos.base != basePosition || pos.index != 1073741822 || name.base != baseColumn {
		t.Errorf("got %+v and %+v", pos, name)
	}
}
