package object

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/kurastore/kura/checksum"
	"github.com/kurastore/kura/internal/blob"
	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/s3name"
)

// Multipart limits, as AWS S3 sets them.
const (
	MinPartSize    = 5 << 20
	MaxPartSize    = 5 << 30
	MaxPartNumber  = 10000
	MaxListParts   = 1000
	MaxListUploads = 1000
	// DefaultUploadExpiry is how long an unfinished upload is kept.
	DefaultUploadExpiry = 7 * 24 * time.Hour
)

// Multipart keyspaces:
//
//	U<bucket>/<key>\x00<upload id>    upload record (JSON)
//	P<upload id>/<part number:05d>    part record (JSON); its blob is
//	                                  referenced as R<blob>/<part uid>
const (
	tagUpload = 'U'
	tagPart   = 'P'
)

func uploadKey(bucket, key, uploadID string) []byte {
	k := append([]byte{tagUpload}, bucket...)
	k = append(k, keySeparate)
	k = append(k, key...)
	k = append(k, 0)
	return append(k, uploadID...)
}

func uploadPrefix(bucket string) []byte {
	return append(append([]byte{tagUpload}, bucket...), keySeparate)
}

func partPrefix(uploadID string) []byte {
	return append(append([]byte{tagPart}, uploadID...), keySeparate)
}

func partKey(uploadID string, n int) []byte {
	return fmt.Appendf(partPrefix(uploadID), "%05d", n)
}

func uploadLockName(id string) []byte { return []byte("lu/" + id) }

// Upload describes an unfinished multipart upload.
type Upload struct {
	Bucket    string            `json:"-"`
	Key       string            `json:"-"`
	UploadID  string            `json:"id"`
	Initiated time.Time         `json:"initiated"`
	Attrs     Attrs             `json:"attrs"`
	Tags      map[string]string `json:"tags,omitempty"`
	ACL       []byte            `json:"acl,omitempty"`
	Retention Retention         `json:"retention,omitzero"`
	LegalHold bool              `json:"legalHold,omitempty"`
	// ChecksumAlgorithm, when set, is computed for every part and
	// combined into the object's checksum as ChecksumType says.
	ChecksumAlgorithm checksum.Algorithm `json:"alg,omitempty"`
	ChecksumType      string             `json:"sumtype,omitempty"`
	// SSE is the encryption of every part and of the object.
	SSE SSE `json:"sse,omitzero"`
	// Replica is the source version an upload made by replication
	// completes as.
	Replica *Replica `json:"replica,omitempty"`
}

// UploadOptions describe CreateMultipartUpload.
type UploadOptions struct {
	Attrs Attrs
	Tags  map[string]string
	// ACL is the completed version's (see ObjectInfo.ACL).
	ACL               []byte
	Retention         Retention
	LegalHold         bool
	ChecksumAlgorithm checksum.Algorithm
	// ChecksumType is ChecksumFullObject or ChecksumComposite; "" picks
	// the algorithm's default.
	ChecksumType string
	// Encryption encrypts the parts and the object.
	Encryption Encryption
	// Replica makes the upload one made by replication: its completion
	// stores the source version's id and time (see PutOptions.Replica).
	Replica *Replica
}

// Checksum types of a multipart object: a checksum of the whole data, or a
// checksum of the parts' checksums.
const (
	ChecksumFullObject = "FULL_OBJECT"
	ChecksumComposite  = "COMPOSITE"
)

// PartOptions describe UploadPart.
type PartOptions struct {
	Size       int64
	ContentMD5 []byte
	Checksum   ChecksumRequest
	// CustomerKey is the upload's SSE-C key, which every part brings.
	CustomerKey []byte
}

