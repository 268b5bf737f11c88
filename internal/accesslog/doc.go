// Package accesslog is S3 server access logging: each request on a
// bucket whose logging is enabled leaves one record, in S3's server
// access log format, and the records are delivered, batched per source
// bucket, as log objects into the target bucket.
//
// A record is durable before its request is answered: it is queued in
// the metadata store (one small transaction, group-committed with the
// others). The deliverer, one at a time among the gateways sharing a
// store (a lease), writes a log object through the object layer and
// deletes the records it holds in the transaction that commits it, so
// that a crash at any point neither loses nor repeats a record.
//
// The queue's metadata keys all start with 'H':
//
//	Hr<source bucket>\x00<seq>  one record, until delivered; its value is
//	                            the record's line and where it goes
//	Hl                          the deliverer's lease
//	Hd<source bucket>           (a lock, not a key) held by a delivery
//	                            of the bucket's records
//
// <seq> is a 12-byte sequence key (outbox.Sequencer): records sort by the
// time they were made, and two gateways never collide.
package accesslog
