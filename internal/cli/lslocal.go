package cli

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// lsLocal lists a local file or directory as ls lists a prefix: one
// level, or every file below with recursive. Names are relative to the
// directory listed.
func lsLocal(t Target, recursive bool, emit func(lsEntry)) error {
	root := t.Local
	st, err := os.Stat(root)
	if err != nil {
		return err
	}
	if !st.IsDir() {
		emit(localEntry(root, filepath.Base(root), st))
		return nil
	}
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path == root {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil // removed while listed
		}
		if err != nil {
			return err
		}
		switch {
		case d.IsDir() && recursive:
			return nil
		case d.IsDir():
			emit(localEntry(path, filepath.ToSlash(rel)+"/", info))
			return filepath.SkipDir
		}
		emit(localEntry(path, filepath.ToSlash(rel), info))
		return nil
	})
}

func localEntry(path, name string, info fs.FileInfo) lsEntry {
	l := lsEntry{Type: "file", LastModified: info.ModTime(), Size: info.Size(), Key: name, URL: path, name: name, local: true}
	if info.IsDir() {
		l.Type, l.Size = "folder", 0
	}
	return l
}
