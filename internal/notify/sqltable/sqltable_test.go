package sqltable

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kurastore/kura/internal/meta/pgstore/pgtest"
	"github.com/kurastore/kura/internal/notify"
	"github.com/kurastore/kura/internal/notify/targettest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.StopShared()
	stopSharedMaria()
	os.Exit(code)
}

// backend is one kind of SQL server under test.
type backend struct {
	d *dialect
	// database returns the connection string of a new, empty database.
	database func(t *testing.T) string
	// keyColumn is the namespace table's key column.
	keyColumn string
	// unreachable is a connection string, with password, to a port where
	// nothing listens.
	unreachable func(t *testing.T) string
	// password is the one in unreachable's connection string, which no
	// error may show.
	password string
}

var tableSeq atomic.Int64

func nextTable(prefix string) string {
	return fmt.Sprintf("%s_%d", prefix, tableSeq.Add(1))
}

func openTarget(t *testing.T, kind, conn, table, format string) notify.Target {
	t.Helper()
	return targettest.Open(t, kind, map[string]string{"connection-string": conn, "table": table, "format": format})
}

// peek opens a pool for reading what the target wrote.
func peek(t *testing.T, b backend, conn string) *sql.DB {
	t.Helper()
	db, err := b.d.open(conn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// record is what the tests read back from an event record.
type record struct {
	EventName string `json:"eventName"`
	S3        struct {
		Bucket struct {
			Name string `json:"name"`
		} `json:"bucket"`
		Object struct {
			Key string `json:"key"`
		} `json:"object"`
	} `json:"s3"`
}

func parseRecords(t *testing.T, doc []byte) record {
	t.Helper()
	var v struct{ Records []record }
	if err := json.Unmarshal(doc, &v); err != nil || len(v.Records) != 1 {
		t.Fatalf("stored value %s: want {\"Records\":[record]} (%v)", doc, err)
	}
	return v.Records[0]
}

func queryAll(t *testing.T, db *sql.DB, q string) [][2]string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out [][2]string
	for rows.Next() {
		var a, b string
		if err := rows.Scan(&a, &b); err != nil {
			t.Fatal(err)
		}
		out = append(out, [2]string{a, b})
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// conformance runs targettest against both formats of b.
func conformance(t *testing.T, b backend) {
	t.Run("namespace", func(t *testing.T) {
		conn := b.database(t)
		db := peek(t, b, conn)
		var table string
		targettest.Run(t, targettest.Suite{
			Open: func(t *testing.T) notify.Target {
				table = nextTable("ns")
				return openTarget(t, b.d.kind, conn, table, formatNamespace)
			},
			State: func(t *testing.T) map[string]string {
				got := map[string]string{}
				for _, row := range queryAll(t, db, fmt.Sprintf("SELECT %s, value FROM %s", b.keyColumn, table)) {
					got[row[0]] = "s3:" + parseRecords(t, []byte(row[1])).EventName
				}
				return got
			},
			Unreachable: func(t *testing.T) notify.Target {
				return openTarget(t, b.d.kind, b.unreachable(t), nextTable("ns"), formatNamespace)
			},
		})
	})
	t.Run("access", func(t *testing.T) {
		conn := b.database(t)
		db := peek(t, b, conn)
		var table string
		targettest.Run(t, targettest.Suite{
			Open: func(t *testing.T) notify.Target {
				table = nextTable("acc")
				return openTarget(t, b.d.kind, conn, table, formatAccess)
			},
			Fetch: func(t *testing.T) []targettest.Got {
				var got []targettest.Got
				// Rows of an insert-only table come back in insertion
				// order from a scan, and times may tie.
				for _, row := range queryAll(t, db, fmt.Sprintf("SELECT '', event_data FROM %s", table)) {
					r := parseRecords(t, []byte(row[1]))
					got = append(got, targettest.Got{EventName: "s3:" + r.EventName, Key: r.S3.Bucket.Name + "/" + r.S3.Object.Key})
				}
				return got
			},
			Unreachable: func(t *testing.T) notify.Target {
				return openTarget(t, b.d.kind, b.unreachable(t), nextTable("acc"), formatAccess)
			},
		})
	})
}

func jsonEqual(t *testing.T, got, want []byte) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("stored %s: %v", got, err)
	}
	json.Unmarshal(want, &w)
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if !bytes.Equal(gb, wb) {
		t.Errorf("stored %s, want %s", got, want)
	}
}

// formats checks the rows each format writes, column by column.
func formats(t *testing.T, b backend, timeType string) {
	conn := b.database(t)
	db := peek(t, b, conn)
	m := targettest.Message("s3:ObjectCreated:Put", "dir/é x", false)
	m.Time = time.Date(2026, 3, 4, 5, 6, 7, 891234000, time.UTC)

	t.Run("namespace", func(t *testing.T) {
		table := nextTable("ns")
		tg := openTarget(t, b.d.kind, conn, table, formatNamespace)
		defer tg.Close()
		targettest.MustSend(t, tg, m)
		rows := queryAll(t, db, fmt.Sprintf("SELECT %s, value FROM %s", b.keyColumn, table))
		if len(rows) != 1 || rows[0][0] != "b/dir/é x" {
			t.Fatalf("rows %q, want one keyed b/dir/é x", rows)
		}
		jsonEqual(t, []byte(rows[0][1]), m.Records())
	})
	t.Run("access", func(t *testing.T) {
		table := nextTable("acc")
		tg := openTarget(t, b.d.kind, conn, table, formatAccess)
		defer tg.Close()
		targettest.MustSend(t, tg, m, m)
		rows, err := db.Query(fmt.Sprintf("SELECT CAST(event_time AS %s), event_data FROM %s", timeType, table))
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			var when, data string
			if err := rows.Scan(&when, &data); err != nil {
				t.Fatal(err)
			}
			if want := "2026-03-04 05:06:07.891234"; !strings.HasPrefix(when, want) {
				t.Errorf("event_time %q, want %s UTC", when, want)
			}
			jsonEqual(t, []byte(data), m.Records())
			n++
		}
		// The same message sent twice is two rows: access tables append.
		if n != 2 {
			t.Errorf("%d rows, want 2", n)
		}
	})
}

