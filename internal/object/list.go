package object

import (
	"bytes"
	"context"
	"strings"

	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/s3name"
)

// MaxListKeys is the most entries one listing page returns.
const MaxListKeys = 1000

// ListObjects returns one page of the objects of bucket in key order.
//
// It is one range scan over the bucket's O-keys. With a delimiter, each
// common prefix is reported once and then skipped with a single seek past
// every key under it, so the cost of a page depends on what it returns, not
// on how many keys share a prefix, and memory stays flat.
func (l *Layer) ListObjects(ctx context.Context, bucket string, opts ListOptions) (ListResult, error) {
	var res ListResult
	if !s3name.ValidBucket(bucket) {
		return res, s3err.ErrNoSuchBucket
	}
	maxKeys := opts.MaxKeys
	if maxKeys > MaxListKeys || maxKeys < 0 {
		maxKeys = MaxListKeys
	}
	err := l.view(ctx, func(r meta.Reader) error {
		res = ListResult{} // a rerun starts the page again
		if _, err := readBucket(r, bucket); err != nil || maxKeys == 0 {
			return err
		}
		base := objectPrefix(bucket)
		lower := append(append([]byte(nil), base...), opts.Prefix...)
		upper := meta.PrefixEnd(lower)
		it, err := r.NewIter(lower, upper)
		if err != nil {
			return err
		}
		defer it.Close()

		start := lower
		if opts.After != "" {
			after := append(append([]byte(nil), base...), opts.After...)
			// Keys after a common prefix that was already returned belong
			// to it: resume past the whole prefix.
			if cp, ok := commonPrefix(opts.After, opts.Prefix, opts.Delimiter); ok && cp == opts.After {
				after = meta.PrefixEnd(after)
			} else {
				after = append(after, 0) // the smallest key greater than After
			}
			if after == nil {
				return nil
			}
			if bytes.Compare(after, start) > 0 {
				start = after
			}
		}
		for ok := it.SeekGE(start); ok; {
			if len(res.Objects)+len(res.CommonPrefixes) >= maxKeys {
				res.IsTruncated = true
				break
			}
			key := string(it.Key()[len(base):])
			if cp, more, rolled := rollUpPrefix(it, base, key, opts.Prefix, opts.Delimiter); rolled {
				res.CommonPrefixes = append(res.CommonPrefixes, cp)
				res.NextAfter = cp
				ok = more
				continue
			}
			val, err := it.Value()
			if err != nil {
				return err
			}
			rec, err := decodeRecord(val, opts.WithMetadata)
			if err != nil {
				return err
			}
			rec.Info.Bucket, rec.Info.Key = bucket, key
			res.Objects = append(res.Objects, rec.Info)
			res.NextAfter = key
			ok = it.Next()
		}
		return it.Err()
	})
	if !res.IsTruncated {
		res.NextAfter = ""
	}
	return res, err
}

// rollUpPrefix: when key falls under a common prefix, it returns that
// prefix and moves it past every key under it with one seek; more reports
// whether the iterator still has a key.
func rollUpPrefix(it meta.Iterator, base []byte, key, prefix, delimiter string) (cp string, more, rolled bool) {
	cp, rolled = commonPrefix(key, prefix, delimiter)
	if !rolled {
		return "", true, false
	}
	next := meta.PrefixEnd(append(append([]byte(nil), base...), cp...))
	if next == nil {
		return cp, false, true
	}
	return cp, it.SeekGE(next), true
}

// commonPrefix returns the common prefix key rolls up into: prefix plus
// everything up to and including the first delimiter after it.
func commonPrefix(key, prefix, delimiter string) (string, bool) {
	if delimiter == "" || !strings.HasPrefix(key, prefix) {
		return "", false
	}
	i := strings.Index(key[len(prefix):], delimiter)
	if i < 0 {
		return "", false
	}
	return key[:len(prefix)+i+len(delimiter)], true
}
