package object

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"slices"
	"sort"
	"time"

	"github.com/kurastore/kura/checksum"
)

// An object record is stored in a small tag-length-value encoding rather
// than JSON: listings decode one record per key, and this keeps a 100k-key
// listing cheap. Unknown tags are skipped, so new fields can be added
// without a migration; a tag's meaning never changes.
//
//	record  = version:byte field*
//	field   = tag:uvarint len:uvarint bytes[len]
const recordVersion = 1

const (
	fUID                = 1
	fSize               = 2
	fETag               = 3
	fModified           = 4 // unix nanoseconds
	fContentType        = 5
	fContentEncoding    = 6
	fContentDisposition = 7
	fContentLanguage    = 8
	fCacheControl       = 9
	fExpires            = 10
	fUserMeta           = 11 // one field per entry: uvarint(len(name)) name value
	fBlobID             = 12
	fInline             = 13 // present (empty) when the data is inline
	fVersionID          = 14
	fChecksum           = 15 // one field per algorithm: uvarint(len(alg)) alg value
	fPart               = 16 // one field per part, in order: uvarint(size) uvarint(len(etag)) etag blobID
	fTag                = 17 // one field per tag, as fUserMeta
	fChecksumType       = 18
	fDeleteMarker       = 19 // present (empty) on a delete marker
	fRetentionMode      = 20
	fRetainUntil        = 21 // unix nanoseconds
	fLegalHold          = 22 // present (empty) while a legal hold is on
	fSSEType            = 23 // SSEC, SSES3 or SSEKMS; absent when unencrypted
	fSSEKeyID           = 24
	fSSEContext         = 25
	fSSESealedKey       = 26
	fSSEKeyCheck        = 27
	fInlineSum          = 28 // CRC-32C (Castagnoli) of the inline value as stored, 4 bytes big-endian
	fUploadID           = 29 // the multipart upload a manifest was completed from
	fPartChecksum       = 30 // one field per part, in order, after the fPart fields: the part's checksum (may be empty)
	fStorageClass       = 31 // absent for STANDARD
	fWebsiteRedirect    = 32 // x-amz-website-redirect-location; absent when none
	fLegalHoldOff       = 33 // present (empty) when a legal hold was set and is now off
	fTier               = 34 // the tier holding the data; absent while it is local
	fRestoreBlob        = 35 // one field per blob (or one for inline data), in order: the local blob id of its restored copy
	fRestoreExpiry      = 36 // unix nanoseconds: when the restored copy expires
	fRestoreOngoing     = 37 // present (empty) while a restore is copying the data back
	fReplica            = 38 // present (empty) on a version written by replication
	fReplTarget         = 39 // one field per replication target: uvarint(len(arn)) arn status
	fACL                = 40 // the version's ACL, as the S3 layer encoded it
)

var errBadRecord = errors.New("object: malformed metadata record")

// errInlineDamaged reports an inline value that fails its checksum.
var errInlineDamaged = errors.New("object: inline data fails its checksum")

// record is what an O-key holds: the object's info and where its data is.
type record struct {
	UID    string
	BlobID string // empty when Inline or multipart
	Inline bool
	// InlineSum is the CRC-32C of the inline value as stored (sealed, when
	// encrypted); HasInlineSum is false for records written before kura
	// kept it.
	InlineSum    uint32
	HasInlineSum bool
	// Parts is the manifest of a completed multipart upload: the object is
	// the concatenation of these blobs.
	Parts []partRef
	// UploadID is the multipart upload whose completion made the record,
	// so that a repeated CompleteMultipartUpload can be answered.
	UploadID string
	// RestoreBlobs are the local blobs of the restored copy of a
	// transitioned version, one per entry of blobIDs, in order (the blob
	// ids name the remote objects, and stay the keys the data is
	// encrypted under). A restored inline version keeps its copy as its
	// inline value instead, and lists none.
	RestoreBlobs []string
	Info         ObjectInfo // Bucket and Key are not stored: they are in the key
}

// partRef is one part of a multipart object's manifest.
type partRef struct {
	Size   int64
	ETag   string
	BlobID string
	// Checksum is the part's checksum, in the object's algorithm, when
	// the upload had one.
	Checksum string
}

