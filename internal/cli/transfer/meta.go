package transfer

import (
	"maps"
	"os"
	"strconv"
	"time"
)

// Metadata names under which an upload records the source file's
// attributes (x-amz-meta-kura-mtime, x-amz-meta-kura-mode).
const (
	metaMtime = "kura-mtime"
	metaMode  = "kura-mode"
)

// recordedMtime is the file time an upload recorded in metadata.
func recordedMtime(meta map[string]string) (time.Time, bool) {
	v, ok := meta[metaMtime]
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	return t, err == nil
}

// uploadMetadata is the metadata of an object uploaded from a file: the
// configured metadata and the file's modification time, which mirror
// compares with later; with Preserve, its mode too.
func (e *Engine) uploadMetadata(fi os.FileInfo) map[string]string {
	m := maps.Clone(e.opts.Metadata)
	if m == nil {
		m = map[string]string{}
	}
	m[metaMtime] = fi.ModTime().UTC().Format(time.RFC3339Nano)
	if e.opts.Preserve {
		m[metaMode] = strconv.FormatUint(uint64(fi.Mode().Perm()), 8)
	}
	return m
}

// restoreAttrs gives a downloaded file the time and, with Preserve, the
// mode recorded in its object's metadata. Without a recorded time, a
// mirror still dates the file by the object's LastModified so that the
// next run sees it unchanged.
func (e *Engine) restoreAttrs(file string, meta map[string]string, lastModified time.Time, always bool) error {
	if !e.opts.Preserve && !always {
		return nil
	}
	if e.opts.Preserve {
		if v, ok := meta[metaMode]; ok {
			if mode, err := strconv.ParseUint(v, 8, 32); err == nil {
				if err := os.Chmod(file, os.FileMode(mode).Perm()); err != nil {
					return err
				}
			}
		}
	}
	t, ok := recordedMtime(meta)
	if !ok {
		t = lastModified
	}
	if t.IsZero() {
		return nil
	}
	return os.Chtimes(file, t, t)
}
