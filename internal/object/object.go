package object

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"sync"

	"github.com/kurastore/kura/internal/blob"
	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/tier"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/s3name"
)

// Limits, as AWS S3 sets them.
const (
	MaxUserMetaSize   = 2048
	MaxObjectSize     = 5 << 40
	MaxPutSize        = 5 << 30 // a single PUT; larger objects are uploaded in parts
	MaxDeleteKeys     = 1000
	copyBufferSize    = 1 << 20
	maxGetRetries     = 3
	blobIDHexLength   = 32
	gcQueueValueBytes = 8
)

var copyBuffers = sync.Pool{New: func() any { b := make([]byte, copyBufferSize); return &b }}

// Object is an object opened for reading.
type Object struct {
	Info ObjectInfo
	// Offset and Length are the byte range Body delivers.
	Offset, Length int64
	// Partial is true when a Range was applied (HTTP 206).
	Partial bool
	// Body is nil for HEAD. The caller must close it.
	Body io.ReadCloser
	// Parts are a multipart object's parts, in order (nil for an object
	// stored whole).
	Parts []PartSummary
}

// PartSummary is one part of a multipart object, as GetObjectAttributes
// reports it.
type PartSummary struct {
	Size int64
	// Checksum is the part's checksum in the object's algorithm; empty
	// when the upload had none.
	Checksum string
}

func userMetaSize(m map[string]string) int {
	n := 0
	for k, v := range m {
		n += len(k) + len(v)
	}
	return n
}

// PutObject stores body as bucket/key, replacing any object of that name.
func (l *Layer) PutObject(ctx context.Context, bucket, key string, body io.Reader, opts PutOptions) (ObjectInfo, error) {
	if err := s3name.CheckKey(key); err != nil {
		return ObjectInfo{}, err
	}
	switch {
	case opts.SizeUnknown:
	case opts.Size < 0:
		return ObjectInfo{}, s3err.ErrMissingContentLength
	case opts.Size > MaxPutSize:
		return ObjectInfo{}, s3err.ErrEntityTooLarge
	case userMetaSize(opts.Attrs.UserMeta) > MaxUserMetaSize:
		return ObjectInfo{}, s3err.ErrMetadataTooLarge
	}
	if err := checkWebsiteRedirect(opts.Attrs.WebsiteRedirectLocation); err != nil {
		return ObjectInfo{}, err
	}
	if err := checkReplica(opts.Replica); err != nil {
		return ObjectInfo{}, err
	}
	// Fail fast before streaming a body to a blob that could not be
	// stored. An inline body is only read into memory, and the commit
	// checks the bucket anyway, so small PUTs skip this read.
	if opts.SizeUnknown || opts.Size > l.opts.InlineLimit {
		if _, err := l.Bucket(ctx, bucket); err != nil {
			return ObjectInfo{}, err
		}
	}

	if err := validTags(opts.Tags); err != nil {
		return ObjectInfo{}, err
	}
	if err := checkRetentionRequest(opts.Retention, retentionCheckTime(opts.Replica, l.opts.Now())); err != nil {
		return ObjectInfo{}, err
	}

	objKey, sse, err := l.newObjectKey(ctx, bucket, key, opts.Encryption)
	if err != nil {
		return ObjectInfo{}, err
	}
	rec := record{UID: newUID()}
	var inline []byte
	var w blob.Writer
	sumReq := opts.Checksum.withDefault()
	digest := newBodyDigest(sumReq.Algorithm)
	switch {
	case opts.SizeUnknown:
		if inline, w, opts.Size, err = l.storeUnsized(ctx, body, digest, objKey); err != nil {
			return ObjectInfo{}, err
		}
	case opts.Size <= l.opts.InlineLimit:
		inline = make([]byte, opts.Size)
		if err := readBody(body, inline); err != nil {
			return ObjectInfo{}, err
		}
		digest.Write(inline)
	default:
		if w, err = l.writeBlob(ctx, body, opts.Size, digest, objKey); err != nil {
			return ObjectInfo{}, err
		}
	}
	if w != nil {
		rec.BlobID = string(w.ID())
	} else {
		if inline, err = sealInline(objKey, rec.UID, inline); err != nil {
			return ObjectInfo{}, err
		}
		rec.setInline(inline)
	}
	etag, sum, err := digest.finish(opts.ContentMD5, sumReq)
	if err != nil {
		l.discardBlob(w)
		return ObjectInfo{}, err
	}

	rec.Info = ObjectInfo{
		Size:         opts.Size,
		ETag:         etag,
		LastModified: l.opts.Now().UTC(),
		Attrs:        opts.Attrs,
		Checksums:    checksumMap(sumReq.Algorithm, sum),
		ChecksumType: ChecksumFullObject,
		Tags:         opts.Tags,
		ACL:          opts.ACL,
		Retention:    opts.Retention,
		LegalHold:    opts.LegalHold,
		SSE:          sse,
	}
	base := rec
	locks := append(l.objectLocks(bucket, key), opts.CommitLocks...)
	rolledBack, err := l.update(ctx, locks, func(tx meta.Txn) error {
		rec = base // commitRecord stamps rec; a rerun starts again from base
		if err := l.commitVersion(ctx, tx, bucket, key, &rec, opts.Cond, opts.Replica, opts.event()); err != nil {
			return err
		}
		if opts.InCommit != nil {
			if err := opts.InCommit(tx); err != nil {
				return err
			}
		}
		if err := l.recordEvent(ctx, tx, opts.event(), bucket, key, rec.Info); err != nil {
			return err
		}
		if rec.Inline {
			return tx.Set(inlineKey(rec.UID), inline)
		}
		if err := l.finishWrite(tx, w); err != nil {
			return err
		}
		return tx.Set(blobRefKey(rec.BlobID, rec.UID), nil)
	})
	if err != nil {
		l.dropUncommitted(w, rolledBack)
		return ObjectInfo{}, err
	}
	l.endWrites(w)
	l.kickCollector()
	info := rec.Info
	info.Bucket, info.Key = bucket, key
	return info, nil
}

