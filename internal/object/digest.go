package object

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"hash"

	"github.com/kurastore/kura/checksum"
	"github.com/kurastore/kura/s3err"
)

// bodyDigest hashes a body as it is stored: MD5 for the ETag and, when the
// client asked for one, an S3 checksum.
type bodyDigest struct {
	md5 hash.Hash
	alg checksum.Algorithm
	sum hash.Hash
}

func newBodyDigest(alg checksum.Algorithm) *bodyDigest {
	d := &bodyDigest{md5: md5.New(), alg: alg}
	if alg != "" {
		d.sum = alg.New()
	}
	return d
}

func (d *bodyDigest) Write(p []byte) (int, error) {
	d.md5.Write(p)
	if d.sum != nil {
		d.sum.Write(p)
	}
	return len(p), nil
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
