package object

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/kurastore/kura/internal/blob"
	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/tier"
	"github.com/kurastore/kura/s3err"
)

// Remote objects to delete. Every remote object a tier holds is either
// the data of a committed, transitioned record or named by an X-key:
//
//	X<tier>/<uid>/<blob id>    "delete this object from the tier"
//
// A transition writes the X-keys of the objects it is about to upload
// before it uploads them, due well in the future (Options.OrphanGrace,
// longer than any upload), and the commit that makes the record remote
// deletes them. A crash or a failure in between leaves them, and the
// objects are deleted once they are due. A commit that drops a remote
// record's data (a delete, an overwrite) writes the X-keys of its
// objects, due after GCDelay, in the same transaction. The collector
// (RunCollector, under its lease) deletes due objects from their tiers,
// retrying with backoff while a tier cannot be reached, and removes each
// X-key only once its object is gone: nothing leaks, and no live data
// is deleted. Reads lease the remote objects they read (remoteLease), and
// an object stays while a read holds it, as blobs do.
//
// Tier names never contain '/', so the tier is the X-key's first
// segment. While the collector deletes an object it claims its X-key
// (pushes its due time out by tierClaimTerm and marks it claimed), so a
// transition of the same record that starts again meanwhile waits
// instead of uploading an object that the delete would then remove.
const tagTierDelete = 'X'

const (
	tierClaimTerm    = 10 * time.Minute
	tierRetryBase    = 5 * time.Second
	tierRetryMax     = 10 * time.Minute
	tierDeleteBatch  = 1000
	tierEntryHeader  = 8 + 2 + 1
	tierEntryClaimed = 1
)

func tierDeleteKey(tierName, name string) []byte {
	k := make([]byte, 0, 2+len(tierName)+len(name))
	k = append(k, tagTierDelete)
	k = append(k, tierName...)
	k = append(k, keySeparate)
	return append(k, name...)
}

func tierDeleteLock(key []byte) meta.Lock { return meta.Lock{Name: append([]byte("lx/"), key[1:]...)} }

// remoteLease is the name under which a read leases (readlease.go) the
// remote object of piece id of record uid on tier tierName: the X-key
// that would delete it, without its tag. Blob ids never contain '/', so
// it names no blob.
func remoteLease(tierName, uid, id string) blob.ID {
	return blob.ID(tierDeleteKey(tierName, remoteName(uid, id))[1:])
}

// tierDeleteLocks are the locks of the X-keys of rec's remote objects on
// rec.Info.Tier.
func tierDeleteLocks(rec record) []meta.Lock {
	var locks []meta.Lock
	for _, id := range rec.dataIDs() {
		locks = append(locks, tierDeleteLock(tierDeleteKey(rec.Info.Tier, remoteName(rec.UID, id))))
	}
	return locks
}

// tierDelete is an X-key's value: when the object may be deleted, how
// many deletes failed, and whether a collector is deleting it now.
type tierDelete struct {
	due      time.Time
	attempts uint16
	claimed  bool
}

func (e tierDelete) encode() []byte {
	b := binary.BigEndian.AppendUint64(make([]byte, 0, tierEntryHeader), uint64(e.due.UnixNano()))
	b = binary.BigEndian.AppendUint16(b, e.attempts)
	var flags byte
	if e.claimed {
		flags = tierEntryClaimed
	}
	return append(b, flags)
}

func decodeTierDelete(v []byte) (tierDelete, error) {
	if len(v) != tierEntryHeader {
		return tierDelete{}, errBadRecord
	}
	return tierDelete{
		due:      time.Unix(0, int64(binary.BigEndian.Uint64(v))),
		attempts: binary.BigEndian.Uint16(v[8:]),
		claimed:  v[10]&tierEntryClaimed != 0,
	}, nil
}

// splitTierDeleteKey returns the tier and the object name of an X-key.
func splitTierDeleteKey(k []byte) (tierName, name string, ok bool) {
	t, n, ok := bytes.Cut(k[1:], []byte{keySeparate})
	return string(t), string(n), ok
}

