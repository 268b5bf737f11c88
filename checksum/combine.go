package checksum

import (
	"encoding/binary"
	"fmt"
)

// Reflected polynomials of the CRCs that can be combined.
const (
	polyCRC32     = 0xEDB88320
	polyCRC32C    = 0x82F63B78
	polyCRC64NVME = 0x9A6C9329AC4BC9B5
)

// Combinable reports whether a full-object checksum can be computed from
// the checksums of consecutive parts: true for the CRCs, false for the
// SHA digests.
func (a Algorithm) Combinable() bool {
	return a == CRC32 || a == CRC32C || a == CRC64NVME
}

// Combine returns the checksum of A‖B from the checksum of A, the checksum
// of B and the length of B, without the data. S3 uses it for the
// FULL_OBJECT checksum of a multipart upload.
//
// Appending len(B) zero bytes to A is a linear map on the CRC register;
// it is applied by repeated squaring of the one-zero-bit operator over
// GF(2), so the cost is logarithmic in len(B).
func (a Algorithm) Combine(sumA, sumB []byte, lenB int64) ([]byte, error) {
	var poly uint64
	var width int
	switch a {
	case CRC32:
		poly, width = polyCRC32, 32
	case CRC32C:
		poly, width = polyCRC32C, 32
	case CRC64NVME:
		poly, width = polyCRC64NVME, 64
	default:
		return nil, fmt.Errorf("checksum: %s cannot be combined", a)
	}
	if len(sumA) != width/8 || len(sumB) != width/8 {
		return nil, fmt.Errorf("checksum: %s value has the wrong length", a)
	}
	var crcA, crcB uint64
	if width == 32 {
		crcA, crcB = uint64(binary.BigEndian.Uint32(sumA)), uint64(binary.BigEndian.Uint32(sumB))
	} else {
		crcA, crcB = binary.BigEndian.Uint64(sumA), binary.BigEndian.Uint64(sumB)
	}
	out := combineCRC(crcA, crcB, lenB, poly, width)
	if width == 32 {
		return binary.BigEndian.AppendUint32(nil, uint32(out)), nil
	}
	return binary.BigEndian.AppendUint64(nil, out), nil
}

func gf2Times(mat []uint64, vec uint64) uint64 {
	var sum uint64
	for i := 0; vec != 0; i, vec = i+1, vec>>1 {
		if vec&1 != 0 {
			sum ^= mat[i]
		}
	}
	return sum
}

func gf2Square(square, mat []uint64) {
	for n := range mat {
		square[n] = gf2Times(mat, mat[n])
	}
}

func combineCRC(crcA, crcB uint64, lenB int64, poly uint64, width int) uint64 {
	if lenB <= 0 {
		return crcA
	}
	odd := make([]uint64, width)  // operator for an odd power of two zero bits
	even := make([]uint64, width) // and for an even one
	odd[0] = poly
	row := uint64(1)
	for n := 1; n < width; n++ {
		odd[n] = row
		row <<= 1
	}
	gf2Square(even, odd) // two zero bits
	gf2Square(odd, even) // four zero bits
	for {
		gf2Square(even, odd) // the first pass gives one zero byte
		if lenB&1 != 0 {
			crcA = gf2Times(even, crcA)
		}
		if lenB >>= 1; lenB == 0 {
			break
		}
		gf2Square(odd, even)
		if lenB&1 != 0 {
			crcA = gf2Times(odd, crcA)
		}
		if lenB >>= 1; lenB == 0 {
			break
		}
	}
	return crcA ^ crcB
}
