package sqltable

import (
	"database/sql"
	"errors"
	"time"

	"github.com/go-sql-driver/mysql"
)

// mySQL keeps events in the columns MinIO's MySQL target uses (key_name,
// value; event_time, event_data). The namespace table's primary key is
// key_hash, the SHA-256 of key_name, because InnoDB cannot index a
// VARCHAR(2048) of utf8mb4 whole; kura computes it in the statement
// rather than as a generated column, which MariaDB cannot make a primary
// key.
var mySQL = &dialect{
	kind:     "mysql",
	maxIdent: 64,
	open:     openMySQL,
	createNamespace: `CREATE TABLE IF NOT EXISTS %[1]s (
		key_name VARCHAR(2048) NOT NULL,
		key_hash CHAR(64) NOT NULL PRIMARY KEY,
		value JSON)
		CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`,
	createAccess: `CREATE TABLE IF NOT EXISTS %[1]s (
		event_time DATETIME(6) NOT NULL,
		event_data JSON)
		CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`,
	upsert: `INSERT INTO %[1]s (key_hash, key_name, value) VALUES (SHA2(?, 256), ?, ?)
		ON DUPLICATE KEY UPDATE value = VALUES(value)`,
	upsertArgs: func(key string, value []byte) []any { return []any{key, key, string(value)} },
	remove:     `DELETE FROM %[1]s WHERE key_hash = SHA2(?, 256)`,
	insert:     `INSERT INTO %[1]s (event_time, event_data) VALUES (?, ?)`,
}

func openMySQL(dsn string) (*sql.DB, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, errors.New("mysql target: connection-string is not a valid DSN (user:password@tcp(host:port)/database)")
	}
	// Event times are sent as UTC and stored as such.
	cfg.Loc = time.UTC
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, errors.New("mysql target: connection-string: " + err.Error())
	}
	return sql.OpenDB(conn), nil
}

func init() { mySQL.register() }
