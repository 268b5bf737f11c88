package object

import (
	"context"
	"io"

	"github.com/kurastore/kura/internal/blob"
	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/s3err"
)

// BatchEntry is one object of a PutBatch.
type BatchEntry struct {
	Key  string
	Body io.Reader
	Opts PutOptions
}

// maxBatchInline bounds the inline data a batch holds in memory before its
// commit; past it, small objects go to blobs like large ones.
const maxBatchInline = 64 << 20

// PutBatch stores many objects of one bucket in one atomic commit: either
// every entry next yields is stored, or none is. next returns io.EOF after
// the last entry; any other error abandons the batch. It is how an
// uploaded archive is extracted (snowball).
func (l *Layer) PutBatch(ctx context.Context, bucket string, next func() (BatchEntry, error)) (int, error) {
	if _, err := l.Bucket(ctx, bucket); err != nil {
		return 0, err
	}
	type staged struct {
		key    string
		rec    record
		inline []byte
		w      blob.Writer
	}
	var batch []staged
	inlineBytes := int64(0)
	discard := func() {
		for _, s := range batch {
			l.discardBlob(s.w)
		}
	}
	for {
		e, err := next()
		if err == io.EOF {
			break
		}
		if err != nil {
			discard()
			return 0, err
		}
		if err := ValidKey(e.Key); err != nil {
			discard()
			return 0, err
		}
		opts := e.Opts
		switch {
		case opts.Size < 0:
			err = s3err.ErrMissingContentLength
		case opts.Size > MaxPutSize:
			err = s3err.ErrEntityTooLarge
		case userMetaSize(opts.Attrs.UserMeta) > MaxUserMetaSize:
			err = s3err.ErrMetadataTooLarge
		default:
			err = validTags(opts.Tags)
		}
		if err != nil {
			discard()
			return 0, err
		}
		s := staged{key: e.Key, rec: record{UID: newUID()}}
		digest := newBodyDigest(opts.Checksum.Algorithm)
		if opts.Size <= l.opts.InlineLimit && inlineBytes+opts.Size <= maxBatchInline {
			s.inline = make([]byte, opts.Size)
			if _, err := io.ReadFull(e.Body, s.inline); err != nil {
				discard()
				return 0, s3err.ErrIncompleteBody
			}
			digest.Write(s.inline)
			s.rec.Inline = true
			inlineBytes += opts.Size
		} else {
			if s.w, err = l.writeBlob(ctx, e.Body, opts.Size, digest); err != nil {
				discard()
				return 0, err
			}
			s.rec.BlobID = string(s.w.ID())
		}
		etag, sum, err := digest.finish(opts.ContentMD5, opts.Checksum)
		if err != nil {
			l.discardBlob(s.w)
			discard()
			return 0, err
		}
		s.rec.Info = ObjectInfo{
			Size: opts.Size, ETag: etag, LastModified: l.opts.Now().UTC(), Attrs: opts.Attrs,
			Checksums: checksumMap(opts.Checksum.Algorithm, sum), Tags: opts.Tags,
		}
		if sum != "" {
			s.rec.Info.ChecksumType = ChecksumFullObject
		}
		batch = append(batch, s)
	}
	locks := []meta.Lock{{Name: bucketLockName(bucket), Shared: true}}
	for _, s := range batch {
		locks = append(locks, meta.Lock{Name: objectLockName(bucket, s.key)})
	}
	err := l.meta.Update(ctx, locks, func(tx meta.Txn) error {
		if _, err := readBucket(tx, bucket); err != nil {
			return err
		}
		for _, s := range batch {
			// An archive may name a key twice; the later entry wins, as it
			// would with separate PUTs.
			if err := l.deleteInTxn(tx, bucket, s.key); err != nil {
				return err
			}
			if err := tx.Set(objectKey(bucket, s.key), s.rec.encode()); err != nil {
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
		discard()
		return 0, err
	}
	l.kickCollector()
	return len(batch), nil
}
