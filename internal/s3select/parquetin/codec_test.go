package parquetin

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/kurastore/kura/s3err"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// withCodec rewrites the footer of data so that the chunks of column leaf
// claim codec.
func withCodec(t *testing.T, data []byte, leaf int, codec format.CompressionCodec) []byte {
	t.Helper()
	return rewriteFooter(t, data, func(meta *format.FileMetaData) {
		for g := range meta.RowGroups {
			meta.RowGroups[g].Columns[leaf].MetaData.Codec = codec
		}
	})
}

// rewriteFooter replaces the footer of data by what edit makes of it.
func rewriteFooter(t *testing.T, data []byte, edit func(*format.FileMetaData)) []byte {
	t.Helper()
	footerLen := int(binary.LittleEndian.Uint32(data[len(data)-8:]))
	footerStart := len(data) - 8 - footerLen
	var meta format.FileMetaData
	if err := thrift.Unmarshal(new(thrift.CompactProtocol), data[footerStart:len(data)-8], &meta); err != nil {
		t.Fatal(err)
	}
	edit(&meta)
	footer, err := thrift.Marshal(new(thrift.CompactProtocol), &meta)
	if err != nil {
		t.Fatal(err)
	}
	out := append([]byte(nil), data[:footerStart]...)
	out = append(out, footer...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(footer)))
	return append(out, "PAR1"...)
}

func TestUnsupportedCodec(t *testing.T) {
	data := writeParquet(t, flatRows(10))
	if rows, err := readAll(withCodec(t, data, 2, format.Uncompressed), nil); rows != 10 || err != nil {
		t.Fatalf("rewritten footer: %d rows, %v", rows, err)
	}
	for _, codec := range []format.CompressionCodec{format.LZO, format.Lz4, 99} {
		lzo := withCodec(t, data, 2, codec) // the column age
		_, err := readAll(lzo, nil)
		if !errors.Is(err, s3err.ErrParquetUnsupportedCompressionCodec) {
			t.Errorf("codec %d: err = %v, want ParquetUnsupportedCompressionCodec", codec, err)
		}
		// A query that does not read the column does not mind.
		rd, err := Open(bytes.NewReader(lzo), int64(len(lzo)), Options{Columns: []string{"id"}})
		if err != nil {
			t.Errorf("codec %d on a column not read: %v", codec, err)
			continue
		}
		rd.Close()
	}
}
