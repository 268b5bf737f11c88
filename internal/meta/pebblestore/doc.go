// Package pebblestore implements meta.Store on Pebble, the embedded
// default for a single kura server. Updates commit with a synced WAL
// write; Pebble's commit pipeline groups concurrent synced commits into
// shared fsyncs, which is kura's group commit. Per-transaction locks live
// in an in-process lock table.
package pebblestore