// PartInfo describes one uploaded part.
type PartInfo struct {
	Number       int       `json:"n"`
	Size         int64     `json:"size"`
	ETag         string    `json:"etag"`
	LastModified time.Time `json:"modified"`
	BlobID       string    `json:"blob"`
	UID          string    `json:"uid"`
	// Checksum is the base64 checksum of the part under
	// ChecksumAlgorithm, when one was computed.
	ChecksumAlgorithm checksum.Algorithm `json:"alg,omitempty"`
	Checksum          string             `json:"sum,omitempty"`
	// DefaultChecksum is the part's DefaultChecksum (CRC64NVME, base64)
	// in an upload created without a checksum algorithm: S3's default,
	// combined into the object's at completion. ListParts does not show
	// it (AWS does not); UploadPart answers with it when the client sent
	// no checksum. Empty for parts stored before kura computed it.
	DefaultChecksum string `json:"dsum,omitempty"`
	// SSE is the upload's encryption, for the response; not stored with
	// the part (the upload has it).
	SSE SSE `json:"-"`
	// SourceVersionID is the version UploadPartCopy read, for the
	// response; "" when the source bucket was never versioned.
	SourceVersionID string `json:"-"`
}

// CompletePart names a part in CompleteMultipartUpload.
type CompletePart struct {
	Number int
	ETag   string
	// Checksum, when the client sends one, must equal the part's.
	Checksum string
}

// CompleteOptions describe CompleteMultipartUpload.
type CompleteOptions struct {
	Cond Conditions
	// Checksum, when set, is the object checksum the client expects
	// (base64, with or without the "-N" of a composite checksum).
	Checksum string
	// ReplicaModTime, when set, is the source version's time of an
	// upload made by replication, sent with its completion (as MinIO
	// does) rather than, or as well as, with its creation; it wins.
	ReplicaModTime time.Time
}

// CreateMultipartUpload starts an upload and returns its id.
func (l *Layer) CreateMultipartUpload(ctx context.Context, bucket, key string, opts UploadOptions) (string, error) {
	if err := s3name.CheckKey(key); err != nil {
		return "", err
	}
	if userMetaSize(opts.Attrs.UserMeta) > MaxUserMetaSize {
		return "", s3err.ErrMetadataTooLarge
	}
	if err := validTags(opts.Tags); err != nil {
		return "", err
	}
	if err := checkWebsiteRedirect(opts.Attrs.WebsiteRedirectLocation); err != nil {
		return "", err
	}
	if err := checkRetentionRequest(opts.Retention, retentionCheckTime(opts.Replica, l.opts.Now())); err != nil {
		return "", err
	}
	if err := checkReplicaUpload(opts.Replica); err != nil {
		return "", err
	}
	sumType, err := UploadChecksumType(opts.ChecksumAlgorithm, opts.ChecksumType)
	if err != nil {
		return "", err
	}
	// The object key is made now and sealed in the upload; each part
	// opens it again.
	_, sse, err := l.newObjectKey(ctx, bucket, key, opts.Encryption)
	if err != nil {
		return "", err
	}
	up := Upload{
		SSE:      sse,
		UploadID: newUID(), Initiated: l.opts.Now().UTC(), Attrs: opts.Attrs, Tags: opts.Tags, ACL: opts.ACL,
		Retention: opts.Retention, LegalHold: opts.LegalHold,
		ChecksumAlgorithm: opts.ChecksumAlgorithm, ChecksumType: sumType, Replica: opts.Replica,
	}
	val, err := json.Marshal(up)
	if err != nil {
		return "", err
	}
	err = l.meta.Update(ctx, []meta.Lock{{Name: bucketLockName(bucket), Shared: true}}, func(tx meta.Txn) error {
		b, err := readBucket(tx, bucket)
		if err != nil {
			return err
		}
		// Refused now, as PutObject refuses it, rather than at Complete
		// after all the data was sent.
		if err := checkLockable(b, up.Retention, up.LegalHold); err != nil {
			return err
		}
		if up.Replica != nil && b.Versioning == "" {
			return errUnversionedReplica
		}
		k := uploadKey(bucket, key, up.UploadID)
		markFresh(tx, k) // the upload id is new
		return tx.Set(k, val)
	})
	return up.UploadID, err
}

