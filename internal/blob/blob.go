package blob

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"time"
)

var (
	// ErrNotFound is returned when a blob does not exist.
	ErrNotFound = errors.New("blob: not found")
	// ErrCorrupt is returned when stored bytes fail their checksum or the
	// blob is shorter or longer than its framing says.
	ErrCorrupt = errors.New("blob: checksum mismatch, data is corrupt")
	// ErrInvalidID is returned for an id that is not one this package makes.
	ErrInvalidID = errors.New("blob: invalid id")
	// ErrNoSpace is returned when the store has no room left for a write.
	ErrNoSpace = errors.New("blob: no space left")
)

// ID names a blob: 32 lowercase hex digits (128 random bits).
type ID string

// NewID returns a fresh random blob id. The caller picks a blob's id before
// creating it, so that it can record the write (in a metadata store that
// other servers' collectors read) before the blob exists anywhere.
func NewID() ID {
	var raw [16]byte
	_, _ = rand.Read(raw[:]) // never fails on supported platforms
	return ID(hex.EncodeToString(raw[:]))
}

// Store holds immutable blobs. Implementations are safe for concurrent use.
type Store interface {
	// Create starts a new blob named id, which the caller got from NewID.
	// It fails, and touches nothing, if a blob of that id exists or id is
	// not a valid id (ErrInvalidID). The blob may be visible to Walk from
	// the moment Create starts, before it is committed.
	Create(ctx context.Context, id ID) (Writer, error)

	// Open returns a reader of length bytes starting at offset in the
	// blob's data. Every block it returns has been verified; a damaged
	// block makes Read return an error wrapping ErrCorrupt, never the bad
	// bytes. offset+length must not exceed the blob's size.
	Open(ctx context.Context, id ID, offset, length int64) (io.ReadCloser, error)

	// Size returns the number of data bytes in the blob.
	Size(ctx context.Context, id ID) (int64, error)

	// Delete removes a blob. Deleting a missing blob is not an error.
	Delete(ctx context.Context, id ID) error

	// Walk calls fn for every committed blob, in no particular order, with
	// the time it was last written. It is used by the garbage collector.
	// Blobs being written may or may not be visited.
	Walk(ctx context.Context, fn func(id ID, modTime time.Time) error) error
}

// Writer receives the data of one new blob.
type Writer interface {
	io.Writer
	// ID is the blob's id, known from the start.
	ID() ID
	// Commit makes the blob durable (data and directory entry synced) and
	// returns its data size. After Commit returns nil the blob survives a
	// crash.
	Commit() (size int64, err error)
	// Abort discards the blob. It is safe to call after Commit failed, and
	// a no-op after Commit succeeded.
	Abort() error
}
