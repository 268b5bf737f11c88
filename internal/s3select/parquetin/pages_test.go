package parquetin

import (
	"bytes"
	"encoding/binary"
	"errors"
	"runtime"
	"testing"

	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// chunkOf encodes a chunk of one data page: its header, then dataLen
// bytes of page data.
func chunkOf(t *testing.T, h format.PageHeader, dataLen int) []byte {
	t.Helper()
	b, err := thrift.Marshal(new(thrift.CompactProtocol), &h)
	if err != nil {
		t.Fatal(err)
	}
	return append(b, make([]byte, dataLen)...)
}

func dataPage(compressed, uncompressed, values int32) format.PageHeader {
	h := format.PageHeader{Type: format.DataPage, CompressedPageSize: compressed, UncompressedPageSize: uncompressed}
	h.DataPageHeader.Valid = true
	h.DataPageHeader.V.NumValues = values
	return h
}

func TestPageLimits(t *testing.T) {
	for _, tc := range []struct {
		name    string
		h       format.PageHeader
		dataLen int
		ok      bool
	}{
		{"plain", dataPage(10, 10, 5), 10, true},
		{"values at limit", dataPage(10, 10, maxPageValues), 10, true},
		{"values past limit", dataPage(10, 10, maxPageValues+1), 10, false},
		{"uncompressed at limit", dataPage(10, maxPageSize, 5), 10, true},
		{"uncompressed past limit", dataPage(10, maxPageSize+1, 5), 10, false},
		{"compressed at chunk end", dataPage(10, 10, 5), 10, true},
		{"compressed past chunk end", dataPage(11, 10, 5), 10, false},
		{"compressed past limit", dataPage(maxPageSize+1, 10, 5), 10, false},
		{"negative", dataPage(-1, 10, 5), 10, false},
	} {
		chunk := chunkOf(t, tc.h, tc.dataLen)
		err := checkPages(bytes.NewReader(chunk), 0, int64(len(chunk)))
		if (err == nil) != tc.ok {
			t.Errorf("%s: err = %v, want ok %v", tc.name, err, tc.ok)
		}
	}
	// A chunk of two pages, the second one bad, is caught too.
	two := append(chunkOf(t, dataPage(3, 3, 1), 3), chunkOf(t, dataPage(3, 3, maxPageValues+1), 3)...)
	if err := checkPages(bytes.NewReader(two), 0, int64(len(two))); err == nil {
		t.Error("bad second page passed")
	}
}

func TestPageHeaderLargerThanFirstRead(t *testing.T) {
	h := dataPage(4, 4, 1)
	h.DataPageHeader.V.Statistics.MinValue = bytes.Repeat([]byte{'m'}, 3*firstHeaderRead)
	h.DataPageHeader.V.Statistics.MaxValue = bytes.Repeat([]byte{'z'}, 3*firstHeaderRead)
	chunk := chunkOf(t, h, 4)
	if err := checkPages(bytes.NewReader(chunk), 0, int64(len(chunk))); err != nil {
		t.Fatalf("a long header: %v", err)
	}
	if err := checkPages(bytes.NewReader(chunk), 0, int64(len(chunk)-5)); err == nil {
		t.Fatal("a header cut by the chunk's end passed")
	}
}

// withPageHeader replaces the first page header of the chunk of column
// leaf in the first row group by what edit makes of it. Later offsets
// are not moved: only that chunk stays readable up to the header.
func withPageHeader(t *testing.T, data []byte, leaf int, edit func(*format.PageHeader)) []byte {
	t.Helper()
	footerLen := int(binary.LittleEndian.Uint32(data[len(data)-8:]))
	var meta format.FileMetaData
	if err := thrift.Unmarshal(new(thrift.CompactProtocol), data[len(data)-8-footerLen:len(data)-8], &meta); err != nil {
		t.Fatal(err)
	}
	start, _ := chunkSpan(&meta.RowGroups[0].Columns[leaf].MetaData)
	var h format.PageHeader
	pr := new(thrift.CompactProtocol).NewReaderFromBytes(data[start:])
	if err := thrift.NewDecoder(pr).Decode(&h); err != nil {
		t.Fatal(err)
	}
	edit(&h)
	nh, err := thrift.Marshal(new(thrift.CompactProtocol), &h)
	if err != nil {
		t.Fatal(err)
	}
	out := append([]byte(nil), data[:start]...)
	out = append(out, nh...)
	return append(out, data[int(start)+pr.BytesRead():]...)
}

// TestHostilePageHeaderAllocatesLittle checks that a page header stating
// huge sizes is refused before the decoder allocates buffers of those
// sizes.
func TestHostilePageHeaderAllocatesLittle(t *testing.T) {
	data := writeParquet(t, flatRows(100))
	const note = 8 // an optional column: the decoder reads its levels
	for name, edit := range map[string]func(*format.PageHeader){
		"values": func(h *format.PageHeader) {
			h.DataPageHeader.V.NumValues = 1 << 30
			h.DataPageHeaderV2.V.NumValues = 1 << 30
		},
		"compressed":   func(h *format.PageHeader) { h.CompressedPageSize = 1 << 30 },
		"uncompressed": func(h *format.PageHeader) { h.UncompressedPageSize = 1 << 30 },
	} {
		bad := withPageHeader(t, data, note, edit)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		rd, err := Open(bytes.NewReader(bad), int64(len(bad)), Options{Columns: []string{"note"}})
		if err == nil {
			_, err = rd.Read()
		}
		runtime.ReadMemStats(&after)
		if !errors.Is(err, errParsing) {
			t.Errorf("%s: err = %v, want ParquetParsingError", name, err)
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
			t.Errorf("%s: reading allocated %d MiB", name, grew>>20)
		}
	}
}
