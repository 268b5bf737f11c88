// Package logging reads and writes S3's BucketLoggingStatus document,
// the configuration of a bucket's server access logging
// (PutBucketLogging, GetBucketLogging), and names the log objects S3
// delivers: "[TargetPrefix]YYYY-mm-DD-HH-MM-SS-UniqueString" for the
// simple key format, and
// "[TargetPrefix][SourceAccountId]/[SourceRegion]/[SourceBucket]/YYYY/MM/DD/YYYY-MM-DD-hh-mm-ss-UniqueString"
// for the partitioned one.
package logging
