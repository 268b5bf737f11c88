package parquetin

import (
	"io"

	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// Limits on the pages of a column chunk. The decoder allocates buffers of
// the sizes and value counts a page header states before it reads the
// page, so a damaged or hostile header could make it allocate gigabytes;
// checkPages rejects such headers first. Writers keep pages near 1 MiB
// and 20,000 values: these limits are far above any genuine page.
const (
	maxPageSize   = 128 << 20 // compressed or uncompressed bytes
	maxPageValues = 1 << 24
	// Page headers hold the page's statistics, whose minimum and
	// maximum of a byte array column can be long.
	firstHeaderRead = 256
	maxHeaderSize   = 16 << 20
)

// chunkSpan is where a column chunk lies in the file: from its
// dictionary page if it has one, else its first data page.
func chunkSpan(m *format.ColumnMetaData) (start, length int64) {
	start = m.DataPageOffset
	if m.DictionaryPageOffset != 0 {
		start = m.DictionaryPageOffset
	}
	return start, m.TotalCompressedSize
}

// checkPages reads the header of every page of the chunk at [start,
// start+length) of r, skipping the pages themselves, and returns
// errParsing for a header whose sizes or counts break the limits or do
// not fit in the chunk. It costs one small read per page.
func checkPages(r io.ReaderAt, start, length int64) error {
	end := start + length
	buf := make([]byte, firstHeaderRead)
	for off := start; off < end; {
		header, size, err := readPageHeader(r, off, end, buf)
		if err != nil {
			return err
		}
		off += int64(size)
		data := int64(header.CompressedPageSize)
		switch {
		case data < 0 || data > maxPageSize || data > end-off,
			header.UncompressedPageSize < 0 || header.UncompressedPageSize > maxPageSize,
			pageValues(header) > maxPageValues:
			return errParsing
		}
		off += data
	}
	return nil
}

// readPageHeader decodes the page header at off, reading more of the
// chunk while the header does not fit in what was read.
func readPageHeader(r io.ReaderAt, off, end int64, buf []byte) (*format.PageHeader, int, error) {
	for {
		n := int(min(int64(len(buf)), end-off))
		got, err := r.ReadAt(buf[:n], off)
		if got < n {
			if err == nil || err == io.EOF {
				err = errParsing
			}
			return nil, 0, err
		}
		header := new(format.PageHeader)
		pr := new(thrift.CompactProtocol).NewReaderFromBytes(buf[:n])
		if thrift.NewDecoder(pr).Decode(header) == nil {
			return header, pr.BytesRead(), nil
		}
		if n < len(buf) || len(buf) >= maxHeaderSize {
			return nil, 0, errParsing // the chunk ends inside a bad header
		}
		buf = make([]byte, 4*len(buf))
	}
}

func pageValues(h *format.PageHeader) int64 {
	var n int64
	if h.DataPageHeader.Valid {
		n = max(n, int64(h.DataPageHeader.V.NumValues))
	}
	if h.DataPageHeaderV2.Valid {
		n = max(n, int64(h.DataPageHeaderV2.V.NumValues), int64(h.DataPageHeaderV2.V.NumRows))
	}
	if h.DictionaryPageHeader.Valid {
		n = max(n, int64(h.DictionaryPageHeader.V.NumValues))
	}
	return n
}
