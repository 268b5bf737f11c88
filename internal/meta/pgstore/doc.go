// Package pgstore implements meta.Store on PostgreSQL, so that several kura
// gateways can share one metadata store. Open takes a connection string
// (libpq URL or key=value form, with pgxpool's pool_* settings) and brings
// the schema up to date; any number of Stores in any number of processes
// may then use the database at once.
//
// # Tables
//
// kura_meta(k bytea PRIMARY KEY, v bytea NOT NULL) holds the keys and
// values. bytea compares bytewise, as meta's keys do, so Get is a primary
// key lookup and an iterator's range is an ordered index range scan:
// WHERE k >= $1 AND k < $2 ORDER BY k LIMIT n. kura_schema_version records
// the migrations applied. Open runs the missing ones, each in its own
// transaction with its version row, while holding a session-level advisory
// lock, so processes that open a new database at once migrate it once,
// one after another; an Open that finds the schema current takes no lock
// and needs no CREATE rights, only SELECT, INSERT, UPDATE and DELETE on
// kura_meta and SELECT on kura_schema_version. A database migrated by a
// newer kura is refused (ErrSchemaTooNew). The kura_ prefix lets the tables share a database; to
// give several kura clusters one database, give each its own schema with
// search_path in the connection string.
//
// # View
//
// View runs fn in a REPEATABLE READ READ ONLY transaction: one snapshot of
// committed data for all of fn's reads. The BEGIN travels with fn's first
// query in one round trip, and the transaction is ended after View has
// returned, before its connection goes back to the pool, so a View with
// one Get costs one round trip of latency.
//
// # Update
//
// Update takes its locks as transaction-level advisory locks
// (pg_advisory_xact_lock, pg_advisory_xact_lock_shared) on a 64-bit hash of
// each lock name, in a READ COMMITTED transaction, in the order of the
// hashes, so every process takes them in the same order; see locks.go for
// why a collision of two names is safe. Every View and Update of every
// process on the database sees the same locks. The locks end with the
// transaction, also when a gateway dies, since its connection closes.
//
// fn's writes stay in memory until fn returns; fn's own Get and iterators
// see them over the committed data (iterators merge the two). They are then
// sent in key order, as upserts and deletes, in one round trip with the
// COMMIT. Since locks are taken before any row and rows in key order, two
// of kura's Updates never wait for each other in a cycle. Reads inside fn
// see the latest committed data (READ COMMITTED), which is what kura's
// callers expect: they serialize read-modify-write with locks. An Update
// with no locks opens no transaction while fn runs; its writes commit as
// one implicit transaction.
//
// Commits are durable: the store sets synchronous_commit=on on its
// sessions unless the connection string sets it. PostgreSQL flushes the
// WAL of concurrent commits together, which is the group commit meta.Store
// allows.
//
// A transaction that PostgreSQL aborts with a serialization failure or a
// deadlock (SQLSTATE 40001, 40P01) is run again, fn included, after a
// jittered, growing pause, up to Options.MaxAttempts times. On PostgreSQL
// kura's own transactions do not meet these (see above); they come from
// other clients of the database or from engines that abort more eagerly.
// fn must therefore not count on running once: kura's fns only read and
// write through their Txn and their results, which a rerun overwrites.
//
// # Failures
//
// While the server cannot be reached, View and Update return errors (never
// ErrNotFound or a stale answer); once it is back the pool reconnects and
// the same Store works again. As with any networked database, an Update
// whose connection is lost during COMMIT returns an error without knowing
// whether the commit happened.
//
// # Other engines
//
// The SQL is plain: bytea, INSERT ... ON CONFLICT DO UPDATE, ORDER BY with
// LIMIT, octet_length, CASE, no extensions, so it also runs on
// PostgreSQL-compatible distributed engines. Advisory locks are the one
// PostgreSQL-specific feature used, for Update's locks and for the
// migration lock. Beware engines that accept the functions without
// locking: CockroachDB long defined them as stubs that return at once,
// which would silently give no mutual exclusion at all; its recent
// versions implement the transaction-level ones but not yet the session
// ones the migration uses. An engine without real advisory locks needs a
// lock table instead: kura_locks(name bytea PRIMARY KEY), and in Update's
// transaction, for each lock in sorted order, INSERT ... ON CONFLICT DO
// NOTHING followed by SELECT ... FOR UPDATE or FOR SHARE of the row (and
// likewise one row locked FOR UPDATE around the migration).
//
// Advisory locks were chosen over that lock table for PostgreSQL because
// they are kept in shared memory and cost no storage: a lock row is a
// write (WAL, dirty pages) even for a shared lock, since FOR SHARE marks
// the row, and the table would gain a row for every name ever locked, one
// per object key kura has written, kept until some cleanup removes it.
// Advisory locks are one round trip for all of an Update's locks, leave
// nothing behind, and are released by the server with the transaction or
// the connection. The lock table is the fallback for an engine that needs
// it; such engines also run SERIALIZABLE by default and abort with 40001
// more often, which Update's retry covers.
//
// # Connections
//
// Every View and Update holds one pooled connection while it runs, an
// Update waiting for a lock too, so Options.MaxConns bounds both what one
// Store runs at once and what it asks of the server's max_connections.
// A View or Update must not start another one from inside fn when the pool
// may be exhausted. Behind a pooler in transaction mode (PgBouncer),
// transaction-level advisory locks work; the migration's session lock
// needs Open to reach the server directly or in session mode, and prepared
// statements need default_query_exec_mode=exec (or simple_protocol) in the
// connection string.
package pgstore
