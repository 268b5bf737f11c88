package httpapi

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/sigv4"
	"github.com/kurastore/kura/wire/sse"
)

// Server-side encryption headers.
const (
	hdrSSE         = "x-amz-server-side-encryption"
	hdrSSEKMSKeyID = "x-amz-server-side-encryption-aws-kms-key-id"
	hdrSSEContext  = "x-amz-server-side-encryption-context"
	// SSE-C headers are these names after a prefix: x-amz- for the
	// object written or read, x-amz-copy-source- for a copy's source.
	sseCAlgorithm    = "server-side-encryption-customer-algorithm"
	sseCKey          = "server-side-encryption-customer-key"
	sseCKeyMD5       = "server-side-encryption-customer-key-MD5"
	objectPrefix     = "x-amz-"
	copySourcePrefix = "x-amz-copy-source-"
	hdrSSECAlgorithm = objectPrefix + sseCAlgorithm
	hdrSSECKeyMD5    = objectPrefix + sseCKeyMD5
)

const (
	configEncryption    = "encryption"
	maxEncryptionConfig = sse.MaxDocumentSize
	maxContextBytes     = 8 << 10
)

// fields reads request fields by name: headers, or a POST form's fields.
type fields func(name string) string

// customerKey reads the SSE-C key headers (with prefix for a copy
// source): nil when there are none. Every check AWS makes is made here,
// before any data is read.
func customerKey(rq *request, prefix string) ([]byte, error) {
	return customerKeyFrom(rq.http.Header.Get, rq.http.TLS != nil, prefix)
}

