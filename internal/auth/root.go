package auth

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kurastore/kura/internal/fsync"
	"github.com/kurastore/kura/s3err"
)

// Credentials are an access key and its secret.
type Credentials struct {
	AccessKey string `json:"accessKey"`
	SecretKey string `json:"secretKey"`
}

// RootFile is where generated root credentials are kept inside the data
// directory.
const RootFile = "root-credentials.json"

// Limits S3 tools accept for keys.
const (
	minAccessKey = 3
	maxAccessKey = 128
	minSecretKey = 8
	maxSecretKey = 128
)

// Validate checks lengths that clients and servers agree on.
func (c Credentials) Validate() error {
	if n := len(c.AccessKey); n < minAccessKey || n > maxAccessKey {
		return fmt.Errorf("the access key must be %d to %d characters long; it has %d", minAccessKey, maxAccessKey, n)
	}
	if n := len(c.SecretKey); n < minSecretKey || n > maxSecretKey {
		return fmt.Errorf("the secret key must be %d to %d characters long; it has %d", minSecretKey, maxSecretKey, n)
	}
	return nil
}

// NewRandomCredentials returns fresh random keys.
func NewRandomCredentials() Credentials {
	return Credentials{AccessKey: randomString(20, upperAlnum), SecretKey: randomString(40, secretAlphabet)}
}

// LoadOrCreateRoot returns the root credentials kept in dir, creating
// random ones (mode 0600) on first use. created reports a new file.
// There is deliberately no fixed default password.
func LoadOrCreateRoot(dir string) (c Credentials, created bool, err error) {
	path := filepath.Join(dir, RootFile)
	data, err := os.ReadFile(path)
	if err == nil {
		if err := json.Unmarshal(data, &c); err != nil {
			return c, false, fmt.Errorf("reading %s: %w", path, err)
		}
		return c, false, c.Validate()
	}
	if !errors.Is(err, os.ErrNotExist) {
		return c, false, err
	}
	c = NewRandomCredentials()
	data, err = json.MarshalIndent(c, "", "  ")
	if err != nil {
		return c, false, err
	}
	if err := writeFileSync(path, append(data, '\n'), 0o600); err != nil {
		return c, false, err
	}
	return c, true, nil
}

// writeFileSync writes a new file durably: temp file, fsync, rename, fsync
// of the directory.
func writeFileSync(path string, data []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return fsync.Dir(filepath.Dir(path))
}

const (
	upperAlnum     = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)

// randomString draws n characters uniformly from alphabet (whose length
// divides 256 evenly or is rejected-sampled).
func randomString(n int, alphabet string) string {
	out := make([]byte, 0, n)
	limit := 256 - 256%len(alphabet)
	var buf [64]byte
	for len(out) < n {
		_, _ = rand.Read(buf[:])
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out)
}

// Static resolves access keys against a fixed set of credentials.
type Static map[string]string

// NewStatic returns a Static holding creds.
func NewStatic(creds ...Credentials) Static {
	s := make(Static, len(creds))
	for _, c := range creds {
		s[c.AccessKey] = c.SecretKey
	}
	return s
}

// Secret returns the secret of accessKey, or s3err.ErrInvalidAccessKeyID.
func (s Static) Secret(accessKey string) (string, error) {
	if secret, ok := s[accessKey]; ok {
		return secret, nil
	}
	return "", s3err.ErrInvalidAccessKeyID
}
