// Package notify delivers S3 event notifications: the records S3 sends
// when an object is created, removed, read, tagged or locked, to the
// targets (webhooks, Redis, NATS, MQTT, AMQP, PostgreSQL, MySQL, Kafka)
// a bucket's notification configuration names, and to listeners of
// MinIO's ListenBucketNotification.
//
// The package owns three things:
//
//   - Target, the small interface every destination implements, and the
//     registry of target kinds (Register, Kinds) with the settings each
//     takes. Each kind lives in a sub-package (notify/webhook,
//     notify/redis, ...), and every one runs the conformance suite in
//     notify/targettest against its real server.
//   - The outbox: an event is recorded in the metadata transaction of the
//     write that caused it, so that a committed write's event survives a
//     crash and an uncommitted write never has one.
//   - Delivery from the outbox to each target, in order per object key,
//     at least once, with retries; and the event history that listeners
//     tail.
package notify
