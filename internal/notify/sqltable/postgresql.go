package sqltable

import (
	"database/sql"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// postgreSQL keeps events as MinIO's PostgreSQL target does, so queries
// written for its tables work on kura's: JSONB values, a namespace table
// keyed by "key", an access table of (event_time, event_data).
var postgreSQL = &dialect{
	kind:     "postgresql",
	maxIdent: 63,
	open:     openPostgreSQL,
	createNamespace: `CREATE TABLE IF NOT EXISTS %[1]s (
		key VARCHAR(2048) PRIMARY KEY,
		value JSONB)`,
	createAccess: `CREATE TABLE IF NOT EXISTS %[1]s (
		event_time TIMESTAMP WITH TIME ZONE NOT NULL,
		event_data JSONB)`,
	upsert: `INSERT INTO %[1]s (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
	upsertArgs: func(key string, value []byte) []any { return []any{key, string(value)} },
	remove:     `DELETE FROM %[1]s WHERE key = $1`,
	insert:     `INSERT INTO %[1]s (event_time, event_data) VALUES ($1, $2)`,
}

func openPostgreSQL(connString string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(connString)
	if err != nil {
		// pgx's message quotes the connection string; say less.
		return nil, errors.New("postgresql target: connection-string is not a valid PostgreSQL URL or keyword/value string")
	}
	return stdlib.OpenDB(*cfg), nil
}

func init() { postgreSQL.register() }
