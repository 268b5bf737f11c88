// Package blob defines kura's data store: immutable blobs named by random
// ids. A blob is written once, made durable by Commit, read by range, and
// deleted; it is never modified in place.
//
// Every blob is stored in the framed format of this package (format.go):
// the data is cut into fixed-size blocks, each followed by its CRC-32C.
// Readers verify every block they return, so a damaged blob yields
// ErrCorrupt and never bad bytes. Implementations (dirstore, over a local
// or a shared directory; faultstore wraps one to inject faults) store the
// framed bytes and all run the conformance suite in blobtest.
//
// This package knows nothing about objects or S3. Which blobs are still
// referenced is the object layer's business (internal/object).
package blob