// storeUnsized reads a body of unknown length to EOF: one that fits the
// inline limit is returned in memory, a longer one goes to a new blob.
func (l *Layer) storeUnsized(ctx context.Context, body io.Reader, digest io.Writer, objKey []byte) (inline []byte, w blob.Writer, size int64, err error) {
	head := make([]byte, l.opts.InlineLimit+1)
	// Not io.ReadFull: it reports a short body as io.ErrUnexpectedEOF,
	// which is also what a body cut short (a form part without its
	// closing boundary, a client gone) reports, and that must not be
	// stored as if it were the whole body.
	n := 0
	for n < len(head) && err == nil {
		var m int
		m, err = body.Read(head[n:])
		n += m
	}
	if err == io.EOF && n < len(head) {
		digest.Write(head[:n])
		return head[:n], nil, int64(n), nil
	}
	if err != nil && err != io.EOF {
		return nil, nil, 0, storageError(err)
	}
	if w, err = l.createBlob(ctx); err != nil {
		return nil, nil, 0, storageError(err)
	}
	sealed, sealer, err := sealingWriter(w, objKey)
	if err != nil {
		l.abortBlob(w)
		return nil, nil, 0, err
	}
	dst := io.MultiWriter(sealed, digest)
	if _, err := dst.Write(head); err != nil {
		l.abortBlob(w)
		return nil, nil, 0, storageError(err)
	}
	bp := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(bp)
	rest, err := io.CopyBuffer(dst, io.LimitReader(body, MaxPutSize-int64(n)+1), *bp)
	if err == nil && int64(n)+rest > MaxPutSize {
		err = s3err.ErrEntityTooLarge
	}
	if err == nil && sealer != nil {
		err = sealer.Close()
	}
	if err == nil {
		_, err = w.Commit()
	}
	if err != nil {
		l.abortBlob(w)
		return nil, nil, 0, storageError(err)
	}
	return nil, w, int64(n) + rest, nil
}

// writeBlob stores exactly size bytes of body in a new, committed blob,
// feeding them to digest on the way. With objKey the blob holds them
// encrypted.
func (l *Layer) writeBlob(ctx context.Context, body io.Reader, size int64, digest io.Writer, objKey []byte) (blob.Writer, error) {
	w, err := l.createBlob(ctx)
	if err != nil {
		return nil, storageError(err)
	}
	sealed, sealer, err := sealingWriter(w, objKey)
	if err != nil {
		l.abortBlob(w)
		return nil, err
	}
	if err := copyBody(io.MultiWriter(sealed, digest), body, size); err != nil {
		l.abortBlob(w)
		return nil, err
	}
	if sealer != nil {
		if err := sealer.Close(); err != nil {
			l.abortBlob(w)
			return nil, storageError(err)
		}
	}
	if _, err := w.Commit(); err != nil {
		l.abortBlob(w)
		return nil, storageError(err)
	}
	return w, nil
}

