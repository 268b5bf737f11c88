package iam

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"time"

	"github.com/kurastore/kura/internal/auth"
	"github.com/kurastore/kura/internal/meta"
)

// SealKeySize is the size of the key that seals IAM secrets and session
// tokens.
const SealKeySize = 32

// ErrSealKeyMismatch refuses a server whose seal key is not the one the
// store's secrets are sealed under: it could read no user's secret.
var ErrSealKeyMismatch = errors.New("iam: the IAM secrets in this metadata store are sealed under another key (every server sharing the store needs the same KURA_IAM_SECRET_KEY)")

// sealKeys are the keys derived from the seal key, one per use, so that
// no two uses share a key.
type sealKeys struct {
	// secrets seals the secrets of users and service accounts at rest.
	secrets cipher.AEAD
	// tokens seals session tokens.
	tokens cipher.AEAD
	// metrics seals metrics tokens (metricstoken.go).
	metrics cipher.AEAD
	// sessionSecret derives a session's secret from its access key.
	sessionSecret []byte
	// check is kept in the store to recognise the seal key.
	check []byte
}

func deriveSealKeys(key []byte) (*sealKeys, error) {
	if len(key) != SealKeySize {
		return nil, fmt.Errorf("iam: the seal key must be %d bytes", SealKeySize)
	}
	sub := func(info string) ([]byte, error) { return hkdf.Key(sha256.New, key, nil, info, 32) }
	var k sealKeys
	secrets, err := sub("kura iam secrets v2")
	if err != nil {
		return nil, err
	}
	tokens, err := sub("kura sts session token v1")
	if err != nil {
		return nil, err
	}
	metrics, err := sub("kura metrics token v1")
	if err != nil {
		return nil, err
	}
	if k.metrics, err = newGCM(metrics); err != nil {
		return nil, err
	}
	if k.sessionSecret, err = sub("kura sts session secret v1"); err != nil {
		return nil, err
	}
	if k.check, err = sub("kura iam seal key check v1"); err != nil {
		return nil, err
	}
	if k.secrets, err = newGCM(secrets); err != nil {
		return nil, err
	}
	if k.tokens, err = newGCM(tokens); err != nil {
		return nil, err
	}
	return &k, nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// legacySecretsAEAD is the key older versions sealed secrets under,
// derived from the root credentials, so that a new root password lost
// every user. It is used once, to re-seal under the seal key.
func legacySecretsAEAD(root auth.Credentials) (cipher.AEAD, error) {
	key, err := hkdf.Key(sha256.New, []byte(root.SecretKey), []byte(root.AccessKey), "kura iam secrets v1", 32)
	if err != nil {
		return nil, err
	}
	return newGCM(key)
}

// sealWith encrypts plain as nonce || ciphertext, bound to ad.
func sealWith(aead cipher.AEAD, plain, ad []byte) []byte {
	nonce := make([]byte, aead.NonceSize())
	_, _ = rand.Read(nonce)
	return aead.Seal(nonce, nonce, plain, ad)
}

var errUnsealable = errors.New("iam: sealed data is damaged or sealed under another key")

func openWith(aead cipher.AEAD, sealed, ad []byte) ([]byte, error) {
	n := aead.NonceSize()
	if len(sealed) < n {
		return nil, errUnsealable
	}
	plain, err := aead.Open(nil, sealed[:n], sealed[n:], ad)
	if err != nil {
		return nil, errUnsealable
	}
	return plain, nil
}

// NewStore returns a Store whose secrets and session tokens are sealed
// with keys derived from sealKey (SealKeySize bytes). Every server sharing
// the metadata store needs the same seal key; the root credentials play
// no part in sealing, so that they can change without touching users.
func NewStore(m meta.Store, root auth.Credentials, sealKey []byte, now func() time.Time) (*Store, error) {
	keys, err := deriveSealKeys(sealKey)
	if err != nil {
		return nil, err
	}
	if now == nil {
		now = time.Now
	}
	return &Store{meta: m, root: root, keys: keys, now: now, cache: map[string]*Identity{}}, nil
}

func (s *Store) seal(secret, access string) []byte {
	return sealWith(s.keys.secrets, []byte(secret), []byte(access))
}

func (s *Store) open(u *User) (string, error) {
	plain, err := openWith(s.keys.secrets, u.Sealed, []byte(u.AccessKey))
	if err != nil {
		return "", fmt.Errorf("iam: secret of %s: %w", u.AccessKey, err)
	}
	return string(plain), nil
}

// sealCheckKey holds the check value of the seal key the store's secrets
// are sealed under.
var sealCheckKey = []byte("Ik")

type sealCheck struct {
	Check []byte `json:"check"`
}

var errNoSealCheck = errors.New("iam: no seal key recorded")

// SealReport says what AdoptSealKey did.
type SealReport struct {
	// Adopted is true on the first start with a seal key: the store's
	// secrets were re-sealed under it.
	Adopted bool
	// Resealed counts the users and service accounts re-sealed.
	Resealed int
	// Unreadable names the users and service accounts whose secrets the
	// root credentials could not open (they were sealed under root
	// credentials that had already changed); they stay unusable.
	Unreadable []string
	// Dropped counts the temporary credentials older versions stored,
	// removed: sessions are no longer stored.
	Dropped int
}

// AdoptSealKey makes the store's secrets sealed under the seal key. On a
// store that records no seal key yet (new, or written by a version that
// derived the key from the root credentials), it re-seals every secret the
// root credentials open, drops stored temporary credentials, and records
// the seal key's check value; that must happen while the root credentials
// are still the ones that sealed them. On a store that records another
// seal key it returns ErrSealKeyMismatch. Servers sharing the store may
// run it at once: the first one re-seals, the others find it done.
func (s *Store) AdoptSealKey(ctx context.Context) (SealReport, error) {
	var rep SealReport
	var adopted bool
	err := s.meta.View(ctx, func(r meta.Reader) (err error) {
		adopted, err = s.checkSealKey(r)
		return err
	})
	if err != nil || adopted {
		return rep, err
	}
	legacy, err := legacySecretsAEAD(s.root)
	if err != nil {
		return rep, err
	}
	err = s.update(ctx, func(tx meta.Txn) error {
		rep = SealReport{}
		if adopted, err := s.checkSealKey(tx); err != nil || adopted {
			return err
		}
		rep.Adopted = true
		users, err := listJSON[User](tx, prefixUser)
		if err != nil {
			return err
		}
		for _, u := range users {
			if !u.Expiration.IsZero() {
				rep.Dropped++
				if err := tx.Delete(userKey(u.AccessKey)); err != nil {
					return err
				}
				continue
			}
			plain, err := openWith(legacy, u.Sealed, []byte(u.AccessKey))
			if err != nil {
				rep.Unreadable = append(rep.Unreadable, u.AccessKey)
				continue
			}
			u.Sealed = sealWith(s.keys.secrets, plain, []byte(u.AccessKey))
			if err := setJSON(tx, userKey(u.AccessKey), u); err != nil {
				return err
			}
			rep.Resealed++
		}
		return setJSON(tx, sealCheckKey, sealCheck{Check: s.keys.check})
	})
	return rep, err
}

// checkSealKey reports whether the store records this seal key, and
// refuses another one.
func (s *Store) checkSealKey(r meta.Reader) (bool, error) {
	c, err := getJSON[sealCheck](r, sealCheckKey, errNoSealCheck)
	switch {
	case errors.Is(err, errNoSealCheck):
		return false, nil
	case err != nil:
		return false, err
	case subtle.ConstantTimeCompare(c.Check, s.keys.check) != 1:
		return false, ErrSealKeyMismatch
	}
	return true, nil
}
