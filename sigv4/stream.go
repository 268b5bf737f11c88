package sigv4

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/kurastore/kura/checksum"
	"github.com/kurastore/kura/s3err"
)

// Bounds on aws-chunked framing, so hostile input cannot make the server
// buffer without limit.
const (
	maxChunkSize   = 16 << 20
	maxLineLength  = 4096
	maxTrailerSize = 16 << 10
)

// streamSigner carries the chain state of a signed aws-chunked body.
type streamSigner struct {
	key   []byte
	date  string
	scope string
	prev  string // the previous signature: the seed is the header's
}

func (s *streamSigner) chunkSignature(data []byte) string {
	sum := sha256.Sum256(data)
	sts := "AWS4-HMAC-SHA256-PAYLOAD\n" + s.date + "\n" + s.scope + "\n" + s.prev + "\n" + EmptySHA256 + "\n" + hex.EncodeToString(sum[:])
	return signature(s.key, sts)
}

func (s *streamSigner) trailerSignature(trailer string) string {
	sts := "AWS4-HMAC-SHA256-TRAILER\n" + s.date + "\n" + s.scope + "\n" + s.prev + "\n" + sha256Hex(trailer)
	return signature(s.key, sts)
}

// streamBody decodes an aws-chunked body, verifying each chunk's
// signature before releasing its bytes, and the trailing checksum at the
// end.
type streamBody struct {
	br       *bufio.Reader
	closer   io.Closer
	signed   bool
	trailer  bool
	signer   streamSigner
	decoded  int64 // declared decoded length, -1 if unknown
	seen     int64
	buf      []byte
	pending  []byte
	done     bool
	err      error
	trailAlg checksum.Algorithm
	trailSum hash.Hash
}

func newStreamBody(r *http.Request, mode string, signer streamSigner) (io.ReadCloser, int64, error) {
	b := &streamBody{
		br:      bufio.NewReaderSize(r.Body, 64<<10),
		closer:  r.Body,
		signed:  mode != StreamingUnsignedTrailer,
		trailer: mode != StreamingPayload,
		signer:  signer,
		decoded: -1,
	}
	if v := r.Header.Get("X-Amz-Decoded-Content-Length"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return nil, 0, s3err.ErrInvalidArgument.WithMessage("Invalid x-amz-decoded-content-length.")
		}
		b.decoded = n
	} else if mode == StreamingPayload {
		return nil, 0, s3err.ErrMissingContentLength
	}
	if b.trailer {
		if name := r.Header.Get("X-Amz-Trailer"); name != "" {
			alg, ok := checksum.FromHeader(strings.TrimSpace(name))
			if !ok {
				return nil, 0, s3err.ErrInvalidArgument.WithMessage("Unsupported x-amz-trailer %q.", name)
			}
			b.trailAlg, b.trailSum = alg, alg.New()
		}
	}
	return b, b.decoded, nil
}

func (b *streamBody) Close() error { return b.closer.Close() }

func (b *streamBody) Read(p []byte) (int, error) {
	for len(b.pending) == 0 {
		if b.err != nil {
			return 0, b.err
		}
		if b.done {
			return 0, io.EOF
		}
		if err := b.nextChunk(); err != nil {
			b.err = err
			return 0, err
		}
	}
	n := copy(p, b.pending)
	b.pending = b.pending[n:]
	return n, nil
}

func (b *streamBody) readLine() (string, error) {
	line, err := b.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull || len(line) > maxLineLength {
		return "", s3err.ErrIncompleteBody.WithMessage("An aws-chunked line is too long.")
	}
	if err != nil {
		return "", incomplete(err)
	}
	// Lines end in CRLF; a bare LF is accepted too, as some clients end
	// trailer lines with it.
	s := strings.TrimSuffix(strings.TrimSuffix(string(line), "\n"), "\r")
	return s, nil
}

// incomplete is the error of a body that ends early: IncompleteBody, or
// the S3 error the underlying body reported (a client too slow to send it
// gets the server's RequestTimeout).
func incomplete(err error) error {
	var e *s3err.Error
	if errors.As(err, &e) {
		return e
	}
	return s3err.ErrIncompleteBody
}