// discardBlob deletes a committed blob that no record will reference. If
// that fails the orphan sweep gets it later.
func (l *Layer) discardBlob(w blob.Writer) {
	if w == nil {
		return
	}
	if err := l.blobs.Delete(context.Background(), w.ID()); err != nil {
		l.log.Warn("deleting unreferenced blob", "blob", w.ID(), "err", err)
		// Left to the sweep, which must not take the blob for one being
		// written: the record of the write stays (and expires).
		l.endWrite(w.ID())
		return
	}
	l.forgetWrite(w.ID())
}

// objectLocks are the metadata locks every change of bucket/key holds
// while it commits: the bucket's, shared, and the key's, exclusive. Writes
// of other keys take none of them exclusively, so they never wait for each
// other.
func (l *Layer) objectLocks(bucket, key string) []meta.Lock {
	return []meta.Lock{{Name: bucketLockName(bucket), Shared: true}, {Name: objectLockName(bucket, key)}}
}

// readBody fills buf from body and then requires EOF, so that verifying
// readers below (payload hash, chunk signatures, checksums) get to report
// a mismatch before anything is committed.
func readBody(body io.Reader, buf []byte) error {
	if _, err := io.ReadFull(body, buf); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return s3err.ErrIncompleteBody
		}
		return storageError(err)
	}
	return storageError(expectEOF(body))
}

func expectEOF(body io.Reader) error {
	var one [1]byte
	for {
		n, err := body.Read(one[:])
		if n > 0 {
			return s3err.ErrIncompleteBody.WithMessage("The request body is longer than its declared length.")
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func copyBody(dst io.Writer, body io.Reader, size int64) error {
	bp := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(bp)
	n, err := io.CopyBuffer(dst, io.LimitReader(body, size), *bp)
	if err != nil {
		return storageError(err)
	}
	if n != size {
		return s3err.ErrIncompleteBody
	}
	return expectEOF(body)
}

// storageError maps blob store failures to S3 errors; errors that already
// are S3 errors (from the request body) pass through.
func storageError(err error) error {
	var s3e *s3err.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &s3e):
		return err
	case errors.Is(err, blob.ErrNoSpace):
		return s3err.ErrInsufficientStorage
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, context.Canceled):
		// The client went away in the middle of its body: a request
		// error, not a server fault.
		return s3err.ErrIncompleteBody
	}
	return err
}

func getRecord(r meta.Reader, bucket, key string) (record, bool, error) {
	val, err := r.Get(objectKey(bucket, key))
	if errors.Is(err, meta.ErrNotFound) {
		return record{}, false, nil
	}
	if err != nil {
		return record{}, false, err
	}
	rec, err := decodeRecord(val, true)
	return rec, err == nil, err
}

// dropData removes what ties rec to its data: the inline value, or the
// blob reference, queueing the blob for the collector; or, for a
// transitioned record, queues its remote objects for deletion.
func (l *Layer) dropData(tx meta.Txn, rec record) error {
	if rec.remote() {
		return l.dropRemoteData(tx, rec)
	}
	if rec.Inline {
		return tx.Delete(inlineKey(rec.UID))
	}
	for _, id := range rec.blobIDs() {
		if err := l.dropBlobRef(tx, id, rec.UID); err != nil {
			return err
		}
	}
	return nil
}

// dropBlobRef removes one reference and queues the blob for the collector,
// which deletes it once no reference is left.
func (l *Layer) dropBlobRef(tx meta.Txn, blobID, owner string) error {
	if err := tx.Delete(blobRefKey(blobID, owner)); err != nil {
		return err
	}
	when := binary.BigEndian.AppendUint64(make([]byte, 0, gcQueueValueBytes), uint64(l.gcNow().UnixNano()))
	return tx.Set(gcQueueKey(blobID), when)
}

