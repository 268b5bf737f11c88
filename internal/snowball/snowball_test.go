package snowball

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kurastore/kura/s3err"
)

var mtime = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

type member struct {
	name     string
	typ      byte
	body     string
	linkname string
}

func file(name, body string) member { return member{name: name, typ: tar.TypeReg, body: body} }
func dir(name string) member        { return member{name: name, typ: tar.TypeDir} }

// buildTar writes members with archive/tar, gzip-compressed if asked.
func buildTar(t testing.TB, gz bool, members ...member) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w io.Writer = &buf
	var zw *gzip.Writer
	if gz {
		zw = gzip.NewWriter(&buf)
		w = zw
	}
	tw := tar.NewWriter(w)
	for _, m := range members {
		hdr := &tar.Header{Name: m.name, Typeflag: m.typ, Mode: 0o644, ModTime: mtime, Linkname: m.linkname, Size: int64(len(m.body))}
		if m.typ != tar.TypeReg {
			hdr.Size = 0
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatalf("%q: %v", m.name, err)
		}
		if _, err := io.WriteString(tw, m.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

type stored struct {
	key, body string
	size      int64
	mod       time.Time
}

// extractAll runs Extract and returns what a caller would have stored.
func extractAll(archive []byte, prefix string, opts ...Option) ([]stored, error) {
	var got []stored
	err := Extract(bytes.NewReader(archive), prefix, func(e Entry) error {
		b, err := io.ReadAll(e.Body)
		if err != nil {
			return err
		}
		got = append(got, stored{key: e.Key, body: string(b), size: e.Size, mod: e.ModTime})
		return nil
	}, opts...)
	return got, err
}

func keys(s []stored) string {
	var k []string
	for _, e := range s {
		k = append(k, e.key)
	}
	return strings.Join(k, ",")
}

func TestExtract(t *testing.T) {
	tests := []struct {
		name    string
		members []member
		prefix  string
		want    string // keys, comma-separated
	}{
		{"files", []member{file("a.txt", "hello"), file("sub/b.txt", "world")}, "", "a.txt,sub/b.txt"},
		{"prefix gains a slash", []member{file("a.txt", "x")}, "backup", "backup/a.txt"},
		{"prefix loses leading slashes", []member{file("a.txt", "x")}, "//backup/2026/", "backup/2026/a.txt"},
		{"prefix of slashes is none", []member{file("a.txt", "x")}, "/", "a.txt"},
		{"directory entries become objects", []member{dir("photos/"), file("photos/cat.jpg", "meow")}, "p", "p/photos/,p/photos/cat.jpg"},
		{"directory without its slash", []member{dir("empty")}, "", "empty/"},
		{"zero-byte file", []member{file("empty.txt", "")}, "", "empty.txt"},
		{"non-ASCII names", []member{file("données/été.txt", "é"), file("日本語/ファイル", "x")}, "préfixe", "préfixe/données/été.txt,préfixe/日本語/ファイル"},
		{"leading ./ dropped, root skipped", []member{dir("./"), file("./a", "1"), file(".//b", "2")}, "", "a,b"},
		{"special entries skipped", []member{
			{name: "link", typ: tar.TypeSymlink, linkname: "/etc/passwd"},
			{name: "hard", typ: tar.TypeLink, linkname: "a"},
			{name: "up", typ: tar.TypeSymlink, linkname: "../../outside"},
			{name: "dev", typ: tar.TypeChar},
			{name: "blk", typ: tar.TypeBlock},
			{name: "fifo", typ: tar.TypeFifo},
			file("a", "kept"),
		}, "", "a"},
		{"empty archive", nil, "", ""},
	}
	for _, tt := range tests {
		for _, gz := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/gzip=%v", tt.name, gz), func(t *testing.T) {
				got, err := extractAll(buildTar(t, gz, tt.members...), tt.prefix)
				if err != nil {
					t.Fatal(err)
				}
				if keys(got) != tt.want {
					t.Fatalf("keys %q, want %q", keys(got), tt.want)
				}
				for _, e := range got {
					if int64(len(e.body)) != e.size || !e.mod.Equal(mtime) {
						t.Fatalf("entry %+v", e)
					}
				}
			})
		}
	}
}

func TestExtractBodies(t *testing.T) {
	big := strings.Repeat("0123456789", 10000)
	got, err := extractAll(buildTar(t, true, file("a", "hello"), dir("d"), file("big", big)), "")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"hello", "", big}
	for i, e := range got {
		if e.body != want[i] {
			t.Fatalf("entry %s: body of %d bytes, want %d", e.key, len(e.body), len(want[i]))
		}
	}
}