// blobIDs lists every blob the record references.
func (r *record) blobIDs() []string {
	if r.BlobID != "" {
		return []string{r.BlobID}
	}
	ids := make([]string, 0, len(r.Parts))
	for _, p := range r.Parts {
		ids = append(ids, p.BlobID)
	}
	return ids
}

// remote reports whether the record's data was transitioned to a tier.
func (r *record) remote() bool { return r.Info.Tier != "" }

// remoteInlineID stands for the inline value in the name of its remote
// object: a transitioned inline version's value goes to the tier as one
// object, <uid>/inline, and leaves the metadata store.
const remoteInlineID = "inline"

// dataIDs names the pieces of the record's data: its blobs, in order, or
// remoteInlineID for an inline value.
func (r *record) dataIDs() []string {
	if r.Inline {
		return []string{remoteInlineID}
	}
	return r.blobIDs()
}

// remoteName is the name on its tier of piece id of record uid's data.
func remoteName(uid, id string) string { return uid + "/" + id }

func appendField(b []byte, tag uint64, val []byte) []byte {
	b = binary.AppendUvarint(b, tag)
	b = binary.AppendUvarint(b, uint64(len(val)))
	return append(b, val...)
}

func appendString(b []byte, tag uint64, s string) []byte {
	if s == "" {
		return b
	}
	b = binary.AppendUvarint(b, tag)
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendUint(b []byte, tag uint64, v uint64) []byte {
	var tmp [binary.MaxVarintLen64]byte
	return appendField(b, tag, binary.AppendUvarint(tmp[:0], v))
}

func appendPairs(b []byte, tag uint64, m map[string]string) []byte {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names) // deterministic bytes for equal records
	for _, k := range names {
		v := m[k]
		pair := binary.AppendUvarint(make([]byte, 0, 2+len(k)+len(v)), uint64(len(k)))
		pair = append(pair, k...)
		pair = append(pair, v...)
		b = appendField(b, tag, pair)
	}
	return b
}

func (r *record) encode() []byte {
	in := &r.Info
	b := make([]byte, 0, 128)
	b = append(b, recordVersion)
	b = appendString(b, fUID, r.UID)
	b = appendUint(b, fSize, uint64(in.Size))
	b = appendString(b, fETag, in.ETag)
	b = appendUint(b, fModified, uint64(in.LastModified.UnixNano()))
	b = appendString(b, fContentType, in.ContentType)
	b = appendString(b, fContentEncoding, in.ContentEncoding)
	b = appendString(b, fContentDisposition, in.ContentDisposition)
	b = appendString(b, fContentLanguage, in.ContentLanguage)
	b = appendString(b, fCacheControl, in.CacheControl)
	b = appendString(b, fExpires, in.Expires)
	b = appendString(b, fStorageClass, in.StorageClass)
	b = appendString(b, fWebsiteRedirect, in.WebsiteRedirectLocation)
	b = appendPairs(b, fUserMeta, in.UserMeta)
	b = appendString(b, fBlobID, r.BlobID)
	if r.Inline {
		b = appendField(b, fInline, nil)
		if r.HasInlineSum {
			b = appendField(b, fInlineSum, binary.BigEndian.AppendUint32(nil, r.InlineSum))
		}
	}
	b = appendString(b, fVersionID, in.VersionID)
	b = appendPairs(b, fChecksum, in.Checksums)
	b = appendString(b, fChecksumType, in.ChecksumType)
	b = appendPairs(b, fTag, in.Tags)
	if in.ACL != nil {
		b = appendField(b, fACL, in.ACL)
	}
	if in.IsDeleteMarker {
		b = appendField(b, fDeleteMarker, nil)
	}
	if in.Retention.Mode != "" {
		b = appendString(b, fRetentionMode, in.Retention.Mode)
		b = appendUint(b, fRetainUntil, uint64(in.Retention.RetainUntil.UnixNano()))
	}
	if in.LegalHold {
		b = appendField(b, fLegalHold, nil)
	} else if in.LegalHoldSet {
		b = appendField(b, fLegalHoldOff, nil)
	}
	if sse := in.SSE; sse.Type != "" {
		b = appendString(b, fSSEType, sse.Type)
		b = appendString(b, fSSEKeyID, sse.KMSKeyID)
		b = appendString(b, fSSEContext, sse.Context)
		b = appendField(b, fSSESealedKey, sse.SealedKey)
		if sse.KeyCheck != nil {
			b = appendField(b, fSSEKeyCheck, sse.KeyCheck)
		}
	}
	for _, p := range r.Parts {
		v := binary.AppendUvarint(nil, uint64(p.Size))
		v = binary.AppendUvarint(v, uint64(len(p.ETag)))
		v = append(v, p.ETag...)
		v = append(v, p.BlobID...)
		b = appendField(b, fPart, v)
	}
	if slices.ContainsFunc(r.Parts, func(p partRef) bool { return p.Checksum != "" }) {
		for _, p := range r.Parts {
			b = appendField(b, fPartChecksum, []byte(p.Checksum))
		}
	}
	b = appendString(b, fUploadID, r.UploadID)
	b = appendString(b, fTier, in.Tier)
	for _, id := range r.RestoreBlobs {
		b = appendField(b, fRestoreBlob, []byte(id))
	}
	if !in.RestoreExpiry.IsZero() {
		b = appendUint(b, fRestoreExpiry, uint64(in.RestoreExpiry.UnixNano()))
	}
	if in.RestoreOngoing {
		b = appendField(b, fRestoreOngoing, nil)
	}
	if in.Replica {
		b = appendField(b, fReplica, nil)
	}
	return appendReplication(b, in.Replication)
}