// UploadChecksumType checks an algorithm and type pair and fills in the
// default type: full-object for CRC64NVME, composite for the others.
func UploadChecksumType(alg checksum.Algorithm, typ string) (string, error) {
	switch {
	case alg == "" && typ != "":
		return "", s3err.ErrInvalidRequest.WithMessage("The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.")
	case alg == "":
		return "", nil
	case typ == "" && alg == checksum.CRC64NVME:
		return ChecksumFullObject, nil
	case typ == "":
		return ChecksumComposite, nil
	case typ == ChecksumFullObject && !alg.Combinable():
		return "", s3err.ErrInvalidRequest.WithMessage("The FULL_OBJECT checksum type cannot be used with the %s checksum algorithm.", strings.ToLower(string(alg)))
	case typ == ChecksumComposite && alg == checksum.CRC64NVME:
		return "", s3err.ErrInvalidRequest.WithMessage("The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm.")
	case typ != ChecksumFullObject && typ != ChecksumComposite:
		return "", s3err.ErrInvalidRequest.WithMessage("Value for x-amz-checksum-type header is invalid.")
	}
	return typ, nil
}

// MultipartUpload returns the settings an upload was created with (its
// encryption, tags, retention, attributes), which its later calls share.
func (l *Layer) MultipartUpload(ctx context.Context, bucket, key, uploadID string) (Upload, error) {
	var up Upload
	err := l.view(ctx, func(r meta.Reader) error {
		var err error
		up, err = readUpload(r, bucket, key, uploadID)
		return err
	})
	return up, err
}

func readUpload(r meta.Reader, bucket, key, uploadID string) (Upload, error) {
	var up Upload
	if !s3name.ValidBucket(bucket) {
		return up, s3err.ErrNoSuchBucket
	}
	val, err := r.Get(uploadKey(bucket, key, uploadID))
	if errors.Is(err, meta.ErrNotFound) {
		if _, err := readBucket(r, bucket); err != nil {
			return up, err
		}
		return up, s3err.ErrNoSuchUpload
	}
	if err != nil {
		return up, err
	}
	err = json.Unmarshal(val, &up)
	up.Bucket, up.Key = bucket, key
	return up, err
}

func validPartNumber(n int) error {
	if n < 1 || n > MaxPartNumber {
		return s3err.ErrInvalidArgument.WithMessage("Part number must be an integer between 1 and %d, inclusive", MaxPartNumber)
	}
	return nil
}

// UploadPart stores one part, replacing an earlier part of that number.
func (l *Layer) UploadPart(ctx context.Context, bucket, key, uploadID string, number int, body io.Reader, opts PartOptions) (PartInfo, error) {
	if err := validPartNumber(number); err != nil {
		return PartInfo{}, err
	}
	switch {
	case opts.Size < 0:
		return PartInfo{}, s3err.ErrMissingContentLength
	case opts.Size > MaxPartSize:
		return PartInfo{}, s3err.ErrEntityTooLarge
	}
	var up Upload
	if err := l.view(ctx, func(r meta.Reader) (err error) { up, err = readUpload(r, bucket, key, uploadID); return err }); err != nil {
		return PartInfo{}, err
	}
	alg := opts.Checksum.Algorithm
	switch {
	case alg == "":
		alg = up.ChecksumAlgorithm
	case up.ChecksumAlgorithm != "" && alg != up.ChecksumAlgorithm:
		return PartInfo{}, s3err.ErrInvalidRequest.WithMessage("Checksum Type mismatch occurred, expected checksum Type: %s, actual checksum Type: %s",
			strings.ToLower(string(up.ChecksumAlgorithm)), strings.ToLower(string(alg)))
	}
	objKey, err := l.openObjectKey(ctx, bucket, key, up.SSE, opts.CustomerKey)
	if err != nil {
		return PartInfo{}, err
	}
	digest := newBodyDigest(alg)
	if up.ChecksumAlgorithm == "" {
		digest.alsoDefault()
	}
	w, err := l.writeBlob(ctx, body, opts.Size, digest, objKey)
	if err != nil {
		return PartInfo{}, err
	}
	etag, sum, err := digest.finish(opts.ContentMD5, opts.Checksum)
	if err != nil {
		l.discardBlob(w)
		return PartInfo{}, err
	}
	part := PartInfo{
		Number: number, Size: opts.Size, ETag: etag, LastModified: l.opts.Now().UTC(), BlobID: string(w.ID()), UID: newUID(),
		DefaultChecksum: digest.defaultSum(sum),
	}
	if sum != "" {
		part.ChecksumAlgorithm, part.Checksum = alg, sum
	}
	if rolledBack, err := l.commitPart(ctx, bucket, key, uploadID, part, w); err != nil {
		l.dropUncommitted(w, rolledBack)
		return PartInfo{}, err
	}
	l.endWrites(w)
	part.SSE = SSE{Type: up.SSE.Type, KMSKeyID: up.SSE.KMSKeyID, Context: up.SSE.Context}
	return part, nil
}

