// Lint rules written as Go tests: they read the source tree and fail when
// the code breaks a rule of its layout, so `go test` enforces them.
package kura_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// clientPackages are kura's public client packages. The server's
// internal packages speak the wire types (wire/...) the clients speak
// too, and never import a client: that would tie the server to a
// client's API, and let client code run inside the server.
var clientPackages = []string{
	"github.com/kurastore/kura/admin",
	"github.com/kurastore/kura/client",
}

// clientSide are the internal packages that are clients themselves, and
// why; they may import a client package.
var clientSide = map[string]string{
	"internal/loadgen": "the engine of kura bench, which drives a server through the Go SDK",
	"internal/tier/s3tier": "a tier on a bucket of another S3 endpoint, which it reaches through the Go SDK as any " +
		"client would",
	"internal/tier/tierstore": "its tests make the bucket of an s3 tier on a kuratest server",
	"internal/cli": "kura's client commands (ls, cp, rm, ...), which talk to S3 servers through the Go SDK as " +
		"any client would",
	"internal/console": "the web console acts as the logged-in user: every page is made of S3 and admin " +
		"requests signed with the user's credentials through the Go SDK, as the CLI's would be",
	"internal/replicate": "it copies changes to buckets of other S3 endpoints through the Go SDK, as any " +
		"client would; its tests replicate between two kuratest servers",
}

// clientTests are the internal packages whose tests, and only tests,
// may import a client package, and why.
var clientTests = map[string]string{
	"internal/httpapi": "its tests of the admin API's identity providers drive that API with the admin client, " +
		"as the CLI does",
}

func TestInternalPackagesImportNoClient(t *testing.T) {
	for _, v := range importViolations(t, "internal", clientPackages, clientSide) {
		file, _, _ := strings.Cut(v, ":")
		if _, ok := clientTests[filepath.ToSlash(filepath.Dir(file))]; ok && strings.HasSuffix(file, "_test.go") {
			continue
		}
		t.Error(v)
	}
}

// layerRules are the layering rules of the code that serves requests
// (tests aside, which set the layers up): a handler never touches
// storage, the object layer never sees HTTP.
var layerRules = []struct {
	dir    string
	banned []string
}{
	{"internal/httpapi", []string{"github.com/kurastore/kura/internal/meta", "github.com/kurastore/kura/internal/blob"}},
	{"internal/object", []string{"net/http"}},
	// The console is a client of the API: its logins too go through the
	// STS, never to the identities themselves.
	{"internal/console", []string{"github.com/kurastore/kura/internal/iam", "github.com/kurastore/kura/internal/object",
		"github.com/kurastore/kura/internal/meta", "github.com/kurastore/kura/internal/blob"}},
}

func TestLayersImportOnlyWhatTheyMay(t *testing.T) {
	for _, r := range layerRules {
		for _, v := range importViolations(t, r.dir, r.banned, nil) {
			if file, _, _ := strings.Cut(v, ":"); !strings.HasSuffix(file, "_test.go") {
				t.Error(v)
			}
		}
	}
}

// vagueNames are package names that say nothing of what is inside.
var vagueNames = map[string]bool{"util": true, "utils": true, "common": true, "helpers": true, "misc": true}

func TestNoVaguePackageNames(t *testing.T) {
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != "." || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() && vagueNames[d.Name()] {
			t.Errorf("%s: a package name should say what it holds", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// conflictMarked are the kinds of files a merge can leave conflict
// markers in unnoticed: Go fails to compile with them, the others do not.
var conflictMarked = map[string]bool{".md": true, ".sh": true, ".py": true, ".yml": true}

func TestNoMergeConflictMarkers(t *testing.T) {
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") && path != "." {
			return filepath.SkipDir
		}
		if d.IsDir() || !conflictMarked[filepath.Ext(path)] {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(line, "<<<<<<< ") || strings.HasPrefix(line, ">>>>>>> ") {
				t.Errorf("%s:%d: a merge conflict marker", path, i+1)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// importViolations lists every import, in a Go file under dir, of one of
// the packages banned (or of a package inside one of them). Files of the
// directories in exempt (and below them) are skipped.
func importViolations(t *testing.T, dir string, banned []string, exempt map[string]string) []string {
	t.Helper()
	var found []string
	fset := token.NewFileSet()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if _, ok := exempt[filepath.ToSlash(path)]; ok {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, spec := range f.Imports {
			imported, err := strconv.Unquote(spec.Path.Value)
			if err != nil {
				return err
			}
			for _, b := range banned {
				if imported == b || strings.HasPrefix(imported, b+"/") {
					found = append(found, fset.Position(spec.Pos()).String()+": imports "+imported)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// TestImportViolationsFindsBannedImports keeps the rule above from
// passing vacuously.
func TestImportViolationsFindsBannedImports(t *testing.T) {
	dir := t.TempDir()
	src := "package x\n\nimport (\n\t\"fmt\"\n\tc \"github.com/kurastore/kura/client\"\n\t_ \"github.com/kurastore/kura/admin/sub\"\n\t_ \"github.com/kurastore/kura/administer\"\n)\n"
	if err := writeFile(filepath.Join(dir, "p", "x.go"), src); err != nil {
		t.Fatal(err)
	}
	if err := writeFile(filepath.Join(dir, "bench", "x.go"), src); err != nil {
		t.Fatal(err)
	}
	got := importViolations(t, dir, clientPackages, map[string]string{filepath.ToSlash(filepath.Join(dir, "bench")): "a client"})
	if len(got) != 2 {
		t.Fatalf("got %d violations %q, want p's imports of client and admin/sub", len(got), got)
	}
}

func writeFile(path, content string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(content), 0o644)
}
