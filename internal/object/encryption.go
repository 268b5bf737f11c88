package object

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"

	"github.com/kurastore/kura/internal/blob"
	"github.com/kurastore/kura/internal/cipherstream"
	"github.com/kurastore/kura/internal/kms"
	"github.com/kurastore/kura/s3err"
)

// Server-side encryption types, as stored and as ObjectInfo.SSE.Type says.
const (
	SSEC   = "SSE-C"   // customer-provided keys
	SSES3  = "AES256"  // keys managed by kura's KMS default key
	SSEKMS = "aws:kms" // keys of a named KMS key
)

// CustomerKeySize is the size of an SSE-C key (AES-256).
const CustomerKeySize = 32

// Encryption asks for a new object to be encrypted.
type Encryption struct {
	Type string // "", SSEC, SSES3 or SSEKMS
	// CustomerKey is the SSE-C key; it is used and never stored.
	CustomerKey []byte
	// KMSKeyID names the SSE-KMS key; "" means the KMS's default key.
	KMSKeyID string
	// Context is the SSE-KMS encryption context, a JSON object as the
	// client sent it. It is authenticated with the object's key.
	Context string
}

// SSE says how a stored object (or an upload) is encrypted. The zero
// value is an unencrypted object.
type SSE struct {
	Type     string `json:"type,omitempty"`
	KMSKeyID string `json:"keyId,omitempty"`
	Context  string `json:"context,omitempty"`
	// SealedKey is the object's own key, sealed by the KMS key or by the
	// customer's key; the object's data is encrypted with keys derived
	// from it (one per blob, cipherstream.StreamKey).
	SealedKey []byte `json:"sealed,omitempty"`
	// KeyCheck recognises the SSE-C key: a random salt and
	// HMAC-SHA256(key, salt). The key itself is never stored.
	KeyCheck []byte `json:"check,omitempty"`
}

const keyCheckSalt = 16

// keyBinding is the authenticated data of a sealed object key: it opens
// only for the object, bucket/key, it was made for.
func keyBinding(typ, bucket, key, context string) []byte {
	return fmt.Appendf(nil, "kura sse v1\x00%s\x00%s/%s\x00%s", typ, bucket, key, context)
}

