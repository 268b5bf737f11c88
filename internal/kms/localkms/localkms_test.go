package localkms

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/kurastore/kura/internal/kms"
	"github.com/kurastore/kura/internal/meta/faultmeta"
	"github.com/kurastore/kura/internal/meta/pebblestore"
)

func newKMS(t *testing.T, secret string) (*KMS, string) {
	t.Helper()
	dir := t.TempDir()
	m, err := pebblestore.Open(filepath.Join(dir, "meta"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	k, err := New(m, secret)
	if err != nil {
		t.Fatal(err)
	}
	return k, dir
}

func TestDataKeys(t *testing.T) {
	ctx := context.Background()
	k, _ := newKMS(t, NewSecret("kura-default"))
	if k.DefaultKey() != "kura-default" {
		t.Fatalf("default key %q", k.DefaultKey())
	}
	if err := k.CreateKey(ctx, "app-1"); err != nil {
		t.Fatal(err)
	}
	if err := k.CreateKey(ctx, "app-1"); !errors.Is(err, kms.ErrKeyExists) {
		t.Fatalf("second create: %v", err)
	}
	if err := k.CreateKey(ctx, "bad key"); !errors.Is(err, kms.ErrInvalidKeyID) {
		t.Fatalf("bad name: %v", err)
	}
	ids, err := k.Keys(ctx)
	if err != nil || len(ids) != 2 || ids[0] != "app-1" || ids[1] != "kura-default" {
		t.Fatalf("Keys = %v, %v", ids, err)
	}
	for _, id := range ids {
		dk, err := k.GenerateKey(ctx, id, []byte("ctx"))
		if err != nil || len(dk.Plaintext) != 32 {
			t.Fatalf("GenerateKey(%s) = %v", id, err)
		}
		got, err := k.Decrypt(ctx, id, dk.Sealed, []byte("ctx"))
		if err != nil || !bytes.Equal(got, dk.Plaintext) {
			t.Fatalf("Decrypt(%s) = %v", id, err)
		}
		if _, err := k.Decrypt(ctx, id, dk.Sealed, []byte("other")); !errors.Is(err, kms.ErrDecrypt) {
			t.Fatalf("other context: %v", err)
		}
		bad := bytes.Clone(dk.Sealed)
		bad[len(bad)-1] ^= 1
		if _, err := k.Decrypt(ctx, id, bad, []byte("ctx")); !errors.Is(err, kms.ErrDecrypt) {
			t.Fatalf("tampered: %v", err)
		}
	}
	if _, err := k.GenerateKey(ctx, "nope", nil); !errors.Is(err, kms.ErrKeyNotFound) {
		t.Fatalf("unknown key: %v", err)
	}
}

func TestNamedKeysNeedTheMasterKey(t *testing.T) {
	ctx := context.Background()
	secret := NewSecret("m")
	k, _ := newKMS(t, secret)
	k.CreateKey(ctx, "app")
	dk, _ := k.GenerateKey(ctx, "app", nil)

	// Same metadata, same master: a second gateway opens the key.
	other, _ := New(k.meta, secret)
	if got, err := other.Decrypt(ctx, "app", dk.Sealed, nil); err != nil || !bytes.Equal(got, dk.Plaintext) {
		t.Fatalf("second instance: %v", err)
	}
	// Another master key cannot.
	wrong, _ := New(k.meta, NewSecret("m"))
	if _, err := wrong.Decrypt(ctx, "app", dk.Sealed, nil); !errors.Is(err, kms.ErrDecrypt) {
		t.Fatalf("wrong master: %v", err)
	}
}

func TestSecrets(t *testing.T) {
	for _, bad := range []string{"", "nocolon", "a:notbase64!", "a:c2hvcnQ=", ":" + NewSecret("x")[2:]} {
		if _, _, err := ParseSecret(bad); err == nil {
			t.Errorf("ParseSecret(%q) accepted", bad)
		}
	}
	path := filepath.Join(t.TempDir(), "kms.key")
	s1, created, err := LoadOrCreateSecret(path, "kura-default")
	if err != nil || !created {
		t.Fatal(created, err)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode())
	}
	s2, created, err := LoadOrCreateSecret(path, "other")
	if err != nil || created || s1 != s2 {
		t.Fatalf("reload: %v %v", created, err)
	}
	if _, _, err := ParseSecret(s2); err != nil {
		t.Fatal(err)
	}
}

// Through a store that runs every closure twice (as pgstore does on a
// serialization failure), every key is listed once.
func TestKeysRerun(t *testing.T) {
	ctx := context.Background()
	m, err := pebblestore.Open(filepath.Join(t.TempDir(), "meta"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	k, err := New(faultmeta.New(m, faultmeta.Options{Rerun: 1}), NewSecret("kura-default"))
	if err != nil {
		t.Fatal(err)
	}
	if err := k.CreateKey(ctx, "app-1"); err != nil {
		t.Fatal(err)
	}
	ids, err := k.Keys(ctx)
	if err != nil || len(ids) != 2 {
		t.Fatalf("Keys = %v, %v; want the master key and app-1", ids, err)
	}
}