// appendReplication encodes the per-target replication states, sorted by
// target so that equal records encode equally.
func appendReplication(b []byte, m map[string]ReplicationStatus) []byte {
	targets := make([]string, 0, len(m))
	for arn := range m {
		targets = append(targets, arn)
	}
	sort.Strings(targets)
	for _, arn := range targets {
		st := m[arn]
		v := binary.AppendUvarint(make([]byte, 0, 2+len(arn)+len(st)), uint64(len(arn)))
		v = append(v, arn...)
		v = append(v, st...)
		b = appendField(b, fReplTarget, v)
	}
	return b
}

func decodeUint(v []byte) (uint64, error) {
	n, k := binary.Uvarint(v)
	if k <= 0 || k != len(v) {
		return 0, errBadRecord
	}
	return n, nil
}

func decodePair(v []byte) (string, string, error) {
	n, k := binary.Uvarint(v)
	if k <= 0 || n > uint64(len(v)-k) {
		return "", "", errBadRecord
	}
	return string(v[k : k+int(n)]), string(v[k+int(n):]), nil
}

// decodeRecord parses b. With withUserMeta false it skips user metadata and
// checksums, which a plain listing does not need.
func decodeRecord(b []byte, withUserMeta bool) (record, error) {
	var r record
	if len(b) == 0 || b[0] != recordVersion {
		return r, fmt.Errorf("%w: unknown version", errBadRecord)
	}
	b = b[1:]
	in := &r.Info
	var partSums []string
	for len(b) > 0 {
		tag, v, rest, ok := nextField(b)
		if !ok {
			return r, errBadRecord
		}
		b = rest
		var err error
		switch tag {
		case fUID:
			r.UID = string(v)
		case fSize:
			var u uint64
			u, err = decodeUint(v)
			in.Size = int64(u)
		case fETag:
			in.ETag = string(v)
		case fModified:
			var u uint64
			u, err = decodeUint(v)
			in.LastModified = time.Unix(0, int64(u)).UTC()
		case fContentType:
			in.ContentType = string(v)
		case fContentEncoding:
			in.ContentEncoding = string(v)
		case fContentDisposition:
			in.ContentDisposition = string(v)
		case fContentLanguage:
			in.ContentLanguage = string(v)
		case fCacheControl:
			in.CacheControl = string(v)
		case fExpires:
			in.Expires = string(v)
		case fUserMeta, fChecksum, fTag:
			if tag == fChecksum {
				in.ChecksumAlgorithm = checksumAlgorithmOf(v)
			}
			if !withUserMeta {
				continue
			}
			var name, val string
			if name, val, err = decodePair(v); err != nil {
				break
			}
			m := &in.UserMeta
			switch tag {
			case fChecksum:
				m = &in.Checksums
			case fTag:
				m = &in.Tags
			}
			if *m == nil {
				*m = make(map[string]string)
			}
			(*m)[name] = val
		case fACL:
			in.ACL = append([]byte(nil), v...)
		case fBlobID:
			r.BlobID = string(v)
		case fInline:
			r.Inline = true
		case fInlineSum:
			if len(v) != 4 {
				return r, errBadRecord
			}
			r.InlineSum, r.HasInlineSum = binary.BigEndian.Uint32(v), true
		case fVersionID:
			in.VersionID = string(v)
		case fChecksumType:
			in.ChecksumType = string(v)
		case fDeleteMarker:
			in.IsDeleteMarker = true
		case fRetentionMode:
			in.Retention.Mode = string(v)
		case fRetainUntil:
			var u uint64
			u, err = decodeUint(v)
			in.Retention.RetainUntil = time.Unix(0, int64(u)).UTC()
		case fLegalHold:
			in.LegalHold, in.LegalHoldSet = true, true
		case fLegalHoldOff:
			in.LegalHoldSet = true
		case fSSEType:
			in.SSE.Type = string(v)
		case fSSEKeyID:
			in.SSE.KMSKeyID = string(v)
		case fSSEContext:
			in.SSE.Context = string(v)
		case fSSESealedKey:
			in.SSE.SealedKey = bytes.Clone(v)
		case fSSEKeyCheck:
			in.SSE.KeyCheck = bytes.Clone(v)
		case fPart:
			var p partRef
			p, err = decodePart(v)
			r.Parts = append(r.Parts, p)
			in.PartsCount = len(r.Parts)
		case fUploadID:
			r.UploadID = string(v)
		case fPartChecksum:
			partSums = append(partSums, string(v))
		case fStorageClass:
			in.StorageClass = string(v)
		case fWebsiteRedirect:
			in.WebsiteRedirectLocation = string(v)
		case fTier:
			in.Tier = string(v)
		case fRestoreBlob:
			r.RestoreBlobs = append(r.RestoreBlobs, string(v))
		case fRestoreExpiry:
			var u uint64
			u, err = decodeUint(v)
			in.RestoreExpiry = time.Unix(0, int64(u)).UTC()
		case fRestoreOngoing:
			in.RestoreOngoing = true
		case fReplica:
			in.Replica = true
		case fReplTarget:
			var arn, st string
			if arn, st, err = decodePair(v); err != nil {
				break
			}
			if in.Replication == nil {
				in.Replication = make(map[string]ReplicationStatus)
			}
			in.Replication[arn] = ReplicationStatus(st)
		}
		if err != nil {
			return r, err
		}
	}
	if len(partSums) == len(r.Parts) {
		for i, sum := range partSums {
			r.Parts[i].Checksum = sum
		}
	}
	return r, nil
}