// commitPart records a part whose blob (written by w) is written,
// replacing an earlier part of that number. rolledBack is as for update.
func (l *Layer) commitPart(ctx context.Context, bucket, key, uploadID string, part PartInfo, w blob.Writer) (rolledBack bool, err error) {
	val, err := json.Marshal(part)
	if err != nil {
		return true, err
	}
	number := part.Number
	// The bucket's lock, shared as every write takes it, makes
	// DeleteBucket wait for the part: without it the deletion could abort
	// the upload between this transaction's read of it and its commit,
	// leaving a part (and its blob) that nothing would ever collect.
	locks := []meta.Lock{
		{Name: bucketLockName(bucket), Shared: true},
		{Name: uploadLockName(uploadID), Shared: true},
		{Name: partKey(uploadID, number)},
	}
	rolledBack, err = l.update(ctx, locks, func(tx meta.Txn) error {
		if _, err := readUpload(tx, bucket, key, uploadID); err != nil {
			return err
		}
		if old, ok, err := readPart(tx, uploadID, number); err != nil {
			return err
		} else if ok {
			if err := l.dropBlobRef(tx, old.BlobID, old.UID); err != nil {
				return err
			}
		}
		if err := tx.Set(partKey(uploadID, number), val); err != nil {
			return err
		}
		if err := l.finishWrite(tx, w); err != nil {
			return err
		}
		return tx.Set(blobRefKey(part.BlobID, part.UID), nil)
	})
	if err == nil {
		l.kickCollector()
	}
	return rolledBack, err
}

func readPart(r meta.Reader, uploadID string, n int) (PartInfo, bool, error) {
	var p PartInfo
	val, err := r.Get(partKey(uploadID, n))
	if errors.Is(err, meta.ErrNotFound) {
		return p, false, nil
	}
	if err != nil {
		return p, false, err
	}
	return p, true, json.Unmarshal(val, &p)
}

// allParts returns an upload's parts in number order.
func allParts(r meta.Reader, uploadID string, after, max int) ([]PartInfo, bool, error) {
	p := partPrefix(uploadID)
	it, err := r.NewIter(p, meta.PrefixEnd(p))
	if err != nil {
		return nil, false, err
	}
	defer it.Close()
	var parts []PartInfo
	start := p
	if after > 0 {
		start = partKey(uploadID, after+1)
	}
	for ok := it.SeekGE(start); ok; ok = it.Next() {
		if max > 0 && len(parts) == max {
			return parts, true, nil
		}
		val, err := it.Value()
		if err != nil {
			return nil, false, err
		}
		var part PartInfo
		if err := json.Unmarshal(val, &part); err != nil {
			return nil, false, err
		}
		parts = append(parts, part)
	}
	return parts, false, it.Err()
}