// errTierDeleteBusy refuses a transition whose remote object is being
// deleted (a leftover of an earlier attempt); a later attempt succeeds.
var errTierDeleteBusy = errors.New("object: a remote object of this version is being deleted; try again later")

// queueTierDeletes writes the X-keys of every remote object of rec, due
// at due.
func queueTierDeletes(tx meta.Txn, rec record, due time.Time) error {
	val := tierDelete{due: due}.encode()
	for _, id := range rec.dataIDs() {
		if err := tx.Set(tierDeleteKey(rec.Info.Tier, remoteName(rec.UID, id)), val); err != nil {
			return err
		}
	}
	return nil
}

// dropRemoteData releases a transitioned record's data: its remote
// objects are queued for deletion and its restored copy, if any, goes to
// the collector.
func (l *Layer) dropRemoteData(tx meta.Txn, rec record) error {
	if err := queueTierDeletes(tx, rec, l.gcNow().Add(l.opts.GCDelay)); err != nil {
		return err
	}
	return l.dropRestoredCopy(tx, &rec)
}

// tierOf finds the tier named name.
func (l *Layer) tierOf(ctx context.Context, name string) (tier.Tier, error) {
	if l.opts.Tiers == nil {
		return nil, fmt.Errorf("%w: %s (no tiers are configured)", tier.ErrNoSuchTier, name)
	}
	return l.opts.Tiers.Tier(ctx, name)
}

// tierReadError is what a read answers when the tier holding the data
// fails: 503, naming the tier, since nothing is lost and a later read
// may succeed. A missing remote object passes through, for open to look
// the object up again (it may have been replaced meanwhile).
func tierReadError(tierName string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, tier.ErrNotFound), errors.Is(err, context.Canceled):
		return err
	}
	return s3err.ErrServiceUnavailable.WithMessage("The object's data is on storage tier %s, which cannot be read now: %v", tierName, err)
}

