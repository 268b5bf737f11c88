// Package object is kura's object layer: buckets, objects, listings and the
// collection of unreferenced blobs. It turns S3 semantics into metadata
// transactions (package meta) and immutable blobs (package blob).
//
// It never sees HTTP: callers hand it names, readers and option structs, and
// get back infos, readers and errors from package s3err.
//
// # Metadata layout
//
// Every key starts with a one-byte keyspace tag (keys.go):
//
//	B<bucket>                 bucket record
//	O<bucket>/<key>           the object record that a GET of <key> serves
//	D<uid>                    inline data of the object record with that uid
//	R<blob id>/<uid>          "object record <uid> references <blob id>"
//	G<blob id>                blob queued for deletion once unreferenced
//	W<blob id>                blob being written, on a shared store (writing.go)
//	V<bucket>/<key>\0<^time><vid>  a noncurrent version (versions.go)
//	U…, P…                    multipart uploads and their parts (multipart.go)
//	C<bucket>/<name>          a bucket configuration document (config.go)
//	X<tier>/<uid>/<blob id>   remote object to delete from a tier (tierqueue.go)
//	Z<due><kind><uid>         restore work: a copy to make or drop (restore.go)
//	N<bucket>\x00             a bucket's folded usage counters (usage.go)
//	N<bucket>/<seq>           one commit's change to them, until folded
//
// Bucket names never contain '/', so O-keys of one bucket are contiguous
// and sorted by object key, and a listing is one range scan. Each object
// record has a random uid, so inline data and blob references belong to a
// record, not to a name: versions and copies that share a blob need no
// other layout. Versions live in their own keyspace (versions.go),
// written in the same atomic batch as the O-key.
//
// # Usage counters
//
// What each bucket holds (objects, versions, bytes, uploads) is counted as
// it changes: the layer's store (usageStore) watches every O-, V-, U- and
// P-key a transaction writes, with the value it replaces, and the
// transaction writes one delta per bucket it changed under a key of its
// own. Reading usage adds a bucket's deltas to its total; the collector
// folds them in. No write takes a lock to count.
//
// # Write path
//
// The body goes to a new blob (or to memory when it is small enough to be
// inlined), is hashed on the way, and is synced; only then is one metadata
// transaction committed that installs the record, its inline data or blob
// reference, and drops the record it replaces. A crash before the commit
// leaves an orphan blob with no reference, which the collector removes.
//
// # Checksums
//
// Every object written gets an S3 checksum of its plaintext, hashed as it
// streams in: the one the client asked for, or S3's default (a
// FULL_OBJECT CRC64NVME, DefaultChecksum) when it asked for none. A
// multipart upload created without an algorithm keeps each part's
// CRC64NVME aside and combines them into the object's (checksum.Combine),
// so no data is read twice. A copy keeps its source's checksum. A copy
// that needs one its source lacks (of an object stored before kura added
// the default, of another algorithm, or full-object where the source's is
// COMPOSITE) reads the source's data to compute it and shares its blobs
// all the same (copyHashed); only a change of encryption writes the data
// anew. Objects stored without a checksum are left as they are.
//
// # Encryption at rest
//
// An encrypted object (SSE-C, SSE-S3, SSE-KMS; encryption.go) has a random
// 256-bit object key of its own. The record keeps it only sealed: by the
// KMS key (SSE-S3, SSE-KMS; envelope encryption through package kms), or
// by a key derived from the customer's key (SSE-C), with an HMAC that
// recognises the customer's key and never the key itself. The seal is
// bound to the bucket and key, so a sealed key moved to another record
// does not open. Every blob, multipart part and inline value is a
// cipherstream (64 KiB AES-256-GCM packages) under a key derived from the
// object key and the blob id (or the record uid for inline data), so no
// two streams share a key and nonces can be counters. Sizes, offsets,
// ETags (MD5 of the plaintext) and checksums are of the plaintext; a
// range read decrypts only the packages it needs. Copies of encrypted
// objects decrypt and encrypt again under the copy's own key.
//
// # Transitions
//
// A lifecycle rule can move a version's data to a tier (package tier):
// TransitionObject uploads each blob as stored (ciphertext stays
// ciphertext) to a remote object <uid>/<blob id> and commits a record
// that names the tier and keeps its blob ids, so reads keep their
// layout and read through from the tier (transition.go, read.go).
// Remote objects are deleted through a durable queue (tierqueue.go), and
// RestoreObject keeps a temporary local copy (restore.go); the collector
// does both.
//
// # Transactions that run again, commits that fail
//
// Every metadata transaction's closure may run more than once (pgstore
// retries serialization failures), so each starts from nothing it kept
// from an earlier run; KURA_META_RERUN=1 runs the tests with every
// closure run twice (internal/meta/faultmeta).
//
// A commit that reports an error may still have happened (a shared store
// that lost its connection during COMMIT). What the layer promises then:
// the call returns the error, and the object (or part) either does not
// exist or exists whole. A write whose own checks refused it deletes its
// blob at once; one whose commit failed leaves the blob to the orphan
// sweep, which deletes it after OrphanGrace only if nothing references
// it, so an object that did commit never points at deleted data. A
// client that retries gets a normal answer: a PUT replaces the object; a
// CompleteMultipartUpload repeated while the object it made is current
// gets the same answer; a part upload replaces the part; a delete of a
// missing key succeeds.
package object
