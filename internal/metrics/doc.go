// Package metrics exposes what a kura server does in Prometheus' text
// format: the requests it answers (fed by httpapi's request observer), the
// storage it keeps, its queues, its metadata store, its KMS calls, and Go's
// runtime and process figures. Every family is named kura_*; the list is
// in docs/metrics.md.
//
// The metrics live in a registry of their own, not client_golang's global
// one, so that nothing another package registers leaks into the exposition
// and tests can start several servers in one process.
//
// Figures read from the stores (per-bucket usage, queues, blob space) are
// read at scrape time, each source under a timeout. A source that fails is
// logged and left out of that scrape, and kura_metrics_source_up says so;
// the rest of the scrape is served.
package metrics
