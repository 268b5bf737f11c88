package client

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"unicode/utf8"
)

// Request and response headers of server-side encryption.
const (
	hdrSSE        = "X-Amz-Server-Side-Encryption"
	hdrSSEKMSKey  = "X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id"
	hdrSSEContext = "X-Amz-Server-Side-Encryption-Context"
	// The SSE-C headers are these names after "X-Amz-" for the object
	// written or read, after "X-Amz-Copy-Source-" for a copy's source.
	sseCAlgorithm    = "Server-Side-Encryption-Customer-Algorithm"
	sseCKey          = "Server-Side-Encryption-Customer-Key"
	sseCKeyMD5       = "Server-Side-Encryption-Customer-Key-Md5"
	objectPrefix     = "X-Amz-"
	copySourcePrefix = "X-Amz-Copy-Source-"
)

// The values of X-Amz-Server-Side-Encryption, and the only SSE-C
// algorithm.
const (
	algAES256 = "AES256"
	algKMS    = "aws:kms"
)

// SSECKeySize is the size of an SSE-C key: AES-256.
const SSECKeySize = 32

// ServerSideEncryption says how the server encrypts an object's data at
// rest (spec: Sse, with SseS3, SseKMS and SseCustomerKey). Make one with
// SSES3, SSEKMS or SSEC; no other package can implement it.
//
// Writes (PutObjectOptions, CopyDestOptions, SnowballOptions) take any
// of the three. Reads (GetObjectOptions, StatObjectOptions) and copy
// sources (CopySrcOptions) take only an SSE-C key: the server knows how an
// SSE-S3 or SSE-KMS object is encrypted, while an SSE-C object can only be
// read with the key it was written with.
//
// A value is immutable and safe to share. Printing it with fmt shows its
// kind, never a key.
type ServerSideEncryption interface {
	// String is "SSE-S3", "SSE-KMS" or "SSE-C".
	String() string
	// setHeaders sets the headers that ask a write for this encryption.
	setHeaders(h http.Header)
}

type sseS3 struct{}

// SSES3 encrypts with keys the server manages (spec: SseS3): header
// x-amz-server-side-encryption: AES256.
func SSES3() ServerSideEncryption { return sseS3{} }

func (sseS3) String() string           { return "SSE-S3" }
func (sseS3) setHeaders(h http.Header) { h.Set(hdrSSE, algAES256) }

type sseKMS struct {
	keyID string
	// context is the base64 of the encryption context's JSON; "" for
	// none.
	context string
}

