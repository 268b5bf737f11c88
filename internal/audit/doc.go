// Package audit sends the record of every answered request to a webhook,
// for the operator's audit trail: the access log's entries
// (requestlog.Entry), POSTed in batches.
//
// A batch is a JSON array of entries (Content-Type application/json),
// sent when it holds BatchSize entries or BatchWait after its first one
// was queued. Records are delivered at least once: a batch is retried,
// with exponential backoff and jitter, after a transport error, a
// timeout, a 429 or a 5xx, for as long as it takes; a receiver that must
// not count one twice keys them on request_id. A batch the target
// refuses with another status (400, 401, 403, 413, …) would be refused
// again: it is dropped, counted and logged.
//
// Observe runs on the request's goroutine and never waits: it puts the
// entry on a bounded queue (QueueSize) that one goroutine per target
// empties. While the target is away the queue fills; past its bound new
// entries are dropped and counted, and a warning with the count is
// logged every DropWarnInterval while drops go on. Nothing is lost
// without being counted: Stats gives the figures.
//
// Close sends what is queued, until its context ends; what could not be
// sent by then is counted as dropped.
package audit