func (b *streamBody) nextChunk() error {
	header, err := b.readLine()
	if err != nil {
		return err
	}
	sizeText, ext, _ := strings.Cut(header, ";")
	size, err := strconv.ParseInt(strings.TrimSpace(sizeText), 16, 64)
	if err != nil || size < 0 || size > maxChunkSize {
		return s3err.ErrIncompleteBody.WithMessage("Malformed aws-chunked chunk size.")
	}
	var sig string
	if b.signed {
		v, ok := strings.CutPrefix(ext, "chunk-signature=")
		if !ok || len(v) != 64 {
			return s3err.ErrSignatureDoesNotMatch
		}
		sig = v
	}
	if cap(b.buf) < int(size) {
		b.buf = make([]byte, size)
	}
	data := b.buf[:size]
	if _, err := io.ReadFull(b.br, data); err != nil {
		return incomplete(err)
	}
	if b.signed {
		want := b.signer.chunkSignature(data)
		if !hmac.Equal([]byte(want), []byte(sig)) {
			return s3err.ErrSignatureDoesNotMatch
		}
		b.signer.prev = want
	}
	if size > 0 || !b.trailer {
		// Data chunks, and the final chunk without trailers, end in CRLF.
		if crlf, err := b.readLine(); err != nil || crlf != "" {
			return s3err.ErrIncompleteBody.WithMessage("Malformed aws-chunked framing.")
		}
	}
	b.seen += size
	if b.decoded >= 0 && b.seen > b.decoded {
		return s3err.ErrIncompleteBody.WithMessage("The body is longer than x-amz-decoded-content-length.")
	}
	if b.trailSum != nil {
		b.trailSum.Write(data)
	}
	if size > 0 {
		b.pending = data
		return nil
	}
	// The final chunk.
	if b.trailer {
		if err := b.readTrailers(); err != nil {
			return err
		}
	}
	if b.decoded >= 0 && b.seen != b.decoded {
		return s3err.ErrIncompleteBody
	}
	b.done = true
	return nil
}

// readTrailers reads the trailing headers after the final chunk, verifies
// the trailer signature (signed streams) and the trailing checksum.
func (b *streamBody) readTrailers() error {
	var canonical strings.Builder
	var trailerSig string
	values := map[string]string{}
	total := 0
	for {
		line, err := b.readLine()
		if err != nil {
			return s3err.ErrMalformedTrailer
		}
		if total += len(line) + 2; total > maxTrailerSize {
			return s3err.ErrMalformedTrailer
		}
		if line == "" {
			if b.signed && trailerSig == "" {
				// minio-go ends the trailing headers with an empty
				// line before the trailer signature; AWS SDKs do not.
				continue
			}
			break
		}
		name, val, ok := strings.Cut(line, ":")
		if !ok {
			return s3err.ErrMalformedTrailer
		}
		name, val = strings.ToLower(strings.TrimSpace(name)), strings.TrimSpace(val)
		if name == "x-amz-trailer-signature" {
			trailerSig = val
			continue
		}
		values[name] = val
		canonical.WriteString(name + ":" + val + "\n")
	}
	if b.signed {
		want := b.signer.trailerSignature(canonical.String())
		if !hmac.Equal([]byte(want), []byte(trailerSig)) {
			return s3err.ErrSignatureDoesNotMatch
		}
	}
	if b.trailSum != nil {
		got, ok := values[b.trailAlg.HeaderName()]
		if !ok {
			return s3err.ErrMalformedTrailer.WithMessage("The trailer %s announced in x-amz-trailer is missing.", b.trailAlg.HeaderName())
		}
		want, err := b.trailAlg.Decode(got)
		if err != nil {
			return s3err.ErrInvalidChecksum
		}
		if !bytes.Equal(b.trailSum.Sum(nil), want) {
			return s3err.ErrChecksumMismatch.WithMessage("The %s you specified did not match the calculated checksum.", b.trailAlg)
		}
	}
	return nil
}
