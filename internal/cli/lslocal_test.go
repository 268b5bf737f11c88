package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLsLocal(t *testing.T) {
	var out strings.Builder
	emit := func(l lsEntry) { out.WriteString(l.Key + ",") }
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "a", "b"), 0o755)
	os.WriteFile(filepath.Join(root, "a", "b", "deep"), []byte("12345"), 0o644)
	os.WriteFile(filepath.Join(root, "top"), []byte("1"), 0o644)
	keys := func() string {
		ks := strings.TrimSuffix(out.String(), ",")
		out.Reset()
		return ks
	}
	if err := lsLocal(Target{Local: root}, false, emit); err != nil {
		t.Fatal(err)
	}
	if got := keys(); got != "a/,top" {
		t.Errorf("one level = %s", got)
	}
	if err := lsLocal(Target{Local: root}, true, emit); err != nil {
		t.Fatal(err)
	}
	if got := keys(); got != "a/b/deep,top" {
		t.Errorf("recursive = %s", got)
	}
	if err := lsLocal(Target{Local: filepath.Join(root, "top")}, false, emit); err != nil {
		t.Fatal(err)
	}
	if got := keys(); got != "top" {
		t.Errorf("a file = %s", got)
	}
	if err := lsLocal(Target{Local: filepath.Join(root, "missing")}, false, emit); err == nil {
		t.Error("a missing path listed without error")
	}
}
