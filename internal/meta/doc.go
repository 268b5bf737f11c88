// Package meta defines kura's metadata store: a small ordered, transactional
// key-value interface. Everything that describes buckets and objects lives
// here; object bytes live in package blob.
//
// The interface is deliberately tiny so that very different engines can
// implement it: pebblestore (embedded, the single-node default) and pgstore
// (PostgreSQL, shared by several gateways). Every implementation runs the
// conformance suite in metatest.
//
// This package knows nothing about S3: keys and values are opaque bytes. The
// key layout is owned by the object layer (internal/object).
package meta
