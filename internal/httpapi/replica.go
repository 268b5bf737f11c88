package httpapi

import (
	"strings"
	"time"

	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/s3err"
)

// The receiving side of bucket replication. A replicating source (kura or
// MinIO, which defined this protocol) writes to its destination with
// ordinary S3 requests marked by these headers: the version keeps the
// source's id (the versionId query parameter) and time.
const (
	replicationRequestHeader = "X-Minio-Source-Replication-Request"
	sourceMtimeHeader        = "X-Minio-Source-Mtime"
	sourceDeleteMarkerHeader = "X-Minio-Source-DeleteMarker"
)

// replicationActions are the IAM actions a replication request of an
// operation is authorized as, instead of the operation's own: only a
// caller allowed to replicate may store a version under an id it chose,
// marked REPLICA.
var replicationActions = map[string]string{
	"PutObject":               "s3:ReplicateObject",
	"CreateMultipartUpload":   "s3:ReplicateObject",
	"UploadPart":              "s3:ReplicateObject",
	"CompleteMultipartUpload": "s3:ReplicateObject",
	"AbortMultipartUpload":    "s3:ReplicateObject",
	"PutObjectRetention":      "s3:ReplicateObject",
	"PutObjectLegalHold":      "s3:ReplicateObject",
	"DeleteObject":            "s3:ReplicateDelete",
	"PutObjectTagging":        "s3:ReplicateTags",
	"DeleteObjectTagging":     "s3:ReplicateTags",
}

// isReplicationRequest reports whether the request says it comes from a
// replicating source.
func isReplicationRequest(rq *request) bool {
	return strings.EqualFold(rq.http.Header.Get(replicationRequestHeader), "true")
}

// replicationAction is the IAM action the request is authorized as when
// it is a replication request of an operation replication makes; "" for
// any other request, which is authorized as its operation.
func replicationAction(rq *request, op string) string {
	if !isReplicationRequest(rq) {
		return ""
	}
	return replicationActions[op]
}

// replicaVersion is the source version a replication request writes: the
// versionId it names and, when needsTime, the X-Minio-Source-Mtime it
// carries. It is nil for a request that is not a replication request.
func replicaVersion(rq *request, needsTime bool) (*object.Replica, error) {
	if !isReplicationRequest(rq) {
		return nil, nil
	}
	vid := versionID(rq)
	if vid == "" {
		return nil, s3err.ErrInvalidArgument.WithMessage("A replication request must name the version it replicates (versionId).")
	}
	r := &object.Replica{VersionID: vid}
	if !needsTime {
		return r, nil
	}
	t, err := replicaTime(rq, true)
	if err != nil {
		return nil, err
	}
	r.ModTime = t
	return r, nil
}

// replicaUpload is the source version a replication request creating a
// multipart upload writes. Its time may be left to the completion, where
// MinIO sends it; kura sends it with both.
func replicaUpload(rq *request) (*object.Replica, error) {
	r, err := replicaVersion(rq, false)
	if err != nil || r == nil {
		return r, err
	}
	r.ModTime, err = replicaTime(rq, false)
	return r, err
}

// replicaTime is the source version's time a replication request
// carries in X-Minio-Source-Mtime: the zero time when it carries none
// and none is required.
func replicaTime(rq *request, required bool) (time.Time, error) {
	mtime := rq.http.Header.Get(sourceMtimeHeader)
	if mtime == "" && !required {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, mtime)
	if err != nil {
		return time.Time{}, s3err.ErrInvalidArgument.WithMessage("%s must be the source version's time in RFC 3339 format, not %q.", sourceMtimeHeader, mtime)
	}
	return t, nil
}

// replicaDeleteOptions are a DELETE's options when it is a replication
// request: a delete marker with the source's id and time
// (X-Minio-Source-DeleteMarker: true), or the delete of that version.
func replicaDeleteOptions(rq *request, opts *object.DeleteOptions) error {
	marker := strings.EqualFold(rq.http.Header.Get(sourceDeleteMarkerHeader), "true")
	r, err := replicaVersion(rq, marker)
	if err != nil || r == nil {
		return err
	}
	opts.Replica, opts.DeleteMarker = r, marker
	return nil
}

// replicationStatusHeaders is the version's x-amz-replication-status,
// absent when it is not replicated.
func replicationStatusHeaders(info object.ObjectInfo) headers {
	st := info.ReplicationState()
	if st == "" {
		return nil
	}
	return headers{{"x-amz-replication-status", string(st)}}
}