// checksumAlgorithmOf is the algorithm a checksum field names, without
// copying the name: listings read it for every entry.
func checksumAlgorithmOf(pair []byte) checksum.Algorithm {
	n, k := binary.Uvarint(pair)
	if k <= 0 || n > uint64(len(pair)-k) {
		return ""
	}
	name := pair[k : k+int(n)]
	for _, alg := range checksum.All {
		if string(name) == string(alg) {
			return alg
		}
	}
	return ""
}

func decodePart(v []byte) (partRef, error) {
	size, k := binary.Uvarint(v)
	if k <= 0 {
		return partRef{}, errBadRecord
	}
	v = v[k:]
	n, k := binary.Uvarint(v)
	if k <= 0 || n > uint64(len(v)-k) {
		return partRef{}, errBadRecord
	}
	return partRef{Size: int64(size), ETag: string(v[k : k+int(n)]), BlobID: string(v[k+int(n):])}, nil
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// setInline makes r an inline record whose stored value is data.
func (r *record) setInline(data []byte) {
	r.Inline, r.BlobID, r.Parts = true, "", nil
	r.InlineSum, r.HasInlineSum = crc32.Checksum(data, castagnoli), true
}

// checkInline verifies a stored inline value against the record: a
// damaged value is an error, never data.
func (r *record) checkInline(data []byte) error {
	if r.HasInlineSum && crc32.Checksum(data, castagnoli) != r.InlineSum {
		return errInlineDamaged
	}
	return nil
}

// nextField splits an encoded record's next field off b: its tag, its
// value and what follows; ok is false when b is cut short.
func nextField(b []byte) (tag uint64, v, rest []byte, ok bool) {
	tag, k := binary.Uvarint(b)
	if k <= 0 {
		return 0, nil, nil, false
	}
	b = b[k:]
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return 0, nil, nil, false
	}
	return tag, b[k : k+int(n)], b[k+int(n):], true
}
