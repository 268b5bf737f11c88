package input

import (
	"strings"
	"testing"

	"github.com/kurastore/kura/internal/s3select/sql"
)

// checkSame fails when the fast path takes text and reads it other than
// encoding/json does: another value, another member for a name, or a
// value where encoding/json finds an error. It reports whether the fast
// path took text.
func checkSame(t *testing.T, text string) bool {
	t.Helper()
	rd := &JSONReader{}
	strict, strictErr := rd.decodeStrict([]byte(text))
	fv, ok := rd.parseFast([]byte(text))
	if !ok {
		return false
	}
	if strictErr != nil {
		t.Fatalf("%q: the fast path took what encoding/json rejects (%v)", text, strictErr)
	}
	fast := &JSONRecord{parsed: fv, conv: &rd.conv}
	slow := &JSONRecord{value: strict}
	names := []string{"a", "A", "missing"}
	if obj, isObj := strict.(*sql.Object); isObj {
		for _, k := range obj.Keys {
			names = append(names, k, strings.ToUpper(k))
		}
	}
	for _, name := range names {
		for _, cs := range []bool{true, false} {
			sv, sok := slow.Column(name, cs)
			fv, fok := fast.Column(name, cs)
			if sok != fok || sok && show(sv) != show(fv) {
				t.Fatalf("%q: Column(%q, %v) = %s %v, encoding/json %s %v", text, name, cs, show(fv), fok, show(sv), sok)
			}
		}
	}
	if got, want := show(fast.Document()), show(strict); got != want {
		t.Fatalf("%q: fast path %s, encoding/json %s", text, got, want)
	}
	return true
}

// The fast path takes ordinary records and reads them as encoding/json
// does; what it would read differently goes to encoding/json.
func TestJSONFastPath(t *testing.T) {
	for _, text := range []string{
		`{"id":1,"name":"ann","score":2.5,"ok":true,"no":false,"n":null,"l":[1,"x",{"b":[]}]}`,
		`{"a":1,"a":2,"A":3}`,
		`{"Name":"x\"y\\z\/\n\t"}`,
		`[9223372036854775807, 9223372036854775808, -0, 1e2, 1E400, -5]`,
		`"s"`, `12`, `true`, `null`, `{}`, `[]`,
		`{"k":"é, ü, 日本"}`,
	} {
		if !checkSame(t, text) {
			t.Errorf("%q: not taken by the fast path", text)
		}
	}
	for _, text := range []string{
		`{"a":"\u00e9"}`,       // \u escapes: a lone surrogate reads differently
		"{\"a\":\"\xff\"}",     // invalid UTF-8: encoding/json writes U+FFFD
		`{"a":01}`, `{"a":1.}`, // not JSON numbers
		`{"a":NaN}`, `{"a":"\x"}`, // nor values, nor escapes
		"{\"a\":\"\x01\"}", "\"\f\\\\b\"", // control characters in strings
		`{"a":1,}`, `{"a":1} 2`,
		strings.Repeat("[", 301) + strings.Repeat("]", 301), // deeper than fastjson goes
	} {
		if checkSame(t, text) {
			t.Errorf("%q: taken by the fast path", text)
		}
	}
}

// FuzzJSONFastPath checks that whatever the fast path takes, it reads
// exactly as encoding/json does.
func FuzzJSONFastPath(f *testing.F) {
	for _, s := range []string{
		`{"id":1,"name":"ann","score":2.5,"l":[1,"x",{"b":[]}]}`,
		`{"a":1,"a":2,"A":3}`, `{"a":"x\"y\\z\/\n\t\b\f\r"}`, `[1e400,-0,0.5e-3]`,
		`{"a":"\ud800"}`, "{\"a\":\"\xff\"}", `"s"`, `{"é":"日本"}`, `{"a" : [ ] , "b" : { } }`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if len(text) > 4096 {
			return
		}
		checkSame(t, text)
	})
}
