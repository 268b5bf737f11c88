package dirtier

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kurastore/kura/internal/tier"
	"github.com/kurastore/kura/internal/tier/tiertest"
)

func TestConformance(t *testing.T) {
	tiertest.Run(t, tiertest.Harness{New: func(t *testing.T) tier.Tier {
		tr, err := New(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return tr
	}})
}

func TestNewRefusesRelativePath(t *testing.T) {
	for _, p := range []string{"", "rel/dir", "."} {
		if _, err := New(p); err == nil {
			t.Errorf("New(%q) succeeded", p)
		}
	}
}

func TestUnsafeNames(t *testing.T) {
	root := t.TempDir()
	tr, err := New(filepath.Join(root, "tier"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(tr.Root(), 0o700); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, name := range []string{
		"", "/abs", "a//b", "a/", "..", "../escape", "a/../../escape", "a/./b",
		".hidden", "a/.put-x", "a\\b", "a\x00b",
	} {
		if err := tr.Put(ctx, name, bytes.NewReader([]byte("x")), 1); err == nil {
			t.Errorf("Put(%q) succeeded", name)
		}
		if r, err := tr.Open(ctx, name, 0, 0); err == nil {
			r.Close()
			t.Errorf("Open(%q) succeeded", name)
		}
		if err := tr.Delete(ctx, name); err == nil {
			t.Errorf("Delete(%q) succeeded", name)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "escape")); err == nil {
		t.Fatal("a name escaped the tier's directory")
	}
}

func TestPutLeavesNoTempFiles(t *testing.T) {
	tr, _ := New(t.TempDir())
	ctx := context.Background()
	if err := tr.Put(ctx, "u/b", bytes.NewReader([]byte("abc")), 3); err != nil {
		t.Fatal(err)
	}
	// A failed put (the data is longer than announced) leaves nothing.
	if err := tr.Put(ctx, "u/c", bytes.NewReader([]byte("abcd")), 3); err == nil {
		t.Fatal("put of 4 bytes announced as 3 succeeded")
	}
	entries, err := os.ReadDir(filepath.Join(tr.Root(), "u"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "b" {
		t.Fatalf("directory holds %v, want only b", entries)
	}
}

func TestDeleteRemovesEmptyDirectories(t *testing.T) {
	tr, _ := New(t.TempDir())
	ctx := context.Background()
	if err := tr.Put(ctx, "u/v/b", bytes.NewReader([]byte("abc")), 3); err != nil {
		t.Fatal(err)
	}
	if err := tr.Delete(ctx, "u/v/b"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(tr.Root(), "u")); !os.IsNotExist(err) {
		t.Fatalf("the emptied directory remains: %v", err)
	}
	if _, err := os.Stat(tr.Root()); err != nil {
		t.Fatalf("the root went with it: %v", err)
	}
}

func TestMissingRootIsUnavailable(t *testing.T) {
	tr, _ := New(filepath.Join(t.TempDir(), "unmounted"))
	ctx := context.Background()
	if err := tr.Check(ctx); !errors.Is(err, tier.ErrUnavailable) {
		t.Fatalf("check: %v, want ErrUnavailable", err)
	}
	if _, err := tr.Open(ctx, "u/b", 0, 0); !errors.Is(err, tier.ErrUnavailable) {
		t.Fatalf("open: %v, want ErrUnavailable (not ErrNotFound)", err)
	}
	if err := tr.Delete(ctx, "u/b"); !errors.Is(err, tier.ErrUnavailable) {
		t.Fatalf("delete: %v, want ErrUnavailable", err)
	}
	// Put does not create the root: that would write beside an
	// unmounted file system.
	if err := tr.Put(ctx, "u/b", bytes.NewReader(nil), 0); !errors.Is(err, tier.ErrUnavailable) {
		t.Fatalf("put: %v, want ErrUnavailable", err)
	}
}

func TestOpenBeyondEnd(t *testing.T) {
	tr, _ := New(t.TempDir())
	ctx := context.Background()
	if err := tr.Put(ctx, "u/b", bytes.NewReader([]byte("abc")), 3); err != nil {
		t.Fatal(err)
	}
	if r, err := tr.Open(ctx, "u/b", 0, 3); err != nil {
		t.Fatal(err)
	} else {
		b, _ := io.ReadAll(r)
		r.Close()
		if string(b) != "abc" {
			t.Fatalf("got %q", b)
		}
	}
	if _, err := tr.Open(ctx, "u/b", 0, 4); err == nil {
		t.Fatal("open of 4 bytes of a 3-byte object succeeded")
	}
	if _, err := tr.Open(ctx, "u/b", 3, 1); err == nil {
		t.Fatal("open past the end succeeded")
	}
}

// A Put cut short by a crash leaves its temporary file; the Delete of
// its object, which the object layer makes once no Put of it can be
// running, removes it, and the directory it emptied. The temporary files
// of other names stay, those whose names start with the deleted one's
// too.
func TestDeleteRemovesTempFilesOfDeadPuts(t *testing.T) {
	tr, _ := New(t.TempDir())
	ctx := context.Background()
	dead := func(name string) {
		t.Helper()
		p, err := tr.path(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := tr.createTemp(p) // as a Put whose process died
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte("partial"))
		f.Close()
	}
	for _, name := range []string{"u/b", "u/b", "v/b", "v/b-1", "v/bb"} {
		dead(name)
	}
	for _, name := range []string{"u/b", "v/b"} {
		if err := tr.Delete(ctx, name); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(filepath.Join(tr.Root(), "u")); !os.IsNotExist(err) {
		t.Fatalf("the temporary files of u/b, or their directory, remain: %v", err)
	}
	entries, err := os.ReadDir(filepath.Join(tr.Root(), "v"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 || !strings.HasPrefix(entries[0].Name(), tempPrefix+"b-1-") || !strings.HasPrefix(entries[1].Name(), tempPrefix+"bb-") {
		t.Fatalf("v holds %v; want the temporary files of v/b-1 and v/bb", entries)
	}
}
