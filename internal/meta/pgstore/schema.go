package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The tables. Their names start with kura_ so the store can share a
// database (or a schema, chosen with search_path in the connection string)
// with other programs.
const (
	kvTable      = "kura_meta"
	versionTable = "kura_schema_version"
)

// migrations[i] brings the schema from version i to i+1. Append only: a
// released migration never changes, since databases out there have run it.
var migrations = []string{
	// 1: the ordered key-value table. bytea compares bytewise, like
	// meta's keys, and the primary key's B-tree serves Get and the
	// iterators' ordered range scans.
	`CREATE TABLE ` + kvTable + ` (
		k bytea PRIMARY KEY,
		v bytea NOT NULL
	)`,
}

// ErrSchemaTooNew is returned by Open when the database's schema has a
// version this code does not know: a newer kura has migrated it.
var ErrSchemaTooNew = errors.New("pgstore: the database schema is newer than this kura")

// migrateLock is the session-level advisory lock held around a migration,
// so processes opening the store at once migrate one after another; the
// later ones then find nothing to do. Its key lies in the same space as
// the Update locks' (lockKey), where a collision would only make an Update
// wait for a migration.
var migrateLock = lockKey([]byte("\x00kura/meta/pgstore/migrate"))

// SchemaVersion is the schema version this code migrates to.
func SchemaVersion() int { return len(migrations) }

// migrate brings the schema up to date. Each step runs in its own
// transaction with the row recording it in the version table, so a
// crash leaves the schema at some whole version. A schema that is already
// current is only read: no lock, no DDL, so a role without CREATE rights
// can open a database that an administrator migrated.
func migrate(ctx context.Context, pool *pgxpool.Pool) (err error) {
	c, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("pgstore: %w", err)
	}
	conn := c.Conn()
	if have, err := schemaVersion(ctx, conn); err != nil {
		c.Release()
		return err
	} else if have == len(migrations) {
		c.Release()
		return nil
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if _, uerr := conn.Exec(ctx, "SELECT pg_advisory_unlock($1::bigint)", migrateLock); uerr != nil {
			// Closing the session releases its lock.
			conn.Close(ctx)
		}
		c.Release()
	}()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1::bigint)", migrateLock); err != nil {
		return fmt.Errorf("pgstore: migration lock: %w", err)
	}
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+versionTable+` (
		version integer PRIMARY KEY,
		applied timestamptz NOT NULL DEFAULT now()
	)`); err != nil {
		return fmt.Errorf("pgstore: migrate: %w", err)
	}
	// Read again under the lock: another process may have migrated.
	have, err := schemaVersion(ctx, conn)
	if err != nil {
		return err
	}
	for v := have + 1; v <= len(migrations); v++ {
		tx, err := conn.Begin(ctx)
		if err != nil {
			return fmt.Errorf("pgstore: migrate: %w", err)
		}
		if _, err := tx.Exec(ctx, migrations[v-1]); err != nil {
			tx.Rollback(ctx)
			return fmt.Errorf("pgstore: migrate to version %d: %w", v, err)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO "+versionTable+" (version) VALUES ($1)", v); err != nil {
			tx.Rollback(ctx)
			return fmt.Errorf("pgstore: migrate to version %d: %w", v, err)
		}
		if err := tx.Commit(ctx); err != nil {
			return fmt.Errorf("pgstore: migrate to version %d: %w", v, err)
		}
	}
	return nil
}

// schemaVersion reads the schema's version: 0 when there is no version
// table yet, ErrSchemaTooNew past what this code knows.
func schemaVersion(ctx context.Context, conn *pgx.Conn) (int, error) {
	var have int
	err := conn.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM "+versionTable).Scan(&have)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "42P01" { // undefined_table
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("pgstore: reading the schema version: %w", err)
	}
	if have > len(migrations) {
		return 0, fmt.Errorf("%w: database at version %d, this code knows up to %d", ErrSchemaTooNew, have, len(migrations))
	}
	return have, nil
}
