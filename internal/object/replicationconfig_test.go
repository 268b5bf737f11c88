package object

import (
	"context"
	"errors"
	"testing"

	"github.com/kurastore/kura/s3err"
)

// TestReplicationConfigPinsVersioning: a replication configuration is
// stored only on a bucket whose versioning is Enabled, and while it is
// there versioning cannot be suspended.
func TestReplicationConfigPinsVersioning(t *testing.T) {
	ctx := context.Background()
	l := newTestLayer(t)
	doc := []byte("<ReplicationConfiguration/>")
	mustCreateBucket(t, l, "repl")
	if err := l.SetBucketConfig(ctx, "repl", ReplicationConfigName, doc); !errors.Is(err, s3err.ErrInvalidRequest) {
		t.Fatalf("on a bucket never versioned: %v", err)
	}
	if err := l.SetBucketVersioning(ctx, "repl", VersioningConfig{Status: VersioningSuspended}); err != nil {
		t.Fatal(err)
	}
	if err := l.SetBucketConfig(ctx, "repl", ReplicationConfigName, doc); !errors.Is(err, s3err.ErrInvalidRequest) {
		t.Fatalf("on a suspended bucket: %v", err)
	}
	if err := l.SetBucketVersioning(ctx, "repl", VersioningConfig{Status: VersioningEnabled}); err != nil {
		t.Fatal(err)
	}
	if err := l.SetBucketConfig(ctx, "repl", ReplicationConfigName, doc); err != nil {
		t.Fatal(err)
	}
	if err := l.SetBucketVersioning(ctx, "repl", VersioningConfig{Status: VersioningSuspended}); !errors.Is(err, s3err.ErrInvalidBucketState) {
		t.Fatalf("suspending under a replication configuration: %v", err)
	}
	// Enabling again changes nothing and is allowed.
	if err := l.SetBucketVersioning(ctx, "repl", VersioningConfig{Status: VersioningEnabled}); err != nil {
		t.Fatal(err)
	}
	if err := l.SetBucketConfig(ctx, "repl", ReplicationConfigName, nil); err != nil {
		t.Fatal(err)
	}
	if err := l.SetBucketVersioning(ctx, "repl", VersioningConfig{Status: VersioningSuspended}); err != nil {
		t.Fatalf("suspending once the configuration is gone: %v", err)
	}
	// Deleting a configuration that is not there needs no versioning.
	if err := l.SetBucketConfig(ctx, "repl", ReplicationConfigName, nil); err != nil {
		t.Fatal(err)
	}
}
