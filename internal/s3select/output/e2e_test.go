package output

import (
	"io"
	"strings"
	"testing"

	"github.com/kurastore/kura/internal/s3select/input"
	"github.com/kurastore/kura/internal/s3select/sql"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/s3select"
)

// run evaluates query over object as the handler does: read records,
// evaluate, write rows (or the records themselves for SELECT *), stop at
// LIMIT, and finish aggregates. It returns the output or the error code.
func run(t *testing.T, object string, in s3select.InputSerialization, query string, out s3select.OutputSerialization) string {
	t.Helper()
	q, err := sql.Parse(query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	rd, err := input.NewReader(strings.NewReader(object), input.Config{Input: in})
	if err != nil {
		return "error " + s3err.From(err).Code
	}
	w := New(out)
	ev := q.NewEvaluator()
	var buf []byte
	rows := int64(0)
	for q.Limit() < 0 || rows < q.Limit() {
		rec, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return string(buf) + "error " + s3err.From(err).Code
		}
		err = ev.EvalEach(rec, func(row []sql.Column) error {
			if c, ok := rd.(*input.CSVReader); ok {
				if err := c.Ambiguous(); err != nil {
					return err
				}
			}
			rows++
			if row == nil {
				buf = w.AppendRecord(buf, rec)
			} else {
				buf = w.AppendRow(buf, row)
			}
			return nil
		})
		if err != nil {
			return string(buf) + "error " + s3err.From(err).Code
		}
	}
	if q.Aggregate() {
		row, err := ev.Finish()
		if err != nil {
			return "error " + s3err.From(err).Code
		}
		buf = w.AppendRow(buf, row)
	}
	return string(buf)
}

var (
	csvIn     = s3select.InputSerialization{CSV: &s3select.CSVInput{FileHeaderInfo: "USE"}}
	csvNoHead = s3select.InputSerialization{CSV: &s3select.CSVInput{}}
	jsonIn    = s3select.InputSerialization{JSON: &s3select.JSONInput{Type: "DOCUMENT"}}
	linesIn   = s3select.InputSerialization{JSON: &s3select.JSONInput{Type: "LINES"}}
	csvOut    = s3select.OutputSerialization{CSV: &s3select.CSVOutput{}}
	jsonOut   = s3select.OutputSerialization{JSON: &s3select.JSONOutput{}}
)

const people = "id,name,age,city\n1,Ann,34,\"Paris, FR\"\n2,Bob,27,Oslo\n3,Cy,41,\"Rome\"\n"

const peopleJSON = `{"id":1,"name":"Ann","age":34,"tags":["a","b"],"addr":{"city":"Paris"}}
{"id":2,"name":"Bob","age":27.5,"tags":[],"addr":{"city":"Oslo"}}
{"id":3,"name":"Cy","tags":["c"],"addr":null}
`

func TestEndToEnd(t *testing.T) {
	tests := []struct {
		name   string
		object string
		in     s3select.InputSerialization
		query  string
		out    s3select.OutputSerialization
		want   string
	}{
		{"csv star to csv", people, csvIn, "SELECT * FROM S3Object", csvOut, "1,Ann,34,\"Paris, FR\"\n2,Bob,27,Oslo\n3,Cy,41,Rome\n"},
		{"csv star to json", people, csvIn, "SELECT * FROM S3Object s WHERE s.id = '2'", jsonOut, `{"id":"2","name":"Bob","age":"27","city":"Oslo"}` + "\n"},
		{"csv no header star to json", "a,b\n", csvNoHead, "SELECT * FROM S3Object", jsonOut, `{"_1":"a","_2":"b"}` + "\n"},
		{"csv filter and project", people, csvIn, "SELECT s.name, s.city FROM S3Object s WHERE CAST(s.age AS INT) > 30", csvOut, "Ann,\"Paris, FR\"\nCy,Rome\n"},
		{"csv positions", people, csvIn, "SELECT _2 FROM S3Object LIMIT 2", jsonOut, `{"_2":"Ann"}` + "\n" + `{"_2":"Bob"}` + "\n"},
		{"csv quoted name", "Name,name\nx,y\n", csvIn, `SELECT "name" FROM S3Object`, csvOut, "y\n"},
		{"csv ambiguous", "Name,name\nx,y\n", csvIn, `SELECT name FROM S3Object`, csvOut, "error AmbiguousFieldName"},
		{"csv aggregate", people, csvIn, "SELECT COUNT(*), SUM(CAST(age AS INT)), MAX(name) FROM S3Object", csvOut, "3,102,Cy\n"},
		{"csv parse error", "a,\"b\nc\n", csvNoHead, "SELECT * FROM S3Object", csvOut, "error CSVEscapingRecordDelimiter"},
		{"json star", peopleJSON, linesIn, "SELECT * FROM S3Object s WHERE s.id = 1", jsonOut, `{"id":1,"name":"Ann","age":34,"tags":["a","b"],"addr":{"city":"Paris"}}` + "\n"},
		{"json star to csv", `{"a":1,"b":"x,y"}`, jsonIn, "SELECT * FROM S3Object", csvOut, "1,\"x,y\"\n"},
		{"json paths", peopleJSON, jsonIn, "SELECT s.name, s.addr.city, s.tags[0] AS t FROM S3Object s", jsonOut,
			`{"name":"Ann","city":"Paris","t":"a"}` + "\n" + `{"name":"Bob","city":"Oslo"}` + "\n" + `{"name":"Cy","t":"c"}` + "\n"},
		{"json numbers", peopleJSON, linesIn, "SELECT s.age * 2 AS d FROM S3Object s WHERE s.age IS NOT MISSING", csvOut, "68\n55.0\n"},
		{"json unnest", `{"r":[{"id":1},{"id":2}]}`, jsonIn, "SELECT id FROM S3Object[*].r[*].id", jsonOut, `{"id":1}` + "\n" + `{"id":2}` + "\n"},
		{"json aggregate", peopleJSON, linesIn, "SELECT AVG(s.age) AS a, COUNT(s.addr) AS n FROM S3Object s", jsonOut, `{"a":30.75,"n":2}` + "\n"},
		{"json error after rows", `{"a":1}` + "\n{\n", linesIn, "SELECT * FROM S3Object", jsonOut, `{"a":1}` + "\nerror JSONParsingError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := run(t, tt.object, tt.in, tt.query, tt.out); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}
