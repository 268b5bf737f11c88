package sqltable

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kurastore/kura/internal/notify/targettest"
)

var myBackend = backend{
	d:         mySQL,
	database:  func(t *testing.T) string { return mariaDatabase(t) },
	keyColumn: "key_name",
	unreachable: func(t *testing.T) string {
		return fmt.Sprintf("kura:%s@tcp(%s)/db", mariaPassword, targettest.ClosedAddress(t))
	},
	password: mariaPassword,
}

func TestMySQLConformance(t *testing.T) { conformance(t, myBackend) }

func TestMySQLFormats(t *testing.T) { formats(t, myBackend, "CHAR") }

func TestMySQLOpenRefuses(t *testing.T) {
	refusals(t, myBackend,
		"kura:"+mariaPassword+"@tcp(127.0.0.1:3306)/db",
		"kura:"+mariaPassword+"@tcp(127.0.0.1:3306)db")
}

func TestMySQLUnreachable(t *testing.T) {
	mariaBinaries(t)
	unreachableErrors(t, myBackend)
}

func TestMySQLRestart(t *testing.T) {
	m := newMariaDB(t)
	conn := m.newDatabase(t)
	restarts(t, myBackend, conn, m.Stop, func() {
		if err := m.Start(); err != nil {
			t.Fatal(err)
		}
	})
}

// The server checks the password: a wrong one is refused, and the error
// does not show it.
func TestMySQLPassword(t *testing.T) {
	conn := mariaDatabase(t)
	wrong := strings.Replace(conn, ":"+mariaPassword+"@", ":Wrong-Pa55@", 1)
	tg := openTarget(t, "mysql", wrong, nextTable("ns"), formatNamespace)
	defer tg.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := tg.Ping(ctx)
	if err == nil {
		t.Fatal("Ping with a wrong password succeeded")
	}
	if strings.Contains(err.Error(), "Wrong-Pa55") {
		t.Errorf("error %q shows the password", err)
	}
	right := openTarget(t, "mysql", conn, nextTable("ns"), formatNamespace)
	defer right.Close()
	if err := right.Ping(ctx); err != nil {
		t.Fatalf("Ping with the right password: %v", err)
	}
}

func TestMySQLKeyLimit(t *testing.T) { keyLimit(t, myBackend) }
