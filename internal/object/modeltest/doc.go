// Package modeltest is a randomized, model-based test of the object layer
// (package object), in the manner of metamorphic and simulation testing.
//
// Each seed builds a Layer over pebble on a crashable in-memory file
// system and over an in-memory blob store that keeps only committed blobs
// across a simulated crash, with faultstore between the layer and the blob
// store. It creates one bucket per worker (never versioned, versioned, or
// with object lock) and runs rounds of random operations: PUTs of inline
// and blob sizes, multipart uploads (parts uploaded and replaced,
// completed with some of them, retried, aborted, expired), copies (within
// the worker's bucket and from other workers' keys), SSE-S3 encryption of
// PUTs, uploads and copies (a copy that changes the encryption rewrites
// the data), deletes of objects and of versions, DeleteObjects,
// versioning changes (with excluded prefixes), tagging, retention and
// legal holds, full, ranged and single-part GETs and HEADs, and listings.
//
// Workers run concurrently. Each worker alone writes the keys of its own
// bucket and checks every result against a sequential in-memory model of
// that bucket; it also reads other workers' keys and checks that what it
// saw was the key's value at some moment between the read's invocation
// and its response (a single-writer linearizability check). All workers
// also write the same keys of one shared versioned bucket (PUTs, delete
// markers, copies, multipart uploads): it must hold exactly the
// acknowledged versions, each with its data, newest first in an order
// that real time allows (a version written, start to finish, before
// another began is the older). A collector
// goroutine drains the GC queue and sweeps orphans during the round. The
// fake clock moves only between rounds, by up to hours, so retention
// expires and queued blobs come due.
//
// Some rounds run with a blob fault injected (failed create, write, short
// write, fsync, open, read or delete): an operation that fails must leave
// no visible change. Some rounds crash in the middle: the metadata file
// system and the blob store are cloned as a crash would leave them (the
// unsynced pebble data partly kept, uncommitted blobs dropped, some recent
// blob deletes undone) while the
// other workers' operations are in flight; everything is reopened on the
// clones, and each bucket must then hold exactly the model's state either
// before or after the one operation its worker had in flight, with every
// acknowledged write intact (bytes, ETag, metadata, tags, locks, version
// ids). After every round the whole state is compared with the model
// (listings paged and with prefix and delimiter, version listings, every
// version read back). Every few rounds, and at the end, a full collection
// (queue and orphan sweep, clock past the grace periods) must leave Scrub
// reporting no damaged record and no orphan blob.
//
// Runs are seeded. The operations each worker generates follow from the
// seed, but the interleaving of the workers does not, so a failing seed
// usually, not always, fails again. Flags:
//
//	-model.seed=N        run only seed N (a failure prints its seed)
//	-model.seeds=N       number of seeds to run (default 3)
//	-model.ops=N         operations per seed, over all workers (default 300)
//	-model.workers=N     concurrent workers (default 4)
//	-model.duration=D    run fresh seeds until D has passed (e.g. 25m)
//	-model.log=FILE      append one line per seed (seed, ops, rounds,
//	                     crashes, faults, result) to FILE
//	-model.gcrace        two layers share the stores (Options.Shared); the
//	                     second, its clock running ahead past GCDelay and
//	                     the orphan grace, drains the queue and sweeps
//	                     orphans during rounds while readers read slowly
//	                     (a reader or a writer stalled that long)
//
// For example:
//
//	go test ./internal/object/modeltest -model.duration=25m -model.log=run.log
package modeltest
