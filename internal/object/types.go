package object

import (
	"time"

	"github.com/kurastore/kura/checksum"
	"github.com/kurastore/kura/internal/meta"
)

// Attrs are the stored HTTP attributes of an object, set on PUT and returned
// on GET and HEAD.
type Attrs struct {
	ContentType        string
	ContentEncoding    string
	ContentDisposition string
	ContentLanguage    string
	CacheControl       string
	Expires            string
	// UserMeta holds x-amz-meta-* values by lowercase name without the
	// "x-amz-meta-" prefix.
	UserMeta map[string]string
	// StorageClass is the S3 storage class the writer asked for, "" for
	// STANDARD. kura keeps every object on the same storage; the class
	// is recorded and reported, as clients and lifecycle tools expect.
	StorageClass string `json:",omitempty"`
	// WebsiteRedirectLocation is where a website endpoint redirects
	// requests for the object (x-amz-website-redirect-location).
	WebsiteRedirectLocation string `json:",omitempty"`
}

// ObjectInfo describes one object.
type ObjectInfo struct {
	Bucket       string
	Key          string
	VersionID    string
	Size         int64
	ETag         string // without quotes
	LastModified time.Time
	// Checksums maps an S3 checksum algorithm name to its base64 value.
	// A multipart object's composite checksum ends in "-N".
	Checksums map[string]string
	// ChecksumType is FULL_OBJECT or COMPOSITE when Checksums is set.
	ChecksumType string
	// ChecksumAlgorithm is the algorithm of Checksums, set by every read
	// of a stored record, including listings, which skip the values.
	ChecksumAlgorithm checksum.Algorithm
	// Tags are the object's tag set; nil when listing without metadata.
	Tags map[string]string
	// ACL is the version's access control list (its owner and grants),
	// encoded by the S3 layer, which alone interprets it; nil when the
	// version has none of its own.
	ACL []byte
	// PartsCount is the number of parts of a multipart object, else 0.
	PartsCount int
	// IsDeleteMarker marks a delete marker of a versioned bucket.
	IsDeleteMarker bool
	// IsLatest marks the newest version of its key (version listings).
	IsLatest bool
	// Retention and LegalHold lock the version (object lock buckets).
	Retention Retention
	LegalHold bool
	// LegalHoldSet says the version has a legal hold status, ON or OFF:
	// one was put on it, at its write or since. A version that never had
	// one has no legal hold to show.
	LegalHoldSet bool
	// SSE says how the object is encrypted; its Type is "" when it is not.
	SSE SSE
	// UID identifies the version's record, which a rewrite of the key
	// replaces: TransitionObject takes it to act only on the version the
	// caller evaluated. Reads of one object (GetObject, HeadObject) set
	// it; listings do not.
	UID string
	// Tier names the tier that holds the version's data once a lifecycle
	// rule transitioned it ("" while the data is local); StorageClass is
	// then the tier's name too. Reads read through from the tier.
	Tier string
	// RestoreOngoing says a restore (RestoreObject) is copying the
	// transitioned data back; RestoreExpiry, once it is done, is when
	// the restored copy goes away. Both are zero when no restore was
	// asked for, as S3's x-amz-restore header is then absent.
	RestoreOngoing bool
	RestoreExpiry  time.Time
	// Replication is the version's state per destination (target ARN)
	// on the source side of bucket replication; nil when it is not
	// replicated.
	Replication map[string]ReplicationStatus
	// Replica says the version was written by replication from another
	// bucket.
	Replica bool
	Attrs
}

// BucketInfo describes one bucket.
type BucketInfo struct {
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
	Region  string    `json:"region"`
	// Versioning is "", VersioningEnabled or VersioningSuspended.
	Versioning string `json:"versioning,omitempty"`
	// ExcludedPrefixes and ExcludeFolders (MinIO's extension) name keys
	// that are not versioned in an Enabled bucket: they get the null
	// version, as in a suspended bucket.
	ExcludedPrefixes []string `json:"excludedPrefixes,omitempty"`
	ExcludeFolders   bool     `json:"excludeFolders,omitempty"`
	// ObjectLock is set when the bucket was created with object lock.
	ObjectLock bool `json:"objectLock,omitempty"`
	// LockDefault is the object lock rule for new versions.
	LockDefault DefaultRetention `json:"lockDefault,omitzero"`
	// Owner is the canonical ID of the bucket's creator; "" for buckets
	// created before owners were recorded, which are the root user's.
	Owner string `json:"owner,omitempty"`
}

