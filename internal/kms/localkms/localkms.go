package localkms

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/kurastore/kura/internal/kms"
	"github.com/kurastore/kura/internal/meta"
)

const (
	keySize     = 32
	nonceSize   = 12
	sealVersion = 1
	// MaxKeyIDLength bounds a key name.
	MaxKeyIDLength = 128
	// keyPrefix is the metadata keyspace of named keys ('K' for KMS).
	keyPrefix = "Kk/"
	lockKey   = "lk/"
)

// KMS is the built-in key management service.
type KMS struct {
	meta       meta.Store
	masterName string
	master     cipher.AEAD

	mu   sync.RWMutex
	keys map[string]cipher.AEAD // named keys already unsealed; keys never change
}

var _ kms.KMS = (*KMS)(nil)

// New returns the KMS whose master key is secret ("name:base64"), keeping
// its named keys in m.
func New(m meta.Store, secret string) (*KMS, error) {
	name, key, err := ParseSecret(secret)
	if err != nil {
		return nil, err
	}
	master, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	return &KMS{meta: m, masterName: name, master: master, keys: map[string]cipher.AEAD{name: master}}, nil
}

// ParseSecret splits a master key secret "name:base64" into its name and
// its 32 bytes.
func ParseSecret(secret string) (name string, key []byte, err error) {
	name, b64, ok := strings.Cut(strings.TrimSpace(secret), ":")
	if !ok || !ValidKeyID(name) {
		return "", nil, errors.New("localkms: the master key must be NAME:BASE64 with a key name of letters, digits, '-', '_' and '.'")
	}
	key, err = base64.StdEncoding.DecodeString(b64)
	if err != nil || len(key) != keySize {
		return "", nil, fmt.Errorf("localkms: the master key %q must be 32 bytes in base64", name)
	}
	return name, key, nil
}

// NewSecret returns a new random master key secret named name.
func NewSecret(name string) string {
	key := make([]byte, keySize)
	_, _ = rand.Read(key)
	return name + ":" + base64.StdEncoding.EncodeToString(key)
}

// LoadOrCreateSecret returns the master key secret in path, creating the
// file (mode 0600) with a new key named name if it does not exist.
func LoadOrCreateSecret(path, name string) (secret string, created bool, err error) {
	b, err := os.ReadFile(path)
	if err == nil {
		return strings.TrimSpace(string(b)), false, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", false, err
	}
	secret = NewSecret(name)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", false, err
	}
	if _, err = f.WriteString(secret + "\n"); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return "", false, err
	}
	return secret, true, nil
}

// ValidKeyID reports whether id can name a key: 1 to 128 letters, digits
// and - _ . characters (no '/', so that a name is one URL path segment).
func ValidKeyID(id string) bool {
	if id == "" || len(id) > MaxKeyIDLength {
		return false
	}
	for _, c := range id {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func seal(aead cipher.AEAD, plain, ad []byte) []byte {
	out := make([]byte, 1+nonceSize, 1+nonceSize+len(plain)+aead.Overhead())
	out[0] = sealVersion
	_, _ = rand.Read(out[1:])
	return aead.Seal(out, out[1:], plain, ad)
}

func open(aead cipher.AEAD, sealed, ad []byte) ([]byte, error) {
	if len(sealed) < 1+nonceSize || sealed[0] != sealVersion {
		return nil, kms.ErrDecrypt
	}
	plain, err := aead.Open(nil, sealed[1:1+nonceSize], sealed[1+nonceSize:], ad)
	if err != nil {
		return nil, kms.ErrDecrypt
	}
	return plain, nil
}

func keyAD(id string) []byte { return []byte("kura localkms key " + id) }

// DefaultKey is the master key's name.
func (k *KMS) DefaultKey() string { return k.masterName }

// CreateKey adds a random named key, sealed under the master key.
func (k *KMS) CreateKey(ctx context.Context, id string) error {
	if !ValidKeyID(id) {
		return fmt.Errorf("%w: a key id must be 1 to %d characters long (it has %d), of letters, digits, '-', '_' and '.'", kms.ErrInvalidKeyID, MaxKeyIDLength, len(id))
	}
	if id == k.masterName {
		return kms.ErrKeyExists
	}
	plain := make([]byte, keySize)
	_, _ = rand.Read(plain)
	sealed := seal(k.master, plain, keyAD(id))
	return k.meta.Update(ctx, []meta.Lock{{Name: []byte(lockKey + id)}}, func(tx meta.Txn) error {
		if _, err := tx.Get([]byte(keyPrefix + id)); err == nil {
			return kms.ErrKeyExists
		} else if !errors.Is(err, meta.ErrNotFound) {
			return err
		}
		return tx.Set([]byte(keyPrefix+id), sealed)
	})
}

// Keys lists the master key and the named keys.
func (k *KMS) Keys(ctx context.Context) ([]string, error) {
	var ids []string
	err := k.meta.View(ctx, func(r meta.Reader) error {
		ids = []string{k.masterName}
		it, err := r.NewIter([]byte(keyPrefix), []byte(keyPrefix[:len(keyPrefix)-1]+"0"))
		if err != nil {
			return err
		}
		defer it.Close()
		for ok := it.First(); ok; ok = it.Next() {
			ids = append(ids, string(it.Key()[len(keyPrefix):]))
		}
		return it.Err()
	})
	sort.Strings(ids)
	return ids, err
}

// kek returns the key-encryption key id, unsealing and caching it on
// first use. A key that is missing is looked up again next time: another
// gateway may create it.
func (k *KMS) kek(ctx context.Context, id string) (cipher.AEAD, error) {
	k.mu.RLock()
	aead, ok := k.keys[id]
	k.mu.RUnlock()
	if ok {
		return aead, nil
	}
	if !ValidKeyID(id) {
		return nil, kms.ErrKeyNotFound
	}
	var sealed []byte
	err := k.meta.View(ctx, func(r meta.Reader) (err error) {
		sealed, err = r.Get([]byte(keyPrefix + id))
		return err
	})
	if errors.Is(err, meta.ErrNotFound) {
		return nil, fmt.Errorf("%w: %s", kms.ErrKeyNotFound, id)
	}
	if err != nil {
		return nil, err
	}
	plain, err := open(k.master, sealed, keyAD(id))
	if err != nil {
		return nil, fmt.Errorf("localkms: key %s does not open under master key %s: %w", id, k.masterName, err)
	}
	if aead, err = newAEAD(plain); err != nil {
		return nil, err
	}
	k.mu.Lock()
	k.keys[id] = aead
	k.mu.Unlock()
	return aead, nil
}

// GenerateKey returns a random data key sealed under key id.
func (k *KMS) GenerateKey(ctx context.Context, id string, context []byte) (kms.DataKey, error) {
	aead, err := k.kek(ctx, id)
	if err != nil {
		return kms.DataKey{}, err
	}
	plain := make([]byte, keySize)
	_, _ = rand.Read(plain)
	return kms.DataKey{Plaintext: plain, Sealed: seal(aead, plain, context)}, nil
}

// Decrypt opens a data key sealed by GenerateKey under id and context.
func (k *KMS) Decrypt(ctx context.Context, id string, sealed, context []byte) ([]byte, error) {
	aead, err := k.kek(ctx, id)
	if err != nil {
		return nil, err
	}
	return open(aead, sealed, context)
}
