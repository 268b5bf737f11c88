package object

import (
	"bytes"
	"context"

	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/s3name"
)

// VersionListOptions describe ListObjectVersions.
type VersionListOptions struct {
	Prefix, Delimiter string
	// KeyMarker and VersionIDMarker: list what comes after that version;
	// a key marker alone lists from the key after it.
	KeyMarker, VersionIDMarker string
	MaxKeys                    int
	WithMetadata               bool
}

// VersionListResult is one page of ListObjectVersions.
type VersionListResult struct {
	// Versions are in key order, newest first within a key; delete
	// markers have IsDeleteMarker set.
	Versions                           []ObjectInfo
	CommonPrefixes                     []string
	IsTruncated                        bool
	NextKeyMarker, NextVersionIDMarker string
}

// ListObjectVersions lists the versions of a bucket's objects: one range
// scan over its V-keys, which are ordered by key and then newest first. A
// bucket that was never versioned lists each object as its null version.
func (l *Layer) ListObjectVersions(ctx context.Context, bucket string, opts VersionListOptions) (VersionListResult, error) {
	var res VersionListResult
	if !s3name.ValidBucket(bucket) {
		return res, s3err.ErrNoSuchBucket
	}
	if opts.VersionIDMarker != "" && !ValidVersionID(opts.VersionIDMarker) {
		return res, s3err.ErrInvalidArgument.WithMessage("Invalid version id specified")
	}
	b, err := l.Bucket(ctx, bucket)
	if err != nil {
		return res, err
	}
	if b.Versioning == "" {
		return l.listNullVersions(ctx, bucket, opts)
	}
	maxKeys := opts.MaxKeys
	if maxKeys > MaxListKeys || maxKeys <= 0 {
		maxKeys = MaxListKeys
	}
	err = l.view(ctx, func(r meta.Reader) error {
		res = VersionListResult{} // a rerun starts the page again
		base := versionsPrefix(bucket)
		lower := append(append([]byte(nil), base...), opts.Prefix...)
		it, err := r.NewIter(lower, meta.PrefixEnd(lower))
		if err != nil {
			return err
		}
		defer it.Close()
		start, prevKey, err := versionListStart(r, b, lower, opts)
		if err != nil {
			return err
		}
		for ok := it.SeekGE(start); ok; {
			if len(res.Versions)+len(res.CommonPrefixes) >= maxKeys {
				res.IsTruncated = true
				break
			}
			rest := it.Key()[len(base):]
			nul := bytes.IndexByte(rest, 0)
			if nul < 0 {
				ok = it.Next()
				continue
			}
			key := string(rest[:nul])
			if cp, more, rolled := rollUpPrefix(it, base, key, opts.Prefix, opts.Delimiter); rolled {
				res.CommonPrefixes = append(res.CommonPrefixes, cp)
				res.NextKeyMarker, res.NextVersionIDMarker = cp, ""
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
			info := rec.Info
			info.Bucket, info.Key = bucket, key
			info.IsLatest = key != prevKey
			prevKey = key
			res.Versions = append(res.Versions, info)
			res.NextKeyMarker, res.NextVersionIDMarker = key, info.VersionID
			ok = it.Next()
		}
		return it.Err()
	})
	if !res.IsTruncated {
		res.NextKeyMarker, res.NextVersionIDMarker = "", ""
	}
	return res, err
}

// versionListStart is where a version listing resumes, and the key whose
// latest version the previous page already returned ("" if none).
func versionListStart(r meta.Reader, b BucketInfo, lower []byte, opts VersionListOptions) ([]byte, string, error) {
	if opts.KeyMarker == "" {
		return lower, "", nil
	}
	var start []byte
	if opts.VersionIDMarker == "" {
		// Past every version of the marker key, or past a whole common
		// prefix the previous page returned.
		after := append(versionsPrefix(b.Name), opts.KeyMarker...)
		if cp, ok := commonPrefix(opts.KeyMarker, opts.Prefix, opts.Delimiter); ok && cp == opts.KeyMarker {
			start = meta.PrefixEnd(after)
		} else {
			start = meta.PrefixEnd(append(after, 0))
		}
	} else {
		e, found, err := findVersion(r, b, opts.KeyMarker, opts.VersionIDMarker)
		switch {
		case err != nil:
			return nil, "", err
		case found:
			start = append(e.key, 0)
		default:
			// The marker's version was deleted since the previous page,
			// as a loop that lists a page and deletes it does. An id
			// names its own place among the key's versions, so the
			// listing resumes just past it; a deleted null version's
			// place is unknown, so the key's versions are listed again
			// rather than some skipped.
			vkey, ok := versionKeyOf(b.Name, opts.KeyMarker, opts.VersionIDMarker)
			switch {
			case ok:
				start = append(vkey, 0)
			case opts.VersionIDMarker == NullVersion:
				start = keyVersionsPrefix(b.Name, opts.KeyMarker)
			default:
				return nil, "", s3err.ErrInvalidArgument.WithMessage("Invalid version id specified")
			}
		}
	}
	if start == nil || bytes.Compare(start, lower) < 0 {
		start = lower
	}
	return start, opts.KeyMarker, nil
}

// listNullVersions lists a never-versioned bucket's objects as versions.
func (l *Layer) listNullVersions(ctx context.Context, bucket string, opts VersionListOptions) (VersionListResult, error) {
	page, err := l.ListObjects(ctx, bucket, ListOptions{
		Prefix: opts.Prefix, Delimiter: opts.Delimiter, After: opts.KeyMarker, MaxKeys: opts.MaxKeys, WithMetadata: opts.WithMetadata,
	})
	res := VersionListResult{CommonPrefixes: page.CommonPrefixes, IsTruncated: page.IsTruncated}
	for _, o := range page.Objects {
		o.VersionID, o.IsLatest = NullVersion, true
		res.Versions = append(res.Versions, o)
	}
	if res.IsTruncated {
		res.NextKeyMarker = page.NextAfter
		if n := len(page.Objects); n > 0 && page.Objects[n-1].Key == page.NextAfter {
			res.NextVersionIDMarker = NullVersion
		}
	}
	return res, err
}

// BucketVersioning returns the versioning state of bucket: "",
// VersioningEnabled or VersioningSuspended.
func (l *Layer) BucketVersioning(ctx context.Context, bucket string) (string, error) {
	b, err := l.Bucket(ctx, bucket)
	return b.Versioning, err
}
