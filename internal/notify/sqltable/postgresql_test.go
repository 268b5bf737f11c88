package sqltable

import (
	"fmt"
	"testing"

	"github.com/kurastore/kura/internal/meta/pgstore/pgtest"
	"github.com/kurastore/kura/internal/notify/targettest"
)

const pgPassword = "pg-Secr3t-pw"

var pgBackend = backend{
	d:         postgreSQL,
	database:  func(t *testing.T) string { return pgtest.Start(t) },
	keyColumn: "key",
	unreachable: func(t *testing.T) string {
		return fmt.Sprintf("postgres://kura:%s@%s/db?sslmode=disable", pgPassword, targettest.ClosedAddress(t))
	},
	password: pgPassword,
}

func TestPostgreSQLConformance(t *testing.T) { conformance(t, pgBackend) }

func TestPostgreSQLFormats(t *testing.T) { formats(t, pgBackend, "TEXT") }

func TestPostgreSQLOpenRefuses(t *testing.T) {
	refusals(t, pgBackend,
		"postgres://kura:"+pgPassword+"@127.0.0.1:5432/db",
		"postgres://kura:"+pgPassword+"@127.0.0.1:port/db")
}

func TestPostgreSQLUnreachable(t *testing.T) {
	pgtest.SkipIfMissing(t)
	unreachableErrors(t, pgBackend)
}

func TestPostgreSQLRestart(t *testing.T) {
	srv := pgtest.NewServer(t)
	conn := srv.NewDatabase(t)
	restarts(t, pgBackend, conn, func() { srv.Stop() }, func() {
		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestPostgreSQLKeyLimit(t *testing.T) { keyLimit(t, pgBackend) }
