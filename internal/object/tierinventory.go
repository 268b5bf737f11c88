package object

import (
	"context"
	"time"

	"github.com/kurastore/kura/internal/meta"
)

// RemoteObject names one object on a tier.
type RemoteObject struct {
	Tier, Name string
}

// TierInventory is what the metadata says the tiers hold: every remote
// object is the data of a transitioned version (Live) or waits in the
// queue of remote deletions (Queued: the uploads of transitions that
// have not committed, or never will, and dropped data). No object is in
// both, or live data would be deleted. A tier object in neither set is
// leaked: nothing will ever read or delete it.
type TierInventory struct {
	Live   map[RemoteObject]bool
	Queued map[RemoteObject]QueuedDelete
}

// QueuedDelete is a remote object's entry in the queue of deletions:
// when it is due, and whether a collector claimed it (is deleting it).
type QueuedDelete struct {
	Due     time.Time
	Claimed bool
}

// TierInventory reads every record and the queue of remote deletions in
// one view. It reads the whole keyspace of versions, which is slow on a
// large store: it is meant for checks of a quiet server.
func (l *Layer) TierInventory(ctx context.Context) (TierInventory, error) {
	var inv TierInventory
	err := l.view(ctx, func(r meta.Reader) error {
		inv = TierInventory{Live: map[RemoteObject]bool{}, Queued: map[RemoteObject]QueuedDelete{}}
		for _, tag := range []byte{tagObject, tagVersion} {
			err := meta.EachEntry(r, []byte{tag}, func(_, v []byte) error {
				rec, err := decodeRecord(v, false)
				if err != nil || !rec.remote() {
					return err
				}
				for _, id := range rec.dataIDs() {
					inv.Live[RemoteObject{rec.Info.Tier, remoteName(rec.UID, id)}] = true
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return meta.EachEntry(r, []byte{tagTierDelete}, func(k, v []byte) error {
			tierName, name, ok := splitTierDeleteKey(k)
			if !ok {
				return nil
			}
			e, err := decodeTierDelete(v)
			if err != nil {
				return err
			}
			inv.Queued[RemoteObject{tierName, name}] = QueuedDelete{Due: e.due, Claimed: e.claimed}
			return nil
		})
	})
	return inv, err
}