// customerKEK is the AEAD that seals an object key under an SSE-C key.
func customerKEK(customerKey []byte) (cipher.AEAD, error) {
	k, err := hkdf.Key(sha256.New, customerKey, nil, "kura sse-c kek v1", 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func keyCheck(customerKey, salt []byte) []byte {
	m := hmac.New(sha256.New, customerKey)
	m.Write([]byte("kura sse-c key check v1"))
	m.Write(salt)
	return append(bytes.Clone(salt), m.Sum(nil)...)
}

// newObjectKey makes the key of a new object bucket/key encrypted as enc
// asks, and the SSE record that will open it again.
func (l *Layer) newObjectKey(ctx context.Context, bucket, key string, enc Encryption) ([]byte, SSE, error) {
	sse := SSE{Type: enc.Type}
	switch enc.Type {
	case "":
		return nil, SSE{}, nil
	case SSEC:
		if len(enc.CustomerKey) != CustomerKeySize {
			return nil, SSE{}, s3err.ErrSSECInvalidKey
		}
		objKey := make([]byte, cipherstream.KeySize)
		salt := make([]byte, keyCheckSalt)
		rand.Read(objKey)
		rand.Read(salt)
		aead, err := customerKEK(enc.CustomerKey)
		if err != nil {
			return nil, SSE{}, err
		}
		nonce := make([]byte, aead.NonceSize())
		rand.Read(nonce)
		sse.SealedKey = aead.Seal(nonce, nonce, objKey, keyBinding(SSEC, bucket, key, ""))
		sse.KeyCheck = keyCheck(enc.CustomerKey, salt)
		return objKey, sse, nil
	case SSES3, SSEKMS:
		if l.opts.KMS == nil {
			return nil, SSE{}, s3err.ErrKMSNotConfigured
		}
		sse.KMSKeyID = l.opts.KMS.DefaultKey()
		if enc.Type == SSEKMS && enc.KMSKeyID != "" {
			sse.KMSKeyID = enc.KMSKeyID
		}
		if enc.Type == SSEKMS {
			sse.Context = enc.Context
		}
		dk, err := l.opts.KMS.GenerateKey(ctx, sse.KMSKeyID, keyBinding(sse.Type, bucket, key, sse.Context))
		if err != nil {
			return nil, SSE{}, kmsError(err, sse.KMSKeyID)
		}
		sse.SealedKey = dk.Sealed
		return dk.Plaintext, sse, nil
	}
	return nil, SSE{}, s3err.ErrSSEAlgorithm
}

// CheckEncryption reports whether objects can be encrypted as enc asks:
// the KMS and the key exist. Bucket default encryption is checked with it
// when it is set, so that writes do not fail on it later.
func (l *Layer) CheckEncryption(ctx context.Context, enc Encryption) error {
	if enc.Type == SSEC {
		return nil
	}
	_, _, err := l.newObjectKey(ctx, "", "", enc)
	return err
}

// checkCustomerKey verifies the SSE-C key a read or an upload part brings
// against what the object (or upload) was stored with, without opening
// anything.
func checkCustomerKey(sse SSE, customerKey []byte) error {
	switch {
	case sse.Type != SSEC && customerKey != nil:
		return s3err.ErrSSENotApplicable
	case sse.Type != SSEC:
		return nil
	case customerKey == nil:
		return s3err.ErrSSECKeyRequired
	case len(sse.KeyCheck) != keyCheckSalt+sha256.Size:
		return s3err.ErrInternalError.WithMessage("the object's SSE-C key check is damaged")
	case !hmac.Equal(keyCheck(customerKey, sse.KeyCheck[:keyCheckSalt]), sse.KeyCheck):
		return s3err.ErrSSECKeyMismatch
	}
	return nil
}

// openObjectKey unseals the key of an encrypted object bucket/key; nil for
// an unencrypted one.
func (l *Layer) openObjectKey(ctx context.Context, bucket, key string, sse SSE, customerKey []byte) ([]byte, error) {
	if err := checkCustomerKey(sse, customerKey); err != nil {
		return nil, err
	}
	switch sse.Type {
	case "":
		return nil, nil
	case SSEC:
		aead, err := customerKEK(customerKey)
		if err != nil {
			return nil, err
		}
		ns := aead.NonceSize()
		if len(sse.SealedKey) < ns {
			return nil, s3err.ErrObjectDataUnreadable
		}
		objKey, err := aead.Open(nil, sse.SealedKey[:ns], sse.SealedKey[ns:], keyBinding(SSEC, bucket, key, ""))
		if err != nil {
			return nil, s3err.ErrObjectDataUnreadable.WithMessage("The object's sealed key does not open: its metadata is damaged.")
		}
		return objKey, nil
	case SSES3, SSEKMS:
		if l.opts.KMS == nil {
			return nil, s3err.ErrKMSNotConfigured
		}
		objKey, err := l.opts.KMS.Decrypt(ctx, sse.KMSKeyID, sse.SealedKey, keyBinding(sse.Type, bucket, key, sse.Context))
		if err != nil {
			if errors.Is(err, kms.ErrDecrypt) {
				return nil, s3err.ErrObjectDataUnreadable.WithMessage("The object's sealed key does not open under KMS key %s: its metadata is damaged.", sse.KMSKeyID)
			}
			return nil, kmsError(err, sse.KMSKeyID)
		}
		return objKey, nil
	}
	return nil, s3err.ErrInternalError.WithMessage("unknown encryption type %q", sse.Type)
}

func kmsError(err error, keyID string) error {
	switch {
	case errors.Is(err, kms.ErrKeyNotFound), errors.Is(err, kms.ErrInvalidKeyID):
		return s3err.ErrKMSNotFound.WithMessage("Invalid keyId %s", keyID)
	}
	return err
}

// sealingWriter returns what the data of a new blob is written to: the
// blob itself, or a cipherstream over it that the caller must Close before
// committing the blob.
func sealingWriter(w blob.Writer, objKey []byte) (io.Writer, io.Closer, error) {
	if objKey == nil {
		return w, nil, nil
	}
	k, err := cipherstream.StreamKey(objKey, string(w.ID()))
	if err != nil {
		return nil, nil, err
	}
	sw, err := cipherstream.NewWriter(w, k)
	if err != nil {
		return nil, nil, err
	}
	return sw, sw, nil
}

// sealInline encrypts the inline data of record uid.
func sealInline(objKey []byte, uid string, plain []byte) ([]byte, error) {
	if objKey == nil {
		return plain, nil
	}
	k, err := cipherstream.StreamKey(objKey, "inline/"+uid)
	if err != nil {
		return nil, err
	}
	return cipherstream.Seal(k, plain)
}

// openInline decrypts the inline data of record uid, size plaintext bytes.
func openInline(objKey []byte, uid string, sealed []byte, size int64) ([]byte, error) {
	if objKey == nil {
		return sealed, nil
	}
	k, err := cipherstream.StreamKey(objKey, "inline/"+uid)
	if err != nil {
		return nil, err
	}
	if int64(len(sealed)) != cipherstream.SealedSize(size) {
		return nil, s3err.ErrObjectDataUnreadable
	}
	r, err := cipherstream.NewReader(bytes.NewReader(sealed), k, 0, cipherstream.SpanOf(0, size, size).Last, true)
	if err != nil {
		return nil, err
	}
	plain, err := io.ReadAll(r)
	if err != nil {
		return nil, dataError(err)
	}
	return plain, nil
}

// openSealed opens [off, off+n) of the plaintext of sealed blob id that
// holds size plaintext bytes, reading and decrypting only the packages
// that hold the range. read reads the stored bytes: from the blob, its
// restored copy, or the remote object on a tier, which all hold the
// same ciphertext under id's stream key.
func openSealed(read func(off, n int64) (io.ReadCloser, error), id blob.ID, objKey []byte, off, n, size int64) (io.ReadCloser, error) {
	k, err := cipherstream.StreamKey(objKey, string(id))
	if err != nil {
		return nil, err
	}
	sp := cipherstream.SpanOf(off, n, size)
	rc, err := read(sp.Offset, sp.Length)
	if err != nil {
		return nil, err
	}
	r, err := cipherstream.NewSpanReader(rc, k, sp, size)
	if err != nil {
		rc.Close()
		return nil, err
	}
	if _, err := io.CopyN(io.Discard, r, sp.Skip); err != nil {
		rc.Close()
		return nil, dataError(err)
	}
	return struct {
		io.Reader
		io.Closer
	}{authReader{io.LimitReader(r, n)}, rc}, nil
}

// authReader turns a failed authentication into an S3 error, so that a
// damaged object ends its response with an error, never with bad bytes.
type authReader struct{ r io.Reader }

func (a authReader) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	if err != nil && err != io.EOF {
		err = dataError(err)
	}
	return n, err
}

// dataError maps damaged stored data to the S3 error a read answers:
// failed authentication, a blob block or an inline value that fails its
// checksum.
func dataError(err error) error {
	switch {
	case errors.Is(err, cipherstream.ErrAuth):
		return s3err.ErrObjectDataUnreadable
	case errors.Is(err, blob.ErrCorrupt), errors.Is(err, errInlineDamaged):
		return s3err.ErrDataCorrupt
	}
	return err
}
