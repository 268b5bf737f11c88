package object

import (
	"context"
	"errors"

	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/s3name"
)

// Bucket configuration documents (policy, CORS, tagging, notification, …)
// are stored as the bytes the client sent, under
//
//	C<bucket>/<name>
//
// The layer does not parse them: the wire packages validate a document
// before it is stored and interpret it when it is used.
const tagConfig = 'C'

// ErrNoConfig is returned when a bucket has no document of that name. Each
// caller maps it to its own S3 error (NoSuchBucketPolicy, NoSuchTagSet, …).
var ErrNoConfig = errors.New("object: bucket has no such configuration")

func configPrefix(bucket string) []byte {
	return append(append([]byte{tagConfig}, bucket...), keySeparate)
}

func configKey(bucket, name string) []byte { return append(configPrefix(bucket), name...) }

// BucketConfig returns the document name of bucket, or ErrNoConfig.
func (l *Layer) BucketConfig(ctx context.Context, bucket, name string) ([]byte, error) {
	if !s3name.ValidBucket(bucket) {
		return nil, s3err.ErrNoSuchBucket
	}
	// Gateways sharing the store read it every time (Options.Shared).
	caching := !l.opts.Shared
	gen := l.configs.gen.Load()
	if caching {
		if e, ok := l.configs.get(bucket, name, gen); ok {
			if e.doc == nil {
				return nil, ErrNoConfig
			}
			return e.doc, nil
		}
	}
	var doc []byte
	err := l.view(ctx, func(r meta.Reader) error {
		if _, err := readBucket(r, bucket); err != nil {
			return err
		}
		v, err := r.Get(configKey(bucket, name))
		if errors.Is(err, meta.ErrNotFound) {
			return ErrNoConfig
		}
		doc = v
		return err
	})
	if caching && (err == nil || errors.Is(err, ErrNoConfig)) {
		l.configs.put(bucket, name, gen, cachedConfig{doc: doc})
	}
	return doc, err
}

// SetBucketConfig stores the document name of bucket; a nil doc deletes
// it (deleting a missing document succeeds, as in S3).
func (l *Layer) SetBucketConfig(ctx context.Context, bucket, name string, doc []byte) error {
	if _, err := l.Bucket(ctx, bucket); err != nil {
		return err
	}
	defer l.configs.bump() // after the commit: see configCache
	return l.meta.Update(ctx, []meta.Lock{{Name: bucketLockName(bucket), Shared: true}}, func(tx meta.Txn) error {
		b, err := readBucket(tx, bucket)
		if err != nil {
			return err
		}
		if err := checkConfigChange(b, name, doc); err != nil {
			return err
		}
		if err := meta.BumpGeneration(tx, ConfigGenerationKey); err != nil {
			return err
		}
		if doc == nil {
			return tx.Delete(configKey(bucket, name))
		}
		return tx.Set(configKey(bucket, name), doc)
	})
}

// ConfigGenerationKey changes with every bucket configuration document
// (and with every bucket deletion), so that servers sharing the metadata
// store know when to drop what they cache of them (bucket policies).
var ConfigGenerationKey = meta.GenerationKey("bucket-config")

// deleteBucketState removes what belongs to a bucket besides its objects:
// its configuration documents and its unfinished uploads.
func (l *Layer) deleteBucketState(tx meta.Txn, bucket string) error {
	if err := meta.BumpGeneration(tx, ConfigGenerationKey); err != nil {
		return err
	}
	var doomed [][]byte
	if err := eachKey(tx, configPrefix(bucket), func(k []byte) { doomed = append(doomed, k) }); err != nil {
		return err
	}
	for _, k := range doomed {
		if err := tx.Delete(k); err != nil {
			return err
		}
	}
	var uploads []Upload
	if err := eachUpload(tx, uploadPrefix(bucket), nil, func(up Upload) bool { uploads = append(uploads, up); return true }); err != nil {
		return err
	}
	for _, up := range uploads {
		if err := l.abortInTxn(tx, bucket, up.Key, up.UploadID); err != nil {
			return err
		}
	}
	return nil
}

// eachKey calls fn with a copy of every key that starts with p.
func eachKey(r meta.Reader, p []byte, fn func([]byte)) error {
	it, err := r.NewIter(p, meta.PrefixEnd(p))
	if err != nil {
		return err
	}
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		fn(append([]byte(nil), it.Key()...))
	}
	return it.Err()
}
