package object

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"hash"

	"github.com/kurastore/kura/checksum"
	"github.com/kurastore/kura/s3err"
)

// DefaultChecksum is the checksum S3 adds to an object written without
// one (since December 2024): a FULL_OBJECT CRC64NVME of the plaintext,
// computed as the body streams in. A multipart upload created without an
// algorithm gets it too, combined from its parts' (CompleteMultipartUpload).
const DefaultChecksum = checksum.CRC64NVME

// withDefault returns the request a write computes: the client's, or S3's
// default checksum when the client named none.
func (r ChecksumRequest) withDefault() ChecksumRequest {
	if r.Algorithm == "" {
		return ChecksumRequest{Algorithm: DefaultChecksum}
	}
	return r
}

// bodyDigest hashes a body as it is stored: MD5 for the ETag, the S3
// checksum the client asked for, and, for a part of an upload without a
// checksum algorithm, DefaultChecksum as well.
type bodyDigest struct {
	md5 hash.Hash
	alg checksum.Algorithm
	sum hash.Hash
	// dflt computes DefaultChecksum when alg is another algorithm (or
	// none) and the default is wanted too (alsoDefault).
	dflt hash.Hash
}

func newBodyDigest(alg checksum.Algorithm) *bodyDigest {
	d := &bodyDigest{md5: md5.New(), alg: alg}
	switch alg {
	case "":
	case checksum.MD5:
		// The ETag's MD5 is the checksum: hashing the body twice would
		// cost a third of a PUT's time.
		d.sum = d.md5
	default:
		d.sum = alg.New()
	}
	return d
}

// alsoDefault makes d compute DefaultChecksum besides the client's
// algorithm, once only when they are the same.
func (d *bodyDigest) alsoDefault() {
	if d.alg != DefaultChecksum {
		d.dflt = DefaultChecksum.New()
	}
}

func (d *bodyDigest) Write(p []byte) (int, error) {
	d.md5.Write(p)
	if d.sum != nil && d.sum != d.md5 {
		d.sum.Write(p)
	}
	if d.dflt != nil {
		d.dflt.Write(p)
	}
	return len(p), nil
}

// defaultSum is the DefaultChecksum of the body (base64) given sum, the
// value finish returned; empty unless alsoDefault was called or the
// client's algorithm is the default one.
func (d *bodyDigest) defaultSum(sum string) string {
	switch {
	case d.alg == DefaultChecksum:
		return sum
	case d.dflt != nil:
		return checksum.Encode(d.dflt.Sum(nil))
	}
	return ""
}

// finish checks the digests against what the client sent and returns the
// ETag and the checksum to store (empty when none was asked for).
func (d *bodyDigest) finish(contentMD5 []byte, req ChecksumRequest) (etag, sum string, err error) {
	m := d.md5.Sum(nil)
	if contentMD5 != nil && !bytes.Equal(m, contentMD5) {
		return "", "", s3err.ErrBadDigest
	}
	if d.sum != nil {
		raw := d.sum.Sum(nil)
		if req.Want != nil && !bytes.Equal(raw, req.Want) {
			return "", "", s3err.ErrChecksumMismatch.WithMessage("The %s you specified did not match the calculated checksum.", d.alg)
		}
		sum = checksum.Encode(raw)
	}
	return hex.EncodeToString(m), sum, nil
}

func checksumMap(alg checksum.Algorithm, sum string) map[string]string {
	if sum == "" {
		return nil
	}
	return map[string]string{string(alg): sum}
}