// lookup reads an object's record (and its inline data when withData) in
// one consistent view: the latest version, or version vid. It tells a
// missing bucket from a missing key, and when the answer is a delete
// marker it returns the marker's record with the error. A transitioned
// record's inline value is on its tier, and data is nil, unless the
// record has a valid restored copy.
func (l *Layer) lookup(ctx context.Context, bucket, key, vid string, withData bool) (record, []byte, error) {
	var rec record
	var data []byte
	if !s3name.ValidBucket(bucket) {
		return rec, nil, s3err.ErrNoSuchBucket
	}
	if err := s3name.CheckKey(key); err != nil {
		return rec, nil, err
	}
	if vid != "" && !ValidVersionID(vid) {
		return rec, nil, s3err.ErrInvalidArgument.WithMessage("Invalid version id specified")
	}
	if withData {
		// A read leases its blobs after this lookup: other gateways'
		// collectors must be able to see that lease.
		if err := l.readLeaseReady(ctx); err != nil {
			return rec, nil, err
		}
	}
	err := l.view(ctx, func(r meta.Reader) error {
		data = nil
		var err error
		if rec, err = lookupVersion(r, bucket, key, vid); err != nil {
			return err
		}
		if withData && rec.Inline {
			data, err = r.Get(inlineKey(rec.UID))
			if rec.remote() && (errors.Is(err, meta.ErrNotFound) || !rec.restoredCopyValid(l.gcNow())) {
				// No restored copy to read: the value is on the tier,
				// and data stays nil.
				data, err = nil, nil
			}
		}
		return err
	})
	rec.Info.Bucket, rec.Info.Key, rec.Info.UID = bucket, key, rec.UID
	return rec, data, err
}

// readRemoteInline reads the inline value of a transitioned record from
// its tier.
func (l *Layer) readRemoteInline(ctx context.Context, rec record) ([]byte, error) {
	t, err := l.tierOf(ctx, rec.Info.Tier)
	if err != nil {
		return nil, tierReadError(rec.Info.Tier, err)
	}
	size := storedSize(rec.Info.Size, rec.Info.SSE.Type != "")
	rc, err := t.Open(ctx, remoteName(rec.UID, remoteInlineID), 0, size)
	if err != nil {
		return nil, tierReadError(rec.Info.Tier, err)
	}
	defer rc.Close()
	data := make([]byte, size)
	if _, err := io.ReadFull(rc, data); err != nil {
		return nil, tierReadError(rec.Info.Tier, err)
	}
	return data, nil
}

func lookupVersion(r meta.Reader, bucket, key, vid string) (record, error) {
	if vid == "" {
		rec, found, err := getRecord(r, bucket, key)
		if err != nil || found {
			return rec, err
		}
	}
	b, err := readBucket(r, bucket)
	if err != nil {
		return record{}, err
	}
	if vid == "" {
		if b.Versioning != "" {
			// The latest version may be a delete marker, which S3 names
			// in the 404.
			if e, found, err := newestVersion(r, bucket, key); err != nil {
				return record{}, err
			} else if found && e.rec.Info.IsDeleteMarker {
				return e.rec, s3err.ErrNoSuchKey
			}
		}
		return record{}, s3err.ErrNoSuchKey
	}
	e, found, err := findVersion(r, b, key, vid)
	switch {
	case err != nil:
		return record{}, err
	case !found:
		return record{}, s3err.ErrNoSuchVersion
	case e.rec.Info.IsDeleteMarker:
		return e.rec, s3err.ErrMethodNotAllowed.WithMessage("The specified method is not allowed against a delete marker.")
	}
	return e.rec, nil
}

// GetObject opens bucket/key for reading, after evaluating the
// preconditions and the range. On ErrNotModified and ErrPreconditionFailed
// the returned Object still carries Info, for the response headers.
func (l *Layer) GetObject(ctx context.Context, bucket, key string, opts GetOptions) (*Object, error) {
	return l.open(ctx, bucket, key, opts, true)
}

// HeadObject is GetObject without a body.
func (l *Layer) HeadObject(ctx context.Context, bucket, key string, opts GetOptions) (*Object, error) {
	return l.open(ctx, bucket, key, opts, false)
}

