package object

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"strings"

	"github.com/kurastore/kura/checksum"
	"github.com/kurastore/kura/internal/blob"
	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/s3name"
)

// CopySource names the object a copy reads, with its x-amz-copy-source-if-*
// preconditions.
type CopySource struct {
	Bucket, Key string
	// VersionID copies that version instead of the latest.
	VersionID string
	Cond      Conditions
	// CustomerKey is the SSE-C key of a source stored with one.
	CustomerKey []byte
}

// CopyOptions describe CopyObject. Without the Replace flags the copy keeps
// the source's metadata and tags (directive COPY).
type CopyOptions struct {
	ReplaceMetadata bool
	Attrs           Attrs
	ReplaceTags     bool
	Tags            map[string]string
	// ACL is the copy's: a copy never keeps its source's ACL.
	ACL []byte
	// Cond are conditional-write preconditions on the destination.
	Cond Conditions
	// Retention and LegalHold lock the copy; a copy does not inherit the
	// source's lock.
	Retention Retention
	LegalHold bool
	// Encryption encrypts the copy. A copy does not inherit the source's
	// encryption.
	Encryption Encryption
	// ChecksumAlgorithm asks for the copy to carry a full-object checksum
	// of this algorithm (x-amz-checksum-algorithm); "" keeps the source's,
	// or gives DefaultChecksum to a copy of a source without one.
	ChecksumAlgorithm checksum.Algorithm
	// StorageClass is the copy's storage class, "" for STANDARD: as on
	// AWS, a copy does not inherit the source's. StorageClassSet says the
	// request named one, which makes a copy onto itself a change.
	StorageClass    string
	StorageClassSet bool
	// WebsiteRedirectLocation is the copy's redirect location: as AWS
	// documents, a copy does not inherit the source's, whatever the
	// metadata directive.
	WebsiteRedirectLocation string
}

// hasFullObjectChecksum reports whether info carries a full-object
// checksum of alg, which a copy can take over without reading the data.
func hasFullObjectChecksum(info ObjectInfo, alg checksum.Algorithm) bool {
	_, ok := info.Checksums[string(alg)]
	return ok && info.ChecksumType == ChecksumFullObject
}

// copyComputesChecksum reports whether a copy must read the source's data
// to give the copy the checksum it should carry: the full-object checksum
// the client asked for or, when it asked for none, S3's default for a
// source stored before kura added one (no checksum at all), or a
// full-object checksum of the source's algorithm when the source's is
// COMPOSITE: a copy is one object, not parts, so S3 gives it the checksum
// of the whole data. A source too large for one PUT is copied by sharing
// its blobs and keeps what it has, as before.
func copyComputesChecksum(src ObjectInfo, alg checksum.Algorithm) bool {
	if alg != "" {
		return !hasFullObjectChecksum(src, alg)
	}
	return (len(src.Checksums) == 0 || src.ChecksumType == ChecksumComposite) && src.Size <= MaxPutSize
}

// errReencrypt says that a copy must move the data through a new
// encryption instead of sharing the source's blobs.
var errReencrypt = errors.New("object: copy must re-encrypt")

