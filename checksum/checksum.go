// Package checksum names the S3 checksum algorithms (CRC32, CRC32C,
// CRC64NVME, SHA1, SHA256, and since April 2026 MD5, SHA512, XXHASH64,
// XXHASH3 and XXHASH128) and verifies data against an expected digest.
// It is a leaf shared by the server and the Go SDK.
package checksum

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"strings"

	"github.com/cespare/xxhash/v2"
	"github.com/minio/crc64nvme"
	"github.com/zeebo/xxh3"
)

// Algorithm is an S3 checksum algorithm name.
type Algorithm string

const (
	CRC32     Algorithm = "CRC32"
	CRC32C    Algorithm = "CRC32C"
	CRC64NVME Algorithm = "CRC64NVME"
	SHA1      Algorithm = "SHA1"
	SHA256    Algorithm = "SHA256"
	MD5       Algorithm = "MD5"
	SHA512    Algorithm = "SHA512"
	XXHASH64  Algorithm = "XXHASH64"
	XXHASH3   Algorithm = "XXHASH3"   // XXH3-64
	XXHASH128 Algorithm = "XXHASH128" // XXH3-128
)

// All lists the algorithms, in the order S3 lists them.
var All = []Algorithm{CRC32, CRC32C, CRC64NVME, SHA1, SHA256, MD5, SHA512, XXHASH64, XXHASH3, XXHASH128}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ParseAlgorithm accepts an algorithm name in any case.
func ParseAlgorithm(s string) (Algorithm, error) {
	a := Algorithm(strings.ToUpper(s))
	for _, known := range All {
		if a == known {
			return a, nil
		}
	}
	return "", fmt.Errorf("checksum: unknown algorithm %q", s)
}

// FromHeader returns the algorithm whose header is name
// (x-amz-checksum-crc32 and so on).
func FromHeader(name string) (Algorithm, bool) {
	rest, ok := strings.CutPrefix(strings.ToLower(name), "x-amz-checksum-")
	if !ok {
		return "", false
	}
	a, err := ParseAlgorithm(rest)
	return a, err == nil
}

// New returns a hash computing a. Its Sum is the raw digest S3 encodes:
// the CRCs and the xxhash values big-endian, as the SDKs send them.
func (a Algorithm) New() hash.Hash {
	switch a {
	case CRC32:
		return crc32.NewIEEE()
	case CRC32C:
		return crc32.New(castagnoli)
	case CRC64NVME:
		// S3 adds a CRC64NVME to every object written without a checksum,
		// so it is computed on every such write: crc64nvme folds with
		// carry-less multiplication (PCLMULQDQ, PMULL) where hash/crc64's
		// table is byte-at-a-time. Same polynomial, same values
		// (TestCRC64NVMEMatchesTable).
		return crc64nvme.New()
	case SHA1:
		return sha1.New()
	case SHA256:
		return sha256.New()
	case MD5:
		return md5.New()
	case SHA512:
		return sha512.New()
	case XXHASH64:
		return xxhash.New()
	case XXHASH3:
		return xxh3.New()
	case XXHASH128:
		return xxh3.New128()
	}
	return nil
}

// HeaderName is the header carrying a's value.
func (a Algorithm) HeaderName() string { return "x-amz-checksum-" + strings.ToLower(string(a)) }

// Encode renders a digest as S3 sends it: standard base64.
func Encode(sum []byte) string { return base64.StdEncoding.EncodeToString(sum) }

// Decode parses a base64 value and checks its length for a.
func (a Algorithm) Decode(v string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(b) != a.New().Size() {
		return nil, fmt.Errorf("checksum: invalid %s value %q", a, v)
	}
	return b, nil
}

// NewVerifyingReader passes r through while hashing it with h; at EOF it
// returns mismatch instead of io.EOF when the digest differs from want.
func NewVerifyingReader(r io.Reader, h hash.Hash, want []byte, mismatch error) io.Reader {
	return &verifyingReader{r: r, h: h, want: want, mismatch: mismatch}
}

type verifyingReader struct {
	r        io.Reader
	h        hash.Hash
	want     []byte
	mismatch error
}

func (v *verifyingReader) Read(p []byte) (int, error) {
	n, err := v.r.Read(p)
	v.h.Write(p[:n])
	if err == io.EOF && !bytes.Equal(v.h.Sum(nil), v.want) {
		return n, v.mismatch
	}
	return n, err
}
