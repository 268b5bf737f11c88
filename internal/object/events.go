package object

import (
	"context"
	"errors"
	"time"

	"github.com/kurastore/kura/internal/meta"
)

// Event names the layer's changes raise, as S3 names them.
const (
	EventPut                 = "s3:ObjectCreated:Put"
	EventPost                = "s3:ObjectCreated:Post"
	EventCopy                = "s3:ObjectCreated:Copy"
	EventCompleteMultipart   = "s3:ObjectCreated:CompleteMultipartUpload"
	EventDelete              = "s3:ObjectRemoved:Delete"
	EventDeleteMarkerCreated = "s3:ObjectRemoved:DeleteMarkerCreated"
	// EventDeleteNoOp is MinIO's: a delete of a key that was not there.
	EventDeleteNoOp    = "s3:ObjectRemoved:NoOP"
	EventTaggingPut    = "s3:ObjectTagging:Put"
	EventACLPut        = "s3:ObjectAcl:Put"
	EventTaggingDelete = "s3:ObjectTagging:Delete"
	EventRetentionPut  = "s3:ObjectCreated:PutRetention"
	EventLegalHoldPut  = "s3:ObjectCreated:PutLegalHold"
	EventAccessedGet   = "s3:ObjectAccessed:Get"
	EventAccessedHead  = "s3:ObjectAccessed:Head"
	// EventTransition: a lifecycle rule moved the version's data to a
	// tier.
	EventTransition = "s3:ObjectTransition:Complete"
	// EventRestorePost, EventRestoreCompleted and EventRestoreDelete: a
	// restore of a transitioned version was asked for, its copy is
	// ready, and the copy expired.
	EventRestorePost      = "s3:ObjectRestore:Post"
	EventRestoreCompleted = "s3:ObjectRestore:Completed"
	EventRestoreDelete    = "s3:ObjectRestore:Delete"
)

// Event is a change the layer committed to one object: what S3 reports
// in an event notification.
type Event struct {
	Name   string
	Bucket string
	Key    string
	// Object is the version written, changed or removed (for a delete
	// marker, the marker). Its Size, ETag, VersionID, content type and
	// user metadata go into the event record.
	Object ObjectInfo
	// Time is when the change happened, on the metadata store's clock.
	Time time.Time
}

// EventRecorder records the events of the layer's changes. RecordEvent
// is called inside the transaction that makes the change, so the event
// is committed with it or not at all (a transactional outbox): it must
// write only through tx and, like any Update closure, may run again on a
// retry. notification is the bucket's notification configuration
// document as the same transaction reads it, nil when it has none.
type EventRecorder interface {
	RecordEvent(ctx context.Context, tx meta.Txn, e Event, notification []byte) error
}

// notificationConfig is the name of the bucket configuration document
// that says where events go.
const notificationConfig = "notification"

// recordEvent hands an event of a change to the recorder, in the change's
// transaction.
func (l *Layer) recordEvent(ctx context.Context, tx meta.Txn, name, bucket, key string, info ObjectInfo) error {
	if l.opts.Events == nil {
		return nil
	}
	doc, err := tx.Get(configKey(bucket, notificationConfig))
	if errors.Is(err, meta.ErrNotFound) {
		doc, err = nil, nil
	}
	if err != nil {
		return err
	}
	return l.opts.Events.RecordEvent(ctx, tx, Event{Name: name, Bucket: bucket, Key: key, Object: info, Time: l.gcNow()}, doc)
}

// RecordAccess records the event of a read (s3:ObjectAccessed:Get or
// Head), which has no transaction of its own to ride in: it commits one.
// A crash just after the read may lose the event; a read's event is
// never recorded for a read that failed.
func (l *Layer) RecordAccess(ctx context.Context, name string, info ObjectInfo) error {
	if l.opts.Events == nil {
		return nil
	}
	return l.meta.Update(ctx, nil, func(tx meta.Txn) error {
		return l.recordEvent(ctx, tx, name, info.Bucket, info.Key, info)
	})
}
