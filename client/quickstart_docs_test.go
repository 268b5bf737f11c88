package client_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestQuickStartInDocs checks that the quick starts of README.md and of
// the package comment are the code that Example and TestSaveNote (in
// kuratest, which README.md shows for testing) run.
func TestQuickStartInDocs(t *testing.T) {
	readme := readFile(t, "../README.md")
	doc := readFile(t, "doc.go")

	example := readFile(t, "quickstart_example_test.go")
	body := between(t, example, "func Example() {\n", "\n\n\t// Output:")
	mainFunc := "func main() {\n" + body + "\n}\n"
	if !strings.Contains(readme, "\n"+mainFunc+"```") {
		t.Error("README.md's quick start is not the body of Example in quickstart_example_test.go")
	}
	if !strings.Contains(doc, asDocCode(mainFunc)) {
		t.Error("doc.go's quick start is not the body of Example in quickstart_example_test.go")
	}

	test := readFile(t, "../kuratest/quickstart_test.go")
	imports := between(t, test, "import (", "\n)\n")
	funcs := test[strings.Index(test, "// saveNote stores"):]
	if !strings.Contains(readme, "```go\nimport ("+imports+"\n)\n\n"+funcs+"```") {
		t.Error("README.md's kuratest example is not kuratest/quickstart_test.go")
	}
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// between returns the text of s after the first start and before the
// next end.
func between(t *testing.T, s, start, end string) string {
	t.Helper()
	i := strings.Index(s, start)
	if i < 0 {
		t.Fatalf("no %q", start)
	}
	s = s[i+len(start):]
	j := strings.Index(s, end)
	if j < 0 {
		t.Fatalf("no %q after %q", end, start)
	}
	return s[:j]
}

// asDocCode is code as a code block of a Go doc comment.
func asDocCode(code string) string {
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimSuffix(code, "\n"), "\n") {
		if line == "" {
			b.WriteString("//\n")
		} else {
			b.WriteString("//\t" + line + "\n")
		}
	}
	return b.String()
}

// TestGuideExamples checks that every Example function docs/sdk.md shows
// is the code of that function in this package's tests.
func TestGuideExamples(t *testing.T) {
	examples := exampleSources(t)
	guide := readFile(t, "../docs/sdk.md")
	blocks := regexp.MustCompile("(?ms)^```go\n(func (Example\\w*)\\(\\) \\{\n.*?^\\}\n)```").FindAllStringSubmatch(guide, -1)
	if len(blocks) == 0 {
		t.Fatal("no examples in docs/sdk.md")
	}
	for _, b := range blocks {
		code, name := b[1], b[2]
		src, ok := examples[name]
		switch {
		case !ok:
			t.Errorf("docs/sdk.md shows %s, which no test file has", name)
		case src != code:
			t.Errorf("docs/sdk.md shows %s differently from its test file", name)
		}
	}
}

// exampleSources returns the source of every Example function of the
// package's test files, by name.
func exampleSources(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	fset := token.NewFileSet()
	for _, name := range files {
		src := readFile(t, name)
		f, err := parser.ParseFile(fset, name, src, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || !strings.HasPrefix(fn.Name.Name, "Example") {
				continue
			}
			start, end := fset.Position(fn.Pos()).Offset, fset.Position(fn.End()).Offset
			out[fn.Name.Name] = src[start:end] + "\n"
		}
	}
	return out
}
