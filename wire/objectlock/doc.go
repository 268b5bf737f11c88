// Package objectlock is S3 Object Lock's three documents: the bucket's
// ObjectLockConfiguration (Get/PutObjectLockConfiguration, with its
// default retention), an object version's Retention
// (Get/PutObjectRetention) and its LegalHold (Get/PutObjectLegalHold),
// with AWS's rules for each.
//
// It owns the documents' shapes and validation. It does not lock
// anything and has no clock: the object layer enforces retention and
// checks that a retain-until date lies in the future.
package objectlock