// CompleteMultipartUpload checks the part list and commits the object as
// a manifest of the parts' blobs: no data is copied.
func (l *Layer) CompleteMultipartUpload(ctx context.Context, bucket, key, uploadID string, list []CompletePart, opts CompleteOptions) (ObjectInfo, error) {
	if len(list) == 0 {
		return ObjectInfo{}, s3err.ErrMalformedXML.WithMessage("You must specify at least one part.")
	}
	for i, p := range list {
		if err := validPartNumber(p.Number); err != nil {
			return ObjectInfo{}, err
		}
		if i > 0 && p.Number <= list[i-1].Number {
			return ObjectInfo{}, s3err.ErrInvalidPartOrder
		}
	}
	if !opts.ReplicaModTime.IsZero() {
		if err := checkReplicaTime(opts.ReplicaModTime); err != nil {
			return ObjectInfo{}, err
		}
	}
	uid := newUID()
	var rec record
	var repeated bool
	locks := append(l.objectLocks(bucket, key), meta.Lock{Name: uploadLockName(uploadID)})
	err := l.meta.Update(ctx, locks, func(tx meta.Txn) error {
		// The closure may run again (see meta.Store.Update): it starts
		// from nothing each time.
		rec, repeated = record{UID: uid, UploadID: uploadID}, false
		up, err := readUpload(tx, bucket, key, uploadID)
		if errors.Is(err, s3err.ErrNoSuchUpload) {
			// A client that lost the answer to its CompleteMultipartUpload
			// retries it: while the object the upload made is still the
			// current one, the retry gets the same answer, as on AWS.
			done, ok, rerr := completedBefore(tx, bucket, key, uploadID, list)
			if rerr != nil {
				return rerr
			}
			if ok {
				rec, repeated = done, true
				return nil
			}
		}
		if err != nil {
			return err
		}
		stored, _, err := allParts(tx, uploadID, 0, 0)
		if err != nil {
			return err
		}
		byNumber := make(map[int]PartInfo, len(stored))
		for _, p := range stored {
			byNumber[p.Number] = p
		}
		digests := md5.New()
		var size int64
		used := make(map[int]bool, len(list))
		chosen := make([]PartInfo, 0, len(list))
		for i, want := range list {
			p, ok := byNumber[want.Number]
			if !ok || !etagMatches(want.ETag, p.ETag) {
				return s3err.ErrInvalidPart.WithMessage("Part %d could not be found or its ETag does not match.", want.Number)
			}
			if want.Checksum != "" && want.Checksum != p.Checksum && want.Checksum != p.DefaultChecksum {
				return s3err.ErrInvalidPart.WithMessage("The checksum of part %d does not match.", want.Number)
			}
			if p.Size < l.opts.MinPartSize && i < len(list)-1 {
				return s3err.ErrEntityTooSmall.WithMessage("Part %d is %d bytes; all parts but the last must be at least %d.", p.Number, p.Size, l.opts.MinPartSize)
			}
			raw, _ := hex.DecodeString(p.ETag)
			digests.Write(raw)
			size += p.Size
			used[p.Number] = true
			rec.Parts = append(rec.Parts, partRef{Size: p.Size, ETag: p.ETag, BlobID: p.BlobID, Checksum: p.Checksum})
			chosen = append(chosen, p)
		}
		if size > MaxObjectSize {
			return s3err.ErrEntityTooLarge
		}
		sum, err := uploadChecksum(up, chosen, opts.Checksum)
		if err != nil {
			return err
		}
		if up.ChecksumAlgorithm == "" {
			// The parts' own checksums (any algorithm, or none) are not the
			// object's; with the default checksum they are its parts'.
			up.ChecksumAlgorithm, up.ChecksumType = DefaultChecksum, ChecksumFullObject
			for i := range rec.Parts {
				rec.Parts[i].Checksum = ""
				if sum != "" {
					rec.Parts[i].Checksum = chosen[i].DefaultChecksum
				}
			}
		}
		rec.Info = ObjectInfo{
			Size:         size,
			ETag:         hex.EncodeToString(digests.Sum(nil)) + "-" + strconv.Itoa(len(list)),
			LastModified: l.opts.Now().UTC(),
			Attrs:        up.Attrs,
			Tags:         up.Tags,
			ACL:          up.ACL,
			PartsCount:   len(list),
			Retention:    up.Retention,
			LegalHold:    up.LegalHold,
			SSE:          up.SSE,
		}
		if sum != "" {
			rec.Info.Checksums = checksumMap(up.ChecksumAlgorithm, sum)
			rec.Info.ChecksumType = up.ChecksumType
		}
		replica, err := completedReplica(up.Replica, opts.ReplicaModTime)
		if err != nil {
			return err
		}
		if err := l.commitVersion(ctx, tx, bucket, key, &rec, opts.Cond, replica, EventCompleteMultipart); err != nil {
			return err
		}
		if err := l.recordEvent(ctx, tx, EventCompleteMultipart, bucket, key, rec.Info); err != nil {
			return err
		}
		// The object takes over the references of the parts it uses; the
		// others are dropped.
		for _, p := range stored {
			if err := tx.Delete(partKey(uploadID, p.Number)); err != nil {
				return err
			}
			if !used[p.Number] {
				if err := l.dropBlobRef(tx, p.BlobID, p.UID); err != nil {
					return err
				}
				continue
			}
			if err := tx.Delete(blobRefKey(p.BlobID, p.UID)); err != nil {
				return err
			}
			if err := tx.Set(blobRefKey(p.BlobID, rec.UID), nil); err != nil {
				return err
			}
		}
		return tx.Delete(uploadKey(bucket, key, uploadID))
	})
	if err != nil {
		return ObjectInfo{}, err
	}
	if !repeated {
		l.kickCollector()
	}
	info := rec.Info
	info.Bucket, info.Key = bucket, key
	return info, nil
}

