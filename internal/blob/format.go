package blob

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// The framed format every blob is stored in:
//
//	header  = magic "KURB" | version:u8 | reserved:3 | blockSize:u32 (12 bytes)
//	block*  = data[blockSize] crc32c(data):u32   (the last block may be short)
//	footer  = dataLength:u64 crc32c(header||dataLength):u32 (12 bytes)
//
// Block checksums let a reader verify exactly the blocks a range touches.
// The footer records the data length, so a truncated or extended file is
// detected even when it ends on a block boundary.
const (
	formatMagic   = "KURB"
	formatVersion = 1
	headerSize    = 12
	footerSize    = 12
	crcSize       = 4
	// BlockSize is the data size of one block.
	BlockSize = 64 << 10
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func header(blockSize int) []byte {
	h := make([]byte, headerSize)
	copy(h, formatMagic)
	h[4] = formatVersion
	binary.BigEndian.PutUint32(h[8:], uint32(blockSize))
	return h
}

// FramedSize is the stored size of a blob holding n data bytes.
func FramedSize(n int64) int64 {
	blocks := (n + BlockSize - 1) / BlockSize
	return headerSize + n + blocks*crcSize + footerSize
}

// FrameWriter writes the framed format to an underlying writer.
type FrameWriter struct {
	w     io.Writer
	buf   []byte // one block plus its checksum
	n     int    // data bytes in buf
	total int64
	err   error
}

// NewFrameWriter writes the header and returns a writer for the data.
func NewFrameWriter(w io.Writer) (*FrameWriter, error) {
	if _, err := w.Write(header(BlockSize)); err != nil {
		return nil, err
	}
	return &FrameWriter{w: w, buf: make([]byte, BlockSize+crcSize)}, nil
}

func (f *FrameWriter) flushBlock() error {
	binary.BigEndian.PutUint32(f.buf[f.n:], crc32.Checksum(f.buf[:f.n], castagnoli))
	_, err := f.w.Write(f.buf[:f.n+crcSize])
	f.n = 0
	return err
}

func (f *FrameWriter) Write(p []byte) (int, error) {
	if f.err != nil {
		return 0, f.err
	}
	written := 0
	for len(p) > 0 {
		c := copy(f.buf[f.n:BlockSize], p)
		f.n += c
		p = p[c:]
		written += c
		f.total += int64(c)
		if f.n == BlockSize {
			if f.err = f.flushBlock(); f.err != nil {
				return written, f.err
			}
		}
	}
	return written, nil
}

// Close writes the last block and the footer, and returns the data size.
func (f *FrameWriter) Close() (int64, error) {
	if f.err != nil {
		return 0, f.err
	}
	if f.n > 0 {
		if err := f.flushBlock(); err != nil {
			return 0, err
		}
	}
	foot := make([]byte, footerSize)
	binary.BigEndian.PutUint64(foot, uint64(f.total))
	c := crc32.Update(crc32.Checksum(header(BlockSize), castagnoli), castagnoli, foot[:8])
	binary.BigEndian.PutUint32(foot[8:], c)
	_, err := f.w.Write(foot)
	return f.total, err
}

// ReadFooter returns the data length a framed blob of fileSize bytes
// records, checking the header and footer.
func ReadFooter(r io.ReaderAt, fileSize int64) (int64, error) {
	if fileSize < headerSize+footerSize {
		return 0, fmt.Errorf("%w: file of %d bytes is too short", ErrCorrupt, fileSize)
	}
	h := make([]byte, headerSize)
	if _, err := r.ReadAt(h, 0); err != nil {
		return 0, err
	}
	if string(h[:4]) != formatMagic || h[4] != formatVersion || binary.BigEndian.Uint32(h[8:]) != BlockSize {
		return 0, fmt.Errorf("%w: bad header", ErrCorrupt)
	}
	foot := make([]byte, footerSize)
	if _, err := r.ReadAt(foot, fileSize-footerSize); err != nil {
		return 0, err
	}
	c := crc32.Update(crc32.Checksum(h, castagnoli), castagnoli, foot[:8])
	if c != binary.BigEndian.Uint32(foot[8:]) {
		return 0, fmt.Errorf("%w: bad footer", ErrCorrupt)
	}
	n := int64(binary.BigEndian.Uint64(foot))
	if n < 0 || FramedSize(n) != fileSize {
		return 0, fmt.Errorf("%w: length %d does not match file size %d", ErrCorrupt, n, fileSize)
	}
	return n, nil
}

// RangeReader reads [off, off+n) of a framed blob's data, verifying every
// block before returning any of its bytes.
type RangeReader struct {
	r        io.ReaderAt
	size     int64 // data size
	off, end int64
	// pending are verified data not yet returned, as slices of block (the
	// data of each block, between the checksums, so nothing is copied
	// to put it together).
	pending [][]byte
	block   []byte
	err     error
}

// readBlocks is how many blocks one ReadAt fetches: fewer syscalls for
// large sequential reads.
const readBlocks = 16

// NewRangeReader returns a reader of [off, off+n) of a blob whose data is
// size bytes. The caller has checked the footer (ReadFooter).
func NewRangeReader(r io.ReaderAt, size, off, n int64) (*RangeReader, error) {
	if off < 0 || n < 0 || off+n > size {
		return nil, fmt.Errorf("blob: range %d+%d outside %d bytes", off, n, size)
	}
	return &RangeReader{r: r, size: size, off: off, end: off + n}, nil
}

func (rr *RangeReader) Read(p []byte) (int, error) {
	if len(rr.pending) == 0 {
		if rr.err != nil {
			return 0, rr.err
		}
		if rr.off >= rr.end {
			return 0, io.EOF
		}
		if err := rr.fill(); err != nil {
			rr.err = err
			return 0, err
		}
	}
	n := 0
	for n < len(p) && len(rr.pending) > 0 {
		c := copy(p[n:], rr.pending[0])
		n += c
		if rr.pending[0] = rr.pending[0][c:]; len(rr.pending[0]) == 0 {
			rr.pending = rr.pending[1:]
		}
	}
	return n, nil
}

// fill reads and verifies the blocks from rr.off onwards.
func (rr *RangeReader) fill() error {
	first := rr.off / BlockSize
	last := (rr.end - 1) / BlockSize
	count := min(last-first+1, readBlocks)
	if rr.block == nil {
		rr.block = make([]byte, int(min(count, readBlocks))*(BlockSize+crcSize))
	}
	start := headerSize + first*(BlockSize+crcSize)
	// Bytes stored for blocks [first, first+count).
	dataEnd := min((first+count)*BlockSize, rr.size)
	stored := (dataEnd - first*BlockSize) + count*crcSize
	buf := rr.block[:stored]
	if _, err := rr.r.ReadAt(buf, start); err != nil {
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("%w: blob is truncated", ErrCorrupt)
		}
		return err
	}
	// Verify every block, then hand out the wanted part of each.
	pending := rr.pending[:0]
	lo := rr.off - first*BlockSize               // offset of the range in the first block
	hi := min(dataEnd, rr.end) - first*BlockSize // end of the range, from the first block
	for b := int64(0); b < count; b++ {
		blockLen := min(int64(BlockSize), rr.size-(first+b)*BlockSize)
		chunk := buf[b*(BlockSize+crcSize):]
		data := chunk[:blockLen]
		want := binary.BigEndian.Uint32(chunk[blockLen : blockLen+crcSize])
		if crc32.Checksum(data, castagnoli) != want {
			return fmt.Errorf("%w: block %d", ErrCorrupt, first+b)
		}
		start, end := b*BlockSize, b*BlockSize+blockLen // in range coordinates
		if end <= lo || start >= hi {
			continue
		}
		pending = append(pending, data[max(lo-start, 0):min(hi, end)-start])
	}
	rr.pending = pending
	rr.off = first*BlockSize + hi
	return nil
}
