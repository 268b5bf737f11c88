// Package outbox holds what kura's transactional outboxes share. A
// change and the work it causes elsewhere (an event to deliver, a
// replication to carry out) are committed in one metadata transaction,
// under keys a Sequencer issues so that they sort in commit order; a
// worker then carries the work out and deletes it. A Wake tells the
// worker that work was queued, a moment later (Relay), when the
// transaction has most likely committed; the worker also polls for what
// the wake-ups miss (work queued by other gateways).
package outbox
