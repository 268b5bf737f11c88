package sqltable

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/kurastore/kura/internal/notify"
)

// The two ways a target keeps events in its table.
const (
	formatNamespace = "namespace"
	formatAccess    = "access"
)

// dialect is what differs between the SQL servers a target can write to:
// how to connect, and the statements for each format. Statements take
// the table name through %[1]s; it has been checked to be a plain
// identifier, since SQL has no placeholder for a table name.
type dialect struct {
	kind string
	// maxIdent is the longest identifier the server accepts, in bytes.
	maxIdent int
	// open makes a pool for connString without connecting. Its error must
	// not hold the connection string, which may hold a password.
	open func(connString string) (*sql.DB, error)

	createNamespace, createAccess string
	// upsert sets key's value; upsertArgs gives its arguments.
	upsert     string
	upsertArgs func(key string, value []byte) []any
	// remove deletes key's row; insert appends (event_time, event_data).
	remove, insert string
}

func (d *dialect) settings() []notify.Setting {
	return []notify.Setting{
		{Name: "connection-string", Required: true, Secret: true,
			Help: "how to connect to the " + d.kind + " server; it may hold a password"},
		{Name: "table", Required: true,
			Help: "the table events go to, created if it does not exist (name or schema.name)"},
		{Name: "format", Default: formatNamespace,
			Help: "namespace (one row per object, removed with it) or access (a row per event)"},
	}
}

func (d *dialect) register() {
	notify.Register(notify.Kind{
		Type:     d.kind,
		Help:     "rows in a " + d.kind + " table",
		Settings: d.settings(),
		Open:     d.openTarget,
	})
}

// identifier is a table name SQL takes unquoted: a name, optionally
// qualified by its schema (or database). Anything else is refused rather
// than quoted, so the name means what it would in the user's own queries.
var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$`)

func (d *dialect) checkTable(name string) error {
	if !identifier.MatchString(name) {
		return fmt.Errorf("%s target: table %q: use letters, digits and '_', optionally schema.table", d.kind, name)
	}
	for _, part := range strings.Split(name, ".") {
		if len(part) > d.maxIdent {
			return fmt.Errorf("%s target: table %q: a name is at most %d characters", d.kind, name, d.maxIdent)
		}
	}
	return nil
}

func (d *dialect) openTarget(c notify.Config) (notify.Target, error) {
	k, _ := notify.LookupKind(d.kind)
	format := c.Get(k, "format")
	if format != formatNamespace && format != formatAccess {
		return nil, fmt.Errorf("%s target: format %q: use %s or %s", d.kind, format, formatNamespace, formatAccess)
	}
	table := c.Get(k, "table")
	if err := d.checkTable(table); err != nil {
		return nil, err
	}
	db, err := d.open(c.Get(k, "connection-string"))
	if err != nil {
		return nil, err
	}
	// Send runs one transaction at a time; a few more connections let
	// Ping run beside it.
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(2)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return &target{d: d, table: table, format: format, db: db}, nil
}

// target writes events to one table. database/sql connects on first use
// and replaces connections that fail, so a server that starts late or
// restarts is picked up again.
type target struct {
	d      *dialect
	table  string
	format string
	db     *sql.DB

	mu sync.Mutex
	// ready is set once the table is known to exist; a failed Send clears
	// it so the next one creates the table again if it was dropped.
	ready bool
}

func (t *target) stmt(s string) string { return fmt.Sprintf(s, t.table) }

func (t *target) fail(what string, err error) error {
	return fmt.Errorf("%s target, table %s: %s: %w", t.d.kind, t.table, what, err)
}

// ensureTable creates the table if it does not exist yet.
func (t *target) ensureTable(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ready {
		return nil
	}
	create := t.d.createNamespace
	if t.format == formatAccess {
		create = t.d.createAccess
	}
	if _, err := t.db.ExecContext(ctx, t.stmt(create)); err != nil {
		return t.fail("creating the table", err)
	}
	t.ready = true
	return nil
}

func (t *target) notReady() {
	t.mu.Lock()
	t.ready = false
	t.mu.Unlock()
}

// Ping connects, makes sure the table exists, and reads nothing from it,
// which checks that the table can be queried.
func (t *target) Ping(ctx context.Context) error {
	if err := t.ensureTable(ctx); err != nil {
		return err
	}
	rows, err := t.db.QueryContext(ctx, t.stmt("SELECT 1 FROM %[1]s WHERE 1 = 0"))
	if err != nil {
		t.notReady()
		return t.fail("querying the table", err)
	}
	return rows.Close()
}

// Send writes msgs in one transaction, in order: all of them or none.
func (t *target) Send(ctx context.Context, msgs []notify.Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := t.ensureTable(ctx); err != nil {
		return err
	}
	if err := t.sendTx(ctx, msgs); err != nil {
		t.notReady()
		return err
	}
	return nil
}

func (t *target) sendTx(ctx context.Context, msgs []notify.Message) error {
	tx, err := t.db.BeginTx(ctx, nil)
	if err != nil {
		return t.fail("starting a transaction", err)
	}
	for _, m := range msgs {
		if err := t.write(ctx, tx, m); err != nil {
			return errors.Join(t.fail("writing an event", err), tx.Rollback())
		}
	}
	if err := tx.Commit(); err != nil {
		return t.fail("committing events", err)
	}
	return nil
}

func (t *target) write(ctx context.Context, tx *sql.Tx, m notify.Message) error {
	var err error
	switch {
	case t.format == formatAccess:
		_, err = tx.ExecContext(ctx, t.stmt(t.d.insert), m.Time.UTC(), string(m.Records()))
	case m.Removed:
		_, err = tx.ExecContext(ctx, t.stmt(t.d.remove), m.Key())
	default:
		_, err = tx.ExecContext(ctx, t.stmt(t.d.upsert), t.d.upsertArgs(m.Key(), m.Records())...)
	}
	return err
}

func (t *target) Close() error { return t.db.Close() }
