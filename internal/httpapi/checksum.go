package httpapi

import (
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/kurastore/kura/checksum"
	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/s3err"
)

// checksumRequest reads which S3 checksum a write carries: a value in an
// x-amz-checksum-* header, or an algorithm whose value comes in the
// aws-chunked trailer (verified by sigv4 as the body is read) or that the
// SDK only names. At most one algorithm may be given.
func checksumRequest(h http.Header) (object.ChecksumRequest, error) {
	var req object.ChecksumRequest
	// A checksum kura cannot verify is refused, as an unsupported
	// x-amz-trailer is (sigv4): accepting the write would tell the client
	// its data was checked when it was not.
	for name := range h {
		rest, ok := strings.CutPrefix(strings.ToLower(name), "x-amz-checksum-")
		if !ok || rest == "algorithm" || rest == "type" || rest == "mode" {
			continue
		}
		if _, known := checksum.FromHeader(name); !known {
			return req, s3err.ErrInvalidArgument.WithMessage("Unsupported checksum header %s.", strings.ToLower(name))
		}
	}
	for _, alg := range checksum.All {
		v := h.Get(alg.HeaderName())
		if v == "" {
			continue
		}
		if req.Algorithm != "" {
			return req, s3err.ErrMultipleChecksums
		}
		want, err := alg.Decode(v)
		if err != nil {
			return req, s3err.ErrInvalidChecksum
		}
		req = object.ChecksumRequest{Algorithm: alg, Want: want}
	}
	if req.Algorithm != "" {
		return req, nil
	}
	if t := h.Get("x-amz-trailer"); t != "" {
		if alg, ok := checksum.FromHeader(strings.TrimSpace(t)); ok {
			return object.ChecksumRequest{Algorithm: alg}, nil
		}
	}
	if v := h.Get("x-amz-sdk-checksum-algorithm"); v != "" {
		alg, err := checksum.ParseAlgorithm(v)
		if err != nil {
			return req, s3err.ErrInvalidRequest.WithMessage("Value for x-amz-sdk-checksum-algorithm header is invalid.")
		}
		return object.ChecksumRequest{Algorithm: alg}, nil
	}
	return req, nil
}

// algorithmNames lists the algorithms for the message refusing another.
var algorithmNames = func() string {
	names := make([]string, len(checksum.All))
	for i, alg := range checksum.All {
		names[i] = string(alg)
	}
	return strings.Join(names, ", ")
}()

// checksumAlgorithm reads x-amz-checksum-algorithm (CreateMultipartUpload,
// CopyObject).
func checksumAlgorithm(h http.Header) (checksum.Algorithm, error) {
	v := h.Get("x-amz-checksum-algorithm")
	if v == "" {
		return "", nil
	}
	alg, err := checksum.ParseAlgorithm(v)
	if err != nil {
		return "", s3err.ErrInvalidRequest.WithMessage("Checksum algorithm provided is unsupported. Please try again with any of the valid types: [%s]", algorithmNames)
	}
	return alg, nil
}

// contentMD5 decodes the Content-MD5 header; nil when absent.
func contentMD5(h http.Header) ([]byte, error) {
	v := h.Get("Content-MD5")
	if v == "" {
		return nil, nil
	}
	sum, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(sum) != 16 {
		return nil, s3err.ErrInvalidDigest
	}
	return sum, nil
}

// checksumHeaders are the x-amz-checksum-* response headers of an object
// or part.
func checksumHeaders(sums map[string]string, typ string) headers {
	var h headers
	for alg, v := range sums {
		h = append(h, [2]string{checksum.Algorithm(alg).HeaderName(), v})
	}
	if len(h) > 0 && typ != "" {
		h = append(h, [2]string{"x-amz-checksum-type", typ})
	}
	return h
}
