package input

import (
	"bytes"
	"io"
)

// window is a sliding buffer over the uncompressed stream in which
// parsers find records. A parser looks at unread() and either consumes a
// complete record or asks for more; the buffer grows up to what one
// record may take, so memory stays bounded whatever the object's size.
type window struct {
	src  io.Reader
	buf  []byte
	r, w int
	pos  int64 // the object's offset of buf[r]
	eof  bool
	err  error
}

const (
	initialWindow = 64 << 10
	// maxWindow holds a record of MaxRecordSize with its delimiter and
	// the bytes a parser needs to see past it.
	maxWindow = MaxRecordSize + 64<<10
)

func newWindow(src io.Reader, offset int64) *window {
	return &window{src: src, buf: make([]byte, initialWindow), pos: offset}
}

func (w *window) unread() []byte { return w.buf[w.r:w.w] }

func (w *window) consume(n int) {
	w.r += n
	w.pos += int64(n)
}

// more reads more of the stream, keeping the unread bytes. It reports
// false at the end of the stream or on an error (in w.err), and when
// the unread bytes already fill the largest window.
func (w *window) more() bool {
	if w.eof || w.err != nil {
		return false
	}
	if w.r > 0 {
		n := copy(w.buf, w.buf[w.r:w.w])
		w.r, w.w = 0, n
	}
	if w.w == len(w.buf) {
		if len(w.buf) >= maxWindow {
			return false
		}
		grown := make([]byte, min(2*len(w.buf), maxWindow))
		copy(grown, w.buf[:w.w])
		w.buf = grown
	}
	// Fill what is free, so that a long record, which is parsed again
	// from its start after each call, is parsed only a few times.
	for empty := 0; w.w < len(w.buf); {
		n, err := w.src.Read(w.buf[w.w:])
		w.w += n
		switch {
		case err == io.EOF:
			w.eof = true
			return true
		case err != nil:
			w.err = err
			return true
		case n == 0:
			if empty++; empty > 100 {
				w.err = io.ErrNoProgress
				return true
			}
		}
	}
	return true
}

// full reports whether the unread bytes fill the largest window: a
// record that still has not ended is too long.
func (w *window) full() bool { return w.w-w.r >= maxWindow }

// skipPast consumes the stream up to and including the first occurrence
// of delim, or all of it.
func (w *window) skipPast(delim []byte) error {
	for {
		if i := bytes.Index(w.unread(), delim); i >= 0 {
			w.consume(i + len(delim))
			return nil
		}
		// Keep a possible partial delimiter at the end.
		keep := min(len(delim)-1, w.w-w.r)
		w.consume(w.w - w.r - keep)
		if !w.more() {
			if w.err != nil {
				return w.err
			}
			w.consume(w.w - w.r)
			return nil
		}
	}
}
