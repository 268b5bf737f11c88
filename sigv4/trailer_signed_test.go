package sigv4

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"hash/crc32"
	"io"
	"net/http"
	"testing"

	"github.com/minio/minio-go/v7/pkg/signer"

	"github.com/kurastore/kura/checksum"
	"github.com/kurastore/kura/s3err"
)

// Signed streams with a trailing checksum, as minio-go writes them (an
// empty line between the trailing headers and the trailer signature) and
// as AWS SDKs do (no empty line).
func TestStreamingSignedTrailer(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 10000) // several chunks
	crc := crc32.ChecksumIEEE(data)
	right := checksum.Encode([]byte{byte(crc >> 24), byte(crc >> 16), byte(crc >> 8), byte(crc)})
	build := func(sum string, awsStyle bool) *http.Request {
		r, _ := http.NewRequest("PUT", "http://127.0.0.1:9000/b/k", bytes.NewReader(data))
		r.Trailer = http.Header{"x-amz-checksum-crc32": {sum}}
		r = signer.StreamingSignV4(r, testAK, testSK, "", "us-east-1", int64(len(data)), testNow, closingHash{sha256.New()})
		if awsStyle {
			enc, _ := io.ReadAll(r.Body)
			enc = bytes.Replace(enc, []byte("\n\r\nx-amz-trailer-signature:"), []byte("\r\nx-amz-trailer-signature:"), 1)
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(enc)), int64(len(enc))
		}
		return r
	}
	for _, awsStyle := range []bool{false, true} {
		res, err := verifier().Verify(build(right, awsStyle))
		if err != nil {
			t.Fatal(err)
		}
		if got, err := io.ReadAll(res.Body); err != nil || !bytes.Equal(got, data) {
			t.Errorf("aws style %v: %d bytes, %v", awsStyle, len(got), err)
		}
		res, err = verifier().Verify(build("AAAAAA==", awsStyle))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadAll(res.Body); !errors.Is(err, s3err.ErrChecksumMismatch) {
			t.Errorf("aws style %v, wrong checksum: %v", awsStyle, err)
		}
	}
}
