// Package cipherstream is kura's encrypted data format: a stream cut into
// packages of PackageSize plaintext bytes, each sealed on its own with
// AES-256-GCM. It is how SSE-C, SSE-S3 and SSE-KMS objects are stored,
// in blobs and inline alike.
//
// Every package is authenticated, so a flipped bit anywhere gives
// ErrAuth, never altered bytes. The nonce of package i is i itself with a
// flag on the last package, so packages cannot be reordered, dropped or
// appended, and the stream cannot be cut short at a package boundary.
// Because packages have a fixed size, a range read opens and decrypts only
// the packages that hold the range (see Span).
//
// A key must seal one stream only: nonces are counters, so two streams
// under one key would reuse them. Callers derive a key per stream with
// StreamKey from the object's key and a salt that is unique to the stream
// (kura uses the blob id, or the record id of inline data).
//
//	stream  = package*            (at least one; the last may be short)
//	package = AES-256-GCM(key, nonce(i, last), plaintext[≤ PackageSize]) + 16-byte tag
//	nonce   = uint64be(i) || byte(last) || 0x000000
//
// The package does not know about objects, KMS or S3.
package cipherstream
