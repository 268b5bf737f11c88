// Package sqltable delivers event notifications to a PostgreSQL or MySQL
// (or MariaDB) table: the "postgresql" and "mysql" kinds of target.
//
// Settings, the same for both kinds:
//
//	--connection-string  how to connect (secret: it may hold a password).
//	                     postgresql: a URL (postgres://user:pw@host:5432/db)
//	                     or keyword/value string, as libpq takes them.
//	                     mysql: a Go MySQL driver DSN
//	                     (user:pw@tcp(host:3306)/db).
//	--table              the table, created if it does not exist; a plain
//	                     name or schema.name, used unquoted.
//	--format             namespace (default) or access.
//
// The namespace format keeps one row per object, keyed by "bucket/object",
// whose value is {"Records":[record]} of the object's latest event; an
// event that removes the object deletes its row. The access format
// appends a row per event: its time and {"Records":[record]}. Columns are
// those of MinIO's targets, so existing queries keep working:
//
//	postgresql namespace  key VARCHAR(2048) PRIMARY KEY, value JSONB
//	postgresql access     event_time TIMESTAMPTZ, event_data JSONB
//	mysql namespace       key_name VARCHAR(2048), key_hash CHAR(64)
//	                      PRIMARY KEY (SHA-256 of key_name), value JSON
//	mysql access          event_time DATETIME(6) (UTC), event_data JSON
//
// Each Send is one transaction, so a batch is written whole or not at
// all; a redelivered batch upserts (namespace) or appends again (access).
// Open does not connect: the server may come up later. Connections are
// made on first use and replaced when they fail.
package sqltable
