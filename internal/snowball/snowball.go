package snowball

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"errors"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/s3name"
)

// PrefixHeader names the key prefix of the extracted objects, as MinIO
// clients send it.
const PrefixHeader = "X-Amz-Meta-Minio-Snowball-Prefix"

const (
	// DefaultMaxEntries bounds the tar headers of one archive.
	DefaultMaxEntries = 10000
	// MaxKeyLength is S3's limit on object keys, in bytes.
	MaxKeyLength = s3name.MaxKeyLength
	// maxGzipTrailer bounds what is read after the end of the tar stream
	// to reach, and verify, the gzip checksum; tar writers pad the end
	// to at most a few records, far less than this.
	maxGzipTrailer = 1 << 20
)

// Entry is one object to store.
type Entry struct {
	// Key is the prefix followed by the entry's name; it ends in "/" for
	// a directory entry.
	Key     string
	Size    int64
	ModTime time.Time
	// Body yields Size bytes; it is valid only until the callback
	// returns. A read error means a truncated or corrupt archive.
	Body io.Reader
}

// Option changes a limit of Extract.
type Option func(*limits)

type limits struct {
	maxEntries int
	maxTotal   int64
}

// WithMaxEntries bounds the entries (tar headers of any kind) of the
// archive; beyond n, Extract fails. n <= 0 keeps DefaultMaxEntries.
func WithMaxEntries(n int) Option {
	return func(l *limits) {
		if n > 0 {
			l.maxEntries = n
		}
	}
}

// WithMaxTotalSize bounds the sum of the extracted sizes, so that a small
// compressed upload cannot expand into unbounded storage. n <= 0 means
// no bound.
func WithMaxTotalSize(n int64) Option {
	return func(l *limits) { l.maxTotal = n }
}

// Extract reads a tar archive, plain or gzip-compressed (told apart by
// the gzip magic bytes), from r and calls fn for each regular file and
// directory entry in archive order, with keys under prefix (the value of
// PrefixHeader, normalized). It stops at the first error, from the
// archive or from fn, and returns it; archive errors are *s3err.Error.
// See the package documentation for what was handed over by then.
func Extract(r io.Reader, prefix string, fn func(e Entry) error, opts ...Option) error {
	lim := limits{maxEntries: DefaultMaxEntries}
	for _, o := range opts {
		o(&lim)
	}
	prefix, err := normalizePrefix(prefix)
	if err != nil {
		return err
	}
	src, finish, err := decompress(r)
	if err != nil {
		return err
	}
	x := extraction{tr: tar.NewReader(src), prefix: prefix, limits: lim, fn: fn}
	if err := x.run(); err != nil {
		return err
	}
	return finish()
}

type extraction struct {
	tr     *tar.Reader
	prefix string
	limits
	fn      func(Entry) error
	entries int
	total   int64
}

func (x *extraction) run() error {
	for {
		hdr, err := x.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		e, ok, err := x.entry(hdr)
		if err != nil {
			return err
		}
		if ok {
			if err := x.deliver(e); err != nil {
				return err
			}
		}
	}
}

// next returns the next header, counted against the entry limit.
func (x *extraction) next() (*tar.Header, error) {
	hdr, err := x.tr.Next()
	if errors.Is(err, tar.ErrInsecurePath) {
		err = nil // entry checks the name by stricter rules
	}
	if err == io.EOF {
		return nil, io.EOF
	}
	if err != nil {
		return nil, malformed(err)
	}
	x.entries++
	if x.entries > x.maxEntries {
		return nil, s3err.ErrArchiveTooManyEntries.WithMessage("The archive contains more than %d entries.", x.maxEntries)
	}
	return hdr, nil
}

// entry turns a header into the Entry to deliver; ok is false for entries
// that store nothing. Every name is checked, even of skipped entries: an
// archive naming "../x" is hostile whatever the entry's type.
func (x *extraction) entry(hdr *tar.Header) (e Entry, ok bool, err error) {
	name, err := entryName(hdr.Name)
	if err != nil || name == "" {
		return e, false, err
	}
	switch hdr.Typeflag {
	case tar.TypeReg, tar.TypeGNUSparse:
		e = Entry{Key: x.prefix + name, Size: hdr.Size, ModTime: hdr.ModTime}
	case tar.TypeDir:
		if !strings.HasSuffix(name, "/") {
			name += "/"
		}
		e = Entry{Key: x.prefix + name, ModTime: hdr.ModTime}
	default:
		return e, false, nil
	}
	if len(e.Key) > MaxKeyLength {
		return e, false, s3err.ErrKeyTooLong.WithMessage("The archive entry %q makes a key longer than %d bytes.", abbreviate(name), MaxKeyLength)
	}
	return e, true, nil
}