func (l *Layer) open(ctx context.Context, bucket, key string, opts GetOptions, withBody bool) (*Object, error) {
	for attempt := 0; ; attempt++ {
		rec, data, err := l.lookup(ctx, bucket, key, opts.VersionID, withBody)
		if err != nil {
			if rec.Info.IsDeleteMarker {
				return &Object{Info: rec.Info}, err
			}
			return nil, err
		}
		obj := &Object{Info: rec.Info}
		for _, p := range rec.Parts {
			obj.Parts = append(obj.Parts, PartSummary{Size: p.Size, Checksum: p.Checksum})
		}
		if err := checkCustomerKey(rec.Info.SSE, opts.CustomerKey); err != nil && !(opts.InfoOnly && !withBody) {
			return nil, err
		}
		if err := checkReadConditions(rec.Info, opts.Cond); err != nil {
			return obj, err
		}
		if opts.PartNumber > 0 {
			obj.Offset, obj.Length, obj.Partial, err = partRange(rec, opts.PartNumber, opts.Range)
		} else {
			obj.Offset, obj.Length, obj.Partial, err = resolveRange(opts.Range, rec.Info.Size)
		}
		if err != nil {
			return obj, err
		}
		if !withBody {
			return obj, nil
		}
		objKey, err := l.openObjectKey(ctx, bucket, key, rec.Info.SSE, opts.CustomerKey)
		if err != nil {
			return nil, err
		}
		if rec.Inline && data == nil && rec.remote() {
			data, err = l.readRemoteInline(ctx, rec)
			if errors.Is(err, tier.ErrNotFound) && attempt < maxGetRetries {
				continue // replaced, and its remote value deleted, since the lookup
			}
			if err != nil {
				return nil, err
			}
		}
		if rec.Inline {
			if err := rec.checkInline(data); err != nil {
				return nil, dataError(err)
			}
			if data, err = openInline(objKey, rec.UID, data, rec.Info.Size); err != nil {
				return nil, err
			}
			if int64(len(data)) != rec.Info.Size {
				return nil, s3err.ErrInternalError.WithMessage("inline data of %s/%s is damaged", bucket, key)
			}
			obj.Body = io.NopCloser(bytes.NewReader(data[obj.Offset : obj.Offset+obj.Length]))
			return obj, nil
		}
		obj.Body, err = l.openData(ctx, rec, obj.Offset, obj.Length, objKey)
		if (errors.Is(err, blob.ErrNotFound) || errors.Is(err, tier.ErrNotFound)) && attempt < maxGetRetries {
			// The object was replaced and its old blob collected between
			// the lookup and the open: look it up again.
			continue
		}
		if err != nil {
			return nil, err
		}
		return obj, nil
	}
}

// resolveRange turns a requested range into offset and length.
func resolveRange(r *Range, size int64) (off, n int64, partial bool, err error) {
	if r == nil {
		return 0, size, false, nil
	}
	if r.Suffix {
		if r.Length <= 0 || size == 0 {
			return 0, 0, false, s3err.ErrInvalidRange
		}
		n = min(r.Length, size)
		return size - n, n, true, nil
	}
	if r.Start >= size {
		return 0, 0, false, s3err.ErrInvalidRange
	}
	end := r.End
	if end < 0 || end >= size {
		end = size - 1
	}
	return r.Start, end - r.Start + 1, true, nil
}

// partRange is the byte range of part n of rec. An object that was not
// uploaded in parts is its own part 1, served as AWS serves it: a partial
// answer whose range is the whole object (an empty object has no range
// to name, and is served whole).
func partRange(rec record, n int, r *Range) (off, length int64, partial bool, err error) {
	switch {
	case r != nil:
		return 0, 0, false, s3err.ErrInvalidRequest.WithMessage("Cannot specify both Range header and partNumber query parameter.")
	case n > MaxPartNumber:
		return 0, 0, false, s3err.ErrInvalidArgument.WithMessage("Part number must be an integer between 1 and %d, inclusive", MaxPartNumber)
	case len(rec.Parts) == 0 && n == 1:
		return 0, rec.Info.Size, rec.Info.Size > 0, nil
	case n > len(rec.Parts):
		return 0, 0, false, s3err.ErrInvalidPartNumber
	}
	for _, p := range rec.Parts[:n-1] {
		off += p.Size
	}
	return off, rec.Parts[n-1].Size, true, nil
}

// DeleteOptions describe a delete.
type DeleteOptions struct {
	// VersionID deletes that version for good; "" deletes the object (in
	// a versioned bucket: adds a delete marker).
	VersionID string
	// BypassGovernance allows deleting a version under GOVERNANCE
	// retention.
	BypassGovernance bool
	// Replica, on a delete made by replication, names the source's
	// version (VersionID is then ignored): with DeleteMarker, a delete
	// marker of that id and time is stored; without, that version is
	// deleted for good. Neither is replicated again.
	Replica      *Replica
	DeleteMarker bool
	// lifecycle: a lifecycle rule deletes, and the events say so.
	lifecycle bool
}

