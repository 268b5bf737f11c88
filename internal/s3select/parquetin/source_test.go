package parquetin

import (
	"io"
	"testing"
)

// exactSource answers a read that ends at the end of the object with a
// nil error, as io.ReaderAt allows.
type exactSource struct{ b []byte }

func (s exactSource) ReadAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) > int64(len(s.b)) {
		panic("read past the end of the object")
	}
	return copy(p, s.b[off:]), nil
}

func TestReadsStayInsideTheObject(t *testing.T) {
	src := &countingReaderAt{r: exactSource{[]byte("0123456789")}, size: 10}
	p := make([]byte, 4)
	for _, tc := range []struct {
		off  int64
		n    int
		err  error
		text string
	}{
		{0, 4, nil, "0123"},
		{6, 4, nil, "6789"},
		{7, 3, io.EOF, "789"},
		{10, 0, io.EOF, ""},
		{11, 0, io.ErrUnexpectedEOF, ""},
		{-1, 0, io.ErrUnexpectedEOF, ""},
	} {
		n, err := src.ReadAt(p, tc.off)
		if n != tc.n || err != tc.err || string(p[:n]) != tc.text {
			t.Errorf("ReadAt(%d) = %d %q, %v; want %d %q, %v", tc.off, n, p[:n], err, tc.n, tc.text, tc.err)
		}
	}
	if got := src.n.Load(); got != 4+4+3 {
		t.Errorf("counted %d bytes, want 11", got)
	}
	data := writeParquet(t, flatRows(10))
	if rows, err := readAll(data, exactSource{data}); rows != 10 || err != nil {
		t.Fatalf("%d rows, %v", rows, err)
	}
}
