package object

import (
	"context"
	"encoding/binary"
	"errors"
	"time"

	"github.com/kurastore/kura/internal/blob"
	"github.com/kurastore/kura/internal/meta"
)

// Blobs being written. A blob exists in the blob store from the moment its
// write starts (dirstore creates the file at its final name), long before a
// record references it, so the orphan sweep must be told which
// unreferenced blobs are still being written:
//
//   - this server's own writes are in l.writing, a set in memory. That is
//     all a server with a metadata store of its own (Pebble) needs: its
//     collector runs in the same process.
//   - with Options.Shared, other servers' collectors sweep the same blob
//     store, so every write is also recorded in the metadata store, as a
//     W-key, before the blob is created. The transaction that commits the
//     record referencing the blob deletes the W-key, so a sweep that reads
//     both in one snapshot sees the one or the other, never neither. A
//     write that fails deletes its W-key after deleting the blob.
//
// The blob's id is picked (blob.NewID) before either record is made and
// the blob created after, so a blob that Walk shows is already recorded.
// A server that dies mid-write leaves its W-key behind; the sweep ignores,
// and then deletes, W-keys older than writeRecordExpiry, so the blob is
// collected as an orphan a day later. A single write must finish (blob and
// record committed) within that day.
const (
	tagWriting        = 'W'
	writeRecordExpiry = 24 * time.Hour
)

func writingKey(id blob.ID) []byte { return append([]byte{tagWriting}, id...) }

// writeRecord is a W-key's value: when the write started, and which server
// made it.
func (l *Layer) writeRecord() []byte {
	return append(binary.BigEndian.AppendUint64(nil, uint64(l.gcNow().UnixNano())), l.id...)
}

func writeRecordTime(v []byte) time.Time {
	if len(v) < 8 {
		return time.Time{} // unreadable: as old as can be
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(v[:8])))
}

// createBlob records a new blob as being written and creates it. The
// caller ends the record: with finishWrite in the transaction that commits
// a reference and endWrite after it, or with abortBlob or discardBlob when
// the blob is not kept.
func (l *Layer) createBlob(ctx context.Context) (blob.Writer, error) {
	id := blob.NewID()
	l.writingMu.Lock()
	l.writing[id] = struct{}{}
	l.writingMu.Unlock()
	if l.opts.Shared {
		err := l.meta.Update(ctx, nil, func(tx meta.Txn) error { return tx.Set(writingKey(id), l.writeRecord()) })
		if err != nil {
			l.endWrite(id)
			return nil, err
		}
	}
	w, err := l.blobs.Create(ctx, id)
	if err != nil {
		l.forgetWrite(id)
		return nil, err
	}
	return w, nil
}

// finishWrite deletes the W-key of a blob inside the transaction that
// commits the reference to it. w may be nil (an inline object).
func (l *Layer) finishWrite(tx meta.Txn, w blob.Writer) error {
	if w == nil || !l.opts.Shared {
		return nil
	}
	return tx.Delete(writingKey(w.ID()))
}

// endWrite forgets a write in memory, once its reference is committed (or
// the blob is gone).
func (l *Layer) endWrite(id blob.ID) {
	l.writingMu.Lock()
	delete(l.writing, id)
	l.writingMu.Unlock()
}

// endWrites is endWrite for the blob of w, when there is one.
func (l *Layer) endWrites(ws ...blob.Writer) {
	for _, w := range ws {
		if w != nil {
			l.endWrite(w.ID())
		}
	}
}

// forgetWrite ends the record of a write whose blob no longer exists.
// If the W-key cannot be deleted, the sweep drops it once it has expired.
func (l *Layer) forgetWrite(id blob.ID) {
	if l.opts.Shared {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := l.meta.Update(ctx, nil, func(tx meta.Txn) error { return tx.Delete(writingKey(id)) })
		cancel()
		if err != nil {
			l.log.Warn("deleting the record of a blob write", "blob", id, "err", err)
		}
	}
	l.endWrite(id)
}

// abortBlob discards a blob whose write failed.
func (l *Layer) abortBlob(w blob.Writer) {
	w.Abort()
	l.forgetWrite(w.ID())
}

// beingWritten reports whether this server is writing blob id.
func (l *Layer) beingWritten(id blob.ID) bool {
	l.writingMu.Lock()
	defer l.writingMu.Unlock()
	_, ok := l.writing[id]
	return ok
}

// writtenElsewhere reports whether r holds a W-key for id younger than
// writeRecordExpiry.
func (l *Layer) writtenElsewhere(r meta.Reader, id blob.ID, now time.Time) (bool, error) {
	v, err := r.Get(writingKey(id))
	if errors.Is(err, meta.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return now.Sub(writeRecordTime(v)) < writeRecordExpiry, nil
}

// dropExpiredWriteRecords deletes W-keys older than writeRecordExpiry:
// what servers that died mid-write left behind.
func (l *Layer) dropExpiredWriteRecords(ctx context.Context) error {
	now := l.gcNow()
	var expired [][]byte
	err := l.view(ctx, func(r meta.Reader) error {
		expired = nil
		return meta.EachEntry(r, []byte{tagWriting}, func(k, v []byte) error {
			if now.Sub(writeRecordTime(v)) >= writeRecordExpiry {
				expired = append(expired, append([]byte(nil), k...))
			}
			return nil
		})
	})
	if err != nil || len(expired) == 0 {
		return err
	}
	return l.meta.Update(ctx, nil, func(tx meta.Txn) error {
		for _, k := range expired {
			if err := tx.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
}
