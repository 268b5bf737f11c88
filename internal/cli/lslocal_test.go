package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLsLocal(t *testing.T) {
	e, out, _ := testEnv(t)
	e.JSON = true
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "a", "b"), 0o755)
	os.WriteFile(filepath.Join(root, "a", "b", "deep"), []byte("12345"), 0o644)
	os.WriteFile(filepath.Join(root, "top"), []byte("1"), 0o644)
	keys := func() string {
		var ks []string
		for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			_, rest, _ := strings.Cut(line, `"key":"`)
			k, _, _ := strings.Cut(rest, `"`)
			ks = append(ks, k)
		}
		out.Reset()
		return strings.Join(ks, ",")
	}
	if err := e.lsLocal(Target{Local: root}, false); err != nil {
		t.Fatal(err)
	}
	if got := keys(); got != "a/,top" {
		t.Errorf("one level = %s", got)
	}
	if err := e.lsLocal(Target{Local: root}, true); err != nil {
		t.Fatal(err)
	}
	if got := keys(); got != "a/b/deep,top" {
		t.Errorf("recursive = %s", got)
	}
	if err := e.lsLocal(Target{Local: filepath.Join(root, "top")}, false); err != nil {
		t.Fatal(err)
	}
	if got := keys(); got != "top" {
		t.Errorf("a file = %s", got)
	}
	if err := e.lsLocal(Target{Local: filepath.Join(root, "missing")}, false); err == nil {
		t.Error("a missing path listed without error")
	}
}
