package snowball

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kurastore/kura/s3err/s3errtest"

	"github.com/kurastore/kura/s3err"
)

// fzEntry is an entry FuzzExtractRoundTrip expects Extract to deliver.
type fzEntry struct {
	key  string
	body []byte
}

// fzExpect works out, independently of Extract, what it must do with
// the entries: the keys and bodies it delivers, in order, and the error
// it stops at (nil when the archive is fine).
func fzExpect(prefix string, names []string, bodies [][]byte) ([]fzEntry, error) {
	unsafe := func(s string) bool {
		if strings.ContainsRune(s, 0) || !utf8.ValidString(s) || strings.HasPrefix(s, "/") || strings.HasPrefix(s, `\`) {
			return true
		}
		for _, elem := range strings.FieldsFunc(s, func(r rune) bool { return r == '/' || r == '\\' }) {
			if elem == "." || elem == ".." {
				return true
			}
		}
		return false
	}
	prefix = strings.TrimLeft(prefix, "/")
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	if unsafe(prefix) {
		return nil, s3err.ErrInvalidArgument
	}
	var out []fzEntry
	for i, name := range names {
		for strings.HasPrefix(name, "./") {
			name = strings.TrimLeft(name[1:], "/")
		}
		if name == "" || name == "." {
			continue
		}
		if unsafe(name) {
			return out, s3err.ErrUnsafeArchiveEntry
		}
		if len(prefix)+len(name) > MaxKeyLength {
			return out, s3err.ErrKeyTooLong
		}
		out = append(out, fzEntry{key: prefix + name, body: bodies[i]})
	}
	return out, nil
}

// FuzzExtractRoundTrip writes a tar archive (gzip-compressed or not) of
// the given entries, one per line of names (a name ending in "/" is a
// directory; files share out contents), and extracts it. Extract must
// deliver exactly the entries with safe names, in order, with their
// bodies, under the prefix, and stop at the first unsafe name or
// overlong key with the S3 error that says so.
func FuzzExtractRoundTrip(f *testing.F) {
	f.Add("a\nd/\nd/b\n./c", []byte("hello, world"), false, "pre")
	f.Add("a\n../x\nb", []byte("xyz"), true, "")
	f.Add("./\n.\n././x\n.//y", []byte("12"), false, "/p/q")
	f.Add("ключ/値\nx\\..\\y", []byte("unicode"), true, "")
	f.Add(strings.Repeat("n", 1000)+"\nshort", []byte("long"), false, strings.Repeat("p", 30))
	f.Add("a\na\na/", []byte("dup"), false, "../p")
	f.Add("\\abs\n/abs", []byte(""), false, "")
	f.Fuzz(func(t *testing.T, nameLines string, contents []byte, gz bool, prefix string) {
		defer s3errtest.Watchdog()()
		names := strings.Split(nameLines, "\n")
		if len(names) > 50 {
			names = names[:50]
		}
		bodies := make([][]byte, len(names))
		var buf bytes.Buffer
		var w io.Writer = &buf
		var zw *gzip.Writer
		if gz {
			zw = gzip.NewWriter(&buf)
			w = zw
		}
		tw := tar.NewWriter(w)
		share := len(contents)/len(names) + 1
		for i, name := range names {
			hdr := &tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, ModTime: mtime}
			if strings.HasSuffix(name, "/") {
				hdr.Typeflag = tar.TypeDir
			} else {
				bodies[i] = contents[min(i*share, len(contents)):min((i+1)*share, len(contents))]
				hdr.Size = int64(len(bodies[i]))
			}
			if err := tw.WriteHeader(hdr); err != nil {
				t.Skipf("tar cannot write %q: %v", name, err)
			}
			tw.Write(bodies[i])
		}
		tw.Close()
		if zw != nil {
			zw.Close()
		}
		want, wantErr := fzExpect(prefix, names, bodies)

		var got []fzEntry
		err := Extract(bytes.NewReader(buf.Bytes()), prefix, func(e Entry) error {
			body, err := io.ReadAll(e.Body)
			if err != nil {
				t.Fatalf("%q: %v", e.Key, err)
			}
			if int64(len(body)) != e.Size || !e.ModTime.Equal(mtime) {
				t.Fatalf("%q: %d bytes, size %d, modified %v", e.Key, len(body), e.Size, e.ModTime)
			}
			got = append(got, fzEntry{key: e.Key, body: body})
			return nil
		})
		var s3e *s3err.Error
		if err != nil && !errors.As(err, &s3e) {
			t.Fatalf("error %v is not an S3 error", err)
		}
		if wantErr == nil && err != nil || wantErr != nil && !errors.Is(err, wantErr) {
			t.Fatalf("Extract error %v, want %v", err, wantErr)
		}
		if len(got) != len(want) {
			t.Fatalf("delivered %d entries, want %d: %q", len(got), len(want), got)
		}
		for i := range want {
			if got[i].key != want[i].key || !bytes.Equal(got[i].body, want[i].body) {
				t.Fatalf("entry %d is %q (%q), want %q (%q)", i, got[i].key, got[i].body, want[i].key, want[i].body)
			}
		}
	})
}
