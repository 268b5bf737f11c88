// Package notification is the S3 bucket notification configuration: the
// NotificationConfiguration XML document of Get/PutBucketNotification
// (queue, topic and cloud-function destinations, their events and key
// filters), its validation, and the choice of destinations for an event.
//
// It owns the document's shape, the event names S3 (and MinIO) define,
// destination ARN syntax and key-filter rules. It does not check that a
// destination exists and does not deliver anything: the server checks
// ARNs against its registered targets, and the events service delivers to
// what Match returns.
package notification
