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
//
// Bucket names never contain '/', so O-keys of one bucket are contiguous
// and sorted by object key, and a listing is one range scan. Each object
// record has a random uid, so inline data and blob references belong to a
// record, not to a name, and later features (versions, copies that share a
// blob) need no change of layout. Versions will live in their own keyspace,
// written in the same atomic batch as the O-key.
//
// # Write path
//
// The body goes to a new blob (or to memory when it is small enough to be
// inlined), is hashed on the way, and is synced; only then is one metadata
// transaction committed that installs the record, its inline data or blob
// reference, and drops the record it replaces. A crash before the commit
// leaves an orphan blob with no reference, which the collector removes.
package object