func customerKeyFrom(get fields, secure bool, prefix string) ([]byte, error) {
	alg, b64, sum := get(prefix+sseCAlgorithm), get(prefix+sseCKey), get(prefix+sseCKeyMD5)
	if alg == "" && b64 == "" && sum == "" {
		return nil, nil
	}
	if !secure {
		return nil, s3err.ErrSSECInsecure
	}
	switch {
	case alg == "" || b64 == "" || sum == "":
		return nil, s3err.ErrSSECIncomplete
	case alg != "AES256":
		return nil, s3err.ErrSSECAlgorithm
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(key) != object.CustomerKeySize {
		return nil, s3err.ErrSSECInvalidKey
	}
	want, err := base64.StdEncoding.DecodeString(sum)
	got := md5.Sum(key)
	if err != nil || !bytes.Equal(want, got[:]) {
		return nil, s3err.ErrSSECKeyMD5Mismatch
	}
	return key, nil
}

// kmsKeyID accepts a bare key name or an ARN ending in key/NAME.
func kmsKeyID(v string) string {
	if rest, ok := strings.CutPrefix(v, "arn:aws:kms:"); ok {
		if i := strings.LastIndex(rest, "key/"); i >= 0 {
			return rest[i+len("key/"):]
		}
		return rest
	}
	return v
}

// encryptionContext decodes x-amz-server-side-encryption-context: base64
// of a JSON object of strings. It is stored as the JSON text.
func encryptionContext(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	raw, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(raw) > maxContextBytes {
		return "", s3err.ErrSSEInvalidContext
	}
	var m map[string]string
	if err := json.Unmarshal(raw, &m); err != nil {
		return "", s3err.ErrSSEInvalidContext
	}
	return string(raw), nil
}

// requestedEncryption reads how a write asks to be encrypted; the zero
// Encryption when it does not ask.
func requestedEncryption(get fields, secure bool) (object.Encryption, error) {
	var enc object.Encryption
	key, err := customerKeyFrom(get, secure, objectPrefix)
	if err != nil {
		return enc, err
	}
	alg, keyID, ctx := get(hdrSSE), get(hdrSSEKMSKeyID), get(hdrSSEContext)
	switch {
	case key != nil && (alg != "" || keyID != "" || ctx != ""):
		return enc, s3err.ErrSSEConflict
	case key != nil:
		return object.Encryption{Type: object.SSEC, CustomerKey: key}, nil
	case alg != object.SSEKMS && (keyID != "" || ctx != ""):
		return enc, s3err.ErrSSEKMSKeyWithoutKMS
	}
	switch alg {
	case "":
		return enc, nil
	case object.SSES3:
		return object.Encryption{Type: object.SSES3}, nil
	case object.SSEKMS:
		enc = object.Encryption{Type: object.SSEKMS, KMSKeyID: kmsKeyID(keyID)}
		enc.Context, err = encryptionContext(ctx)
		return enc, err
	}
	return enc, s3err.ErrSSEAlgorithm
}

// writeEncryption is the encryption of a new object: what the request
// asks for, or else the bucket's default encryption.
func (s *Server) writeEncryption(rq *request) (object.Encryption, error) {
	return s.encryptionOrDefault(rq, rq.http.Header.Get)
}

// formEncryption is writeEncryption for a browser POST upload, whose
// form fields carry what headers carry on PUT.
func (s *Server) formEncryption(rq *request, f sigv4.PostForm) (object.Encryption, error) {
	return s.encryptionOrDefault(rq, f.Get)
}

func (s *Server) encryptionOrDefault(rq *request, get fields) (object.Encryption, error) {
	enc, err := requestedEncryption(get, rq.http.TLS != nil)
	if err != nil || enc.Type != "" {
		return enc, err
	}
	return s.defaultEncryption(rq)
}

// describeEncryption is the SSE a new object will have under enc, for
// responses given before the object exists (CreateMultipartUpload).
func (s *Server) describeEncryption(enc object.Encryption) object.SSE {
	d := object.SSE{Type: enc.Type, KMSKeyID: enc.KMSKeyID, Context: enc.Context}
	if d.KMSKeyID == "" && enc.Type == object.SSEKMS && s.kms != nil {
		d.KMSKeyID = s.kms.DefaultKey()
	}
	return d
}

// defaultEncryption is the bucket's default encryption, if it has one.
func (s *Server) defaultEncryption(rq *request) (object.Encryption, error) {
	doc, err := s.objects.BucketConfig(rq.ctx, rq.bucket, configEncryption)
	if errors.Is(err, object.ErrNoConfig) {
		return object.Encryption{}, nil
	}
	if err != nil {
		return object.Encryption{}, err
	}
	c, err := sse.Parse(bytes.NewReader(doc))
	if err != nil || len(c.Rules) == 0 || c.Rules[0].Default == nil {
		return object.Encryption{}, s3err.ErrInternalError.WithMessage("the bucket's stored encryption configuration is unreadable")
	}
	d := c.Rules[0].Default
	return object.Encryption{Type: d.Algorithm, KMSKeyID: kmsKeyID(d.KMSMasterKeyID)}, nil
}

// readCustomerKey is the SSE-C key of a GET or HEAD. Those must not ask
// for SSE-S3 or SSE-KMS: the object already is what it is.
func readCustomerKey(rq *request) ([]byte, error) {
	if rq.http.Header.Get(hdrSSE) != "" {
		return nil, s3err.ErrSSEHeaderOnRead
	}
	return customerKey(rq, objectPrefix)
}

// sseHeaders describe an object's encryption in a response. SSE-C
// responses echo the algorithm and the MD5 of the key the request sent.
func sseHeaders(rq *request, info object.SSE) headers {
	switch info.Type {
	case object.SSEC:
		h := headers{{hdrSSECAlgorithm, "AES256"}}
		// The key's MD5 is echoed when the request sent it (Complete
		// need not).
		if sum := rq.http.Header.Get(hdrSSECKeyMD5); sum != "" {
			h = append(h, [2]string{hdrSSECKeyMD5, sum})
		}
		return h
	case object.SSES3:
		return headers{{hdrSSE, object.SSES3}}
	case object.SSEKMS:
		h := headers{{hdrSSE, object.SSEKMS}, {hdrSSEKMSKeyID, info.KMSKeyID}}
		if info.Context != "" {
			h = append(h, [2]string{hdrSSEContext, base64.StdEncoding.EncodeToString([]byte(info.Context))})
		}
		return h
	}
	return nil
}

func (s *Server) getBucketEncryption(rq *request) (response, error) {
	doc, err := s.storedConfig(rq, configEncryption, s3err.ErrNoSuchEncryptionConfig)
	if err != nil {
		return nil, err
	}
	return documentResponse{contentType: "application/xml", body: doc}, nil
}

// putBucketEncryption stores the bucket's default encryption once it is
// valid and its KMS key exists, so that no later write fails on it.
func (s *Server) putBucketEncryption(rq *request) (response, error) {
	c, err := sse.Parse(rq.body)
	if err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	d := c.Rules[0].Default
	if err := s.objects.CheckEncryption(rq.ctx, object.Encryption{Type: d.Algorithm, KMSKeyID: kmsKeyID(d.KMSMasterKeyID)}); err != nil {
		return nil, err
	}
	doc, err := c.Encode()
	if err != nil {
		return nil, err
	}
	if err := s.objects.SetBucketConfig(rq.ctx, rq.bucket, configEncryption, doc); err != nil {
		return nil, err
	}
	return emptyResponse{status: http.StatusOK}, nil
}

func (s *Server) deleteBucketEncryption(rq *request) (response, error) {
	return s.deleteBucketConfig(rq, configEncryption)
}
