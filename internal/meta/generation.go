package meta

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
)

// A generation key changes whenever some cached state changes, so that
// every process sharing a Store (gateways on one PostgreSQL) can tell its
// cache is stale by reading one key. Writers call BumpGeneration in the
// transaction that makes the change; readers poll with Generation.
//
// Generation keys start with 'Y', a keyspace no other package uses.
const generationTag = 'Y'

// GenerationKey names the generation of one kind of cached state.
func GenerationKey(name string) []byte { return append([]byte{generationTag}, name...) }

// BumpGeneration gives key a new random value inside tx.
func BumpGeneration(tx Txn, key []byte) error {
	var v [8]byte
	_, _ = rand.Read(v[:])
	return tx.Set(key, v[:])
}

// Generation reads key's current value; nil when it was never bumped.
func Generation(ctx context.Context, s Store, key []byte) ([]byte, error) {
	var v []byte
	err := s.View(ctx, func(r Reader) (err error) {
		v, err = r.Get(key)
		if errors.Is(err, ErrNotFound) {
			v, err = nil, nil
		}
		return err
	})
	return v, err
}

// GenerationWatch remembers the last value seen of a generation key.
type GenerationWatch struct {
	Key  []byte
	last []byte
	seen bool
}

// Changed reports whether the key changed since the last call (the first
// call reports false: there is no cache older than it).
func (w *GenerationWatch) Changed(ctx context.Context, s Store) (bool, error) {
	v, err := Generation(ctx, s, w.Key)
	if err != nil {
		return false, err
	}
	changed := w.seen && !bytes.Equal(v, w.last)
	w.last, w.seen = v, true
	return changed, nil
}