// completedBefore finds the current object of bucket/key when the upload
// uploadID made it from exactly the parts of list.
func completedBefore(r meta.Reader, bucket, key, uploadID string, list []CompletePart) (record, bool, error) {
	rec, found, err := getRecord(r, bucket, key)
	if err != nil || !found || rec.UploadID != uploadID || len(rec.Parts) != len(list) {
		return record{}, false, err
	}
	for i, p := range rec.Parts {
		if !etagMatches(list[i].ETag, p.ETag) {
			return record{}, false, nil
		}
	}
	return rec, true, nil
}

// uploadChecksum computes a multipart object's checksum from its parts':
// the CRC of the whole data (FULL_OBJECT), or the checksum of the
// concatenated part checksums followed by "-N" (COMPOSITE). It checks the
// value the client expects, when there is one.
func uploadChecksum(up Upload, parts []PartInfo, want string) (string, error) {
	alg := up.ChecksumAlgorithm
	if alg == "" {
		return defaultUploadChecksum(parts)
	}
	whole := wholeSum{alg: alg}
	composite := alg.New()
	for _, p := range parts {
		raw, err := alg.Decode(p.Checksum)
		if err != nil || p.ChecksumAlgorithm != alg {
			return "", s3err.ErrInvalidPart.WithMessage("Part %d has no %s checksum.", p.Number, alg)
		}
		if up.ChecksumType == ChecksumComposite {
			composite.Write(raw)
		} else if err := whole.add(raw, p.Size); err != nil {
			return "", err
		}
	}
	var sum string
	if up.ChecksumType == ChecksumComposite {
		sum = checksum.Encode(composite.Sum(nil)) + "-" + strconv.Itoa(len(parts))
	} else {
		sum = checksum.Encode(whole.sum)
	}
	if want != "" && strings.SplitN(want, "-", 2)[0] != strings.SplitN(sum, "-", 2)[0] {
		return "", s3err.ErrChecksumMismatch.WithMessage("The %s you specified did not match the calculated checksum.", alg)
	}
	return sum, nil
}

// defaultUploadChecksum is the object checksum of an upload created
// without an algorithm: the parts' DefaultChecksum values combined into a
// FULL_OBJECT CRC64NVME of the whole data, as S3 computes it. An object
// checksum the client sends is not checked (S3 ignores it for such an
// upload). "" when a part was stored before kura computed the default: the
// object then has no checksum, as before.
func defaultUploadChecksum(parts []PartInfo) (string, error) {
	whole := wholeSum{alg: DefaultChecksum}
	for _, p := range parts {
		if p.DefaultChecksum == "" {
			return "", nil
		}
		raw, err := DefaultChecksum.Decode(p.DefaultChecksum)
		if err != nil {
			return "", err
		}
		if err := whole.add(raw, p.Size); err != nil {
			return "", err
		}
	}
	return checksum.Encode(whole.sum), nil
}

