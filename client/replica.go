package client

import (
	"net/http"
	"time"
)

// Headers of a replication request, as MinIO sends them and kura reads
// them.
const (
	replicationRequestHeader = "X-Minio-Source-Replication-Request"
	replicationStatusHeader  = "X-Amz-Replication-Status"
	sourceMtimeHeader        = "X-Minio-Source-Mtime"
	sourceDeleteMarkerHeader = "X-Minio-Source-DeleteMarker"
	replicaStatus            = "REPLICA"
)

// ReplicaOptions send a write as a replication request, in the protocol
// MinIO uses between a bucket and its replication targets (kura speaks
// it both ways): the destination stores the write with the source's
// version id and time and marks the version REPLICA. The credentials
// need s3:ReplicateObject (writes of objects, retention and legal hold),
// s3:ReplicateDelete (deletes) or s3:ReplicateTags (tags) on the
// destination.
type ReplicaOptions struct {
	// VersionID is the source version's id ("null" for the null
	// version); it must be set.
	VersionID string
	// ModTime is the source version's Last-Modified time; the zero time
	// sends none and leaves the time to the destination.
	ModTime time.Time
	// DeleteMarker makes RemoveObject create a delete marker with
	// VersionID at ModTime instead of deleting that version. The other
	// calls refuse it.
	DeleteMarker bool
}

// check refuses options that cannot make a replication request; nil
// options are no replication request and are fine. deleteOK says the
// call may create a delete marker.
func (o *ReplicaOptions) check(deleteOK bool) error {
	switch {
	case o == nil:
		return nil
	case o.VersionID == "":
		return invalidArgument("a replica write needs the source's version id")
	case o.DeleteMarker && !deleteOK:
		return invalidArgument("only RemoveObject creates replica delete markers")
	}
	return nil
}

// setHeaders marks h as a replication request of the version o
// describes.
func (o *ReplicaOptions) setHeaders(h http.Header) {
	h.Set(replicationRequestHeader, "true")
	h.Set(replicationStatusHeader, replicaStatus)
	if !o.ModTime.IsZero() {
		h.Set(sourceMtimeHeader, o.ModTime.UTC().Format(time.RFC3339Nano))
	}
	if o.DeleteMarker {
		h.Set(sourceDeleteMarkerHeader, "true")
	}
}

// replicaVersion is the version id a call that also names a version in
// its own options sends with o: the two must agree when both are given.
// deleteOK says the call may create a delete marker.
func replicaVersion(o *ReplicaOptions, versionID string, deleteOK bool) (string, error) {
	if o == nil {
		return versionID, nil
	}
	if versionID != "" && o.VersionID != "" && versionID != o.VersionID {
		return "", invalidArgument("VersionID %q and Replica.VersionID %q differ", versionID, o.VersionID)
	}
	if versionID == "" {
		versionID = o.VersionID
	}
	copied := *o
	copied.VersionID = versionID
	return versionID, copied.check(deleteOK)
}