// DrainTierDeletes deletes the due remote objects of the X-queue from
// their tiers and removes their X-keys. It returns how many it deleted
// and the first failure of a tier; those objects stay queued and are
// retried with backoff.
func (l *Layer) DrainTierDeletes(ctx context.Context) (int, error) {
	if err := l.syncSharedClock(ctx); err != nil {
		return 0, err
	}
	now := l.gcNow()
	type queued struct {
		key []byte
		due time.Time
	}
	var due []queued
	err := l.view(ctx, func(r meta.Reader) error {
		due = due[:0]
		return meta.EachEntry(r, []byte{tagTierDelete}, func(k, v []byte) error {
			e, err := decodeTierDelete(v)
			if err != nil || l.tierDeleteDue(e, now) {
				due = append(due, queued{bytes.Clone(k), e.due})
			}
			if len(due) == tierDeleteBatch {
				return errStopScan
			}
			return nil
		})
	})
	if err != nil && !errors.Is(err, errStopScan) {
		return 0, err
	}
	var others otherLeases
	if len(due) > 0 {
		if others, err = l.readOtherLeases(ctx, now); err != nil {
			return 0, err
		}
	}
	deleted := 0
	var firstErr error
	failing := map[string]time.Time{} // tiers that failed in this pass, and when to try again
	for _, q := range due {
		tierName, _, _ := splitTierDeleteKey(q.key)
		if retry, ok := failing[tierName]; ok {
			// It would fail as well, maybe after a long timeout: it
			// waits as long as the one that failed, so that a tier that
			// is down does not hold up the others' deletes.
			if err := l.postponeTierDelete(ctx, q.key, now, retry); err != nil {
				return deleted, err
			}
			continue
		}
		// A read that looked the record up before its data was dropped
		// leased the remote object within GCDelay of the drop (the
		// object became due GCDelay after it): it stays until the read
		// is done, as blobs do (DrainQueue).
		lease := blob.ID(q.key[1:])
		if l.leasedHere(lease) || others.spares(lease, q.due.Add(-l.opts.GCDelay), l.opts.GCDelay) {
			continue
		}
		ok, retry, err := l.deleteRemote(ctx, q.key, now)
		if err != nil {
			if ctx.Err() != nil {
				return deleted, err
			}
			failing[tierName] = retry
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if ok {
			deleted++
		}
	}
	return deleted, firstErr
}

var errStopScan = errors.New("object: scan stopped")

// postponeTierDelete makes X-key k, if it is due and not claimed, due at
// until.
func (l *Layer) postponeTierDelete(ctx context.Context, k []byte, now, until time.Time) error {
	return l.meta.Update(ctx, []meta.Lock{tierDeleteLock(k)}, func(tx meta.Txn) error {
		v, err := tx.Get(k)
		if errors.Is(err, meta.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		e, err := decodeTierDelete(v)
		if err != nil || e.claimed || e.due.After(now) {
			return nil
		}
		e.due = until
		return tx.Set(k, e.encode())
	})
}

// tierDeleteDue reports whether X-key entry e may be acted on at now.
// A claim is a collector's delete in flight, which the others wait out.
// But a store that no other server shares is open in this process only,
// so a claim made before this layer started is a dead process's (this
// server's before a crash) and is due at once: its object is not left
// for the claim's whole term.
func (l *Layer) tierDeleteDue(e tierDelete, now time.Time) bool {
	if !e.due.After(now) {
		return true
	}
	return e.claimed && !l.opts.Shared && e.due.Add(-tierClaimTerm).Before(l.started)
}

// deleteRemote deletes the remote object of X-key k if it is due,
// claiming the key while it does, and reports whether it did; when the
// tier fails, the key is due again at retry.
func (l *Layer) deleteRemote(ctx context.Context, k []byte, now time.Time) (deleted bool, retry time.Time, err error) {
	tierName, name, ok := splitTierDeleteKey(k)
	locks := []meta.Lock{tierDeleteLock(k)}
	claim := tierDelete{due: now.Add(tierClaimTerm), claimed: true}
	claimed := false
	err = l.meta.Update(ctx, locks, func(tx meta.Txn) error {
		claimed = false
		v, err := tx.Get(k)
		if errors.Is(err, meta.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		e, err := decodeTierDelete(v)
		if err == nil && !l.tierDeleteDue(e, now) {
			return nil // committed or claimed since the scan
		}
		claim.attempts = e.attempts
		claimed = true
		return tx.Set(k, claim.encode())
	})
	if err != nil || !claimed {
		return false, retry, err
	}
	if !ok {
		// A key that names no object cannot be acted on.
		return false, retry, l.meta.Update(ctx, locks, func(tx meta.Txn) error { return tx.Delete(k) })
	}
	delErr := l.deleteFromTier(ctx, tierName, name)
	mine := claim.encode()
	next := tierDelete{attempts: claim.attempts + 1}
	next.due = now.Add(tierBackoff(next.attempts))
	err = l.meta.Update(ctx, locks, func(tx meta.Txn) error {
		v, err := tx.Get(k)
		if errors.Is(err, meta.ErrNotFound) {
			return nil
		}
		if err != nil || !bytes.Equal(v, mine) {
			return err
		}
		if delErr == nil {
			return tx.Delete(k)
		}
		return tx.Set(k, next.encode())
	})
	if delErr != nil {
		return false, next.due, fmt.Errorf("deleting %s from tier %s: %w", name, tierName, delErr)
	}
	return err == nil, retry, err
}

func (l *Layer) deleteFromTier(ctx context.Context, tierName, name string) error {
	t, err := l.tierOf(ctx, tierName)
	if err != nil {
		return err
	}
	// Done well within the claim, so that no delete is still in flight
	// once another collector or a transition may take the key.
	ctx, cancel := context.WithTimeout(ctx, tierClaimTerm/2)
	defer cancel()
	return t.Delete(ctx, name)
}

// tierBackoff is how long a remote delete that failed attempts times
// waits before the next try.
func tierBackoff(attempts uint16) time.Duration {
	d := tierRetryBase
	for i := uint16(1); i < attempts && d < tierRetryMax; i++ {
		d *= 2
	}
	return min(d, tierRetryMax)
}