func TestExtractRejectsUnsafeNames(t *testing.T) {
	long := strings.Repeat("k", MaxKeyLength-len("pre/"))
	tests := []struct {
		name    string
		members []member
		prefix  string
		want    error
	}{
		{"parent", []member{file("../escape", "x")}, "", s3err.ErrUnsafeArchiveEntry},
		{"absolute", []member{file("/abs", "x")}, "", s3err.ErrUnsafeArchiveEntry},
		{"absolute etc", []member{file("/etc/passwd", "x")}, "", s3err.ErrUnsafeArchiveEntry},
		{"climbing back out", []member{file("a/../../b", "x")}, "", s3err.ErrUnsafeArchiveEntry},
		{"parent in the middle", []member{file("a/../b", "x")}, "", s3err.ErrUnsafeArchiveEntry},
		{"dot element", []member{file("a/./b", "x")}, "", s3err.ErrUnsafeArchiveEntry},
		{"backslash parent", []member{file(`a\..\..\b`, "x")}, "", s3err.ErrUnsafeArchiveEntry},
		{"backslash absolute", []member{file(`\windows\system32`, "x")}, "", s3err.ErrUnsafeArchiveEntry},
		{"directory climbing", []member{dir("../up/")}, "", s3err.ErrUnsafeArchiveEntry},
		{"symlink with a hostile name", []member{{name: "../link", typ: tar.TypeSymlink, linkname: "x"}}, "", s3err.ErrUnsafeArchiveEntry},
		{"key too long", []member{file(long+"x", "x")}, "pre", s3err.ErrKeyTooLong},
		{"prefix with parent", []member{file("a", "x")}, "../other", s3err.ErrInvalidArgument},
		{"prefix not UTF-8", []member{file("a", "x")}, "\xff", s3err.ErrInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := extractAll(buildTar(t, false, tt.members...), tt.prefix)
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
			if s3err.From(err).HTTPStatus != 400 {
				t.Fatalf("status %d", s3err.From(err).HTTPStatus)
			}
			if len(got) != 0 {
				t.Fatalf("stored %q", keys(got))
			}
		})
	}

	got, err := extractAll(buildTar(t, false, file(long, "x")), "pre")
	if err != nil || len(got) != 1 || len(got[0].key) != MaxKeyLength {
		t.Fatalf("a key of exactly %d bytes: %v %v", MaxKeyLength, keys(got), err)
	}
}

// TestExtractStopsAtUnsafeEntry shows the streaming contract: entries
// before the hostile one were handed over, nothing after it.
func TestExtractStopsAtUnsafeEntry(t *testing.T) {
	got, err := extractAll(buildTar(t, true, file("ok", "1"), file("../bad", "2"), file("later", "3")), "")
	if !errors.Is(err, s3err.ErrUnsafeArchiveEntry) {
		t.Fatalf("error %v", err)
	}
	if keys(got) != "ok" {
		t.Fatalf("stored %q", keys(got))
	}
}

// TestUnsafeNameBytes covers bytes that archive/tar cannot carry into a
// name (NUL) and checks the archive path for invalid UTF-8.
func TestUnsafeNameBytes(t *testing.T) {
	for _, name := range []string{"a\x00b", "\xff\xfe", "ok/\xc3"} {
		if _, err := entryName(name); !errors.Is(err, s3err.ErrUnsafeArchiveEntry) {
			t.Errorf("%q: %v", name, err)
		}
	}
	archive := buildTar(t, false, file("XX.txt", "x"))
	setName(archive, "\xff\xfe.txt")
	if _, err := extractAll(archive, ""); !errors.Is(err, s3err.ErrUnsafeArchiveEntry) {
		t.Fatalf("invalid UTF-8 in the archive: %v", err)
	}
}

// setName overwrites the first header's name field and fixes its checksum.
func setName(archive []byte, name string) {
	hdr := archive[:512]
	clear(hdr[:100])
	copy(hdr, name)
	copy(hdr[148:156], "        ")
	var sum int
	for _, b := range hdr {
		sum += int(b)
	}
	copy(hdr[148:156], fmt.Sprintf("%06o\x00 ", sum))
}

func TestExtractMalformed(t *testing.T) {
	plain := buildTar(t, false, file("a", strings.Repeat("x", 2000)), file("b", "y"))
	gz := buildTar(t, true, file("a", strings.Repeat("x", 2000)), file("b", "y"))
	badCRC := bytes.Clone(gz)
	badCRC[len(badCRC)-8] ^= 0xff
	garbageHeader := bytes.Clone(plain)
	copy(garbageHeader[:512], bytes.Repeat([]byte{'Z'}, 512))
	tests := []struct {
		name    string
		archive []byte
	}{
		{"plain cut in a body", plain[:1000]},
		{"plain cut in a header", plain[:512*5+100]},
		{"gzip cut", gz[:len(gz)/2]},
		{"gzip checksum", badCRC},
		{"gzip header only", gz[:10]},
		{"garbage header", garbageHeader},
		{"not a tar", []byte(strings.Repeat("this is not a tar archive\n", 40))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := extractAll(tt.archive, "")
			if !errors.Is(err, s3err.ErrMalformedArchive) {
				t.Fatalf("error %v, want ErrMalformedArchive", err)
			}
			if s3err.From(err).HTTPStatus != 400 {
				t.Fatalf("status %d", s3err.From(err).HTTPStatus)
			}
		})
	}
}