// CopyObject copies src to dstBucket/dstKey. Blobs are immutable, so the
// copy shares the source's blobs and writes only metadata; an inline
// object's bytes are copied with it. Source and destination are read and
// written in one atomic commit. An encrypted source or destination is
// the exception: its data is decrypted and encrypted again under the
// copy's own key (copyReencrypt).
func (l *Layer) CopyObject(ctx context.Context, src CopySource, dstBucket, dstKey string, opts CopyOptions) (ObjectInfo, error) {
	if err := s3name.CheckKey(dstKey); err != nil {
		return ObjectInfo{}, err
	}
	if err := s3name.CheckKey(src.Key); err != nil {
		return ObjectInfo{}, err
	}
	if src.VersionID != "" && !ValidVersionID(src.VersionID) {
		return ObjectInfo{}, s3err.ErrInvalidArgument.WithMessage("Invalid version id specified")
	}
	if !s3name.ValidBucket(src.Bucket) || !s3name.ValidBucket(dstBucket) {
		return ObjectInfo{}, s3err.ErrNoSuchBucket
	}
	// A copy that names a source version is a change even onto its own
	// key: S3 restores a previous version that way.
	self := src.Bucket == dstBucket && src.Key == dstKey && src.VersionID == ""
	switch {
	// A copy onto itself must change something. One that reads an SSE-C
	// source (it names the customer key) and does not encrypt the copy
	// with SSE-C changes the encryption: it decrypts in place.
	case self && !opts.ReplaceMetadata && !opts.StorageClassSet && opts.WebsiteRedirectLocation == "" && opts.Encryption.Type == "" && src.CustomerKey == nil:
		return ObjectInfo{}, s3err.ErrInvalidCopyDest
	case opts.ReplaceMetadata && userMetaSize(opts.Attrs.UserMeta) > MaxUserMetaSize:
		return ObjectInfo{}, s3err.ErrMetadataTooLarge
	}
	if opts.ReplaceTags {
		if err := validTags(opts.Tags); err != nil {
			return ObjectInfo{}, err
		}
	}
	if err := checkWebsiteRedirect(opts.WebsiteRedirectLocation); err != nil {
		return ObjectInfo{}, err
	}
	if err := checkRetentionRequest(opts.Retention, l.opts.Now()); err != nil {
		return ObjectInfo{}, err
	}
	info, err := l.copyShared(ctx, src, dstBucket, dstKey, opts, nil)
	switch {
	case errors.Is(err, errHashCopy):
		return l.copyHashed(ctx, src, dstBucket, dstKey, opts)
	case errors.Is(err, errReencrypt):
		return l.copyReencrypt(ctx, src, dstBucket, dstKey, opts)
	}
	return info, err
}

// errHashCopy says that a copy must carry a checksum computed from the
// source's data, which the copy can still share.
var errHashCopy = errors.New("object: copy must hash its source")

// copySum is a full-object checksum computed from the data of the source
// version whose record is uid.
type copySum struct {
	uid   string
	alg   checksum.Algorithm
	value string
}