// Conditions are the HTTP preconditions of a request. Zero fields are
// absent.
type Conditions struct {
	IfMatch           string
	IfNoneMatch       string
	IfModifiedSince   time.Time
	IfUnmodifiedSince time.Time
}

// Range is a single byte range as a Range header states it, before it is
// resolved against the object's size.
type Range struct {
	// Suffix selects the last Length bytes (bytes=-N).
	Suffix bool
	Start  int64
	// End is inclusive; -1 means to the end (bytes=N-).
	End    int64
	Length int64
}

// PutOptions describe a PUT.
type PutOptions struct {
	// Size is the exact number of bytes the body holds; the body must
	// deliver exactly that many.
	Size int64
	// SizeUnknown says the body's length is not known in advance (a form
	// upload): it is read to EOF, up to MaxPutSize, and Size is ignored.
	SizeUnknown bool
	Attrs       Attrs
	// Cond are conditional-write preconditions: IfNoneMatch "*" refuses to
	// overwrite, IfMatch requires the current ETag.
	Cond Conditions
	// ContentMD5 is the decoded Content-MD5, verified when set.
	ContentMD5 []byte
	// Checksum asks for an S3 checksum to be computed, verified when it
	// carries a value, and stored. Without one the object gets
	// DefaultChecksum, as on S3.
	Checksum ChecksumRequest
	// Tags is the tag set to store with the object.
	Tags map[string]string
	// ACL is the access control list to store with the version (see
	// ObjectInfo.ACL).
	ACL []byte
	// Retention and LegalHold lock the new version (object lock
	// buckets); without a retention the bucket's default applies.
	Retention Retention
	LegalHold bool
	// Encryption encrypts the object.
	Encryption Encryption
	// Replica, on a write made by replication, is the source version's
	// id and time, which the version keeps; it is marked Replica and not
	// replicated again.
	Replica *Replica
	// InCommit, when set, makes more changes in the transaction that
	// commits the object, under CommitLocks (held with the object's
	// own): what it writes is committed if and only if the object is.
	// An error from it fails the write. Like any transaction body it may
	// run more than once (meta.Store.Update).
	InCommit    func(meta.Txn) error
	CommitLocks []meta.Lock

	// eventName is the event the write raises when it is not a plain
	// PUT: a copy that rewrites its data is stored by PutObject.
	eventName string
}

// event is the name of the event the write raises: a form upload's is
// s3:ObjectCreated:Post.
func (o PutOptions) event() string {
	switch {
	case o.eventName != "":
		return o.eventName
	case o.SizeUnknown:
		return EventPost
	}
	return EventPut
}

// ChecksumRequest names an S3 checksum algorithm and, optionally, the value
// the client expects.
type ChecksumRequest struct {
	Algorithm checksum.Algorithm // "" for none
	Want      []byte             // nil when the client sent no value
}

// GetOptions describe a GET or HEAD.
type GetOptions struct {
	Range *Range
	Cond  Conditions
	// VersionID reads that version instead of the latest.
	VersionID string
	// PartNumber selects one part of a multipart object (1-based); 0 for
	// the whole object. An object that is not multipart has one part.
	PartNumber int
	// CustomerKey is the SSE-C key of an object stored with one.
	CustomerKey []byte
	// InfoOnly reads the object's info for an operation on its
	// metadata (its ACL), which S3 allows without the SSE-C key. Only
	// HeadObject takes it.
	InfoOnly bool
}

// ListOptions describe a ListObjects request (v1 and v2 alike).
type ListOptions struct {
	Prefix    string
	Delimiter string
	// After lists keys strictly greater than it (marker, start-after, or a
	// continuation token's key).
	After   string
	MaxKeys int
	// WithMetadata also decodes user metadata (MinIO's metadata=true).
	WithMetadata bool
}

// ListResult is one page of a listing.
type ListResult struct {
	Objects        []ObjectInfo
	CommonPrefixes []string
	IsTruncated    bool
	// NextAfter is the last key or common prefix returned: the marker of the
	// next page.
	NextAfter string
}
