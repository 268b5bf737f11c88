// Package kms is the key management interface behind SSE-S3 and SSE-KMS:
// named key-encryption keys that generate and unseal per-object data keys
// (envelope encryption). Data keys leave the KMS only in plaintext to the
// caller that encrypts with them, and are stored only sealed.
//
// localkms is the built-in implementation. An external KMS (KES, Vault
// transit, a cloud KMS) implements the same small interface.
package kms

import (
	"context"
	"errors"
)

// Sentinel errors.
var (
	// ErrKeyNotFound is returned for a key id the KMS does not have.
	ErrKeyNotFound = errors.New("kms: key not found")
	// ErrKeyExists is returned when creating a key that exists.
	ErrKeyExists = errors.New("kms: key exists")
	// ErrInvalidKeyID is returned for a key id that is not a valid name.
	ErrInvalidKeyID = errors.New("kms: invalid key id")
	// ErrDecrypt is returned when a sealed data key does not open under
	// its key and context: it was altered, or belongs elsewhere.
	ErrDecrypt = errors.New("kms: data key does not decrypt")
)

// DataKey is a fresh data key: Plaintext encrypts one object and is then
// forgotten; Sealed is stored with the object.
type DataKey struct {
	Plaintext []byte
	Sealed    []byte
}

// KMS holds key-encryption keys. Implementations are safe for concurrent
// use. The context is authenticated data: a sealed key opens only with
// the context it was sealed with.
type KMS interface {
	// DefaultKey is the key SSE-S3 uses, and SSE-KMS when no key id is
	// given.
	DefaultKey() string
	// CreateKey adds a named key.
	CreateKey(ctx context.Context, id string) error
	// Keys lists the key ids, sorted.
	Keys(ctx context.Context) ([]string, error)
	// GenerateKey returns a new 32-byte data key sealed under key id.
	GenerateKey(ctx context.Context, id string, context []byte) (DataKey, error)
	// Decrypt opens a data key sealed by GenerateKey.
	Decrypt(ctx context.Context, id string, sealed, context []byte) ([]byte, error)
}
