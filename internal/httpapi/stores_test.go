package httpapi

import (
	"log/slog"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/kurastore/kura/internal/blob/dirstore"
	"github.com/kurastore/kura/internal/meta/pebblestore"
)

// memStores opens an in-memory metadata store and a blob store in a
// temporary directory, closed when the test ends.
func memStores(t testing.TB) (*pebblestore.Store, *dirstore.Store) {
	t.Helper()
	m, err := pebblestore.Open("meta", &pebblestore.Options{FS: vfs.NewMem(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	blobs, err := dirstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return m, blobs
}