func TestExtractTrailingGzipData(t *testing.T) {
	var buf bytes.Buffer
	buf.Write(buildTar(t, true, file("a", "x")))
	zw := gzip.NewWriter(&buf) // a second gzip member of zeros after the tar end
	zw.Write(make([]byte, maxGzipTrailer+1))
	zw.Close()
	if _, err := extractAll(buf.Bytes(), ""); !errors.Is(err, s3err.ErrMalformedArchive) {
		t.Fatalf("error %v", err)
	}
}

func TestExtractEntryLimit(t *testing.T) {
	members := make([]member, DefaultMaxEntries+1)
	for i := range members {
		members[i] = file(fmt.Sprintf("f%05d", i), "")
	}
	got, err := extractAll(buildTar(t, false, members[:DefaultMaxEntries]...), "")
	if err != nil || len(got) != DefaultMaxEntries {
		t.Fatalf("%d entries: %d stored, %v", DefaultMaxEntries, len(got), err)
	}
	got, err = extractAll(buildTar(t, true, members...), "")
	if !errors.Is(err, s3err.ErrArchiveTooManyEntries) || len(got) != DefaultMaxEntries {
		t.Fatalf("%d entries: %d stored, %v", DefaultMaxEntries+1, len(got), err)
	}

	small := buildTar(t, false, file("a", ""), dir("d"), member{name: "l", typ: tar.TypeSymlink, linkname: "a"})
	if _, err := extractAll(small, "", WithMaxEntries(3)); err != nil {
		t.Fatal(err)
	}
	if _, err := extractAll(small, "", WithMaxEntries(2)); !errors.Is(err, s3err.ErrArchiveTooManyEntries) {
		t.Fatalf("skipped entries count too: %v", err)
	}
}

func TestExtractTotalSizeLimit(t *testing.T) {
	archive := buildTar(t, true, file("a", "12345"), file("b", "67890"))
	if _, err := extractAll(archive, "", WithMaxTotalSize(10)); err != nil {
		t.Fatal(err)
	}
	got, err := extractAll(archive, "", WithMaxTotalSize(9))
	if !errors.Is(err, s3err.ErrArchiveTooLarge) || keys(got) != "a" {
		t.Fatalf("stored %q, %v", keys(got), err)
	}
}

func TestExtractCallback(t *testing.T) {
	archive := buildTar(t, false, file("a", "hello"), file("b", "world"))
	stop := errors.New("stop")
	var calls int
	err := Extract(bytes.NewReader(archive), "", func(e Entry) error {
		calls++
		return stop
	})
	if err != stop || calls != 1 {
		t.Fatalf("callback error not returned at once: %v after %d calls", err, calls)
	}

	// A callback may leave a body unread; extraction skips the rest.
	var kept Entry
	var got []string
	err = Extract(bytes.NewReader(archive), "", func(e Entry) error {
		kept = e
		got = append(got, e.Key)
		return nil
	})
	if err != nil || strings.Join(got, ",") != "a,b" {
		t.Fatalf("%v %v", got, err)
	}
	if _, err := kept.Body.Read(make([]byte, 1)); err == nil {
		t.Fatal("a body stays readable after its callback returned")
	}
}

func FuzzExtract(f *testing.F) {
	f.Add(buildTar(f, false, file("a", "hello"), dir("d/"), file("d/b", "x")), "pre")
	f.Add(buildTar(f, true, file("a", "hello"), member{name: "l", typ: tar.TypeSymlink, linkname: "/etc"}), "")
	f.Add(buildTar(f, false, file("../x", "x")), "")
	f.Add(buildTar(f, false, file(strings.Repeat("n", 200), "x")), strings.Repeat("p/", 500))
	f.Add([]byte{0x1f, 0x8b, 8, 0}, "")
	f.Add([]byte("not a tar"), "/")
	f.Fuzz(func(t *testing.T, archive []byte, prefix string) {
		err := Extract(bytes.NewReader(archive), prefix, func(e Entry) error {
			checkFuzzKey(t, e.Key)
			n, err := io.Copy(io.Discard, e.Body)
			if err == nil && n != e.Size {
				t.Fatalf("%q: %d bytes, header says %d", e.Key, n, e.Size)
			}
			return err
		}, WithMaxEntries(100), WithMaxTotalSize(1<<20))
		var s3e *s3err.Error
		if err != nil && !errors.As(err, &s3e) {
			t.Fatalf("error %v is not an s3err", err)
		}
	})
}

func checkFuzzKey(t *testing.T, key string) {
	t.Helper()
	if key == "" || len(key) > MaxKeyLength || !utf8.ValidString(key) || strings.ContainsRune(key, 0) ||
		strings.HasPrefix(key, "/") || strings.HasPrefix(key, `\`) {
		t.Fatalf("unsafe key %q", key)
	}
	for _, elem := range strings.FieldsFunc(key, func(r rune) bool { return r == '/' || r == '\\' }) {
		if elem == "." || elem == ".." {
			t.Fatalf("unsafe key %q", key)
		}
	}
}
