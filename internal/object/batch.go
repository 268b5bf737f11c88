package object

import (
	"context"
	"io"

	"github.com/kurastore/kura/internal/blob"
	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/s3name"
)

// BatchEntry is one object of a Batch.
type BatchEntry struct {
	Key  string
	Body io.Reader
	Opts PutOptions
}

// maxBatchInline bounds the inline data a batch holds in memory before its
// commit; past it, small objects go to blobs like large ones.
const maxBatchInline = 64 << 20

// A Batch stores many objects of one bucket in one atomic commit: either
// every added entry is stored, or none is. It is how an uploaded archive
// is extracted (snowball). Data is written as entries are added; nothing
// is visible before Commit. Call Abort if Commit is not reached.
type Batch struct {
	l           *Layer
	ctx         context.Context
	bucket      string
	staged      []stagedObject
	inlineBytes int64
}

type stagedObject struct {
	key    string
	rec    record
	inline []byte
	w      blob.Writer
}

// NewBatch starts a batch for bucket.
func (l *Layer) NewBatch(ctx context.Context, bucket string) (*Batch, error) {
	if _, err := l.Bucket(ctx, bucket); err != nil {
		return nil, err
	}
	return &Batch{l: l, ctx: ctx, bucket: bucket}, nil
}

// Len is the number of entries added.
func (b *Batch) Len() int { return len(b.staged) }

// Add writes one entry's data.
func (b *Batch) Add(e BatchEntry) error {
	opts := e.Opts
	if err := s3name.CheckKey(e.Key); err != nil {
		return err
	}
	switch {
	case opts.Size < 0:
		return s3err.ErrMissingContentLength
	case opts.Size > MaxPutSize:
		return s3err.ErrEntityTooLarge
	case userMetaSize(opts.Attrs.UserMeta) > MaxUserMetaSize:
		return s3err.ErrMetadataTooLarge
	}
	if err := validTags(opts.Tags); err != nil {
		return err
	}
	l := b.l
	objKey, sse, err := l.newObjectKey(b.ctx, b.bucket, e.Key, opts.Encryption)
	if err != nil {
		return err
	}
	s := stagedObject{key: e.Key, rec: record{UID: newUID()}}
	sumReq := opts.Checksum.withDefault()
	digest := newBodyDigest(sumReq.Algorithm)
	if opts.Size <= l.opts.InlineLimit && b.inlineBytes+opts.Size <= maxBatchInline {
		s.inline = make([]byte, opts.Size)
		if _, err := io.ReadFull(e.Body, s.inline); err != nil {
			return s3err.ErrIncompleteBody
		}
		digest.Write(s.inline)
		b.inlineBytes += opts.Size
		if s.inline, err = sealInline(objKey, s.rec.UID, s.inline); err != nil {
			return err
		}
		s.rec.setInline(s.inline)
	} else {
		if s.w, err = l.writeBlob(b.ctx, e.Body, opts.Size, digest, objKey); err != nil {
			return err
		}
		s.rec.BlobID = string(s.w.ID())
	}
	etag, sum, err := digest.finish(opts.ContentMD5, sumReq)
	if err != nil {
		l.discardBlob(s.w)
		return err
	}
	s.rec.Info = ObjectInfo{
		Size: opts.Size, ETag: etag, LastModified: l.opts.Now().UTC(), Attrs: opts.Attrs,
		Checksums: checksumMap(sumReq.Algorithm, sum), ChecksumType: ChecksumFullObject, Tags: opts.Tags, ACL: opts.ACL,
		Retention: opts.Retention, LegalHold: opts.LegalHold, SSE: sse,
	}
	b.staged = append(b.staged, s)
	return nil
}

// Abort discards the data of every added entry.
func (b *Batch) Abort() {
	for _, s := range b.staged {
		b.l.discardBlob(s.w)
	}
	b.staged = nil
}

// Commit makes every added entry visible at once.
func (b *Batch) Commit() error {
	l, bucket := b.l, b.bucket
	locks := []meta.Lock{{Name: bucketLockName(bucket), Shared: true}}
	for _, s := range b.staged {
		locks = append(locks, meta.Lock{Name: objectLockName(bucket, s.key)})
	}
	base := make([]record, len(b.staged))
	for i, s := range b.staged {
		base[i] = s.rec
	}
	rolledBack, err := l.update(b.ctx, locks, func(tx meta.Txn) error {
		for i := range b.staged {
			s := &b.staged[i]
			s.rec = base[i] // commitRecord stamps it; a rerun starts again
			// An archive may name a key twice; the later entry wins, as it
			// would with separate PUTs.
			if err := l.commitRecord(tx, bucket, s.key, &s.rec, Conditions{}, l.replicateStamp(b.ctx, tx, ChangeVersion, bucket, s.key, EventPut)); err != nil {
				return err
			}
			if err := l.recordEvent(b.ctx, tx, EventPut, bucket, s.key, s.rec.Info); err != nil {
				return err
			}
			if err := l.finishWrite(tx, s.w); err != nil {
				return err
			}
			ref, val := blobRefKey(s.rec.BlobID, s.rec.UID), []byte(nil)
			if s.rec.Inline {
				ref, val = inlineKey(s.rec.UID), s.inline
			}
			if err := tx.Set(ref, val); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		for _, s := range b.staged {
			l.dropUncommitted(s.w, rolledBack)
		}
		b.staged = nil
		return err
	}
	for _, s := range b.staged {
		l.endWrites(s.w)
	}
	b.staged = nil
	l.kickCollector()
	return nil
}