// copyShared makes the copy share the source's blobs, writing only
// metadata, in one atomic commit with the read of the source. With sum,
// the source must still be the version sum was computed from, and the
// copy carries sum as its checksum.
func (l *Layer) copyShared(ctx context.Context, src CopySource, dstBucket, dstKey string, opts CopyOptions, sum *copySum) (ObjectInfo, error) {
	self := src.Bucket == dstBucket && src.Key == dstKey
	locks := append(l.objectLocks(dstBucket, dstKey), meta.Lock{Name: bucketLockName(src.Bucket), Shared: true})
	if !self {
		locks = append(locks, meta.Lock{Name: objectLockName(src.Bucket, src.Key), Shared: true})
	}
	uid := newUID()
	var rec record
	err := l.meta.Update(ctx, locks, func(tx meta.Txn) error {
		rec = record{UID: uid} // a rerun starts from nothing
		if _, err := readBucket(tx, src.Bucket); err != nil {
			return err
		}
		srcRec, err := lookupVersion(tx, src.Bucket, src.Key, src.VersionID)
		if err != nil {
			return err
		}
		switch {
		case srcRec.Info.SSE.Type != "" || opts.Encryption.Type != "" || src.CustomerKey != nil:
			return errReencrypt
		case srcRec.remote():
			// A transitioned source's blobs are on its tier: the copy
			// reads through and is stored locally, as a new object.
			return errReencrypt
		case sum != nil && srcRec.UID != sum.uid:
			// Replaced since it was hashed: hash the new one.
			return errHashCopy
		case sum == nil && copyComputesChecksum(srcRec.Info, opts.ChecksumAlgorithm):
			return errHashCopy
		}
		if err := checkCopySourceConditions(srcRec.Info, src.Cond); err != nil {
			return err
		}
		rec.BlobID, rec.Parts = srcRec.BlobID, srcRec.Parts
		rec.Inline, rec.InlineSum, rec.HasInlineSum = srcRec.Inline, srcRec.InlineSum, srcRec.HasInlineSum
		rec.Info = srcRec.Info
		rec.Info.LastModified = l.opts.Now().UTC()
		// A copy is a new version of its own: the source's replication
		// state is not its.
		rec.Info.Replication, rec.Info.Replica = nil, false
		rec.Info.Retention, rec.Info.LegalHold, rec.Info.LegalHoldSet = opts.Retention, opts.LegalHold, opts.LegalHold
		if opts.ReplaceMetadata {
			rec.Info.Attrs = opts.Attrs
		}
		rec.Info.StorageClass = opts.StorageClass
		rec.Info.WebsiteRedirectLocation = opts.WebsiteRedirectLocation
		if opts.ReplaceTags {
			rec.Info.Tags = opts.Tags
		}
		rec.Info.ACL = opts.ACL
		if sum != nil {
			rec.Info.Checksums = map[string]string{string(sum.alg): sum.value}
			rec.Info.ChecksumType = ChecksumFullObject
		}
		var inline []byte
		if rec.Inline {
			if inline, err = tx.Get(inlineKey(srcRec.UID)); err != nil {
				return err
			}
			// A damaged source is not copied into a fresh-looking object.
			if err := srcRec.checkInline(inline); err != nil {
				return dataError(err)
			}
		}
		// On a copy onto itself this drops the references the new record
		// takes again below, in the same commit: the collector finds them
		// referenced.
		if err := l.commitRecord(tx, dstBucket, dstKey, &rec, opts.Cond, l.replicateStamp(ctx, tx, ChangeVersion, dstBucket, dstKey, EventCopy)); err != nil {
			return err
		}
		if err := l.recordEvent(ctx, tx, EventCopy, dstBucket, dstKey, rec.Info); err != nil {
			return err
		}
		if rec.Inline {
			return tx.Set(inlineKey(rec.UID), inline)
		}
		for _, id := range rec.blobIDs() {
			if err := tx.Set(blobRefKey(id, rec.UID), nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return ObjectInfo{}, err
	}
	l.kickCollector()
	info := rec.Info
	info.Bucket, info.Key = dstBucket, dstKey
	return info, nil
}

// maxHashCopyAttempts bounds how often a copy hashes a source that keeps
// being replaced before it falls back to copying the data.
const maxHashCopyAttempts = 3

// copyHashed is a copy that must carry a checksum the source lacks (a
// full-object one, or S3's default): it reads the source's data to
// compute it, then shares the source's blobs as copyShared does. It reads
// the data but writes none.
func (l *Layer) copyHashed(ctx context.Context, src CopySource, dstBucket, dstKey string, opts CopyOptions) (ObjectInfo, error) {
	for range maxHashCopyAttempts {
		rec, inline, err := l.lookup(ctx, src.Bucket, src.Key, src.VersionID, true)
		if err != nil {
			return ObjectInfo{}, err
		}
		if err := checkCopySourceConditions(rec.Info, src.Cond); err != nil {
			return ObjectInfo{}, err
		}
		alg := copyChecksumAlgorithm(rec.Info, opts.ChecksumAlgorithm)
		value, err := l.hashSource(ctx, rec, inline, alg)
		if errors.Is(err, blob.ErrNotFound) {
			continue // replaced and collected since the lookup
		}
		if err != nil {
			return ObjectInfo{}, err
		}
		info, err := l.copyShared(ctx, src, dstBucket, dstKey, opts, &copySum{uid: rec.UID, alg: alg, value: value})
		if !errors.Is(err, errHashCopy) {
			return info, err
		}
	}
	return l.copyReencrypt(ctx, src, dstBucket, dstKey, opts)
}

// copyChecksumAlgorithm is the algorithm of a copy's checksum: the one
// the request names, else the source's (whose COMPOSITE checksum
// describes parts the copy does not have), else S3's default.
func copyChecksumAlgorithm(src ObjectInfo, requested checksum.Algorithm) checksum.Algorithm {
	if requested != "" {
		return requested
	}
	for alg := range src.Checksums {
		return checksum.Algorithm(alg)
	}
	return DefaultChecksum
}

// hashSource returns the base64 checksum of alg of an unencrypted
// record's data; inline is its inline value, if it has one.
func (l *Layer) hashSource(ctx context.Context, rec record, inline []byte, alg checksum.Algorithm) (string, error) {
	h := alg.New()
	if rec.Inline {
		if err := rec.checkInline(inline); err != nil {
			return "", dataError(err)
		}
		h.Write(inline)
	} else {
		body, err := l.openData(ctx, rec, 0, rec.Info.Size, nil)
		if err != nil {
			return "", err
		}
		_, err = io.Copy(h, body)
		body.Close()
		if err != nil {
			return "", err
		}
	}
	return base64.StdEncoding.EncodeToString(h.Sum(nil)), nil
}

// copyReencrypt copies by reading the source's plaintext into a new
// object, as a PUT of the same data with the copy's metadata would.
func (l *Layer) copyReencrypt(ctx context.Context, src CopySource, dstBucket, dstKey string, opts CopyOptions) (ObjectInfo, error) {
	obj, err := l.GetObject(ctx, src.Bucket, src.Key, GetOptions{VersionID: src.VersionID, CustomerKey: src.CustomerKey})
	if err != nil {
		return ObjectInfo{}, err
	}
	defer obj.Body.Close()
	if err := checkCopySourceConditions(obj.Info, src.Cond); err != nil {
		return ObjectInfo{}, err
	}
	if obj.Info.Size > MaxPutSize {
		return ObjectInfo{}, s3err.ErrCopySourceSSETooLarge
	}
	put := PutOptions{
		Size: obj.Info.Size, Attrs: obj.Info.Attrs, Tags: obj.Info.Tags, ACL: opts.ACL, Cond: opts.Cond,
		Retention: opts.Retention, LegalHold: opts.LegalHold, Encryption: opts.Encryption,
		eventName: EventCopy,
	}
	if opts.ReplaceMetadata {
		put.Attrs = opts.Attrs
	}
	put.Attrs.StorageClass = opts.StorageClass
	put.Attrs.WebsiteRedirectLocation = opts.WebsiteRedirectLocation
	if opts.ReplaceTags {
		put.Tags = opts.Tags
	}
	put.Checksum.Algorithm = copyChecksumAlgorithm(obj.Info, opts.ChecksumAlgorithm)
	return l.PutObject(ctx, dstBucket, dstKey, obj.Body, put)
}

// UploadPartCopy stores part number of an upload from a byte range of src
// (nil for the whole object). Unlike CopyObject it copies the bytes: a part
// is one blob of its own.
// customerKey is the upload's SSE-C key, if it has one.
func (l *Layer) UploadPartCopy(ctx context.Context, src CopySource, srcRange *Range, bucket, key, uploadID string, number int, customerKey []byte) (PartInfo, error) {
	if err := validPartNumber(number); err != nil {
		return PartInfo{}, err
	}
	obj, err := l.GetObject(ctx, src.Bucket, src.Key, GetOptions{Range: srcRange, VersionID: src.VersionID, CustomerKey: src.CustomerKey})
	if err != nil {
		if obj != nil && srcRange != nil && errors.Is(err, s3err.ErrInvalidRange) {
			return PartInfo{}, badCopyRange(obj.Info.Size)
		}
		return PartInfo{}, err
	}
	defer obj.Body.Close()
	if err := checkCopySourceConditions(obj.Info, src.Cond); err != nil {
		return PartInfo{}, err
	}
	// A read's Range may run past the end, and is cut short; a copy
	// source range must lie within the source, or the part would silently
	// be shorter than asked (AWS refuses it the same way).
	if srcRange != nil && srcRange.End >= obj.Info.Size {
		return PartInfo{}, badCopyRange(obj.Info.Size)
	}
	if obj.Length > MaxPartSize {
		return PartInfo{}, s3err.ErrEntityTooLarge
	}
	part, err := l.UploadPart(ctx, bucket, key, uploadID, number, io.Reader(obj.Body), PartOptions{Size: obj.Length, CustomerKey: customerKey})
	part.SourceVersionID = obj.Info.VersionID
	return part, err
}

// MaxWebsiteRedirectLength is the longest x-amz-website-redirect-location
// S3 takes, 2 KiB.
const MaxWebsiteRedirectLength = 2048

// checkWebsiteRedirect refuses a redirect location S3 refuses: one that
// is neither a path in the bucket ("/...") nor an http or https URL, or
// is longer than MaxWebsiteRedirectLength.
func checkWebsiteRedirect(loc string) error {
	switch {
	case loc == "":
		return nil
	case len(loc) > MaxWebsiteRedirectLength:
		return s3err.ErrInvalidRedirectLocation.WithMessage("The length of website redirect location cannot exceed %d characters.", MaxWebsiteRedirectLength)
	case !strings.HasPrefix(loc, "/") && !strings.HasPrefix(loc, "http://") && !strings.HasPrefix(loc, "https://"):
		return s3err.ErrInvalidRedirectLocation
	}
	return nil
}

func badCopyRange(size int64) error {
	return s3err.ErrInvalidArgument.WithMessage("Range specified is not valid for source object of size: %d", size)
}
