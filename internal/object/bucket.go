package object

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/s3name"
)

// CreateBucket makes a bucket; an empty Region means the layer's.
func (l *Layer) CreateBucket(ctx context.Context, name string, opts CreateBucketOptions) error {
	if !s3name.ValidBucket(name) {
		return s3err.ErrInvalidBucketName
	}
	region := opts.Region
	if region == "" {
		region = l.opts.Region
	}
	info := BucketInfo{Name: name, Created: l.opts.Now().UTC(), Region: region, Owner: opts.Owner}
	if opts.ObjectLock {
		info.ObjectLock, info.Versioning = true, VersioningEnabled
	}
	val, err := json.Marshal(info)
	if err != nil {
		return err
	}
	if len(opts.Configs) > 0 {
		defer l.configs.bump() // after the commit: see configCache
	}
	locks := []meta.Lock{{Name: bucketLockName(name)}, {Name: usageLockName(name)}}
	return l.meta.Update(ctx, locks, func(tx meta.Txn) error {
		if _, err := tx.Get(bucketKey(name)); err == nil {
			return s3err.ErrBucketAlreadyOwnedByYou
		} else if !errors.Is(err, meta.ErrNotFound) {
			return err
		}
		if err := tx.Set(bucketKey(name), val); err != nil {
			return err
		}
		// A new bucket is counted from its first object on.
		if err := resetUsage(tx, name, true); err != nil {
			return err
		}
		return setInitialConfigs(tx, name, opts.Configs)
	})
}

func readBucket(r meta.Reader, name string) (BucketInfo, error) {
	var info BucketInfo
	val, err := r.Get(bucketKey(name))
	if errors.Is(err, meta.ErrNotFound) {
		return info, s3err.ErrNoSuchBucket
	}
	if err != nil {
		return info, err
	}
	err = json.Unmarshal(val, &info)
	return info, err
}

// Bucket returns a bucket's info, or s3err.ErrNoSuchBucket.
func (l *Layer) Bucket(ctx context.Context, name string) (BucketInfo, error) {
	if !s3name.ValidBucket(name) {
		// A name that cannot exist is simply not there; S3 answers 404.
		return BucketInfo{}, s3err.ErrNoSuchBucket
	}
	var info BucketInfo
	err := l.view(ctx, func(r meta.Reader) (err error) {
		info, err = readBucket(r, name)
		return err
	})
	return l.withRegion(info), err
}

// withRegion reports a bucket whose record names no region as being in
// the layer's: a record written without one predates regions per bucket.
func (l *Layer) withRegion(info BucketInfo) BucketInfo {
	if info.Region == "" && info.Name != "" {
		info.Region = l.opts.Region
	}
	return info
}

// ListBuckets returns every bucket in name order.
func (l *Layer) ListBuckets(ctx context.Context) ([]BucketInfo, error) {
	var out []BucketInfo
	err := l.view(ctx, func(r meta.Reader) error {
		out = nil
		it, err := r.NewIter([]byte{tagBucket}, []byte{tagBucket + 1})
		if err != nil {
			return err
		}
		defer it.Close()
		for ok := it.First(); ok; ok = it.Next() {
			val, err := it.Value()
			if err != nil {
				return err
			}
			var info BucketInfo
			if err := json.Unmarshal(val, &info); err != nil {
				return err
			}
			out = append(out, l.withRegion(info))
		}
		return it.Err()
	})
	return out, err
}

// DeleteBucket removes an empty bucket; one that holds objects gives
// s3err.ErrBucketNotEmpty.
func (l *Layer) DeleteBucket(ctx context.Context, name string) error {
	if !s3name.ValidBucket(name) {
		return s3err.ErrNoSuchBucket
	}
	// The exclusive bucket lock waits out every PUT in flight (they hold it
	// shared), so no object can appear between the emptiness check and the
	// delete.
	defer l.configs.bump() // its configuration documents go with it
	locks := []meta.Lock{{Name: bucketLockName(name)}, {Name: usageLockName(name)}}
	return l.meta.Update(ctx, locks, func(tx meta.Txn) error {
		if _, err := readBucket(tx, name); err != nil {
			return err
		}
		nonEmpty, err := anyKeyWithPrefix(tx, objectPrefix(name))
		if err != nil {
			return err
		}
		if !nonEmpty {
			// Old versions and delete markers count too.
			if nonEmpty, err = anyKeyWithPrefix(tx, versionsPrefix(name)); err != nil {
				return err
			}
		}
		if nonEmpty {
			return s3err.ErrBucketNotEmpty
		}
		if err := l.deleteBucketState(tx, name); err != nil {
			return err
		}
		if err := resetUsage(tx, name, false); err != nil {
			return err
		}
		return tx.Delete(bucketKey(name))
	})
}

// setInitialConfigs stores the documents a bucket is created with.
func setInitialConfigs(tx meta.Txn, bucket string, docs map[string][]byte) error {
	if len(docs) == 0 {
		return nil
	}
	if err := meta.BumpGeneration(tx, ConfigGenerationKey); err != nil {
		return err
	}
	for name, doc := range docs {
		if err := tx.Set(configKey(bucket, name), doc); err != nil {
			return err
		}
	}
	return nil
}