func (x *extraction) deliver(e Entry) error {
	x.total += e.Size
	if x.maxTotal > 0 && x.total > x.maxTotal {
		return s3err.ErrArchiveTooLarge.WithMessage("The archive's extracted content exceeds %d bytes.", x.maxTotal)
	}
	body := &entryBody{r: x.tr}
	if e.Size == 0 {
		body.r = strings.NewReader("")
	}
	e.Body = body
	err := x.fn(e)
	body.expired = true
	return err
}

// entryBody reports archive read errors as s3err errors and refuses reads
// once the callback has returned, when the tar reader has moved on.
type entryBody struct {
	r       io.Reader
	expired bool
}

var errBodyExpired = errors.New("snowball: entry body read after its callback returned")

func (b *entryBody) Read(p []byte) (int, error) {
	if b.expired {
		return 0, errBodyExpired
	}
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF {
		err = malformed(err)
	}
	return n, err
}

func malformed(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return s3err.ErrMalformedArchive.WithMessage("The archive is truncated.")
	}
	return s3err.ErrMalformedArchive.WithMessage("The archive is corrupt: %v.", err)
}

// decompress returns the tar stream of r and a check to run after the
// tar's end: for gzip, reading on to the gzip trailer so that a corrupt
// checksum is not missed (the tar reader stops at the end marker).
func decompress(r io.Reader) (io.Reader, func() error, error) {
	br := bufio.NewReader(r)
	magic, _ := br.Peek(2)
	if len(magic) < 2 || magic[0] != 0x1f || magic[1] != 0x8b {
		return br, func() error { return nil }, nil
	}
	gz, err := gzip.NewReader(br)
	if err != nil {
		return nil, nil, malformed(err)
	}
	return gz, func() error { return drainGzip(gz) }, nil
}

func drainGzip(gz *gzip.Reader) error {
	n, err := io.Copy(io.Discard, io.LimitReader(gz, maxGzipTrailer+1))
	if err != nil {
		return malformed(err)
	}
	if n > maxGzipTrailer {
		return s3err.ErrMalformedArchive.WithMessage("The archive has more than %d bytes after its end.", maxGzipTrailer)
	}
	return nil
}

// normalizePrefix makes the prefix header into a key prefix: no leading
// "/", a trailing "/" unless empty, and the same safety rules as names.
func normalizePrefix(p string) (string, error) {
	p = strings.TrimLeft(p, "/")
	if p == "" {
		return "", nil
	}
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	if reason := unsafeName(p); reason != "" {
		return "", s3err.ErrInvalidArgument.WithMessage("The %s %q %s.", PrefixHeader, abbreviate(p), reason)
	}
	return p, nil
}

// entryName returns the name as a key suffix, without the "./" that tar
// writers put before names, or "" for the archive root itself.
func entryName(name string) (string, error) {
	for strings.HasPrefix(name, "./") {
		name = strings.TrimLeft(name[1:], "/")
	}
	if name == "." {
		return "", nil
	}
	if reason := unsafeName(name); reason != "" {
		return "", s3err.ErrUnsafeArchiveEntry.WithMessage("The archive entry %q %s.", abbreviate(name), reason)
	}
	return name, nil
}

// unsafeName says why name may not become part of a key, or "". A key is
// only a string to kura, but these names escape directories wherever
// keys meet file systems (clients mirroring the bucket, gateways), and
// no honest archive has them. Backslashes count as separators for the
// same reason.
func unsafeName(name string) string {
	switch {
	case strings.IndexByte(name, 0) >= 0:
		return "contains a NUL byte"
	case !utf8.ValidString(name):
		return "is not valid UTF-8"
	case strings.HasPrefix(name, "/") || strings.HasPrefix(name, `\`):
		return "is an absolute path"
	}
	for _, elem := range strings.FieldsFunc(name, func(r rune) bool { return r == '/' || r == '\\' }) {
		if elem == "." || elem == ".." {
			return "has a \".\" or \"..\" path element"
		}
	}
	return ""
}

// abbreviate keeps error messages short whatever the archive holds.
func abbreviate(s string) string {
	const keep = 128
	if len(s) <= keep {
		return s
	}
	cut := keep
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}