// SSEKMS encrypts under the KMS key keyID (spec: SseKMS); "" means the
// server's default KMS key. The encryption context, when not empty, is
// bound to the object: it is sent as base64 of its JSON in
// x-amz-server-side-encryption-context, and the server reports it back.
//
// Unlike the Python client, the Go client sends SSE-KMS requests over
// plain HTTP too: no key material travels in them.
func SSEKMS(keyID string, context map[string]string) (ServerSideEncryption, error) {
	if !validHeaderValue(keyID) {
		return nil, invalidArgument("KMS key id %q has characters a header cannot carry", keyID)
	}
	s := sseKMS{keyID: keyID}
	if len(context) > 0 {
		for k, v := range context {
			if !utf8.ValidString(k) || !utf8.ValidString(v) {
				return nil, invalidArgument("encryption context entry %q is not valid UTF-8", k)
			}
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(context); err != nil {
			return nil, invalidArgument("encryption context: %v", err)
		}
		s.context = base64.StdEncoding.EncodeToString(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
	}
	return s, nil
}

func (sseKMS) String() string { return "SSE-KMS" }

func (s sseKMS) setHeaders(h http.Header) {
	h.Set(hdrSSE, algKMS)
	setIf(h, hdrSSEKMSKey, s.keyID)
	setIf(h, hdrSSEContext, s.context)
}

// sseC is a customer-provided key. It is kept by value, so that the
// caller's slice can change or be wiped without changing it.
type sseC struct {
	key [SSECKeySize]byte
}

// SSEC encrypts with a key the caller provides (spec: SseCustomerKey): an
// AES-256 key of 32 bytes, sent with every request that writes or reads
// the object, and never stored by the server. Losing the key loses the
// object. The key travels in the request headers, so the client refuses
// to send it unless the endpoint is HTTPS.
func SSEC(key []byte) (ServerSideEncryption, error) {
	if len(key) != SSECKeySize {
		return nil, invalidArgument("an SSE-C key is %d bytes, not %d", SSECKeySize, len(key))
	}
	s := &sseC{}
	copy(s.key[:], key)
	return s, nil
}

func (*sseC) String() string { return "SSE-C" }

// GoString keeps %#v from printing the key.
func (*sseC) GoString() string { return "client.SSEC(...)" }

func (s *sseC) setHeaders(h http.Header) { s.setPrefixed(h, objectPrefix) }

// setCopySourceHeaders sets the headers that open a copy's source.
func (s *sseC) setCopySourceHeaders(h http.Header) { s.setPrefixed(h, copySourcePrefix) }

func (s *sseC) setPrefixed(h http.Header, prefix string) {
	sum := md5.Sum(s.key[:])
	h.Set(prefix+sseCAlgorithm, algAES256)
	h.Set(prefix+sseCKey, base64.StdEncoding.EncodeToString(s.key[:]))
	h.Set(prefix+sseCKeyMD5, base64.StdEncoding.EncodeToString(sum[:]))
}

// customerKey is s as an SSE-C key, or nil.
func customerKey(s ServerSideEncryption) *sseC {
	k, _ := s.(*sseC)
	return k
}

// checkSSETransport refuses to send an SSE-C key over plain HTTP, before
// anything is sent (the server would answer 400 anyway, after the key
// crossed the network in clear).
func (c *Client) checkSSETransport(encs ...ServerSideEncryption) error {
	if c.endpoint.Scheme == "https" {
		return nil
	}
	for _, s := range encs {
		if customerKey(s) != nil {
			return invalidArgument("SSE-C sends the encryption key with the request, so it needs an HTTPS endpoint (Options.Secure)")
		}
	}
	return nil
}

// checkKeyOnly refuses encryption other than SSE-C where only an SSE-C
// key can be given: reads and copy sources.
func checkKeyOnly(s ServerSideEncryption, where string) error {
	if s != nil && customerKey(s) == nil {
		return invalidArgument("%s takes only an SSE-C key, not %s: the server knows how the object is encrypted", where, s)
	}
	return nil
}

// setCustomerKeyHeaders sets the SSE-C headers of s when it is an SSE-C
// key: those go on every request about an SSE-C object or upload.
func setCustomerKeyHeaders(h http.Header, s ServerSideEncryption) {
	if k := customerKey(s); k != nil {
		k.setHeaders(h)
	}
}

// encryptionInfo is the encryption of an object, as an answer reports it.
type encryptionInfo struct {
	algorithm, kmsKeyID      string
	context                  map[string]string
	customerAlg, customerMD5 string
}

func encryptionFromHeader(h http.Header) encryptionInfo {
	e := encryptionInfo{
		algorithm:   h.Get(hdrSSE),
		kmsKeyID:    h.Get(hdrSSEKMSKey),
		customerAlg: h.Get(objectPrefix + sseCAlgorithm),
		customerMD5: h.Get(objectPrefix + sseCKeyMD5),
	}
	if v := h.Get(hdrSSEContext); v != "" {
		if raw, err := base64.StdEncoding.DecodeString(v); err == nil {
			_ = json.Unmarshal(raw, &e.context)
		}
	}
	return e
}

func (e encryptionInfo) setObject(o *ObjectInfo) {
	o.ServerSideEncryption, o.KMSKeyID, o.EncryptionContext = e.algorithm, e.kmsKeyID, e.context
	o.SSECustomerAlgorithm, o.SSECustomerKeyMD5 = e.customerAlg, e.customerMD5
}

func (e encryptionInfo) setUpload(u *UploadInfo) {
	u.ServerSideEncryption, u.KMSKeyID, u.EncryptionContext = e.algorithm, e.kmsKeyID, e.context
	u.SSECustomerAlgorithm, u.SSECustomerKeyMD5 = e.customerAlg, e.customerMD5
}
