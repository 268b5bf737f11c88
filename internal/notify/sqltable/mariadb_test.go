package sqltable

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/kurastore/kura/internal/notify/targettest"
)

// mariaDB is a MariaDB server of the Debian mariadb-server package,
// started in a temporary directory on a random 127.0.0.1 port. Tests reach
// it over TCP as user "kura" with a password; the root account, reached
// over the server's socket, only sets that user up.
type mariaDB struct {
	*targettest.Process
	root, sock string
}

const (
	mariaUser     = "kura"
	mariaPassword = "s3cret-Pa55"
)

func mariaBinaries(t testing.TB) (mariadbd, installDB string) {
	t.Helper()
	mariadbd = targettest.FindExecutable("mariadbd", "/usr/sbin")
	installDB = targettest.FindExecutable("mariadb-install-db", "/usr/bin")
	if mariadbd == "" || installDB == "" {
		t.Skip("MariaDB is not installed (no mariadbd or mariadb-install-db); apt-get install mariadb-server to run this test")
	}
	return mariadbd, installDB
}

// newMariaDB initializes a data directory and starts a server on it; it is
// stopped and its files removed at t's cleanup.
func newMariaDB(t testing.TB) *mariaDB {
	t.Helper()
	m, err := startNewMariaDB(t)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.close)
	return m
}

func startNewMariaDB(t testing.TB) (*mariaDB, error) {
	mariadbd, installDB := mariaBinaries(t)
	root, err := os.MkdirTemp("", "kura-mariadb-")
	if err != nil {
		return nil, err
	}
	m := &mariaDB{root: root, sock: filepath.Join(root, "mysqld.sock")}
	args := []string{"--no-defaults", "--datadir=" + m.data(), "--auth-root-authentication-method=normal", "--skip-test-db"}
	if os.Geteuid() == 0 {
		args = append(args, "--user=root")
	}
	if out, err := exec.Command(installDB, args...).CombinedOutput(); err != nil {
		os.RemoveAll(root)
		return nil, fmt.Errorf("mariadb-install-db: %v\n%s", err, out)
	}
	m.Process, err = targettest.Server{
		Name: "mariadbd",
		Command: func(port int) (*exec.Cmd, string, error) {
			args := []string{"--no-defaults", "--datadir=" + m.data(), "--socket=" + m.sock,
				"--port=" + strconv.Itoa(port), "--bind-address=127.0.0.1",
				"--pid-file=" + filepath.Join(root, "mysqld.pid"), "--skip-log-bin",
				"--innodb-buffer-pool-size=16M", "--innodb-flush-log-at-trx-commit=0",
				"--skip-name-resolve"}
			if os.Geteuid() == 0 {
				args = append(args, "--user=root")
			}
			cmd := exec.Command(mariadbd, args...)
			cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
			return cmd, filepath.Join(root, "server.log"), nil
		},
		Ready:        func(int) error { return m.pingRoot() },
		StartTimeout: 60 * time.Second,
		StopTimeout:  30 * time.Second,
	}.Launch()
	if err != nil {
		os.RemoveAll(root)
		return nil, err
	}
	if err := m.createUser(); err != nil {
		m.close()
		return nil, err
	}
	return m, nil
}

func (m *mariaDB) data() string { return filepath.Join(m.root, "data") }

func (m *mariaDB) rootDB() (*sql.DB, error) {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Net, cfg.Addr = "root", "unix", m.sock
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(conn), nil
}

func (m *mariaDB) pingRoot() error {
	db, err := m.rootDB()
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	return db.PingContext(ctx)
}

func (m *mariaDB) rootExec(stmts ...string) error {
	db, err := m.rootDB()
	if err != nil {
		return err
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

func (m *mariaDB) createUser() error {
	return m.rootExec(
		fmt.Sprintf("CREATE USER '%s'@'127.0.0.1' IDENTIFIED BY '%s'", mariaUser, mariaPassword),
		fmt.Sprintf("GRANT ALL PRIVILEGES ON *.* TO '%s'@'127.0.0.1'", mariaUser),
	)
}

func (m *mariaDB) close() {
	m.Stop()
	os.RemoveAll(m.root)
}

// dsn is the DSN of database db as the password user, with password pw.
func (m *mariaDB) dsn(db, pw string) string {
	return fmt.Sprintf("%s:%s@tcp(127.0.0.1:%d)/%s", mariaUser, pw, m.Port, db)
}

var mariaSeq atomic.Int64

// newDatabase creates an empty database and returns its DSN.
func (m *mariaDB) newDatabase(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("kt_%d_%d", os.Getpid(), mariaSeq.Add(1))
	if err := m.rootExec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	return m.dsn(name, mariaPassword)
}

// The server the tests of this binary share, started on first use and
// stopped by TestMain.
var sharedMaria struct {
	once sync.Once
	m    *mariaDB
	err  error
}

func mariaDatabase(t testing.TB) string {
	t.Helper()
	mariaBinaries(t)
	sharedMaria.once.Do(func() { sharedMaria.m, sharedMaria.err = startNewMariaDB(t) })
	if sharedMaria.err != nil {
		t.Fatal(sharedMaria.err)
	}
	return sharedMaria.m.newDatabase(t)
}

func stopSharedMaria() {
	if sharedMaria.m != nil {
		sharedMaria.m.close()
	}
}
