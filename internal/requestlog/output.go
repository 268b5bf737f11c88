package requestlog

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// output is where lines go: a file, rotated by size and reopened on
// demand, or a stream (standard output) that is neither. Lines gather in
// a buffer written out by flush; only the log's goroutine uses it.
type output struct {
	path     string // "" for a stream
	stream   io.Writer
	maxSize  int64 // 0: never rotate
	maxFiles int
	file     *os.File
	size     int64 // of the file, buffered lines included
	buf      []byte
	lines    int // in buf
}

// bufferSize is how much is gathered before it is written out between
// two flushes.
const bufferSize = 64 << 10

func openFile(path string, maxSize int64, maxFiles int) (*output, error) {
	o := &output{path: path, maxSize: maxSize, maxFiles: maxFiles, buf: make([]byte, 0, bufferSize)}
	if err := o.open(); err != nil {
		return nil, err
	}
	return o, nil
}

func streamOutput(w io.Writer) *output {
	return &output{stream: w, buf: make([]byte, 0, bufferSize)}
}

// open opens the file at its path for appending, creating it.
func (o *output) open() error {
	f, err := os.OpenFile(o.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	o.file, o.size = f, st.Size()
	return nil
}

// write adds one line, rotating the file first when the line would take
// it past its maximum size (a line longer than the maximum gets a file
// of its own). The line is always kept; write returns the earlier lines
// lost when writing them out failed, and the error.
func (o *output) write(line []byte) (lost int, err error) {
	if o.path != "" && o.maxSize > 0 && o.size > 0 && o.size+int64(len(line)) > o.maxSize {
		lost, err = o.flush()
		if rotateErr := o.rotate(); err == nil {
			err = rotateErr
		}
	}
	if len(o.buf)+len(line) > cap(o.buf) {
		n, flushErr := o.flush()
		lost += n
		if err == nil {
			err = flushErr
		}
	}
	o.buf = append(o.buf, line...)
	o.lines++
	o.size += int64(len(line))
	return lost, err
}

// flush writes the buffered lines out. When that fails they are lost
// (counted by the caller): holding them would hold every later line.
func (o *output) flush() (lost int, err error) {
	if len(o.buf) == 0 {
		return 0, nil
	}
	w := o.stream
	if o.path != "" {
		if o.file == nil {
			if err = o.open(); err != nil {
				return o.discard(), err
			}
			o.size += int64(len(o.buf)) // open counted only what the file holds
		}
		w = o.file
	}
	if _, err = w.Write(o.buf); err != nil {
		return o.discard(), err
	}
	o.buf, o.lines = o.buf[:0], 0
	return 0, nil
}

// discard empties the buffer, returning the lines it held.
func (o *output) discard() int {
	n := o.lines
	o.size -= int64(len(o.buf))
	o.buf, o.lines = o.buf[:0], 0
	return n
}

// rotate renames the file FILE.1, the older ones FILE.2 … FILE.<max>
// (the oldest beyond it overwritten), and opens a new FILE.
func (o *output) rotate() error {
	o.closeFile()
	for i := o.maxFiles - 1; i >= 1; i-- {
		if err := os.Rename(o.rotated(i), o.rotated(i+1)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	if err := os.Rename(o.path, o.rotated(1)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return o.open()
}

func (o *output) rotated(i int) string { return fmt.Sprintf("%s.%d", o.path, i) }

// reopen writes the buffered lines to the file it has open, which may
// have been renamed, and opens the file at its path afresh.
func (o *output) reopen() (lost int, err error) {
	if o.path == "" {
		return o.flush()
	}
	lost, err = o.flush()
	o.closeFile()
	if openErr := o.open(); err == nil {
		err = openErr
	}
	return lost, err
}

func (o *output) closeFile() {
	if o.file != nil {
		o.file.Close()
		o.file = nil
	}
}

// close writes the buffered lines out and closes the file.
func (o *output) close() (lost int, err error) {
	lost, err = o.flush()
	o.closeFile()
	return lost, err
}
