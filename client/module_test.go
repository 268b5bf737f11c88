package client_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestConsumerModule checks what a module that imports only the SDK gets:
// the Go version of the SDK's module (not the server's) and none of the
// server's dependencies. It copies the program of internal/consumer into a
// new module, resolves it with go mod tidy, outside the repository's
// workspace, and reads what tidy wrote.
func TestConsumerModule(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go tool")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go tool")
	}
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, name := range []string{"go.mod", "main.go"} {
		b, err := os.ReadFile(filepath.Join("internal", "consumer", name))
		if err != nil {
			t.Fatal(err)
		}
		if name == "go.mod" {
			b = []byte(strings.Replace(string(b), "=> ../../..", "=> "+repo, 1))
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	goTool(t, dir, "mod", "tidy")
	goTool(t, dir, "build", "-o", os.DevNull, ".")

	mod := goTool(t, dir, "mod", "edit", "-json")
	if !strings.Contains(mod, `"Go": "1.24.0"`) {
		t.Errorf("go mod tidy changed the consumer's go line; its go.mod is now:\n%s", mod)
	}

	// The modules whose code the consumer may compile: the SDK and its
	// few dependencies (golang.org/x/sys on some platforms only). A new
	// one is a decision, to be written here.
	allowed := []string{
		"example.com/consumer", "github.com/cespare/xxhash/v2", "github.com/klauspost/cpuid/v2",
		"github.com/kurastore/kura", "github.com/minio/crc64nvme", "github.com/zeebo/xxh3", "golang.org/x/sys",
	}
	var got []string
	for _, m := range strings.Fields(goTool(t, dir, "list", "-deps", "-f", "{{with .Module}}{{.Path}}{{end}}", ".")) {
		if !slices.Contains(got, m) {
			got = append(got, m)
		}
	}
	for _, m := range got {
		if !slices.Contains(allowed, m) {
			t.Errorf("the consumer compiles code of %s, which is not among the SDK's dependencies %q", m, allowed)
		}
	}

	// No module that only the server needs is even named in its go.sum.
	sdk := requirements(t, filepath.Join(repo, "go.mod"))
	sum := readLines(t, filepath.Join(dir, "go.sum"))
	for _, server := range requirements(t, filepath.Join(repo, "internal", "go.mod")) {
		if slices.Contains(sdk, server) || strings.HasPrefix(server, "github.com/kurastore/") {
			continue
		}
		for _, line := range sum {
			if strings.HasPrefix(line, server+" ") {
				t.Errorf("the consumer's go.sum names %s, a dependency of the server only", server)
				break
			}
		}
	}
	t.Logf("a module importing only the SDK: %d go.sum lines, %d modules compiled", len(sum), len(got))
}

// goTool runs the go command in dir, outside the repository's workspace
// and with the installed Go.
func goTool(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local")
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return string(out)
}

// requirements are the module paths a go.mod file requires.
func requirements(t *testing.T, gomod string) []string {
	t.Helper()
	var mods []string
	block := false
	for _, line := range readLines(t, gomod) {
		f := strings.Fields(line)
		switch {
		case len(f) == 0:
		case f[0] == "require" && len(f) > 1 && f[1] == "(":
			block = true
		case f[0] == ")":
			block = false
		case block:
			mods = append(mods, f[0])
		case f[0] == "require" && len(f) >= 3:
			mods = append(mods, f[1])
		}
	}
	return mods
}

func readLines(t *testing.T, name string) []string {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}