// check refuses a replica delete kura cannot carry out.
func (o DeleteOptions) check() error {
	if o.Replica == nil {
		return nil
	}
	if !o.DeleteMarker {
		if !ValidVersionID(o.Replica.VersionID) {
			return s3err.ErrInvalidArgument.WithMessage("Invalid version id specified")
		}
		return nil
	}
	return checkReplica(o.Replica)
}

// event names the event of a delete: a lifecycle rule's own name for
// the removals it makes.
func (o DeleteOptions) event(name string) string {
	if !o.lifecycle {
		return name
	}
	switch name {
	case EventDelete:
		return EventLifecycleDelete
	case EventDeleteMarkerCreated:
		return EventLifecycleDeleteMarkerCreated
	}
	return name
}

// DeleteObject removes bucket/key. Deleting a missing key succeeds, as in S3.
func (l *Layer) DeleteObject(ctx context.Context, bucket, key string, opts DeleteOptions) (DeleteResult, error) {
	if err := s3name.CheckKey(key); err != nil {
		return DeleteResult{}, err
	}
	if !s3name.ValidBucket(bucket) {
		return DeleteResult{}, s3err.ErrNoSuchBucket
	}
	if err := opts.check(); err != nil {
		return DeleteResult{}, err
	}
	var res DeleteResult
	err := l.meta.Update(ctx, l.objectLocks(bucket, key), func(tx meta.Txn) (err error) {
		res, err = l.deleteInTxn(ctx, tx, bucket, key, opts)
		return err
	})
	if err == nil {
		l.kickCollector()
	}
	return res, err
}

// ObjectToDelete names one object (or version) of DeleteObjects.
type ObjectToDelete struct {
	Key, VersionID   string
	BypassGovernance bool
}

// DeletedObject is the outcome of one entry of DeleteObjects.
type DeletedObject struct {
	DeleteResult
	Err error
}

// DeleteObjects removes many keys of one bucket in one atomic, durable
// commit. It returns one outcome per entry, in order; an entry that fails
// validation does not stop the others.
func (l *Layer) DeleteObjects(ctx context.Context, bucket string, objs []ObjectToDelete) ([]DeletedObject, error) {
	if len(objs) > MaxDeleteKeys {
		return nil, s3err.ErrTooManyKeys
	}
	if !s3name.ValidBucket(bucket) {
		return nil, s3err.ErrNoSuchBucket
	}
	results := make([]DeletedObject, len(objs))
	keyErrs := make([]error, len(objs))
	locks := []meta.Lock{{Name: bucketLockName(bucket), Shared: true}}
	for i, o := range objs {
		if keyErrs[i] = s3name.CheckKey(o.Key); keyErrs[i] == nil {
			locks = append(locks, meta.Lock{Name: objectLockName(bucket, o.Key)})
		}
	}
	err := l.meta.Update(ctx, locks, func(tx meta.Txn) error {
		// A rerun (see meta.Store.Update) starts from the key checks alone.
		for i := range results {
			results[i] = DeletedObject{Err: keyErrs[i]}
		}
		if _, err := readBucket(tx, bucket); err != nil {
			return err
		}
		for i, o := range objs {
			if results[i].Err != nil {
				continue
			}
			res, err := l.deleteInTxn(ctx, tx, bucket, o.Key, DeleteOptions{VersionID: o.VersionID, BypassGovernance: o.BypassGovernance})
			var s3e *s3err.Error
			if errors.As(err, &s3e) {
				// A refused entry (a bad version id) does not undo the
				// others.
				results[i].Err = err
				continue
			}
			if err != nil {
				return err
			}
			results[i].DeleteResult = res
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	l.kickCollector()
	return results, nil
}

// etagMatches reports whether an If-Match / If-None-Match list matches etag.
func etagMatches(list, etag string) bool {
	for _, candidate := range strings.Split(list, ",") {
		candidate = strings.TrimSpace(candidate)
		candidate = strings.TrimPrefix(candidate, "W/")
		if candidate == "*" || strings.Trim(candidate, `"`) == etag {
			return true
		}
	}
	return false
}
