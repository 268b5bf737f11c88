// Package requestlog is the server's access log for its operator: one
// JSON line per answered request (Entry), written to a file or to
// standard output.
//
// It is not S3's server access logging into buckets (package accesslog),
// which bucket owners configure through the S3 API; this log is the
// operator's, configured by the server's flags, and covers every request
// whatever its bucket.
//
// Observe runs on the request's goroutine and never waits for the disk:
// it encodes the line and hands it to a bounded queue that one goroutine
// drains into a buffer, written out every FlushInterval or when the
// buffer fills. When the queue is full (a disk stalled for long) the line
// is dropped and counted (Dropped), and a warning with the count is
// logged at most once per DropWarnInterval: an access log must never
// slow the requests it records.
//
// The file rotates by size (MaxSize, keeping MaxFiles old ones named
// FILE.1, the newest, to FILE.N) and is reopened by Reopen, for
// logrotate's move-then-signal pattern.
package requestlog
