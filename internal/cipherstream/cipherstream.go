package cipherstream

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

const (
	// PackageSize is the plaintext size of every package but the last.
	PackageSize = 64 << 10
	// Overhead is what sealing adds to a package: the GCM tag.
	Overhead = 16
	// KeySize is the size of object and stream keys (AES-256).
	KeySize = 32

	sealedPackageSize = PackageSize + Overhead
	nonceSize         = 12
)

var (
	// ErrAuth is returned when a package fails authentication: the data
	// was altered, truncated, or sealed under another key.
	ErrAuth = errors.New("cipherstream: message authentication failed")
	// ErrKeySize is returned for a key that is not KeySize bytes.
	ErrKeySize = errors.New("cipherstream: key must be 32 bytes")
)

// StreamKey derives the key of one stream from an object key and a salt
// unique to the stream, with HKDF-SHA256.
func StreamKey(objectKey []byte, salt string) ([]byte, error) {
	if len(objectKey) != KeySize {
		return nil, ErrKeySize
	}
	return hkdf.Key(sha256.New, objectKey, nil, "kura cipherstream v1 "+salt, KeySize)
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) != KeySize {
		return nil, ErrKeySize
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// packages is the number of packages of a plaintext of size bytes: at
// least one, so that even an empty stream is authenticated.
func packages(size int64) int64 {
	if size <= 0 {
		return 1
	}
	return (size + PackageSize - 1) / PackageSize
}

// SealedSize is the size of the stream that seals size plaintext bytes.
func SealedSize(size int64) int64 {
	return size + packages(size)*Overhead
}

// Span says which part of a sealed stream holds the plaintext range
// [off, off+n) of a plaintext of size bytes: read Length sealed bytes from
// Offset, give them to NewReader with First and Last, and skip Skip
// plaintext bytes of what it returns.
type Span struct {
	Offset, Length int64
	First, Last    int64 // package numbers
	Skip           int64
}

// SpanOf returns the Span of [off, off+n) in a plaintext of size bytes.
// The range must lie within the plaintext; n may be 0.
func SpanOf(off, n, size int64) Span {
	first := off / PackageSize
	last := packages(size) - 1
	if n > 0 {
		last = min(last, (off+n-1)/PackageSize)
	} else {
		last = min(last, first)
	}
	end := min((last+1)*sealedPackageSize, SealedSize(size))
	start := first * sealedPackageSize
	return Span{Offset: start, Length: end - start, First: first, Last: last, Skip: off - first*PackageSize}
}

func nonce(buf *[nonceSize]byte, seq int64, last bool) []byte {
	binary.BigEndian.PutUint64(buf[:8], uint64(seq))
	buf[8] = 0
	if last {
		buf[8] = 1
	}
	return buf[:]
}

// Writer seals what is written to it into the stream it writes to w. Close
// seals the last package; the stream is incomplete without it.
type Writer struct {
	w    io.Writer
	aead cipher.AEAD
	buf  []byte // plaintext of the open package, then its sealed form
	seq  int64
	n    [nonceSize]byte
	err  error
}

// NewWriter returns a Writer that seals with key (KeySize bytes).
func NewWriter(w io.Writer, key []byte) (*Writer, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	return &Writer{w: w, aead: aead, buf: make([]byte, 0, sealedPackageSize)}, nil
}

// Write buffers p and writes every package it completes. A package is
// sealed only once the next byte arrives, so the last one can be marked.
func (w *Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	written := 0
	for len(p) > 0 {
		if len(w.buf) == PackageSize {
			if err := w.flush(false); err != nil {
				return written, err
			}
		}
		n := copy(w.buf[len(w.buf):PackageSize], p)
		w.buf = w.buf[:len(w.buf)+n]
		p = p[n:]
		written += n
	}
	return written, nil
}

func (w *Writer) flush(last bool) error {
	sealed := w.aead.Seal(w.buf[:0], nonce(&w.n, w.seq, last), w.buf, nil)
	n, err := w.w.Write(sealed)
	if err == nil && n < len(sealed) {
		// A writer that drops bytes without saying so must not pass
		// for one that stored them.
		err = io.ErrShortWrite
	}
	if err != nil {
		w.err = err
		return err
	}
	w.buf = w.buf[:0]
	w.seq++
	return nil
}

// Close seals the last package. It does not close the underlying writer.
func (w *Writer) Close() error {
	if w.err != nil {
		return w.err
	}
	err := w.flush(true)
	if err == nil {
		w.err = errors.New("cipherstream: write after Close")
	}
	return err
}

// Reader opens the packages First..Last of a stream read from r.
type Reader struct {
	r     io.Reader
	aead  cipher.AEAD
	seq   int64 // the next package to open
	end   int64 // the last package to open
	final bool  // end is the stream's final package
	buf   []byte
	plain []byte // unread plaintext of the current package
	n     [nonceSize]byte
	err   error
}

// NewReader returns a Reader of packages first..last of a stream sealed
// with key; final says whether last is the stream's final package. r must
// deliver exactly those sealed packages (a Span says where they are).
func NewReader(r io.Reader, key []byte, first, last int64, final bool) (*Reader, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	return &Reader{r: r, aead: aead, seq: first, end: last, final: final, buf: make([]byte, sealedPackageSize)}, nil
}

// NewSpanReader is NewReader for the packages of span in a plaintext of
// size bytes.
func NewSpanReader(r io.Reader, key []byte, span Span, size int64) (*Reader, error) {
	return NewReader(r, key, span.First, span.Last, span.Last == packages(size)-1)
}

func (r *Reader) Read(p []byte) (int, error) {
	for len(r.plain) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		r.err = r.open()
	}
	n := copy(p, r.plain)
	r.plain = r.plain[n:]
	return n, nil
}

// open reads and opens the next package, or reports io.EOF after the last.
func (r *Reader) open() error {
	if r.seq > r.end {
		return io.EOF
	}
	isLast := r.final && r.seq == r.end
	n, err := io.ReadFull(r.r, r.buf)
	switch {
	case err == io.ErrUnexpectedEOF || err == io.EOF:
		// Only the stream's final package may be short.
		if !isLast {
			return fmt.Errorf("%w: stream is truncated", ErrAuth)
		}
	case err != nil:
		return err
	case isLast:
		// A full final package must be followed by nothing.
		var one [1]byte
		if m, _ := io.ReadFull(r.r, one[:]); m > 0 {
			return fmt.Errorf("%w: data after the last package", ErrAuth)
		}
	}
	plain, err := r.aead.Open(r.buf[:0], nonce(&r.n, r.seq, isLast), r.buf[:n], nil)
	if err != nil {
		return ErrAuth
	}
	r.seq++
	r.plain = plain
	return nil
}

// Seal returns plain sealed as a whole stream: small (inline) data.
func Seal(key, plain []byte) ([]byte, error) {
	var b bytes.Buffer
	b.Grow(int(SealedSize(int64(len(plain)))))
	w, err := NewWriter(&b, key)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(plain); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