// wholeSum builds the FULL_OBJECT checksum of consecutive parts from the
// parts' own checksums of a combinable algorithm.
type wholeSum struct {
	alg checksum.Algorithm
	sum []byte // nil before the first part
}

// add appends a part of size bytes whose checksum is raw.
func (w *wholeSum) add(raw []byte, size int64) error {
	if w.sum == nil {
		w.sum = raw
		return nil
	}
	var err error
	w.sum, err = w.alg.Combine(w.sum, raw, size)
	return err
}

// AbortMultipartUpload discards an upload and its parts.
func (l *Layer) AbortMultipartUpload(ctx context.Context, bucket, key, uploadID string) error {
	// The bucket's lock, shared, as every change to what a bucket holds
	// takes it (countUsage relies on it).
	locks := []meta.Lock{{Name: bucketLockName(bucket), Shared: true}, {Name: uploadLockName(uploadID)}}
	err := l.meta.Update(ctx, locks, func(tx meta.Txn) error {
		if _, err := readUpload(tx, bucket, key, uploadID); err != nil {
			return err
		}
		return l.abortInTxn(tx, bucket, key, uploadID)
	})
	if err == nil {
		l.kickCollector()
	}
	return err
}

func (l *Layer) abortInTxn(tx meta.Txn, bucket, key, uploadID string) error {
	parts, _, err := allParts(tx, uploadID, 0, 0)
	if err != nil {
		return err
	}
	for _, p := range parts {
		if err := tx.Delete(partKey(uploadID, p.Number)); err != nil {
			return err
		}
		if err := l.dropBlobRef(tx, p.BlobID, p.UID); err != nil {
			return err
		}
	}
	return tx.Delete(uploadKey(bucket, key, uploadID))
}

// ListPartsResult is one page of ListParts.
type ListPartsResult struct {
	Upload      Upload
	Parts       []PartInfo
	IsTruncated bool
	// NextMarker is the last part number returned.
	NextMarker int
}

// ListParts lists an upload's parts after part number marker.
func (l *Layer) ListParts(ctx context.Context, bucket, key, uploadID string, marker, maxParts int) (ListPartsResult, error) {
	var res ListPartsResult
	if maxParts <= 0 || maxParts > MaxListParts {
		maxParts = MaxListParts
	}
	err := l.view(ctx, func(r meta.Reader) error {
		var err error
		if res.Upload, err = readUpload(r, bucket, key, uploadID); err != nil {
			return err
		}
		res.Parts, res.IsTruncated, err = allParts(r, uploadID, marker, maxParts)
		return err
	})
	if n := len(res.Parts); n > 0 {
		res.NextMarker = res.Parts[n-1].Number
	}
	return res, err
}

// ListUploadsOptions describe ListMultipartUploads.
type ListUploadsOptions struct {
	Prefix, Delimiter         string
	KeyMarker, UploadIDMarker string
	MaxUploads                int
}

// ListUploadsResult is one page of ListMultipartUploads.
type ListUploadsResult struct {
	Uploads                           []Upload
	CommonPrefixes                    []string
	IsTruncated                       bool
	NextKeyMarker, NextUploadIDMarker string
}

