package object

import (
	"errors"

	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/s3err"
)

// ReplicationConfigName is the bucket configuration document that holds
// the bucket's replication configuration.
const ReplicationConfigName = "replication"

// ErrReplicationNeedsVersioning refuses a replication configuration on
// a bucket whose versioning is not Enabled: a replica keeps its source
// version's id.
var ErrReplicationNeedsVersioning = s3err.ErrInvalidRequest.WithMessage("Versioning must be 'Enabled' on the bucket to apply a replication configuration")

var errReplicationPinsVersioning = s3err.ErrInvalidBucketState.WithMessage("A replication configuration is present on this bucket, so the versioning state cannot be changed.")

// checkConfigChange refuses to store document name on b when the bucket's
// state forbids it. It runs in the change's transaction, under the bucket
// lock versioning changes take, so the two cannot cross.
func checkConfigChange(b BucketInfo, name string, doc []byte) error {
	if name == ReplicationConfigName && doc != nil && b.Versioning != VersioningEnabled {
		return ErrReplicationNeedsVersioning
	}
	return nil
}

// checkVersioningChange refuses to leave versioning Enabled while the
// bucket has a replication configuration.
func checkVersioningChange(r meta.Reader, bucket, status string) error {
	if status == VersioningEnabled {
		return nil
	}
	_, err := r.Get(configKey(bucket, ReplicationConfigName))
	switch {
	case err == nil:
		return errReplicationPinsVersioning
	case errors.Is(err, meta.ErrNotFound):
		return nil
	}
	return err
}
