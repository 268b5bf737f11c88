package tierstore_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/meta/pebblestore"
	"github.com/kurastore/kura/internal/tier"
	"github.com/kurastore/kura/internal/tier/tierstore"
	"github.com/kurastore/kura/kuratest"
)

// The external test package may use kuratest, which imports tierstore.

var ctx = context.Background()

func sealKey(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

func openMeta(t *testing.T) meta.Store {
	t.Helper()
	m, err := pebblestore.Open(filepath.Join(t.TempDir(), "meta"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func newRegistry(t *testing.T, opts tierstore.Options) *tierstore.Registry {
	t.Helper()
	r, err := tierstore.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestCredentialsSealedAtRest reads every value of the metadata store:
// none holds the secret key or the access key.
func TestCredentialsSealedAtRest(t *testing.T) {
	srv := kuratest.NewServer(t)
	if err := srv.Client.MakeBucket(ctx, "cold", client.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	m := openMeta(t)
	r := newRegistry(t, tierstore.Options{Meta: m, SealKey: sealKey(1)})
	d := tierstore.Definition{Name: "REMOTE", Type: tierstore.TypeS3, Endpoint: srv.URL, Bucket: "cold", Prefix: "p/", AccessKey: srv.AccessKey, SecretKey: srv.SecretKey}
	if err := r.Add(ctx, d); err != nil {
		t.Fatal(err)
	}
	n := 0
	err := m.View(ctx, func(rd meta.Reader) error {
		return meta.EachEntry(rd, nil, func(k, v []byte) error {
			n++
			for _, secret := range []string{srv.SecretKey, srv.AccessKey} {
				if bytes.Contains(k, []byte(secret)) || holds(v, secret) {
					t.Errorf("key %q holds a credential in the clear", k)
				}
			}
			return nil
		})
	})
	if err != nil || n == 0 {
		t.Fatalf("%d entries, %v", n, err)
	}
	defs, err := r.List(ctx)
	if err != nil || len(defs) != 1 {
		t.Fatalf("list: %+v, %v", defs, err)
	}
	if defs[0].SecretKey != tierstore.Masked || defs[0].AccessKey != srv.AccessKey || defs[0].Endpoint != srv.URL {
		t.Fatalf("list shows %+v", defs[0])
	}
	// The tier works with the unsealed credentials.
	tr, err := r.Tier(ctx, "REMOTE")
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Put(ctx, "u/b", strings.NewReader("x"), 1); err != nil {
		t.Fatal(err)
	}
	// Another seal key cannot open them: the tier is refused, not built
	// with empty credentials.
	other := newRegistry(t, tierstore.Options{Meta: m, SealKey: sealKey(2)})
	if _, err := other.Tier(ctx, "REMOTE"); err == nil || errors.Is(err, tier.ErrNoSuchTier) {
		t.Fatalf("tier under another seal key: %v", err)
	}
}

// holds reports whether a stored value holds secret in the clear, or in
// base64 (as JSON carries bytes) in one of its members.
func holds(v []byte, secret string) bool {
	if bytes.Contains(v, []byte(secret)) {
		return true
	}
	var members map[string]any
	if json.Unmarshal(v, &members) != nil {
		return false
	}
	for _, m := range members {
		if s, ok := m.(string); ok {
			if dec, err := base64.StdEncoding.DecodeString(s); err == nil && bytes.Contains(dec, []byte(secret)) {
				return true
			}
		}
	}
	return false
}
