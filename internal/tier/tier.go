// Package tier defines the places object data moves to when a lifecycle
// rule transitions it: a bucket on another S3 endpoint (s3tier) or a
// directory on a cheaper disk (dirtier). The object layer keeps the
// object's metadata, versions, tags and locks; only the data moves, and
// a read of a transitioned object reads through from its tier.
package tier

import (
	"context"
	"errors"
	"io"
)

var (
	// ErrNotFound is returned by Open for an object the tier does not hold.
	ErrNotFound = errors.New("tier: object not found")
	// ErrUnavailable wraps the failures of a tier that cannot be reached
	// (a refused connection, a timeout, a 5xx answer): the operation may
	// succeed later and nothing was lost.
	ErrUnavailable = errors.New("tier: unavailable")
	// ErrNoSuchTier is returned for a tier name that is not defined.
	ErrNoSuchTier = errors.New("tier: no such tier")
)

// Tier stores immutable objects under names the object layer chooses.
// Implementations are safe for concurrent use.
type Tier interface {
	// Put stores size bytes read from r as the object name, replacing one
	// of that name. It returns only once the object is durable on the
	// tier.
	Put(ctx context.Context, name string, r io.Reader, size int64) error
	// Open returns length bytes of the object name from offset.
	// offset+length must not exceed the object's size.
	Open(ctx context.Context, name string, offset, length int64) (io.ReadCloser, error)
	// Delete removes the object name; a missing one is not an error.
	Delete(ctx context.Context, name string) error
	// Check reports whether the tier is reachable and writable.
	Check(ctx context.Context) error
}

// Source finds a tier by its name (the storage class that lifecycle
// rules and listings use for it).
type Source interface {
	Tier(ctx context.Context, name string) (Tier, error)
}