// refusals checks that Open refuses bad settings, and that its errors do
// not show the password of the connection string.
func refusals(t *testing.T, b backend, goodConn, badConn string) {
	long := strings.Repeat("t", b.d.maxIdent)
	for _, table := range []string{"events", "ev_1", "s.events", long, "s." + long} {
		cfg := notify.Config{Type: b.d.kind, Name: "t", Settings: map[string]string{"connection-string": goodConn, "table": table}}
		tg, err := b.d.openTarget(cfg)
		if err != nil {
			t.Errorf("table %q refused: %v", table, err)
			continue
		}
		tg.Close()
	}
	bad := []map[string]string{
		{"table": "events", "format": "namespaces"},
		{"table": "events", "format": "Access"},
		{"table": long + "t"},
		{"table": "s." + long + "t"},
		{"table": "ev;DROP TABLE x"},
		{"table": "a.b.c"},
		{"table": "1events"},
		{"table": "ev ents"},
		{"table": `"events"`},
		{"table": "events", "connection-string": badConn},
	}
	for _, s := range bad {
		if s["connection-string"] == "" {
			s["connection-string"] = goodConn
		}
		cfg := notify.Config{Type: b.d.kind, Name: "t", Settings: s}
		tg, err := b.d.openTarget(cfg)
		if err == nil {
			tg.Close()
			t.Errorf("settings %v accepted", s)
			continue
		}
		if strings.Contains(err.Error(), b.password) {
			t.Errorf("error %q shows the password", err)
		}
	}
	cfg := notify.Config{Type: b.d.kind, Name: "t", Settings: map[string]string{"connection-string": goodConn, "table": "e", "topic": "x"}}
	if _, err := cfg.Check(); err == nil {
		t.Error("an unknown setting was accepted")
	}
	cfg = notify.Config{Type: b.d.kind, Name: "t", Settings: map[string]string{"connection-string": goodConn}}
	if _, err := cfg.Check(); err == nil {
		t.Error("a config without --table was accepted")
	}
}

// unreachableErrors checks that failing to connect says so without the
// password.
func unreachableErrors(t *testing.T, b backend) {
	tg := openTarget(t, b.d.kind, b.unreachable(t), "events", formatNamespace)
	targettest.CheckPingAndSend(t, "unreachable server", tg, 5*time.Second, false, b.password)
}

// restarts checks that a target opened while its server is down works
// once the server is up, and again after the server restarts.
func restarts(t *testing.T, b backend, conn string, stop, start func()) {
	db := peek(t, b, conn)
	stop()
	table := nextTable("ns")
	tg := openTarget(t, b.d.kind, conn, table, formatNamespace)
	targettest.CheckRestart(t, tg, stop, start, 15*time.Second)
	rows := queryAll(t, db, fmt.Sprintf("SELECT %s, '' FROM %s ORDER BY 1", b.keyColumn, table))
	if fmt.Sprint(rows) != "[[b/one ] [b/two ]]" {
		t.Errorf("rows %v, want b/one and b/two", rows)
	}
}

// keyLimit checks that the key column takes a key of its full length,
// 2048 characters, and that a Send holding a longer one writes nothing
// of its batch: one transaction, whole or not at all.
func keyLimit(t *testing.T, b backend) {
	conn := b.database(t)
	db := peek(t, b, conn)
	table := nextTable("ns")
	tg := openTarget(t, b.d.kind, conn, table, formatNamespace)
	defer tg.Close()
	// "b/" and the object name make the key.
	longest := targettest.Message("s3:ObjectCreated:Put", strings.Repeat("k", 2046), false)
	targettest.MustSend(t, tg, longest)
	tooLong := targettest.Message("s3:ObjectCreated:Put", strings.Repeat("k", 2047), false)
	first := targettest.Message("s3:ObjectCreated:Put", "first", false)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := tg.Send(ctx, []notify.Message{first, tooLong}); err == nil {
		t.Fatal("a key of 2049 characters was stored")
	}
	rows := queryAll(t, db, fmt.Sprintf("SELECT %s, '' FROM %s", b.keyColumn, table))
	if len(rows) != 1 || len(rows[0][0]) != 2048 {
		t.Errorf("table holds %d rows, want only the 2048-character key", len(rows))
	}
	// The target goes on working after the failed batch.
	targettest.MustSend(t, tg, first)
}