// ListMultipartUploads lists unfinished uploads in key order, then by id,
// after (keyMarker, uploadIDMarker).
func (l *Layer) ListMultipartUploads(ctx context.Context, bucket string, opts ListUploadsOptions) (ListUploadsResult, error) {
	prefix, keyMarker, uploadIDMarker, maxUploads := opts.Prefix, opts.KeyMarker, opts.UploadIDMarker, opts.MaxUploads
	var res ListUploadsResult
	if maxUploads <= 0 || maxUploads > MaxListUploads {
		maxUploads = MaxListUploads
	}
	if !s3name.ValidBucket(bucket) {
		return res, s3err.ErrNoSuchBucket
	}
	err := l.view(ctx, func(r meta.Reader) error {
		res = ListUploadsResult{} // a rerun starts the page again
		if _, err := readBucket(r, bucket); err != nil {
			return err
		}
		base := uploadPrefix(bucket)
		lower := append(append([]byte(nil), base...), prefix...)
		start := lower
		if keyMarker != "" {
			after := append(append([]byte(nil), base...), keyMarker...)
			if uploadIDMarker != "" {
				after = append(append(after, 0), uploadIDMarker...)
			}
			after = append(after, 1) // past every upload of keyMarker (or past the marker's id)
			if cp, ok := commonPrefix(keyMarker, prefix, opts.Delimiter); ok && cp == keyMarker {
				// The previous page ended with a common prefix: skip it.
				after = meta.PrefixEnd(append(append([]byte(nil), base...), keyMarker...))
			}
			if after != nil && bytes.Compare(after, start) > 0 {
				start = after
			}
		}
		return eachUpload(r, lower, start, func(up Upload) bool {
			cp, rolled := commonPrefix(up.Key, prefix, opts.Delimiter)
			if rolled && len(res.CommonPrefixes) > 0 && res.CommonPrefixes[len(res.CommonPrefixes)-1] == cp {
				// Uploads are few; walking past the rest of a rolled-up
				// prefix costs less than a seek API would.
				return true
			}
			if len(res.Uploads)+len(res.CommonPrefixes) == maxUploads {
				res.IsTruncated = true
				return false
			}
			if rolled {
				res.CommonPrefixes = append(res.CommonPrefixes, cp)
				res.NextKeyMarker, res.NextUploadIDMarker = cp, ""
				return true
			}
			res.Uploads = append(res.Uploads, up)
			res.NextKeyMarker, res.NextUploadIDMarker = up.Key, up.UploadID
			return true
		})
	})
	if !res.IsTruncated {
		res.NextKeyMarker, res.NextUploadIDMarker = "", ""
	}
	return res, err
}

// ExpireUploads aborts uploads initiated more than maxAge ago.
func (l *Layer) ExpireUploads(ctx context.Context, maxAge time.Duration) (int, error) {
	cutoff := l.opts.Now().Add(-maxAge)
	var stale []Upload
	err := l.view(ctx, func(r meta.Reader) error {
		stale = nil
		return eachUpload(r, []byte{tagUpload}, nil, func(up Upload) bool {
			if up.Initiated.Before(cutoff) {
				stale = append(stale, up)
			}
			return true
		})
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, up := range stale {
		if err := l.AbortMultipartUpload(ctx, up.Bucket, up.Key, up.UploadID); err != nil && !errors.Is(err, s3err.ErrNoSuchUpload) {
			return n, err
		}
		n++
	}
	return n, nil
}

// eachUpload calls fn for the upload records whose key starts with p, from
// start (nil for the first) on, until fn returns false.
func eachUpload(r meta.Reader, p, start []byte, fn func(Upload) bool) error {
	it, err := r.NewIter(p, meta.PrefixEnd(p))
	if err != nil {
		return err
	}
	defer it.Close()
	if start == nil {
		start = p
	}
	for ok := it.SeekGE(start); ok; ok = it.Next() {
		k := it.Key()[1:]
		slash, zero := bytes.IndexByte(k, keySeparate), bytes.IndexByte(k, 0)
		if slash < 0 || zero < slash {
			continue
		}
		val, err := it.Value()
		if err != nil {
			return err
		}
		var up Upload
		if err := json.Unmarshal(val, &up); err != nil {
			return err
		}
		up.Bucket, up.Key = string(k[:slash]), string(k[slash+1:zero])
		if !fn(up) {
			break
		}
	}
	return it.Err()
}

// completedReplica is the source version a replica upload completes as:
// the one it was created for, at the time its completion names if it
// names one. An upload whose time neither named is refused.
func completedReplica(created *Replica, completedAt time.Time) (*Replica, error) {
	if created == nil {
		return nil, nil
	}
	r := *created
	if !completedAt.IsZero() {
		r.ModTime = completedAt
	}
	if r.ModTime.IsZero() {
		return nil, s3err.ErrInvalidArgument.WithMessage("A replicated upload needs the source version's time, on its creation or its completion.")
	}
	return &r, nil
}
