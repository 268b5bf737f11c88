// Package sealbox seals small secrets kept in the metadata store (the
// secret settings of notification targets, the credentials of tiers)
// with AES-256-GCM under a key derived from the server's seal key. Each
// user derives its own key from a purpose string, and binds every sealed
// value to the record it belongs to with associated data, so a sealed
// value copied to another record does not open.
package sealbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
)

// KeySize is the size of the seal key.
const KeySize = 32

// ErrOpen is returned for a sealed value that does not open: sealed
// under another key, for another record, or damaged.
var ErrOpen = errors.New("sealbox: the sealed value does not open")

// Box seals and opens values. It is safe for concurrent use.
type Box struct{ aead cipher.AEAD }

// New derives the key of purpose from key (KeySize bytes). A change of
// purpose string makes every value sealed before unreadable.
func New(key []byte, purpose string) (*Box, error) {
	if len(key) != KeySize {
		return nil, errors.New("sealbox: the seal key must be 32 bytes")
	}
	sub, err := hkdf.Key(sha256.New, key, nil, purpose, KeySize)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(sub)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Box{aead}, nil
}

// Seal encrypts plain bound to ad; a random nonce leads the result.
func (b *Box) Seal(plain, ad []byte) []byte {
	nonce := make([]byte, b.aead.NonceSize())
	_, _ = rand.Read(nonce)
	return b.aead.Seal(nonce, nonce, plain, ad)
}

// Open decrypts what Seal returned for the same ad.
func (b *Box) Open(sealed, ad []byte) ([]byte, error) {
	n := b.aead.NonceSize()
	if len(sealed) < n+b.aead.Overhead() {
		return nil, ErrOpen
	}
	plain, err := b.aead.Open(nil, sealed[:n], sealed[n:], ad)
	if err != nil {
		return nil, ErrOpen
	}
	return plain, nil
}
